from xuncha.audit.context import current_ip
from xuncha.core.net import client_address


class AuditContextMiddleware:
    """Remembers the client address of the request for the audit entries it writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
