"""Key material apart from the data: one keys folder for every key file, and a deploy check."""

import pytest
from django.core import checks

from xuncha.inspections import fieldkit
from xuncha.petitions import crypto


def _our_warnings():
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return {m.id for m in found if m.id.startswith("xuncha.")}


def test_keys_inside_the_data_dir_are_warned_about(settings):
    settings.KEYS_DIR = ""
    assert {"xuncha.W010", "xuncha.W011"} <= _our_warnings()


def test_a_separate_keys_dir_passes(settings, tmp_path_factory):
    settings.KEYS_DIR = tmp_path_factory.mktemp("keys-apart")
    settings.AUDIT_CHECKPOINT_FILE = ""
    assert _our_warnings() == set()


def test_keys_inside_the_backup_dir_are_warned_about(settings, tmp_path_factory):
    backups = tmp_path_factory.mktemp("backups")
    settings.BACKUP_DIR = backups
    settings.KEYS_DIR = backups / "keys"
    assert "xuncha.W010" in _our_warnings()


def test_checkpoint_file_inside_the_data_dir_is_warned_about(settings, tmp_path_factory):
    settings.KEYS_DIR = tmp_path_factory.mktemp("keys-apart")
    settings.AUDIT_CHECKPOINT_FILE = str(settings.DATA_DIR / "checkpoints.jsonl")
    assert _our_warnings() == {"xuncha.W011"}


@pytest.mark.django_db
def test_every_key_file_goes_to_the_keys_dir(settings, tmp_path_factory):
    from xuncha.audit.services import audit_key, record

    keys = tmp_path_factory.mktemp("keys-apart")
    settings.KEYS_DIR = keys
    crypto.master_key(), crypto.receipt_key(), crypto.analytics_key()
    fieldkit.shared_key(), fieldkit.origin_id(), fieldkit.public_key_line()
    audit_key()
    record(actor="测试", action="update", summary="x")
    names = {p.name for p in keys.iterdir()}
    assert {
        "petitions-master.key",
        "petitions-receipt.key",
        "analytics-index.key",
        "fieldkit.key",
        "fieldkit-origin.id",
        "fieldkit-ed25519.key",
        "audit-chain.key",
        "audit-keyed-from",
    } <= names
    assert not (settings.DATA_DIR / "keys").exists()
