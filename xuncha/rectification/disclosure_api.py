"""整改公开审批 API (/api/v1/rectification/plans/{id}/disclosure/...): approve a version, approve
an exemption, publish; the same rules (disclosure.py) and access as the pages."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema

from xuncha.org import access
from xuncha.rectification import disclosure as rules
from xuncha.rectification import services
from xuncha.rectification.models import Disclosure, RectificationPlan

router = Router(tags=["整改公开审批"])


class ApprovalsOut(Schema):
    state: str
    published_at: datetime | None
    versions: dict[str, datetime | None]
    missing: list[str]


class VersionIn(Schema):
    kind: str


class ExemptionIn(Schema):
    reason: str


def _disclosure(request, plan_id):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    disclosure = Disclosure.objects.filter(plan=plan).select_related("plan").first()
    if disclosure is None:
        raise Http404
    return disclosure


def _out(d):
    d.refresh_from_db()
    return {
        "state": d.state,
        "published_at": d.published_at,
        "versions": {k: v.approved_at for k, v in rules.versions_of(d).items()},
        "missing": rules.missing_approvals(d),
    }


@router.post(
    "/plans/{plan_id}/disclosure/approve",
    response=ApprovalsOut,
    summary="批准党内通报（internal）或社会公开（public）版本",
)
def approve_version(request, plan_id: int, data: VersionIn):
    d = _disclosure(request, plan_id)
    if data.kind in rules.KINDS.values and not rules.may_approve(d.plan, request.user, data.kind):
        raise PermissionDenied("您无权审批该版本。")
    rules.approve_version(disclosure=d, kind=data.kind, actor=request.user)
    return _out(d)


@router.post(
    "/plans/{plan_id}/disclosure/items/{item_id}/exempt",
    response=ApprovalsOut,
    summary="批准不予公开事项（须写明理由）",
)
def approve_exemption(request, plan_id: int, item_id: int, data: ExemptionIn):
    d = _disclosure(request, plan_id)
    if not rules.may_approve(d.plan, request.user, "public"):
        raise PermissionDenied("您无权批准不予公开事项。")
    item = d.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    rules.approve_exemption(item=item, reason=data.reason, actor=request.user)
    return _out(d)


@router.post("/plans/{plan_id}/disclosure/publish", response=ApprovalsOut, summary="发布整改公开")
def publish(request, plan_id: int):
    d = _disclosure(request, plan_id)
    if not services._may(d.plan, request.user, "review"):
        raise PermissionDenied("只有巡察机构可以发布整改公开。")
    rules.publish(disclosure=d, actor=request.user)
    return _out(d)
