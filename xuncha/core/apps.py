from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "xuncha.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from xuncha.core import checks  # noqa: F401 - registers the deploy checks

        post_migrate.connect(_create_cache_table, sender=self)


def _create_cache_table(using="default", verbosity=0, **_kwargs):
    """Sessions and per-user caches live in the database cache unless Redis is set: every
    migrated database has its table (a fresh install, a benchmark, a restored backup), as
    `createcachetable` would make it (it skips a table that exists; nothing with Redis)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
