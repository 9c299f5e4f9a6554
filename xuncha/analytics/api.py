"""Analytics API for staff: spam flags, duplicate groups and suggestions, with the same
services and access rules as the pages. Flagged passages are opened for the reader."""

from ninja import Router, Schema

from xuncha.analytics import services
from xuncha.analytics.models import DuplicateGroup, DuplicateMember, SpamFlag, Suggestion
from xuncha.core.apitypes import Limit, Offset
from xuncha.org import access

router = Router(tags=["群众反映分析"])


class PassageOut(Schema):
    text: str
    start: int
    end: int
    reasons: list[str]


class FlagOut(Schema):
    id: int
    submission_id: int
    state: str
    reasons: list[str]
    whole: bool


class FlagDetail(FlagOut):
    passages: list[PassageOut]


class DecideIn(Schema):
    confirm: bool
    note: str = ""


class MemberOut(Schema):
    id: int
    submission_id: int
    similarity: float
    state: str


class GroupOut(Schema):
    id: int
    anchor_id: int
    members: list[MemberOut]
    reporters: dict


class SuggestionOut(Schema):
    id: int
    submission_id: int
    unit_id: int | None
    unit_name: str
    unit_confidence: float
    unit_state: str
    category_code: str
    category_confidence: float
    category_state: str


class SuggestionIn(Schema):
    what: str
    accept: bool


def _flag(f: SpamFlag) -> dict:
    return {
        "id": f.pk,
        "submission_id": f.submission_id,
        "state": f.state,
        "reasons": f.reasons,
        "whole": f.whole,
    }


@router.get("/flags", response=list[FlagOut])
def flag_list(request, state: str = "", limit: Limit = 100, offset: Offset = 0):
    qs = access.visible(SpamFlag.objects.all(), request.auth).order_by("-pk")
    if state:
        qs = qs.filter(state=state)
    return [_flag(f) for f in qs[offset : offset + min(limit, 500)]]


@router.get("/flags/{flag_id}", response=FlagDetail)
def flag_detail(request, flag_id: int):
    flag = access.get_for_user(SpamFlag.objects.select_related("submission"), request.auth, flag_id)
    return _flag(flag) | {"passages": services.flag_passages(flag)}


@router.post("/flags/{flag_id}/decide", response=FlagOut)
def flag_decide(request, flag_id: int, data: DecideIn):
    flag = access.get_for_user(SpamFlag, request.auth, flag_id, "change")
    return _flag(
        services.flag_decide(flag=flag, confirm=data.confirm, actor=request.auth, note=data.note)
    )


def _group(g: DuplicateGroup) -> dict:
    return {
        "id": g.pk,
        "anchor_id": g.anchor_id,
        "members": [
            {
                "id": m.pk,
                "submission_id": m.submission_id,
                "similarity": m.similarity,
                "state": m.state,
            }
            for m in g.members.all()
        ],
        "reporters": services.reporters(g),
    }


@router.get("/duplicates", response=list[GroupOut])
def group_list(request, open_only: bool = True, limit: Limit = 50, offset: Offset = 0):
    qs = access.visible(DuplicateGroup.objects.all(), request.auth).order_by("-pk")
    if open_only:
        qs = qs.filter(members__state="proposed").distinct()
    return [_group(g) for g in qs.prefetch_related("members")[offset : offset + min(limit, 200)]]


@router.post("/duplicates/members/{member_id}/decide", response=MemberOut)
def member_decide(request, member_id: int, data: DecideIn):
    member = access.get_for_user(DuplicateMember, request.auth, member_id, "change")
    m = services.duplicate_decide(member=member, confirm=data.confirm, actor=request.auth)
    return {
        "id": m.pk,
        "submission_id": m.submission_id,
        "similarity": m.similarity,
        "state": m.state,
    }


def _suggestion(s: Suggestion) -> dict:
    return {
        "id": s.pk,
        "submission_id": s.submission_id,
        "unit_id": s.unit_id,
        "unit_name": s.unit.name if s.unit_id else "",
        "unit_confidence": s.unit_confidence,
        "unit_state": s.unit_state,
        "category_code": s.category.code if s.category_id else "",
        "category_confidence": s.category_confidence,
        "category_state": s.category_state,
    }


@router.get("/suggestions/{submission_id}", response=SuggestionOut)
def suggestion_detail(request, submission_id: int):
    qs = access.visible(Suggestion.objects.select_related("unit", "category"), request.auth)
    s = qs.filter(submission_id=submission_id).first()
    if s is None:
        from django.http import Http404

        raise Http404
    return _suggestion(s)


@router.post("/suggestions/{suggestion_id}/decide", response=SuggestionOut)
def suggestion_decide(request, suggestion_id: int, data: SuggestionIn):
    s = access.get_for_user(Suggestion, request.auth, suggestion_id, "change")
    out = services.suggestion_decide(
        suggestion=s, what=data.what, accept=data.accept, actor=request.auth
    )
    qs = Suggestion.objects.select_related("unit", "category")
    return _suggestion(access.get_for_user(qs, request.auth, out.pk))
