"""The review chain before feedback: 领导小组会议, then 书记专题会, each deciding the use of
the results problem by problem (fed back, handed over, a 建议书, a 约谈).

Which reviews an inspection needs is the office's setting (`ReviewSettings`, per inspection
kind; by default both, for every kind). Feedback — the 反馈 stage and the feedback opinions
in `reports` — waits until every required review is recorded with a decision on every
problem of the report (`feedback_blockers`). The decisions that count are those of the last
review of the chain (`decisions_for`): the secretary's meeting when it is required.
"""

from datetime import date, timedelta

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.inspections import workflow
from xuncha.inspections.models import LeadingGroupReview, Problem
from xuncha.inspections.stay_models import ResultDecision, ReviewSettings
from xuncha.plans.models import Inspection

# Sent inside the transaction of a decisive review (the one whose decisions count), with
# `review` and `actor`: later apps act on the decisions without this app importing them
# (the rectification app opens a use-of-results ledger item per decision).
review_decided = Signal()

Body = LeadingGroupReview.Body
Kind = ResultDecision.Kind
CHAIN = [Body.LEADING_GROUP, Body.SECRETARY]  # the order the reviews are held in
Stage = Inspection.Stage


def required_bodies(inspection) -> list[str]:
    """The reviews the office requires for this inspection's kind, in chain order."""
    s = ReviewSettings.for_office(inspection.office_id)
    kinds = {
        Body.LEADING_GROUP: s.leading_group_kinds or [],
        Body.SECRETARY: s.secretary_kinds or [],
    }
    return [b for b in CHAIN if inspection.kind in kinds[b]]


def _latest_reviews(inspection) -> dict[str, LeadingGroupReview]:
    """The latest review of each body (one query)."""
    latest = {}
    for review in LeadingGroupReview.objects.filter(inspection=inspection).order_by(
        "held_on", "pk"
    ):
        latest[review.body] = review
    return latest


def feedback_blockers(inspection) -> list[str]:
    """Why feedback cannot start yet (empty when every required review has decided)."""
    required = required_bodies(inspection)
    latest = _latest_reviews(inspection)
    reasons = []
    report_problems = list(
        Problem.objects.filter(inspection=inspection)
        .for_report()
        .order_by("number", "pk")
        .values_list("pk", "number")
    )
    decided = {}
    for body in required:
        review = latest.get(body)
        if review is None:
            reasons.append(_missing_message(body))
            continue
        decided[review.pk] = body
    if decided and report_problems:
        covered = set(
            ResultDecision.objects.filter(review_id__in=list(decided)).values_list(
                "review_id", "problem_id"
            )
        )
        for review_id, body in decided.items():
            missing = [n for pk, n in report_problems if (review_id, pk) not in covered]
            if missing:
                reasons.append(
                    f"{Body(body).label}尚未对问题 {'、'.join(missing)} 作出成果运用决定"
                    "（反馈、移交、建议书或约谈），不能反馈。"
                )
    return reasons


def _missing_message(body) -> str:
    if body == Body.LEADING_GROUP:
        return "领导小组尚未审议巡察报告：请先登记巡察工作领导小组会议及其成果运用决定，不能反馈。"
    return "书记专题会尚未听取巡察情况汇报：请先登记书记专题会及其成果运用决定，不能反馈。"


def reviews_decided(inspection) -> str | None:
    """Workflow requirement of 审议 → 反馈 (see workflow.REQUIREMENT_LABELS)."""
    reasons = feedback_blockers(inspection)
    return "；".join(reasons) if reasons else None


def decisive_review(inspection) -> LeadingGroupReview | None:
    """The review whose decisions count: the latest of the last body of the chain recorded."""
    latest = _latest_reviews(inspection)
    for body in reversed(CHAIN):
        if body in latest:
            return latest[body]
    return None


def decisions_for(inspection):
    """The decisions on the use of results of `inspection` (a ResultDecision queryset of the
    decisive review, with the problem and its unit; empty before any review). The
    rectification app's use-of-results ledger reads this."""
    review = decisive_review(inspection)
    qs = ResultDecision.objects.select_related("problem__unit", "review")
    if review is None:
        return qs.none()
    return qs.filter(review=review).order_by("problem__number", "kind", "pk")


def feedback_problem_ids(inspection):
    """Ids of the problems decided "feedback" (a subquery: usable in `pk__in`)."""
    review = decisive_review(inspection)
    if review is None:
        return Problem.objects.none().values("pk")
    return ResultDecision.objects.filter(review=review, kind=Kind.FEEDBACK).values("problem_id")


def _clean_decisions(inspection, decisions) -> tuple[list[Problem], dict[int, list[str]]]:
    problems = list(
        Problem.objects.filter(inspection=inspection).for_report().order_by("number", "pk")
    )
    by_pk = {p.pk: p for p in problems}
    clean: dict[int, list[str]] = {}
    for raw_pk, kinds in (decisions or {}).items():
        try:
            pk = int(raw_pk)
        except (TypeError, ValueError):
            raise DomainError("问题编号不正确。", field="decisions") from None
        if pk not in by_pk:
            raise DomainError("只能对本次巡察已核定、底稿已签批的问题作出决定。", field="decisions")
        kinds = list(dict.fromkeys(kinds or []))
        for k in kinds:
            if k not in Kind.values:
                raise DomainError("成果运用方式不正确。", field="decisions")
        if kinds:
            clean[pk] = kinds
    missing = [p.number for p in problems if p.pk not in clean]
    if missing:
        raise DomainError(
            f"请对每个问题作出成果运用决定，尚未决定：{'、'.join(missing)}。", field="decisions"
        )
    return problems, clean


