"""我的视图: a user's saved filters (the GET query of one list page or the statistics page)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedViewQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """Everyone reads and deletes their own saved views, nobody else's (not even a
        system administrator: a view is a personal bookmark, not a record of the work)."""
        return self.filter(owner=user)


class SavedView(models.Model):
    """One saved filter: the page (URL name) and the query string it applies."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("视图名称"), max_length=60)
    page = models.CharField(_("页面"), max_length=80)
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("保存时间"), default=timezone.now)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("我的视图")
        verbose_name_plural = _("我的视图")
        ordering = ["page", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "page", "name"], name="saved_view_name_unique_per_page"
            )
        ]

    def __str__(self):
        return self.name
