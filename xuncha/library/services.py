"""Writes of the rules library: upload (a rule or its new version), status, citations, cases.

Each validates, changes and records the audit entry in one transaction.
"""

from dataclasses import dataclass

from django.db import transaction

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload
from xuncha.library import extract, split
from xuncha.library.models import Citation, Provision, Rule, RuleVersion, TypicalCase
from xuncha.org import access

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def may_manage(user, office) -> bool:
    """Office administrators and staff of the rule's own office (or a system administrator)."""
    if access.is_sysadmin(user):
        return True
    return any(
        o.pk == office.pk for o in access.user_offices(user, {"office_admin", "office_staff"})
    )


@dataclass
class Uploaded:
    version: RuleVersion
    result: split.Result
    created: bool  # a new rule (False: a new version of an existing rule)


def _provisions(version: RuleVersion, result: split.Result, live: bool) -> list[Provision]:
    from xuncha.library.search import blind_text, count_tokens

    rows = []
    for order, block in enumerate(result.blocks):
        searchable = block.kind in ("article", "appendix")
        rows.append(
            Provision(
                version=version,
                office_id=version.rule.office_id,
                live=live,
                order=order,
                kind=block.kind,
                number=block.number,
                label=block.label[:40],
                heading=block.heading[:200],
                path=" › ".join(block.path)[:300],
                text=block.text,
                clauses=[{"text": c.text, "items": c.items} for c in block.clauses],
                tokens=blind_text(block.text) if searchable else "",
            )
        )
    count_tokens(r.tokens for r in rows)
    return Provision.objects.bulk_create(rows, batch_size=500)


def _live(rule: Rule) -> bool:
    return rule.status in (Rule.Status.IN_FORCE, Rule.Status.AMENDED)


@transaction.atomic
def version_add(*, rule: Rule, text: str, file_name: str, file_type: str, size: int, actor):
    """Split `text` and store it as the rule's newest version (the current one)."""
    result = split.split(text)
    last = rule.versions.order_by("-number").first()
    version = RuleVersion.objects.create(
        rule=rule,
        number=(last.number + 1) if last else 1,
        file_name=file_name[:200],
        file_type=file_type,
        file_size=size,
        text=text,
        layout=result.layout,
        summary=result.summary()[:300],
        issues=[{"kind": i.kind, "line": i.line, "message": i.message} for i in result.issues],
        uploaded_by=actor,
    )
    Provision.objects.filter(version__rule=rule).update(live=False)
    _provisions(version, result, live=_live(rule))
    rule.current = version
    rule.save(update_fields=["current"])
    return version, result


@transaction.atomic
def rule_upload(
    *,
    office,
    uploaded,
    actor,
    title: str = "",
    issuer: str = "",
    doc_number: str = "",
    issued_on=None,
    status: str = Rule.Status.IN_FORCE,
    superseded_by: Rule | None = None,
    rule: Rule | None = None,
) -> Uploaded:
    """Upload a rule document; with `rule` (or a rule of the same title in the office) it
    becomes that rule's new version. The file's text is kept whole, split into provisions."""
    if not may_manage(actor, rule.office if rule else office):
        raise DomainError("只有本机构的巡察办管理员和工作人员可以上传法规制度。")
    checked = check_upload(
        uploaded,
        max_bytes=MAX_UPLOAD_BYTES,
        allowed={k: v for k, v in _allowed().items() if k in extract.ALLOWED_KINDS},
    )
    uploaded.seek(0)
    data = uploaded.read()
    text = extract.text_of(data, checked.extension, checked.name)
    title = (title or "").strip()[:200]
    if rule is None:
        if not title:
            title = _guess_title(text)
        rule = Rule.objects.filter(office=office, title=title).first()
    created = rule is None
    if created:
        rule = Rule.objects.create(
            office=office,
            title=title,
            issuer=issuer[:120],
            doc_number=doc_number[:80],
            issued_on=issued_on,
            status=status,
            superseded_by=superseded_by,
        )
    else:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        for name, value in (
            ("issuer", issuer),
            ("doc_number", doc_number),
            ("issued_on", issued_on),
        ):
            if value:
                setattr(rule, name, value)
        rule.save()
    version, result = version_add(
        rule=rule,
        text=text,
        file_name=checked.name,
        file_type=checked.extension,
        size=checked.size,
        actor=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=version,
        summary=f"上传{rule}第{version.number}版：{result.summary()}"[:250],
    )
    return Uploaded(version, result, created)


