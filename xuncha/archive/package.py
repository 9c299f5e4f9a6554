"""The archive as one signed package: a zip streamed to the client, never built in memory.

Layout: ``records/<seq>-<kind>.json`` (each record's frozen snapshot), ``files/<seq>-<name>``
(each stored file, copied from the file store in 1 MiB blocks), then ``manifest.json``
(the index, every file's SHA-256 and size, the watermark naming the reader) and
``manifest.sig`` (the installation's signing key — the one of the field kit and the audit
checkpoints, `core.keys.Signer` — over the SHA-256 of manifest.json). The manifest carries
the SHA-256 recorded when the inspection was archived, so a file changed in the store
since then makes the package fail verification instead of being signed over.

`verify(path)` checks signature, key, every file's size and hash, and that nothing is
missing or added; `xuncha archive verify <file>` runs it.
"""

import hashlib
import json
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils import timezone

from xuncha.archive.models import ArchiveItem, RecordKind
from xuncha.core.errors import DomainError
from xuncha.core.keys import Signer, signature_algorithm, verify_signature

FORMAT = "xuncha-archive/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
BLOCK = 1 << 20
logger = logging.getLogger("xuncha.archive")


class _Sink:
    """A write-only, unseekable stream: zipfile writes into it, the generator drains it."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._pos = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self):
        pass

    def drain(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def _info(name: str, when) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def manifest_head(archive, *, actor, now) -> dict:
    from xuncha.reports.watermark import watermark_text

    inspection = archive.inspection
    return {
        "format": FORMAT,
        "archive": {
            "number": archive.number,
            "inspection_id": inspection.pk,
            "inspection": str(inspection),
            "office": inspection.office.name,
            "archived_on": archive.archived_on.isoformat(),
            "archived_by": archive.archived_by.get_username(),
            "index_sha256": archive.index_sha256,
        },
        "exported_at": now.isoformat(),
        "exported_by": actor.get_username(),
        "watermark": f"内部资料 注意保密 · {watermark_text(actor, now)}",
    }


def stream(archive, *, actor, now=None) -> Iterator[bytes]:
    """Yield the package in pieces; memory stays at one block plus the manifest."""
    now = now or timezone.localtime()
    head = manifest_head(archive, actor=actor, now=now)
    rows = list(
        ArchiveItem.objects.filter(archive=archive)
        .order_by("seq")
        .values(
            "pk",
            "seq",
            "kind",
            "item_title",
            "record_type",
            "record_id",
            "record_date",
            "retention",
            "expires_on",
            "state",
            "is_file",
            "parent_seq",
            "path",
            "storage_name",
            "size",
            "sha256",
        )
    )
    labels = dict(RecordKind.choices)
    sink = _Sink()
    files = []
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as zf:
        pending = [r for r in rows if not r["is_file"] and r["state"] == ArchiveItem.State.KEPT]
        contents: dict[int, str] = {}
        for start in range(0, len(pending), 200):
            batch = pending[start : start + 200]
            contents = dict(
                ArchiveItem.objects.filter(pk__in=[r["pk"] for r in batch]).values_list(
                    "pk", "snapshot"
                )
            )
            for r in batch:
                data = contents[r["pk"]].encode("utf-8")
                zf.writestr(_info(r["path"], now), data)
                files.append({"path": r["path"], "sha256": r["sha256"], "size": r["size"]})
                yield sink.drain()
        for r in rows:
            if not r["is_file"] or r["state"] != ArchiveItem.State.KEPT:
                continue
            digest = hashlib.sha256()
            size = 0
            with (
                default_storage.open(r["storage_name"], "rb") as src,
                zf.open(_info(r["path"], now), "w", force_zip64=r["size"] > 2**31) as dest,
            ):
                while block := src.read(BLOCK):
                    dest.write(block)
                    digest.update(block)
                    size += len(block)
                    yield sink.drain()
            if digest.hexdigest() != r["sha256"] or size != r["size"]:
                logger.error(
                    "归档文件与归档时的校验值不符：%s（案卷 %s，件号 %s）",
                    r["storage_name"],
                    archive.number,
                    r["seq"],
                )
            files.append({"path": r["path"], "sha256": r["sha256"], "size": r["size"]})
            yield sink.drain()
        manifest = {
            **head,
            "items": [
                {
                    "seq": r["seq"],
                    "kind": r["kind"],
                    "kind_label": str(labels.get(r["kind"], r["kind"])),
                    "title": r["item_title"],
                    "record": f"{r['record_type']}#{r['record_id']}",
                    "date": r["record_date"].isoformat() if r["record_date"] else None,
                    "retention": r["retention"],
                    "expires_on": r["expires_on"].isoformat() if r["expires_on"] else None,
                    "state": r["state"],
                    "file": r["is_file"],
                    "parent_seq": r["parent_seq"],
                    "path": r["path"] if r["state"] == ArchiveItem.State.KEPT else None,
                    "sha256": r["sha256"],
                    "size": r["size"],
                }
                for r in rows
            ],
            "files": files,
        }
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        zf.writestr(_info(MANIFEST, now), body)
        signer = Signer(signature_algorithm())
        signature = {
            "alg": signer.alg,
            "public_key": signer.public,
            "manifest_sha256": hashlib.sha256(body).hexdigest(),
            "signature": signer.sign(hashlib.sha256(body).digest()).hex(),
        }
        zf.writestr(_info(SIGNATURE, now), json.dumps(signature, indent=1).encode())
    yield sink.drain()


# --------------------------------------------------------------------------- verify


@dataclass
class Verified:
    number: str
    files: int
    bytes: int
    exported_by: str
    watermark: str


def trusted_keys() -> set[tuple[str, str]]:
    """This installation's own signing keys (the archive is verified where it was made)."""
    from xuncha.core.keys import keys_dir

    keys = {(signature_algorithm(), Signer(signature_algorithm()).public)}
    for alg in ("ed25519", "sm2"):
        if (keys_dir() / f"fieldkit-{alg}.key").exists():
            keys.add((alg, Signer(alg).public))
    return keys


