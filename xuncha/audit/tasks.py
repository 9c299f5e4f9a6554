"""Background tasks of the audit log."""

from django_tasks import task


@task()
def audit_checkpoint() -> dict:
    """Periodic (e.g. hourly): verify the entries since the last checkpoint, sign the head."""
    from xuncha.audit import services

    line, problem = services.checkpoint()
    if problem is not None:
        raise RuntimeError(str(problem))  # a failed task is visible to the operator
    return {"seq": line["seq"] if line else None}
