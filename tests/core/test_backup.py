"""`xuncha backup` / `xuncha restore`: a backup restored into a fresh installation (new data
folder, new database) holds every row of every table, every file and a verifying audit
chain; a tampered backup or a non-empty installation is refused before anything changes."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from xuncha.audit.services import record, verify_chain
from xuncha.core import backup
from xuncha.core.errors import DomainError
from xuncha.core.keys import keys_dir
from xuncha.petitions import services as petitions

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]


def _populate(cast):
    for n in range(3):
        petitions.submission_enter(
            office=cast.city,
            inspection=cast.inspections["a"],
            channel="letter",
            data={"kind": "report", "category": "integrity", "text": f"来信反映科长收受礼金{n}"},
            identity={"name": f"张{n}", "contact": "13800000000"},
            files=[SimpleUploadedFile(f"说明{n}.txt", f"附件正文{n}".encode())],
            actor=cast.office_staff,
        )
    other = Path(settings.MEDIA_ROOT) / "study" / "材料.pdf"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_bytes(b"%PDF-1.7 study material")
    record(actor=cast.auditor, action="read", summary="查阅备份测试")


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _fresh_installation(tmp_path):
    """Environment of an empty installation: new data folder and, on PostgreSQL, a new
    empty database (dropped by the caller)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "xuncha.settings"}
    env.pop("XUNCHA_KEYS_DIR", None)
    env["XUNCHA_DATA_DIR"] = str(tmp_path / "restored")
    db_name = None
    if connection.vendor == "postgresql":
        db_name = f"{connection.settings_dict['NAME']}_restore"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{db_name}"')
        s = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/{db_name}"
        )
    else:
        env.pop("DATABASE_URL", None)
    return env, db_name


def _manage(env, *args):
    return subprocess.run(  # noqa: S603 - this checkout's manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_backup_restores_every_row_file_and_the_audit_chain(cast, tmp_path):
    _populate(cast)
    manifest = backup.backup(tmp_path / "backups")
    folder = tmp_path / "backups" / manifest["id"]
    keys = tmp_path / "backups" / f"{manifest['id']}-keys"

    # The manifest describes the installation as it is: every table, row for row.
    assert manifest["tables"] == backup.current_digests()
    assert manifest["tables"]["petitions_submission"]["rows"] == 3
    assert manifest["tables"]["petitions_attachment"]["rows"] == 3
    assert set(_hashes(Path(settings.MEDIA_ROOT))) == {
        rel.removeprefix("uploads/") for rel in manifest["files"] if rel.startswith("uploads/")
    }
    # The key material is apart: no key file in the data backup, every one in the keys backup.
    assert not list(folder.rglob("*.key"))
    assert set(_hashes(keys_dir())) == {
        rel.removeprefix("keys/")
        for rel in json.loads((keys / "manifest.json").read_text())["files"]
    }

    env, db_name = _fresh_installation(tmp_path)
    try:
        done = _manage(env, "restore", str(folder), "--keys", str(keys), "--json")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["differing_tables"] == [] and report["differing_files"] == []
        assert report["audit_problem"] is None and report["audit_entries"] >= 5
        assert report["tables"] == len(manifest["tables"])
        restored = tmp_path / "restored"
        assert _hashes(restored / "uploads") == _hashes(Path(settings.MEDIA_ROOT))
        assert _hashes(restored / "keys") == _hashes(keys_dir())
        # The restored installation works: its submissions decrypt with the restored keys.
        opened = _manage(
            env,
            "shell",
            "-c",
            "from xuncha.petitions import crypto; from xuncha.petitions.models import Submission;"
            "print(sorted(crypto.open_json(crypto.unwrap(s.wrapped_key), s.content_sealed,"
            " 'content')['text'] for s in Submission.objects.all()))",
        )
        assert "来信反映科长收受礼金2" in opened.stdout, opened.stderr
        # A second restore into the now-used installation is refused.
        again = _manage(env, "restore", str(folder), "--keys", str(keys))
        assert again.returncode != 0 and "只能恢复到空的安装" in again.stderr
    finally:
        if db_name:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def test_tampered_or_mismatched_backup_is_refused_before_anything_changes(cast, tmp_path):
    _populate(cast)
    manifest = backup.backup(tmp_path / "b")
    folder = tmp_path / "b" / manifest["id"]
    keys = tmp_path / "b" / f"{manifest['id']}-keys"
    before = backup.current_digests()
    media_before = _hashes(Path(settings.MEDIA_ROOT))

    # A refused restore into this (non-empty) installation: checks first, nothing touched.
    with pytest.raises(DomainError, match="只能恢复到空的安装"):
        backup.restore(folder, keys)

    attachment = next((folder / "uploads" / "petitions").iterdir())
    original = attachment.read_bytes()
    attachment.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(DomainError, match="校验值与清单不符"):
        backup.restore(folder, keys)
    attachment.write_bytes(original)

    # A manifest edited to match a changed file no longer matches the keys backup.
    data = json.loads((folder / "manifest.json").read_text())
    data["tables"]["petitions_submission"]["rows"] = 99
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(DomainError, match="清单不对应"):
        backup.restore(folder, keys)

    # Another backup's keys do not go with this one either; an extra file is found.
    (folder / "uploads" / "extra.bin").write_bytes(b"x")
    with pytest.raises(DomainError, match="清单外多出文件"):
        backup.verify(folder)
    with pytest.raises(DomainError, match=r"没有 manifest\.json"):
        backup.verify(tmp_path / "b")

    assert backup.current_digests() == before
    assert _hashes(Path(settings.MEDIA_ROOT)) == media_before
    assert verify_chain()[1] is None