def _allowed():
    from xuncha.core.uploads import ALLOWED

    return ALLOWED


def _guess_title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().strip("《》")
        if line:
            return line[:200]
    return "未命名法规"


@transaction.atomic
def rule_set_status(*, rule: Rule, status: str, actor, superseded_by: Rule | None = None) -> Rule:
    if not may_manage(actor, rule.office):
        raise DomainError("只有本机构的巡察办管理员和工作人员可以修改法规效力状态。")
    if status not in Rule.Status.values:
        raise DomainError("效力状态无效。")
    if status == Rule.Status.SUPERSEDED:
        if superseded_by is None:
            raise DomainError("标记为“已被替代”时须选择替代它的法规制度。")
        if superseded_by.pk == rule.pk:
            raise DomainError("法规制度不能替代它自己。")
    else:
        superseded_by = None
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = rule.get_status_display()
    rule.status, rule.superseded_by = status, superseded_by
    rule.save(update_fields=["status", "superseded_by"])
    Provision.objects.filter(version__rule=rule).update(live=False)
    if _live(rule) and rule.current_id:
        Provision.objects.filter(version_id=rule.current_id).update(live=True)
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=rule,
        summary=f"{rule}效力状态：{before} → {rule.status_text()}",
    )
    return rule


@transaction.atomic
def citation_create(*, problem, provision: Provision, actor, note: str = "") -> Citation:
    """Cite one article from a problem (and its working paper); the citation keeps this
    version of the article whatever is uploaded later."""
    from xuncha.inspections.models import Problem

    if not Problem.objects.for_user(actor, "change").filter(pk=problem.pk).exists():
        raise DomainError("只有本组成员和巡察办工作人员可以为该问题引用条文。")
    if provision.kind not in ("article", "appendix"):
        raise DomainError("只能引用具体条文或附件，不能引用章节标题或未识别的段落。")
    if not Provision.objects.for_user(actor).filter(pk=provision.pk).exists():
        raise DomainError("该条文不存在或无权查阅。")
    if Citation.objects.filter(problem=problem, provision=provision).exists():
        raise DomainError("该问题已引用这一条文。")
    paper = getattr(problem, "paper", None)
    citation = Citation.objects.create(
        problem=problem, paper=paper, provision=provision, note=note[:200], created_by=actor
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=citation,
        summary=f"问题{problem.number}引用{provision.version.rule}{provision.label}（第{provision.version.number}版）",
    )
    return citation


@transaction.atomic
def citation_delete(*, citation: Citation, actor) -> None:
    from xuncha.inspections.models import Problem

    if not Problem.objects.for_user(actor, "change").filter(pk=citation.problem_id).exists():
        raise DomainError("只有本组成员和巡察办工作人员可以删除该引用。")
    record(
        actor=actor,
        action=Action.DELETE,
        obj=citation,
        summary=f"问题{citation.problem.number}删除引用{citation.provision}",
    )
    citation.delete()


@transaction.atomic
def case_create(*, office, title: str, summary: str, actor, lesson: str = "", provisions=()):
    if not may_manage(actor, office):
        raise DomainError("只有本机构的巡察办管理员和工作人员可以添加典型案例。")
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title or not summary:
        raise DomainError("请填写案例名称和案情及处理。")
    case = TypicalCase.objects.create(
        office=office, title=title[:200], summary=summary, lesson=lesson, created_by=actor
    )
    wanted = [p for p in provisions if p.kind in ("article", "appendix")]
    case.provisions.set(wanted)
    record(actor=actor, action=Action.CREATE, obj=case, summary=f"添加典型案例“{case.title}”")
    return case
