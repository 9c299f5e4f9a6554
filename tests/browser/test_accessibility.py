"""Every page a role can reach from its menu passes axe-core (no serious or critical
WCAG 2.1 A/AA violation) and stays readable on a phone (no table squeezed into
one-character columns, no page wider than the screen).

The crawler starts at each role's home, follows the same-origin links of the menu and the
page body (breadth first, downloads and the API left out) and checks each page once per
role. axe-core comes from node_modules (the npm package), never from a CDN.
"""

import os
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tests.cast import client_for

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path("test-results/screenshots/a11y")
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
]
PAGES_PER_ROLE = 40
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
AXE_RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
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


def _links(page, base):
    hrefs = page.eval_on_selector_all(
        "nav a[href], main a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(base, href)
        parsed = urlparse(url)
        if parsed.netloc != urlparse(base).netloc or any(s in parsed.path for s in SKIP):
            continue
        yield parsed._replace(fragment="").geturl()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_reachable_page_is_accessible_and_fits_a_phone(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    axe_source = AXE.read_text(encoding="utf-8")
    problems, checked = [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            for role in ROLES:
                cookie = client_for(getattr(cast, role)).cookies["sessionid"].value
                desk = browser.new_context(
                    viewport={"width": 1366, "height": 900}, locale="zh-CN", bypass_csp=True
                )
                phone = browser.new_context(
                    viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
                )
                for ctx in (desk, phone):
                    ctx.add_cookies(
                        [{"name": "sessionid", "value": cookie, "url": live_server.url}]
                    )
                page, small = desk.new_page(), phone.new_page()
                seen, queue = set(), deque([f"{live_server.url}/"])
                while queue and len(seen) < PAGES_PER_ROLE:
                    url = queue.popleft()
                    if url in seen:
                        continue
                    seen.add(url)
                    response = page.goto(url)
                    if response is None or response.status != 200:
                        if response is not None and response.status in (403, 404, 500):
                            problems.append(f"{role} {url}: linked page answers {response.status}")
                        continue
                    if "text/html" not in (response.headers.get("content-type") or ""):
                        continue
                    page.evaluate(axe_source)
                    for v in page.evaluate(AXE_RUN):
                        problems.append(f"{role} {url}: {v['impact']} {v['id']} {v['nodes']}")
                    small.goto(url)
                    fit = small.evaluate(PHONE_CHECK)
                    if fit["narrow"]:
                        problems.append(f"{role} {url} (phone): narrow cells {fit['narrow']}")
                    if fit["overflow"] > 2:
                        problems.append(f"{role} {url} (phone): page {fit['overflow']}px too wide")
                    checked += 1
                    queue.extend(u for u in _links(page, url) if u not in seen)
                page.screenshot(path=str(SHOTS / f"{role}-last.png"), full_page=True)
                small.screenshot(path=str(SHOTS / f"{role}-last-phone.png"), full_page=True)
                desk.close()
                phone.close()
        finally:
            browser.close()
    (SHOTS / "problems.txt").write_text("\n".join(problems), encoding="utf-8")
    assert checked >= 40, f"only {checked} pages were reachable"
    assert not problems, f"{len(problems)} problems on {checked} pages:\n" + "\n".join(problems)
