"""Pages of the use of results (成果运用台账), talks (约谈), accountability referrals (问责)
and the rectification democratic life meeting. Thin: forms in, services do the work."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Role, Unit
from xuncha.plans.models import Inspection
from xuncha.rectification import deadlines, results
from xuncha.rectification.forms import DATE, BootstrapForm
from xuncha.rectification.models import (
    OFFICE_REVIEW,
    LifeMeeting,
    Measure,
    RectificationPlan,
    ResultItem,
    Talk,
)
from xuncha.rectification.services import config_for, overrides_for, thresholds_for
from xuncha.reports.services import DOCX

RS = ResultItem.State
RK = ResultItem.Kind
PAGE_SIZE = 25


# --------------------------------------------------------------------------- forms


class ResultForm(BootstrapForm):
    inspection = forms.ModelChoiceField(label="巡察", queryset=None)
    kind = forms.ChoiceField(label="运用方式", choices=RK.choices)
    subject = forms.CharField(label="事项", max_length=200)
    unit = forms.ModelChoiceField(label="涉及的被巡察单位", queryset=None, required=False)
    recipient_unit = forms.ModelChoiceField(
        label="承办单位", queryset=None, required=False, help_text="从单位库选择，或在下栏填写名称"
    )
    recipient_name = forms.CharField(label="承办单位名称", max_length=120, required=False)
    decided_on = forms.DateField(label="决定日期", widget=DATE)
    due_date = forms.DateField(
        label="办理期限",
        widget=DATE,
        required=False,
        help_text="留空则按工作日自动计算（节假日顺延）；须为工作日，且不早于决定日期",
    )
    letter_text = forms.CharField(
        label="建议书/抄告单正文",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="仅巡察建议书、抄告需要；留空则用事项内容",
    )

    def __init__(self, *args, inspections, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = inspections
        self.fields["unit"].queryset = units
        self.fields["recipient_unit"].queryset = units


class TransitionForm(forms.Form):
    target = forms.ChoiceField(choices=RS.choices)
    comment = forms.CharField(required=False, max_length=5000)


class ReplyForm(BootstrapForm):
    text = forms.CharField(label="回复内容", widget=forms.Textarea(attrs={"rows": 3}))
    replied_on = forms.DateField(label="回复日期", widget=DATE, required=False)


class ResultEditForm(BootstrapForm):
    recipient_name = forms.CharField(label="承办单位", max_length=120)
    due_date = forms.DateField(label="办理期限", widget=DATE)


class TalkForm(BootstrapForm):
    held_on = forms.DateField(label="约谈日期", widget=DATE)
    talker = forms.CharField(label="约谈人", max_length=100)
    talked_to = forms.CharField(label="被约谈人", max_length=100, help_text="姓名及职务")
    reason = forms.CharField(label="约谈事由", widget=forms.Textarea(attrs={"rows": 3}))
    promises = forms.CharField(label="表态承诺", widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(
        label="承诺完成期限",
        widget=DATE,
        required=False,
        help_text="留空则为约谈后 20 个工作日",
    )


class EscalateForm(BootstrapForm):
    recipient = forms.ModelChoiceField(label="移送单位", queryset=None)
    reason = forms.CharField(label="移送问责理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = units


class LifeMeetingForm(BootstrapForm):
    held_on = forms.DateField(label="召开日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=100, required=False)
    host = forms.CharField(label="主持人", max_length=50)
    attendees = forms.CharField(label="参会班子成员", widget=forms.Textarea(attrs={"rows": 2}))
    discipline_observer = forms.CharField(label="纪委监委列席人员", max_length=100)
    organisation_observer = forms.CharField(label="组织部列席人员", max_length=100)
    self_criticism = forms.CharField(
        label="对照检查和批评与自我批评情况", widget=forms.Textarea(attrs={"rows": 5})
    )
    measures = forms.ModelMultipleChoiceField(
        label="关联整改措施", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    followup = forms.CharField(
        label="会后整改措施", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = plan.measures.select_related("problem").order_by(
            "problem__number", "pk"
        )
        self.fields["measures"].label_from_instance = lambda m: (
            f"{m.problem.number} {m.content[:50]}"
        )
        self.fields["measures"].widget.attrs = {"class": "form-check-input"}


def _form_error(form, exc: DomainError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _is_office(user) -> bool:
    return access.is_sysadmin(user) or user.has_role(*OFFICE_REVIEW)


def _creatable_inspections(user):
    inspections = access.visible(Inspection.objects.all(), user, "change")
    if not access.is_sysadmin(user):
        inspections = inspections.filter(access.office_q(user, OFFICE_REVIEW))
    return inspections


# --------------------------------------------------------------------------- the ledger


@login_required
def result_list(request):
    """成果运用台账: every visible decision with its recipient, due date, light and reply."""
    items = access.visible(ResultItem.objects.all(), request.user)
    filters = {
        k: request.GET.get(k, "").strip() for k in ("inspection", "kind", "state", "light", "q")
    }
    if filters["inspection"].isdigit():
        items = items.filter(inspection_id=filters["inspection"])
    if filters["kind"] in RK.values:
        items = items.filter(kind=filters["kind"])
    if filters["state"] in RS.values:
        items = items.filter(state=filters["state"])
    if filters["q"]:
        items = items.filter(
            Q(subject__icontains=filters["q"]) | Q(recipient_name__icontains=filters["q"])
        )
    stats = results.result_stats(items)
    office = request.user.office
    overrides = overrides_for(office) if office else {}
    thresholds = thresholds_for(config_for(office)) if office else deadlines.Thresholds()
    today = timezone.localdate()
    light = filters["light"]
    if light in deadlines.LIGHTS:
        lo, hi = deadlines.light_bounds(today, overrides, thresholds)[light]
        items = items.filter(state__in=results.OPEN_STATES)
        if lo:
            items = items.filter(due_date__gte=lo)
        if hi:
            items = items.filter(due_date__lte=hi)
    elif light == deadlines.CLOSED:
        items = items.exclude(state__in=results.OPEN_STATES)
    items = items.select_related("unit").only(
        "kind",
        "subject",
        "recipient_name",
        "decided_on",
        "due_date",
        "state",
        "replied_on",
        "unit__name",
    )
    page = Paginator(items.order_by("due_date", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.light = results.light_of_item(item, today, overrides, thresholds)
        item.light_label = deadlines.LIGHT_LABELS[item.light]
        item.light_class = deadlines.LIGHT_CLASSES[item.light]
    lagging = []
    if _is_office(request.user):
        plans = access.visible(RectificationPlan.objects.all(), request.user, "review")
        if filters["inspection"].isdigit():
            plans = plans.filter(inspection_id=filters["inspection"])
        lagging = list(results.lagging_plans(plans, today).select_related("unit")[:10])
    return render(
        request,
        "rectification/results/list.html",
        {
            "page": page,
            "stats": stats,
            "filters": filters,
            "kinds": RK.choices,
            "states": RS.choices,
            "lights": [
                (k, deadlines.LIGHT_LABELS[k]) for k in [*deadlines.LIGHTS, deadlines.CLOSED]
            ],
            # the button only with an inspection to record against (the page 404s otherwise)
            "can_create": _is_office(request.user)
            and _creatable_inspections(request.user).exists(),
            "lagging": lagging,
        },
    )


@login_required
def result_new(request):
    if not _is_office(request.user):
        raise PermissionDenied
    inspections = _creatable_inspections(request.user)
    if not inspections.exists():
        raise Http404
    units = access.visible(Unit.objects.all(), request.user).order_by("path")
    initial = {"decided_on": timezone.localdate()}
    if request.GET.get("inspection", "").isdigit():
        initial["inspection"] = request.GET["inspection"]
    form = ResultForm(request.POST or None, inspections=inspections, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = results.result_create(
                inspection=data["inspection"],
                kind=data["kind"],
                subject=data["subject"],
                unit=data["unit"],
                recipient=data["recipient_unit"] or data["recipient_name"],
                decided_on=data["decided_on"],
                due_date=data["due_date"],
                letter_text=data["letter_text"],
                actor=request.user,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已登记成果运用事项。")
            return redirect("rectification:result_detail", item.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "登记成果运用事项", "submit_label": "登记"},
    )


@login_required
def result_detail(request, pk):
    item = access.get_for_user(
        ResultItem.objects.select_related("unit", "recipient", "letter", "inspection", "problem"),
        request.user,
        pk,
    )
    user = request.user
    referral = results.org_referral_record(item, actor=user)
    talk = Talk.objects.filter(item=item).first()
    escalations = access.visible(item.escalations.all(), user)
    can_change = results._may(item, user, "review")
    labels = dict(RS.choices)
    history = list(item.history.select_related("actor"))
    for h in history:
        h.to_label = labels.get(h.to_state, h.to_state)
    escalate_form = None
    if talk and can_change:
        escalate_form = EscalateForm(units=access.visible(Unit.objects.all(), user))
    return render(
        request,
        "rectification/results/detail.html",
        {
            "item": item,
            "referral": referral,
            "talk": talk,
            "escalations": escalations,
            "escalated_from": item.escalated_from
            if item.escalated_from_id and access.can(user, item.escalated_from)
            else None,
            "transitions": results.result_transitions_for(item, user),
            "may_reply": results.may_reply(item, user),
            "reply_form": ReplyForm(),
            "edit_form": ResultEditForm(
                initial={"recipient_name": item.recipient_name, "due_date": item.due_date}
            )
            if can_change and item.state == RS.DECIDED
            else None,
            "escalate_form": escalate_form,
            "history": history,
        },
    )


@login_required
def result_letter_docx(request, pk):
    """The item's 巡察建议书 / 抄告单 for whoever may read the ledger item."""
    item = access.get_for_user(
        ResultItem.objects.select_related("letter", "inspection", "unit", "office"),
        request.user,
        pk,
    )
    if item.letter_id is None:
        raise Http404
    response = HttpResponse(results.letter_docx(item, actor=request.user), content_type=DOCX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''letter.docx"
    return response


@login_required
@require_POST
def result_transition(request, pk):
    item = access.get_for_user(ResultItem, request.user, pk, "change")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要执行的操作。")
        return redirect("rectification:result_detail", pk)
    try:
        results.result_transition(item=item, actor=request.user, **form.cleaned_data)
        messages.success(request, "已办理。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rectification:result_detail", pk)


@login_required
@require_POST
def result_reply(request, pk):
    item = access.get_for_user(ResultItem, request.user, pk, "reply")
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写回复内容；回复日期格式为 YYYY-MM-DD。")
        return redirect("rectification:result_detail", pk)
    try:
        results.result_reply(
            item=item,
            text=form.cleaned_data["text"],
            replied_on=form.cleaned_data["replied_on"],
            actor=request.user,
        )
        messages.success(request, "已登记回复。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rectification:result_detail", pk)


@login_required
@require_POST
def result_edit(request, pk):
    item = access.get_for_user(ResultItem, request.user, pk, "change")
    form = ResultEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写承办单位和办理期限（YYYY-MM-DD）。")
        return redirect("rectification:result_detail", pk)
    try:
        results.result_update(
            item=item,
            recipient=form.cleaned_data["recipient_name"],
            due_date=form.cleaned_data["due_date"],
            actor=request.user,
        )
        messages.success(request, "已保存。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rectification:result_detail", pk)


# --------------------------------------------------------------------------- talks


@login_required
def talk_new(request, pk):
    plan = access.get_for_user(RectificationPlan, request.user, pk, "review")
    overdue = results.lagging_measures(plan).count()
    form = TalkForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            results.talk_record(plan=plan, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已登记约谈记录。")
            return redirect("rectification:plan_detail", plan.pk)
    return render(
        request,
        "rectification/results/talk_form.html",
        {
            "form": form,
            "plan": plan,
            "overdue": overdue,
            "title": f"登记约谈：{plan.unit.name}",
            "submit_label": "登记",
        },
    )


@login_required
@require_POST
def talk_escalate(request, pk):
    talk = access.get_for_user(
        Talk.objects.select_related("plan__unit"), request.user, pk, "change"
    )
    form = EscalateForm(request.POST, units=access.visible(Unit.objects.all(), request.user))
    if not form.is_valid():
        messages.error(request, "请选择移送单位并填写理由。")
        return redirect("rectification:result_detail", talk.item_id)
    try:
        item = results.talk_escalate(talk=talk, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("rectification:result_detail", talk.item_id)
    messages.success(request, "已移送问责，列入成果运用台账。")
    return redirect("rectification:result_detail", item.pk)


# --------------------------------------------------------------------------- life meeting


@login_required
def life_meeting_new(request, pk):
    plan = access.get_for_user(RectificationPlan, request.user, pk)
    plans = RectificationPlan.objects.filter(pk=plan.pk)
    if not (
        access.visible(plans, request.user, "edit").exists()
        or access.visible(plans, request.user, "review").exists()
    ):
        raise Http404
    form = LifeMeetingForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = results.life_meeting_record(
                plan=plan, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已登记整改专题民主生活会。")
            return redirect("rectification:life_meeting_detail", meeting.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"{plan.unit.name}整改专题民主生活会", "submit_label": "登记"},
    )


@login_required
def life_meeting_detail(request, pk):
    meeting = access.get_for_user(
        LifeMeeting.objects.select_related("plan__unit", "recorded_by"), request.user, pk
    )
    measures = Measure.objects.filter(life_meetings=meeting).select_related("problem")
    return render(
        request,
        "rectification/results/life_meeting.html",
        {"meeting": meeting, "measures": measures},
    )


def plan_context(plan, user) -> dict:
    """What the unit's rectification page shows of talks, accountability and life meetings."""
    talks = access.visible(Talk.objects.filter(plan=plan), user).select_related("item")
    accountability = access.visible(
        ResultItem.objects.filter(
            inspection_id=plan.inspection_id, unit_id=plan.unit_id, kind=RK.ACCOUNTABILITY
        ),
        user,
    )
    return {
        "talks": list(talks),
        "accountability": list(accountability),
        "life_meetings": list(plan.life_meetings.all()),
        "lagging_count": results.lagging_measures(plan).count(),
        "may_record_meeting": user.has_role(Role.UNIT_LIAISON, *OFFICE_REVIEW)
        or access.is_sysadmin(user),
    }
