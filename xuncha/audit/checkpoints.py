"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint is one JSON line: the head entry's sequence number, hash and time, when it
was written, and a signature by the installation's signing key (Ed25519, or SM2 with
XUNCHA_FIELDKIT_SIGNATURE=sm2; xuncha/core/keys.py). Lines are appended to
XUNCHA_AUDIT_CHECKPOINT_FILE (default KEYS_DIR/audit-checkpoints.jsonl) and also logged
on the `xuncha.audit.checkpoint` logger, so they can be shipped to an external log or
printed (`xuncha audit checkpoint`) and kept elsewhere.

`xuncha audit verify` checks every checkpoint: a chain rewritten up to a checkpoint (even
with the chain key) no longer matches its signed hash, and a chain cut back before a
checkpoint is missing entries the checkpoint saw.
"""

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xuncha.audit.chain import CHECKPOINT, Problem, canonical
from xuncha.core.keys import Signer, keys_dir, signature_algorithm, verify_signature

log = logging.getLogger("xuncha.audit.checkpoint")
_PURPOSE = b"xuncha-audit-checkpoint|"
_SIGNED = ("seq", "hash", "at", "written")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    written: str
    line: int


def checkpoint_path() -> Path:
    configured = settings.AUDIT_CHECKPOINT_FILE
    return Path(configured) if configured else keys_dir() / "audit-checkpoints.jsonl"


def _message(fields: dict) -> bytes:
    return _PURPOSE + canonical({k: fields[k] for k in _SIGNED})


def _own_keys() -> set[tuple[str, str]]:
    """The public keys whose checkpoints count: this installation's own signing keys."""
    keys = {(signature_algorithm(), Signer().public)}
    for alg in ("ed25519", "sm2"):
        if (keys_dir() / f"fieldkit-{alg}.key").exists():
            keys.add((alg, Signer(alg).public))
    return keys


def append(*, seq: int, hash: str, at) -> dict:
    """Sign the head (seq, hash, time) and append it to the checkpoint file."""
    signer = Signer()
    fields = {
        "seq": seq,
        "hash": hash,
        "at": at.isoformat(),
        "written": timezone.now().isoformat(),
    }
    line = {
        **fields,
        "algorithm": signer.alg,
        "public_key": signer.public,
        "signature": signer.sign(_message(fields)).hex(),
    }
    text = json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    log.info("audit checkpoint %s", text.strip())
    return line


def load() -> tuple[list[Checkpoint], Problem | None]:
    """Every checkpoint in the file, each signature checked; the first bad line is a problem."""
    path = checkpoint_path()
    if not path.exists():
        return [], None
    trusted = _own_keys()
    found = []
    with path.open(encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
                ok = (data["algorithm"], data["public_key"]) in trusted and verify_signature(
                    data["algorithm"],
                    data["public_key"],
                    bytes.fromhex(data["signature"]),
                    _message(data),
                )
                seq = int(data["seq"])
            except (ValueError, KeyError, TypeError):
                ok, seq = False, 0
            if not ok:
                return found, Problem(
                    CHECKPOINT,
                    seq,
                    f"检查点文件 {path} 第 {number} 行的签名不符（文件被改动，或不是本系统的密钥签发）",
                    f"line {number} of {path} does not carry a valid signature of this system",
                )
            found.append(Checkpoint(seq, data["hash"], data["at"], data["written"], number))
    return found, None


def pins(checkpoints: list[Checkpoint]) -> tuple[dict[int, str], Problem | None]:
    """{seq: hash} of the checkpoints; two checkpoints disagreeing on one entry is a problem."""
    pinned: dict[int, str] = {}
    for cp in checkpoints:
        if pinned.setdefault(cp.seq, cp.hash) != cp.hash:
            return pinned, Problem(
                CHECKPOINT,
                cp.seq,
                f"检查点文件第 {cp.line} 行与更早的检查点对同一条记录给出不同的哈希值",
                f"line {cp.line} gives another hash for the same entry than an earlier one",
            )
    return pinned, None
