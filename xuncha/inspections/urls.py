from django.urls import path

from xuncha.inspections import prep_views, stay_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.inspection_list, name="inspection_list"),
    path("<int:pk>/", views.workspace, name="workspace"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/review/", views.review_create, name="review_create"),
    path("<int:pk>/no-problems/", views.no_problems, name="no_problems"),
    path("<int:pk>/letters/new/", views.letter_create, name="letter_create"),
    path("letters/<int:pk>/reply/", views.letter_reply, name="letter_reply"),
    path("<int:pk>/documents/new/", views.document_request_create, name="document_request_create"),
    path("documents/<int:pk>/mark/", views.document_request_mark, name="document_request_mark"),
    path("<int:pk>/activities/new/<str:kind>/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("<int:pk>/surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_results, name="survey_results"),
    path("survey/<str:token>/", views.survey_public, name="survey_public"),
    path("<int:pk>/themes/new/", views.theme_create, name="theme_create"),
    path("<int:pk>/problems/new/", views.problem_create, name="problem_create"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/edit/", views.problem_edit, name="problem_edit"),
    path("problems/<int:pk>/withdraw/", views.problem_withdraw, name="problem_withdraw"),
    path("problems/<int:pk>/do/<str:action>/", views.problem_action, name="problem_action"),
    path("papers/<int:pk>/edit/", views.paper_edit, name="paper_edit"),
    path("papers/<int:pk>/do/<str:action>/", views.paper_action, name="paper_action"),
    path("<int:pk>/papers/file/", views.papers_file, name="papers_file"),
    path("<int:pk>/fix-notices/new/", views.fix_notice_create, name="fix_notice_create"),
    path("fix-notices/", views.fix_notice_list, name="fix_notice_list"),
    path("fix-notices/<int:pk>/", views.fix_notice_detail, name="fix_notice_detail"),
    path("fix-notices/<int:pk>/close/", views.fix_notice_close, name="fix_notice_close"),
    path("surveys/<int:pk>/questions/new/", views.survey_question_add, name="survey_question_add"),
    path(
        "survey-questions/<int:pk>/edit/", views.survey_question_edit, name="survey_question_edit"
    ),
    path(
        "survey-questions/<int:pk>/delete/",
        views.survey_question_delete,
        name="survey_question_delete",
    ),
    path("settings/", views.fieldwork_settings, name="fieldwork_settings"),
    path("taxonomy/", views.taxonomy_versions, name="taxonomy_versions"),
    path("taxonomy/copy/", views.taxonomy_version_copy, name="taxonomy_version_copy"),
    path("taxonomy/<int:pk>/", views.taxonomy_version, name="taxonomy_version"),
    path("taxonomy/<int:pk>/add/", views.taxonomy_category_add, name="taxonomy_category_add"),
    path(
        "taxonomy/<int:pk>/activate/",
        views.taxonomy_version_activate,
        name="taxonomy_version_activate",
    ),
    path(
        "taxonomy/categories/<int:pk>/rename/",
        views.taxonomy_category_rename,
        name="taxonomy_category_rename",
    ),
    path(
        "taxonomy/categories/<int:pk>/toggle/",
        views.taxonomy_category_toggle,
        name="taxonomy_category_toggle",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    # During the stay and the review chain (stay_views.py)
    path("<int:pk>/stay/", stay_views.stay_records, name="stay_records"),
    path("<int:pk>/mobilisation/new/", stay_views.mobilisation_create, name="mobilisation_create"),
    path("<int:pk>/team-meetings/new/", stay_views.team_meeting_create, name="team_meeting_create"),
    path(
        "<int:pk>/important-reports/new/",
        stay_views.important_report_create,
        name="important_report_create",
    ),
    path("important-reports/<int:pk>/", stay_views.important_report, name="important_report"),
    path(
        "important-reports/<int:pk>/send/",
        stay_views.important_report_send,
        name="important_report_send",
    ),
    path(
        "important-reports/<int:pk>/receive/",
        stay_views.important_report_receive,
        name="important_report_receive",
    ),
    path(
        "important-reports/<int:pk>/docx/",
        stay_views.important_report_docx,
        name="important_report_docx",
    ),
    path(
        "<int:pk>/weekly-reports/new/",
        stay_views.weekly_report_create,
        name="weekly_report_create",
    ),
    path("<int:pk>/reviews/decide/", stay_views.review_decide, name="review_decide"),
    path("settings/reviews/", stay_views.review_settings, name="review_settings"),
]
# 进驻准备 (work plan, pledges, declaration checks, replacement requests, branch).
urlpatterns += prep_views.urlpatterns
