"""Full-text search over the records of the work, with a blind index.

Each record becomes one `SearchDoc` row: its kind, office, unit, inspection, state, date
and the keyed hashes (`crypto.blind_token`) of its tokens. Tokens are the search-mode
words of the normalised text plus every character and character bigram of its Chinese
runs, so that a short word is found inside longer words. The same token string feeds an
FTS5 table on SQLite and a `tsvector` column (`simple` configuration, GIN index) on
PostgreSQL (migration 0001_search_topics). A query is cut the same way and hashed, and
only those hashes, each quoted, reach the query syntax: user text never does.

Visibility is each model's own `for_user` rule, as one subquery per kind, applied before
any count, so a user finds no row and no count they may not read. Highlights are built
at display time from the record itself (submissions are decrypted, and that read is
audited) for the rows the user already sees.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from xuncha.analytics import text as textcore

MAX_QUERY = 200  # characters of a query that are used; the rest is ignored
MAX_TOKENS = 24  # hashed tokens of one query (each narrows the result)
PAGE_SIZE = 20
# Matches counted and paged at most: a very common word stops at the latest
# MAX_MATCHES readable records (the page says there are more) instead of checking
# access on every one of 100,000 matches. Counted after the access filter, never before.
MAX_MATCHES = 1000
FTS_TABLE = "analytics_search_fts"
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


# --- Tokens (pure) --------------------------------------------------------------------


def _is_word(w: str) -> bool:
    return any(ch.isalnum() for ch in w)


def tokens_of(value: str) -> set[str]:
    """The plain tokens of a record: search-mode words, Chinese characters and bigrams."""
    norm = textcore.normalize(value).lower()
    out = {w.strip() for w in textcore.segment_for_search(norm) if _is_word(w)}
    for run in _CJK_RE.findall(norm):
        out.update(run)
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    out.discard("")
    return out


def query_words(query: str) -> list[str]:
    """The words of a query (accurate mode), capped; punctuation and syntax dropped."""
    norm = textcore.normalize((query or "")[: MAX_QUERY * 4])[:MAX_QUERY].lower()
    seen, words = set(), []
    for w in textcore.segment(norm):
        w = w.strip()
        if _is_word(w) and w not in seen:
            seen.add(w)
            words.append(w)
    return words


def query_tokens(words: list[str]) -> list[str]:
    """Plain tokens that must all be present: a long Chinese word needs its bigrams (so it
    is found however the record was segmented), a short word or a Latin word itself."""
    out = []
    for w in words:
        if _CJK_RE.fullmatch(w) and len(w) > 2:
            parts = [w[i : i + 2] for i in range(len(w) - 1)]
        else:
            parts = [w]
        for p in parts:
            if p not in out:
                out.append(p)
    return out[:MAX_TOKENS]


def blind(token: str) -> str:
    from xuncha.petitions.crypto import blind_token

    # The letter keeps PostgreSQL's parser from reading a hex run as a number.
    return "t" + blind_token(token)


def blind_text(value: str) -> str:
    return " ".join(sorted(blind(t) for t in tokens_of(value)))


# --- What each kind of record contributes -------------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    model_path: str  # app_label.Model
    url_name: str

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_path)


KINDS = {
    k.key: k
    for k in [
        Kind("submission", "来信来访", "petitions.Submission", "petitions:detail"),
        Kind("problem", "问题", "inspections.Problem", "inspections:problem_detail"),
        Kind("paper", "工作底稿", "inspections.WorkingPaper", "inspections:problem_detail"),
        Kind("activity", "谈话及了解情况", "inspections.Activity", "inspections:activity_detail"),
        Kind("handover", "移交", "clues.Handover", "clues:handover_detail"),
        Kind(
            "rectification",
            "整改方案",
            "rectification.RectificationPlan",
            "rectification:plan_detail",
        ),
        Kind("measure", "整改措施", "rectification.Measure", "rectification:measure_detail"),
    ]
}
KIND_OF_MODEL = {k.model_path.lower(): k.key for k in KINDS.values()}


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value or date.today()


def _submission_text(sub) -> str:
    from xuncha.petitions import crypto

    content = crypto.open_json(crypto.unwrap(sub.wrapped_key), sub.content_sealed, "content")
    return "\n".join(content.get(k) or "" for k in ("unit", "people", "text"))


def _join(*parts) -> str:
    return "\n".join(p for p in parts if p)


def describe(kind: str, obj) -> tuple[str, dict]:
    """(text to index, metadata) of one record."""
    if kind == "submission":
        return _submission_text(obj), {
            "office_id": obj.office_id,
            "inspection_id": obj.inspection_id,
            "unit_id": None,
            "state": obj.state,
            "date": obj.received_on,
        }
    if kind == "problem":
        return _join(obj.title, obj.description, obj.responsible_posts), {
            "office_id": obj.inspection.office_id,
            "inspection_id": obj.inspection_id,
            "unit_id": obj.unit_id,
            "state": obj.state,
            "date": _day(obj.created_at),
        }
    if kind == "paper":
        return _join(obj.title, obj.facts, obj.evidence, obj.policy_basis), {
            "office_id": obj.inspection.office_id,
            "inspection_id": obj.inspection_id,
            "unit_id": obj.problem.unit_id,
            "state": obj.state,
            "date": _day(obj.drafted_at),
        }
    if kind == "activity":
        return _join(
            obj.title,
            obj.summary,
            obj.interviewee,
            obj.interviewee_position,
            obj.place,
            obj.outline,
        ), {
            "office_id": obj.inspection.office_id,
            "inspection_id": obj.inspection_id,
            "unit_id": None,
            "state": obj.kind,
            "date": obj.held_on,
        }
    if kind == "handover":
        return _join(obj.subject, obj.letter_body), {
            "office_id": obj.office_id,
            "inspection_id": obj.inspection_id,
            "unit_id": None,
            "state": obj.state,
            "date": _day(obj.created_at),
        }
    if kind == "rectification":
        return _join(obj.summary, obj.main_leader), {
            "office_id": obj.office_id,
            "inspection_id": obj.inspection_id,
            "unit_id": obj.unit_id,
            "state": obj.state,
            "date": obj.feedback_date,
        }
    if kind == "measure":
        plan = obj.plan
        return _join(obj.content, obj.expected_outcome, obj.lead_department), {
            "office_id": plan.office_id,
            "inspection_id": plan.inspection_id,
            "unit_id": plan.unit_id,
            "state": obj.state,
            "date": _day(obj.created_at),
        }
    raise ValueError(kind)


def kind_of(obj) -> str | None:
    return KIND_OF_MODEL.get(obj._meta.label_lower)


def index(obj) -> None:
    """(Re)index one record; called by the services that create or change it."""
    from xuncha.analytics.models import SearchDoc

    kind = kind_of(obj)
    if kind is None or obj.pk is None:
        return
    body, meta = describe(kind, obj)
    SearchDoc.objects.update_or_create(
        kind=kind, object_id=obj.pk, defaults={**meta, "tokens": blind_text(body)}
    )


def unindex(obj) -> None:
    from xuncha.analytics.models import SearchDoc

    SearchDoc.objects.filter(kind=kind_of(obj), object_id=obj.pk).delete()


_RELATED = {
    "problem": ["inspection"],
    "paper": ["inspection", "problem"],
    "activity": ["inspection"],
    "measure": ["plan"],
}


def rebuild(progress=None, batch=500) -> int:
    """Drop and rebuild the whole index; `progress(done, total)` is called per batch."""
    from django.db import transaction

    from xuncha.analytics.models import SearchDoc

    total = sum(k.model.objects.count() for k in KINDS.values())
    done = 0
    with transaction.atomic():
        SearchDoc.objects.all().delete()
        for kind in KINDS.values():
            qs = kind.model.objects.select_related(*_RELATED.get(kind.key, [])).order_by("pk")
            if kind.key == "submission":  # a shredded submission is not indexed again
                qs = qs.filter(shredded_on__isnull=True)
            rows = []
            for obj in qs.iterator(chunk_size=batch):
                body, meta = describe(kind.key, obj)
                rows.append(
                    SearchDoc(kind=kind.key, object_id=obj.pk, tokens=blind_text(body), **meta)
                )
                if len(rows) >= batch:
                    SearchDoc.objects.bulk_create(rows)
                    done += len(rows)
                    rows = []
                    if progress:
                        progress(done, total)
            SearchDoc.objects.bulk_create(rows)
            done += len(rows)
    if progress:
        progress(done, total)
    return done


# --- Queries --------------------------------------------------------------------------


def visible_q(user) -> Q:
    """Documents whose record the user may read: one `for_user` subquery per kind."""
    from xuncha.org import access

    # A correlated EXISTS per kind: the engine checks the few matched rows by primary key
    # instead of listing every readable record (an office's 100,000 submissions).
    # On PostgreSQL the key is matched as a one-row range (>= and <=): an equality would
    # let the planner turn the EXISTS into a hashed list of *every* readable record
    # (~100 ms for 140,000 submissions) even when the query stops after 1,001 rows; the
    # range keeps it a primary-key probe per matched row.
    pg = connection.vendor == "postgresql"
    q = Q(pk__in=[])
    for kind in KINDS.values():
        readable = access.visible(kind.model.objects.all(), user)
        if pg:
            probe = readable.filter(pk__gte=OuterRef("object_id"), pk__lte=OuterRef("object_id"))
        else:
            probe = readable.filter(pk=OuterRef("object_id"))
        q |= Q(kind=kind.key) & Exists(probe)
    return q


# FTS5 matches above which a SQLite query walks the date index instead (see below).
COMMON_MATCHES = 5000


def _fts_expression(hashed: list[str]) -> str:
    # FTS5: each hash quoted as a string; nothing of the user's query gets here.
    return " AND ".join(f'"{h}"' for h in hashed)


def _common_on_sqlite(hashed: list[str]) -> bool:
    """More than COMMON_MATCHES records hold all the tokens (any record, readable or
    not: an internal planning figure, never shown). Counting stops there."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as c:
        c.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
            f" LIMIT {COMMON_MATCHES + 1})",
            [_fts_expression(hashed)],
        )
        return c.fetchone()[0] > COMMON_MATCHES


