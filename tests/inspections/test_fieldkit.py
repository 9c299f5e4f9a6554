"""Offline field kit: round trip, tampered/truncated/replayed packages refused, nothing merged twice."""

import io
import struct

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.reports.fieldwork import full_workspace, make_activity
from xuncha.core.errors import DomainError
from xuncha.inspections import fieldkit
from xuncha.inspections.models import Activity, Attachment, PaperStep, Problem, WorkingPaper
from xuncha.reports.models import FieldkitImport, FieldkitRecord

pytestmark = pytest.mark.django_db

WORKSPACE = [Activity, Attachment, Problem, WorkingPaper, PaperStep]


def export(inspection, path, actor=None):
    with open(path, "wb") as out:
        return fieldkit.export_package(inspection, out, actor=actor)


def set_origin(settings, name):
    (settings.DATA_DIR / "keys").mkdir(exist_ok=True)
    (settings.DATA_DIR / "keys" / "fieldkit-origin.id").write_text(name)


def wipe(inspection):
    for att in Attachment.objects.filter(inspection=inspection):
        att.file.delete(save=False)
    Attachment.objects.filter(inspection=inspection).delete()
    Problem.objects.filter(inspection=inspection).delete()
    Activity.objects.filter(inspection=inspection).delete()


def snapshot(inspection):
    return {
        "activities": sorted(
            Activity.objects.filter(inspection=inspection).values_list("title", flat=True)
        ),
        "problems": sorted(
            Problem.objects.filter(inspection=inspection).values_list(
                "number", "title", "category__code"
            )
        ),
        "papers": sorted(
            WorkingPaper.objects.filter(inspection=inspection).values_list("number", "state")
        ),
        "sources": sorted(
            WorkingPaper.objects.filter(inspection=inspection).values_list(
                "number", "sources__title"
            )
        ),
        "steps": PaperStep.objects.filter(paper__inspection=inspection).count(),
        "files": sorted(
            (a.original_name, a.file.read())
            for a in Attachment.objects.filter(inspection=inspection)
        ),
    }


def test_round_trip_restores_everything(cast, tmp_path, settings):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    before = snapshot(a)
    path = tmp_path / "a.xcfk"
    info = export(a, path, cast.team_leader)
    assert info.counts["inspections.problem"] == 3 and info.files == 2
    assert path.read_bytes()[:6] == fieldkit.MAGIC
    assert "违规发放津补贴".encode() not in path.read_bytes()  # encrypted
    wipe(a)
    result = fieldkit.import_package(path, actor=cast.office_staff)
    assert result.created["inspections.problem"] == 3
    assert result.files == 2
    assert snapshot(a) == before


def test_foreign_package_merges_once(cast, tmp_path, settings):
    """A package of the offline machine: new records merged, and never twice."""
    a = cast.inspections["a"]
    set_origin(settings, "offline-1")
    full_workspace(a, cast.team_leader)
    p1 = tmp_path / "p1.xcfk"
    export(a, p1)
    before = snapshot(a)
    wipe(a)
    set_origin(settings, "office")
    with pytest.raises(DomainError, match="在本系统中不存在"):
        fieldkit.import_package(p1, actor=cast.office_staff)
    result = fieldkit.import_package(p1, actor=cast.office_staff, into=a)
    assert sum(result.created.values()) == 10
    assert snapshot(a) == before
    assert FieldkitRecord.objects.filter(origin="offline-1").count() == 11  # + the inspection
    # the same records travel again in a new package (new id): nothing is merged twice
    make_activity(a, cast.team_member, title="走访青石镇")
    p2 = tmp_path / "p2.xcfk"
    export(a, p2)
    Activity.objects.filter(title="走访青石镇").delete()
    result = fieldkit.import_package(p2, actor=cast.office_staff)
    assert result.created == {label: 0 for label in result.created} | {"inspections.activity": 1}
    assert sum(result.existing.values()) == 10
    assert Problem.objects.filter(inspection=a).count() == 3
    assert Activity.objects.filter(inspection=a).count() == 2


