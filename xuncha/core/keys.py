"""Key material, kept apart from the data.

Every key file of the installation lives in one folder, KEYS_DIR (XUNCHA_KEYS_DIR;
DATA_DIR/keys by default, for development): the petitions master, receipt and
analytics-index keys, the field kit's shared and signing keys, the audit chain key and
the audit checkpoint file. In production the folder belongs outside the data folder and
outside its backups: a stolen database dump or backup then holds no key
(`xuncha check --deploy` warns otherwise, see xuncha/core/checks.py).

Files are created on first use, atomically: concurrent workers all end up reading the
key of the first one. The installation's signing key (Ed25519 by default, SM2 with SM3
when XUNCHA_FIELDKIT_SIGNATURE=sm2) signs field-kit packages and audit checkpoints.
"""

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings

from xuncha.core.errors import DomainError

_SECRETS: dict[str, bytes] = {}


def keys_dir() -> Path:
    configured = getattr(settings, "KEYS_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "keys"


def key_file(name: str, make) -> bytes:
    """The content of KEYS_DIR/<name>, created atomically by `make()` on first use."""
    path = keys_dir() / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(make())
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # the first process wins; the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes().strip()


def secret_key(name: str, env_value: str = "") -> bytes:
    """A 32-byte secret: base64 from the environment, else KEYS_DIR/<name>.key."""
    cache_key = f"{keys_dir()}:{name}:{env_value[:4]}"
    if cache_key in _SECRETS:
        return _SECRETS[cache_key]
    raw = env_value.encode() if env_value else None
    if raw is None:
        raw = key_file(f"{name}.key", lambda: base64.b64encode(secrets.token_bytes(32)))
    key = base64.b64decode(raw)
    if len(key) != 32:
        raise ValueError(f"{name} key must be 32 bytes (base64)")
    _SECRETS[cache_key] = key
    return key


def signature_algorithm() -> str:
    return getattr(settings, "FIELDKIT_SIGNATURE", "ed25519")


class Signer:
    """The installation's signing key (KEYS_DIR/fieldkit-ed25519.key or fieldkit-sm2.key)."""

    def __init__(self, alg: str | None = None):
        alg = alg or signature_algorithm()
        self.alg = alg
        if alg == "ed25519":
            raw = base64.b64decode(
                key_file("fieldkit-ed25519.key", lambda: base64.b64encode(secrets.token_bytes(32)))
            )
            self._key = Ed25519PrivateKey.from_private_bytes(raw)
            self.public = (
                self._key.public_key()
                .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                .hex()
            )
        elif alg == "sm2":
            from gmssl import sm2

            private = key_file("fieldkit-sm2.key", lambda: secrets.token_hex(32).encode()).decode()
            base = sm2.CryptSM2(private_key=private, public_key="")
            self.public = base._kg(int(private, 16), sm2.default_ecc_table["g"])
            self._key = sm2.CryptSM2(private_key=private, public_key=self.public)
        else:
            raise DomainError(f"不支持的签名算法：{alg}")

    def sign(self, digest: bytes) -> bytes:
        if self.alg == "ed25519":
            return self._key.sign(digest)
        return bytes.fromhex(self._key.sign_with_sm3(digest))


def verify_signature(alg: str, public: str, signature: bytes, digest: bytes) -> bool:
    try:
        if alg == "ed25519":
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(signature, digest)
            return True
        if alg == "sm2":
            from gmssl import sm2

            return bool(
                sm2.CryptSM2(private_key="", public_key=public).verify_with_sm3(
                    signature.hex(), digest
                )
            )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return False
