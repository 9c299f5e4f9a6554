"""问题线索 API: the recipient's liaison sees only its handovers and the chosen extracts."""

from datetime import date

from ninja import Router, Schema

from xuncha.clues import services
from xuncha.clues.models import Clue, Handover
from xuncha.org import access

router = Router(tags=["问题线索"])


class ClueOut(Schema):
    id: int
    number: str
    unit: str
    source: str
    people_concerned: str
    facts: str
    proposed_handling: str
    state: str


class HandedClue(Schema):
    number: str
    people_concerned: str
    facts: str


class ExtractOut(Schema):
    title: str
    extract: str


class HandoverOut(Schema):
    id: int
    number: str
    subject: str
    kind: str
    recipient: str
    state: str
    due_date: date | None
    overdue: bool
    outcome: str
    people_disciplined: int
    money_recovered: str
    clues: list[HandedClue]
    evidence: list[ExtractOut]


class TransitionIn(Schema):
    target: str
    note: str = ""
    outcome: str = ""
    people_disciplined: int = 0
    money_recovered: str = "0"


def _clue_out(c):
    return {
        "id": c.pk,
        "number": c.number,
        "unit": c.unit.name,
        "source": c.source,
        "people_concerned": c.people_concerned,
        "facts": c.facts,
        "proposed_handling": c.proposed_handling,
        "state": c.state,
    }


def _handover_out(h):
    return {
        "id": h.pk,
        "number": h.number,
        "subject": h.subject,
        "kind": h.kind,
        "recipient": h.recipient.name,
        "state": h.state,
        "due_date": h.due_date,
        "overdue": h.overdue,
        "outcome": h.outcome,
        "people_disciplined": h.people_disciplined,
        "money_recovered": str(h.money_recovered),
        # Handed clues carry no source reference (no submission id, no reporter).
        "clues": [
            {"number": c.number, "people_concerned": c.people_concerned, "facts": c.facts}
            for c in h.clues.all()
        ],
        "evidence": [{"title": e.title, "extract": e.extract} for e in h.evidence.all()],
    }


@router.get("/", response=list[ClueOut])
def clue_list(request, limit: int = 100, offset: int = 0):
    limit = max(1, min(limit, 500))
    clues = access.visible(Clue.objects.all(), request.user).select_related("unit")
    return [_clue_out(c) for c in clues.order_by("-pk")[offset : offset + limit]]


@router.get("/handovers", response=list[HandoverOut])
def handover_list(request):
    handovers = (
        access.visible(Handover.objects.all(), request.user)
        .select_related("recipient")
        .prefetch_related("clues", "evidence")
    )
    return [_handover_out(h) for h in handovers.order_by("-pk")[:200]]


@router.get("/handovers/{handover_id}", response=HandoverOut)
def handover_get(request, handover_id: int):
    return _handover_out(access.get_for_user(Handover, request.user, handover_id))


@router.post("/handovers/{handover_id}/transition", response=HandoverOut)
def handover_transition(request, handover_id: int, data: TransitionIn):
    handover = access.get_for_user(Handover, request.user, handover_id)
    handover = services.handover_transition(handover=handover, actor=request.user, **data.dict())
    return _handover_out(handover)


@router.get("/{clue_id}", response=ClueOut)
def clue_get(request, clue_id: int):
    clue = access.get_for_user(Clue.objects.select_related("unit"), request.user, clue_id)
    services.clue_read(clue=clue, actor=request.user)
    return _clue_out(clue)
