"""Builders for the search and hot-issue tests: submissions entered by staff, problems."""

from datetime import timedelta

from django.utils import timezone

from xuncha.petitions.models import Submission
from xuncha.petitions.services import submission_enter


def enter(cast, text, *, key="a", unit="", category="integrity", days_ago=0, office=None):
    """A letter registered by the office, about inspection `key` (None: no inspection)."""
    inspection = cast.inspections[key] if key else None
    return submission_enter(
        office=office or cast.city,
        inspection=inspection,
        channel=Submission.Channel.LETTER,
        data={"kind": "report", "category": category, "unit": unit, "text": text},
        identity=None,
        files=(),
        actor=cast.office_staff,
        received_on=timezone.localdate() - timedelta(days=days_ago),
    )
