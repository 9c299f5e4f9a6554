from django.urls import path

from xuncha.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("<int:pk>/", views.entry_detail, name="entry_detail"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.jsonl", views.export, {"fmt": "jsonl"}, name="export_jsonl"),
    path("verify/", views.verify, name="verify"),
]