def match_expression(hashed: list[str], common: bool = False):
    """The engine's match condition over the given (already hashed) tokens. `common`
    (SQLite): the match list is only checked (`+id IN`), so the engine walks the date
    index newest first and stops after the page's LIMIT instead of checking access on
    every match and sorting them all."""
    if connection.vendor == "postgresql":
        # Hashes are [t0-9a-f]: nothing in them is tsquery syntax.
        return RawSQL(
            '"analytics_searchdoc"."tsv" @@ to_tsquery(\'simple\', %s)',
            [" & ".join(hashed)],
            output_field=BooleanField(),
        )
    plus = "+" if common else ""  # "+": not an index term, only a check of each row
    return RawSQL(  # noqa: S611 - constant SQL, the expression is a bound parameter
        f'{plus}"analytics_searchdoc"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)',  # noqa: S608
        [_fts_expression(hashed)],
        output_field=BooleanField(),
    )


@dataclass
class Filters:
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    office: int | None = None
    unit: int | None = None
    state: str = ""


@dataclass
class Result:
    words: list[str]
    total: int
    rows: list  # SearchDoc rows of the page
    facets: dict
    page: int
    pages: int
    more: bool = False  # more than MAX_MATCHES readable matches: counts stop there


def _latest(qs) -> tuple[list[tuple], bool]:
    """(pk, kind, office id, state) of the latest MAX_MATCHES rows of `qs`, and whether
    there are more: one bounded query, the engine stops after MAX_MATCHES + 1 rows."""
    rows = list(
        qs.order_by("-date", "-pk").values_list("pk", "kind", "office_id", "state")[
            : MAX_MATCHES + 1
        ]
    )
    return rows[:MAX_MATCHES], len(rows) > MAX_MATCHES


