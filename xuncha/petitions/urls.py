from django.urls import path

from xuncha.petitions import views as v

app_name = "petitions"
urlpatterns = [
    path("", v.register, name="register"),
    path("new/", v.entry, name="entry"),
    path("<int:pk>/", v.detail, name="detail"),
    path("<int:pk>/transition/", v.transition, name="transition"),
    path("<int:pk>/messages/", v.message_create, name="message_create"),
    path("<int:pk>/link/", v.link, name="link"),
    path("<int:pk>/identity/request/", v.identity_request, name="identity_request"),
    path("messages/<int:pk>/review/", v.message_review, name="message_review"),
    path("attachments/<int:pk>/", v.attachment, name="attachment"),
    path("identity/", v.custodian, name="custodian"),
    path("identity/<int:pk>/decide/", v.identity_decide, name="identity_decide"),
    path("stats/", v.stats, name="stats"),
    path("announcements/", v.announcement_list, name="announcement_list"),
    path("announcements/new/<int:inspection_pk>/", v.announcement_edit, name="announcement_create"),
    path("announcements/<int:pk>/", v.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/edit/", v.announcement_edit, name="announcement_edit"),
    path(
        "announcements/<int:pk>/transition/",
        v.announcement_transition,
        name="announcement_transition",
    ),
    path("announcements/<int:pk>/poster/", v.announcement_poster, name="announcement_poster"),
]
