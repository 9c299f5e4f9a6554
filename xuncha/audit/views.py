from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from xuncha.audit.models import AuditEntry
from xuncha.org import access


@login_required
def entry_list(request):
    entries = access.visible(AuditEntry.objects.all(), request.user)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/entry_list.html", {"page": page})
