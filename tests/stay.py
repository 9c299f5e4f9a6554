"""Shared set-ups of the stay, review-chain and feedback-delivery tests."""

from datetime import date

from tests.reports.fieldwork import make_problem
from xuncha.inspections import reviews
from xuncha.plans.models import Inspection

Stage = Inspection.Stage


def publish_announcement(inspection):
    from xuncha.petitions.models import Announcement

    return Announcement.objects.create(
        inspection=inspection,
        state="published",
        title="江州市委第一巡察组进驻公告",
        period_start=inspection.start,
        period_end=inspection.end,
        scope="主要受理反映领导班子及其成员问题的来信来电来访。",
        cutoff=inspection.end,
    )


def set_stage(inspection, stage):
    Inspection.objects.filter(pk=inspection.pk).update(stage=stage)
    inspection.refresh_from_db()
    return inspection


def with_problems(cast, inspection=None):
    """Inspection a with two problems of the report: 001 proposed for feedback, 002 not."""
    inspection = inspection or cast.inspections["a"]
    leader = cast.team_leader
    p1 = make_problem(inspection, "B4", "001", user=leader, title="违规发放津补贴")
    p2 = make_problem(
        inspection, "B6", "002", user=leader, title="工程招标把关不严", in_feedback=False
    )
    return p1, p2


def at_feedback(cast, inspection=None):
    """Reviewed (both reviews, with decisions) and moved to 反馈."""
    inspection = inspection or cast.inspections["a"]
    reviews.record_required_reviews(
        inspection=inspection, actor=cast.office_staff, held_on=date(2026, 6, 2)
    )
    return set_stage(inspection, Stage.FEEDBACK)
