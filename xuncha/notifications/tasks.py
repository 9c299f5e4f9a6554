"""Background tasks: thin wrappers around services."""

from django_tasks import task


@task()
def deliver() -> dict:
    from xuncha.notifications import services

    return services.deliver_outbox()


@task()
def daily_digest() -> dict:
    """The daily digest, then a delivery pass (which also retries what SMTP refused)."""
    from xuncha.notifications import services

    digests = services.daily_digest()
    return {"digests": digests, **services.deliver_outbox()}
