"""Scheduled statistics package: the previous quarter's figures of every office that has a
higher counterpart registered (it reports upward), written to the outbox folder."""

from django_tasks import task


@task()
def stats_export_scheduled(period: str = "") -> dict:
    from xuncha.stats.services import export_scheduled

    return export_scheduled(period=period)
