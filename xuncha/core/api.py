"""System API: the operations overview for system administrators (GET /api/v1/system/...)."""

from django.core.exceptions import PermissionDenied
from ninja import Router

from xuncha.core import operations
from xuncha.org.access import is_sysadmin

router = Router(tags=["系统运维"])


@router.get(
    "/operations",
    response=dict,
    summary="运行维护概况（系统管理员）：任务进程、备份、数据库、审计链、密钥、证书、磁盘",
)
def operations_overview(request):
    if not is_sysadmin(request.user):
        raise PermissionDenied
    return operations.overview()
