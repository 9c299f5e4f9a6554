"""The official documents of an inspection: gather (selectors → dataclasses), then text.

    facts = inspection_facts(inspection)
    problems = report_problems(inspection, user)          # only approved, signed-off papers
    blocks = report_blocks(facts, problems)               # editable [{heading, level, text}]
    doc = official_document(kind, title=..., blocks=blocks, ...)   # → reports.officialdoc

Staff edit the blocks (stored in `reports.ReportDraft.sections`) before the .docx is
rendered; `official_document` turns the flat list of blocks back into nested sections.
Only problems whose working paper the leader has signed off (`Problem.objects.for_report()`)
enter any document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from xuncha.reports.officialdoc import OfficialDocument, Section, Table

KIND_TITLES = {
    "report": "关于巡察{units}党组织的情况报告",
    "feedback": "{team}关于巡察{units}党组织的反馈意见",
    "topical": "关于巡察{units}发现{topic}问题的专题报告",
    "recommendation": "巡察建议书",
}


@dataclass
class ProblemItem:
    number: str
    title: str
    description: str
    unit: str
    l1_code: str
    l1_name: str
    l2_code: str
    l2_name: str
    severity: str
    responsible_posts: str = ""
    theme: str = ""
    pk: int = 0


@dataclass
class InspectionFacts:
    id: int
    office: str
    region: str
    team: str
    leader: str
    units: list[str]
    round: str
    kind: str
    theme: str
    start: date
    end: date
    stage: str
    feedback_date: date | None = None
    members: list[str] = field(default_factory=list)

    @property
    def units_text(self) -> str:
        return "、".join(self.units) or "被巡察单位"


@dataclass
class TaxonomyGroup:
    code: str
    name: str
    children: list[tuple[str, str, list[ProblemItem]]]  # (L2 code, L2 name, problems)

    @property
    def count(self) -> int:
        return sum(len(items) for _c, _n, items in self.children)


# --------------------------------------------------------------------------- gather


def inspection_facts(inspection, unit=None) -> InspectionFacts:
    """What every document says about the inspection (a handful of queries).

    With `unit`, the facts of a document addressed to that one unit (a feedback opinion):
    it names only that unit."""
    team = getattr(inspection, "team", None)
    members, leader = [], ""
    if team is not None:
        for m in team.members.select_related("inspector").order_by("pk"):
            members.append(m.inspector.name)
            if m.role == "leader" and not leader:
                leader = m.inspector.name
    return InspectionFacts(
        id=inspection.pk,
        office=inspection.office.name,
        region=inspection.office.region,
        team=team.name if team else "巡察组",
        leader=leader,
        units=[unit.name] if unit else [u.name for u in inspection.units.order_by("pk")],
        round=str(inspection.round),
        kind=inspection.get_kind_display(),
        theme=inspection.theme,
        start=inspection.start,
        end=inspection.end,
        stage=inspection.stage,
        feedback_date=inspection.feedback_date,
        members=members,
    )


def report_problems(
    inspection, user, *, feedback_only=False, topic="", unit=None
) -> list[ProblemItem]:
    """Problems fit for a document: approved and signed off; optionally in feedback, a topic
    or of one unit (a feedback opinion lists only the problems of the unit it goes to).

    `topic` is a taxonomy code prefix: "B" takes all of B, "B4" only B4.
    """
    from xuncha.inspections.models import Problem
    from xuncha.org.access import visible

    qs = visible(Problem.objects.filter(inspection=inspection), user).for_report()
    if feedback_only:  # what the reviews decided to feed back (reviews.decisions_for)
        from xuncha.inspections.reviews import feedback_problem_ids

        qs = qs.filter(pk__in=feedback_problem_ids(inspection))
    if unit is not None:
        qs = qs.filter(unit=unit)
    qs = qs.select_related("category__parent", "unit", "theme")
    items = []
    for p in qs.order_by("number", "pk"):
        cat = p.category
        if cat.parent_id:
            l1, l2 = cat.parent, cat
        else:
            l1, l2 = cat, None
        if topic and not (cat.code.startswith(topic) or l1.code == topic):
            continue
        items.append(
            ProblemItem(
                number=p.number,
                title=p.title,
                description=p.description,
                unit=p.unit.name,
                l1_code=l1.code,
                l1_name=l1.name,
                l2_code=l2.code if l2 else "",
                l2_name=l2.name if l2 else "",
                severity=p.get_severity_display(),
                responsible_posts=p.responsible_posts,
                theme=p.theme.name if p.theme_id else "",
                pk=p.pk,
            )
        )
    return items


def group_by_taxonomy(items: list[ProblemItem]) -> list[TaxonomyGroup]:
    """Problems grouped L1 → L2 in taxonomy code order."""
    groups: dict[str, TaxonomyGroup] = {}
    for item in items:
        group = groups.setdefault(item.l1_code, TaxonomyGroup(item.l1_code, item.l1_name, []))
        for code, _name, bucket in group.children:
            if code == item.l2_code:
                bucket.append(item)
                break
        else:
            group.children.append((item.l2_code, item.l2_name, [item]))
    result = sorted(groups.values(), key=lambda g: g.code)
    for g in result:
        g.children.sort(key=lambda c: _code_key(c[0]))
    return result


def _code_key(code: str):
    head = code.rstrip("0123456789")
    tail = code[len(head) :]
    return (head, int(tail) if tail else 0)


# --------------------------------------------------------------------------- text


def _category_name(name: str) -> str:
    # “贯彻落实党的理论……(债务、安全生产)” reads as a heading without its bracketed details.
    for bracket in ("(", "（"):
        if bracket in name:
            name = name.split(bracket)[0]
    return name.strip()


def _problem_text(item: ProblemItem, index: int) -> str:
    text = f"（{index}）{item.title.rstrip('。')}。"
    if item.description:
        text += item.description.strip()
    if item.responsible_posts:
        text += f"（涉及：{item.responsible_posts}）"
    return text


def _problem_blocks(groups: list[TaxonomyGroup]) -> list[dict]:
    blocks = []
    for g in groups:
        head = {"heading": f"{_category_name(g.name)}方面", "level": 2, "text": "", "code": g.code}
        blocks.append(head)
        n = 0
        for code, name, items in g.children:
            lines = []
            for item in items:
                n += 1
                lines.append(_problem_text(item, n))
            if code:
                blocks.append(
                    {
                        "heading": _category_name(name),
                        "level": 3,
                        "text": "\n".join(lines),
                        "code": code,
                    }
                )
            else:  # classified at level 1 only: listed under the group heading
                head["text"] = "\n".join(filter(None, [head["text"], *lines]))
    return blocks


def _period(f: InspectionFacts) -> str:
    return f"{f.start.year}年{f.start.month}月{f.start.day}日至{f.end.year}年{f.end.month}月{f.end.day}日"


def report_blocks(facts: InspectionFacts, problems: list[ProblemItem]) -> list[dict]:
    """巡察报告: basic facts, overall assessment, problems by taxonomy, recommendations."""
    groups = group_by_taxonomy(problems)
    blocks = [
        {
            "heading": "",
            "level": 0,
            "text": (
                f"根据{facts.office.replace('巡察办', '')}统一部署，{facts.team}于{_period(facts)}"
                f"对{facts.units_text}党组织开展了{facts.kind}。巡察组坚持以习近平新时代中国特色"
                "社会主义思想为指导，紧扣“四个落实”监督重点，通过听取汇报、个别谈话、调阅资料、"
                "走访调研、受理信访等方式，深入了解情况。现将巡察情况报告如下。"
            ),
        },
        {
            "heading": "总体评价",
            "level": 1,
            "text": (
                f"{facts.units_text}党组织能够贯彻落实党中央决策部署和上级工作要求，"
                "各项工作取得一定成效。同时，巡察也发现一些问题，需要认真加以解决。"
            ),
        },
        {
            "heading": "巡察发现的主要问题",
            "level": 1,
            "text": f"巡察共发现问题{len(problems)}个，按监督内容分类如下。"
            if problems
            else "巡察未发现需要报告的问题。",
        },
        *_problem_blocks(groups),
        {
            "heading": "意见建议",
            "level": 1,
            "text": (
                "一是压紧压实管党治党政治责任，切实把巡察整改作为重要政治任务。\n"
                "二是针对巡察发现的问题建立清单，明确责任、措施和时限，逐项整改到位。\n"
                "三是举一反三、标本兼治，健全完善制度机制，巩固巡察整改成果。"
            ),
        },
    ]
    return blocks


DEADLINE_RE = re.compile(r"收到本反馈意见后\d+个工作日内，即\d{4}年\d{1,2}月\d{1,2}日前")


def deadline_phrase(days: int, due: date) -> str:
    """How the letter states a rectification deadline (`stamp_deadlines` finds it again)."""
    return f"收到本反馈意见后{days}个工作日内，即{due.year}年{due.month}月{due.day}日前"


def stamp_deadlines(
    blocks: list[dict], *, plan_days: int, plan_due: date, report_days: int, report_due: date
) -> list[dict]:
    """The blocks with their deadline phrases restated: the first is the plan's, the
    others the report's. The letter thereby always prints the deadlines of the rule (or,
    once delivered, of the delivery record), whatever was typed when it was drafted."""
    phrases = [deadline_phrase(plan_days, plan_due), deadline_phrase(report_days, report_due)]
    seen = 0

    def replace(_match):
        nonlocal seen
        seen += 1
        return phrases[min(seen, 2) - 1]

    out = []
    for block in blocks:
        text = str(block.get("text") or "")
        out.append({**block, "text": DEADLINE_RE.sub(replace, text)})
    return out


def feedback_blocks(
    facts: InspectionFacts,
    problems: list[ProblemItem],
    *,
    plan_due: date,
    report_due: date,
    plan_days: int,
    report_days: int,
) -> list[dict]:
    """反馈意见: problems and requirements, with the rectification deadlines."""
    groups = group_by_taxonomy(problems)
    return [
        {
            "heading": "",
            "level": 0,
            "text": (
                f"根据统一部署，{facts.team}于{_period(facts)}对{facts.units_text}党组织"
                f"开展了{facts.kind}。经审议，现将巡察发现的问题反馈如下。"
            ),
        },
        {
            "heading": "巡察发现的主要问题",
            "level": 1,
            "text": f"巡察发现问题{len(problems)}个。",
        },
        *_problem_blocks(groups),
        {
            "heading": "整改要求",
            "level": 1,
            "text": (
                "一是提高政治站位，主要负责同志要切实履行整改第一责任人责任，"
                "对巡察反馈问题照单全收、逐项整改。\n"
                f"二是在{deadline_phrase(plan_days, plan_due)}，将整改方案报送巡察办。\n"
                f"三是在{deadline_phrase(report_days, report_due)}，"
                "报送集中整改情况报告，并按规定公开整改进展情况。"
            ),
        },
    ]


def topical_blocks(facts: InspectionFacts, problems: list[ProblemItem], topic: str) -> list[dict]:
    """专题报告: the problems of one taxonomy area, with analysis and suggestions."""
    return [
        {
            "heading": "",
            "level": 0,
            "text": (
                f"{facts.team}在对{facts.units_text}开展巡察期间，发现{topic}方面的问题较为突出，"
                "现专题报告如下。"
            ),
        },
        {"heading": "基本情况", "level": 1, "text": f"巡察发现该方面问题{len(problems)}个。"},
        {"heading": "主要问题", "level": 1, "text": ""},
        *_problem_blocks(group_by_taxonomy(problems)),
        {"heading": "原因分析", "level": 1, "text": "（请巡察组结合实际填写。）"},
        {"heading": "意见建议", "level": 1, "text": "（请巡察组结合实际填写。）"},
    ]


def recommendation_blocks(
    facts: InspectionFacts, problems: list[ProblemItem], recipient: str
) -> list[dict]:
    """巡察建议书: sector problems found in the inspection, sent to a department."""
    return [
        {
            "heading": "",
            "level": 0,
            "text": (
                f"{facts.team}在对{facts.units_text}开展巡察中发现，以下问题涉及"
                f"{recipient or '你单位'}职责范围，具有一定普遍性，现提出如下建议。"
            ),
        },
        {"heading": "发现的问题", "level": 1, "text": ""},
        *_problem_blocks(group_by_taxonomy(problems)),
        {
            "heading": "有关建议",
            "level": 1,
            "text": (
                "建议加强行业监管，开展专项治理，完善相关制度。"
                "请于收到本建议书后30日内将采纳和落实情况书面反馈巡察办。"
            ),
        },
    ]


def problem_table(problems: list[ProblemItem]) -> Table:
    """The feedback problem list as an attachment table (the unit's rectification list)."""
    return Table(
        title="巡察反馈问题清单",
        header=["序号", "问题编号", "监督内容分类", "问题概述", "问题单位"],
        rows=[
            [str(i), p.number, f"{p.l2_code or p.l1_code}", p.title, p.unit]
            for i, p in enumerate(problems, 1)
        ],
        widths=[12, 22, 24, 70, 28],
    )


def default_title(kind: str, facts: InspectionFacts, topic_name: str = "") -> str:
    return KIND_TITLES[kind].format(
        units=facts.units_text, team=facts.team, topic=topic_name or "有关"
    )


# --------------------------------------------------------------------------- to the renderer


def blocks_to_sections(blocks: list[dict]) -> list:
    """The flat, editable [{heading, level, text}] list back into nested sections."""
    out: list = []
    stack: list[tuple[int, Section]] = []
    for block in blocks:
        heading = (block.get("heading") or "").strip()
        try:
            level = int(block.get("level") or 0)
        except (TypeError, ValueError):
            level = 0
        text = block.get("text") or ""
        paragraphs = [line for line in str(text).splitlines() if line.strip()]
        if not heading or level <= 0:
            target = stack[-1][1].paragraphs if stack else out
            target.extend(paragraphs)
            continue
        level = min(level, 4)
        section = Section(heading=heading, level=level, paragraphs=paragraphs)
        while stack and stack[-1][0] >= level:
            stack.pop()
        (stack[-1][1].children if stack else out).append(section)
        stack.append((level, section))
    return out


def official_document(
    *,
    title: str,
    blocks: list[dict],
    recipient: str = "",
    issuer: str = "",
    doc_date: date | None = None,
    doc_number: str = "",
    secrecy: str = "",
    cc: str = "",
    watermark: str = "",
    appendix: Table | None = None,
) -> OfficialDocument:
    sections = blocks_to_sections(blocks)
    if appendix is not None and appendix.rows:
        sections.append(appendix)
    return OfficialDocument(
        title=title,
        recipient=recipient,
        sections=sections,
        issuer=issuer,
        date=doc_date,
        doc_number=doc_number,
        secrecy=secrecy,
        watermark=watermark,
        cc=cc,
    )
