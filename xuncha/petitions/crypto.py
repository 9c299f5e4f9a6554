"""Envelope encryption of submissions and keyed hashing of receipt codes.

Every submission gets its own random data key; its content, the reporter's identity,
its messages and its files are sealed with that key (AES-256-GCM by default, SM4-GCM
when configured). The data key is stored only wrapped by the master key, and the master
key lives outside the database: in XUNCHA_PETITIONS_MASTER_KEY or in
KEYS_DIR/petitions-master.key (generated on first use; xuncha/core/keys.py). Receipt codes are stored
only as HMAC-SHA-256 (or HMAC-SM3) under a second key kept the same way.
"""

import hashlib
import hmac
import json
import secrets
import unicodedata

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from xuncha.analytics.text import strip_invisible
from xuncha.audit.chain import hmac_sm3
from xuncha.core.keys import secret_key

_ALG_AES = 1
_ALG_SM4 = 2
_NONCE = 12

# Receipt codes: no 0/O, 1/I/L look-alikes; 31 symbols, 24 of them = 118 bits.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 24
GROUP = 4
# Dash-like characters outside Unicode's dash category: minus sign, hyphen bullet,
# katakana-hiragana prolonged sound mark (ー, typed for a dash by some input methods).
_DASHES = frozenset("\u2212\u2043\u30fc\uff70_")


def _load_key(name: str, env_value: str) -> bytes:
    return secret_key(name, env_value)


def master_key() -> bytes:
    return _load_key("petitions-master", settings.PETITIONS_MASTER_KEY)


def receipt_key() -> bytes:
    return _load_key("petitions-receipt", settings.PETITIONS_RECEIPT_KEY)


def analytics_key() -> bytes:
    """Key of the analytics blind index and keyed shingle hashes (kept outside the DB)."""
    return _load_key("analytics-index", settings.ANALYTICS_INDEX_KEY)


def blind_token(token: str) -> str:
    """Keyed hash of one text token (search index, shingles): equal tokens give equal
    hashes, but a database dump reveals no text. 16 hex digits (64 bits) each."""
    return hmac.new(analytics_key(), token.encode(), hashlib.sha256).hexdigest()[:16]


def key_id() -> str:
    return hashlib.sha256(b"xuncha-kid" + master_key()).hexdigest()[:16]


def _alg() -> int:
    return _ALG_SM4 if settings.PETITIONS_CIPHER == "sm4-gcm" else _ALG_AES


def _encrypt(alg: int, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    if alg == _ALG_AES:
        return bytes([alg]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)
    enc = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(plaintext) + enc.finalize()
    return bytes([alg]) + nonce + body + enc.tag


def _decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    blob = bytes(blob)
    alg, nonce, body = blob[0], blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
    if alg == _ALG_AES:
        return AESGCM(key).decrypt(nonce, body, aad)
    if alg == _ALG_SM4:
        dec = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce, body[-16:])).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(body[:-16]) + dec.finalize()
    raise ValueError("unknown cipher")


def new_data_key() -> tuple[str, bytes, bytes]:
    """(key id, wrapped data key for the DB, data key for this request only)."""
    data_key = secrets.token_bytes(32)
    wrapped = _encrypt(_alg(), master_key(), data_key, b"xuncha-petitions-dk")
    return key_id(), wrapped, data_key


def unwrap(wrapped: bytes) -> bytes:
    return _decrypt(master_key(), wrapped, b"xuncha-petitions-dk")


def seal(data_key: bytes, plaintext: bytes, purpose: str) -> bytes:
    return _encrypt(_alg(), data_key, plaintext, purpose.encode())


def open_sealed(data_key: bytes, blob: bytes, purpose: str) -> bytes:
    return _decrypt(data_key, blob, purpose.encode())


def seal_json(data_key: bytes, value, purpose: str) -> bytes:
    return seal(data_key, json.dumps(value, ensure_ascii=False).encode(), purpose)


def open_json(data_key: bytes, blob, purpose: str):
    return json.loads(open_sealed(data_key, blob, purpose))


# --- Receipt codes -----------------------------------------------------------------


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one (shape only)."""
    if not isinstance(text, str) or len(text) > 120:
        return None
    # Full-width letters and digits (a Chinese input method's default) become ASCII;
    # any dash-like separator, space or invisible format character is dropped.
    text = unicodedata.normalize("NFKC", strip_invisible(text)).upper()
    cleaned = "".join(
        ch for ch in text if not (ch.isspace() or ch in _DASHES or unicodedata.category(ch) == "Pd")
    )
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_digest(canonical: str) -> str:
    message = canonical.encode()
    if settings.PETITIONS_RECEIPT_HMAC == "sm3":
        return hmac_sm3(receipt_key(), message)
    return hmac.new(receipt_key(), message, hashlib.sha256).hexdigest()


def source_tag(address: str) -> str:
    """A short keyed tag of a client address, used only as a rate-limit key in the cache."""
    return hmac.new(receipt_key(), b"src:" + address.encode(), hashlib.sha256).hexdigest()[:24]


def pow_secret() -> bytes:
    return hmac.new(master_key(), b"altcha-challenge", hashlib.sha256).digest()
