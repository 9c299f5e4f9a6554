from django.urls import path

from xuncha.library import views

app_name = "library"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("cases/", views.case_list, name="case_list"),
    path("<int:pk>/", views.rule_detail, name="rule_detail"),
    path("<int:pk>/upload/", views.upload_version, name="upload_version"),
    path("<int:pk>/status/", views.rule_status, name="rule_status"),
    path("articles/<int:pk>/", views.provision_detail, name="provision_detail"),
    path("cite/<int:problem_pk>/", views.cite, name="cite"),
    path("citations/<int:pk>/delete/", views.citation_delete, name="citation_delete"),
]
