"""Online backup and restore of an installation (`xuncha backup`, `xuncha restore`).

A backup is two folders written side by side, so the keys can be stored apart:

    <id>/            manifest.json, database.sqlite3 | database.pgdump, uploads/...
    <id>-keys/       manifest.json, keys/...   (a copy of KEYS_DIR)

The database is copied while the server runs: SQLite through its online backup API (one
step, under a read lock: a consistent snapshot), PostgreSQL by `pg_dump` on a snapshot
exported from a REPEATABLE READ transaction, in which the per-table digests are computed
too, so the manifest describes exactly what was dumped. Uploads are copied after the
snapshot (every file the snapshot names is there; a file uploaded meanwhile is an extra).
The data manifest lists the SHA-256 and size of every file, each table's row count and
content digest and the audit chain head; the keys manifest lists its own files and the
SHA-256 of the data manifest, binding the two.

Restore refuses anything but an empty installation and any manifest whose checksums do
not match (nothing is touched before every check passed), restores the database, then
moves the staged uploads and keys into place, compares every table's digest with the
manifest and verifies the audit chain.
"""

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xuncha.core.errors import DomainError
from xuncha.core.keys import keys_dir

FORMAT = "xuncha-backup/1"
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


# --- Digests -----------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _plain(value):
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return "b:" + value.hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _models():
    seen = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        yield model


def table_digests(cursor) -> dict[str, dict]:
    """{table: {"rows": n, "sha256": digest of every row in key order}} for every model
    table, read with `cursor` (a DB-API cursor: plain sqlite3 on a file, or Django's)."""
    result = {}
    qn = connection.ops.quote_name
    for model in sorted(_models(), key=lambda m: m._meta.db_table):
        meta = model._meta
        columns = ", ".join(qn(f.column) for f in meta.concrete_fields)
        # Names from the models, quoted: no user input reaches this statement.
        table, pk = qn(meta.db_table), qn(meta.pk.column)
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {pk}")  # noqa: S608
        h = hashlib.sha256()
        rows = 0
        while batch := cursor.fetchmany(2000):
            for row in batch:
                line = json.dumps([_plain(v) for v in row], sort_keys=True, default=str)
                h.update(line.encode() + b"\n")
                rows += 1
        result[meta.db_table] = {"rows": rows, "sha256": h.hexdigest()}
    return result


