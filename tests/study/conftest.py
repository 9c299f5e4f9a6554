"""A small study world on top of the shared cast: the city office's branch, plan, one
session of 支部带学 with attendance, self-study and a reflection; one county session."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from xuncha.study import services

COPIED = "通过学习，我深刻认识到全面从严治党永远在路上，必须把纪律和规矩挺在前面，做到知行合一、学用结合。"
ADVERT = "添加微信 kaoshi2026 免费领取学习资料，详情咨询13812345678。"


def first_day():
    return timezone.localdate().replace(month=1, day=1)


@pytest.fixture
def study(cast):
    day = first_day()
    branch = services.branch_save(
        office=cast.city,
        name="机关第一党支部",
        members=[cast.office_staff, cast.team_member, cast.other_member, cast.team_leader],
        secretary=cast.office_staff,
        actor=cast.office_admin,
    )
    plan = services.plan_save(
        office=cast.city,
        year=day.year,
        centre=12,
        branch=6,
        exchange=4,
        hours_per_person="40",
        actor=cast.office_admin,
    )
    session = services.session_create(
        office=cast.city,
        form="branch",
        date=day,
        host=cast.office_staff,
        topic="学习《中国共产党巡视工作条例》",
        branch=branch,
        materials="《中国共产党巡视工作条例》第一章至第三章",
        hours="3",
        attendance=[
            (cast.team_member, "present", ""),
            (cast.other_member, "excused", "外出参加培训"),
            (cast.team_leader, "absent", ""),
        ],
        actor=cast.office_staff,
    )
    own = services.self_study_create(
        office=cast.city,
        person=cast.team_member,
        date=day,
        material="《习近平关于党的自我革命的重要论述摘编》",
        hours="2.5",
        actor=cast.team_member,
    )
    first = services.reflection_submit(
        author=cast.team_member,
        session=session,
        title="学习巡视工作条例的体会",
        text="巡察是党内监督的重要形式。" + COPIED,
        actor=cast.team_member,
    )
    county = services.session_create(
        office=cast.county_a,
        form="centre",
        date=day,
        host=cast.county_staff,
        topic="县委巡察办中心组学习",
        attendance=[(cast.county_staff, "present", "")],
        actor=cast.county_staff,
    )
    return SimpleNamespace(
        branch=branch, plan=plan, session=session, own=own, reflection=first, county=county
    )
