"""Offline field kit: an inspection's workspace as one encrypted, signed package, and back.

Teams work on an offline machine during the stay. `export_package()` writes the workspace
(letters, document requests, activities, surveys, problems, working papers and their review
steps, immediate-fix notices, attachments with their bytes) into one file;
`import_package()` verifies it and merges the records it does not know yet.

Package layout (all integers big-endian):

    MAGIC                       b"XCFK\\x01\\n"
    u32 + header JSON           package id, origin, cipher, signature algorithm and public
                                key, salt, the inspection's identity (readable without key)
    frames, each:               u8 final flag, u32 length, ciphertext (+16-byte tag)
    u16 + signature             over SHA-256 of everything before it

The plaintext is a tar stream (`manifest.json`, then `files/<sha256>`) cut into 1 MiB
chunks. Each chunk is sealed with AES-256-GCM (default) or SM4-GCM under a per-package
key derived by HKDF from the shared field-kit key and a random salt; the nonce is the chunk
index, and the additional data binds package id, chunk index and the final flag, so
reordered, dropped or appended chunks and a cut-off end are detected. The signature is
Ed25519 (default) or SM2 with SM3 (gmssl); an import accepts only this system's own key or
a key placed in `KEYS_DIR/fieldkit-trusted/`. Export and import stream with bounded
memory (one chunk plus tar buffers), whatever the size of the attachments.

Keys live in KEYS_DIR (xuncha/core/keys.py; never in the database), generated on first use:
`fieldkit.key` (shared secret: copy it to the offline machine), `fieldkit-origin.id`,
`fieldkit-ed25519.key` / `fieldkit-sm2.key` (signing), `fieldkit-trusted/*.pub`.

Identity: a record is known as `origin:pk` of the system that created it. Imported rows are
mapped in `reports.FieldkitRecord`, so a record is never merged twice and keeps its first
identity when it travels on; a package id is accepted once (`reports.FieldkitImport`).
Records that exist already keep this system's version (no overwrite). References to shared
data (accounts, units, inspectors, taxonomy codes) are matched by natural keys.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import struct
import tarfile
import tempfile
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from xuncha.core.errors import DomainError
from xuncha.core.keys import Signer as _Signer
from xuncha.core.keys import key_file as _key_file
from xuncha.core.keys import keys_dir as _keys_dir
from xuncha.core.keys import signature_algorithm
from xuncha.core.keys import verify_signature as _verify

MAGIC = b"XCFK\x01\n"
CHUNK = 1 << 20
TAG = 16
MAX_HEADER = 64 * 1024
MAX_FRAME = CHUNK + TAG

# Packaged models in dependency order, with the path from each to its inspection.
SPEC: list[tuple[str, str]] = [
    ("inspections.PreInspectionLetter", "inspection"),
    ("inspections.DocumentRequest", "inspection"),
    ("inspections.Activity", "inspection"),
    ("inspections.Survey", "activity__inspection"),
    ("inspections.SurveyQuestion", "survey__activity__inspection"),
    ("inspections.Problem", "inspection"),
    ("inspections.WorkingPaper", "inspection"),
    ("inspections.PaperStep", "paper__inspection"),
    ("inspections.FixNotice", "inspection"),
    ("inspections.Attachment", "inspection"),
]
# Shared data referenced by packaged rows, matched by these fields on import.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "org.user": ("username",),
    "org.unit": ("name", "office__name"),
    "org.office": ("name",),
    "plans.inspector": ("name", "office__name"),
    "plans.round": ("plan__term__office__name", "plan__year", "number"),
    "inspections.taxonomycategory": ("version__code", "code"),
    "inspections.taxonomytheme": (
        "round__plan__term__office__name",
        "round__plan__year",
        "round__number",
        "code",
    ),
}
INSPECTION_LABEL = "plans.inspection"


# --------------------------------------------------------------------------- keys


def origin_id() -> str:
    """This installation's identity in packages (not secret)."""
    return _key_file("fieldkit-origin.id", lambda: secrets.token_hex(8).encode()).decode()


