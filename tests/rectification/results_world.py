"""The world of the use-of-results tests: an adopted plan with overdue measures, an
organisation department with its liaison, and one ledger item of each kind of interest."""

from dataclasses import dataclass
from datetime import date

import pytest

from tests.cast import make_user
from tests.rectification.conftest import adopt
from xuncha.org.models import Role, Unit
from xuncha.rectification import results


@dataclass
class World:
    cast: object
    rect: object
    plan: object
    measures: list
    org_unit: object
    sent: object  # a 巡察建议书 to the discipline commission, sent
    decided: object  # a 抄告 to the discipline commission, not yet sent
    org: object  # a referral to the organisation department, sent
    talk: object  # a talk with the transport bureau (plan a)
    meeting: object  # the bureau's rectification democratic life meeting


def build_world(rect) -> World:
    cast = rect.cast
    measures = adopt(rect)  # deadlines 2026-08-31: overdue today, so the unit lags
    org_unit = Unit.objects.create(
        name="中共江州市委组织部", kind=Unit.Kind.CITY_DEPARTMENT, office=cast.city
    )
    cast.users["org_recipient"] = make_user(
        "org_recipient", unit=org_unit, roles=[Role.HANDOVER_RECIPIENT], full_name="林组工"
    )
    inspection = cast.inspections["a"]
    staff = cast.office_staff
    sent = results.result_create(
        inspection=inspection,
        kind="suggestion_letter",
        subject="建议市纪委监委督促规范津补贴发放",
        recipient=cast.units["discipline"],
        problem=rect.problems[0],
        decided_on=date(2026, 6, 5),
        actor=staff,
    )
    sent = results.result_transition(item=sent, target="sent", actor=staff)
    decided = results.result_create(
        inspection=inspection,
        kind="copy_notice",
        subject="抄告市纪委监委政府采购问题",
        recipient=cast.units["discipline"],
        problem=rect.problems[1],
        decided_on=date(2026, 6, 5),
        actor=staff,
    )
    org = results.result_create(
        inspection=inspection,
        kind="org_referral",
        subject="移送市委组织部作为领导班子考核参考",
        recipient=org_unit,
        unit=cast.units["bureau"],
        decided_on=date(2026, 6, 5),
        actor=staff,
    )
    org = results.result_transition(item=org, target="sent", actor=staff)
    talk = results.talk_record(
        plan=rect.plan,
        held_on=date(2026, 9, 10),
        talker="王主任",
        talked_to="张局长（局党组书记）",
        reason="两项整改措施逾期未完成",
        promises="9月底前完成津补贴清退",
        actor=staff,
    )
    meeting = results.life_meeting_record(
        plan=rect.plan,
        actor=cast.unit_liaison,
        held_on=date(2026, 7, 20),
        host="张局长",
        attendees="局党组全体成员",
        discipline_observer="市纪委监委派驻纪检组 刘组长",
        organisation_observer="市委组织部干部一科 陈科长",
        self_criticism="班子成员逐一对照反馈问题作检视剖析。",
        measures=[measures[0]],
    )
    return World(
        cast=cast,
        rect=rect,
        plan=rect.plan,
        measures=measures,
        org_unit=org_unit,
        sent=sent,
        decided=decided,
        org=org,
        talk=talk,
        meeting=meeting,
    )


@pytest.fixture
def world(rect):
    return build_world(rect)
