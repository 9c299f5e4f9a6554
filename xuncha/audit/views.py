"""The auditor's pages: browse and filter the log, export it, verify the chain."""

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.audit import labels
from xuncha.audit.forms import EntryFilterForm
from xuncha.audit.models import Action, AuditEntry, may_read_log
from xuncha.audit.services import record, verify_chain
from xuncha.core.sheets import safe_cell
from xuncha.org import access

EXPORT_COLUMNS = [
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "ip",
    "action",
    "object_type",
    "object_id",
    "summary",
    "changes",
    "prev_hash",
    "hash",
    "algorithm",
]
CSV_HEADER = [
    "序号 seq",
    "时间 at",
    "操作人ID actor_id",
    "操作人 actor_name",
    "来源地址 ip",
    "操作 action",
    "对象类型 object_type",
    "对象编号 object_id",
    "摘要 summary",
    "变更内容 changes",
    "前序哈希 prev_hash",
    "哈希 hash",
    "算法 algorithm",
]


def _log(request):
    """The entries this user may read; anyone who is not an auditor gets 403."""
    if not may_read_log(request.user):
        raise PermissionDenied
    return access.visible(AuditEntry.objects.all(), request.user)


@login_required
def entry_list(request):
    form = EntryFilterForm(request.GET or None)
    entries = form.filter(_log(request)).select_related("actor").order_by("-seq")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    page.object_list = labels.annotate(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {"page": page, "form": form, "query": query.urlencode()},
    )


@login_required
def entry_detail(request, pk):
    if not may_read_log(request.user):
        raise PermissionDenied
    entry = access.get_for_user(AuditEntry, request.user, pk)
    labels.annotate([entry])
    return render(
        request,
        "audit/entry_detail.html",
        {"entry": entry, "changes": json.dumps(entry.changes, ensure_ascii=False, indent=2)},
    )


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _cell(value):
    # Logged user input must not become a formula when an auditor opens the CSV file.
    return safe_cell("" if value is None else str(value))


def _row(entry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "ip": entry.ip,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "changes": entry.changes,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "algorithm": entry.algorithm,
    }


def _csv_lines(entries):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)  # BOM: Excel opens UTF-8 correctly
    for entry in entries:
        row = _row(entry)
        row["changes"] = json.dumps(row["changes"], ensure_ascii=False, sort_keys=True)
        yield writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])


def _jsonl_lines(entries):
    for entry in entries:
        yield json.dumps(_row(entry), ensure_ascii=False, sort_keys=True) + "\n"


@login_required
def export(request, fmt):
    """The filtered entries as CSV or JSON Lines, streamed; the export is itself logged."""
    entries = _log(request)
    form = EntryFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "筛选条件有误，请返回修改后再导出。",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    record(
        actor=request.user,
        action=Action.EXPORT,
        object_type="audit.auditentry",
        summary=f"导出审计日志（{'CSV' if fmt == 'csv' else 'JSON Lines'}）",
        changes={"format": fmt, "filters": form.as_filters()},
    )
    rows = form.filter(entries).order_by("seq").iterator(chunk_size=2000)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        name = f"audit-{stamp}.csv"
    else:
        response = StreamingHttpResponse(
            _jsonl_lines(rows), content_type="application/x-ndjson; charset=utf-8"
        )
        name = f"audit-{stamp}.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def verify(request):
    """Walk the chain now and show the result (the same check as `xuncha audit verify`)."""
    _log(request)
    count, problem = verify_chain()
    if problem is None:
        messages.success(request, f"审计链校验通过：共 {count} 条记录，未发现篡改、删除或插入。")
    else:
        messages.error(request, f"审计链校验失败：{problem}")
    return redirect("audit:entry_list")
