"""Scheduled statistics package: the previous quarter's figures of every office that has a
higher counterpart registered (it reports upward), written to the outbox folder."""

from django_tasks import task


@task(takes_context=True)
def stats_export_scheduled(context, period: str = "") -> dict:
    """Idempotent per task: a retry after a dead worker finishes the same run (its id)."""
    from xuncha.stats.services import export_scheduled

    return export_scheduled(period=period, run_key=str(context.task_result.id))


@task()
def weekly_summary(week: str = "") -> dict:
    """Every office's weekly summary (idempotent), then a delivery pass of the outbox."""
    from xuncha.notifications.services import deliver_outbox
    from xuncha.stats import weekly

    result = weekly.weekly_summary(weekly.Week.parse(week) if week else None)
    return {**result, **deliver_outbox()}
