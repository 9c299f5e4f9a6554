"""Background tasks of search and topics: thin wrappers around the services."""

from django_tasks import task


@task()
def topics_recompute(run_id: int) -> int:
    from xuncha.analytics import topics
    from xuncha.analytics.models import TopicRun

    run = TopicRun.objects.get(pk=run_id)
    if run.state == TopicRun.State.DONE:  # a retry after the worker died at the very end
        return run.topics
    try:
        return topics.recompute(run=run)
    except Exception as exc:
        TopicRun.objects.filter(pk=run_id).update(state=TopicRun.State.FAILED, error=str(exc)[:300])
        raise


@task()
def search_reindex() -> int:
    from xuncha.analytics import search

    return search.rebuild()


def request_recompute(actor=None):
    """Queue a recomputation after the current transaction commits; returns its run row."""
    from django.db import transaction

    from xuncha.analytics.models import TopicRun

    run = TopicRun.objects.create(requested_by=actor)
    transaction.on_commit(lambda: topics_recompute.enqueue(run.pk))
    return run
