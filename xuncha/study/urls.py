from django.urls import path

from xuncha.study import views

app_name = "study"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.index, name="mine"),  # the same page, as 我的学习 in the menu
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/files/", views.session_files, name="session_files"),
    path("sessions/<int:pk>/reflection/", views.session_reflection, name="session_reflection"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
    path("self/new/", views.self_study_new, name="self_study_new"),
    path("self/<int:pk>/reflection/", views.self_reflection, name="self_reflection"),
    path("reflections/<int:pk>/", views.reflection_detail, name="reflection_detail"),
    path("reflections/<int:pk>/comment/", views.reflection_comment, name="reflection_comment"),
    path("reflections/<int:pk>/recheck/", views.reflection_recheck, name="reflection_recheck"),
    path("branches/", views.branches, name="branches"),
    path("plan/", views.plan, name="plan"),
    path("stats/", views.stats_page, name="stats"),
    path("stats.xlsx", views.stats_download, name="stats_xlsx"),
]
