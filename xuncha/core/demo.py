"""The demo-data contract: each app that has demo data offers `<app>/demo.py: build(ctx)`.

`xuncha demo` calls them in DEMO_APPS order inside one transaction per app. A generator
reads what earlier apps built from the database, draws every random choice from
`ctx.rng` (so a seed gives the same city every time) and multiplies its volumes by
`ctx.scale` (use `ctx.n(base)`). Accounts it creates for people to try go into
`ctx.accounts` (key -> {"label", "username", "password"[, "totp_secret"]}), which the
command prints and writes to `demo-accounts.json` in the data folder. Progress lines
go through `ctx.log("  ...")`, in Chinese.
"""

import importlib
import random
import time
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

DEMO_APPS = [
    "org",
    "plans",
    "inspections",
    "reports",
    "petitions",
    "clues",
    "rectification",
    "training",  # training records and appraisals of the rounds above
    "notifications",  # replays the events above that the generators bulk-created
    "archive",  # after every record it files; before analytics, which reads everything
    "stats",  # aggregates of everything above; before analytics as the brief asks
    "savedviews",  # a few saved filters of the office's staff member
    "library",  # rules cited by the problems above
    "study",  # the office's own study: the org accounts and the library's rules
    "analytics",  # last: reads every record above (index, topics, duplicates)
]
APP_LABELS = {
    "org": "机构、单位与账号",
    "plans": "届内规划、年度计划与巡察组",
    "inspections": "巡察工作与发现问题",
    "reports": "巡察报告与反馈意见",
    "petitions": "巡察公告与来信来访",
    "analytics": "群众反映分析（垃圾信息、重复件、分类建议）",
    "clues": "问题线索与移交",
    "rectification": "整改任务与销号",
    "notifications": "通知（交办、审核、退回、期限提醒）",
    "archive": "立卷归档与保管期限",
    "training": "巡察干部培训记录与考核",
    "stats": "统计与上下联动（对口系统公钥、下级统计数据包、每周工作汇总）",
    "savedviews": "我的视图（保存的筛选条件）",
    "study": "学习教育（四种学习形式、出勤、心得体会）",
    "library": "法规制度库（条文、版本、引用、典型案例）",
}


@dataclass
class DemoContext:
    seed: int = 2026
    scale: int = 1
    today: date = field(default_factory=date.today)
    accounts: dict = field(default_factory=dict)
    rng: random.Random = field(init=False)
    log: object = print

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def n(self, base: int) -> int:
        """A volume scaled by --scale."""
        return base * self.scale


def generators(apps=None):
    """(app, build) for every app in DEMO_APPS that offers xuncha.<app>.demo.build."""
    found = []
    for app in apps or DEMO_APPS:
        try:
            module = importlib.import_module(f"xuncha.{app}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"xuncha.{app}.demo":
                raise  # the module exists but imports something missing: a real error
            continue
        found.append((app, module.build))
    return found


def build_all(ctx: DemoContext, apps=None) -> DemoContext:
    """Run every generator, each in its own transaction, printing progress."""
    for app, build in generators(apps):
        started = time.monotonic()
        ctx.log(f"生成演示数据：{APP_LABELS.get(app, app)} ({app}) …")
        # Each app draws from its own stream so that one app adding a random call
        # does not change every later app's data.
        ctx.rng = random.Random(f"{ctx.seed}:{app}")
        with transaction.atomic():
            build(ctx)
        ctx.log(f"  完成，用时 {time.monotonic() - started:.1f} 秒")
    return ctx
