"""The demo generator: the org city, its tree, determinism, accounts that really log in."""

import base64
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from xuncha.core.demo import DemoContext, build_all, generators
from xuncha.org import access
from xuncha.org.demo import ACCOUNTS
from xuncha.org.models import Office, Role, RoleAssignment, Unit, User

pytestmark = pytest.mark.django_db


def build_org(seed=7, scale=1):
    return build_all(DemoContext(seed=seed, scale=scale, log=lambda *a: None), apps=["org"])


def snapshot():
    return [
        (u.name, u.kind, u.status, u.parent.name if u.parent else "", u.office.name)
        for u in Unit.objects.select_related("parent", "office").order_by("pk")
    ]


def wipe_org():
    TOTPDevice.objects.all().delete()
    RoleAssignment.objects.all().delete()
    User.objects.all().delete()
    Unit.objects.update(successor=None)
    for depth in (2, 1, 0):
        Unit.objects.filter(depth=depth).delete()
    Office.objects.filter(parent__isnull=False).delete()
    Office.objects.all().delete()


def test_generators_follow_demo_apps_order():
    apps = [app for app, _build in generators()]
    assert apps[0] == "org"
    assert all(callable(build) for _app, build in generators())


def test_city_offices_units_and_kinds():
    build_org()
    city = Office.objects.get(level=Office.Level.CITY)
    counties = Office.objects.filter(level=Office.Level.COUNTY)
    assert city.name == "江州市委巡察办"
    assert counties.count() == 6
    assert all(c.parent_id == city.pk for c in counties)
    total = Unit.objects.count()
    assert 550 <= total <= 800
    assert set(Unit.objects.values_list("kind", flat=True)) == set(Unit.Kind.values)
    # Who covers what: villages and townships by their county, city departments by the city.
    assert not Unit.objects.filter(kind__in=["village", "township"], office=city).exists()
    assert Unit.objects.filter(kind="department", office=city).count() >= 50
    assert not Unit.objects.filter(kind="village", parent__isnull=True).exists()
    assert not Unit.objects.filter(kind="village").exclude(parent__kind="township").exists()
    # History: merged and renamed units point at an active successor.
    changed = Unit.objects.exclude(status=Unit.Status.ACTIVE)
    assert changed.filter(status=Unit.Status.MERGED).exists()
    assert changed.filter(status=Unit.Status.RENAMED).exists()
    assert not changed.filter(successor__isnull=True).exists()
    assert not changed.exclude(successor__status=Unit.Status.ACTIVE).exists()
    assert Unit.objects.filter(
        name="江州市国土资源局", successor__name="江州市自然资源和规划局"
    ).exists()
    assert Unit.objects.values("name").distinct().count() == total


def test_tree_paths_are_consistent_and_subtrees_work():
    build_org()
    units = {u.pk: u for u in Unit.objects.all()}
    for unit in units.values():
        parent_path = units[unit.parent_id].path if unit.parent_id else ""
        assert unit.path == f"{parent_path}{unit.pk:08d}/"
        assert unit.depth == unit.path.count("/") - 1
    township = Unit.objects.filter(kind="township").first()
    subtree = Unit.objects.subtree(township)
    assert set(subtree.values_list("pk", flat=True)) == {township.pk} | set(
        township.children.values_list("pk", flat=True)
    )
    village = township.children.first()
    assert list(Unit.objects.ancestors_of(village)) == [township]
    # Moving a township under another re-hangs its villages (paths computed in bulk still work).
    other = Unit.objects.filter(kind="township").exclude(pk=township.pk).first()
    township.move_to(other)
    village.refresh_from_db()
    assert village.path.startswith(other.path) and village.depth == 2


def test_county_staff_sees_only_its_county_units():
    build_org()
    staff = User.objects.get(username="county_staff")
    county = staff.office
    visible = access.visible(Unit.objects.all(), staff)
    assert visible.count() == Unit.objects.filter(office=county).count() > 0
    assert not visible.exclude(office=county).exists()
    city_staff = User.objects.get(username="office_staff")
    assert access.visible(Unit.objects.all(), city_staff).count() == Unit.objects.count()


def test_same_seed_same_city_other_seed_other_city():
    build_org(seed=11)
    first = snapshot()
    wipe_org()
    build_org(seed=11)
    assert snapshot() == first
    wipe_org()
    build_org(seed=12)
    assert snapshot() != first


def test_scale_multiplies_volumes():
    build_org(scale=1)
    small = Unit.objects.count()
    wipe_org()
    build_org(scale=3)
    assert Unit.objects.count() > 2.5 * small


def test_every_role_has_an_account_that_logs_in():
    ctx = build_org()
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert set(ctx.accounts) == {key for key, *_ in ACCOUNTS}
    for key, account in ctx.accounts.items():
        user = User.objects.get(username=account["username"])
        assert not user.must_change_password and user.password_changed_at
        client = Client()
        response = client.post(
            reverse("org:login"),
            {"username": account["username"], "password": account["password"]},
        )
        assert response.status_code == 302, key
        home = client.get(reverse("org:home"))
        if "totp_secret" in account:
            assert home.status_code == 302 and home["Location"] == reverse("org:otp_verify")
            token = totp(base64.b32decode(account["totp_secret"]))
            verified = client.post(reverse("org:otp_verify"), {"token": f"{token:06d}"})
            assert verified.status_code == 302, key
            home = client.get(reverse("org:home"))
        assert home.status_code == 200, key
        assert "工作台" in home.content.decode()


def test_admin_totp_secret_is_fixed_by_seed():
    first = build_org(seed=5).accounts["office_admin"]["totp_secret"]
    wipe_org()
    again = build_org(seed=5).accounts["office_admin"]["totp_secret"]
    assert first == again
    assert len(base64.b32decode(first)) == 20


def test_demo_command_builds_once_and_writes_accounts(settings, capsys):
    call_command("demo", "--no-serve", "--seed", "3", "--apps", "org")
    out = capsys.readouterr().out
    assert "演示账号" in out and "office_staff" in out
    accounts = json.loads((settings.DATA_DIR / "demo-accounts.json").read_text("utf-8"))
    assert accounts["unit_liaison"]["password"] == "Xuncha@2026"
    assert "totp_secret" in accounts["sysadmin"]
    count = Unit.objects.count()
    call_command("demo", "--no-serve", "--apps", "org")
    assert "已存在" in capsys.readouterr().out
    assert Unit.objects.count() == count


def test_demo_command_refuses_foreign_data_and_production(settings, cast):
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--no-serve", "--apps", "org")
    with pytest.raises(CommandError, match="未知的应用"):
        call_command("demo", "--no-serve", "--apps", "org,nope")
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo", "--no-serve")
