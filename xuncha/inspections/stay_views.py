"""Pages of the stay and the review chain: 动员会, 组务会, 重要情况报告, weekly reports, the
reviews with their decisions on the use of results, the office's review settings, and the
workspace panel (the timeline of every record).

Inspections through `access.get_for_user` (office roles + leading group, the own team; the
unit and other teams get 404); a user who sees the inspection but may not take the step
gets 403 on the form; writes through `stay` / `reviews` services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xuncha.audit.services import confidential
from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.inspections import reviews, stay, stay_forms, workflow
from xuncha.inspections.models import LeadingGroupReview, Problem
from xuncha.inspections.stay_models import (
    ImportantReport,
    MobilisationMeeting,
    ResultDecision,
    TeamMeeting,
    WeeklyReport,
)
from xuncha.inspections.views import FIELDWORK, _admin_office, _form_page, _inspection
from xuncha.org import access
from xuncha.plans.models import Inspection

TEAM = {workflow.LEADER, workflow.DEPUTY, workflow.MEMBER}
OFFICE = {workflow.OFFICE, workflow.OFFICE_ADMIN}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _caps_or_403(inspection, user, allowed) -> set[str]:
    caps = workflow.capacities(inspection, user)
    if workflow.SYSADMIN in caps or caps & allowed:
        return caps
    raise PermissionDenied


WORKSPACE_TIMELINE = 30  # the workspace shows the latest entries; the stay page shows all


def workspace_panel(inspection, user, caps, *, latest: int | None = None) -> dict:
    """Context of the workspace's stay/review panel: the timeline (its `latest` entries
    when given, with the total) and what the user may add."""
    sysadmin = workflow.SYSADMIN in caps
    in_stay = inspection.stage in stay.STAY_STAGES  # the buttons only while they can succeed
    team = (bool(caps & TEAM) or sysadmin) and in_stay
    office = (bool(caps & OFFICE) or sysadmin) and in_stay
    if latest:
        entries, total = stay.latest_timeline(inspection, latest)
    else:
        entries = stay.timeline(inspection)
        total = len(entries)
    return {
        "timeline": entries,
        "timeline_total": total,
        "stay_may_team": team,
        "stay_may_mobilise": team or office,
        "stay_may_decide": bool(caps & (OFFICE | {workflow.LEADING_GROUP, workflow.SYSADMIN}))
        and inspection.stage == Inspection.Stage.REVIEW,
        "stay_required_reviews": [
            LeadingGroupReview.Body(b).label for b in reviews.required_bodies(inspection)
        ],
    }


@login_required
def stay_records(request, pk):
    """Every stay record with its content (the confidential minutes are an audited read)."""
    inspection = _inspection(request.user, pk)
    caps = workflow.capacities(inspection, request.user)
    mobilisations = list(MobilisationMeeting.objects.filter(inspection=inspection))
    meetings = list(TeamMeeting.objects.filter(inspection=inspection).order_by("held_on", "pk"))
    reports = list(
        ImportantReport.objects.filter(inspection=inspection).order_by("reported_on", "pk")
    )
    weeks = list(WeeklyReport.objects.filter(inspection=inspection).order_by("week_start", "pk"))
    confidential(meetings, actor=request.user)  # the minutes shown (reports: titles only)
    decisions = list(
        ResultDecision.objects.filter(review__inspection=inspection)
        .select_related("problem")
        .order_by("review__held_on", "review_id", "problem__number", "kind")
    )
    by_review: dict[int, list] = {}
    for d in decisions:
        by_review.setdefault(d.review_id, []).append(d)
    review_rows = [
        (r, by_review.get(r.pk, []))
        for r in LeadingGroupReview.objects.filter(inspection=inspection).order_by("held_on", "pk")
    ]
    return render(
        request,
        "inspections/stay_records.html",
        {
            "inspection": inspection,
            "mobilisations": mobilisations,
            "meetings": meetings,
            "reports": reports,
            "weeks": weeks,
            "review_rows": review_rows,
            "required": [
                LeadingGroupReview.Body(b).label for b in reviews.required_bodies(inspection)
            ],
            "blockers": reviews.feedback_blockers(inspection),
            **workspace_panel(inspection, request.user, caps),
        },
    )


def _back(pk):
    return reverse("inspections:stay_records", args=[pk])


@login_required
def mobilisation_create(request, pk):
    inspection = _inspection(request.user, pk)
    _caps_or_403(inspection, request.user, TEAM | OFFICE)
    shown = stay.published_announcements(inspection)
    form = stay_forms.MobilisationForm(request.POST or None, announcements=shown)
    return _form_page(
        request,
        form,
        "登记巡察动员会",
        lambda d: stay.mobilisation_record(inspection=inspection, actor=request.user, **d),
        "动员会已登记。",
        _back(pk),
        before="动员会在进驻时召开，会上公布巡察公告；登记后方可开始了解情况。",
    )


@login_required
def team_meeting_create(request, pk):
    inspection = _inspection(request.user, pk)
    _caps_or_403(inspection, request.user, TEAM)
    form = stay_forms.TeamMeetingForm(request.POST or None)
    return _form_page(
        request,
        form,
        "登记组务会纪要",
        lambda d: stay.team_meeting_record(inspection=inspection, actor=request.user, **d),
        "组务会纪要已登记。",
        _back(pk),
    )


@login_required
def important_report_create(request, pk):
    inspection = _inspection(request.user, pk)
    _caps_or_403(inspection, request.user, TEAM)
    form = stay_forms.ImportantReportForm(request.POST or None)
    return _form_page(
        request,
        form,
        "起草重要情况报告",
        lambda d: stay.important_report_create(inspection=inspection, actor=request.user, **d),
        "重要情况报告已起草，由组长报送巡察办。",
        lambda r: reverse("inspections:important_report", args=[r.pk]) if r else _back(pk),
    )


@login_required
def weekly_report_create(request, pk):
    inspection = _inspection(request.user, pk)
    _caps_or_403(inspection, request.user, TEAM)
    form = stay_forms.WeeklyReportForm(request.POST or None)
    return _form_page(
        request,
        form,
        "填报巡察工作周报",
        lambda d: stay.weekly_report_create(inspection=inspection, actor=request.user, **d),
        "周报已填报。",
        _back(pk),
        before="本周了解情况、个别谈话和新登记问题的数量由系统统计。",
    )


def _report(user, pk):
    return access.get_for_user(
        ImportantReport.objects.select_related(
            "inspection__office", "inspection__team", "created_by", "sent_by", "received_by"
        ),
        user,
        pk,
        FIELDWORK,
    )


@login_required
def important_report(request, pk):
    report = _report(request.user, pk)
    caps = workflow.capacities(report.inspection, request.user)
    confidential(report, actor=request.user)
    return render(
        request,
        "inspections/important_report.html",
        {
            "report": report,
            "inspection": report.inspection,
            "may_send": (workflow.LEADER in caps or workflow.SYSADMIN in caps)
            and report.state == ImportantReport.State.DRAFT,
            "may_receive": (bool(caps & OFFICE) or workflow.SYSADMIN in caps)
            and report.state == ImportantReport.State.SENT,
            "receive_form": stay_forms.ReceiveForm(),
        },
    )


def _report_action(request, pk, fn, success, allowed):
    report = _report(request.user, pk)
    _caps_or_403(report.inspection, request.user, allowed)
    try:
        fn(report)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, success)
    return redirect("inspections:important_report", pk=report.pk)


@login_required
@require_POST
def important_report_send(request, pk):
    return _report_action(
        request,
        pk,
        lambda r: stay.important_report_send(report=r, actor=request.user),
        "已报送巡察办。",
        {workflow.LEADER},
    )


@login_required
@require_POST
def important_report_receive(request, pk):
    form = stay_forms.ReceiveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _report_action(
        request,
        pk,
        lambda r: stay.important_report_receive(report=r, actor=request.user, note=note),
        "已签收。",
        OFFICE,
    )


@login_required
def important_report_docx(request, pk):
    """The report as a GB/T 9704 .docx, with the reader's watermark (an audited export)."""
    from xuncha.reports.watermark import confidential_docx

    report = _report(request.user, pk)
    data = confidential_docx(
        stay.important_report_document(report), actor=request.user, objs=report
    )
    response = HttpResponse(data, content_type=DOCX)
    response["Cache-Control"] = "no-store"
    return attachment_response(response, f"重要情况报告-{report.pk}.docx", DOCX)