def shared_key() -> bytes:
    env = getattr(settings, "FIELDKIT_KEY", "")
    raw = (
        env.encode()
        if env
        else _key_file("fieldkit.key", lambda: base64.b64encode(secrets.token_bytes(32)))
    )
    key = base64.b64decode(raw)
    if len(key) != 32:
        raise DomainError("离线数据包密钥格式错误（应为 32 字节 base64）。")
    return key


def _cipher() -> str:
    return getattr(settings, "FIELDKIT_CIPHER", "aes-256-gcm")


def _signature_alg() -> str:
    return signature_algorithm()


def trusted_keys() -> set[tuple[str, str]]:
    """(algorithm, public key hex) accepted on import: our own keys and the trusted folder."""
    keys = set()
    for alg in ("ed25519", "sm2"):
        if alg == _signature_alg() or (_keys_dir() / f"fieldkit-{alg}.key").exists():
            keys.add((alg, _Signer(alg).public))
    folder = _keys_dir() / "fieldkit-trusted"
    if folder.is_dir():
        for path in sorted(folder.glob("*.pub")):
            alg, _, public = path.read_text().strip().partition(":")
            if public:
                keys.add((alg.strip(), public.strip().lower()))
    return keys


def public_key_line() -> str:
    """`<alg>:<hex>` for the other system's trusted folder."""
    signer = _Signer(_signature_alg())
    return f"{signer.alg}:{signer.public}"


# --------------------------------------------------------------------------- chunk crypto


def _package_key(salt: bytes, package_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=salt,
        info=b"xuncha-fieldkit|" + package_id.encode(),
    ).derive(shared_key())


def _aad(package_id: str, index: int, final: bool) -> bytes:
    return package_id.encode() + struct.pack(">QB", index, 1 if final else 0)


def _seal(cipher: str, key: bytes, index: int, data: bytes, aad: bytes) -> bytes:
    nonce = struct.pack(">IQ", 0, index)
    if cipher == "aes-256-gcm":
        return AESGCM(key).encrypt(nonce, data, aad)
    enc = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(data) + enc.finalize() + enc.tag


def _open(cipher: str, key: bytes, index: int, blob: bytes, aad: bytes) -> bytes:
    nonce = struct.pack(">IQ", 0, index)
    if cipher == "aes-256-gcm":
        return AESGCM(key).decrypt(nonce, blob, aad)
    if cipher == "sm4-gcm":
        dec = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce, blob[-TAG:])).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(blob[:-TAG]) + dec.finalize()
    raise DomainError(f"数据包使用了不支持的加密算法：{cipher}")


class _HashingWriter:
    def __init__(self, out):
        self.out = out
        self.sha = hashlib.sha256()

    def write(self, data: bytes):
        self.sha.update(data)
        self.out.write(data)