def verify(path) -> Verified:
    """Refuse (DomainError, in Chinese) a package that is not exactly what was signed."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DomainError(f"不是有效的归档包（无法作为 zip 读取：{exc}）。") from None
    with zf:
        names = [i.filename for i in zf.infolist()]
        if len(names) != len(set(names)):
            raise DomainError("归档包中有重名文件，可能已被篡改。")
        if MANIFEST not in names or SIGNATURE not in names:
            raise DomainError("归档包缺少 manifest.json 或其签名 manifest.sig。")
        try:
            body = zf.read(MANIFEST)
            sig = json.loads(zf.read(SIGNATURE))
            manifest = json.loads(body)
            alg, public = sig["alg"], str(sig["public_key"]).lower()
            signature = bytes.fromhex(sig["signature"])
            listed = {f["path"]: f for f in manifest["files"]}
        except (zipfile.BadZipFile, ValueError, KeyError, TypeError) as exc:
            raise DomainError(f"归档包的清单或签名已损坏（{exc}）。") from None
        if (alg, public) not in trusted_keys():
            raise DomainError("归档包的签名密钥不是本系统的签名密钥，拒绝认可。")
        if not verify_signature(alg, public, signature, hashlib.sha256(body).digest()):
            raise DomainError("清单签名验证失败：manifest.json 已被改动。")
        if manifest.get("format") != FORMAT:
            raise DomainError("归档包格式版本不受支持。")
        present = set(names) - {MANIFEST, SIGNATURE}
        missing = sorted(set(listed) - present)
        if missing:
            raise DomainError(f"归档包缺少 {len(missing)} 个文件：{'、'.join(missing[:5])}。")
        extra = sorted(present - set(listed))
        if extra:
            raise DomainError(f"归档包中有清单以外的文件：{'、'.join(extra[:5])}。")
        total = 0
        for name in names:
            if name not in listed:
                continue
            want = listed[name]
            digest = hashlib.sha256()
            size = 0
            try:
                with zf.open(name) as src:
                    while block := src.read(BLOCK):
                        digest.update(block)
                        size += len(block)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise DomainError(f"文件“{name}”已损坏或被改动（{exc}）。") from None
            if size != want["size"] or digest.hexdigest() != want["sha256"]:
                raise DomainError(f"文件“{name}”的 SHA-256 与清单不符：内容已被改动。")
            total += size
    return Verified(
        number=manifest["archive"]["number"],
        files=len(listed),
        bytes=total,
        exported_by=manifest.get("exported_by", ""),
        watermark=manifest.get("watermark", ""),
    )
