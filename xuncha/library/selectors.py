"""Cross-app reads of the rules library."""

from xuncha.library.models import Provision


def article_texts(*, office) -> list[tuple[str, str]]:
    """(label, text) of every article in force that `office` reads: its own rules and
    those of the offices above it (the study app's reflection hygiene compares
    reflections against them). Label: 《规定名称》第X条."""
    offices = [int(p) for p in office.path.split("/") if p] or [office.pk]
    rows = (
        Provision.objects.in_force()
        .citable()
        .filter(office_id__in=offices)
        .order_by("version__rule_id", "order")
        .values_list("version__rule__title", "label", "text")
    )
    return [(f"《{title}》{label}", text.strip()) for title, label, text in rows]


def similar_articles(*, office, text: str, limit: int = 20) -> list[tuple[str, str]]:
    """(label, text) of the articles in force that `office` reads which share the most
    rare words with `text` (the library's BM25 suggestion): the few a reflection is compared
    with, instead of the whole library."""
    from xuncha.library import search

    offices = [int(p) for p in office.path.split("/") if p] or [office.pk]
    rows = search.suggest(
        None, text, limit=limit, readable=Provision.objects.filter(office_id__in=offices)
    )
    return [(f"《{p.version.rule.title}》{p.label}", p.text.strip()) for p in rows]
