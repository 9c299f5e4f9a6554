from django.urls import path

from xuncha.analytics import views_search

app_name = "search"

urlpatterns = [path("", views_search.index, name="index")]
