"""Ledger export (streamed) and import (all or nothing, with an exact change report)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Concat

from xuncha.audit.models import Action
from xuncha.audit.services import confidential, record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload
from xuncha.rectification import ledger
from xuncha.rectification.models import Measure, RectificationPlan, Verification
from xuncha.rectification.services import (
    _require_editable,
    feedback_problems,
    overrides_for,
    validate_measure_values,
)

STATE_LABELS = {k: str(v) for k, v in Measure.State.choices}


def _verification_subquery():
    latest = Verification.objects.filter(measure=OuterRef("pk")).order_by("-at", "-pk")
    return Subquery(
        latest.annotate(
            label=Concat(
                "reviewer__full_name",
                Value("："),
                "reason",
                output_field=CharField(),
            )
        ).values("label")[:1]
    )


def ledger_rows(measures):
    """Dicts in the ledger layout, one per measure, in one streamed query."""
    qs = (
        measures.order_by("plan__unit__path", "problem__number", "pk")
        .annotate(verification_label=_verification_subquery())
        .values(
            "pk",
            "plan__unit__name",
            "problem__number",
            "problem__title",
            "problem__category__name",
            "content",
            "responsible_leader",
            "lead_department",
            "responsible_person",
            "deadline",
            "expected_outcome",
            "long_term",
            "state",
            "evidence_count",
            "verification_label",
        )
    )
    for m in qs.iterator(chunk_size=2000):
        yield {
            "unit": m["plan__unit__name"],
            "problem_number": m["problem__number"],
            "problem_title": m["problem__title"],
            "category": m["problem__category__name"],
            "measure_id": m["pk"],
            "content": m["content"],
            "responsible_leader": m["responsible_leader"],
            "lead_department": m["lead_department"],
            "responsible_person": m["responsible_person"],
            "deadline": m["deadline"],
            "expected_outcome": m["expected_outcome"],
            "long_term": m["long_term"],
            "state": STATE_LABELS.get(m["state"], m["state"]),
            "evidence_count": m["evidence_count"],
            "verification": m["verification_label"] or "",
        }


def ledger_export(*, title: str, measures, actor, obj=None, problems=()) -> str:
    """Write the workbook to a temporary file (caller streams and deletes it), watermarked
    with the reader; one audited export names the plan and the problems it lists."""
    from xuncha.reports.watermark import watermark_text

    watermark = watermark_text(actor)
    rows = [(p.number, p.title, p.description, p.category.name, p.n) for p in problems]
    path = ledger.write_workbook(title, ledger_rows(measures), rows, watermark=watermark)
    objs = [o for o in (obj, *problems) if o is not None]
    changes = {"format": "xlsx", "watermark": watermark}
    if objs:
        confidential(
            objs, actor=actor, action=Action.EXPORT, summary=f"导出{title}", changes=changes
        )
    else:
        record(actor=actor, action=Action.EXPORT, summary=f"导出{title}", changes=changes)
    return path


def plan_problem_rows(plan):
    """The plan's feedback problems (with their measure count `n`) for the 问题清单 sheet."""
    from django.db.models import Count, Q

    return list(
        feedback_problems(plan)
        .select_related("category")
        .annotate(n=Count("measures", filter=Q(measures__plan=plan)))
    )


@dataclass
class ImportReport:
    created: list = field(default_factory=list)  # (line, problem number, content)
    changed: list = field(default_factory=list)  # (line, measure id, {label: [old, new]})
    unchanged: int = 0
    errors: list = field(default_factory=list)
    # (measure id, problem number, content): in the system, absent from the sheet. The
    # import never deletes; these are listed so that nothing is silently ignored.
    missing: list = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.errors


