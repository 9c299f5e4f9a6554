"""Reads across apps: an inspector's training and history, and the profiles suggestions rank by."""

from collections import defaultdict
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, FloatField, Max, Q, Sum
from django.db.models.functions import Cast
from django.http import Http404

from xuncha.org import access
from xuncha.plans.models import EDIT_ROLES, PLAN_ROLES, Inspection, TeamMember
from xuncha.training import services
from xuncha.training.models import Appraisal, AppraisalSettings, TrainingRecord
from xuncha.training.scoring import Profile

TRAINING_WINDOW_DAYS = 3 * 365


def current(appraisals):
    """The appraisals no later record corrects (the one in force of each chain)."""
    return [a for a in appraisals if not getattr(a, "_corrected", False)]


def _mark_corrected(rows):
    ids = {a.corrects_id for a in rows if a.corrects_id}
    for a in rows:
        a._corrected = a.pk in ids
    return rows


def office_records(user, q: str = ""):
    """The training records of the offices `user` holds an office role in (their pools),
    optionally those whose inspector or course contains `q`; PermissionDenied otherwise."""
    if not (access.is_sysadmin(user) or access.user_offices(user, PLAN_ROLES)):
        raise PermissionDenied("需要巡察办角色。")
    rows = access.visible(TrainingRecord.objects.select_related("inspector__office"), user)
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(Q(inspector__name__contains=q) | Q(course__contains=q))
    return rows


def inspector_panel(user, inspector) -> dict:
    """Training and rounds served (with the units inspected), with the appraisals `user` may
    see (five queries). The inspector page shows rounds only here, once."""
    trainings = list(access.visible(TrainingRecord.objects.all(), user).filter(inspector=inspector))
    year = date.today().year
    memberships = list(
        inspector.memberships.select_related("team__inspection__round__plan")
        .prefetch_related("team__inspection__units")
        .order_by("-team__inspection__start")
    )
    appraisals = _mark_corrected(
        list(
            access.visible(Appraisal.objects.all(), user)
            .filter(member__inspector=inspector)
            .order_by("pk")
        )
    )
    by_member: dict[int, dict] = {}
    for a in current(appraisals):
        by_member.setdefault(a.member_id, {})[a.source] = a
    history = [
        {
            "membership": m,
            "inspection": m.team.inspection,
            "leader": by_member.get(m.pk, {}).get(Appraisal.Source.LEADER),
            "office": by_member.get(m.pk, {}).get(Appraisal.Source.OFFICE),
            "corrections": sum(1 for a in appraisals if a.member_id == m.pk and a.corrects_id),
        }
        for m in memberships
    ]
    own = inspector.user_id == user.pk
    return {
        "trainings": trainings,
        "training_hours": sum(t.hours for t in trainings),
        "training_hours_year": sum(t.hours for t in trainings if t.start.year == year),
        "history": history,
        "rounds_served": len({m.team.inspection.round_id for m in memberships}),
        "own_hidden": own
        and not appraisals
        and not AppraisalSettings.for_office(inspector.office).show_own,
    }


def profiles(pool, inspection: Inspection) -> dict[int, Profile]:
    """Experience, latest final rating, recent training hours and last service per inspector
    of `pool` (a queryset of inspectors), as of the inspection's start.

    Three grouped queries whatever the pool size, the pool as a subquery (a list of 2,000
    ids costs more to prepare than the queries take); inspectors without data get Profile()."""
    ids = pool.values("pk")
    before = inspection.start
    served = {
        row["inspector_id"]: row
        for row in TeamMember.objects.filter(inspector__in=ids, team__inspection__start__lt=before)
        .exclude(team__inspection=inspection)
        .values("inspector_id")
        .annotate(
            rounds=Count("team__inspection__round", distinct=True),
            # As text: SQLite's date converter on every row costs more than the query.
            last=Cast(Max("team__inspection__end"), CharField()),
        )
    }
    hours = dict(
        TrainingRecord.objects.filter(
            inspector__in=ids,
            start__gte=before - timedelta(days=TRAINING_WINDOW_DAYS),
            start__lte=before,
        )
        .values("inspector_id")
        .annotate(h=Cast(Sum("hours"), FloatField()))
        .values_list("inspector_id", "h")
    )
    ratings: dict[int, str] = {}
    rows = (
        Appraisal.objects.filter(
            member__inspector__in=ids,
            source=Appraisal.Source.OFFICE,
            state=Appraisal.State.FINAL,
            corrected_by__isnull=True,
            member__team__inspection__start__lt=before,
        )
        .order_by("member__inspector_id", "-member__team__inspection__start", "-pk")
        .values_list("member__inspector_id", "rating")
    )
    for inspector_id, rating in rows:
        ratings.setdefault(inspector_id, rating)
    out: dict[int, Profile] = defaultdict(Profile)
    for pk in served.keys() | hours.keys() | ratings.keys():
        row = served.get(pk) or {}
        out[pk] = Profile(
            rounds_served=row.get("rounds", 0),
            last_served=date.fromisoformat(str(row["last"])[:10]) if row.get("last") else None,
            rating=ratings.get(pk, ""),
            hours=float(hours.get(pk) or 0),
        )
    return out


# --- who may read and write a team's appraisals (pages and API) ------------------------


def round_roles(user, inspection):
    """(office may read, office may write, user leads the team) for one inspection."""
    office_read = services.holds(user, inspection.office, PLAN_ROLES)
    office_write = services.holds(user, inspection.office, EDIT_ROLES)
    leader = hasattr(inspection, "team") and services.leads(user, inspection.team)
    return office_read, office_write, leader


def visible_inspection(user, pk):
    inspection = access.get_for_user(
        Inspection.objects.select_related("office", "round__plan", "team"), user, pk
    )
    office_read, office_write, leader = round_roles(user, inspection)
    if not (office_read or leader) or not hasattr(inspection, "team"):
        raise Http404("对象不存在或无权访问")
    return inspection, office_read, office_write, leader


def visible_member(user, pk):
    member = (
        TeamMember.objects.select_related("inspector", "team__inspection__office", "team")
        .filter(pk=pk, team__inspection__in=access.visible(Inspection.objects.all(), user))
        .first()
    )
    if member is None:
        raise Http404("对象不存在或无权访问")
    return member


def require_write(user, member, source):
    inspection = member.team.inspection
    office_read, office_write, leader = round_roles(user, inspection)
    if not (office_read or leader):
        raise Http404("对象不存在或无权访问")
    if source == Appraisal.Source.LEADER and leader:
        return
    if source == Appraisal.Source.OFFICE and office_write:
        return
    if source not in Appraisal.Source.values:
        raise Http404("对象不存在或无权访问")
    raise PermissionDenied(
        "只有本组组长可以填写组长评价。"
        if source == Appraisal.Source.LEADER
        else "只有本巡察办管理员或工作人员可以进行巡察办考核。"
    )
