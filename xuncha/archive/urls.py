from django.urls import path

from xuncha.archive import views

app_name = "archive"

urlpatterns = [
    path("", views.index, name="index"),
    path("inspection/<int:pk>/", views.inspection_archive, name="inspection"),
    path("inspection/<int:pk>/materials/", views.material_log, name="material_log"),
    path("inspection/<int:pk>/archive/", views.archive_create, name="archive_create"),
    path("inspection/<int:pk>/package/", views.download, name="download"),
    path("materials/<int:pk>/clear/", views.material_clear, name="material_clear"),
    path("retention/<int:office_pk>/", views.retention_update, name="retention_update"),
    path("disposal/", views.disposal, name="disposal"),
    path("submissions/", views.submissions, name="submissions"),
    path(
        "submissions/retention/<int:office_pk>/",
        views.submission_retention_update,
        name="submission_retention_update",
    ),
    path("submissions/disposal/", views.submission_disposal, name="submission_disposal"),
]
