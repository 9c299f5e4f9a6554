"""Full-text search of articles, and article suggestions for a problem's text.

The analytics search's approach and its token functions: each citable provision keeps
the keyed hashes of its words, characters and bigrams (`analytics.search.blind_text`)
in `Provision.tokens`, indexed by an FTS5 table on SQLite and a `tsvector` column with a
GIN index on PostgreSQL (migration 0001). A query is cut and hashed the same way; only
hashes reach the query syntax. Visibility is `Provision.for_user` (the rule's office and
the offices above the user's), in the same query.
"""

import hmac
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from xuncha.analytics import search as core
from xuncha.library.models import Provision, TokenCount
from xuncha.org import access

FTS_TABLE = "library_provision_fts"
PAGE_SIZE = 20
MAX_MATCHES = 500  # counted at most; the page says there are more
COMMON_MATCHES = 5000


def blind_text(value: str) -> str:
    """`analytics.search.blind_text` with the key read once for the whole text (the
    same hashes: "t" + 16 hex digits of the keyed SHA-256 of each token)."""
    from xuncha.petitions.crypto import analytics_key

    key = analytics_key()
    return " ".join(
        sorted(
            "t" + hmac.digest(key, t.encode(), "sha256").hex()[:16] for t in core.tokens_of(value)
        )
    )


def _hashes(query: str) -> tuple[list[str], list[str]]:
    words = core.query_words(query)
    return words, [core.blind(t) for t in core.query_tokens(words)]


def _common(expression: str) -> bool:
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as c:
        c.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
            f" LIMIT {COMMON_MATCHES + 1})",
            [expression],
        )
        return c.fetchone()[0] > COMMON_MATCHES


def _match(hashed: list[str], joiner: str = "AND"):
    if connection.vendor == "postgresql":
        op = " & " if joiner == "AND" else " | "
        return RawSQL(
            '"library_provision"."tsv" @@ to_tsquery(\'simple\', %s)',
            [op.join(hashed)],
            output_field=BooleanField(),
        )
    expression = f" {joiner} ".join(f'"{h}"' for h in hashed)
    # A very common word: check each row of the (live, office) index instead of
    # listing every match first (see analytics.search.match_expression).
    plus = "+" if _common(expression) else ""
    return RawSQL(  # noqa: S611 - constant SQL, the expression is a bound parameter
        f'{plus}"library_provision"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)',  # noqa: S608
        [expression],
        output_field=BooleanField(),
    )


@dataclass
class Result:
    words: list[str]
    total: int
    rows: list  # Provision rows of the page
    page: int
    pages: int
    more: bool = False


def run(user, query: str, *, page: int = 1, include_old: bool = False, page_size=PAGE_SIZE):
    """Articles matching every word of `query` that `user` may read (in force only
    unless `include_old`), newest rule first."""
    words, hashed = _hashes(query)
    if not hashed:
        return Result(words, 0, [], 1, 1)
    qs = access.visible(Provision.objects.all(), user).citable()
    if not include_old:
        qs = qs.in_force()
    qs = qs.filter(_match(hashed))
    rows = list(qs.order_by("-pk").values_list("pk", "version_id")[: MAX_MATCHES + 1])
    more = len(rows) > MAX_MATCHES
    # Newest version first, and within a version in the order of the text.
    ids = [pk for pk, _v in sorted(rows[:MAX_MATCHES], key=lambda r: (-r[1], r[0]))]
    pages = max(1, (len(ids) + page_size - 1) // page_size)
    page = min(max(1, page), pages)
    chosen = ids[(page - 1) * page_size : page * page_size]
    by_pk = Provision.objects.select_related("version__rule__superseded_by").in_bulk(chosen)
    return Result(words, len(ids), [by_pk[i] for i in chosen if i in by_pk], page, pages, more)


def snippet(provision: Provision, words: list[str]) -> str:
    return core.highlight(provision.text, words)


SUGGEST_TOKENS = 12  # the rarest tokens of the text that are used
COMMON_TOKEN = 2000  # a token in more articles than this says little about one problem
SUGGEST_POOL = 300


def count_tokens(token_texts) -> None:
    """Add the provisions whose `tokens` are given to the document frequencies
    (`TokenCount`), one upsert per batch, in the caller's transaction. Tokens are
    written in sorted order, so concurrent uploads lock the shared rows in the same order
    and never deadlock on PostgreSQL."""
    counts = Counter(t for text in token_texts for t in set(text.split()))
    if not counts:
        return
    table = TokenCount._meta.db_table
    rows = sorted(counts.items())
    with connection.cursor() as c:
        for start in range(0, len(rows), 400):
            batch = rows[start : start + 400]
            c.execute(
                f"INSERT INTO {table} (token, provisions) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s)"] * len(batch))
                + f" ON CONFLICT (token) DO UPDATE SET provisions = {table}.provisions"
                " + excluded.provisions",
                [v for row in batch for v in row],
            )


