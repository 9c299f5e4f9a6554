from django.urls import path

from xuncha.analytics import views as v

app_name = "analytics"
urlpatterns = [
    path("", v.overview, name="overview"),
    path("runs/", v.run_progress, name="run_progress"),
    path("runs/start/", v.run_start, name="run_start"),
    path("flags/<int:pk>/decide/", v.flag_decide, name="flag_decide"),
    path("duplicates/<int:pk>/", v.group_detail, name="group_detail"),
    path("duplicates/members/<int:pk>/decide/", v.member_decide, name="member_decide"),
    path("suggestions/<int:pk>/decide/", v.suggestion_decide, name="suggestion_decide"),
    path("wording/", v.wording, name="wording"),
]
