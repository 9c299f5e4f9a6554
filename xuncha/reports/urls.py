from django.urls import path

from xuncha.reports import delivery_views, views

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
    # Feedback delivery of one unit (delivery_views.py)
    path("draft/<int:pk>/feedback/", delivery_views.feedback_delivery, name="feedback_delivery"),
    path("draft/<int:pk>/meeting/", delivery_views.feedback_meeting, name="feedback_meeting"),
    path("draft/<int:pk>/leader/", delivery_views.leader_feedback, name="leader_feedback"),
    path("draft/<int:pk>/receipt/", delivery_views.receipt_upload, name="receipt_upload"),
    path("receipts/<int:pk>/", delivery_views.receipt_download, name="receipt_download"),
]
