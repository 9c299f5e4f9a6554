"""A reporter whose submission led to a published problem sees that it was addressed."""

from django.core.cache import cache
from django.test import Client

from tests.petitions.conftest import make_announcement, receipt_from, submit
from tests.rectification.conftest import adopt, pdf
from xuncha.petitions import services as petition_services
from xuncha.petitions.models import Submission
from xuncha.rectification import services


def test_reporter_follow_up_shows_rectification_status(rect, settings):
    settings.PETITIONS_POW_COST = 10
    settings.PETITIONS_RATE_PER_SOURCE = "1000/h"
    settings.PETITIONS_RATE_SITE = "100000/h"
    settings.PETITIONS_RATE_RECEIPT_FAILURES = "1000/h"
    cache.clear()
    cast = rect.cast
    announcement = make_announcement(cast)
    public = Client()
    code = receipt_from(submit(public, announcement))
    submission = Submission.objects.get()
    petition_services.submission_link(
        submission=submission, target=rect.problems[0], actor=cast.office_staff
    )
    measures = adopt(rect)
    body = public.post("/public/followup/", {"code": code}).content.decode()
    assert "整改情况" not in body  # nothing published yet
    items = {p.pk: (p.title, "") for p in rect.problems}
    d = services.disclosure_draft(plan=rect.plan, intro="", items=items, actor=cast.unit_liaison)
    services.disclosure_transition(disclosure=d, target="submitted", actor=cast.unit_liaison)
    from xuncha.rectification.disclosure import approve_all

    approve_all(d, cast.office_staff)
    services.disclosure_transition(disclosure=d, target="published", actor=cast.office_staff)
    body = public.post("/public/followup/", {"code": code}).content.decode()
    assert "被巡察单位正在整改" in body
    for m in measures[:1]:
        services.progress_add(
            measure=m,
            text="完成",
            files=[pdf()],
            request_verification=True,
            actor=cast.unit_liaison,
        )
        services.measure_verify(
            measure=m, decision="approve", reason="佐证充分", actor=cast.office_staff
        )
    body = public.post("/public/followup/", {"code": code}).content.decode()
    assert "被巡察单位已整改并经核验销号" in body
    assert f"/public/disclosures/{d.pk}/" in body