def ledger_import(*, plan, file, actor, apply: bool = True) -> ImportReport:
    """Check the whole sheet; apply nothing unless every row is acceptable.

    Rights and state are checked before the file is opened, and the file passes the
    shared upload checks (zip-bomb limits) before openpyxl reads it."""
    report = ImportReport()
    try:
        _require_editable(plan, actor)
        check_upload(file, allowed={"xlsx"})
    except DomainError as exc:
        report.errors.append(exc.message)
        return report
    parsed = ledger.parse_workbook(file)
    report.errors.extend(parsed.errors)
    if parsed.errors and not parsed.rows:
        return report
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
        try:
            _require_editable(plan, actor)
        except DomainError as exc:
            report.errors.append(exc.message)
            return report
        problems = {p.number: p for p in feedback_problems(plan)}
        measures = {m.pk: m for m in plan.measures.select_related("problem")}
        overrides = overrides_for(plan.office)
        seen = set()
        pending = []
        for row in parsed.rows:
            v, line = row.values, row.line
            if len(v) < len(ledger.KEYS):
                continue  # this row already has an error
            if v["unit"] and v["unit"] != plan.unit.name:
                report.errors.append(f"第{line}行“被巡察单位”为“{v['unit']}”，不是本方案的单位。")
                continue
            problem = problems.get(v["problem_number"])
            if problem is None:
                report.errors.append(
                    f"第{line}行“问题编号”“{v['problem_number']}”不在本单位反馈问题清单中。"
                )
                continue
            values = {k: v[k] for k in ledger.EDITABLE}
            try:
                clean = validate_measure_values(plan, values, overrides)
            except DomainError as exc:
                report.errors.append(f"第{line}行：{exc.message}")
                continue
            mid = v["measure_id"]
            if mid is None:
                pending.append(("create", line, problem, clean))
                continue
            measure = measures.get(mid)
            if measure is None:
                report.errors.append(f"第{line}行“措施编号”{mid}不属于本方案。")
                continue
            if mid in seen:
                report.errors.append(f"第{line}行“措施编号”{mid}重复出现。")
                continue
            seen.add(mid)
            if measure.problem.number != v["problem_number"]:
                report.errors.append(
                    f"第{line}行措施{mid}原属问题{measure.problem.number}，不能在台账中改为{v['problem_number']}。"
                )
                continue
            if STATE_LABELS[measure.state] != v["state"]:
                report.errors.append(
                    f"第{line}行“整改状态”为系统字段，不能通过台账修改（系统中为“{STATE_LABELS[measure.state]}”）。"
                )
                continue
            if v["evidence_count"] != measure.evidence_count:
                report.errors.append(f"第{line}行“佐证材料数”为系统字段，不能通过台账修改。")
                continue
            diff = {}
            for key in ledger.EDITABLE:
                old = getattr(measure, key)
                if old != clean[key]:
                    diff[ledger.LABEL[key]] = [str(old), str(clean[key])]
            if not diff:
                report.unchanged += 1
                continue
            pending.append(("update", line, measure, clean, diff))
        listed = {r.values.get("measure_id") for r in parsed.rows}
        for mid, measure in sorted(measures.items()):
            if mid not in listed:
                report.missing.append((mid, measure.problem.number, measure.content[:40]))
        if report.errors or not apply:
            return report
        created, changed = [], []
        for item in pending:
            if item[0] == "create":
                _kind, line, problem, clean = item
                created.append(Measure(plan=plan, problem=problem, **clean))
                report.created.append((line, problem.number, clean["content"][:40]))
            else:
                _kind, line, measure, clean, diff = item
                for key, value in clean.items():
                    setattr(measure, key, value)
                changed.append(measure)
                report.changed.append((line, measure.pk, diff))
        Measure.objects.bulk_create(created, batch_size=1000)
        Measure.objects.bulk_update(changed, sorted(ledger.EDITABLE), batch_size=1000)
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=plan,
            summary="导入整改台账",
            changes={
                "created": len(report.created),
                "changed": {str(mid): d for _l, mid, d in report.changed},
                "missing_not_deleted": [mid for mid, _n, _c in report.missing],
            },
        )
    return report
