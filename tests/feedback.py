"""Give a unit its feedback opinion the way the office does: generate, finalise, deliver."""

from xuncha.inspections import reviews
from xuncha.reports import services
from xuncha.reports.models import ReportDraft


def reviewed(cast, inspection, *, actor=None):
    """Record the reviews the office requires (with decisions on every problem of the
    report) unless they are recorded already: feedback follows them."""
    if reviews.feedback_blockers(inspection):
        reviews.record_required_reviews(inspection=inspection, actor=actor or cast.office_staff)


def deliver_feedback(cast, inspection, unit, on, *, by="何组长", actor=None):
    """The feedback draft of `unit`, finalised and delivered on `on`; returns the draft."""
    actor = actor or cast.office_staff
    reviewed(cast, inspection)
    draft = services.draft_generate(
        inspection=inspection, kind=ReportDraft.Kind.FEEDBACK, unit=unit, actor=actor
    )
    services.draft_finalize(draft=draft, actor=actor)
    services.feedback_deliver(draft=draft, delivered_on=on, delivered_by=by, actor=actor)
    return ReportDraft.objects.select_related("delivery").get(pk=draft.pk)


def complete_feedback(cast, inspection, unit, on, *, liaison, actor=None):
    """Deliver `unit`'s feedback and record what completes it: the feedback to the main
    leader, the feedback meeting and the liaison's signed receipt (the gate to 整改)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xuncha.reports import delivery

    actor = actor or cast.office_staff
    draft = deliver_feedback(cast, inspection, unit, on, actor=actor)
    delivery.leader_feedback_record(
        draft=draft, held_on=on, leader_name="张局长", delivered_by="何组长", actor=actor
    )
    delivery.feedback_meeting_record(
        draft=draft, held_on=on, attendees="领导班子成员", delivered_by="何组长", actor=actor
    )
    scan = SimpleUploadedFile(
        "签收回执.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )
    delivery.receipt_upload(
        draft=draft, signed_on=on, signed_by="张局长", uploaded=scan, actor=liaison
    )
    return draft
