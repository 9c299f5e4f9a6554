"""Every page a role can reach from its menu, at desktop (1366 px) and phone (390 px)
width: no serious or critical axe-core violation (WCAG 2.1 A/AA), no console error or
uncaught script error, no request to a host other than the test server, at most one
primary action (btn-primary) in the page header, and on the phone
no table squeezed into one-character columns and no page wider than the screen; every
link a role is shown opens for it (no 403, 404 or 500).

Each role's crawl starts at its home and follows the same-origin links of the menu and
the page body breadth first (downloads, the API and the admin left out). Pages count by
URL pattern: /x/12/ and /x/34/ are one page. The first role to reach a pattern checks it
in full at both widths (and every role its own home); a later role only opens it (an
HTTP fetch with its session, no rendering) and follows its links. So the crawl reaches
every route the menus lead to and its time grows with the routes, not the rows. axe-core
comes from node_modules (the npm package), never from a CDN.

With XUNCHA_SCREENSHOTS=1 (`make screenshots`) it also saves a JPEG of the first screen
of every page checked in full, at both widths, into docs/screenshots/<role>/ and writes
docs/screenshots/index.md. Figures of the last run: test-results/a11y/summary.txt.
"""

import os
import re
import time
from collections import defaultdict, deque
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from django.urls import Resolver404, resolve

from tests.cast import client_for

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results" / "a11y"
SCREENSHOTS = ROOT / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ROLES = [
    "office_staff",
    "office_admin",
    "leading_group",
    "custodian",
    "auditor",
    "county_staff",
    "unit_liaison",
    "handover_recipient",
    "team_leader",
    "sysadmin",
    "anonymous",
]
# Where each crawl starts: a role's home; the public reaches the public pages and the login.
START = {"anonymous": ["/public/", "/public/disclosures/", "/login/"]}
# The cast's accounts as the index names them (Role labels; two are not roles).
ROLE_LABELS = {
    "office_staff": "巡察办工作人员",
    "office_admin": "巡察办管理员",
    "leading_group": "领导小组成员",
    "custodian": "举报人信息保管人",
    "auditor": "安全审计员",
    "county_staff": "巡察办工作人员（县级）",
    "unit_liaison": "被巡察单位联络员",
    "handover_recipient": "移交接收单位联络员",
    "team_leader": "巡察组组长",
    "sysadmin": "系统管理员",
    "anonymous": "公众（未登录）",
}
# Width name -> viewport; the screenshots are of this first screen.
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
# A bound on the URL patterns one role crawls, far above what any menu reaches today.
PATTERNS_PER_ROLE = 150
JPEG_QUALITY = 20
SKIP = (
    "/logout",
    "/api/",
    "/admin/",
    "/static/",
    "/media/",
    "download",
    "export",
    ".docx",
    ".xlsx",
)
# Started in both tabs before either is awaited: the two widths are checked at once.
AXE_START = """() => {
  window.__xcAxe = axe.run(document, {runOnly: {type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
    .then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})));
}"""
AXE_RESULT = "() => window.__xcAxe"
# The same check in one call, for the browser tests of single pages.
AXE_RUN = "async () => { (" + AXE_START + ")(); return await window.__xcAxe; }"
# Cells narrower than this (CSS px) on a 390 px screen read as one character per line.
NARROWEST_CELL = 40
PHONE_CHECK = (
    """() => {
  const NARROWEST = """
    + str(NARROWEST_CELL)
    + """;
  const narrow = [];
  for (const cell of document.querySelectorAll('main table td, main table th')) {
    const w = cell.getBoundingClientRect().width;
    if (cell.textContent.trim().length > 2 && w > 0 && w < NARROWEST) narrow.push(cell.textContent.trim().slice(0, 20));
  }
  return {narrow: narrow.slice(0, 5),
          overflow: document.documentElement.scrollWidth - window.innerWidth};
}"""
)
# The one-primary-action rule: a page header offers at most one solid blue button.
HEADER_PRIMARIES = "() => document.querySelectorAll('.xc-page-header .btn-primary').length"
TITLE = """() => {
  const h = document.querySelector('main h1') || document.querySelector('h1');
  // Row numbers (审计记录 #9) differ between databases; the index stays the same.
  return (h ? h.textContent : document.title).replace(/\\s+/g, ' ').replace(/#\\d+/g, '#…').trim();
}"""


