"""The shared cast of offices, units and people every test suite uses.

A city office with two county offices; a few units under each; one account per role;
an outsider with no role. Apps that add roles of their own (team leader, member, ...)
extend the cast in their own fixtures on top of this one.
"""

import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from xuncha.org.middleware import LAST_SEEN_KEY
from xuncha.org.models import Office, Role, RoleAssignment, Unit, User
from xuncha.plans.models import AnnualPlan, Inspection, Inspector, Round, Team, TeamMember, Term

PASSWORD = "Xuncha#2026pass"


@dataclass
class Cast:
    city: Office
    county_a: Office
    county_b: Office
    units: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


_password_hashes: dict[str, str] = {}


def _hashed_password() -> str:
    # Argon2 is slow on purpose: hash the shared test password once per test session
    # (per configured hasher, since some test modules switch to a fast one).
    hasher = settings.PASSWORD_HASHERS[0]
    if hasher not in _password_hashes:
        _password_hashes[hasher] = make_password(PASSWORD)
    return _password_hashes[hasher]


def make_user(username, *, office=None, unit=None, roles=(), full_name=""):
    user = User.objects.create(
        username=username,
        password=_hashed_password(),
        full_name=full_name or username,
        office=office,
        unit=unit,
        must_change_password=False,
        password_changed_at=timezone.now(),
    )
    for role in roles:
        scope_unit = unit if str(role) in {Role.UNIT_LIAISON, Role.HANDOVER_RECIPIENT} else None
        RoleAssignment.objects.create(
            user=user, role=role, office=None if scope_unit else office, unit=scope_unit
        )
    return user


def build_cast() -> Cast:
    city = Office.objects.create(name="江州市委巡察办", level=Office.Level.CITY, region="江州市")
    county_a = Office.objects.create(
        name="临川县委巡察办", level=Office.Level.COUNTY, parent=city, region="临川县"
    )
    county_b = Office.objects.create(
        name="安平区委巡察办", level=Office.Level.COUNTY, parent=city, region="安平区"
    )
    cast = Cast(city=city, county_a=county_a, county_b=county_b)
    u = cast.units
    u["bureau"] = Unit.objects.create(
        name="江州市交通运输局", kind=Unit.Kind.CITY_DEPARTMENT, office=city, district="江州市"
    )
    u["bureau_child"] = Unit.objects.create(
        name="江州市公路事业发展中心",
        kind=Unit.Kind.OTHER,
        office=city,
        parent=u["bureau"],
        district="江州市",
    )
    u["discipline"] = Unit.objects.create(
        name="江州市纪委监委", kind=Unit.Kind.CITY_DEPARTMENT, office=city, district="江州市"
    )
    u["township_a"] = Unit.objects.create(
        name="临川县青石镇", kind=Unit.Kind.TOWNSHIP, office=county_a, district="临川县"
    )
    u["village_a"] = Unit.objects.create(
        name="临川县青石镇柳溪村",
        kind=Unit.Kind.VILLAGE,
        office=county_a,
        parent=u["township_a"],
        district="临川县",
    )
    u["township_b"] = Unit.objects.create(
        name="安平区东湖街道", kind=Unit.Kind.TOWNSHIP, office=county_b, district="安平区"
    )
    s = cast.users
    s["sysadmin"] = make_user(
        "sysadmin", office=city, roles=[Role.SYSADMIN], full_name="系统管理员"
    )
    s["office_admin"] = make_user(
        "office_admin", office=city, roles=[Role.OFFICE_ADMIN], full_name="王主任"
    )
    s["office_staff"] = make_user(
        "office_staff", office=city, roles=[Role.OFFICE_STAFF], full_name="李干事"
    )
    s["leading_group"] = make_user(
        "leading_group", office=city, roles=[Role.LEADING_GROUP], full_name="赵组长"
    )
    s["custodian"] = make_user("custodian", office=city, roles=[Role.CUSTODIAN], full_name="钱保管")
    s["auditor"] = make_user("auditor", office=city, roles=[Role.AUDITOR], full_name="孙审计")
    s["county_staff"] = make_user(
        "county_staff", office=county_a, roles=[Role.OFFICE_STAFF], full_name="周干事"
    )
    s["county_b_staff"] = make_user(
        "county_b_staff", office=county_b, roles=[Role.OFFICE_STAFF], full_name="吴干事"
    )
    s["unit_liaison"] = make_user(
        "unit_liaison", unit=u["bureau"], roles=[Role.UNIT_LIAISON], full_name="郑联络"
    )
    s["handover_recipient"] = make_user(
        "handover_recipient",
        unit=u["discipline"],
        roles=[Role.HANDOVER_RECIPIENT],
        full_name="冯纪检",
    )
    s["outsider"] = make_user("outsider", full_name="陈路人")
    _build_teams(cast)
    return cast


def _build_teams(cast: Cast) -> None:
    """Two city inspections in one round, each with its team.

    team_leader and team_member are on the first team (inspecting the transport bureau);
    other_member is on the second (inspecting the discipline commission's unit)."""
    term = Term.objects.create(
        office=cast.city, name="第十二届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=2026, state=AnnualPlan.State.APPROVED)
    rnd = Round.objects.create(plan=plan, number=1, start=date(2026, 3, 2), end=date(2026, 5, 29))
    cast.term, cast.plan, cast.round = term, plan, rnd
    cast.inspections = {}
    s = cast.users
    s["team_leader"] = make_user("team_leader", office=cast.city, full_name="何组长")
    s["team_member"] = make_user("team_member", office=cast.city, full_name="吕组员")
    s["other_member"] = make_user("other_member", office=cast.city, full_name="施组员")
    for key, unit, people in [
        ("a", cast.units["bureau"], [("team_leader", "leader"), ("team_member", "member")]),
        ("b", cast.units["township_a"], [("other_member", "member")]),
    ]:
        inspection = Inspection.objects.create(
            office=cast.city,
            round=rnd,
            start=rnd.start,
            end=rnd.end,
            stage=Inspection.Stage.INVESTIGATION,
        )
        inspection.units.add(unit)
        team = Team.objects.create(inspection=inspection, name=f"第{'一二'[ord(key) - 97]}巡察组")
        for username, role in people:
            inspector = Inspector.objects.create(
                office=cast.city, user=s[username], name=s[username].full_name
            )
            TeamMember.objects.create(team=team, inspector=inspector, role=role)
        cast.inspections[key] = inspection


def client_for(user) -> Client:
    """A logged-in test client; two-factor is marked as passed where the role needs it."""
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="测试", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # Seen just now, as after a real login: the first request need not touch the session
    # (a write), so query budgets measure the page, not the session's first touch.
    session[LAST_SEEN_KEY] = int(time.time())
    session.save()
    return client
