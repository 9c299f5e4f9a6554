from django.urls import path

from xuncha.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/transition/", views.plan_transition, name="plan_transition"),
    path("<int:pk>/secretary/", views.plan_secretary, name="plan_secretary"),
    path("<int:pk>/rounds/new/", views.round_create, name="round_create"),
    path("<int:pk>/workplan.docx", views.work_plan_docx, name="work_plan_docx"),
    path("terms/new/", views.term_create, name="term_create"),
    path("terms/<int:pk>/plans/new/", views.plan_create, name="plan_create"),
    path("rounds/<int:pk>/assign/", views.assign, name="assign"),
    path("inspections/<int:pk>/team/", views.team_compose, name="team_compose"),
    path("inspections/<int:pk>/appointment.docx", views.appointment_docx, name="appointment_docx"),
    path("declarations/<int:pk>/", views.declaration, name="declaration"),
    path(
        "declarations/<int:pk>/override/",
        views.declaration_override,
        name="declaration_override",
    ),
    path("declarations/<int:pk>/form.docx", views.declaration_docx, name="declaration_docx"),
    path("inspectors/", views.inspector_list, name="inspector_list"),
    path("inspectors/new/", views.inspector_edit, name="inspector_create"),
    path("inspectors/<int:pk>/", views.inspector_detail, name="inspector_detail"),
    path("inspectors/<int:pk>/edit/", views.inspector_edit, name="inspector_edit"),
    path(
        "inspectors/<int:pk>/<str:kind>/add/",
        views.inspector_history_add,
        name="inspector_history_add",
    ),
    path("coverage/", views.coverage, name="coverage"),
    path("settings/", views.settings_view, name="settings"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/overrides/<int:pk>/delete/", views.workday_delete, name="workday_delete"),
]
urlpatterns += [
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/delete/", views.round_delete, name="round_delete"),
    path("inspections/<int:pk>/edit/", views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/delete/", views.inspection_delete, name="inspection_delete"),
    path("terms/<int:pk>/due/", views.due_units, name="due_units"),
]

from xuncha.plans import village_views  # noqa: E402

urlpatterns += [
    path("villages/", village_views.village_list, name="village_list"),
    path("villages/<int:pk>/", village_views.village_detail, name="village_detail"),
]