@login_required
def review_decide(request, pk):
    """Record a review and its decision on the use of each problem of the report."""
    inspection = _inspection(request.user, pk)
    _caps_or_403(inspection, request.user, OFFICE | {workflow.LEADING_GROUP})
    problems = list(
        Problem.objects.filter(inspection=inspection)
        .for_report()
        .select_related("unit")
        .order_by("number", "pk")
    )
    previous = reviews.decisive_review(inspection)
    if previous is not None:
        initial_kinds: dict[int, list[str]] = {}
        for pk_, kind in previous.result_decisions.values_list("problem_id", "kind"):
            initial_kinds.setdefault(pk_, []).append(kind)
    else:  # the team's proposal: problems it marked for feedback
        initial_kinds = {p.pk: ["feedback"] for p in problems if p.in_feedback}
    required = reviews.required_bodies(inspection)
    latest = reviews._latest_reviews(inspection)
    next_body = next((b for b in required if b not in latest), required[0] if required else "")
    form = stay_forms.ReviewDecisionForm(
        request.POST or None,
        problems=problems,
        initial_kinds=initial_kinds,
        initial={"body": next_body},
    )
    if request.method == "POST" and form.is_valid():
        try:
            reviews.review_decide(
                inspection=inspection,
                body=form.cleaned_data["body"],
                held_on=form.cleaned_data["held_on"],
                decision=form.cleaned_data["decision"],
                decisions=form.decisions(),
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "审议及成果运用决定已登记。")
            return redirect(_back(inspection.pk))
    return render(
        request,
        "inspections/review_decide.html",
        {
            "inspection": inspection,
            "form": form,
            "problems": problems,
            "problem_fields": [form[f"dec_{p.pk}"] for p in problems],
            "required": [LeadingGroupReview.Body(b).label for b in required],
        },
    )


@login_required
def review_settings(request):
    office = _admin_office(request.user, request.GET.get("office") or None)
    current = reviews.ReviewSettings.for_office(office)
    form = stay_forms.ReviewSettingsForm(
        request.POST or None,
        initial={
            "leading_group_kinds": current.leading_group_kinds,
            "secretary_kinds": current.secretary_kinds,
        },
    )
    return _form_page(
        request,
        form,
        f"审议程序设置（{office.name}）",
        lambda d: reviews.review_settings_update(office=office, actor=request.user, **d),
        "审议程序设置已保存。",
        reverse("inspections:review_settings") + f"?office={office.pk}",
        before="所选类型的巡察，须经相应会议审议并对每个问题作出成果运用决定后，方可反馈。",
    )