def _create(inspection, *, body, held_on, decision, decisions, actor, check_order=True):
    if body not in Body.values:
        raise DomainError("审议机构不正确。", field="body")
    if not isinstance(held_on, date):
        raise DomainError("请填写会议日期。", field="held_on")
    if held_on < inspection.start:
        raise DomainError(
            f"会议日期不能早于巡察开始日期（{inspection.start:%Y年%m月%d日}）。", field="held_on"
        )
    if held_on > timezone.localdate():
        raise DomainError("会议日期不能晚于今天。", field="held_on")
    decision = (decision or "").strip()
    if not decision:
        raise DomainError("请填写审议意见。", field="decision")
    latest = _latest_reviews(inspection)
    if check_order and body == Body.SECRETARY and Body.LEADING_GROUP in required_bodies(inspection):
        lg = latest.get(Body.LEADING_GROUP)
        if lg is None:
            raise DomainError("须先登记巡察工作领导小组会议，再登记书记专题会。", field="body")
        if held_on < lg.held_on:
            raise DomainError(
                f"书记专题会日期不能早于领导小组会议（{lg.held_on:%Y年%m月%d日}）。",
                field="held_on",
            )
    problems, clean = _clean_decisions(inspection, decisions)
    review = LeadingGroupReview.objects.create(
        inspection=inspection, body=body, held_on=held_on, decision=decision, recorded_by=actor
    )
    ResultDecision.objects.bulk_create(
        [
            ResultDecision(review=review, problem_id=pk, kind=k)
            for pk, ks in clean.items()
            for k in ks
        ]
    )
    numbers = {p.pk: p.number for p in problems}
    required = required_bodies(inspection)
    decisive = not required or body == required[-1] or body == CHAIN[-1]
    if decisive:
        # The decisive review fixes what the feedback lists (and rectification consumes).
        fed = [pk for pk, ks in clean.items() if Kind.FEEDBACK in ks]
        Problem.objects.filter(pk__in=fed).update(in_feedback=True)
        Problem.objects.filter(pk__in=[p.pk for p in problems]).exclude(pk__in=fed).update(
            in_feedback=False
        )
        review_decided.send(sender=LeadingGroupReview, review=review, actor=actor)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=review,
        summary=f"登记{Body(body).label}（{held_on:%Y-%m-%d}）及成果运用决定",
        changes={
            "held_on": str(held_on),
            "body": body,
            "decisions": {numbers[pk]: ks for pk, ks in clean.items()},
        },
    )
    return review


@transaction.atomic
def review_decide(
    *, inspection: Inspection, body: str, held_on, decision: str, decisions: dict, actor
) -> LeadingGroupReview:
    """Record a review (领导小组会议 or 书记专题会) with its decision on every problem."""
    from xuncha.inspections.services import OFFICE, _require, _stage_in

    _require(inspection, actor, OFFICE | {workflow.LEADING_GROUP}, "登记审议及成果运用决定")
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _stage_in(locked, {Stage.REVIEW}, "登记审议及成果运用决定")
    return _create(
        locked, body=body, held_on=held_on, decision=decision, decisions=decisions, actor=actor
    )


@transaction.atomic
def record_required_reviews(
    *, inspection: Inspection, actor, held_on: date | None = None, decisions: dict | None = None
) -> list[LeadingGroupReview]:
    """Record every review the office requires, with decisions — for the demo and test
    fixtures that take an inspection through review (the stage is not checked; the gate is
    the same). Default decisions: a problem the team proposed for feedback (`in_feedback`)
    is fed back, any other problem of the report is handed over."""
    if decisions is None:
        decisions = {
            p.pk: [Kind.FEEDBACK] if p.in_feedback else [Kind.HANDOVER]
            for p in Problem.objects.filter(inspection=inspection).for_report()
        }
    today = timezone.localdate()
    day = held_on or min(today, inspection.end + timedelta(days=1))
    reviews = []
    for i, body in enumerate(required_bodies(inspection)):
        reviews.append(
            _create(
                inspection,
                body=body,
                held_on=min(today, day + timedelta(days=2 * i)),
                decision="同意巡察报告，按成果运用决定反馈、移交。",
                decisions=decisions,
                actor=actor,
            )
        )
    return reviews


@transaction.atomic
def review_settings_update(*, office, actor, leading_group_kinds, secretary_kinds):
    """The office admin sets which reviews each inspection kind needs."""
    from xuncha.org import access
    from xuncha.org.models import Role

    admin_of = {o.pk for o in access.user_offices(actor, {Role.OFFICE_ADMIN})}
    if office.pk not in admin_of and not access.is_sysadmin(actor):
        raise DomainError("只有本巡察机构的管理员可以修改审议程序设置。")
    for kinds in (leading_group_kinds, secretary_kinds):
        for k in kinds:
            if k not in Inspection.Kind.values:
                raise DomainError("巡察类型不正确。")
    s = ReviewSettings.for_office(office)
    before = {"leading_group_kinds": s.leading_group_kinds, "secretary_kinds": s.secretary_kinds}
    s.leading_group_kinds = sorted(set(leading_group_kinds))
    s.secretary_kinds = sorted(set(secretary_kinds))
    s.updated_by = actor
    s.save()
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=s,
        changes={
            "leading_group_kinds": [before["leading_group_kinds"], s.leading_group_kinds],
            "secretary_kinds": [before["secretary_kinds"], s.secretary_kinds],
        },
    )
    return s
