"""Fieldwork rows for document and field-kit tests, made directly (the services are tested elsewhere)."""

from datetime import date

from django.core.files.base import ContentFile

from xuncha.inspections.models import (
    Activity,
    Attachment,
    PaperStep,
    Problem,
    TaxonomyCategory,
    WorkingPaper,
)


def category(code: str) -> TaxonomyCategory:
    return TaxonomyCategory.objects.get(version__code="2024", code=code)


def make_problem(
    inspection,
    code: str,
    number: str,
    *,
    user,
    title="",
    signed=True,
    approved=True,
    in_feedback=True,
    unit=None,
):
    problem = Problem.objects.create(
        inspection=inspection,
        unit=unit or inspection.units.first(),
        number=number,
        title=title or f"问题{number}：{category(code).name[:12]}方面存在不足",
        description="经查阅2025年度会议记录和财务凭证，相关制度未严格执行。",
        category=category(code),
        state=Problem.State.APPROVED if approved else Problem.State.DRAFT,
        in_feedback=in_feedback,
        created_by=user,
    )
    WorkingPaper.objects.create(
        problem=problem,
        inspection=inspection,
        number=f"DG-{number}",
        title=problem.title,
        facts="事实摘要",
        state=WorkingPaper.State.SIGNED if signed else WorkingPaper.State.LEADER_REVIEW,
        drafter=user,
        leader_signed_by=user if signed else None,
    )
    return problem


def make_activity(inspection, user, title="与局长个别谈话", kind=Activity.Kind.INTERVIEW):
    return Activity.objects.create(
        inspection=inspection,
        kind=kind,
        title=title,
        held_on=date(2026, 3, 10),
        summary="谈话对象反映了公务接待管理不规范的情况。",
        interviewee="张某",
        created_by=user,
    )


def make_attachment(
    inspection, user, content: bytes, *, activity=None, paper=None, name="证据.txt"
):
    import hashlib

    sha = hashlib.sha256(content).hexdigest()
    att = Attachment(
        inspection=inspection,
        sha256=sha,
        size=len(content),
        content_type="text/plain",
        original_name=name,
        activity=activity,
        paper=paper,
        uploaded_by=user,
    )
    att.file.save(name, ContentFile(content), save=False)
    att.save()
    return att


def full_workspace(inspection, user):
    """An interview with an attachment, three problems (one unsigned) with papers and a step."""
    act = make_activity(inspection, user)
    make_attachment(inspection, user, b"interview record " * 100, activity=act, name="谈话记录.txt")
    p1 = make_problem(inspection, "B4", "001", user=user, title="违规发放津补贴")
    make_problem(inspection, "A7", "002", user=user, title="意识形态工作责任制落实不到位")
    make_problem(inspection, "C2", "003", user=user, title="干部选任程序不规范", signed=False)
    p1.paper.sources.add(act)
    PaperStep.objects.create(paper=p1.paper, action=PaperStep.Action.LEADER_SIGN, actor=user)
    make_attachment(inspection, user, b"voucher scan", paper=p1.paper, name="凭证.txt")
    return act