class _EncryptingWriter:
    """File-like sink for tarfile: buffers one chunk, seals it as a frame."""

    def __init__(self, out: _HashingWriter, cipher: str, key: bytes, package_id: str):
        self.out, self.cipher, self.key, self.package_id = out, cipher, key, package_id
        self.buffer = bytearray()
        self.index = 0
        self.closed = False

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:  # keep at least one byte back for the final frame
            self._frame(bytes(self.buffer[:CHUNK]), final=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _frame(self, data: bytes, final: bool):
        blob = _seal(
            self.cipher, self.key, self.index, data, _aad(self.package_id, self.index, final)
        )
        self.out.write(struct.pack(">BI", 1 if final else 0, len(blob)))
        self.out.write(blob)
        self.index += 1

    def close(self):
        if not self.closed:
            self._frame(bytes(self.buffer), final=True)
            self.buffer = bytearray()
            self.closed = True


class _DecryptingReader:
    """File-like source for tarfile: opens frames in order, refuses a missing end."""

    def __init__(self, f, cipher: str, key: bytes, package_id: str):
        self.f, self.cipher, self.key, self.package_id = f, cipher, key, package_id
        self.buffer = b""
        self.pos = 0
        self.index = 0
        self.done = False

    def _next(self) -> bool:
        if self.done:
            return False
        head = self.f.read(5)
        if len(head) < 5:
            raise DomainError("数据包不完整（可能被截断），已拒绝导入。")
        final, length = struct.unpack(">BI", head)
        if final > 1 or length < TAG or length > MAX_FRAME:
            raise DomainError("数据包格式错误或已被篡改，已拒绝导入。")
        blob = self.f.read(length)
        if len(blob) < length:
            raise DomainError("数据包不完整（可能被截断），已拒绝导入。")
        try:
            self.buffer = _open(
                self.cipher,
                self.key,
                self.index,
                blob,
                _aad(self.package_id, self.index, bool(final)),
            )
        except InvalidTag:
            raise DomainError(
                "数据包解密校验失败：内容已被篡改或密钥不匹配，已拒绝导入。"
            ) from None
        self.pos = 0
        self.index += 1
        self.done = bool(final)
        return True

    def read(self, n: int = -1) -> bytes:
        parts = []
        want = n if n is not None and n >= 0 else None
        while want is None or want > 0:
            if self.pos >= len(self.buffer):
                if not self._next():
                    break
                continue
            take = (
                len(self.buffer) - self.pos
                if want is None
                else min(want, len(self.buffer) - self.pos)
            )
            parts.append(self.buffer[self.pos : self.pos + take])
            self.pos += take
            if want is not None:
                want -= take
        return b"".join(parts)


# --------------------------------------------------------------------------- identity


def _model_label(model) -> str:
    return model._meta.label_lower


def _identities(label: str, pks) -> dict:
    """For local pks of a model: their travelling identity `origin:pk`."""
    from xuncha.reports.models import FieldkitRecord

    own = origin_id()
    keys = [str(pk) for pk in pks]
    mapped = (
        {
            r.local_pk: f"{r.origin}:{r.source_pk}"
            for r in FieldkitRecord.objects.filter(model=label, local_pk__in=keys).only(
                "local_pk", "origin", "source_pk"
            )
        }
        if keys
        else {}
    )
    return {pk: mapped.get(str(pk), f"{own}:{pk}") for pk in pks}


def _resolve_uid(label: str, uid: str, created: dict):
    """Local pk for an identity, or None if this system does not have the record."""
    from xuncha.reports.models import FieldkitRecord

    if uid in created.get(label, {}):
        return created[label][uid]
    origin, _, source_pk = uid.partition(":")
    model = apps.get_model(label)
    if origin == origin_id():
        pk = model._meta.pk.to_python(source_pk)
        return pk if model._default_manager.filter(pk=pk).exists() else None
    row = FieldkitRecord.objects.filter(origin=origin, model=label, source_pk=source_pk).first()
    if row is None:
        return None
    return model._meta.pk.to_python(row.local_pk)


def _packaged_models():
    result = []
    for label, path in SPEC:
        try:
            result.append((apps.get_model(label), path))
        except LookupError:  # a model the fieldwork app does not have (yet)
            continue
    return result


# --------------------------------------------------------------------------- export


@dataclass
class PackageInfo:
    package_id: str
    inspection_uid: str
    counts: dict = field(default_factory=dict)
    files: int = 0
    bytes: int = 0


def _natural_key(obj, fields_: tuple[str, ...]) -> list:
    values = []
    for path in fields_:
        value = obj
        for part in path.split("__"):
            value = getattr(value, part, None) if value is not None else None
        values.append(value)
    return values


def _serialize_rows(
    model, rows, uids: dict, packaged_labels: set, nk_cache: dict, ref_uids: dict
) -> list[dict]:
    out = []
    encoder = DjangoJSONEncoder()
    fk_fields = [f for f in model._meta.concrete_fields if f.is_relation]
    plain_fields = [
        f for f in model._meta.concrete_fields if not f.is_relation and not f.primary_key
    ]
    m2m = [f for f in model._meta.many_to_many]
    for obj in rows:
        data: dict = {}
        for f in plain_fields:
            value = f.value_from_object(obj)
            if isinstance(f, models.FileField):
                value = value.name if value else ""
            elif value is not None and not isinstance(value, (str, int, float, bool, list, dict)):
                value = encoder.default(value)
            data[f.name] = value
        for f in fk_fields:
            raw = getattr(obj, f.attname)
            target = _model_label(f.related_model)
            if raw is None:
                data[f.name] = None
            elif target == INSPECTION_LABEL and f.name == "inspection":
                data[f.name] = {"inspection": True}
            elif target in packaged_labels:
                data[f.name] = {"uid": _uid_of(target, raw, ref_uids)}
            elif target in NATURAL_KEYS:
                key = (target, raw)
                if key not in nk_cache:
                    nk_cache[key] = _natural_key(getattr(obj, f.name), NATURAL_KEYS[target])
                data[f.name] = {"nk": nk_cache[key]}
            else:
                data[f.name] = {"pk": raw}
        for f in m2m:
            target = _model_label(f.related_model)
            if target in packaged_labels:
                data[f.name] = {
                    "uids": [
                        _uid_of(target, pk, ref_uids)
                        for pk in getattr(obj, f.name).values_list("pk", flat=True)
                    ]
                }
        out.append({"uid": uids[obj.pk], "fields": data})
    return out


def _uid_of(label: str, pk, cache: dict) -> str:
    bucket = cache.setdefault(label, {})
    if pk not in bucket:
        bucket.update(_identities(label, [pk]))
    return bucket[pk]


def build_manifest(inspection) -> tuple[dict, list]:
    """The workspace's records as JSON-ready data, and the attachments to pack."""
    packaged = _packaged_models()
    labels = {_model_label(m) for m, _ in packaged}
    nk_cache: dict = {}
    ref_uids: dict[str, dict] = {}  # identities of rows packed so far (targets come first)
    sections = []
    attachments = []
    for model, path in packaged:
        qs = model._default_manager.filter(**{path: inspection}).order_by("pk")
        rows = list(qs)
        uids = _identities(_model_label(model), [r.pk for r in rows])
        ref_uids[_model_label(model)] = dict(uids)
        sections.append(
            {
                "label": _model_label(model),
                "rows": _serialize_rows(model, rows, uids, labels, nk_cache, ref_uids),
            }
        )
        if _model_label(model) == "inspections.attachment":
            attachments = rows
    team = getattr(inspection, "team", None)
    inspection_uid = _identities(INSPECTION_LABEL, [inspection.pk])[inspection.pk]
    manifest = {
        "format": 1,
        "inspection": {
            "uid": inspection_uid,
            "label": str(inspection),
            "office": inspection.office.name,
            "stage": inspection.stage,
            "start": inspection.start.isoformat(),
            "end": inspection.end.isoformat(),
            "units": [u.name for u in inspection.units.all()],
        },
        "team": {
            "name": team.name if team else "",
            "members": [
                {
                    "name": m.inspector.name,
                    "role": m.role,
                    "username": m.inspector.user.username if m.inspector.user_id else "",
                }
                for m in (team.members.select_related("inspector__user") if team else [])
            ],
        },
        "models": sections,
        "files": [
            {"sha256": a.sha256, "size": a.size, "name": a.file.name}
            for a in {a.sha256: a for a in attachments}.values()
        ],
    }
    return manifest, attachments


def export_package(inspection, out, *, actor=None) -> PackageInfo:
    """Write the encrypted, signed package of `inspection` to the binary file `out`."""
    manifest, attachments = build_manifest(inspection)
    package_id = secrets.token_hex(16)
    cipher = _cipher()
    signer = _Signer(_signature_alg())
    salt = secrets.token_bytes(16)
    header = {
        "format": 1,
        "package_id": package_id,
        "origin": origin_id(),
        "created_at": timezone.now().isoformat(),
        "cipher": cipher,
        "signature": signer.alg,
        "public_key": signer.public,
        "salt": salt.hex(),
        "inspection": manifest["inspection"],
        "exported_by": actor.get_username() if actor else "",
    }
    header_bytes = json.dumps(header, ensure_ascii=False).encode()
    hashing = _HashingWriter(out)
    hashing.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
    writer = _EncryptingWriter(hashing, cipher, _package_key(salt, package_id), package_id)
    total = 0
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        body = json.dumps(manifest, ensure_ascii=False, cls=DjangoJSONEncoder).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
        seen = set()
        for a in attachments:
            if a.sha256 in seen or not a.file:
                continue
            seen.add(a.sha256)
            info = tarfile.TarInfo(f"files/{a.sha256}")
            info.size = a.file.size
            with a.file.open("rb") as src:
                tar.addfile(info, src)
            total += info.size
    writer.close()
    signature = signer.sign(hashing.sha.digest())
    out.write(struct.pack(">H", len(signature)) + signature)
    return PackageInfo(
        package_id=package_id,
        inspection_uid=manifest["inspection"]["uid"],
        counts={s["label"]: len(s["rows"]) for s in manifest["models"]},
        files=len(manifest["files"]),
        bytes=total,
    )


# --------------------------------------------------------------------------- import


@dataclass
class ImportResult:
    package_id: str
    inspection_id: int
    created: dict = field(default_factory=dict)
    existing: dict = field(default_factory=dict)
    files: int = 0


def read_header(f) -> dict:
    magic = f.read(len(MAGIC))
    if magic != MAGIC:
        raise DomainError("这不是本系统导出的离线数据包（文件格式不符）。")
    raw_len = f.read(4)
    if len(raw_len) < 4:
        raise DomainError("数据包不完整（可能被截断），已拒绝导入。")
    (length,) = struct.unpack(">I", raw_len)
    if length > MAX_HEADER:
        raise DomainError("数据包格式错误或已被篡改，已拒绝导入。")
    raw = f.read(length)
    if len(raw) < length:
        raise DomainError("数据包不完整（可能被截断），已拒绝导入。")
    try:
        header = json.loads(raw)
        for key in ("package_id", "origin", "cipher", "signature", "public_key", "salt"):
            if not isinstance(header[key], str):
                raise ValueError(key)
        header["inspection"]["uid"]
    except (ValueError, KeyError, TypeError):
        raise DomainError("数据包头信息损坏，已拒绝导入。") from None
    header["_raw"] = MAGIC + raw_len + raw
    return header


def verify_package(path) -> dict:
    """Check structure and signature of the whole file (streaming); return its header."""
    with open(path, "rb") as f:
        header = read_header(f)
        sha = hashlib.sha256(header["_raw"])
        saw_final = False
        while not saw_final:
            head = f.read(5)
            if len(head) < 5:
                raise DomainError("数据包不完整（可能被截断），已拒绝导入。")
            final, length = struct.unpack(">BI", head)
            if final > 1 or length < TAG or length > MAX_FRAME:
                raise DomainError("数据包格式错误或已被篡改，已拒绝导入。")
            sha.update(head)
            remaining = length
            while remaining:
                block = f.read(min(remaining, 1 << 16))
                if not block:
                    raise DomainError("数据包不完整（可能被截断），已拒绝导入。")
                sha.update(block)
                remaining -= len(block)
            saw_final = bool(final)
        raw_len = f.read(2)
        if len(raw_len) < 2:
            raise DomainError("数据包缺少签名（可能被截断），已拒绝导入。")
        (sig_len,) = struct.unpack(">H", raw_len)
        signature = f.read(sig_len)
        if len(signature) < sig_len:
            raise DomainError("数据包缺少签名（可能被截断），已拒绝导入。")
        if f.read(1):
            raise DomainError("数据包末尾有多余内容，可能已被篡改，已拒绝导入。")
    alg, public = header["signature"], header["public_key"].lower()
    if (alg, public) not in trusted_keys():
        raise DomainError("数据包的签名密钥不在本系统的信任列表中，已拒绝导入。")
    if not _verify(alg, public, signature, sha.digest()):
        raise DomainError("数据包签名验证失败：内容已被篡改，已拒绝导入。")
    return header


def target_inspection(header: dict, into=None):
    """The local inspection the package belongs to (or `into`, which is then remembered)."""
    from xuncha.plans.models import Inspection

    pk = _resolve_uid(INSPECTION_LABEL, header["inspection"]["uid"], {})
    if into is not None:
        if pk is not None and pk != into.pk:
            raise DomainError(
                f"数据包属于本系统的另一巡察（编号 {pk}），不能导入到巡察 {into.pk}。"
            )
        return into
    if pk is None:
        raise DomainError(
            f"数据包所属的巡察（{header['inspection'].get('label', '')}）在本系统中不存在，"
            "请先确认巡察后再导入。"
        )
    return Inspection.objects.get(pk=pk)


def check_replay(header: dict):
    from xuncha.reports.models import FieldkitImport

    done = FieldkitImport.objects.filter(package_id=header["package_id"]).first()
    if done is not None:
        when = timezone.localtime(done.imported_at)
        raise DomainError(
            f"该数据包（编号 {header['package_id'][:12]}…）已于 {when:%Y-%m-%d %H:%M} 导入，"
            "不能重复导入。"
        )


def _store_file(storage, name: str, src, sha: str, size: int, written: list):
    """Stream one attachment into storage under its name; verify its hash."""
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(delete=False, dir=settings.DATA_DIR) as tmp:
        remaining = size
        while remaining:
            block = src.read(min(remaining, 1 << 16))
            if not block:
                break
            digest.update(block)
            tmp.write(block)
            remaining -= len(block)
    try:
        if digest.hexdigest() != sha:
            raise DomainError("数据包中的附件校验值不符，已拒绝导入。")
        if not storage.exists(name):
            with open(tmp.name, "rb") as f:
                saved = storage.save(name, f)
            written.append(saved)
    finally:
        os.unlink(tmp.name)


def import_package(path, *, actor, into=None, authorize=None) -> ImportResult:
    """Verify, decrypt and merge a package. `authorize(inspection)` raises if not allowed."""
    from django.core.files.storage import default_storage

    from xuncha.audit.models import Action
    from xuncha.audit.services import record
    from xuncha.reports.models import FieldkitImport

    header = verify_package(path)
    check_replay(header)
    inspection = target_inspection(header, into)
    if authorize is not None:
        authorize(inspection)
    key = _package_key(bytes.fromhex(header["salt"]), header["package_id"])
    manifest = None
    files_written: list[str] = []
    expected_names: dict[str, str] = {}
    try:
        with open(path, "rb") as f:
            read_header(f)
            reader = _DecryptingReader(f, header["cipher"], key, header["package_id"])
            try:
                with tarfile.open(fileobj=reader, mode="r|") as tar:
                    for member in tar:
                        src = tar.extractfile(member) if member.isfile() else None
                        if src is None:
                            continue
                        if member.name == "manifest.json" and manifest is None:
                            manifest = json.loads(src.read())
                            expected_names = {x["sha256"]: x["name"] for x in manifest["files"]}
                        elif member.name.startswith("files/") and manifest is not None:
                            sha = member.name[len("files/") :]
                            if sha not in expected_names:
                                raise DomainError("数据包中有清单之外的文件，已拒绝导入。")
                            name = expected_names[sha]
                            if not name.startswith("inspections/") or ".." in name:
                                raise DomainError("数据包中的附件路径不合法，已拒绝导入。")
                            _store_file(default_storage, name, src, sha, member.size, files_written)
                        else:
                            raise DomainError("数据包内容不符合格式，已拒绝导入。")
                # tar stops at its end marker; the sealed stream must end right there
                while reader.read(1 << 16):
                    pass
            except tarfile.TarError:
                raise DomainError("数据包内容损坏，已拒绝导入。") from None
        if manifest is None or not reader.done:
            raise DomainError("数据包不完整（可能被截断），已拒绝导入。")
        result = _merge(manifest, header, inspection, actor)
    except BaseException:
        for name in files_written:  # content-addressed files this import added
            default_storage.delete(name)
        raise
    result.files = len(files_written)
    with transaction.atomic():
        row = FieldkitImport.objects.get(package_id=header["package_id"])
        record(
            actor=actor,
            action=Action.CREATE,
            obj=row,
            summary=f"导入离线数据包 {header['package_id'][:12]}",
            changes={"created": result.created, "existing": result.existing},
        )
    return result


def _merge(manifest: dict, header: dict, inspection, actor) -> ImportResult:
    from xuncha.reports.models import FieldkitImport, FieldkitRecord

    origin = header["origin"]
    result = ImportResult(package_id=header["package_id"], inspection_id=inspection.pk)
    nk_cache: dict = {}
    with transaction.atomic():
        try:
            package = FieldkitImport.objects.create(
                package_id=header["package_id"],
                inspection=inspection,
                origin=origin,
                created_at=header.get("created_at") or timezone.now(),
                imported_by=actor,
            )
        except IntegrityError:
            raise DomainError("该数据包已导入，不能重复导入。") from None
        if origin != origin_id():
            uid = header["inspection"]["uid"]
            o, _, spk = uid.partition(":")
            if (
                o != origin_id()
                and not FieldkitRecord.objects.filter(
                    origin=o, model=INSPECTION_LABEL, source_pk=spk
                ).exists()
            ):
                FieldkitRecord.objects.create(
                    origin=o,
                    model=INSPECTION_LABEL,
                    source_pk=spk,
                    local_pk=str(inspection.pk),
                    package=package,
                )
        created: dict[str, dict] = {}
        packaged = {_model_label(m): m for m, _ in _packaged_models()}
        for section in manifest.get("models", []):
            label = section["label"]
            model = packaged.get(label)
            if model is None:
                if section["rows"]:
                    raise DomainError(f"本系统不支持数据包中的记录类型“{label}”。")
                continue
            n_new = n_old = 0
            for row in section["rows"]:
                uid = row["uid"]
                if _resolve_uid(label, uid, created) is not None:
                    n_old += 1
                    continue
                obj, m2m = _build(model, row["fields"], inspection, created, nk_cache, actor)
                try:
                    with transaction.atomic():
                        obj.save()
                except IntegrityError:
                    raise DomainError(
                        f"{model._meta.verbose_name}“{obj}”与本系统已有记录冲突（如编号重复），"
                        "导入已取消，请核对后重试。"
                    ) from None
                for name, pks in m2m.items():
                    getattr(obj, name).set(pks)
                o, _, spk = uid.partition(":")
                created.setdefault(label, {})[uid] = obj.pk
                if o != origin_id():
                    FieldkitRecord.objects.create(
                        origin=o, model=label, source_pk=spk, local_pk=str(obj.pk), package=package
                    )
                n_new += 1
            result.created[label] = n_new
            result.existing[label] = n_old
        package.counts = {"created": result.created, "existing": result.existing}
        package.save(update_fields=["counts"])
    return result


def _build(model, data: dict, inspection, created, nk_cache, actor):
    kwargs = {}
    m2m = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name not in data:
            continue
        value = data[f.name]
        if not f.is_relation:
            if isinstance(f, models.FileField):
                kwargs[f.name] = value
            else:
                kwargs[f.name] = f.to_python(value) if value is not None else None
            continue
        if value is None:
            kwargs[f.attname] = None
            continue
        target = _model_label(f.related_model)
        if value.get("inspection"):
            kwargs[f.attname] = inspection.pk
        elif "uid" in value:
            pk = _resolve_uid(target, value["uid"], created)
            if pk is None:
                raise DomainError(
                    f"数据包中的{model._meta.verbose_name}引用了缺失的"
                    f"{f.related_model._meta.verbose_name}，已拒绝导入。"
                )
            kwargs[f.attname] = pk
        elif "nk" in value:
            kwargs[f.attname] = _lookup_natural(f.related_model, target, value["nk"], nk_cache)
        else:
            pk = value.get("pk")
            if not f.related_model._default_manager.filter(pk=pk).exists():
                raise DomainError(
                    f"数据包引用的{f.related_model._meta.verbose_name}（编号 {pk}）在本系统中不存在。"
                )
            kwargs[f.attname] = pk
    for f in model._meta.many_to_many:
        value = data.get(f.name)
        if value and "uids" in value:
            target = _model_label(f.related_model)
            pks = [_resolve_uid(target, uid, created) for uid in value["uids"]]
            m2m[f.name] = [pk for pk in pks if pk is not None]
    return model(**kwargs), m2m


def _lookup_natural(model, label: str, values: list, cache: dict):
    key = (label, json.dumps(values, ensure_ascii=False, default=str))
    if key in cache:
        return cache[key]
    fields_ = NATURAL_KEYS[label]
    matches = list(
        model._default_manager.filter(**dict(zip(fields_, values, strict=True))).values_list(
            "pk", flat=True
        )[:2]
    )
    if len(matches) != 1:
        shown = " / ".join(str(v) for v in values if v not in (None, ""))
        reason = "在本系统中不存在" if not matches else "在本系统中不唯一"
        raise DomainError(
            f"数据包引用的{model._meta.verbose_name}“{shown}”{reason}，请先在本系统中补录后再导入。"
        )
    cache[key] = matches[0]
    return matches[0]
