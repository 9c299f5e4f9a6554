"""Services of the people's channel: announcements, intake, follow-up, replies, identity."""

import hmac
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record, record_read
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, strip_image_metadata
from xuncha.org.models import Role
from xuncha.petitions import crypto, guard
from xuncha.petitions.models import (
    Announcement,
    AnnouncementEvent,
    Attachment,
    IdentityRequest,
    Message,
    Submission,
    SubmissionEvent,
    SubmissionLink,
)

log = logging.getLogger("xuncha.petitions")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

# --- Text hygiene --------------------------------------------------------------------


def clean_text(value, *, label: str, required=False, max_len=None, min_len=0) -> str:
    """NFC-normalise, drop control characters, trim; Chinese errors for empty/oversize."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(f"“{label}”的内容无效。")
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value)).replace("\r\n", "\n").strip()
    max_len = max_len or settings.PETITIONS_MAX_TEXT
    if required and not value:
        raise DomainError(f"请填写“{label}”。", field=label)
    if value and len(value) < min_len:
        raise DomainError(f"“{label}”内容过短，请至少写 {min_len} 个字，说清楚事情经过。")
    if len(value) > max_len:
        raise DomainError(
            f"“{label}”超过 {max_len} 字的上限（当前 {len(value)} 字），请精简或作为附件上传。"
        )
    return value


# --- Announcements ------------------------------------------------------------------

# (from, to): (label, access action needed)
ANNOUNCEMENT_TRANSITIONS = {
    ("draft", "submitted"): ("提交审批", "change"),
    ("submitted", "approved"): ("审批通过", "approve"),
    ("submitted", "draft"): ("退回修改", "approve"),
    ("approved", "published"): ("发布", "approve"),
    ("published", "withdrawn"): ("撤回公告", "approve"),
}

ANNOUNCEMENT_FIELDS = [
    "title",
    "team_name",
    "units_text",
    "period_start",
    "period_end",
    "scope",
    "not_accepted",
    "phone",
    "hours",
    "postal_box",
    "email",
    "online",
    "cutoff",
    "elsewhere",
    "body",
]


def announcement_defaults(inspection) -> dict:
    team = getattr(inspection, "team", None)
    units = "、".join(u.name for u in inspection.units.all())
    team_name = team.name if team else ""
    return {
        "title": f"{inspection.office.name.replace('巡察办', '')}巡察{team_name}关于对{units}开展巡察的公告",
        "team_name": team_name,
        "units_text": units,
        "period_start": inspection.start,
        "period_end": inspection.end,
        "scope": "巡察组主要受理反映被巡察党组织领导班子及其成员、下一级党组织主要负责人和重要岗位领导干部问题的来信来电来访，"
        "重点是违反政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律和生活纪律等方面的问题。",
        "not_accepted": "根据巡察工作职责，巡察组不受理属于其他职能部门处理的问题和涉法涉诉问题，请按规定向有关部门反映。",
        "hours": "工作日 8:30—12:00，14:30—17:30",
        "cutoff": rule_cutoff(inspection),
        "elsewhere": "截止后如需反映问题，请向纪委监委信访室（12388）或有关职能部门反映。",
    }


def rule_cutoff(inspection):
    """The last day the public channel takes reports: the office's setting (受理截止日早于结束日,
    working days), the same date the inspection workspace shows. Not typed by hand."""
    from xuncha.inspections.workflow import deadlines

    return deadlines(inspection)["cutoff"]


OFFLINE_CHANNEL_MISSING = (
    "请至少填写一种线下反映渠道（联系电话或邮政信箱），不上网的群众也要能反映问题。"
)


def _has_offline_channel(values) -> bool:
    return any((values.get(f) or "").strip() for f in ("phone", "postal_box"))


def announcement_save(*, inspection, data: dict, actor, announcement=None) -> Announcement:
    data = {**data, "cutoff": rule_cutoff(inspection)}
    if not _has_offline_channel(data):
        raise DomainError(OFFLINE_CHANNEL_MISSING, field="phone")
    if data["period_end"] < data["period_start"]:
        raise DomainError("巡察结束日期不能早于开始日期。", field="period_end")
    if not data["period_start"] <= data["cutoff"] <= data["period_end"]:
        raise DomainError("受理截止日期应在巡察期间内。", field="cutoff")
    with transaction.atomic():
        if announcement is None:
            announcement = Announcement(inspection=inspection, drafted_by=actor)
            before = {}
        else:
            announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
            if announcement.state not in ("draft",):
                raise DomainError("只有草稿状态的公告可以修改；已提交的公告请先退回。")
            before = {f: str(getattr(announcement, f)) for f in ANNOUNCEMENT_FIELDS}
        for f in ANNOUNCEMENT_FIELDS:
            setattr(announcement, f, data[f])
        announcement.save()
        after = {f: str(getattr(announcement, f)) for f in ANNOUNCEMENT_FIELDS}
        record(
            actor=actor,
            action=Action.UPDATE if before else Action.CREATE,
            obj=announcement,
            changes={k: v for k, v in after.items() if before.get(k) != v},
        )
    return announcement


def announcement_allowed(announcement, user) -> list[tuple[str, str]]:
    """(to-state, label) the user may take now, drawn from the table."""
    from xuncha.org import access

    out = []
    for (src, dst), (label, action) in ANNOUNCEMENT_TRANSITIONS.items():
        if src != announcement.state:
            continue
        qs = access.visible(Announcement.objects.filter(pk=announcement.pk), user, action)
        if qs.exists():
            out.append((dst, label))
    return out


def announcement_transition(*, announcement, to: str, actor, note: str = "") -> Announcement:
    from xuncha.org import access

    with transaction.atomic():
        locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
        rule = ANNOUNCEMENT_TRANSITIONS.get((locked.state, to))
        if rule is None:
            raise DomainError(f"公告当前为“{locked.get_state_display()}”，不能执行该操作。")
        label, action = rule
        if not access.visible(Announcement.objects.filter(pk=locked.pk), actor, action).exists():
            raise DomainError(f"您无权“{label}”。")
        now = timezone.now()
        if to == "approved":
            if locked.drafted_by_id == actor.pk:
                raise DomainError("公告须由起草人以外的巡察办人员审批。")
            locked.approved_by, locked.approved_at = actor, now
        if to in ("submitted", "published") and not _has_offline_channel(vars(locked)):
            raise DomainError(OFFLINE_CHANNEL_MISSING)
        if to == "published":
            locked.published_at = now
            # The settings or the dates may have changed since the draft was saved.
            locked.cutoff = rule_cutoff(locked.inspection)
        src = locked.state
        locked.state = to
        locked.save()
        AnnouncementEvent.objects.create(
            announcement=locked, from_state=src, to_state=to, actor=actor, note=note[:300]
        )
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=locked,
            changes={"state": [src, to], "note": note[:300]},
        )
        transaction.on_commit(_forget_public_pages)
    return locked


def _forget_public_pages():
    # This worker forgets its rendered public pages at once; others within PAGE_TTL.
    from xuncha.petitions import public_views

    public_views._PAGES.clear()


# --- Intake -----------------------------------------------------------------------


@dataclass
class Receipt:
    submission: Submission
    code: str


def _deadline(office, start, days):
    from xuncha.plans import calendar

    return calendar.add_working_days(office, start, days)


def _store_files(data_key: bytes, files) -> list[dict]:
    """Check every file first, then encrypt each to disk. Raises before writing anything."""
    files = [f for f in (files or []) if f]
    if len(files) > settings.PETITIONS_MAX_FILES:
        raise DomainError(f"附件最多 {settings.PETITIONS_MAX_FILES} 个。")
    checked = [(f, check_upload(f)) for f in files]
    prepared = []
    for f, info in checked:
        f.seek(0)
        data = f.read()
        if info.extension in ("jpg", "png", "gif", "webp"):
            try:
                data = strip_image_metadata(data, info.extension)
            except Exception:
                raise DomainError(f"图片“{info.name}”已损坏，无法读取，请重新选择。") from None
        prepared.append((info, data))
    stored = []
    folder = Path(settings.MEDIA_ROOT) / "petitions"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for info, data in prepared:
            state, note = guard.scan(data)
            blob = crypto.seal(data_key, data, "file")
            name = f"{secrets.token_hex(16)}.bin"
            path = folder / name
            with open(path, "wb") as out:
                out.write(blob)
                out.flush()
            import hashlib

            stored.append(
                {
                    "name_sealed": crypto.seal(data_key, info.name.encode(), "filename"),
                    "mime": info.content_type,
                    "size": len(data),
                    "sha256": hashlib.sha256(blob).hexdigest(),
                    "path": f"petitions/{name}",
                    "scan": state,
                    "scan_note": note,
                }
            )
    except Exception:
        _remove_files(stored)
        raise
    return stored


def _remove_files(stored):
    for item in stored:
        (Path(settings.MEDIA_ROOT) / item["path"]).unlink(missing_ok=True)


def _validate_content(data: dict) -> dict:
    kind = data.get("kind") or Submission.Kind.REPORT
    if kind not in Submission.Kind.values:
        raise DomainError("请选择反映类别。", field="kind")
    category = data.get("category") or ""
    if category not in Submission.Category.values:
        raise DomainError("请选择反映问题的类型。", field="category")
    return {
        "kind": kind,
        "category": category,
        "unit": clean_text(data.get("unit"), label="被反映单位", max_len=200),
        "people": clean_text(data.get("people"), label="被反映人及职务", max_len=500),
        "text": clean_text(data.get("text"), label="反映的主要问题", required=True, min_len=10),
    }


def _validate_identity(identity: dict | None) -> dict | None:
    if not identity:
        return None
    name = clean_text(identity.get("name"), label="姓名", max_len=50)
    contact = clean_text(identity.get("contact"), label="联系方式", max_len=100)
    if not name and not contact:
        return None
    if not name or not contact:
        raise DomainError("实名反映请同时填写姓名和联系方式；如不愿留名，请两项都不填。")
    return {"name": name, "contact": contact}


def _create(
    *,
    office,
    inspection,
    announcement,
    channel,
    content,
    identity,
    files,
    actor,
    pow_digest="",
    with_code=True,
    received_on=None,
):
    _key_id, wrapped, data_key = crypto.new_data_key()
    stored = _store_files(data_key, files)
    code = crypto.new_receipt_code() if with_code else None
    today = received_on or timezone.localdate()
    try:
        with transaction.atomic():
            guard.spend(pow_digest)
            sub = Submission(
                office=office,
                inspection=inspection,
                announcement=announcement,
                kind=content["kind"],
                channel=channel,
                category=content["category"],
                receipt_digest=crypto.receipt_digest(crypto.normalise_code(code)) if code else None,
                key_id=_key_id,
                wrapped_key=wrapped,
                content_sealed=crypto.seal_json(
                    data_key,
                    {k: content[k] for k in ("unit", "people", "text")},
                    "content",
                ),
                identity_sealed=crypto.seal_json(data_key, identity, "identity")
                if identity
                else None,
                real_name=bool(identity),
                received_on=today,
                entered_by=actor,
            )
            if identity and content["kind"] == Submission.Kind.REPORT:
                sub.accept_due = _deadline(office, today, settings.PETITIONS_ACCEPT_DAYS)
            sub.save()
            Attachment.objects.bulk_create(Attachment(submission=sub, **item) for item in stored)
            _analyse(sub, content, identity, data_key)
            if actor is not None:
                record(
                    actor=actor, action=Action.CREATE, obj=sub, summary=f"登记来信来访 {sub.number}"
                )
    except BaseException:
        _remove_files(stored)
        raise
    return Receipt(sub, code)


def _analyse(sub, content, identity, data_key):
    """Analysis of a new submission in the request (a few ms): spam passages, duplicates,
    unit and category suggestions, the blind search index and its topic. Lazy: analytics
    reads petitions, not the other way round."""
    from django.apps import apps

    if apps.is_installed("xuncha.analytics"):
        from xuncha.analytics import search, topics
        from xuncha.analytics.intake import analyse_safely

        analyse_safely(submission=sub, content=content, identity=identity, data_key=data_key)
        search.index(sub)
        topics.assign(sub, content)


def submit_public(
    *, announcement, office, data: dict, identity: dict | None, files, pow_digest: str
) -> Receipt:
    """An online submission. No address, agent or time is stored: only the date."""
    if announcement is not None:
        if announcement.state != Announcement.State.PUBLISHED or not announcement.online:
            raise DomainError("该公告未开通网上反映渠道。")
        if not announcement.is_open():
            raise DomainError(
                f"本次巡察受理反映已于 {announcement.cutoff:%Y年%m月%d日} 截止。"
                + (announcement.elsewhere or "如需反映问题，请向纪委监委信访室（12388）反映。")
            )
        office = announcement.inspection.office
    content = _validate_content(data)
    identity = _validate_identity(identity)
    return _create(
        office=office,
        inspection=announcement.inspection if announcement else None,
        announcement=announcement,
        channel=Submission.Channel.ONLINE,
        content=content,
        identity=identity,
        files=files,
        actor=None,
        pow_digest=pow_digest,
    )


def submission_enter(
    *, office, inspection, channel, data: dict, identity, files, actor, received_on=None
) -> Submission:
    """A letter, call or visit registered by staff."""
    if channel not in Submission.Channel.values or channel == Submission.Channel.ONLINE:
        raise DomainError("请选择来信、来电、来访等登记渠道。", field="channel")
    content = _validate_content(data)
    identity = _validate_identity(identity)
    return _create(
        office=office,
        inspection=inspection,
        announcement=None,
        channel=channel,
        content=content,
        identity=identity,
        files=files,
        actor=actor,
        with_code=False,
        received_on=received_on,
    ).submission


# --- Follow-up by receipt code --------------------------------------------------------

_DUMMY_DIGEST = "0" * 64


def find_by_receipt(code: str) -> Submission | None:
    """One indexed lookup and one constant-time compare, whether or not the code exists."""
    canonical = crypto.normalise_code(code)
    if canonical is None:
        return None
    digest = crypto.receipt_digest(canonical)
    found = Submission.objects.filter(receipt_digest=digest).first()
    stored = found.receipt_digest if found is not None else _DUMMY_DIGEST
    if hmac.compare_digest(stored, digest) and found is not None:
        return found
    return None


def public_view(submission) -> dict:
    """What the reporter may see: status and sent replies/questions plus own additions."""
    if submission.shredded_on is not None:  # a tombstone: only the state is left
        return {
            "state": submission.state,
            "state_label": f"{PUBLIC_STATE.get(submission.state, '已办结')}（保管期满，材料已销毁）",
            "received_on": submission.received_on,
            "kind": submission.get_kind_display(),
            "real_name": False,
            "messages": [],
            "files": 0,
        }
    data_key = crypto.unwrap(submission.wrapped_key)
    messages = []
    for m in submission.messages.filter(
        kind__in=[Message.Kind.REPORTER, Message.Kind.REPLY, Message.Kind.QUESTION],
        state=Message.State.SENT,
    ).order_by("pk"):
        messages.append(
            {
                "kind": m.kind,
                "kind_label": m.get_kind_display() if m.kind != "reporter" else "您的补充",
                "date": m.sent_on or m.created_on,
                "body": crypto.open_sealed(data_key, m.body_sealed, "message").decode(),
                "files": m.attachments.count(),
            }
        )
    return {
        "state": submission.state,
        "state_label": PUBLIC_STATE.get(submission.state, submission.get_state_display()),
        "received_on": submission.received_on,
        "kind": submission.get_kind_display(),
        "real_name": submission.real_name,
        "messages": messages,
        "files": submission.attachments.filter(message__isnull=True).count(),
    }


PUBLIC_STATE = {
    "received": "已收到，等待受理",
    "accepted": "已受理，正在办理",
    "rejected": "不予受理",
    "transferred": "已转有关部门办理",
    "merged": "已与相同问题合并办理",
    "closed": "已办结",
}


def _not_shredded(submission):
    if submission.shredded_on is not None:
        raise DomainError("该件已办结，材料已按保管期限销毁，不能再补充。")


def reporter_add(*, submission, text: str, files) -> Message:
    _not_shredded(submission)
    text = clean_text(text, label="补充内容", required=not files)
    data_key = crypto.unwrap(submission.wrapped_key)
    stored = _store_files(data_key, files)
    try:
        with transaction.atomic():
            msg = Message.objects.create(
                submission=submission,
                kind=Message.Kind.REPORTER,
                state=Message.State.SENT,
                body_sealed=crypto.seal(data_key, (text or "（补充附件）").encode(), "message"),
                created_on=timezone.localdate(),
                sent_on=timezone.localdate(),
            )
            Attachment.objects.bulk_create(
                Attachment(submission=submission, message=msg, **item) for item in stored
            )
            Submission.objects.filter(pk=submission.pk).update(unread=True)
    except BaseException:
        _remove_files(stored)
        raise
    return msg


def reporter_identity(*, submission, identity: dict | None) -> None:
    """The reporter adds, changes or withdraws name and contact."""
    _not_shredded(submission)
    identity = _validate_identity(identity)
    data_key = crypto.unwrap(submission.wrapped_key)
    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        sub.identity_sealed = crypto.seal_json(data_key, identity, "identity") if identity else None
        sub.real_name = bool(identity)
        if identity and sub.kind == Submission.Kind.REPORT and sub.accept_due is None:
            sub.accept_due = _deadline(sub.office, sub.received_on, settings.PETITIONS_ACCEPT_DAYS)
        if not identity:
            sub.accept_due = None
            sub.result_due = None
        sub.save()
        # Approved views of a withdrawn identity end now.
        IdentityRequest.objects.filter(submission=sub, state="approved").update(
            expires_at=timezone.now()
        )


# --- Register workflow --------------------------------------------------------------

S = Submission.State
# (from, to): label, required inputs
TRANSITIONS = {
    (S.RECEIVED, S.ACCEPTED): ("受理", ()),
    (S.RECEIVED, S.REJECTED): ("不予受理", ("reason", "competent_body")),
    (S.RECEIVED, S.TRANSFERRED): ("转办", ("competent_body",)),
    (S.RECEIVED, S.MERGED): ("合并至已有件", ("target",)),
    (S.ACCEPTED, S.TRANSFERRED): ("转办", ("competent_body",)),
    (S.ACCEPTED, S.MERGED): ("合并至已有件", ("target",)),
    (S.ACCEPTED, S.CLOSED): ("办结", ("reason",)),
    (S.TRANSFERRED, S.CLOSED): ("办结", ("reason",)),
}
REQUIRED_LABEL = {
    "reason": "理由/办理结果",
    "competent_body": "有权处理机关",
    "target": "合并目标编号",
}


def allowed_transitions(submission) -> list[tuple[str, str, tuple]]:
    return [
        (dst, label, req)
        for (src, dst), (label, req) in TRANSITIONS.items()
        if src == submission.state
    ]


def submission_transition(
    *, submission, to: str, actor, reason="", competent_body="", target=None
) -> Submission:
    from xuncha.org import access

    reason = clean_text(reason, label="理由/办理结果", max_len=300)
    competent_body = clean_text(competent_body, label="有权处理机关", max_len=120)
    with transaction.atomic():
        allowed = access.get_for_user(Submission, actor, submission.pk, "change")
        sub = Submission.objects.select_for_update().get(pk=allowed.pk)
        rule = TRANSITIONS.get((sub.state, to))
        if rule is None:
            raise DomainError(f"该件当前为“{sub.get_state_display()}”，不能执行该操作。")
        label, required = rule
        values = {"reason": reason, "competent_body": competent_body, "target": target}
        for name in required:
            if not values[name]:
                raise DomainError(f"“{label}”须填写{REQUIRED_LABEL[name]}。", field=name)
        today = timezone.localdate()
        if to == S.MERGED:
            if target.pk == sub.pk or target.merged_into_id == sub.pk:
                raise DomainError("不能合并到本件自身。")
            if target.office_id != sub.office_id:
                raise DomainError("只能合并到同一巡察机构登记的件。")
            if target.state == S.MERGED:
                target = target.merged_into
            sub.merged_into = target
            SubmissionEvent.objects.create(
                submission=target,
                from_state=target.state,
                to_state=target.state,
                actor=actor,
                note=f"合并重复件 {sub.number}",
            )
        if to == S.ACCEPTED:
            sub.accepted_on = today
        if to in (S.CLOSED, S.REJECTED, S.TRANSFERRED):
            sub.closed_on = today
            if sub.real_name and sub.kind == Submission.Kind.REPORT:
                sub.result_due = _deadline(sub.office, today, settings.PETITIONS_RESULT_DAYS)
        if reason:
            sub.reason = reason
        if competent_body:
            sub.competent_body = competent_body
        src = sub.state
        sub.state = to
        sub.save()
        SubmissionEvent.objects.create(
            submission=sub,
            from_state=src,
            to_state=to,
            actor=actor,
            note=(reason or competent_body)[:300],
        )
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=sub,
            changes={"state": [src, to], "reason": reason, "competent_body": competent_body},
        )
        from xuncha.analytics import search

        search.set_state(sub)
    return sub


def submission_content(*, submission, actor) -> dict:
    """Decrypted content (never identity) for staff; the read is audited."""
    data_key = crypto.unwrap(submission.wrapped_key)
    content = crypto.open_json(data_key, submission.content_sealed, "content")
    record_read(actor=actor, obj=submission, summary=f"查阅来信来访 {submission.number}")
    if submission.unread:
        Submission.objects.filter(pk=submission.pk).update(unread=False)
    return content


def messages_for_staff(submission) -> list[dict]:
    data_key = crypto.unwrap(submission.wrapped_key)
    out = []
    for m in submission.messages.select_related("author", "reviewer").prefetch_related(
        "attachments"
    ):
        out.append(
            {
                "obj": m,
                "body": crypto.open_sealed(data_key, m.body_sealed, "message").decode(),
            }
        )
    return out


def message_draft(*, submission, kind: str, body: str, actor) -> Message:
    if kind not in (Message.Kind.REPLY, Message.Kind.QUESTION, Message.Kind.NOTE):
        raise DomainError("请选择答复、提问或内部备注。")
    body = clean_text(body, label="内容", required=True, max_len=5000)
    data_key = crypto.unwrap(submission.wrapped_key)
    with transaction.atomic():
        msg = Message.objects.create(
            submission=submission,
            kind=kind,
            state=Message.State.SENT if kind == Message.Kind.NOTE else Message.State.DRAFT,
            body_sealed=crypto.seal(data_key, body.encode(), "message"),
            author=actor,
            created_on=timezone.localdate(),
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=msg,
            summary=f"{msg.get_kind_display()} {submission.number}",
        )
    return msg


def message_review(*, message, approve: bool, actor, comment: str = "") -> Message:
    """A second staff member releases (or returns) a reply before the reporter sees it."""
    with transaction.atomic():
        msg = Message.objects.select_for_update().get(pk=message.pk)
        if msg.state != Message.State.DRAFT or msg.kind == Message.Kind.NOTE:
            raise DomainError("该答复不在待复核状态。")
        if msg.author_id == actor.pk:
            raise DomainError("答复须由起草人以外的工作人员复核后发出。")
        msg.reviewer = actor
        if approve:
            msg.state = Message.State.SENT
            msg.sent_on = timezone.localdate()
        else:
            msg.state = Message.State.RETURNED
        msg.save()
        sub = msg.submission
        if (
            approve
            and msg.kind == Message.Kind.REPLY
            and sub.closed_on
            and sub.result_notified_on is None
        ):
            Submission.objects.filter(pk=sub.pk).update(result_notified_on=msg.sent_on)
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=msg,
            changes={"state": ["draft", msg.state], "comment": comment[:200]},
        )
    return msg


# --- Reporter identity: two-person rule ------------------------------------------------

IDENTITY_VALID_HOURS = 24


def identity_request(*, submission, reason: str, actor) -> IdentityRequest:
    reason = clean_text(reason, label="查看理由", required=True, max_len=300, min_len=4)
    if not submission.real_name:
        raise DomainError("该件为匿名反映，没有可查看的身份信息。")
    with transaction.atomic():
        req = IdentityRequest.objects.create(submission=submission, requester=actor, reason=reason)
        record(actor=actor, action=Action.CREATE, obj=req, changes={"reason": reason})
    return req


def custodian_requests(user):
    """Pending requests in the offices where the user is a custodian (SQL filter)."""
    from xuncha.org import access

    return IdentityRequest.objects.filter(
        access.office_q(user, {Role.CUSTODIAN}, field="submission__office")
    )


def identity_decide(*, request, approve: bool, actor) -> IdentityRequest:
    with transaction.atomic():
        req = custodian_requests(actor).select_for_update().filter(pk=request.pk).first()
        if req is None:
            raise DomainError("只有本机构的举报人信息保管人可以审批。")
        if req.state != IdentityRequest.State.PENDING:
            raise DomainError("该申请已处理。")
        if req.requester_id == actor.pk:
            raise DomainError("不能审批本人的申请。")
        req.state = IdentityRequest.State.APPROVED if approve else IdentityRequest.State.REFUSED
        req.custodian = actor
        req.decided_at = timezone.now()
        if approve:
            req.expires_at = req.decided_at + timedelta(hours=IDENTITY_VALID_HOURS)
        req.save()
        record(actor=actor, action=Action.OVERRIDE, obj=req, changes={"state": req.state})
    return req


def identity_approval(submission, actor):
    return (
        IdentityRequest.objects.filter(
            submission=submission,
            requester=actor,
            state=IdentityRequest.State.APPROVED,
            expires_at__gt=timezone.now(),
        )
        .order_by("-decided_at")
        .first()
    )


def identity_read(*, submission, actor) -> dict:
    """The reporter's name and contact, only under an approved request; audited."""
    approval = identity_approval(submission, actor)
    if approval is None:
        raise DomainError("查看举报人身份须经保管人批准。")
    if not submission.identity_sealed:
        raise DomainError("反映人已撤回身份信息。")
    data_key = crypto.unwrap(submission.wrapped_key)
    identity = crypto.open_json(data_key, submission.identity_sealed, "identity")
    record(
        actor=actor,
        action=Action.READ,
        obj=submission,
        summary=f"查阅举报人身份 {submission.number}",
        changes={"approval": approval.pk, "reason": approval.reason},
    )
    return identity


