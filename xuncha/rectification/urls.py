from django.urls import path

from xuncha.rectification import config_views, results_views, revisit_views, views
from xuncha.rectification import disclosure_views as dv

app_name = "rectification"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("settings/", config_views.config_page, name="config"),
    path("revisits/<int:pk>/", revisit_views.revisit_page, name="revisit"),
    path("revisits/<int:pk>/start/", revisit_views.revisit_start, name="revisit_start"),
    path("revisits/<int:pk>/findings/", revisit_views.finding_record, name="revisit_finding"),
    path("revisits/<int:pk>/report/", revisit_views.revisit_report, name="revisit_report"),
    path("revisits/<int:pk>/report.docx", revisit_views.report_docx, name="revisit_docx"),
    path(
        "revisits/<int:pk>/items/<int:item_pk>/evidence/",
        revisit_views.evidence_download,
        name="revisit_evidence",
    ),
    path("export.xlsx", views.overview_export, name="overview_export"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_open, name="plan_open"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/transition/", views.plan_transition, name="plan_transition"),
    path("plans/<int:pk>/co-review/", views.plan_co_review, name="plan_co_review"),
    path("plans/<int:pk>/measures/new/", views.measure_create, name="measure_create"),
    path("plans/<int:pk>/ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("plans/<int:pk>/ledger/import/", views.ledger_import, name="ledger_import"),
    path("plans/<int:pk>/supervision/new/", views.supervision_new, name="supervision_new"),
    path("plans/<int:pk>/reports/", views.report_submit, name="report_submit"),
    path("plans/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("plans/<int:pk>/team-rating/", views.team_rating, name="team_rating"),
    path("plans/<int:pk>/disclosure/", views.disclosure_edit, name="disclosure_edit"),
    path("plans/<int:pk>/disclosure/approvals/", dv.approvals, name="disclosure_approvals"),
    path(
        "plans/<int:pk>/disclosure/approve/<str:kind>/",
        dv.approve_version,
        name="disclosure_approve",
    ),
    path(
        "plans/<int:pk>/disclosure/items/<int:item_pk>/exempt/",
        dv.approve_exemption,
        name="disclosure_exempt",
    ),
    path("plans/<int:pk>/disclosure/publish/", dv.publish, name="disclosure_publish"),
    path(
        "plans/<int:pk>/disclosure/transition/",
        views.disclosure_transition,
        name="disclosure_transition",
    ),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/account/", views.measure_account, name="measure_account"),
    path("measures/<int:pk>/delete/", views.measure_delete, name="measure_delete"),
    path("measures/<int:pk>/progress/", views.progress_add, name="progress_add"),
    path("measures/<int:pk>/verify/", views.measure_verify, name="measure_verify"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("letters/<int:pk>.docx", views.supervision_docx, name="supervision_docx"),
    # use of results (成果运用), talks, accountability, the democratic life meeting
    path("results/", results_views.result_list, name="result_list"),
    path("results/new/", results_views.result_new, name="result_new"),
    path("results/<int:pk>/", results_views.result_detail, name="result_detail"),
    path("results/<int:pk>/edit/", results_views.result_edit, name="result_edit"),
    path(
        "results/<int:pk>/letter.docx", results_views.result_letter_docx, name="result_letter_docx"
    ),
    path("results/<int:pk>/transition/", results_views.result_transition, name="result_transition"),
    path("results/<int:pk>/reply/", results_views.result_reply, name="result_reply"),
    path("plans/<int:pk>/talks/new/", results_views.talk_new, name="talk_new"),
    path("talks/<int:pk>/escalate/", results_views.talk_escalate, name="talk_escalate"),
    path(
        "plans/<int:pk>/life-meetings/new/", results_views.life_meeting_new, name="life_meeting_new"
    ),
    path("life-meetings/<int:pk>/", results_views.life_meeting_detail, name="life_meeting_detail"),
]
