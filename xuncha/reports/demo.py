"""Demo data: report drafts for inspections past the investigation, feedback opinions after review.

Runs after the inspections demo (it reads the approved, signed-off problems from the DB).
Add "reports" after "inspections" in `xuncha.core.demo.DEMO_APPS` to include it.
"""

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
    made = 0
    for inspection in inspections.order_by("pk"):
        if ReportDraft.objects.filter(inspection=inspection).exists():
            continue
        actor = _author(inspection)
        if actor is None:
            continue
        kinds = [ReportDraft.Kind.REPORT]
        if inspection.stage in FEEDBACK_STAGES:
            kinds.append(ReportDraft.Kind.FEEDBACK)
        for kind in kinds:
            draft = services.draft_generate(inspection=inspection, kind=kind, actor=actor)
            if inspection.stage in FINAL_STAGES:
                services.draft_finalize(draft=draft, actor=actor)
            made += 1
        if ctx.rng.random() < 0.3:
            services.draft_generate(
                inspection=inspection,
                kind=ReportDraft.Kind.RECOMMENDATION,
                recipient=ctx.rng.choice(DEPARTMENTS),
                topic="B",
                actor=actor,
            )
            made += 1
    ctx.log(f"  巡察文书草稿 {made} 份")
