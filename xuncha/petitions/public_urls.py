from django.urls import path

from xuncha.petitions import public_views as v

app_name = "public"
urlpatterns = [
    path("", v.announcement_list, name="announcements"),
    path("a/<int:pk>/", v.announcement_detail, name="announcement"),
    path("a/<int:pk>/submit/", v.submit, name="submit"),
    path("office/<int:office_pk>/submit/", v.submit_general, name="submit_general"),
    path("pow/", v.pow_challenge, name="pow"),
    path("followup/", v.followup, name="followup"),
    path("followup/add/", v.followup_add, name="followup_add"),
    path("followup/identity/", v.followup_identity, name="followup_identity"),
    path("disclosures/", v.disclosures, name="disclosures"),
]
