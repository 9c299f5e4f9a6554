"""Writes of training records and appraisals: validate, change and audit in one transaction."""

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, strip_image_metadata
from xuncha.plans.models import EDIT_ROLES, Inspection, Inspector, TeamMember
from xuncha.plans.services import holds
from xuncha.training.models import (
    Appraisal,
    AppraisalIndicator,
    AppraisalScore,
    AppraisalSettings,
    TrainingRecord,
)

CERTIFICATE_TYPES = {"pdf", "jpg", "png", "webp", "ofd"}
MAX_COMMENTS = 2000
MAX_HOURS = Decimal("500")
RATINGS = dict(Appraisal.Rating.choices)
# Fieldwork must be over before a member is appraised for it.
APPRAISABLE_STAGES = {
    Inspection.Stage.REPORT,
    Inspection.Stage.REVIEW,
    Inspection.Stage.FEEDBACK,
    Inspection.Stage.RECTIFICATION,
    Inspection.Stage.EVALUATION,
    Inspection.Stage.ARCHIVED,
}


# --- indicators and settings -------------------------------------------------------------


def indicators_for(office) -> list[AppraisalIndicator]:
    """The office's active indicators; the defaults are set up on first use."""
    rows = list(AppraisalIndicator.objects.filter(office=office, active=True))
    if rows or AppraisalIndicator.objects.filter(office=office).exists():
        return rows
    with transaction.atomic():
        for order, (name, max_score) in enumerate(AppraisalIndicator.DEFAULTS):
            AppraisalIndicator.objects.get_or_create(
                office=office, name=name, defaults={"max_score": max_score, "order": order}
            )
    return list(AppraisalIndicator.objects.filter(office=office, active=True))


def parse_indicators(text: str) -> list[tuple[str, int]]:
    """Lines like “政治素质 20” (name, full marks) into [(name, max_score)]."""
    out: list[tuple[str, int]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("：", " ").replace(":", " ").replace("\u3000", " ")
        if not line:
            continue
        parts = line.rsplit(None, 1)
        if len(parts) != 2 or not parts[1].isdigit():
            raise DomainError(f"第{number}行应写成“指标名称 满分”，如“政治素质 20”。", "indicators")
        name, max_score = parts[0].strip(), int(parts[1])
        if len(name) > 40:
            raise DomainError(f"第{number}行的指标名称不能超过40字。", "indicators")
        if not 1 <= max_score <= 100:
            raise DomainError(f"第{number}行的满分应在1—100之间。", "indicators")
        if name in {n for n, _ in out}:
            raise DomainError(f"指标“{name}”重复。", "indicators")
        out.append((name, max_score))
    if not out:
        raise DomainError("请至少设置一项考核指标。", "indicators")
    if len(out) > 20:
        raise DomainError("考核指标不能超过20项。", "indicators")
    return out


def appraisal_settings_save(*, office, show_own: bool, indicators_text: str, actor):
    """The office administrator sets the indicators and whether inspectors see their own."""
    if not holds(actor, office, {"office_admin"}):
        raise DomainError("只有本巡察办管理员可以修改考核设置。")
    wanted = parse_indicators(indicators_text)
    with transaction.atomic():
        cfg, _ = AppraisalSettings.objects.select_for_update().get_or_create(office=office)
        before = {"show_own": cfg.show_own, "indicators": format_indicators(office)}
        cfg.show_own = bool(show_own)
        cfg.save()
        existing = {i.name: i for i in AppraisalIndicator.objects.filter(office=office)}
        for order, (name, max_score) in enumerate(wanted):
            row = existing.pop(name, None) or AppraisalIndicator(office=office, name=name)
            row.max_score, row.order, row.active = max_score, order, True
            row.save()
        # Removed indicators are switched off, never deleted: old scores still name them.
        AppraisalIndicator.objects.filter(pk__in=[i.pk for i in existing.values()]).update(
            active=False
        )
        after = {"show_own": cfg.show_own, "indicators": format_indicators(office)}
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=cfg,
            summary=f"修改{office}巡察干部考核设置",
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )
    return cfg


def format_indicators(office) -> str:
    return "\n".join(f"{i.name} {i.max_score}" for i in indicators_for(office))


# --- training ----------------------------------------------------------------------------


def _store_certificate(uploaded):
    checked = check_upload(uploaded, allowed=CERTIFICATE_TYPES)
    data = strip_image_metadata(uploaded.read(), checked.extension)
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("training") / digest[:2] / f"{digest}.{checked.extension}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(data)
    return str(relative), checked, len(data)


def training_certificate_attach(*, record: TrainingRecord, certificate, actor) -> TrainingRecord:
    """Attach (or replace) the certificate of a training record; the office's staff."""
    if not holds(actor, record.inspector.office, EDIT_ROLES):
        raise DomainError("只有本巡察办管理员或工作人员可以上传结业证书。")
    if not certificate:
        raise DomainError("请选择结业证书文件。", "certificate")
    relative, checked, size = _store_certificate(certificate)
    with transaction.atomic():
        row = TrainingRecord.objects.select_for_update().get(pk=record.pk)
        before = row.certificate_name
        row.certificate_name = checked.name
        row.certificate_path = relative
        row.certificate_type = checked.content_type
        row.certificate_size = size
        row.save(
            update_fields=[
                "certificate_name",
                "certificate_path",
                "certificate_type",
                "certificate_size",
            ]
        )
        _audit_certificate(row, before, actor)
    return row