def _by_count(values) -> list[tuple]:
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], str(kv[0])))


def run(user, query: str, filters: Filters | None = None, page: int = 1, page_size=PAGE_SIZE):
    """Search as `user`: rows, counts and facets all restricted by the access rules."""
    from xuncha.analytics.models import SearchDoc
    from xuncha.org import access

    filters = filters or Filters()
    words = query_words(query)
    empty = Result(words, 0, [], {"kind": [], "office": [], "state": []}, 1, 1)
    if not words:
        return empty
    hashed = [blind(t) for t in query_tokens(words)]
    base = access.visible(SearchDoc.objects.all(), user).filter(
        match_expression(hashed, common=_common_on_sqlite(hashed))
    )
    if filters.date_from:
        base = base.filter(date__gte=filters.date_from)
    if filters.date_to:
        base = base.filter(date__lte=filters.date_to)
    if filters.office:
        base = base.filter(office_id=filters.office)
    if filters.unit:
        base = base.filter(unit_id=filters.unit)
    # Every count and facet comes from the latest readable matches (at most
    # MAX_MATCHES + 1 rows a query); exact unless `more`.
    all_rows, more = _latest(base)
    kind_counts = dict(_by_count(r[1] for r in all_rows))
    scoped_rows = all_rows
    states = []
    if filters.kind in KINDS:
        if more:
            scoped_rows, more = _latest(base.filter(kind=filters.kind))
        else:
            scoped_rows = [r for r in all_rows if r[1] == filters.kind]
        states = _by_count(r[3] for r in scoped_rows)
        if filters.state:
            if more:
                scoped_rows, more = _latest(base.filter(kind=filters.kind, state=filters.state))
            else:
                scoped_rows = [r for r in scoped_rows if r[3] == filters.state]
    offices = _by_count(r[2] for r in scoped_rows if r[2])[:20]
    total = len(scoped_rows)
    pages = max(1, (total + page_size - 1) // page_size)
    page = min(max(1, page), pages)
    pks = [r[0] for r in scoped_rows[(page - 1) * page_size : page * page_size]]
    by_pk = SearchDoc.objects.only(
        "kind", "object_id", "office_id", "unit_id", "state", "date"
    ).in_bulk(pks)
    rows = [by_pk[pk] for pk in pks if pk in by_pk]
    facets = {
        "kind": [(k, KINDS[k].label, kind_counts[k]) for k in KINDS if kind_counts.get(k)],
        "office": _office_facet(offices),
        "state": [(s, state_label(filters.kind, s), n) for s, n in states],
    }
    return Result(words, total, rows, facets, page, pages, more)


def _office_facet(rows):
    from xuncha.org.models import Office

    names = dict(Office.objects.filter(pk__in=[o for o, _ in rows]).values_list("pk", "name"))
    return [(o, names.get(o, "—"), n) for o, n in rows if o]


def state_label(kind: str, state: str) -> str:
    if kind not in KINDS or not state:
        return state or "—"
    model = KINDS[kind].model
    field = "kind" if kind == "activity" else "state"
    choices = dict(model._meta.get_field(field).choices or [])
    return str(choices.get(state, state))


# --- Display: titles and highlights for the rows the user sees -----------------------


def _title(kind: str, obj) -> str:
    if kind == "submission":
        return f"{obj.number} · {obj.get_category_display()}"
    if kind == "problem":
        return f"问题{obj.number} {obj.title}"
    if kind == "paper":
        return str(obj)
    if kind == "activity":
        return str(obj)
    if kind == "handover":
        return f"{obj.number} {obj.subject}"
    if kind == "rectification":
        return str(obj)
    return f"整改措施：{obj.content[:40]}"


def highlight(body: str, words: list[str], width: int = 60) -> str:
    """A passage of `body` around the first query word, every query word marked (HTML)."""
    norm = textcore.normalize(body)
    lower = norm.lower()
    marks = [w for w in sorted(words, key=len, reverse=True) if w in lower]
    if not marks:  # found through bigrams of a longer word
        marks = [
            b
            for w in words
            for b in (w[i : i + 2] for i in range(len(w) - 1))
            if len(w) > 2 and b in lower
        ]
    first = min((lower.find(w) for w in marks), default=0)
    start = max(0, first - width // 3)
    passage, low = norm[start : start + width * 2], lower[start : start + width * 2]
    if not marks:
        return escape(passage)
    pattern = re.compile("|".join(re.escape(w) for w in marks))
    out, pos = [], 0
    for m in pattern.finditer(low):
        out.append(escape(passage[pos : m.start()]))
        out.append(f"<mark>{escape(passage[m.start() : m.end()])}</mark>")
        pos = m.end()
    out.append(escape(passage[pos:]))
    prefix = "…" if start else ""
    suffix = "…" if start + width * 2 < len(norm) else ""
    return mark_safe(prefix + "".join(out) + suffix)


def present(user, result: Result) -> list[dict]:
    """Title, link and highlighted passage of each row. Reading a passage is a read of the
    record: submissions through `record_read`, the rest (problems, papers, activities,
    handovers…) in one `audit.services.confidential` entry for the page."""
    from xuncha.audit.services import confidential, confidential_fields, record_read
    from xuncha.org import access

    by_kind: dict[str, list[int]] = {}
    for row in result.rows:
        by_kind.setdefault(row.kind, []).append(row.object_id)
    objects = {}
    for key, ids in by_kind.items():
        kind = KINDS[key]
        qs = access.visible(kind.model.objects.all(), user).filter(pk__in=ids)
        qs = qs.select_related(*_RELATED.get(key, []))
        for obj in qs:
            objects[(key, obj.pk)] = obj
    out, shown = [], []
    for row in result.rows:
        obj = objects.get((row.kind, row.object_id))
        if obj is None:  # a stale index row: never shown
            continue
        if row.kind != "submission" and confidential_fields(obj):
            shown.append(obj)
        body, _meta = describe(row.kind, obj)
        if row.kind == "submission":
            record_read(actor=user, obj=obj, summary=f"检索结果中查阅来信来访 {obj.number}")
        out.append(
            {
                "kind": row.kind,
                "kind_label": KINDS[row.kind].label,
                "title": _title(row.kind, obj),
                "url": reverse(
                    KINDS[row.kind].url_name,
                    args=[
                        obj.problem_id if row.kind == "paper" else obj.pk
                    ],  # paper: on its problem
                ),
                "date": row.date,
                "state": state_label(row.kind, row.state),
                "snippet": highlight(body, result.words),
            }
        )
    if shown:
        confidential(shown, actor=user, summary=f"检索结果中查阅 {len(shown)} 条记录的内容摘录")
    return out


def set_state(obj) -> None:
    """Keep the indexed state in step after a workflow transition (no re-tokenising)."""
    from xuncha.analytics.models import SearchDoc

    SearchDoc.objects.filter(kind=kind_of(obj), object_id=obj.pk).update(state=obj.state)