def frequencies(tokens) -> dict[str, int]:
    """In how many provisions each hashed token occurs (absent: none), one query."""
    return dict(
        TokenCount.objects.filter(token__in=list(tokens)).values_list("token", "provisions")
    )


def suggest(user, text: str, limit: int = 5, readable=None) -> list[Provision]:
    """The articles in force most likely to apply to a problem described by `text`:
    BM25 (FTS5 `rank`; `ts_rank` on PostgreSQL) over any of the text's rarest words,
    rarity read from the document frequencies (`TokenCount`, one query). Common words
    (in more than COMMON_TOKEN articles) are left out: they carry little weight in BM25
    and would make the engine score most of the library. `readable`, when
    given, replaces the user's access rule (an office-scoped queryset for system checks)."""
    words = [w for w in core.query_words(text[:2000]) if len(w) >= 2]
    tokens = list(dict.fromkeys(core.blind(t) for t in core.query_tokens(words)))
    known = frequencies(tokens)
    counted = [(known[t], t) for t in tokens if 0 < known.get(t, 0) <= COMMON_TOKEN]
    hashed = [t for _, t in sorted(counted)[:SUGGEST_TOKENS]]
    if not hashed:
        return []
    if readable is None:
        readable = access.visible(Provision.objects.all(), user)
    readable = readable.citable().in_force()
    if connection.vendor == "postgresql":
        ranked = (
            readable.filter(_match(hashed, "OR"))
            .annotate(
                score=RawSQL(
                    'ts_rank("library_provision"."tsv", to_tsquery(\'simple\', %s))',
                    [" | ".join(hashed)],
                )
            )
            .order_by("-score", "pk")
        )
        return list(ranked.select_related("version__rule")[:limit])
    expression = " OR ".join(f'"{h}"' for h in hashed)
    with connection.cursor() as c:
        c.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rank"  # noqa: S608
            f" LIMIT {SUGGEST_POOL}",
            [expression],
        )
        ranked_ids = [r[0] for r in c.fetchall()]
    allowed = set(readable.filter(pk__in=ranked_ids).values_list("pk", flat=True))
    chosen = [i for i in ranked_ids if i in allowed][:limit]
    by_pk = Provision.objects.select_related("version__rule").in_bulk(chosen)
    return [by_pk[i] for i in chosen]


def suggest_for_problem(user, problem, limit: int = 5) -> tuple[list[Provision], list[str]]:
    """The articles suggested for a problem (page and API alike) from its title, its
    description and its working paper's facts, and the words to highlight. Those texts
    are confidential: reading them is the one audited read of this call."""
    from xuncha.audit.services import confidential

    paper = getattr(problem, "paper", None)
    basis = " ".join(
        x for x in [problem.title, problem.description, paper.facts if paper else ""] if x
    )
    read = [problem] + ([paper] if paper else [])
    confidential(
        read,
        actor=user,
        fields={"inspections.problem": ["description"], "inspections.workingpaper": ["facts"]},
        summary=f"根据问题 {problem.number} 的描述推荐条文",
    )
    return suggest(user, basis, limit=limit), core.query_words(basis)[:20]
