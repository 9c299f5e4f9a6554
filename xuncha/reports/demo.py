"""Demo data: report drafts for inspections past the investigation, feedback opinions after
review (one per inspected unit), finalised and delivered on the inspection's feedback date.

Runs after the inspections demo (it reads the approved, signed-off problems from the DB).
Add "reports" after "inspections" in `xuncha.core.demo.DEMO_APPS` to include it.
"""

from django.utils import timezone

from xuncha.inspections import documents as gather
from xuncha.inspections import reviews
from xuncha.org.models import Role, User
from xuncha.plans.models import Inspection
from xuncha.reports import services
from xuncha.reports.models import FeedbackMeeting, FeedbackReceipt, LeaderFeedback, ReportDraft

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
            if reviews.feedback_blockers(inspection):  # feedback follows the reviews
                reviews.record_required_reviews(inspection=inspection, actor=actor)
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
        _talk_and_meeting(draft, day, leader, actor)
        delivery = services.feedback_deliver(
            draft=draft, delivered_on=day, delivered_by=leader, actor=actor
        )
        if ctx.rng.random() < 0.7:
            _receipt(delivery, day, actor)
    return len(feedbacks)


def _talk_and_meeting(draft, day, leader, actor):
    """向主要负责人反馈 and the 反馈会 of one unit, both on the feedback day."""
    LeaderFeedback.objects.create(
        draft=draft,
        held_on=day,
        leader_name=f"{draft.unit.name}主要负责人",
        delivered_by=leader,
        notes="向主要负责人反馈巡察发现的问题，提出整改要求；主要负责人表示照单全收、立行立改。",
        recorded_by=actor,
    )
    FeedbackMeeting.objects.create(
        draft=draft,
        held_on=day,
        place=f"{draft.unit.name}会议室",
        attendees="巡察组全体成员；被巡察单位领导班子成员；巡察办、纪委监委、组织部有关同志",
        delivered_by=leader,
        recorded_by=actor,
    )


RECEIPT_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _receipt(delivery, day, actor):
    """Demo data: the unit's signed receipt, a minimal one-page PDF standing in for the scan
    a liaison uploads, stored content-addressed like a real upload."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    digest = hashlib.sha256(RECEIPT_PDF).hexdigest()
    receipt = FeedbackReceipt(
        delivery=delivery,
        signed_on=day,
        signed_by=f"{delivery.draft.unit.name}主要负责人",
        sha256=digest,
        size=len(RECEIPT_PDF),
        content_type="application/pdf",
        original_name="反馈意见签收回执.pdf",
        uploaded_by=User.objects.filter(
            roles__role=Role.UNIT_LIAISON, roles__unit=delivery.draft.unit_id
        )
        .order_by("pk")
        .first()
        or actor,
    )
    path = f"reports/receipts/{digest[:2]}/{digest}"
    if default_storage.exists(path):
        receipt.file.name = path
    else:
        receipt.file.save(digest, ContentFile(RECEIPT_PDF), save=False)
    receipt.save()
