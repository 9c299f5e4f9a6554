"""Background tasks: thin wrappers around services."""

from datetime import date

from django_tasks import task


@task()
def daily_sweep(day: str = "") -> dict:
    from xuncha.rectification import services

    return services.sweep(date.fromisoformat(day) if day else None)
