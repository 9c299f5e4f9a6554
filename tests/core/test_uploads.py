"""The shared upload checks: type by content, size, and image metadata stripping."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, strip_image_metadata

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_pdf_is_judged_by_its_content_not_its_name():
    checked = check_upload(SimpleUploadedFile("扫描件.bin", PDF))
    assert checked.extension == "pdf"
    assert checked.content_type == "application/pdf"


def test_an_executable_named_pdf_is_refused_in_chinese():
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 100
    with pytest.raises(DomainError) as error:
        check_upload(SimpleUploadedFile("证据.pdf", elf))
    assert "不是允许的类型" in error.value.message


def test_empty_and_oversize_files_are_refused(settings):
    with pytest.raises(DomainError, match="空文件"):
        check_upload(SimpleUploadedFile("a.txt", b""))
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(DomainError, match="超过上限"):
        check_upload(SimpleUploadedFile("a.pdf", PDF + b" " * 2048))


def test_plain_utf8_text_is_accepted_even_when_cut_mid_character():
    text = ("群众反映问题" * 2000).encode()  # the 8 KB window ends inside a character
    assert check_upload(SimpleUploadedFile("note.txt", text)).extension == "txt"


def test_image_metadata_is_stripped_and_pixels_kept():
    exif = Image.Exif()
    exif[0x010F] = "ReporterPhoneMaker"  # camera make: could identify the reporter's phone
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 10, 10)).save(buffer, format="JPEG", exif=exif.tobytes())
    original = buffer.getvalue()

    clean = strip_image_metadata(original, "jpg")

    assert b"ReporterPhoneMaker" in original
    assert b"ReporterPhoneMaker" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (20, 10)
        assert not image.getexif()


def test_non_images_pass_through_unchanged():
    assert strip_image_metadata(PDF, "pdf") == PDF
