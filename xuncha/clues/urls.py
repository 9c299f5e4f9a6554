from django.urls import path

from xuncha.clues import views

app_name = "clues"
urlpatterns = [
    path("", views.clue_list, name="clue_list"),
    path("new/", views.clue_create, name="clue_create"),
    path("<int:pk>/", views.clue_detail, name="clue_detail"),
    path("<int:pk>/evidence/", views.clue_evidence_add, name="clue_evidence_add"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/new/", views.handover_create, name="handover_create"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/transition/", views.handover_transition, name="handover_transition"),
    path("handovers/<int:pk>/findings/", views.handover_finding_add, name="handover_finding_add"),
    path("handovers/<int:pk>/letter.docx", views.handover_letter, name="handover_letter"),
]