def _audit_certificate(row, before, actor):
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        summary=f"上传{row.inspector.name}“{row.course}”的结业证书",
        changes={"certificate": [before, row.certificate_name]},
    )


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError("学时应为数字，如 16 或 7.5。", "hours") from None
    if not Decimal("0") < hours <= MAX_HOURS:
        raise DomainError(f"学时应大于0且不超过{MAX_HOURS}。", "hours")
    return hours


def training_create(
    *,
    inspector: Inspector,
    course: str,
    organiser: str,
    start: date,
    end: date,
    hours,
    certificate=None,
    actor,
    today: date | None = None,
) -> TrainingRecord:
    """Office staff record a course an inspector of their pool attended."""
    if not holds(actor, inspector.office, EDIT_ROLES):
        raise DomainError("只有本巡察办管理员或工作人员可以登记培训记录。")
    course, organiser = (course or "").strip(), (organiser or "").strip()
    if not course:
        raise DomainError("请填写培训课程。", "course")
    if not organiser:
        raise DomainError("请填写主办单位。", "organiser")
    if not start or not end:
        raise DomainError("请填写培训起止日期。", "start")
    if end < start:
        raise DomainError("结束日期不能早于开始日期。", "end")
    if start > (today or timezone.localdate()):
        raise DomainError("培训尚未开始，不能登记为已参加的培训。", "start")
    hours = _hours(hours)
    days = (end - start).days + 1
    if hours > days * 12:
        raise DomainError(f"学时{hours}超过{days}天培训的合理上限（每天不超过12学时）。", "hours")
    stored = _store_certificate(certificate) if certificate else None
    with transaction.atomic():
        row = TrainingRecord(
            inspector=inspector,
            course=course,
            organiser=organiser,
            start=start,
            end=end,
            hours=hours,
            recorded_by=actor,
        )
        if stored:
            relative, checked, size = stored
            row.certificate_name = checked.name
            row.certificate_path = relative
            row.certificate_type = checked.content_type
            row.certificate_size = size
        row.save()
        record(
            actor=actor,
            action=Action.CREATE,
            obj=row,
            summary=f"登记{inspector.name}参加“{course}”培训{hours}学时",
            changes={
                "inspector": inspector.pk,
                "course": course,
                "hours": str(hours),
                "certificate": row.certificate_name,
            },
        )
    return row


# --- appraisals --------------------------------------------------------------------------


def leads(user, team) -> bool:
    return TeamMember.objects.filter(
        team=team, role=TeamMember.Role.LEADER, inspector__user=user
    ).exists()


def _check_may(member: TeamMember, source: str, actor):
    inspection = member.team.inspection
    if source == Appraisal.Source.LEADER:
        if not getattr(actor, "is_authenticated", False) or not leads(actor, member.team):
            raise DomainError("只有本组组长可以评价本组成员。")
        if member.inspector.user_id == actor.pk:
            raise DomainError("组长不能评价自己，组长由巡察办考核。")
    elif source == Appraisal.Source.OFFICE:
        if not holds(actor, inspection.office, EDIT_ROLES):
            raise DomainError("只有本巡察办管理员或工作人员可以进行巡察办考核。")
    else:
        raise DomainError("评价主体应为组长或巡察办。", "source")


def appraisable(inspection: Inspection, today: date | None = None) -> bool:
    return inspection.stage in APPRAISABLE_STAGES or inspection.end < (
        today or timezone.localdate()
    )


def _clean_scores(office, scores: dict) -> list[tuple[AppraisalIndicator, int]]:
    indicators = indicators_for(office)
    given = {}
    for key, value in (scores or {}).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            raise DomainError("考核指标无效。", "scores") from None
    known = {i.pk for i in indicators}
    if set(given) - known:
        raise DomainError("包含本办未启用的考核指标，请刷新页面后重新填写。", "scores")
    out = []
    for indicator in indicators:
        value = given.get(indicator.pk)
        if value in (None, ""):
            raise DomainError(f"请填写“{indicator.name}”的得分。", "scores")
        try:
            score = int(str(value).strip())
        except ValueError:
            raise DomainError(f"“{indicator.name}”的得分应为整数。", "scores") from None
        if not 0 <= score <= indicator.max_score:
            raise DomainError(
                f"“{indicator.name}”的得分应在0—{indicator.max_score}之间。", "scores"
            )
        out.append((indicator, score))
    return out


def _clean(rating, comments):
    if rating not in RATINGS:
        raise DomainError("请选择考核等次：优秀、称职、基本称职或不称职。", "rating")
    comments = (comments or "").strip()
    if len(comments) > MAX_COMMENTS:
        raise DomainError(f"评语不能超过{MAX_COMMENTS}字。", "comments")
    if rating in {Appraisal.Rating.BASIC, Appraisal.Rating.INCOMPETENT} and not comments:
        raise DomainError("评为基本称职或不称职的，须在评语中写明理由。", "comments")
    return comments