def _sqlite_file_digests(path: Path) -> tuple[dict, dict]:
    """Digests and audit head of a SQLite file, read with plain sqlite3 (no converters)."""
    db = sqlite3.connect(path)
    try:
        cursor = db.cursor()
        tables = table_digests(cursor)
        row = cursor.execute("SELECT seq, hash FROM audit_audithead WHERE id = 1").fetchone()
        return tables, {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": ""}
    finally:
        db.close()


def current_digests() -> dict[str, dict]:
    """The table digests of this installation's database now (as a backup would list them)."""
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.sqlite3"
            _sqlite_copy(copy)
            return _sqlite_file_digests(copy)[0]
    with connection.cursor() as cursor:
        return table_digests(cursor)


def _audit_head() -> dict:
    from xuncha.audit.models import AuditHead

    head = AuditHead.objects.filter(pk=1).first()
    return {"seq": head.seq, "hash": head.hash} if head else {"seq": 0, "hash": ""}


def _copy_tree(source: Path, target: Path, *, skip=lambda p: False) -> dict[str, dict]:
    """Copy every regular file below `source` to `target`; {relative path: sha256, size}."""
    files = {}
    if not source.exists():
        return files
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or not path.is_file() or skip(path):
            continue
        rel = path.relative_to(source).as_posix()
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        size = 0
        with open(path, "rb") as src, open(dest, "wb") as out:
            while block := src.read(_CHUNK):
                h.update(block)
                out.write(block)
                size += len(block)
        shutil.copystat(path, dest)
        files[rel] = {"sha256": h.hexdigest(), "size": size}
    return files


def _write_json(path: Path, data: dict) -> bytes:
    raw = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
    path.write_bytes(raw)
    return raw


# --- Backup ------------------------------------------------------------------------


def _sqlite_copy(target: Path) -> None:
    """Copy the live SQLite database with the online backup API, all pages in one step
    (one consistent snapshot; in WAL mode writers go on meanwhile)."""
    connection.ensure_connection()
    dest = sqlite3.connect(target)
    try:
        connection.connection.backup(dest)
        if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise DomainError("备份副本完整性检查未通过，请重试。")
    finally:
        dest.close()


def _sqlite_snapshot(target: Path) -> tuple[dict, dict]:
    _sqlite_copy(target)
    return _sqlite_file_digests(target)


def _pg_env() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["-h", str(s["HOST"])]
    if s.get("PORT"):
        args += ["-p", str(s["PORT"])]
    if s.get("USER"):
        args += ["-U", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise DomainError(f"找不到 {name}：请安装与数据库服务器同一主版本的 PostgreSQL 客户端。")
    version = [tool, "--version"]
    out = subprocess.run(version, capture_output=True, text=True, check=True).stdout  # noqa: S603
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if found is None or int(found.group(1)) < server:
        raise DomainError(
            f"{name} 版本（{out.strip()}）低于数据库服务器（{server}），无法可靠备份或恢复；"
            "请安装同一主版本的 PostgreSQL 客户端。"
        )
    return tool


def _pg_snapshot(target: Path) -> tuple[dict, dict]:
    """pg_dump on a snapshot exported from this transaction; digests in the same snapshot."""
    tool = _pg_tool("pg_dump")
    args, env = _pg_env()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        done = subprocess.run(  # noqa: S603 - the PostgreSQL client with our own settings
            [tool, *args, "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", "-f", str(target), connection.settings_dict["NAME"]],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise DomainError(f"pg_dump 备份数据库失败：{done.stderr.strip()[:500]}")
        with connection.cursor() as cursor:
            tables = table_digests(cursor)
        return tables, _audit_head()


def backup(out_dir, *, keys_out=None, actor="命令行") -> dict:
    """Write a backup into `out_dir` (database, uploads, manifest) and the key material into
    `keys_out` (default: beside it, `<id>-keys`). Returns the data manifest."""
    from xuncha.audit.models import Action
    from xuncha.audit.services import record

    out_dir = Path(out_dir)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    backup_id = f"xuncha-backup-{stamp}"
    target = out_dir / backup_id
    keys_target = Path(keys_out) if keys_out else out_dir / f"{backup_id}-keys"
    for folder in (target, keys_target):
        if folder.exists():
            raise DomainError(f"备份目录已存在：{folder}")
    source_keys = keys_dir().resolve()
    if source_keys == target.resolve() or source_keys in target.resolve().parents:
        raise DomainError("备份目录不能位于密钥目录之内。")
    # Audited first, so the backup holds the entry that says it was taken.
    with transaction.atomic():
        record(
            actor=actor,
            action=Action.EXPORT,
            object_type="core.backup",
            object_id=backup_id,
            summary=f"数据备份 {backup_id}",
            ip="",
        )
    target.mkdir(parents=True)
    try:
        if connection.vendor == "sqlite":
            db_name = "database.sqlite3"
            tables, head = _sqlite_snapshot(target / db_name)
        elif connection.vendor == "postgresql":
            db_name = "database.pgdump"
            tables, head = _pg_snapshot(target / db_name)
        else:
            raise DomainError(f"不支持备份该数据库：{connection.vendor}")
        files = {
            db_name: {
                "sha256": sha256_file(target / db_name),
                "size": (target / db_name).stat().st_size,
            }
        }
        uploads = _copy_tree(Path(settings.MEDIA_ROOT), target / "uploads")
        files.update({f"uploads/{rel}": meta for rel, meta in uploads.items()})
        manifest = {
            "format": FORMAT,
            "id": backup_id,
            "created": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "database": db_name,
            "files": files,
            "tables": tables,
            "audit_head": head,
        }
        raw = _write_json(target / MANIFEST, manifest)
        keys_target.mkdir(parents=True)
        key_files = _copy_tree(
            source_keys, keys_target / "keys", skip=lambda p: p.name.endswith(".tmp")
        )
        _write_json(
            keys_target / MANIFEST,
            {
                "format": FORMAT,
                "id": backup_id,
                "created": manifest["created"],
                "data_manifest_sha256": hashlib.sha256(raw).hexdigest(),
                "files": {f"keys/{rel}": meta for rel, meta in key_files.items()},
            },
        )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(keys_target, ignore_errors=True)
        raise
    return manifest


# --- Checking a backup -------------------------------------------------------------


def _load_manifest(folder: Path, what: str) -> tuple[dict, bytes]:
    path = folder / MANIFEST
    if not path.is_file():
        raise DomainError(f"{what}目录 {folder} 中没有 manifest.json，不是本系统的备份。")
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except ValueError:
        raise DomainError(f"{what}的 manifest.json 无法解析，备份已损坏。") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DomainError(f"{what}的格式不是 {FORMAT}，无法恢复。")
    return data, raw


def _check_files(folder: Path, listed: dict, what: str) -> None:
    """Every listed file present with its size and SHA-256; nothing unlisted beside them."""
    problems = []
    for rel, meta in sorted(listed.items()):
        path = folder / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            problems.append(f"非法路径 {rel}")
        elif not path.is_file():
            problems.append(f"缺少文件 {rel}")
        elif path.stat().st_size != meta.get("size") or sha256_file(path) != meta.get("sha256"):
            problems.append(f"文件 {rel} 的校验值与清单不符")
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    problems += [f"清单外多出文件 {rel}" for rel in sorted(present - set(listed))]
    if problems:
        shown = "；".join(problems[:10]) + ("……" if len(problems) > 10 else "")
        raise DomainError(f"{what}校验未通过，未作任何恢复：{shown}")


def verify(folder, keys_folder=None) -> tuple[dict, dict | None]:
    """Check a backup (and its keys) against their manifests; (data manifest, keys manifest)."""
    folder = Path(folder)
    manifest, raw = _load_manifest(folder, "数据备份")
    _check_files(folder, manifest.get("files", {}), "数据备份")
    keys_manifest = None
    if keys_folder is not None:
        keys_folder = Path(keys_folder)
        keys_manifest, _raw = _load_manifest(keys_folder, "密钥备份")
        if (
            keys_manifest.get("id") != manifest.get("id")
            or keys_manifest.get("data_manifest_sha256") != hashlib.sha256(raw).hexdigest()
        ):
            raise DomainError("密钥备份与数据备份不是同一次备份（清单不对应），未作任何恢复。")
        _check_files(keys_folder, keys_manifest.get("files", {}), "密钥备份")
    return manifest, keys_manifest


def verify_recorded(folder, keys_folder=None, *, actor="命令行") -> tuple[dict, dict | None]:
    """`verify`, with its outcome in the audit log (the operations page reads it back)."""
    from xuncha.audit.models import Action
    from xuncha.audit.services import record
    from xuncha.core.operations import BACKUP_TYPE, VERIFIED_SUMMARY, VERIFY_FAILED_SUMMARY

    backup_id, failure, manifests = Path(folder).name, None, None
    try:
        manifests = verify(folder, keys_folder)
        backup_id = manifests[0].get("id", backup_id)
    except DomainError as error:
        failure = error
    summary = f"{VERIFIED_SUMMARY}{backup_id}"
    if failure is not None:
        summary = f"{VERIFY_FAILED_SUMMARY}{backup_id}：{failure}"
    with transaction.atomic():
        record(
            actor=actor,
            action=Action.READ,
            object_type=BACKUP_TYPE,
            object_id=backup_id,
            summary=summary[:300],
            ip="",
        )
    if failure is not None:
        raise failure
    return manifests


# --- Restore -----------------------------------------------------------------------


def _has_files(folder: Path, *, ignore=()) -> bool:
    return folder.exists() and any(p.is_file() and p.name not in ignore for p in folder.rglob("*"))


def _check_empty(vendor: str) -> None:
    if connection.vendor != vendor:
        raise DomainError(
            f"备份来自 {vendor} 数据库，当前安装使用 {connection.vendor}，不能直接恢复。"
        )
    reasons = []
    if vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        if name.exists() and name.stat().st_size > 0:
            with connection.cursor() as cursor:
                if connection.introspection.table_names(cursor):
                    reasons.append(f"数据库文件 {name} 已有数据表")
    else:
        with connection.cursor() as cursor:
            if connection.introspection.table_names(cursor):
                reasons.append(f"数据库 {connection.settings_dict['NAME']} 已有数据表")
    if _has_files(Path(settings.MEDIA_ROOT)):
        reasons.append(f"上传目录 {settings.MEDIA_ROOT} 不为空")
    if _has_files(keys_dir()):
        reasons.append(f"密钥目录 {keys_dir()} 不为空")
    if reasons:
        raise DomainError(
            "只能恢复到空的安装：" + "；".join(reasons) + "。请新建空数据库和空目录后再恢复。"
        )


def _restore_sqlite(source: Path) -> None:
    name = Path(connection.settings_dict["NAME"])
    connection.close()
    name.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=name.parent, prefix=".restore-", suffix=".sqlite3")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        for suffix in ("-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, name)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _restore_pg(source: Path) -> None:
    tool = _pg_tool("pg_restore")
    args, env = _pg_env()
    connection.close()
    done = subprocess.run(  # noqa: S603 - the PostgreSQL client with our own settings
        [tool, *args, "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", "-d", connection.settings_dict["NAME"], str(source)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise DomainError(f"pg_restore 恢复数据库失败（已整体回滚）：{done.stderr.strip()[:500]}")


def _stage(source: Path, target: Path) -> Path | None:
    """Copy `source` into a hidden folder beside `target`, to be moved in at the end."""
    if not source.exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".restore-{target.name}-"))
    shutil.copytree(source, staged, dirs_exist_ok=True)
    return staged


def _move_in(staged: Path | None, target: Path) -> None:
    if staged is None:
        return
    if target.exists():
        target.rmdir() if not any(target.iterdir()) else shutil.rmtree(target)
    os.replace(staged, target)


def restore(folder, keys_folder, *, actor="命令行") -> dict:
    """Restore a backup into this (empty) installation; a report of what was checked."""
    from xuncha.audit.models import Action
    from xuncha.audit.services import record, verify_chain

    folder, keys_folder = Path(folder), Path(keys_folder)
    manifest, _keys_manifest = verify(folder, keys_folder)
    _check_empty(manifest["vendor"])
    uploads = _stage(folder / "uploads", Path(settings.MEDIA_ROOT))
    keys = _stage(keys_folder / "keys", keys_dir())
    try:
        database = folder / manifest["database"]
        if manifest["vendor"] == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_pg(database)
    except BaseException:
        for staged in (uploads, keys):
            if staged is not None:
                shutil.rmtree(staged, ignore_errors=True)
        raise
    _move_in(uploads, Path(settings.MEDIA_ROOT))
    _move_in(keys, keys_dir())
    if manifest["vendor"] == "sqlite":
        tables = _sqlite_file_digests(Path(connection.settings_dict["NAME"]))[0]
    else:
        with connection.cursor() as cursor:
            tables = table_digests(cursor)
    differing = sorted(
        name for name in set(tables) | set(manifest["tables"])
        if tables.get(name) != manifest["tables"].get(name)
    )  # fmt: skip
    restored_files = {
        rel: sha256_file(Path(settings.MEDIA_ROOT) / rel.removeprefix("uploads/"))
        for rel in manifest["files"]
        if rel.startswith("uploads/")
    }
    bad_files = sorted(
        rel for rel, digest in restored_files.items() if digest != manifest["files"][rel]["sha256"]
    )
    count, problem = verify_chain(write_checkpoint=False)
    report = {
        "id": manifest["id"],
        "tables": len(tables),
        "rows": sum(t["rows"] for t in tables.values()),
        "differing_tables": differing,
        "files": len(restored_files),
        "differing_files": bad_files,
        "audit_entries": count,
        "audit_problem": str(problem) if problem else None,
    }
    if not differing and not bad_files and problem is None:
        with transaction.atomic():
            record(
                actor=actor,
                action=Action.UPDATE,
                object_type="core.backup",
                object_id=manifest["id"],
                summary=f"从备份 {manifest['id']} 恢复",
                changes={"rows": report["rows"], "files": report["files"]},
                ip="",
            )
    return report
