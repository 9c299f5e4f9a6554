"""A random world of the work over the shared cast, and a plain-Python reference count.

`build_world(cast, rng, n)` writes inspections, problems, plans, measures, disclosures,
recorded figures, clues, handovers and submissions for the city and both counties, with
every field the statistics read drawn at random (dates near the period and midnight
edges, states, outcomes, sums of money; the event dates — problem found, measure made,
handover sent and concluded, figure recorded — days to months after the stationing, some
missing). `reference(flt)` counts the same indicators by reading every row back and
applying the filter in Python (office parents walked one by one, no path arithmetic, no
SQL aggregate) — the second, independent way — under either basis."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from xuncha.clues.models import Clue, Handover
from xuncha.inspections.models import Problem, TaxonomyCategory
from xuncha.org.models import Office, Unit
from xuncha.petitions.models import Submission
from xuncha.plans.models import AnnualPlan, Inspection, PlanSettings, Round, Term
from xuncha.rectification.models import Disclosure, Measure, RectificationPlan
from xuncha.stats import indicators
from xuncha.stats.models import PlanFigure

START = date(2025, 10, 1)


def _day(rng, span=200):
    return START + timedelta(days=rng.randrange(span))


def _moment(rng, day):
    # Around midnight on purpose: the date in Beijing time is what counts.
    hour = rng.choice([0, 1, 8, 15, 16, 23])
    naive = datetime.combine(day, time(hour, rng.randrange(60)))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def build_world(cast, rng, n=6):
    offices = [cast.city, cast.county_a, cast.county_b]
    units = list(Unit.objects.filter(office__in=offices))
    for u in units:  # districts and kinds to filter on
        u.district = rng.choice(["临川县", "安平区", ""])
        u.kind = rng.choice([Unit.Kind.TOWNSHIP, Unit.Kind.CITY_DEPARTMENT, Unit.Kind.VILLAGE])
    Unit.objects.bulk_update(units, ["district", "kind"])
    PlanSettings.objects.update_or_create(
        office=cast.county_b, defaults={"coverage_kinds": ["regular", "special", "revisit"]}
    )
    rounds = {}
    for office in offices:
        term = Term.objects.create(
            office=office, name="届", start=date(2022, 1, 1), end=date(2026, 12, 31)
        )
        for year in (2025, 2026):
            plan = AnnualPlan.objects.create(term=term, year=year, state="approved")
            rounds[(office.pk, year)] = Round.objects.create(
                plan=plan, number=1, start=date(year, 1, 5), end=date(year, 12, 20)
            )
    categories = list(TaxonomyCategory.objects.filter(level=2).order_by("code")[:40])
    user = cast.office_staff
    for _i in range(n):
        office = rng.choice(offices)
        start = _day(rng)
        inspection = Inspection.objects.create(
            office=office,
            round=rounds[(office.pk, start.year)],
            kind=rng.choice(Inspection.Kind.values),
            start=start,
            end=start + timedelta(days=40),
            stage=rng.choice(Inspection.Stage.values),
        )
        chosen = rng.sample(units, rng.randint(1, 2))
        inspection.units.add(*chosen)
        problems = []
        for k in range(rng.randint(0, 4)):
            problems.append(
                Problem.objects.create(
                    inspection=inspection,
                    unit=rng.choice(chosen),
                    number=f"{k}",
                    title="问题",
                    category=rng.choice(categories),
                    state=rng.choice(Problem.State.values),
                    created_by=user,
                )
            )
        for unit in chosen:
            if not problems or rng.random() < 0.3:
                continue
            report_due = _day(rng, 260)
            plan = RectificationPlan.objects.create(
                office=office,
                inspection=inspection,
                unit=unit,
                feedback_date=start,
                due_date=start + timedelta(days=30),
                report_due_date=report_due,
                state=rng.choice(RectificationPlan.State.values),
            )
            for _m in range(rng.randint(0, 3)):
                deadline = _day(rng, 260)
                state = rng.choice(Measure.State.values)
                closed = (
                    _moment(rng, deadline + timedelta(days=rng.choice([-3, -1, 0, 1, 5])))
                    if state == Measure.State.CLOSED
                    else None
                )
                Measure.objects.create(
                    plan=plan,
                    problem=rng.choice(problems),
                    content="措施",
                    responsible_leader="甲",
                    lead_department="乙",
                    responsible_person="丙",
                    deadline=deadline,
                    state=state,
                    closed_at=closed,
                )
            if rng.random() < 0.6:
                state = rng.choice(Disclosure.State.values)
                published = state == Disclosure.State.PUBLISHED
                # The disclosure deadline is its own date (working days after the concentrated
                # report), not the report's; some rows predate it being recorded.
                due = _day(rng, 260) if rng.random() < 0.8 else None
                Disclosure.objects.create(
                    plan=plan,
                    state=state,
                    due_date=due if published else None,
                    published_at=_moment(
                        rng, (due or report_due) + timedelta(days=rng.choice([-2, 0, 1]))
                    )
                    if published
                    else None,
                )
            if rng.random() < 0.5:
                PlanFigure.objects.create(plan=plan, rules_made=rng.randint(0, 5), recorded_by=user)
        clues = []
        for k in range(rng.randint(0, 3)):
            clues.append(
                Clue.objects.create(
                    office=office,
                    inspection=inspection,
                    unit=rng.choice(chosen),
                    number=f"XS{inspection.pk}-{k}",
                    source="problem",
                    problem=rng.choice(problems) if problems and rng.random() < 0.7 else None,
                    people_concerned="某",
                    facts="事实",
                    proposed_handling="discipline",
                    created_by=user,
                )
            )
        for k in range(rng.randint(0, 2)):
            state = rng.choice(Handover.State.values)
            concluded = state == Handover.State.CONCLUDED
            handover = Handover.objects.create(
                office=office,
                inspection=inspection,
                recipient=cast.units["discipline"],
                kind="discipline",
                number=f"YJ{inspection.pk}-{k}",
                subject="移交",
                state=state,
                outcome=rng.choice(Handover.Outcome.values) if concluded else "",
                people_disciplined=rng.randint(0, 4),
                money_recovered=Decimal(rng.randint(0, 100000)) / 100,
                created_by=user,
            )
            if clues:
                handover.clues.add(*rng.sample(clues, rng.randint(1, len(clues))))
            if problems and rng.random() < 0.5:
                handover.problems.add(rng.choice(problems))
    inspections = list(Inspection.objects.all())
    for _s in range(2 * n):
        office = rng.choice(offices)
        own = [i for i in inspections if i.office_id == office.pk]
        received = _day(rng)
        closed = received + timedelta(days=rng.randint(0, 40)) if rng.random() < 0.5 else None
        Submission.objects.create(
            office=office,
            inspection=rng.choice(own) if own and rng.random() < 0.6 else None,
            channel="letter",
            category="other",
            state="closed" if closed else rng.choice(["received", "accepted"]),
            key_id="k",
            wrapped_key=b"x",
            content_sealed=b"x",
            received_on=received,
            accepted_on=received + timedelta(days=2) if closed or rng.random() < 0.5 else None,
            closed_on=closed,
        )
    # The event dates come from a generator of their own, seeded by the world's, so the
    # rest of a seed's world is what it was before they were drawn.
    _event_dates(random.Random(hash(rng.getstate()[1])))


def _later(rng, day, most):
    return _moment(rng, day + timedelta(days=rng.randrange(most)))


def _event_dates(rng):
    """Problem found, measure made, figure recorded, handover sent and concluded: after the
    stationing; now and then a date is missing (rows from before it was kept)."""
    for p in Problem.objects.select_related("inspection").order_by("pk"):
        p.created_at = _later(rng, p.inspection.start, 60)
        p.save(update_fields=["created_at"])
    for m in Measure.objects.select_related("plan").order_by("pk"):
        m.created_at = _later(rng, m.plan.feedback_date, 45)
        if m.closed_at and rng.random() < 0.1:
            m.closed_at = None
        m.save(update_fields=["created_at", "closed_at"])
    for f in PlanFigure.objects.select_related("plan").order_by("pk"):
        f.recorded_at = _later(rng, f.plan.feedback_date, 120)
        f.save(update_fields=["recorded_at"])
    for h in Handover.objects.select_related("inspection").order_by("pk"):
        if h.state != Handover.State.DRAFT and rng.random() < 0.9:
            h.sent_at = _later(rng, h.inspection.start, 90)
        if h.state == Handover.State.CONCLUDED and rng.random() < 0.9:
            h.concluded_at = _later(rng, h.inspection.start + timedelta(days=90), 90)
        h.save(update_fields=["sent_at", "concluded_at"])


# --------------------------------------------------------------------------- reference


def _column(office_id, root, parents):
    """The column of a row of `office_id` under `root` (None: outside), by parent links."""
    if office_id == root.pk:
        return root.path
    current = office_id
    while current is not None:
        parent, _path = parents.get(current, (None, None))
        if parent == root.pk:
            return parents[current][1]
        current = parent
    return None


def reference(flt) -> dict:
    root = flt.root
    parents = {
        pk: (parent, path)
        for pk, parent, path in Office.objects.values_list("pk", "parent_id", "path")
    }
    cols = {c.key for c in indicators.columns_for(root)}
    out = {k: indicators.zero(flt) for k in cols}
    insp = {i.pk: i for i in Inspection.objects.all()}
    insp_units = defaultdict(list)
    for row in Inspection.units.through.objects.all():
        insp_units[row.inspection_id].append(row.unit)
    cats = {c.pk: c for c in TaxonomyCategory.objects.select_related("parent")}

    event = flt.basis == indicators.EVENT

    def insp_ok(i, dated=True):
        return (
            (not dated or flt.start <= i.start <= flt.end)
            and (flt.round is None or i.round_id == flt.round.pk)
            and (not flt.kind or i.kind == flt.kind)
        )

    def when_ok(i, moment):
        """In the period: by the inspection's start, or (event basis) by the row's own
        moment when it has one."""
        day = timezone.localtime(moment).date() if event and moment is not None else i.start
        return insp_ok(i, dated=False) and flt.start <= day <= flt.end

    def unit_ok(u):
        return (not flt.district or u.district == flt.district) and (
            not flt.unit_kind or u.kind == flt.unit_kind
        )

    def cat_ok(category_id):
        if not flt.category:
            return True
        c = cats[category_id]
        return c.code == flt.category or (c.parent is not None and c.parent.code == flt.category)

    def inc(col, code, by=1):
        if col is not None and out[col][code] is not None:
            out[col][code] += by

    # coverage
    if not flt.category:
        custom = dict(PlanSettings.objects.values_list("office_id", "coverage_kinds"))
        covered = defaultdict(set)
        for i in insp.values():
            kinds = custom.get(i.office_id) or list(PlanSettings.DEFAULT_COVERAGE_KINDS)
            if i.kind == "revisit" or i.kind not in kinds:
                continue
            if not insp_ok(i) or i.stage == "preparation":
                continue
            col = _column(i.office_id, root, parents)
            for u in insp_units[i.pk]:
                if unit_ok(u) and col is not None:
                    covered[col].add(u.pk)
        for col, ids in covered.items():
            out[col]["units_covered"] = len(ids)
    for p in Problem.objects.select_related("unit"):
        i = insp[p.inspection_id]
        ok = when_ok(i, p.created_at) and unit_ok(p.unit) and cat_ok(p.category_id)
        if p.state == "approved" and ok:
            inc(_column(i.office_id, root, parents), "problems_found")
    plan_has_cat = defaultdict(bool)
    for m in Measure.objects.select_related("plan__unit", "problem"):
        plan_has_cat[m.plan_id] |= cat_ok(m.problem.category_id)
        i = insp[m.plan.inspection_id]
        if not (unit_ok(m.plan.unit) and cat_ok(m.problem.category_id)):
            continue
        col = _column(m.plan.office_id, root, parents)
        if when_ok(i, m.created_at):
            inc(col, "measures_total")
        if m.state == "closed" and when_ok(i, m.closed_at):
            inc(col, "measures_closed")
            if m.closed_at and timezone.localtime(m.closed_at).date() <= m.deadline:
                inc(col, "measures_on_time")

    def plan_ok(plan, moment):
        return (
            when_ok(insp[plan.inspection_id], moment)
            and unit_ok(plan.unit)
            and (not flt.category or plan_has_cat[plan.pk])
        )

    for f in PlanFigure.objects.select_related("plan__unit"):
        if plan_ok(f.plan, f.recorded_at):
            inc(_column(f.plan.office_id, root, parents), "rules_made", f.rules_made)
    for d in Disclosure.objects.select_related("plan__unit"):
        if plan_ok(d.plan, d.published_at) and d.state == "published":
            col = _column(d.plan.office_id, root, parents)
            inc(col, "disclosures_published")
            if timezone.localtime(d.published_at).date() <= (d.due_date or d.plan.report_due_date):
                inc(col, "disclosures_on_time")
    clue_problem = dict(Clue.objects.values_list("pk", "problem_id"))
    problem_category = dict(Problem.objects.values_list("pk", "category_id"))
    clue_cols = defaultdict(set)
    for h in Handover.objects.prefetch_related("clues", "problems"):
        i = insp[h.inspection_id]
        if h.state == "draft" or not insp_ok(i, dated=False):
            continue
        if (flt.district or flt.unit_kind) and not any(unit_ok(u) for u in insp_units[i.pk]):
            continue
        if flt.category:
            problem_cats = [p.category_id for p in h.problems.all()] + [
                problem_category[clue_problem[c.pk]] for c in h.clues.all() if clue_problem[c.pk]
            ]
            if not any(cat_ok(c) for c in problem_cats):
                continue
        col = _column(h.office_id, root, parents)
        if col is None:
            continue
        if when_ok(i, h.sent_at):
            inc(col, "handovers_sent")
            clue_cols[col] |= {c.pk for c in h.clues.all()}
        if h.state == "concluded" and when_ok(i, h.concluded_at):
            inc(col, "handovers_concluded")
            inc(col, f"outcome_{h.outcome}")
            inc(col, "people_disciplined", h.people_disciplined)
            inc(col, indicators.MONEY, h.money_recovered)
    for col, ids in clue_cols.items():
        out[col]["clues_handed_over"] = len(ids)
    if not flt.category:
        for s in Submission.objects.all():
            if not flt.start <= s.received_on <= flt.end:
                continue
            i = insp.get(s.inspection_id)
            if (flt.round is not None or flt.kind) and (
                i is None or not insp_ok(i, dated=not event)
            ):
                continue
            if (flt.district or flt.unit_kind) and (
                i is None or not any(unit_ok(u) for u in insp_units[i.pk])
            ):
                continue
            col = _column(s.office_id, root, parents)
            inc(col, "submissions_received")
            if s.accepted_on:
                inc(col, "submissions_accepted")
            if s.closed_on:
                inc(col, "submissions_closed")
                inc(col, "close_days_total", (s.closed_on - s.received_on).days)
    return out
