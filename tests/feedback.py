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
