from django.urls import path

from xuncha.training import views

app_name = "training"

urlpatterns = [
    path("", views.index, name="index"),
    path("records/new/", views.record_create, name="record_create"),
    path("records.xlsx", views.records_download, name="records_xlsx"),
    path("records/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("inspections/<int:pk>/", views.inspection_appraisals, name="inspection_appraisals"),
    path("members/<int:pk>/<str:source>/", views.appraise, name="appraise"),
    path("appraisals/<int:pk>/correct/", views.correct, name="correct"),
    path("settings/", views.settings_page, name="settings"),
]
