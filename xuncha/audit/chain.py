"""Pure hash-chain arithmetic for the audit log (no Django imports)."""

import hashlib
import json

from gmssl import func, sm3

GENESIS = "0" * 64


def digest(data: bytes, algorithm: str) -> str:
    if algorithm == "sm3":
        return sm3.sm3_hash(func.bytes_to_list(data))
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    raise ValueError(f"unknown audit hash algorithm {algorithm!r}")


def canonical(fields: dict) -> bytes:
    """One byte string per entry: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def entry_hash(prev_hash: str, fields: dict, algorithm: str) -> str:
    return digest(prev_hash.encode() + b"|" + canonical(fields), algorithm)