# --- Attachments, links -------------------------------------------------------------


def attachment_open(*, attachment, actor) -> tuple[str, bytes]:
    if attachment.scan == Attachment.Scan.QUARANTINED:
        raise DomainError("该附件已被病毒扫描隔离，不能下载。")
    sub = attachment.submission
    data_key = crypto.unwrap(sub.wrapped_key)
    blob = (Path(settings.MEDIA_ROOT) / attachment.path).read_bytes()
    data = crypto.open_sealed(data_key, blob, "file")
    name = crypto.open_sealed(data_key, attachment.name_sealed, "filename").decode()
    record(actor=actor, action=Action.EXPORT, obj=attachment, summary=f"下载附件 {sub.number}")
    return name, data


def submission_link(*, submission, target, actor) -> SubmissionLink:
    from django.contrib.contenttypes.models import ContentType

    from xuncha.org import access

    if not access.can(actor, target):
        raise DomainError("关联对象不存在或无权访问。")
    with transaction.atomic():
        link, _created = SubmissionLink.objects.get_or_create(
            submission=submission,
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
            defaults={"actor": actor},
        )
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=submission,
            changes={"link": f"{target._meta.label_lower}:{target.pk}"},
        )
    return link


def overdue_q():
    from django.db.models import Q

    today = timezone.localdate()
    return Q(state=S.RECEIVED, accept_due__lt=today) | Q(
        result_due__lt=today, result_notified_on__isnull=True
    )