def _write_scores(appraisal, cleaned):
    appraisal.scores.all().delete()
    AppraisalScore.objects.bulk_create(
        AppraisalScore(
            appraisal=appraisal,
            indicator=indicator,
            name=indicator.name,
            max_score=indicator.max_score,
            score=score,
        )
        for indicator, score in cleaned
    )
    appraisal.total = sum(score for _, score in cleaned)


def appraisal_save(
    *,
    member: TeamMember,
    source: str,
    rating: str,
    scores: dict,
    comments: str = "",
    actor,
    today: date | None = None,
) -> Appraisal:
    """Write (or rewrite, while a draft) a member's appraisal by the leader or the office."""
    _check_may(member, source, actor)
    inspection = member.team.inspection
    if not appraisable(inspection, today):
        raise DomainError("本轮巡察的进驻工作结束后才能进行考核。")
    comments = _clean(rating, comments)
    cleaned = _clean_scores(inspection.office, scores)
    with transaction.atomic():
        TeamMember.objects.select_for_update().filter(pk=member.pk).first()
        appraisal = Appraisal.objects.filter(
            member=member, source=source, corrects__isnull=True
        ).first()
        if appraisal is not None and appraisal.is_final:
            raise DomainError("该考核已定档，不能修改；如需更正，请新建更正记录并说明理由。")
        created = appraisal is None
        before = None if created else {"rating": appraisal.rating, "total": appraisal.total}
        if created:
            appraisal = Appraisal(member=member, source=source, author=actor)
        appraisal.rating, appraisal.comments, appraisal.author = rating, comments, actor
        appraisal.save()
        _write_scores(appraisal, cleaned)
        appraisal.save(update_fields=["total"])
        record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=appraisal,
            summary=f"{appraisal.get_source_display()}：{member.inspector.name}"
            f"（{inspection.round} {member.team.name}）{RATINGS[rating]}",
            changes={
                "member": member.pk,
                "source": source,
                "rating": [before and before["rating"], rating],
                "total": [before and before["total"], appraisal.total],
                "scores": {i.name: s for i, s in cleaned},
            },
        )
    return appraisal


def appraisal_finalise(*, appraisal: Appraisal, actor) -> Appraisal:
    """定档 (the office) or 提交 (the leader): from now on the record never changes."""
    _check_may(appraisal.member, appraisal.source, actor)
    with transaction.atomic():
        appraisal = Appraisal.objects.select_for_update().get(pk=appraisal.pk)
        if appraisal.is_final:
            raise DomainError("该考核已定档。")
        appraisal.state = Appraisal.State.FINAL
        appraisal.finalised_at = timezone.now()
        appraisal.save(update_fields=["state", "finalised_at"])
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=appraisal,
            summary=f"{appraisal.get_source_display()}定档：{appraisal.member.inspector.name}"
            f"{appraisal.get_rating_display()}",
            changes={"state": [Appraisal.State.DRAFT, Appraisal.State.FINAL]},
        )
    return appraisal


def appraisal_correct(
    *, appraisal: Appraisal, rating: str, scores: dict, comments: str = "", reason: str, actor
) -> Appraisal:
    """A final appraisal is corrected by a new final record naming it, with a reason."""
    _check_may(appraisal.member, appraisal.source, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("更正已定档的考核须说明理由。", "reason")
    if len(reason) > MAX_COMMENTS:
        raise DomainError(f"更正理由不能超过{MAX_COMMENTS}字。", "reason")
    comments = _clean(rating, comments)
    cleaned = _clean_scores(appraisal.member.team.inspection.office, scores)
    with transaction.atomic():
        old = Appraisal.objects.select_for_update().get(pk=appraisal.pk)
        if not old.is_final:
            raise DomainError("草稿可以直接修改，无需更正。")
        if Appraisal.objects.filter(corrects=old).exists():
            raise DomainError("该考核已被更正，请在最新的考核记录上更正。")
        try:
            with transaction.atomic():
                new = Appraisal.objects.create(
                    member=old.member,
                    source=old.source,
                    state=Appraisal.State.FINAL,
                    rating=rating,
                    comments=comments,
                    corrects=old,
                    correction_reason=reason,
                    author=actor,
                    finalised_at=timezone.now(),
                )
        except IntegrityError:
            raise DomainError("该考核已被更正，请在最新的考核记录上更正。") from None
        _write_scores(new, cleaned)
        new.save(update_fields=["total"])
        record(
            actor=actor,
            action=Action.CREATE,
            obj=new,
            summary=f"更正{old.get_source_display()}：{old.member.inspector.name}"
            f" {old.get_rating_display()}→{new.get_rating_display()}",
            changes={
                "corrects": old.pk,
                "rating": [old.rating, rating],
                "total": [old.total, new.total],
                "reason": reason,
            },
        )
    return new
