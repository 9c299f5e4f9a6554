from django.urls import path

from xuncha.analytics import views_hot as v

app_name = "hot"

urlpatterns = [
    path("", v.index, name="index"),
    path("inspections/<int:pk>/", v.inspection_hot, name="inspection"),
    path("topics/<int:pk>/", v.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/problem/", v.topic_to_problem, name="topic_to_problem"),
    path("topics/<int:pk>/clue/", v.topic_to_clue, name="topic_to_clue"),
    path("topics/<int:pk>/focus/", v.topic_to_focus, name="topic_to_focus"),
    path("recompute/", v.recompute, name="recompute"),
    path("runs/<int:pk>/", v.run_status, name="run_status"),
    path("rounds/<int:pk>/common/", v.common, name="common"),
    path("rounds/<int:pk>/common/report/", v.common_report, name="common_report"),
]
