from django.urls import path

from xuncha.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.index, name="index"),
    path("table.xlsx", views.table_download, name="table_xlsx"),
    path("rollup/", views.rollup, name="rollup"),
    path("packages/import/", views.package_import, name="package_import"),
    path("packages/export/", views.package_export, name="package_export"),
    path("counterparts/", views.counterparts, name="counterparts"),
    path("counterparts/<int:pk>/active/", views.counterpart_active, name="counterpart_active"),
    path("rules/", views.rules, name="rules"),
    path("rules/export/", views.rules_export, name="rules_export"),
    path("rules-made/", views.rules_made, name="rules_made"),
    path("district-map/", views.district_map, name="district_map"),
    path("district-map/remove/", views.district_map_remove, name="district_map_remove"),
]
