"""Abuse resistance for the public channel: rate limits, proof of work, virus scanning.

Rate limits are fixed-window counters in Django's cache (a database table shared by all
workers). The client address is only ever used as an HMAC-tagged cache key that expires
with its window; it is never stored with a submission.
"""

import hashlib
import logging
import secrets
import socket
import struct
import time
from datetime import UTC, datetime, timedelta

import altcha
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError

from xuncha.core.errors import DomainError
from xuncha.core.net import client_address as _client_address
from xuncha.petitions import crypto

log = logging.getLogger("xuncha.petitions")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/h" -> (20, 3600); "0/h" disables."""
    count, _, unit = rate.partition("/")
    return int(count), _UNITS.get(unit.strip() or "h", 3600)


def client_address(request) -> str:
    """The rate-limit identity of the client (xuncha/core/net.py)."""
    return _client_address(request) or "unknown"


def hit(scope: str, ident: str, rate: str) -> bool:
    """Count one event; False when the window's limit is exceeded."""
    limit, window = parse_rate(rate)
    if limit <= 0:
        return True
    bucket = int(time.time() // window)
    key = f"xc:rl:{scope}:{ident}:{bucket}"
    cache.add(key, 0, window + 5)
    try:
        value = cache.incr(key)
    except ValueError:
        cache.set(key, 1, window + 5)
        value = 1
    return value <= limit


_LOCAL = {"bucket": None, "pending": 0, "shared": 0, "flushed": 0.0}
_FLUSH_EVERY = 10  # events
_FLUSH_SECONDS = 1.0


def hit_site(rate: str) -> bool:
    """The site-wide counter, shared through the cache but written in small batches.

    Every worker adds its events to the shared counter at most every 10 events or every
    second, so the limit is exact to within (workers × 10) and intake does not pay a
    cache write per submission.
    """
    limit, window = parse_rate(rate)
    if limit <= 0:
        return True
    now = time.time()
    bucket = int(now // window)
    key = f"xc:rl:submit:site:{bucket}"
    if _LOCAL["bucket"] != bucket:
        _LOCAL.update(bucket=bucket, pending=0, shared=cache.get(key) or 0, flushed=now)
    _LOCAL["pending"] += 1
    if _LOCAL["pending"] >= _FLUSH_EVERY or now - _LOCAL["flushed"] >= _FLUSH_SECONDS:
        cache.add(key, 0, window + 5)
        try:
            _LOCAL["shared"] = cache.incr(key, _LOCAL["pending"])
        except ValueError:
            cache.set(key, _LOCAL["pending"], window + 5)
            _LOCAL["shared"] = _LOCAL["pending"]
        _LOCAL.update(pending=0, flushed=now)
    return _LOCAL["shared"] + _LOCAL["pending"] <= limit


def peek(scope: str, ident: str, rate: str) -> bool:
    """Whether the limit is already exhausted (without counting)."""
    limit, window = parse_rate(rate)
    if limit <= 0:
        return True
    bucket = int(time.time() // window)
    return (cache.get(f"xc:rl:{scope}:{ident}:{bucket}") or 0) < limit


def check_submission_rate(request) -> None:
    source = crypto.source_tag(client_address(request))
    if not hit("submit", source, settings.PETITIONS_RATE_PER_SOURCE):
        log.warning("petitions: per-source submission limit reached")
        raise DomainError("提交过于频繁，请稍后再试。如情况紧急，请拨打公告中的举报电话。")
    if not hit_site(settings.PETITIONS_RATE_SITE):
        log.warning("petitions: site-wide submission limit reached")
        raise DomainError("当前提交人数较多，请稍后再试，或通过公告中的电话、信箱反映。")


def receipt_allowed(request) -> bool:
    return peek("receipt", crypto.source_tag(client_address(request)), _receipt_rate())


def receipt_failed(request) -> None:
    source = crypto.source_tag(client_address(request))
    hit("receipt", source, _receipt_rate())
    if not peek("receipt", source, _receipt_rate()):
        # The limit is reached now: from here this source is refused until the window ends.
        from xuncha.audit.models import Action
        from xuncha.audit.services import record

        record(
            actor=None,
            action=Action.LOGIN_FAILED,
            object_type="petitions.receipt",
            summary="回执码多次输入错误，已限制查询",
            ip="",
        )
    log.warning("petitions: wrong receipt code entered")


def _receipt_rate() -> str:
    return settings.PETITIONS_RATE_RECEIPT_FAILURES


# --- Proof of work (ALTCHA) ---------------------------------------------------------


def new_challenge() -> dict:
    challenge = altcha.create_challenge(
        settings.PETITIONS_POW_ALGORITHM,
        settings.PETITIONS_POW_COST,
        key_prefix=settings.PETITIONS_POW_PREFIX,
        expires_at=datetime.now(UTC) + timedelta(minutes=30),
        hmac_secret=crypto.pow_secret(),
    )
    return challenge.to_dict()


def verify_pow(payload: str) -> str:
    """Check a solved challenge; returns the digest to spend (see `spend`)."""
    if not settings.PETITIONS_POW_ENABLED:
        return ""
    if not payload or len(payload) > 4000:
        raise DomainError("请先完成页面上的“人机验证”，再提交。", field="altcha")
    try:
        parsed = altcha.Payload.from_base64(payload)
        result = altcha.verify_solution(parsed, crypto.pow_secret())
    except Exception:  # malformed base64 / JSON from a forged form
        result = None
    if result is None or not result.verified:
        if result is not None and result.expired:
            raise DomainError("人机验证已过期，请重新验证后提交。", field="altcha")
        raise DomainError("人机验证未通过，请重新验证后提交。", field="altcha")
    # Spent by the challenge, not by the payload's text: the server's signature over the
    # challenge parameters (salt, expiry) names one issued challenge however the JSON
    # around it is re-serialised, padded, extended or re-wrapped in base64.
    return hashlib.sha256(b"altcha-challenge:" + parsed.challenge.signature.encode()).hexdigest()


def spend(digest: str) -> None:
    """Mark a challenge used, in the caller's transaction: a replay is refused."""
    if not digest:
        return
    from xuncha.petitions.models import UsedChallenge

    try:
        from django.db import transaction

        with transaction.atomic():
            # Kept until the challenge could no longer verify anyway, rounded up to the
            # hour so that the row does not date the submission stored beside it.
            keep = (datetime.now(UTC) + timedelta(minutes=91)).replace(
                minute=0, second=0, microsecond=0
            )
            UsedChallenge.objects.create(digest=digest, expires_at=keep)
            if secrets.randbelow(200) == 0:
                UsedChallenge.objects.filter(expires_at__lt=datetime.now(UTC)).delete()
    except IntegrityError:
        raise DomainError(
            "该人机验证已使用过，请重新验证。如您已看到回执码，说明已提交成功，无需重复提交。",
            field="altcha",
        ) from None


def solve(challenge: dict) -> str:
    """Solve a challenge (tests, benchmarks); returns the payload the widget would send."""
    ch = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(ch)
    return altcha.Payload(ch, solution).to_base64()


# --- Virus scanning (clamd INSTREAM) ----------------------------------------------


def scan(data: bytes) -> tuple[str, str]:
    """("clean"|"quarantined"|"unscanned", note). Unconfigured: "unscanned"."""
    path = settings.CLAMD_SOCKET
    if not path:
        return "unscanned", ""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(30)
            sock.connect(path)
            sock.sendall(b"zINSTREAM\0")
            for i in range(0, len(data), 65536):
                chunk = data[i : i + 65536]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        log.error("petitions: clamd unavailable: %s", exc)
        return "quarantined", "病毒扫描服务不可用，文件暂不开放下载"
    text = reply.rstrip(b"\0").decode(errors="replace")
    if text.endswith("OK"):
        return "clean", ""
    return "quarantined", text[-200:]
