"""The decisive review's decisions on the use of results open the ledger by themselves: each
handover, 建议书 and 约谈 decided at the 书记专题会 is a ledger item (once), chased by the
sweep; the leading group's earlier (non-decisive) review opens none; "feedback" goes to
rectification, not to the ledger."""

from datetime import date

import pytest

from tests.stay import set_stage, with_problems
from xuncha.inspections import reviews
from xuncha.plans.models import Inspection
from xuncha.rectification.models import ResultItem

pytestmark = pytest.mark.django_db


def _decide(cast, a, body, held_on, uses, actor):
    return reviews.review_decide(
        inspection=a, body=body, held_on=held_on, decision="同意。", decisions=uses, actor=actor
    )


def test_decisive_review_decisions_become_ledger_items_once(cast):
    a = cast.inspections["a"]
    p1, p2 = with_problems(cast)
    set_stage(a, Inspection.Stage.REVIEW)
    uses = {p1.pk: ["feedback", "talk"], p2.pk: ["handover", "suggestion_letter"]}
    _decide(cast, a, "leading_group", date(2026, 6, 2), uses, cast.office_staff)
    assert not ResultItem.objects.filter(inspection=a).exists()  # not yet decisive
    _decide(cast, a, "secretary", date(2026, 6, 5), uses, cast.leading_group)
    items = ResultItem.objects.filter(inspection=a).order_by("problem__number", "kind")
    got = [(i.problem.number, i.kind, i.source) for i in items]
    assert got == [
        ("001", "talk", "review"),
        ("002", "handover", "review"),
        ("002", "suggestion_letter", "review"),
    ]
    assert all(i.state == ResultItem.State.DECIDED for i in items)
    # a second decisive review with the same decisions adds nothing
    _decide(cast, a, "secretary", date(2026, 6, 6), uses, cast.office_staff)
    assert ResultItem.objects.filter(inspection=a).count() == 3
