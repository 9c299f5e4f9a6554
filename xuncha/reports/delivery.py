"""Feedback delivery records of one unit: 反馈会, 向主要负责人反馈, and the signed receipt.

The meeting and the talk with the main leader are recorded by the office (admin/staff) or
the team, for a final feedback opinion of an inspection at 反馈 or later, dated after the
reviews and not in the future. The receipt is uploaded by the unit's liaison once the
feedback was delivered (`FeedbackDelivery`), through the shared upload checks of `core`.
"""

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, strip_image_metadata
from xuncha.reports.models import (
    POST_FEEDBACK_STAGES,
    FeedbackDelivery,
    FeedbackMeeting,
    FeedbackReceipt,
    LeaderFeedback,
    ReportDraft,
)

RECEIPT_TYPES = {"pdf", "jpg", "png"}


def _text(value, label, field, *, required=True, max_length=100):
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise DomainError(f"{label}不能超过 {max_length} 个字。", field=field)
    return value


def _feedback_draft(draft, actor, what) -> ReportDraft:
    if not ReportDraft.objects.for_user(actor, "change").filter(pk=draft.pk).exists():
        raise DomainError(f"只有本巡察机构或巡察组可以{what}。")
    draft = (
        ReportDraft.objects.select_for_update(of=("self",))
        .select_related("inspection", "unit")
        .get(pk=draft.pk)
    )
    if draft.kind != ReportDraft.Kind.FEEDBACK or draft.unit_id is None:
        raise DomainError(f"只有按单位出具的反馈意见才能{what}。")
    if draft.state != ReportDraft.State.FINAL:
        raise DomainError(f"反馈意见须定稿后才能{what}。")
    if draft.inspection.stage not in POST_FEEDBACK_STAGES:
        raise DomainError(f"巡察进入反馈阶段后才能{what}。")
    return draft


def _after_reviews(inspection, day, label, field="held_on") -> date:
    from xuncha.inspections.models import LeadingGroupReview

    if not isinstance(day, date):
        raise DomainError(f"请填写{label}。", field=field)
    if day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天。", field=field)
    last = (
        LeadingGroupReview.objects.filter(inspection=inspection)
        .order_by("-held_on", "-pk")
        .values_list("held_on", flat=True)
        .first()
    )
    if last and day < last:
        raise DomainError(f"{label}不能早于审议日期（{last:%Y年%m月%d日}）。", field=field)
    if day < inspection.start:
        raise DomainError(
            f"{label}不能早于巡察开始日期（{inspection.start:%Y年%m月%d日}）。", field=field
        )
    return day


def feedback_meeting_record(
    *, draft: ReportDraft, held_on, attendees, delivered_by, actor, place=""
) -> FeedbackMeeting:
    """The 反馈会 at which the team gave this unit its feedback."""
    with transaction.atomic():
        draft = _feedback_draft(draft, actor, "登记反馈会")
        if FeedbackMeeting.objects.filter(draft=draft).exists():
            raise DomainError("该单位的反馈会已登记。")
        _after_reviews(draft.inspection, held_on, "反馈会日期")
        meeting = FeedbackMeeting.objects.create(
            draft=draft,
            held_on=held_on,
            place=_text(place, "地点", "place", required=False),
            attendees=_text(attendees, "参会人员", "attendees", max_length=2000),
            delivered_by=_text(delivered_by, "反馈人", "delivered_by"),
            recorded_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=meeting,
            summary=f"登记{draft.unit.name}巡察反馈会",
            changes={"draft": draft.pk, "held_on": str(held_on), "by": meeting.delivered_by},
        )
    return meeting


def leader_feedback_record(
    *, draft: ReportDraft, held_on, leader_name, delivered_by, actor, notes=""
) -> LeaderFeedback:
    """The feedback given in person to the unit's main leader (向主要负责人反馈)."""
    with transaction.atomic():
        draft = _feedback_draft(draft, actor, "登记向主要负责人反馈")
        if LeaderFeedback.objects.filter(draft=draft).exists():
            raise DomainError("已登记向该单位主要负责人反馈。")
        _after_reviews(draft.inspection, held_on, "反馈日期")
        talk = LeaderFeedback.objects.create(
            draft=draft,
            held_on=held_on,
            leader_name=_text(leader_name, "主要负责人", "leader_name"),
            delivered_by=_text(delivered_by, "反馈人", "delivered_by"),
            notes=_text(notes, "反馈情况", "notes", required=False, max_length=5000),
            recorded_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=talk,
            summary=f"登记向{draft.unit.name}主要负责人反馈",
            changes={"draft": draft.pk, "held_on": str(held_on), "leader": talk.leader_name},
        )
    return talk


def may_sign(user, draft) -> bool:
    """The liaison of the feedback's own unit (and only once it was delivered)."""
    from xuncha.org import access
    from xuncha.org.models import Role

    units = {u.pk for u in access.user_units(user, {Role.UNIT_LIAISON})}
    return draft.unit_id in units


def receipt_upload(*, draft: ReportDraft, signed_on, signed_by, uploaded, actor) -> FeedbackReceipt:
    """The unit's liaison uploads the signed receipt of its feedback opinion."""
    if not may_sign(actor, draft):
        raise DomainError("只有被反馈单位的联络员可以上传签收回执。")
    with transaction.atomic():
        delivery = (
            FeedbackDelivery.objects.select_for_update(of=("self",))
            .select_related("draft__unit")
            .filter(draft=draft)
            .first()
        )
        if delivery is None:
            raise DomainError("反馈意见尚未送达，不能上传签收回执。")
        if FeedbackReceipt.objects.filter(delivery=delivery).exists():
            raise DomainError("签收回执已上传。")
        if not isinstance(signed_on, date):
            raise DomainError("请填写签收日期。", field="signed_on")
        if signed_on < delivery.delivered_on:
            raise DomainError(
                f"签收日期不能早于送达日期（{delivery.delivered_on:%Y年%m月%d日}）。",
                field="signed_on",
            )
        if signed_on > timezone.localdate():
            raise DomainError("签收日期不能晚于今天。", field="signed_on")
        signed_by = _text(signed_by, "签收人", "signed_by")
        if uploaded is None:
            raise DomainError("请上传签字（盖章）的签收回执扫描件。", field="file")
        checked = check_upload(uploaded, allowed=RECEIPT_TYPES)
        data = strip_image_metadata(uploaded.read(), checked.extension)
        digest = hashlib.sha256(data).hexdigest()
        receipt = FeedbackReceipt(
            delivery=delivery,
            signed_on=signed_on,
            signed_by=signed_by,
            sha256=digest,
            size=len(data),
            content_type=checked.content_type,
            original_name=checked.name,
            uploaded_by=actor,
        )
        path = f"reports/receipts/{digest[:2]}/{digest}"
        written = False
        if default_storage.exists(path):
            receipt.file.name = path  # content-addressed: the same bytes are stored once
        else:
            receipt.file.save(digest, ContentFile(data), save=False)
            written = True
        try:
            receipt.save()
            record(
                actor=actor,
                action=Action.CREATE,
                obj=receipt,
                summary=f"{delivery.draft.unit.name}上传反馈意见签收回执",
                changes={"draft": draft.pk, "signed_on": str(signed_on), "sha256": digest},
            )
        except Exception:
            if written:
                default_storage.delete(receipt.file.name)
            raise
    return receipt
