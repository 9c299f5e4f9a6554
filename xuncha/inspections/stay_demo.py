"""Demo records of the stay (动员会, 组务会, 重要情况报告, weekly reports) and the reviews.

Called from `inspections/demo.py` for each inspection past 准备 (`stay`) and past 审议
(`reviews`); every random choice from `ctx.rng`.
"""

from datetime import timedelta

from xuncha.inspections import reviews as review_services
from xuncha.inspections.stay_models import (
    ImportantReport,
    MobilisationMeeting,
    TeamMeeting,
    WeeklyReport,
)

TOPICS = [
    (
        "研究个别谈话安排和问题线索梳理",
        "1.个别谈话名单按领导班子成员、中层干部分组推进；2.对来信反映的工程项目问题调阅合同资料。",
    ),
    (
        "研究调阅资料发现的财务问题",
        "1.对2024年以来津补贴发放情况逐笔核对；2.形成底稿报副组长审核。",
    ),
    ("研究巡察报告起草和问题定性", "1.按“四个落实”框架归类问题；2.问题定性依据逐条核对党纪条规。"),
]


def stay(ctx, insp, stage_i, *, team_names, leader_user, today):
    """A 动员会 at the start, one to three 组务会, a weekly report per week, sometimes a
    重要情况报告 (received by the office once the inspection moved on)."""
    rng = ctx.rng
    last = min(insp.end, today)
    if last < insp.start:
        return
    MobilisationMeeting.objects.create(
        inspection=insp,
        held_on=insp.start,
        place="被巡察单位三楼会议室",
        attendees=f"巡察组全体成员（{team_names}）；被巡察单位领导班子成员、中层干部",
        speech="巡察组组长作动员讲话，说明巡察目的、任务和方法；被巡察单位主要负责人作表态发言。",
        announcement_title=f"{insp.team.name}进驻公告",
        recorded_by=leader_user,
    )
    if stage_i < 2:
        return
    span = max(1, (last - insp.start).days)
    meetings = [
        TeamMeeting(
            inspection=insp,
            held_on=insp.start + timedelta(days=rng.randint(1, span)),
            topic=topic,
            attendees=team_names,
            resolutions=resolutions,
            assignments="组长统筹；副组长负责底稿审核；成员按分工推进谈话和调阅。",
            recorded_by=leader_user,
        )
        for topic, resolutions in rng.sample(TOPICS, rng.randint(1, len(TOPICS)))
    ]
    TeamMeeting.objects.bulk_create(meetings)
    weeks = []
    start = insp.start
    while start <= last and len(weeks) < ctx.n(8):
        end = min(start + timedelta(days=6), insp.end)
        weeks.append(
            WeeklyReport(
                inspection=insp,
                week_start=start,
                week_end=end,
                progress="本周开展个别谈话、调阅资料和走访，梳理问题线索，推进底稿撰写。",
                next_plan="继续推进个别谈话，深入了解群众反映集中的问题。",
                figures={"activities": rng.randint(3, 12), "interviews": rng.randint(2, 8)},
                created_by=leader_user,
            )
        )
        start += timedelta(days=7)
    WeeklyReport.objects.bulk_create(weeks)
    if rng.random() < 0.4:
        sent = insp.start + timedelta(days=rng.randint(1, span))
        received = stage_i >= 3
        ImportantReport.objects.create(
            inspection=insp,
            title="发现工程项目涉嫌违规问题",
            reported_on=sent,
            situation="巡察组在调阅资料中发现，该单位2024年一工程项目未经招标直接发包，"
            "涉及金额较大，群众反映集中，拟作为问题线索移交。",
            proposal="建议由巡察办商纪委监委提前介入。",
            state=ImportantReport.State.RECEIVED if received else ImportantReport.State.SENT,
            created_by=leader_user,
            sent_by=leader_user,
            sent_at=ctx_time(sent),
            received_by=leader_user if received else None,
            received_at=ctx_time(sent + timedelta(days=1)) if received else None,
            receipt_note="已阅，请按程序办理。" if received else "",
        )


def ctx_time(day):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(10)))


def reviews(insp, actor, today):
    """Both required reviews, each deciding every problem of the report (the helper)."""
    day = min(insp.end + timedelta(days=20), today)
    review_services.record_required_reviews(inspection=insp, actor=actor, held_on=day)
