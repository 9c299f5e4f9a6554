"""Background tasks of the analytics app: thin wrappers around services."""

from django_tasks import task


@task()
def run_analytics(run_id: int) -> dict:
    """Full recomputation, retraining or evaluation, with progress on the run row."""
    from xuncha.analytics import services

    return services.run_execute(run_id).figures
