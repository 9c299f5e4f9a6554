"""整改工作设置: the office administrator sets deadlines, thresholds, disclosure deadline and
approvers, and co-reviewers; refused values change nothing; what is saved is used."""

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import client_for, make_user
from tests.matrix import USERS, case, check_all
from xuncha.audit.models import AuditEntry
from xuncha.clues import services as clue_services
from xuncha.core.errors import DomainError
from xuncha.org.models import Role, Unit
from xuncha.rectification import config
from xuncha.rectification.deadlines import month_later
from xuncha.rectification.services import config_for

FIELDS = list(config.LIMITS)


def _snapshot(office):
    c = config_for(office)
    return {n: getattr(c, n) for n in config.FIELDS}, sorted(
        c.co_reviewers.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_admin_changes_settings_and_every_change_is_audited(cast):
    office = cast.city
    saved = config.config_update(
        office=office,
        data={"disclosure_due_working_days": 15, "public_approver": "leading_group"},
        co_reviewers=[cast.units["discipline"]],
        actor=cast.office_admin,
    )
    assert saved.disclosure_due_working_days == 15 and saved.public_approver == "leading_group"
    entry = AuditEntry.objects.filter(object_type="rectification.rectificationconfig").latest("pk")
    assert entry.changes["disclosure_due_working_days"] == [10, 15]
    assert entry.changes["co_reviewers"] == [[], ["江州市纪委监委"]]
    # saving the same values again writes no entry
    count = AuditEntry.objects.count()
    config.config_update(
        office=office, data={"disclosure_due_working_days": 15}, actor=cast.office_admin
    )
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office_staff", "leading_group", "county_staff", "outsider"])
def test_only_the_office_admin_may_change_settings(cast, who):
    before = _snapshot(cast.city)
    with pytest.raises(DomainError, match="巡察办管理员"):
        config.config_update(office=cast.city, data={"red_days": 20}, actor=cast.users[who])
    assert _snapshot(cast.city) == before


@pytest.mark.django_db
def test_co_reviewers_come_from_the_office_or_above(cast):
    county_admin = make_user("county_admin", office=cast.county_a, roles=[Role.OFFICE_ADMIN])
    # a county may name the city's discipline commission ...
    config.config_update(
        office=cast.county_a,
        data={},
        co_reviewers=[cast.units["discipline"]],
        actor=county_admin,
    )
    # ... but not a unit of another county
    other = Unit.objects.filter(office=cast.county_b).first()
    with pytest.raises(DomainError, match="上级机构"):
        config.config_update(
            office=cast.county_a, data={}, co_reviewers=[other], actor=county_admin
        )
    assert [u.pk for u in config_for(cast.county_a).co_reviewers.all()] == [
        cast.units["discipline"].pk
    ]


values = st.fixed_dictionaries(
    {},
    optional={name: st.integers(min_value=-2, max_value=130) for name in FIELDS}
    | {"internal_approver": st.sampled_from(["office", "leading_group", "secretary"])},
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=values)
def test_a_value_is_saved_only_when_every_rule_holds(cast, data):
    before, co = _snapshot(cast.city)
    expected = dict(before, **data)
    valid = (
        all(config.LIMITS[n][0] <= v <= config.LIMITS[n][1] for n, v in data.items() if n in FIELDS)
        and expected["internal_approver"] in {"office", "leading_group"}
        and expected["yellow_days"] < expected["red_days"]
        and expected["plan_due_working_days"] < expected["report_due_working_days"]
    )
    try:
        config.config_update(office=cast.city, data=data, actor=cast.office_admin)
    except DomainError as exc:
        assert not valid, exc.message
        assert _snapshot(cast.city) == (before, co)
    else:
        assert valid
        assert _snapshot(cast.city) == (expected, co)


@pytest.mark.django_db
def test_saved_handover_deadline_is_used_when_a_handover_is_sent(rect):
    cast = rect.cast
    config.config_update(office=cast.city, data={"handover_due_months": 6}, actor=cast.office_admin)
    handover = clue_services.handover_create(
        inspection=cast.inspections["a"],
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="问题线索",
        problems=rect.problems[:1],
        actor=cast.office_staff,
    )
    handover = clue_services.handover_transition(
        handover=handover, target="sent", actor=cast.office_staff
    )
    assert handover.due_date == month_later(timezone.localtime(handover.sent_at).date(), 6)


@pytest.mark.django_db
def test_page_keeps_refused_input_and_saves_good_input(cast):
    admin = client_for(cast.office_admin)
    page = admin.get("/rectification/settings/")
    assert page.status_code == 200 and "整改工作设置（江州市委巡察办）" in page.content.decode()
    form = {n: getattr(config_for(cast.city), n) for n in config.FIELDS}
    refused = admin.post("/rectification/settings/", dict(form, yellow_days=12, red_days=8))
    body = refused.content.decode()
    assert refused.status_code == 200 and "须少于" in body and 'value="12"' in body
    assert config_for(cast.city).yellow_days == 5
    form.update(disclosure_due_working_days=20, co_reviewers=[cast.units["discipline"].pk])
    saved = admin.post("/rectification/settings/", form)
    assert saved.status_code == 302
    assert config_for(cast.city).disclosure_due_working_days == 20
    assert list(config_for(cast.city).co_reviewers.all()) == [cast.units["discipline"]]


@pytest.mark.django_db
def test_api_reads_and_changes_settings(cast):
    admin = client_for(cast.office_admin)
    got = admin.get("/api/v1/rectification/settings").json()
    assert got["office_id"] == cast.city.pk and got["plan_due_working_days"] == 20
    refused = admin.put(
        "/api/v1/rectification/settings",
        {"red_days": 3},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "须少于" in refused.json()["detail"]
    changed = admin.put(
        "/api/v1/rectification/settings",
        {"red_days": 15, "co_reviewer_ids": [cast.units["discipline"].pk]},
        content_type="application/json",
    ).json()
    assert changed["red_days"] == 15 and changed["co_reviewer_ids"] == [cast.units["discipline"].pk]


ADMINS = {"office_admin", "sysadmin"}
SIGNED_IN = set(USERS) - {"anonymous"}
CASES = [
    case("page", "get", lambda c: "/rectification/settings/", ADMINS, hidden=SIGNED_IN - ADMINS),
    case(
        "save",
        "post",
        lambda c: "/rectification/settings/",
        ADMINS,
        ok=302,
        hidden=SIGNED_IN - ADMINS,
        data=lambda c: {n: getattr(config_for(c.city), n) for n in config.FIELDS},
    ),
    case(
        "api_get",
        "get",
        lambda c: "/api/v1/rectification/settings",
        ADMINS,
        hidden=SIGNED_IN - ADMINS,
        schema_path="/api/v1/rectification/settings",
    ),
    case(
        "api_put",
        "put",
        lambda c: "/api/v1/rectification/settings",
        ADMINS,
        hidden=SIGNED_IN - ADMINS,
        data=lambda c: {"red_days": 12},
        schema_path="/api/v1/rectification/settings",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(cast, case):
    check_all(case, cast)
