"""Every page: assets only from this site, no inline script or handler, a strict CSP.

Walks the URL configuration and renders every page that needs no argument (as an
office administrator, a unit liaison and an anonymous visitor), plus the cast's main
object pages; any src/href/action/url()/@import pointing off-site fails, and so does an
inline <script> (other than JSON data blocks) or an on…= handler attribute.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.cast import client_for
from xuncha.plans.models import AnnualPlan

ATTRIBUTE = re.compile(r"""\b(?:src|href|action|poster|data-src)\s*=\s*["']([^"']*)["']""", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])([^"')\s]+)""", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
HANDLER = re.compile(r"""<[^>]+\son[a-z]+\s*=\s*["']""", re.I)


def _routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _routes(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _no_arg_paths():
    for route, _pattern in _routes():
        if "<" in route or "(?P" in route or route.startswith(("admin/", "api/v1/")):
            continue
        path = "/" + route.lstrip("^").rstrip("$")
        if "\\" in path or "ledger" in path or path.endswith((".xlsx", ".docx", ".csv")):
            continue
        yield path


def _local(url: str) -> bool:
    url = url.strip()
    if not url or url.startswith(("#", "?", "data:", "mailto:", "tel:", "blob:")):
        return True
    if url.startswith("//") or re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        return url.startswith(("http://testserver/", "https://testserver/"))
    return True


def check_page(html: str, where: str):
    foreign = [u for u in ATTRIBUTE.findall(html) + CSS_URL.findall(html) if not _local(u)]
    assert not foreign, f"{where} 引用了外部地址：{foreign[:5]}"
    assert not INLINE_SCRIPT.search(html), f"{where} 含内联脚本：{INLINE_SCRIPT.search(html)[0]}"
    handler = HANDLER.search(html)
    assert not handler, f"{where} 含内联事件处理器：{handler[0][:120]}"


def _check(client, path, seen):
    response = client.get(path, follow=True)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    html = response.content.decode()
    check_page(html, path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    seen.add(path)


@pytest.mark.django_db
def test_every_page_uses_local_assets_and_no_inline_script(cast):
    paths = sorted(set(_no_arg_paths()))
    seen = set()
    for client in (client_for(cast.office_admin), client_for(cast.unit_liaison)):
        for path in paths:
            _check(client, path, seen)
    from django.test import Client

    for path in paths:
        _check(Client(), path, seen)
    member = client_for(cast.team_member)
    inspection = cast.inspections["a"]
    for path in (
        reverse("inspections:workspace", args=[inspection.pk]),
        reverse("plans:plan_detail", args=[AnnualPlan.objects.first().pk]),
        "/api/v1/docs",
    ):
        _check(member, path, seen)
    assert "/api/v1/docs" in seen and "/public/" in seen and len(seen) > 20, sorted(seen)


def test_the_page_check_catches_cdn_inline_scripts_and_handlers():
    for html in (
        '<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui-bundle.js"></script>',
        '<link rel="stylesheet" href="//unpkg.com/x.css">',
        "<style>@import 'https://fonts.googleapis.com/css';</style>",
        '<div style="background:url(https://example.com/a.png)"></div>',
        "<script>alert(1)</script>",
        '<button onclick="go()">x</button>',
    ):
        with pytest.raises(AssertionError):
            check_page(html, "样例")
    check_page('<script id="d" type="application/json">{}</script><a href="/x">x</a>', "样例")