def pattern_of(url):
    """The URL pattern a link leads to (its view name), or its path if none matches."""
    path = urlparse(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.view_name or match.route


def slug(pattern):
    return re.sub(r"[^A-Za-z0-9_]+", "-", pattern).strip("-") or "home"


def _same_origin(hrefs, base):
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(base, href)
        parsed = urlparse(url)
        if parsed.netloc != urlparse(base).netloc or any(s in parsed.path for s in SKIP):
            continue
        yield parsed._replace(fragment="").geturl()


def _links(page):
    hrefs = page.eval_on_selector_all(
        "nav a[href], main a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    return list(_same_origin(hrefs, page.url))


class _MenuAndBodyLinks(HTMLParser):
    """The hrefs of the links inside <nav> and <main> of a page's HTML, as _links finds
    them in the browser (for pages fetched without rendering)."""

    def __init__(self):
        super().__init__()
        self.depth, self.hrefs = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in ("nav", "main"):
            self.depth += 1
        elif tag == "a" and self.depth:
            self.hrefs.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in ("nav", "main") and self.depth:
            self.depth -= 1


def _fetched_links(html, base):
    parser = _MenuAndBodyLinks()
    parser.feed(html)
    return list(_same_origin(parser.hrefs, base))


def write_index(entries, directory=SCREENSHOTS):
    """docs/screenshots/index.md from (pattern, role, title) entries, the same text for
    the same pages whatever order the crawl found them in."""
    rows = sorted(set(entries), key=lambda e: (e[0] != "org:home", e[0], ROLES.index(e[1])))
    lines = [
        "# 页面截图 / Page screenshots",
        "",
        "Generated by `make screenshots` (tests/browser/test_accessibility.py with",
        "`XUNCHA_SCREENSHOTS=1`) from the test cast; do not edit. The first screen of every",
        f"page the menus lead to, at desktop ({WIDTHS['desktop'][0]} px) and phone "
        f"({WIDTHS['phone'][0]} px) width, each",
        "page once as the first role that reaches it (every role's home page).",
        "",
        f"{len(rows)} pages.",
        "",
        "| 页面 | URL pattern | 角色 | 桌面 1366 | 手机 390 |",
        "|---|---|---|---|---|",
    ]
    for pattern, role, title in rows:
        name = f"{role}/{slug(pattern)}"
        title = title.replace("|", "\\|")
        lines.append(
            f"| {title} | `{pattern}` | {ROLE_LABELS[role]} | "
            f"[![desktop]({name}-desktop.jpg)]({name}-desktop.jpg) | "
            f"[![phone]({name}-phone.jpg)]({name}-phone.jpg) |"
        )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_screenshot_index_is_deterministic(tmp_path):
    entries = [
        ("plans:plan_list", "office_staff", "巡察规划"),
        ("org:home", "sysadmin", "工作台"),
        ("org:home", "office_staff", "工作台"),
        ("a|b", "auditor", "x|y"),
    ]
    write_index(entries, tmp_path / "one")
    write_index(list(reversed(entries)), tmp_path / "two")
    first = (tmp_path / "one" / "index.md").read_text(encoding="utf-8")
    assert first == (tmp_path / "two" / "index.md").read_text(encoding="utf-8")
    rows = [line for line in first.splitlines() if line.startswith("| ") and "`" in line]
    assert [r.split("|")[3].strip() for r in rows[:2]] == ["巡察办工作人员", "系统管理员"]
    assert "office_staff/org-home-desktop.jpg" in rows[0]
    assert r"x\|y" in first


class Watch:
    """Console errors, uncaught script errors and foreign requests of one page, as
    they arrive; `take()` returns those seen since the last call."""

    def __init__(self, page, host):
        self.events = []
        page.on(
            "console",
            lambda m: m.type == "error" and self.events.append(f"console error: {m.text}"),
        )
        page.on("pageerror", lambda e: self.events.append(f"script error: {e}"))
        page.on(
            "request",
            lambda r: (
                urlparse(r.url).scheme in ("http", "https", "ws", "wss")
                and urlparse(r.url).netloc != host
                and self.events.append(f"request to another host: {r.url}")
            ),
        )

    def take(self):
        events, self.events = self.events, []
        return events


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_reachable_page_is_accessible_and_fits_a_phone(live_server, cast):
    """Each role crawls its own menus and page bodies (every link a role is shown must
    open for it). The first role to reach a URL pattern checks it in full at both widths
    (every role checks its own home, which differs most between roles); later roles
    fetch a pattern already checked without rendering it, to see that it opens and to
    follow its links. Bounded by the patterns, not the rows: under three minutes on a
    busy two-core machine (figures of the last run: test-results/a11y/summary.txt)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    shoot = os.environ.get("XUNCHA_SCREENSHOTS") == "1"
    if shoot:  # a page gone from the menus takes its old pictures with it
        for old in SCREENSHOTS.glob("*/*.jpg"):
            old.unlink()
    RESULTS.mkdir(parents=True, exist_ok=True)
    axe_source = AXE.read_text(encoding="utf-8")
    host = urlparse(live_server.url).netloc
    problems, summary, checked, entries, reached = [], [], set(), [], set()
    counts = {"full": 0, "fetched": 0, "axe": 0, "console": 0, "foreign": 0}
    started = time.monotonic()
    spent = defaultdict(float)

    @contextmanager
    def timed(step):
        t = time.monotonic()
        yield
        spent[step] += time.monotonic() - t

    def check(role, url, tabs, watches):
        """Both widths in the browser: axe, console, foreign requests, phone fit,
        screenshots. Returns the links of the page, or None if it did not open."""
        where = f"{role} {urlparse(url).path}"
        response = tabs["desktop"].goto(url)
        if response is None or response.status != 200:
            watches["desktop"].take()  # the browser logs the status as a console error
            if response is not None and response.status in (403, 404, 500):
                problems.append(f"{where}: linked page answers {response.status}")
            return None
        if "text/html" not in (response.headers.get("content-type") or ""):
            return []
        desktop, phone = tabs["desktop"], tabs["phone"]
        links, title, final = _links(desktop), desktop.evaluate(TITLE), desktop.url
        # The phone loads the page while the desktop's axe runs, then runs its own; both
        # are awaited after (a third less time on a busy machine).
        if phone.url == final:
            phone.goto(final)
        else:
            phone.evaluate("url => { window.location.href = url; }", final)
        desktop.evaluate(axe_source)
        desktop.evaluate(AXE_START)
        phone.wait_for_url(final, wait_until="load")
        phone.evaluate(axe_source)
        phone.evaluate(AXE_START)
        for width, tab in tabs.items():
            for v in tab.evaluate(AXE_RESULT):
                counts["axe"] += 1
                problems.append(f"{where} ({width}): {v['impact']} {v['id']} {v['nodes']}")
            if width == "desktop" and (n := tab.evaluate(HEADER_PRIMARIES)) > 1:
                problems.append(f"{where}: {n} primary actions in the page header")
            if width == "phone":
                fit = tab.evaluate(PHONE_CHECK)
                if fit["narrow"]:
                    problems.append(f"{where} (phone): narrow cells {fit['narrow']}")
                if fit["overflow"] > 2:
                    problems.append(f"{where} (phone): page {fit['overflow']}px too wide")
            for event in watches[width].take():
                counts["foreign" if "another host" in event else "console"] += 1
                problems.append(f"{where} ({width}): {event}")
            if shoot:
                target = SCREENSHOTS / role / f"{slug(pattern_of(url))}-{width}.jpg"
                target.parent.mkdir(parents=True, exist_ok=True)
                with timed("of which screenshots"):
                    tab.screenshot(path=str(target), type="jpeg", quality=JPEG_QUALITY)
        entries.append((pattern_of(url), role, title))
        counts["full"] += 1
        return links

    def fetch(role, url, request):
        """A pattern checked already: does it open for this role, where does it lead."""
        response = request.get(url)
        if response.status != 200:
            if response.status in (403, 404, 500):
                problems.append(
                    f"{role} {urlparse(url).path}: linked page answers {response.status}"
                )
            return None
        counts["fetched"] += 1
        if "text/html" not in (response.headers.get("content-type") or ""):
            return []
        return _fetched_links(response.text(), response.url)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            for role in ROLES:
                role_started, before = time.monotonic(), dict(counts)
                cookies = []
                if role != "anonymous":
                    cookie = client_for(getattr(cast, role)).cookies["sessionid"].value
                    cookies = [{"name": "sessionid", "value": cookie, "url": live_server.url}]
                tabs, watches, contexts = {}, {}, []
                for width, (w, h) in WIDTHS.items():
                    ctx = browser.new_context(
                        viewport={"width": w, "height": h},
                        locale="zh-CN",
                        is_mobile=width == "phone",
                    )
                    ctx.add_cookies(cookies)
                    contexts.append(ctx)
                    tabs[width] = ctx.new_page()
                    watches[width] = Watch(tabs[width], host)
                seen = set()
                queue = deque(f"{live_server.url}{path}" for path in START.get(role, ["/"]))
                while queue and len(seen) < PATTERNS_PER_ROLE:
                    url = queue.popleft()
                    pattern = pattern_of(url)
                    if pattern in seen:
                        continue
                    seen.add(pattern)
                    reached.add((role, pattern))
                    key = (pattern, role) if pattern == "org:home" else pattern
                    if key in checked:
                        with timed("opening pages checked already"):
                            links = fetch(role, url, contexts[0].request)
                    else:
                        checked.add(key)
                        with timed("full checks"):
                            links = check(role, url, tabs, watches)
                    queue.extend(u for u in links or () if pattern_of(u) not in seen)
                for ctx in contexts:
                    ctx.close()
                summary.append(
                    f"{role}: {len(seen)} URL patterns, {counts['full'] - before['full']} "
                    f"checked at {' and '.join(WIDTHS)} width, "
                    f"{counts['fetched'] - before['fetched']} checked already (opened only), "
                    f"{time.monotonic() - role_started:.0f} s"
                )
        finally:
            browser.close()
    size = sum(f.stat().st_size for f in SCREENSHOTS.glob("*/*.jpg")) if shoot else 0
    if shoot:
        write_index(entries)
        summary.append(f"screenshots: {2 * len(entries)} JPEGs, {size / 1e6:.1f} MB")
    summary.append(
        f"total: {counts['full']} pages checked at each width, {counts['fetched']} opened "
        f"again as other roles, {counts['axe']} serious/critical axe violations, "
        f"{counts['console']} console or script errors, {counts['foreign']} requests to "
        f"another host, {len(problems)} problems, {time.monotonic() - started:.0f} s"
    )
    summary.append("time: " + ", ".join(f"{k} {v:.0f} s" for k, v in spent.items()))
    (RESULTS / "summary.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")
    (RESULTS / "problems.txt").write_text("\n".join(problems), encoding="utf-8")
    (RESULTS / "patterns.txt").write_text(
        "".join(f"{role} {pattern}\n" for role, pattern in sorted(reached)), encoding="utf-8"
    )
    print("\n" + "\n".join(summary))
    assert size <= 5e6, f"screenshots take {size / 1e6:.1f} MB, more than 5 MB"
    assert counts["full"] >= 60, f"only {counts['full']} pages were reachable"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