def test_replayed_package_refused(cast, tmp_path):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    path = tmp_path / "a.xcfk"
    export(a, path)
    with pytest.raises(DomainError, match="属于本系统的另一巡察"):
        fieldkit.import_package(path, actor=cast.office_staff, into=cast.inspections["b"])
    fieldkit.import_package(path, actor=cast.office_staff)
    with pytest.raises(DomainError, match=r"已于 .* 导入，不能重复导入"):
        fieldkit.import_package(path, actor=cast.office_staff)
    assert FieldkitImport.objects.count() == 1


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["header", "body", "signature"])
def test_tampered_package_refused(cast, tmp_path, where):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    path = tmp_path / "a.xcfk"
    export(a, path)
    size = path.stat().st_size
    offset = {"header": 20, "body": size // 2, "signature": size - 5}[where]
    _flip(path, offset)
    with pytest.raises(DomainError, match=r"篡改|损坏"):
        fieldkit.import_package(path, actor=cast.office_staff)
    assert not FieldkitImport.objects.exists()


@pytest.mark.parametrize("keep", [0.5, 0.99, "no-signature", "appended"])
def test_truncated_package_refused(cast, tmp_path, keep):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    path = tmp_path / "a.xcfk"
    export(a, path)
    data = path.read_bytes()
    if keep == "no-signature":
        data = data[: -(2 + 64)]
    elif keep == "appended":
        data = data + b"\x00"
    else:
        data = data[: int(len(data) * keep)]
    path.write_bytes(data)
    with pytest.raises(DomainError, match=r"截断|多余内容"):
        fieldkit.import_package(path, actor=cast.office_staff)
    assert not FieldkitImport.objects.exists()


def _frames(data):
    """Split a package into (prefix, [frames], signature block)."""
    (hlen,) = struct.unpack(">I", data[6:10])
    pos = 10 + hlen
    prefix, frames = data[:pos], []
    while True:
        final, length = struct.unpack(">BI", data[pos : pos + 5])
        frames.append(data[pos : pos + 5 + length])
        pos += 5 + length
        if final:
            break
    return prefix, frames, data[pos:]


def _resign(prefix, frames):
    import hashlib

    body = prefix + b"".join(frames)
    signature = fieldkit._Signer("ed25519").sign(hashlib.sha256(body).digest())
    return body + struct.pack(">H", len(signature)) + signature


def test_chunk_order_and_end_are_authenticated(cast, tmp_path, monkeypatch):
    """Even with a valid signature, reordered chunks or a dropped end are refused."""
    monkeypatch.setattr(fieldkit, "CHUNK", 512)
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    path = tmp_path / "a.xcfk"
    export(a, path)
    prefix, frames, _sig = _frames(path.read_bytes())
    assert len(frames) > 3
    swapped = [frames[1], frames[0], *frames[2:]]
    path.write_bytes(_resign(prefix, swapped))
    with pytest.raises(DomainError, match="解密校验失败"):
        fieldkit.import_package(path, actor=cast.office_staff)
    # drop the final frame and mark the last remaining one final: its AAD does not match
    last = bytearray(frames[-2])
    last[0] = 1
    path.write_bytes(_resign(prefix, [*frames[:-2], bytes(last)]))
    with pytest.raises(DomainError, match="解密校验失败"):
        fieldkit.import_package(path, actor=cast.office_staff)
    assert not FieldkitImport.objects.exists()
    assert Problem.objects.filter(inspection=a).count() == 3


def test_untrusted_signer_and_wrong_key_refused(cast, tmp_path, settings):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    path = tmp_path / "a.xcfk"
    export(a, path)
    keys = settings.DATA_DIR / "keys"
    signing = (keys / "fieldkit-ed25519.key").read_bytes()
    (keys / "fieldkit-ed25519.key").unlink()
    with pytest.raises(DomainError, match="不在本系统的信任列表"):
        fieldkit.import_package(path, actor=cast.office_staff)
    # trusting the other machine's public key makes it acceptable again…
    (keys / "fieldkit-ed25519.key").write_bytes(signing)
    line = fieldkit.public_key_line()
    (keys / "fieldkit-ed25519.key").unlink()
    (keys / "fieldkit-trusted").mkdir()
    (keys / "fieldkit-trusted" / "offline.pub").write_text(line)
    # …but a different shared key cannot open it
    (keys / "fieldkit.key").write_bytes(b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
    with pytest.raises(DomainError, match="解密校验失败"):
        fieldkit.import_package(path, actor=cast.office_staff)


def test_sm4_and_sm2(cast, tmp_path, settings):
    settings.FIELDKIT_CIPHER = "sm4-gcm"
    settings.FIELDKIT_SIGNATURE = "sm2"
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    before = snapshot(a)
    path = tmp_path / "a.xcfk"
    export(a, path)
    header = fieldkit.read_header(io.BytesIO(path.read_bytes()))
    assert (header["cipher"], header["signature"]) == ("sm4-gcm", "sm2")
    wipe(a)
    fieldkit.import_package(path, actor=cast.office_staff)
    assert snapshot(a) == before
    _flip(path, path.stat().st_size // 2)
    with pytest.raises(DomainError):
        fieldkit.import_package(path, actor=cast.office_staff)


def test_conflicting_number_rolls_back(cast, tmp_path, settings):
    a = cast.inspections["a"]
    set_origin(settings, "offline-1")
    full_workspace(a, cast.team_leader)
    path = tmp_path / "a.xcfk"
    export(a, path)
    set_origin(settings, "office")
    # the office has its own problem 001 meanwhile (the offline one is unknown here)
    with pytest.raises(DomainError, match="冲突"):
        fieldkit.import_package(path, actor=cast.office_staff, into=a)
    assert not FieldkitImport.objects.exists()
    assert not FieldkitRecord.objects.exists()


@pytest.mark.parametrize(
    "who,status",
    [
        ("office_staff", 200),
        ("team_leader", 200),
        ("team_member", 404),
        ("leading_group", 404),
        ("other_member", 404),
        ("unit_liaison", 404),
        ("outsider", 404),
    ],
)
def test_export_view_access(cast, login, who, status):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    response = login(getattr(cast, who)).post(reverse("reports:fieldkit_export", args=[a.pk]))
    assert response.status_code == status
    if status == 200:
        body = b"".join(response.streaming_content)
        assert body[:6] == fieldkit.MAGIC
        response.close()


def test_import_view(cast, login, tmp_path):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    path = tmp_path / "a.xcfk"
    export(a, path)
    wipe(a)
    url = reverse("reports:fieldkit_import")
    assert login(cast.team_member).get(url).status_code == 404
    assert login(cast.outsider).get(url).status_code == 404
    # the leader of another team may open the page but not import into this inspection
    b_leader = cast.other_member
    b_leader.inspector.memberships.update(role="leader")
    with open(path, "rb") as f:
        page = login(b_leader).post(url, {"package": f})
    assert page.status_code == 200 and "无权" in page.content.decode()
    client = login(cast.team_leader)
    with open(path, "rb") as f:
        response = client.post(url, {"package": f})
    assert response.status_code == 302
    assert Problem.objects.filter(inspection=a).count() == 3
    with open(path, "rb") as f:
        page = client.post(url, {"package": f})
    assert "不能重复导入" in page.content.decode()


def test_command_round_trip(cast, tmp_path, capsys):
    a = cast.inspections["a"]
    full_workspace(a, cast.team_leader)
    path = tmp_path / "cmd.xcfk"
    call_command("fieldkit", "export", str(a.pk), str(path), "--user", "office_staff")
    wipe(a)
    call_command("fieldkit", "import", str(path), "--user", "team_leader")
    assert "新增 10 条" in capsys.readouterr().out
    with pytest.raises(CommandError, match="不能重复导入"):
        call_command("fieldkit", "import", str(path), "--user", "team_leader")
    with pytest.raises(CommandError, match="无权"):
        path2 = tmp_path / "cmd2.xcfk"
        call_command("fieldkit", "export", str(a.pk), str(path2))
        call_command("fieldkit", "import", str(path2), "--user", "other_member")
