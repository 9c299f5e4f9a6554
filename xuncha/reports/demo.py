"""Demo data: report drafts for inspections past the investigation, feedback opinions after
review (one per inspected unit), finalised and delivered on the inspection's feedback date.

Runs after the inspections demo (it reads the approved, signed-off problems from the DB).
Add "reports" after "inspections" in `xuncha.core.demo.DEMO_APPS` to include it.
"""

from django.utils import timezone

from xuncha.inspections import documents as gather
from xuncha.org.models import Role, User
from xuncha.plans.models import Inspection
from xuncha.reports import services
from xuncha.reports.models import ReportDraft

REPORT_STAGES = {
    Inspection.Stage.REPORT,
    Inspection.Stage.REVIEW,
    Inspection.Stage.FEEDBACK,
    Inspection.Stage.RECTIFICATION,
    Inspection.Stage.EVALUATION,
    Inspection.Stage.ARCHIVED,
}
FEEDBACK_STAGES = REPORT_STAGES - {Inspection.Stage.REPORT, Inspection.Stage.REVIEW}
FINAL_STAGES = FEEDBACK_STAGES - {Inspection.Stage.FEEDBACK}
DEPARTMENTS = [
    "市财政局",
    "市审计局",
    "市住房和城乡建设局",
    "市农业农村局",
    "市人力资源和社会保障局",
]


def _author(inspection):
    staff = (
        User.objects.filter(
            roles__role__in=[Role.OFFICE_STAFF, Role.OFFICE_ADMIN], roles__office=inspection.office
        )
        .order_by("pk")
        .first()
    )
    return staff or User.objects.filter(is_superuser=True).order_by("pk").first()


def build(ctx):
    inspections = Inspection.objects.filter(stage__in=REPORT_STAGES).select_related("office")
    made = delivered = 0
    for inspection in inspections.order_by("pk"):
        if ReportDraft.objects.filter(inspection=inspection).exists():
            continue
        actor = _author(inspection)
        if actor is None:
            continue
        drafts = [
            services.draft_generate(
                inspection=inspection, kind=ReportDraft.Kind.REPORT, actor=actor
            )
        ]
        feedbacks = []
        if inspection.stage in FEEDBACK_STAGES:
            feedbacks = services.feedback_generate_all(inspection=inspection, actor=actor)
        made += len(drafts) + len(feedbacks)
        if inspection.stage in FINAL_STAGES:
            for draft in drafts + feedbacks:
                services.draft_finalize(draft=draft, actor=actor)
            delivered += _deliver(ctx, inspection, feedbacks, actor)
        if ctx.rng.random() < 0.3:
            services.draft_generate(
                inspection=inspection,
                kind=ReportDraft.Kind.RECOMMENDATION,
                recipient=ctx.rng.choice(DEPARTMENTS),
                topic="B",
                actor=actor,
            )
            made += 1
    ctx.log(f"  巡察文书草稿 {made} 份，反馈意见送达 {delivered} 份")


def _deliver(ctx, inspection, feedbacks, actor) -> int:
    """Deliver each unit's final feedback on the inspection's feedback date (if it is past)."""
    day = inspection.feedback_date
    if day is None or not (inspection.end <= day <= min(ctx.today, timezone.localdate())):
        return 0
    leader = gather.inspection_facts(inspection).leader or "巡察组组长"
    for draft in feedbacks:
        services.feedback_deliver(draft=draft, delivered_on=day, delivered_by=leader, actor=actor)
    return len(feedbacks)
