"""{% cited_articles problem user %}: the citations fragment of a problem's page."""

from django import template

from xuncha.library.models import Citation, RuleVersion
from xuncha.org import access

register = template.Library()


@register.inclusion_tag("library/_citations.html")
def cited_articles(problem, user):
    from xuncha.inspections.models import Problem

    citations = list(
        access.visible(Citation.objects.all(), user)
        .filter(problem=problem)
        .select_related("provision__version__rule__superseded_by")
    )
    current = {c.provision.version.rule.current_id for c in citations}
    versions = RuleVersion.objects.in_bulk([pk for pk in current if pk])
    for c in citations:
        rule = c.provision.version.rule
        newer = versions.get(rule.current_id)
        c.newer = newer if newer and newer.pk != c.provision.version_id else None
    return {
        "citations": citations,
        "problem": problem,
        "may_cite": access.visible(Problem.objects.all(), user, "change")
        .filter(pk=problem.pk)
        .exists(),
    }
