from django.contrib import admin
from django.urls import include, path

from xuncha.api import api
from xuncha.core import status as core_status
from xuncha.core import views as core_views

admin.site.site_header = "巡察综合监督平台 · 系统管理"
admin.site.site_title = "巡察综合监督平台"

urlpatterns = [
    path("ping", core_views.ping, name="ping"),
    path("csp-report/", core_views.csp_report, name="csp_report"),
    path("system/status/", core_status.status_view, name="system_status"),
    path("system/ui/", core_views.ui_view, name="system_ui"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("audit/", include("xuncha.audit.urls")),
    path("plans/", include("xuncha.plans.urls")),
    path("training/", include("xuncha.training.urls")),
    path("inspections/", include("xuncha.inspections.urls")),
    path("petitions/", include("xuncha.petitions.urls")),
    path("analytics/", include("xuncha.analytics.urls")),
    path("public/disclosures/", include("xuncha.rectification.public_urls")),
    path("public/", include("xuncha.petitions.public_urls")),
    path("clues/", include("xuncha.clues.urls")),
    path("rectification/", include("xuncha.rectification.urls")),
    path("reports/", include("xuncha.reports.urls")),
    path("archive/", include("xuncha.archive.urls")),
    path("stats/", include("xuncha.stats.urls")),
    path("notifications/", include("xuncha.notifications.urls")),
    path("views/", include("xuncha.savedviews.urls")),
    path("study/", include("xuncha.study.urls")),
    path("library/", include("xuncha.library.urls")),
    path("search/", include("xuncha.analytics.urls_search")),
    path("analytics/hot/", include("xuncha.analytics.urls_hot")),
    path("", include("xuncha.org.urls")),
]

handler400 = "xuncha.core.views.error_400"
handler403 = "xuncha.core.views.error_403"
handler404 = "xuncha.core.views.error_404"
handler500 = "xuncha.core.views.error_500"
