"""The client's address, as far as this installation can trust it."""

from django.conf import settings


def client_address(request) -> str:
    """The address of the client that sent `request`.

    With XUNCHA_TRUSTED_PROXIES = N, the last N hops (REMOTE_ADDR and the right-most
    X-Forwarded-For entries) are our own proxies, each of which appends the address it
    received from; the client is the hop just before them. Everything further left was
    written by the client and is ignored, so a forged X-Forwarded-For changes nothing.
    With N = 0 (no proxy) the header is ignored altogether.
    """
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()] + [remote]
        # Fewer hops than proxies: the request did not pass all of them; the furthest
        # hop any of our proxies recorded is the best we know.
        remote = hops[-(proxies + 1)] if len(hops) > proxies else hops[0]
    return remote[:45]
