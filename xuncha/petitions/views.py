"""Staff side: announcements, the intake register, replies, identity approvals, statistics."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.org.models import Role
from xuncha.petitions import services
from xuncha.petitions.forms import AnnouncementForm, EntryForm
from xuncha.petitions.models import (
    Announcement,
    Attachment,
    Message,
    Submission,
)
from xuncha.plans.models import Inspection, team_labels


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


# --- Announcements ------------------------------------------------------------------


@login_required
def announcement_list(request):
    items = (
        access.visible(Announcement.objects.all(), request.user)
        .select_related("inspection__office")
        .order_by("-period_start", "-pk")
    )
    if request.GET.get("state") in Announcement.State.values:  # from the home page's to-dos
        items = items.filter(state=request.GET["state"])
    inspections = (
        access.visible(Inspection.objects.all(), request.user)
        .filter(
            Q(office__in=access.user_offices(request.user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}))
            | Q(team__members__inspector__user=request.user)
        )
        .distinct()
        .select_related("round__plan", "team")
        .prefetch_related("units")[:200]
    )
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "petitions/announcement_list.html",
        {"page": page, "inspections": inspections},
    )


@login_required
def announcement_edit(request, pk=None, inspection_pk=None):
    if pk:
        announcement = access.get_for_user(Announcement, request.user, pk, "change")
        inspection = announcement.inspection
    else:
        announcement = None
        inspection = access.get_for_user(Inspection, request.user, inspection_pk)
        if not _may_draft(request.user, inspection):
            raise Http404
    if request.method == "POST":
        form = AnnouncementForm(request.POST, instance=announcement)
        if form.is_valid():
            try:
                a = services.announcement_save(
                    inspection=inspection,
                    data=form.cleaned_data,
                    actor=request.user,
                    announcement=announcement,
                )
                messages.success(request, "公告已保存。")
                return redirect("petitions:announcement_detail", a.pk)
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
    else:
        initial = services.announcement_defaults(inspection) if announcement is None else None
        form = AnnouncementForm(instance=announcement, initial=initial)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": "编辑巡察公告" if announcement else "起草巡察公告",
            "submit_label": "保存",
        },
    )


def _may_draft(user, inspection) -> bool:
    if access.is_sysadmin(user):
        return True
    office = access.user_offices(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
    return (
        inspection.office in office or inspection.team.members.filter(inspector__user=user).exists()
    )


@login_required
def announcement_detail(request, pk):
    a = access.get_for_user(
        Announcement.objects.select_related("inspection__office", "drafted_by", "approved_by"),
        request.user,
        pk,
    )
    return render(
        request,
        "petitions/announcement_detail.html",
        {
            "a": a,
            "actions": services.announcement_allowed(a, request.user),
            "events": a.events.select_related("actor"),
            "public_url": request.build_absolute_uri(reverse("public:announcement", args=[a.pk])),
        },
    )


@login_required
@require_POST
def announcement_transition(request, pk):
    a = access.get_for_user(Announcement, request.user, pk)
    try:
        services.announcement_transition(
            announcement=a,
            to=request.POST.get("to", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
        )
        messages.success(request, "公告状态已更新。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:announcement_detail", pk)


@login_required
def announcement_poster(request, pk):
    """A printable A4 poster with a QR code to the online channel."""
    import qrcode
    import qrcode.image.svg

    a = access.get_for_user(
        Announcement.objects.select_related("inspection__office"), request.user, pk
    )
    url = request.build_absolute_uri(reverse("public:announcement", args=[a.pk]))
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buf = io.BytesIO()
    image.save(buf)
    svg = buf.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    return render(request, "petitions/poster.html", {"a": a, "svg": svg, "url": url})


# --- Register --------------------------------------------------------------------------


def _register_qs(user):
    return access.visible(Submission.objects.all(), user).select_related(
        "inspection__team", "office"
    )


@login_required
def register(request):
    qs = _register_qs(request.user)
    f = request.GET
    if f.get("state") in Submission.State.values:
        qs = qs.filter(state=f["state"])
    if f.get("channel") in Submission.Channel.values:
        qs = qs.filter(channel=f["channel"])
    if f.get("inspection", "").isdigit():
        qs = qs.filter(inspection_id=int(f["inspection"]))
    if f.get("overdue"):
        qs = qs.filter(services.overdue_q())
    tab = f.get("tab", "")
    if tab == "received":
        qs = qs.filter(state=Submission.State.RECEIVED)
    elif tab == "spam":
        qs = qs.filter(spam=True)
    if f.get("spam") == "1":
        qs = qs.filter(spam=True)
    elif f.get("spam") == "0":
        qs = qs.filter(spam=False)
    page = Paginator(qs.order_by("-received_on", "-pk"), 50).get_page(f.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "s": s,
            "overdue": (s.state == "received" and s.accept_due and s.accept_due < today)
            or (s.result_due and not s.result_notified_on and s.result_due < today),
        }
        for s in page
    ]
    return _no_store(
        render(
            request,
            "petitions/register.html",
            {
                "page": page,
                "rows": rows,
                "states": Submission.State.choices,
                "channels": Submission.Channel.choices,
                "f": f,
                "tab": tab,
                "tabs": [("", "全部"), ("received", "待受理"), ("spam", "疑似垃圾")],
                "may_enter": _may_enter(
                    request.user, access.visible(Inspection.objects.all(), request.user)
                ),
            },
        )
    )


def _may_enter(user, inspections) -> bool:
    """Office staff of an office, or a member of a team inspecting: who registers letters,
    calls and visits (the entry page; the register links it only for them)."""
    offices = access.user_offices(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
    return bool(offices) or inspections.filter(team__members__inspector__user=user).exists()


@login_required
def entry(request):
    inspections = access.visible(Inspection.objects.all(), request.user).select_related(
        "round__plan", "team"
    )
    offices = access.user_offices(request.user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
    if not _may_enter(request.user, inspections):
        raise Http404
    if request.method == "POST":
        form = EntryForm(request.POST, request.FILES, inspections=inspections)
        if form.is_valid():
            d = form.cleaned_data
            inspection = d["inspection"]
            if inspection is None and not offices:
                form.add_error("inspection", "请选择巡察。")
            else:
                office = inspection.office if inspection else offices[0]
                try:
                    sub = services.submission_enter(
                        office=office,
                        inspection=inspection,
                        channel=d["channel"],
                        data=d,
                        identity={"name": d["name"], "contact": d["contact"]},
                        files=request.FILES.getlist("files"),
                        actor=request.user,
                        received_on=d["received_on"],
                    )
                    messages.success(request, f"已登记 {sub.number}。")
                    return redirect("petitions:detail", sub.pk)
                except DomainError as e:
                    form.add_error(None, e.message)
    else:
        form = EntryForm(inspections=inspections, initial={"received_on": timezone.localdate()})
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "登记来信来电来访", "submit_label": "登记"},
    )


@login_required
def detail(request, pk):
    sub = access.get_for_user(_register_qs(request.user), request.user, pk)
    content = services.submission_content(submission=sub, actor=request.user)
    identity = None
    approval = services.identity_approval(sub, request.user) if sub.real_name else None
    if approval and request.GET.get("identity") == "1":
        identity = services.identity_read(submission=sub, actor=request.user)
    pending = sub.identity_requests.filter(requester=request.user, state="pending").exists()
    return _no_store(
        render(
            request,
            "petitions/detail.html",
            {
                "s": sub,
                "content": content,
                "identity": identity,
                "approval": approval,
                "identity_pending": pending,
                "messages_list": services.messages_for_staff(sub),
                "attachments": sub.attachments.filter(message__isnull=True),
                "actions": services.allowed_transitions(sub),
                "required_label": services.REQUIRED_LABEL,
                "events": sub.events.select_related("actor"),
                "duplicates": sub.duplicates.all(),
                "analytics": _analytics_panel(sub, request.user, content),
                "links": sub.links.select_related("content_type"),
                "message_kinds": [
                    (Message.Kind.REPLY, "答复"),
                    (Message.Kind.QUESTION, "向反映人提问"),
                    (Message.Kind.NOTE, "内部备注（不对外）"),
                ],
            },
        )
    )


def _analytics_panel(sub, user, content):
    from django.apps import apps

    if not apps.is_installed("xuncha.analytics"):
        return None
    from xuncha.analytics.selectors import submission_panel

    return submission_panel(sub, user, content)


@login_required
@require_POST
def transition(request, pk):
    sub = access.get_for_user(Submission, request.user, pk, "change")
    target = None
    number = request.POST.get("target", "").strip()
    try:
        if number:
            try:
                target_pk = int(number.rsplit("-", 1)[-1])
            except ValueError:
                raise DomainError("合并目标编号格式不正确，应如 XF2026-000123。") from None
            target = (
                access.visible(Submission.objects.all(), request.user, "change")
                .filter(pk=target_pk)
                .first()
            )
            if target is None:
                raise DomainError("合并目标不存在或无权访问。")
        services.submission_transition(
            submission=sub,
            to=request.POST.get("to", ""),
            actor=request.user,
            reason=request.POST.get("reason", ""),
            competent_body=request.POST.get("competent_body", ""),
            target=target,
        )
        messages.success(request, "已办理。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:detail", pk)


@login_required
@require_POST
def message_create(request, pk):
    sub = access.get_for_user(Submission, request.user, pk, "change")
    try:
        m = services.message_draft(
            submission=sub,
            kind=request.POST.get("kind", ""),
            body=request.POST.get("body", ""),
            actor=request.user,
        )
        messages.success(
            request,
            "已保存，待另一名工作人员复核后发出。" if m.state == "draft" else "备注已保存。",
        )
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:detail", pk)


@login_required
@require_POST
def message_review(request, pk):
    msg = Message.objects.filter(pk=pk).first()
    if msg is None:
        raise Http404
    access.get_for_user(Submission, request.user, msg.submission_id, "change")
    try:
        services.message_review(
            message=msg,
            approve=request.POST.get("approve") == "1",
            actor=request.user,
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, "复核完成。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:detail", msg.submission_id)


@login_required
def attachment(request, pk):
    att = Attachment.objects.filter(pk=pk).select_related("submission").first()
    if att is None:
        raise Http404
    access.get_for_user(Submission, request.user, att.submission_id)
    try:
        name, data = services.attachment_open(attachment=att, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("petitions:detail", att.submission_id)
    response = attachment_response(HttpResponse(data, content_type=att.mime), name, att.mime)
    return _no_store(response)


@login_required
@require_POST
def link(request, pk):
    sub = access.get_for_user(Submission, request.user, pk, "change")
    kind = request.POST.get("kind")
    try:
        if kind == "problem":
            from xuncha.inspections.models import Problem as Model
        elif kind == "clue":
            from xuncha.clues.models import Clue as Model
        else:
            raise DomainError("请选择关联问题或线索。")
        obj_pk = request.POST.get("object_id", "")
        target = Model.objects.filter(pk=int(obj_pk)).first() if obj_pk.isdigit() else None
        if target is None:
            raise DomainError("关联对象不存在或无权访问。")
        services.submission_link(submission=sub, target=target, actor=request.user)
        messages.success(request, "已关联。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:detail", pk)


# --- Identity: two-person rule -----------------------------------------------------------


@login_required
@require_POST
def identity_request(request, pk):
    sub = access.get_for_user(Submission, request.user, pk)
    try:
        services.identity_request(
            submission=sub, reason=request.POST.get("reason", ""), actor=request.user
        )
        messages.success(request, "已提交申请，待举报人信息保管人审批。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:detail", pk)


@login_required
def custodian(request):
    qs = services.custodian_requests(request.user).select_related("requester", "submission")
    if not request.user.has_role(Role.CUSTODIAN):
        raise Http404
    return render(
        request,
        "petitions/custodian.html",
        {"pending": qs.filter(state="pending"), "done": qs.exclude(state="pending")[:50]},
    )


@login_required
@require_POST
def identity_decide(request, pk):
    req = services.custodian_requests(request.user).filter(pk=pk).first()
    if req is None:
        raise Http404
    try:
        services.identity_decide(
            request=req, approve=request.POST.get("approve") == "1", actor=request.user
        )
        messages.success(request, "已处理。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:custodian")


# --- Statistics ------------------------------------------------------------------------


@login_required
def stats(request):
    qs = access.visible(Submission.objects.all(), request.user, "stats")
    if not access.user_offices(
        request.user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}
    ) and not access.is_sysadmin(request.user):
        raise Http404

    def by(field, choices=None):
        rows = qs.values(field).annotate(n=Count("pk")).order_by("-n")
        labels = dict(choices or [])
        return [
            {"name": str(labels.get(r[field], r[field] or "未指定")), "value": r["n"]} for r in rows
        ]

    per_inspection = list(
        qs.values("inspection_id")
        .annotate(n=Count("pk"), spam=Count("pk", filter=Q(spam=True)))
        .order_by("-n")[:30]
    )
    labels = team_labels([r["inspection_id"] for r in per_inspection])
    for r in per_inspection:
        r["label"] = labels.get(r["inspection_id"], "向巡察机构反映")
    accept_days = qs.filter(accepted_on__isnull=False).aggregate(
        d=Avg(F("accepted_on") - F("received_on"))
    )["d"]
    close_days = qs.filter(closed_on__isnull=False).aggregate(
        d=Avg(F("closed_on") - F("received_on"))
    )["d"]
    data = {
        "channel": by("channel", Submission.Channel.choices),
        "category": by("category", Submission.Category.choices),
        "state": by("state", Submission.State.choices),
        "kind": by("kind", Submission.Kind.choices),
    }
    return render(
        request,
        "petitions/stats.html",
        {
            "total": qs.count(),
            "overdue": qs.filter(services.overdue_q()).count(),
            "per_inspection": per_inspection,
            "data": data,
            "accept_days": _days(accept_days),
            "close_days": _days(close_days),
        },
    )


def _days(value):
    if value is None:
        return None
    if hasattr(value, "total_seconds"):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86400e6, 1)  # some backends return microseconds
