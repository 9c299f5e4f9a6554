from django.urls import path

from xuncha.rectification import views

app_name = "public_disclosures"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("<int:pk>/", views.public_detail, name="detail"),
]
