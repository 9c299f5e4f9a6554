"""问题线索 API: the recipient's liaison sees only its handovers and the chosen extracts."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from xuncha.audit.schemas import ConfidentialOut
from xuncha.clues import services
from xuncha.clues.models import Clue, ClueEvidence, Handover
from xuncha.core.apitypes import Limit, Offset
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Unit

router = Router(tags=["问题线索"])


class ClueOut(ConfidentialOut):
    id: int
    number: str
    unit: str = Field(..., alias="unit.name")
    source: str
    people_concerned: str
    facts: str
    proposed_handling: str
    state: str


class HandedClue(ConfidentialOut):
    number: str
    people_concerned: str
    facts: str


class ExtractOut(ConfidentialOut):
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


class HandoverTransitionIn(Schema):
    target: str
    note: str = ""
    outcome: str = ""
    people_disciplined: int = 0
    money_recovered: str = "0"


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
        "money_recovered": f"{h.money_recovered:.2f}",
        # Handed clues carry no source reference (no submission id, no reporter); the
        # schemas note the clues and extracts shown, for the response's audited read.
        "clues": list(h.clues.all()),
        "evidence": list(h.evidence.all()),
    }


@router.get("/", response=list[ClueOut])
def clue_list(request, limit: Limit = 100, offset: Offset = 0):
    limit = max(1, min(limit, 500))
    clues = access.visible(Clue.objects.all(), request.user).select_related("unit")
    return clues.order_by("-pk")[offset : offset + limit]


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
def handover_transition(request, handover_id: int, data: HandoverTransitionIn):
    handover = access.get_for_user(Handover, request.user, handover_id)
    handover = services.handover_transition(handover=handover, actor=request.user, **data.dict())
    return _handover_out(handover)


class HandoverIn(Schema):
    inspection_id: int
    recipient_id: int
    kind: str
    subject: str
    clue_ids: list[int] = []
    problem_ids: list[int] = []
    evidence_ids: list[int] = []
    letter_body: str = ""


def _pick(qs, ids, message, field):
    """The rows of `qs` with these ids; a missing or out-of-scope id is refused, not dropped."""
    ids = set(ids)
    rows = list(qs.filter(pk__in=ids))
    if len(rows) != len(ids):
        raise DomainError(message, field=field)
    return rows


@router.post("/handovers", response={201: HandoverOut}, summary="新建移交（巡察机构工作人员）")
def handover_create(request, data: HandoverIn):
    from xuncha.inspections.models import Problem
    from xuncha.plans.models import Inspection

    inspection = access.get_for_user(Inspection, request.user, data.inspection_id)
    if not access.visible(
        Inspection.objects.filter(pk=inspection.pk), request.user, "change"
    ).exists():
        raise PermissionDenied("只有巡察机构工作人员可以办理移交。")
    recipient = Unit.objects.filter(pk=data.recipient_id, office_id=inspection.office_id).first()
    if recipient is None:
        raise DomainError("接收单位不存在或不属于本巡察机构。", field="recipient_id")
    clues = _pick(
        access.visible(Clue.objects.all(), request.user, "change"),
        data.clue_ids,
        "所选问题线索不存在或无权操作。",
        "clue_ids",
    )
    problems = _pick(
        access.visible(Problem.objects.all(), request.user, "change"),
        data.problem_ids,
        "所选问题不存在或无权操作。",
        "problem_ids",
    )
    evidence = _pick(
        ClueEvidence.objects.filter(clue__in=[c.pk for c in clues]),
        data.evidence_ids,
        "随附证据须来自所选线索。",
        "evidence_ids",
    )
    handover = services.handover_create(
        inspection=inspection,
        recipient=recipient,
        kind=data.kind,
        subject=data.subject,
        clues=clues,
        problems=problems,
        evidence=evidence,
        letter_body=data.letter_body,
        actor=request.user,
    )
    return Status(201, _handover_out(handover))


def _step(request, handover_id, target, who_message):
    handover = access.get_for_user(Handover, request.user, handover_id)
    step = next(
        (
            t
            for t in services.HANDOVER_TRANSITIONS
            if t.target == target and t.source == handover.state
        ),
        None,
    )
    who = (
        step.who
        if step
        else next(t.who for t in services.HANDOVER_TRANSITIONS if t.target == target)
    )
    if not access.visible(Handover.objects.filter(pk=handover.pk), request.user, who).exists():
        raise PermissionDenied(who_message)
    return handover


@router.post(
    "/handovers/{handover_id}/send", response=HandoverOut, summary="发出移交函（巡察机构）"
)
def handover_send(request, handover_id: int):
    handover = _step(request, handover_id, "sent", "只有巡察机构工作人员可以发出移交函。")
    handover = services.handover_transition(handover=handover, target="sent", actor=request.user)
    return _handover_out(handover)


class AcknowledgeIn(Schema):
    note: str = ""


@router.post(
    "/handovers/{handover_id}/acknowledge",
    response=HandoverOut,
    summary="签收移交（接收单位联络员）",
)
def handover_acknowledge(request, handover_id: int, data: AcknowledgeIn):
    handover = _step(request, handover_id, "acknowledged", "只有接收单位联络员可以签收。")
    handover = services.handover_transition(
        handover=handover, target="acknowledged", note=data.note, actor=request.user
    )
    return _handover_out(handover)


class OutcomeIn(Schema):
    outcome: str
    note: str
    people_disciplined: int = 0
    money_recovered: str = "0"


@router.post(
    "/handovers/{handover_id}/outcome",
    response=HandoverOut,
    summary="反馈办理结果（接收单位联络员）",
)
def handover_outcome(request, handover_id: int, data: OutcomeIn):
    handover = _step(request, handover_id, "concluded", "只有接收单位联络员可以反馈办理结果。")
    handover = services.handover_transition(
        handover=handover, target="concluded", actor=request.user, **data.dict()
    )
    return _handover_out(handover)


class AuditFindingOut(ConfidentialOut):
    id: int
    handover_id: int
    title: str
    facts: str
    report_number: str
    amount: str
    problem_ids: list[int]
    recorded_on: date

    @staticmethod
    def resolve_amount(obj):
        return f"{obj.amount:.2f}"

    @staticmethod
    def resolve_problem_ids(obj):
        return [p.pk for p in obj.problems.all()]

    @staticmethod
    def resolve_recorded_on(obj):
        return timezone.localtime(obj.recorded_at).date()


class AuditFindingIn(Schema):
    title: str
    facts: str = ""
    report_number: str = ""
    amount: str = "0"
    problem_ids: list[int] = []


@router.get(
    "/handovers/{handover_id}/findings",
    response=list[AuditFindingOut],
    summary="审计发现（巡审联动；巡察机构与接收移交的审计机关）",
)
def audit_finding_list(request, handover_id: int):
    handover = access.get_for_user(Handover, request.user, handover_id)
    findings = access.visible(handover.audit_findings.all(), request.user)
    return list(findings.prefetch_related("problems"))


@router.post(
    "/handovers/{handover_id}/findings",
    response={201: AuditFindingOut},
    summary="登记审计发现（接收移交的审计机关联络员）",
)
def audit_finding_create(request, handover_id: int, data: AuditFindingIn):
    handover = access.get_for_user(Handover, request.user, handover_id)
    if not access.can(request.user, handover, "receive"):
        raise PermissionDenied("只有接收移交的审计机关联络员可以登记审计发现。")
    problems = _pick(
        handover.problems.all(), data.problem_ids, "所选问题不在本次移交之内。", "problem_ids"
    )
    finding = services.audit_finding_create(
        handover=handover,
        title=data.title,
        facts=data.facts,
        report_number=data.report_number,
        amount=data.amount,
        problems=problems,
        actor=request.user,
    )
    return Status(201, finding)


class SubmissionChoiceOut(Schema):
    id: int
    summary: str
    number: str
    received_on: date
    category: str
    state: str


@router.get(
    "/submission-choices",
    response=list[SubmissionChoiceOut],
    summary="可作为线索来源的信访件（仅本人有权查看的；不含反映人信息）",
)
def submission_choices(request, inspection_id: int | None = None):
    from xuncha.plans.models import Inspection

    inspection = None
    if inspection_id is not None:
        inspection = access.get_for_user(Inspection, request.user, inspection_id)
    return [
        {
            "id": s.pk,
            "summary": services.submission_summary(s),
            "number": s.number,
            "received_on": s.received_on,
            "category": s.get_category_display(),
            "state": s.get_state_display(),
        }
        for s in services.submission_choices(request.user, inspection)[:200]
    ]


@router.get("/{clue_id}", response=ClueOut)
def clue_get(request, clue_id: int):
    return access.get_for_user(Clue.objects.select_related("unit"), request.user, clue_id)
