from django.urls import path

from xuncha.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("inspection/<int:pk>/", views.inspection_documents, name="inspection_documents"),
    path("inspection/<int:pk>/generate/", views.generate, name="generate"),
    path("inspection/<int:pk>/fieldkit/", views.fieldkit_export, name="fieldkit_export"),
    path("fieldkit/import/", views.fieldkit_import, name="fieldkit_import"),
    path("draft/<int:pk>/", views.draft_edit, name="draft_edit"),
    path("draft/<int:pk>/finalize/", views.draft_finalize, name="draft_finalize"),
    path("draft/<int:pk>/deliver/", views.draft_deliver, name="draft_deliver"),
    path("draft/<int:pk>/download/", views.draft_download, name="draft_download"),
]
