"""Rules library: splitting a 200-page document, and article search over 5,000 rules.

    python bench/bench_library.py [--rules 5000] [--queries 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xuncha_bench python bench/bench_library.py

In process, on a fresh database in a temporary data folder (SQLite) or the given
PostgreSQL database (its schema is dropped and recreated: use a scratch database).
Each generated rule has chapters and 20–40 articles of text drawn from a Zipf-weighted
vocabulary; it is stored through `services.version_add` (split, tokens, FTS rows), so
the search figures cover the real index. Queries are one or two vocabulary words, run
by a county's staff (city rules visible through the office tree) as `search.run`;
suggestions (`search.suggest`) from a problem-like text are timed too (no target).
Targets (issue 14): splitting 200 pages ≤ 2 s; search p95 ≤ 100 ms.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "巡察 监督 整改 党组织 领导班子 干部 纪律 廉洁 公务接待 津贴补贴 财务 预算 资金 项目 "
    "招标 采购 合同 审计 档案 选人用人 考核 问责 违规 责任 制度 规定 程序 报告 反馈 移交 "
    "线索 谈话 调阅 检查 落实 部署 意识形态 形式主义 官僚主义 作风 群众 信访 乡镇 村级 "
    "集体资产 国有企业 学校 医院 工程 资产 票据 报销 会议 培训 差旅 车辆 办公用房 编制 "
    "人事 奖金 福利 礼品 宴请 经商办企业 兼职 亲属 利益冲突 回避 保密 请示 备案 公开"
).split()


def vocabulary(rng, size=3000):
    """The named words plus generated two-character words, Zipf-weighted (most common
    first): a library's texts share a few frequent words and many rare ones."""
    extra = []
    while len(extra) < size - len(WORDS):
        w = chr(0x4E00 + rng.randrange(8000)) + chr(0x4E00 + rng.randrange(8000))
        extra.append(w)
    words = list(dict.fromkeys(WORDS + extra))
    return words, [1 / (i + 1) for i in range(len(words))]


def page_text(rng, n_chars=700):
    out = []
    while sum(len(s) for s in out) < n_chars:
        out.append("".join(rng.choices(VOCAB, weights=WEIGHTS, k=rng.randint(4, 9))) + "。")
    return "".join(out)


VOCAB, WEIGHTS = vocabulary(random.Random(3))


def rule_text(rng, index, articles):
    from xuncha.library.split import to_chinese

    lines = [f"江州市第{index}号管理规定", "（示例文本）"]
    n, chapters = 0, max(1, articles // 8)
    for c in range(1, chapters + 1):
        lines.append(f"第{to_chinese(c)}章　第{c}部分")
        for _ in range(articles // chapters):
            n += 1
            lines.append(f"第{to_chinese(n)}条　" + page_text(rng, rng.randint(40, 120)))
            if rng.random() < 0.3:
                lines.append("（一）" + page_text(rng, 20))
                lines.append("（二）" + page_text(rng, 20))
    return "\n".join(lines) + "\n"


def big_document(rng, pages=200):
    from xuncha.library.split import to_chinese

    lines, n = ["江州市巡察工作规范汇编"], 0
    chars = 0
    c = 0
    while chars < pages * 700:
        c += 1
        lines.append(f"第{to_chinese(c)}章　第{c}部分")
        for _ in range(25):
            n += 1
            body = page_text(rng, 120)
            chars += len(body)
            lines.append(f"第{to_chinese(n)}条　{body}")
            lines.append("（一）" + page_text(rng, 15))
    return "\n".join(lines) + "\n", n


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if not os.environ.get("XUNCHA_DATA_DIR"):
        os.environ["XUNCHA_DATA_DIR"] = tempfile.mkdtemp(prefix="xuncha-bench-library-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from xuncha.library import search, services, split
    from xuncha.library.models import Provision, Rule
    from xuncha.org.models import Office, Role, RoleAssignment, User

    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    rng = random.Random(14)

    text, n = big_document(rng)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        result = split.split(text)
        times.append(time.perf_counter() - t0)
    assert result.count("article") == n
    worst = max(times)
    print(
        f"split: 200 pages ({len(text):,} characters, {n} articles): "
        f"median {statistics.median(times) * 1000:.0f} ms, worst {worst * 1000:.0f} ms "
        f"(target ≤ 2000 ms) {'OK' if worst <= 2 else 'MISSED'}"
    )

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    city = Office.objects.create(name="江州市委巡察办", level=Office.Level.CITY)
    county = Office.objects.create(name="临川县委巡察办", level=Office.Level.COUNTY, parent=city)
    staff = User.objects.create(username="staff", full_name="李干事")
    RoleAssignment.objects.create(user=staff, role=Role.OFFICE_STAFF, office=city)
    reader = User.objects.create(username="county", full_name="周干事")
    RoleAssignment.objects.create(user=reader, role=Role.OFFICE_STAFF, office=county)

    t0 = time.perf_counter()
    for start in range(0, args.rules, 500):
        # One transaction per rule, as each upload is: the document frequencies
        # (library.TokenCount) of common tokens are updated by every rule, and PostgreSQL
        # keeps every version of a row updated in one open transaction (thousands of
        # updates of one row in a single transaction would slow each next one).
        for i in range(start, min(args.rules, start + 500)):
            with transaction.atomic():
                office = city if i % 10 else county
                rule = Rule.objects.create(office=office, title=f"江州市第{i}号管理规定")
                body = rule_text(rng, i, rng.randint(20, 40))
                services.version_add(
                    rule=rule,
                    text=body,
                    file_name="x.txt",
                    file_type="txt",
                    size=len(body),
                    actor=staff,
                )
        print(f"  {min(args.rules, start + 500)} rules stored ({time.perf_counter() - t0:.0f} s)")
    articles = Provision.objects.citable().count()
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(f"index: {args.rules} rules, {articles:,} articles in {time.perf_counter() - t0:.0f} s")

    queries = []
    for _ in range(args.queries):
        k = rng.choice([1, 1, 2])
        queries.append(" ".join(rng.choices(VOCAB, weights=WEIGHTS, k=k)))
    for q in queries[:5]:
        search.run(reader, q)  # warm
    latencies, totals = [], []
    for q in queries:
        t0 = time.perf_counter()
        result = search.run(reader, q)
        latencies.append((time.perf_counter() - t0) * 1000)
        totals.append(result.total)
    p95 = pct(latencies, 0.95)
    print(
        f"search ({connection.vendor}, {args.queries} queries, county reader): "
        f"p50 {pct(latencies, 0.5):.1f} ms, p95 {p95:.1f} ms, max {max(latencies):.1f} ms; "
        f"median hits {statistics.median(totals):.0f} (target p95 ≤ 100 ms) "
        f"{'OK' if p95 <= 100 else 'MISSED'}"
    )
    sug = []
    for _ in range(30):
        text = page_text(rng, 80)
        t0 = time.perf_counter()
        search.suggest(reader, text)
        sug.append((time.perf_counter() - t0) * 1000)
    print(f"suggest (30 problem texts): p50 {pct(sug, 0.5):.0f} ms, p95 {pct(sug, 0.95):.0f} ms")


if __name__ == "__main__":
    main()
