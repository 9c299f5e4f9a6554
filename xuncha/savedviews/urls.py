from django.urls import path

from xuncha.savedviews import views

app_name = "savedviews"

urlpatterns = [
    path("save/", views.save, name="save"),
    path("<int:pk>/open/", views.open_view, name="open"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
