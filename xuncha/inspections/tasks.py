"""Background tasks of the fieldwork: thin wrappers around services."""

from datetime import date

from django_tasks import task


@task()
def fieldwork_sweep(day: str = "") -> dict:
    """Daily: escalate immediate-fix notices not answered by their due day."""
    from xuncha.inspections import services

    return {"escalated": services.fix_notices_sweep(date.fromisoformat(day) if day else None)}
