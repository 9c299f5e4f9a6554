"""法规制度库 API: list, search, detail, upload, cite; the same services and rules as the pages."""

from datetime import date

from django.core.exceptions import PermissionDenied
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from xuncha.core.apitypes import Limit, Offset
from xuncha.inspections.models import Problem
from xuncha.library import search, services
from xuncha.library.models import Provision, Rule
from xuncha.library.views import may_read
from xuncha.org import access
from xuncha.org.models import Office

router = Router(tags=["法规制度库"])


def _require_read(user):
    if not may_read(user):
        raise PermissionDenied("法规制度库只对巡察机构工作人员和巡察组成员开放。")


class RuleOut(Schema):
    id: int
    title: str
    issuer: str
    doc_number: str
    issued_on: date | None
    status: str
    status_text: str
    superseded_by_id: int | None
    office_id: int
    version: int | None


def _rule(rule: Rule, version_number=None) -> dict:
    return {
        "id": rule.pk,
        "title": rule.title,
        "issuer": rule.issuer,
        "doc_number": rule.doc_number,
        "issued_on": rule.issued_on,
        "status": rule.status,
        "status_text": rule.status_text(),
        "superseded_by_id": rule.superseded_by_id,
        "office_id": rule.office_id,
        "version": version_number,
    }


class ProvisionOut(Schema):
    id: int
    kind: str
    label: str
    heading: str
    path: str
    text: str
    live: bool


def _provision(p: Provision) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "label": p.label,
        "heading": p.heading,
        "path": p.path,
        "text": p.body,
        "live": p.live,
    }


class IssueOut(Schema):
    kind: str
    line: int
    message: str


class RuleDetailOut(RuleOut):
    summary: str
    issues: list[IssueOut]
    provisions: list[ProvisionOut]


@router.get("/", response=list[RuleOut], summary="法规制度列表（本机构及上级机构的）")
def rule_list(request, limit: Limit = 100, offset: Offset = 0):
    _require_read(request.user)
    rules = access.visible(Rule.objects.all(), request.user).select_related(
        "superseded_by", "current"
    )
    return [
        _rule(r, r.current.number if r.current else None) for r in rules[offset : offset + limit]
    ]


class LibraryHitOut(Schema):
    provision: ProvisionOut
    rule: RuleOut
    snippet_html: str


class LibrarySearchOut(Schema):
    words: list[str]
    total: int
    more: bool
    page: int
    pages: int
    results: list[LibraryHitOut]


@router.get("/search", response=LibrarySearchOut, summary="检索条文（默认仅现行有效）")
def rule_search(request, q: str = "", page: int = 1, include_old: bool = False):
    _require_read(request.user)
    result = search.run(
        request.user, q[: search.core.MAX_QUERY], page=page, include_old=include_old
    )
    return {
        "words": result.words,
        "total": result.total,
        "more": result.more,
        "page": result.page,
        "pages": result.pages,
        "results": [
            {
                "provision": _provision(p),
                "rule": _rule(p.version.rule, p.version.number),
                "snippet_html": str(search.snippet(p, result.words)),
            }
            for p in result.rows
        ],
    }


@router.get(
    "/{int:rule_id}", response=RuleDetailOut, summary="法规制度详情（现行版本或指定版本的条文）"
)
def rule_detail(request, rule_id: int, version: int | None = None):
    _require_read(request.user)
    rule = access.get_for_user(Rule.objects.select_related("superseded_by"), request.user, rule_id)
    versions = rule.versions.all()
    chosen = versions.filter(number=version).first() if version else None
    chosen = chosen or versions.filter(pk=rule.current_id).first()
    provisions = list(chosen.provisions.all()) if chosen else []
    return {
        **_rule(rule, chosen.number if chosen else None),
        "summary": chosen.summary if chosen else "",
        "issues": chosen.issues if chosen else [],
        "provisions": [_provision(p) for p in provisions],
    }


class UploadOut(Schema):
    rule: RuleOut
    created: bool
    summary: str
    issues: list[IssueOut]


@router.post(
    "/upload",
    response={201: UploadOut},
    summary="上传法规制度（.docx/.pdf/.txt）；同名或指定 rule_id 时作为新版本",
)
def rule_upload(
    request,
    file: File[UploadedFile],
    office_id: Form[int | None] = None,
    rule_id: Form[int | None] = None,
    title: Form[str] = "",
    issuer: Form[str] = "",
    doc_number: Form[str] = "",
    issued_on: Form[date | None] = None,
):
    _require_read(request.user)
    rule = access.get_for_user(Rule, request.user, rule_id) if rule_id else None
    if rule is not None and not services.may_manage(request.user, rule.office):
        raise PermissionDenied("只有本机构的巡察办管理员和工作人员可以上传新版本。")
    office = None
    if rule is None:
        offices = access.user_offices(request.user, {"office_admin", "office_staff"})
        if office_id is None and len(offices) == 1:
            office = offices[0]
        else:
            office = next((o for o in offices if o.pk == office_id), None)
            if office is None and access.is_sysadmin(request.user) and office_id:
                office = Office.objects.filter(pk=office_id).first()
        if office is None:
            raise PermissionDenied("只有巡察办管理员和工作人员可以上传法规制度（请指定本机构）。")
    done = services.rule_upload(
        office=office,
        rule=rule,
        uploaded=file,
        actor=request.user,
        title=title,
        issuer=issuer,
        doc_number=doc_number,
        issued_on=issued_on,
    )
    version = done.version
    return Status(
        201,
        {
            "rule": _rule(version.rule, version.number),
            "created": done.created,
            "summary": version.summary,
            "issues": version.issues,
        },
    )


class CiteIn(Schema):
    problem_id: int
    provision_id: int
    note: str = ""


class CitationOut(Schema):
    id: int
    problem_id: int
    provision_id: int
    version: int
    rule_status: str


@router.post("/cite", response={201: CitationOut}, summary="问题（工作底稿）引用条文")
def cite(request, payload: CiteIn):
    problem = access.get_for_user(Problem, request.user, payload.problem_id, "change")
    provision = access.get_for_user(Provision, request.user, payload.provision_id)
    citation = services.citation_create(
        problem=problem, provision=provision, actor=request.user, note=payload.note
    )
    return Status(
        201,
        {
            "id": citation.pk,
            "problem_id": problem.pk,
            "provision_id": provision.pk,
            "version": provision.version.number,
            "rule_status": provision.version.rule.status,
        },
    )


@router.get(
    "/suggest/{int:problem_id}",
    response=list[LibraryHitOut],
    summary="根据问题描述推荐可能适用的条文",
)
def suggest(request, problem_id: int):
    problem = access.get_for_user(
        Problem.objects.select_related("paper"), request.user, problem_id, "change"
    )
    rows, words = search.suggest_for_problem(request.user, problem)
    return [
        {
            "provision": _provision(p),
            "rule": _rule(p.version.rule, p.version.number),
            "snippet_html": str(search.snippet(p, words)),
        }
        for p in rows
    ]
