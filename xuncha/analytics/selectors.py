"""Reads for pages: the analytics panel of a submission, queues and figures."""

from xuncha.analytics import entities, intake, services, text
from xuncha.analytics.models import (
    AnalyticsRun,
    DuplicateGroup,
    DuplicateMember,
    SpamFlag,
    Suggestion,
)
from xuncha.org import access


def submission_panel(submission, user, content: dict) -> dict:
    """What the submission page shows: flagged passages (opened now), duplicate groups,
    suggested unit and category with the words that drove it, entities in the text."""
    flag = SpamFlag.objects.filter(submission=submission).first()
    suggestion = (
        Suggestion.objects.filter(submission=submission).select_related("unit", "category").first()
    )
    normal = text.normalize(content.get("text", ""))
    groups = list(access.visible(DuplicateGroup.objects.all(), user).filter(anchor=submission)) + [
        m.group
        for m in access.visible(DuplicateMember.objects.all(), user)
        .filter(submission=submission)
        .select_related("group__anchor")
    ]
    words = []
    if suggestion and suggestion.category_id:
        guess = intake.category_model().suggest(normal[:2000])
        words = guess.words if guess and guess.code == suggestion.category.code else []
    matcher, _paths = intake.unit_matcher()
    found = [e for e in entities.extract(normal, matcher) if e.kind != "unit"]
    return {
        "flag": flag,
        "passages": services.flag_passages(flag) if flag else [],
        "groups": groups,
        "suggestion": suggestion,
        "words": words,
        "entities": found[:20],
    }


def latest_runs():
    runs = {}
    for kind in AnalyticsRun.Kind.values:
        runs[kind] = AnalyticsRun.objects.filter(kind=kind).first()
    last_eval = AnalyticsRun.objects.filter(kind="evaluate", state="done").first()
    return runs, last_eval
