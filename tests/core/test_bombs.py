"""Zip and pixel bombs are refused from their headers: fast, and in bounded memory.

Each bomb goes, in a fresh subprocess, through the same steps an upload takes (the
shared `check_upload`, then the decoder: the ledger parser, or the image re-encoding);
the subprocess reports its peak RSS (VmHWM), which counts Pillow's and zlib's C memory
that tracemalloc would miss.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bench.bombs import png_bomb, xlsx_bomb
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, content_disposition, safe_name

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 300

_SCRIPT = r"""
import json, sys, time
import django
django.setup()
from django.core.files import File
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, strip_image_metadata
from xuncha.rectification import ledger

path, kind = sys.argv[1], sys.argv[2]
start = time.perf_counter()
message = ""
with open(path, "rb") as handle:
    f = File(handle, name=path.rsplit("/", 1)[-1])
    try:
        if kind == "ledger":
            check_upload(f, allowed={"xlsx"})
            errors = ledger.parse_workbook(f).errors
            message = errors[0] if errors else ""
        else:
            checked = check_upload(f)
            strip_image_metadata(f.read(), checked.extension)
    except DomainError as exc:
        message = exc.message
seconds = time.perf_counter() - start
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) // 1024
print(json.dumps({"refused": bool(message), "message": message,
                  "seconds": round(seconds, 2), "peak_mb": peak}))
"""


def refuse_in_subprocess(path, kind: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "xuncha.settings"}
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", _SCRIPT, str(path), kind],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    xlsx, png = folder / "台账.xlsx", folder / "photo.png"
    xlsx_bomb(xlsx, 300 * 1048576)  # ≈300 KB on disk
    png_bomb(png)  # 9500×9500, ≈270 KB on disk
    return xlsx, png


def test_a_ledger_zip_bomb_is_refused_fast_and_in_bounded_memory(bombs):
    xlsx, _png = bombs
    assert xlsx.stat().st_size < 2 * 1048576
    result = refuse_in_subprocess(xlsx, "ledger")
    assert result["refused"], result
    assert "疑似恶意压缩文件" in result["message"]
    assert result["seconds"] < 5, result
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


def test_a_pixel_bomb_is_refused_before_decoding(bombs):
    _xlsx, png = bombs
    result = refuse_in_subprocess(png, "image")
    assert result["refused"], result
    assert "像素" in result["message"]
    assert result["seconds"] < 5, result
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


def _docx_with(member: bytes, *, level=9) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("word/document.xml", member)
    return out.getvalue()


def test_office_files_with_an_absurd_ratio_or_size_are_refused(settings):
    # 4 MB of one repeated byte: ratio ≈ 1000:1.
    with pytest.raises(DomainError, match="压缩比超过"):
        check_upload(SimpleUploadedFile("纪要.docx", _docx_with(b"a" * 4 * 1048576)))
    settings.UPLOAD_ZIP_MAX_INFLATED_BYTES = 1048576
    with pytest.raises(DomainError, match="解压后大小"):
        check_upload(SimpleUploadedFile("纪要.docx", _docx_with(os.urandom(1100000), level=0)))


def test_ordinary_office_files_and_photos_pass():
    from docx import Document

    out = io.BytesIO()
    doc = Document()
    for i in range(200):
        doc.add_paragraph(f"第{i}条 巡察发现的问题及整改要求。" * 5)
    doc.save(out)
    assert check_upload(SimpleUploadedFile("报告.docx", out.getvalue())).extension == "docx"
    photo = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 20, 30)).save(photo, format="JPEG")
    assert check_upload(SimpleUploadedFile("现场.jpg", photo.getvalue())).extension == "jpg"


def test_an_image_over_the_pixel_limit_is_refused_in_chinese(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 10_000
    photo = io.BytesIO()
    Image.new("RGB", (200, 100)).save(photo, format="PNG")
    with pytest.raises(DomainError, match=r"像素.*超过上限"):
        check_upload(SimpleUploadedFile("大图.png", photo.getvalue()))


PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("readme.pdf.bat", "readme.pdf"),
        ("invoice.pdf.exe", "invoice.pdf"),
        ("会议纪要", "会议纪要.pdf"),
        ("v1.2 方案.PDF", "v1.2 方案.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\x\\扫描件.pdf", "扫描件.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.pdf"),
        ('a"b;c.pdf', "a_b;c.pdf"),
        (".htaccess", "htaccess.pdf"),
        (".pdf", "附件.pdf"),
    ],
)
def test_files_are_stored_under_a_safe_name_with_the_detected_extension(sent, stored):
    assert check_upload(SimpleUploadedFile(sent, PDF)).name == stored


@given(st.text(max_size=300))
def test_safe_names_never_carry_a_foreign_extension_or_a_path(name):
    safe = safe_name(name, "pdf")
    assert safe.endswith(".pdf") and len(safe) <= 160
    assert not any(c in safe for c in '/\\:*?"<>|') and not safe.startswith(".")
    assert all(ord(c) >= 32 and c not in "\u202e\u202d\u200f" for c in safe)
    header = content_disposition(safe)
    assert header.startswith("attachment; filename=") and "\n" not in header
