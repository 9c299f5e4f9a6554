"""Upload checks shared by every app: size and type, the type judged by content, not name.

Also the abuse limits every upload passes before anything decodes it: Office packages
(zip) are judged by their central directory (inflated size, compression ratio, member
count) and images by the pixel count in their header, so that a small bomb is refused in
milliseconds and without memory. The stored and served name is always a safe name whose
extension is the detected type's (`safe_name`, `content_disposition`).
"""

import codecs
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

import filetype
from django.conf import settings

from xuncha.core.errors import DomainError

# What an office accepts as evidence: documents, scans, photos, recordings, video.
ALLOWED = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ofd": "application/ofd",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/x-wav",
    "amr": "audio/amr",
    "mp4": "video/mp4",
    "txt": "text/plain",
}
IMAGE_KINDS = {"jpg", "png", "gif", "webp"}
# Zip packages: judged by their central directory before any parser opens them.
ZIP_KINDS = {"docx", "xlsx", "pptx", "ofd"}
EXTENSION_FOR = {mime: ext for ext, mime in ALLOWED.items()}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str
    size: int


def _sniff(head: bytes) -> str | None:
    kind = filetype.guess(head)
    if kind is not None:
        ext = kind.extension
        if ext == "zip" and b"Doc_1.xml" in head[:4096]:
            return "ofd"  # 国标版式文档 (GB/T 33190) is a zip package
        return ext
    try:
        # Incremental: a multi-byte character cut at the end of the window is still text.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return "txt" if b"\x00" not in head else None


def check_upload(
    uploaded, *, max_bytes: int | None = None, allowed=None, kinds_label: str = ""
) -> CheckedUpload:
    """Refuse a file that is too large or whose content is not an allowed type.

    `uploaded` is a Django UploadedFile (or any file with .name, .size, .read, .seek).
    Raises DomainError with a Chinese message; reads only the first 8 KB for the type.
    `kinds_label` names the allowed types in that message (default: their extensions).
    """
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, io.SEEK_END)
        size = uploaded.tell()
    if size == 0:
        raise DomainError(f"文件“{uploaded.name}”是空文件，请重新选择。")
    if size > limit:
        mb = size / 1048576
        raise DomainError(
            f"文件“{uploaded.name}”大小为 {mb:.1f} MB，超过上限 {limit // 1048576} MB。"
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    extension = _sniff(head)
    allowed = allowed or ALLOWED
    if extension not in allowed:
        kinds = kinds_label or "、".join(sorted(allowed))
        raise DomainError(f"文件“{uploaded.name}”的内容不是允许的类型（允许：{kinds}）。")
    if extension in ZIP_KINDS:
        check_zip_package(uploaded, name=str(uploaded.name))
        uploaded.seek(0)
    if extension in IMAGE_KINDS:
        check_image_pixels(uploaded, name=str(uploaded.name))
        uploaded.seek(0)
    return CheckedUpload(
        name=safe_name(str(uploaded.name), extension),
        extension=extension,
        content_type=ALLOWED.get(extension, "application/octet-stream"),
        size=size,
    )


def check_zip_package(handle, *, name: str = "") -> None:
    """Refuse a zip package (docx/xlsx/pptx/ofd) that would inflate to an absurd size.

    Reads the central directory only (no member is inflated): the declared sizes bound
    what any parser can later read, since zipfile stops each member at its declared size.
    """
    label = f"文件“{name}”" if name else "文件"
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise DomainError(f"{label}不是有效的 Office 文档（压缩包已损坏）。") from None
    finally:
        handle.seek(0)
    if len(members) > settings.UPLOAD_ZIP_MAX_MEMBERS:
        raise DomainError(
            f"{label}包含 {len(members)} 个内部文件，超过上限 {settings.UPLOAD_ZIP_MAX_MEMBERS} 个，"
            "疑似恶意压缩文件，已拒绝。"
        )
    total = sum(m.file_size for m in members)
    if total > settings.UPLOAD_ZIP_MAX_INFLATED_BYTES:
        raise DomainError(
            f"{label}解压后大小为 {total / 1048576:.0f} MB，超过上限 "
            f"{settings.UPLOAD_ZIP_MAX_INFLATED_BYTES // 1048576} MB，疑似恶意压缩文件，已拒绝。"
        )
    for m in members:
        # Small members compress unevenly (a run of blank cells): judge the large ones only.
        if m.file_size > 1048576 and m.file_size > settings.UPLOAD_ZIP_MAX_RATIO * max(
            m.compress_size, 1
        ):
            raise DomainError(
                f"{label}中的“{m.filename[:60]}”压缩比超过 {settings.UPLOAD_ZIP_MAX_RATIO}:1，"
                "疑似恶意压缩文件，已拒绝。"
            )


def _image_module():
    from PIL import Image

    # Pillow's own guard, at our limit: a warning above it, an error at twice it.
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_IMAGE_PIXELS
    return Image


def _pixel_message(label: str, width: int, height: int) -> str:
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    return (
        f"{label}的尺寸为 {width}×{height} 像素，超过上限 {limit // 1_000_000} 百万像素，"
        "请缩小后再上传。"
    )


def check_image_pixels(handle, *, name: str = "") -> tuple[int, int]:
    """Refuse an image whose header declares too many pixels; nothing is decoded."""
    Image = _image_module()
    label = f"图片“{name}”" if name else "图片"
    handle.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as image:  # lazy: reads the header only
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(f"{label}的像素数超过上限，请缩小后再上传。") from None
    except (OSError, ValueError, SyntaxError):
        raise DomainError(f"{label}已损坏，无法读取，请重新选择。") from None
    finally:
        handle.seek(0)
    if width * height > settings.UPLOAD_MAX_IMAGE_PIXELS:
        raise DomainError(_pixel_message(label, width, height))
    return width, height


# Windows-reserved and path characters; bidi and other format characters (U+202E makes
# “invoice‮fdp.exe” display as “invoiceexe.pdf”) are dropped by category below.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")


def safe_name(name: str, extension: str) -> str:
    """The name to store and serve: no path, no control or bidi characters, and the
    extension of the detected type, whatever the sender called it.

    ``readme.pdf.bat`` with PDF content becomes ``readme.pdf``; ``会议纪要`` becomes
    ``会议纪要.pdf``. The sender's last extension is dropped, then any allowed-type
    extensions before it (``.pdf`` in ``readme.pdf.bat``); ``v1.2.docx`` stays as it is.
    """
    name = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name))
    stem = _EXTENSION.sub("", name)
    while (m := _EXTENSION.search(stem)) and m.group(1).lower() in ALLOWED:
        stem = stem[: m.start()]
    stem = stem.strip(" .")[:150] or "附件"
    return f"{stem}.{extension}" if extension else stem


def download_name(name: str, content_type: str) -> str:
    """`safe_name` for a stored row: the extension follows the stored content type."""
    return safe_name(name, EXTENSION_FOR.get(content_type, "bin"))


def content_disposition(name: str) -> str:
    """An attachment header with an ASCII fallback and the UTF-8 name (RFC 6266/5987)."""
    ascii_name = name.encode("ascii", "ignore").decode() or "attachment"
    ascii_name = re.sub(r'["\\;]', "_", ascii_name)
    if ascii_name.startswith("."):
        ascii_name = "attachment" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def attachment_response(response, name: str, content_type: str):
    """Mark a download response: safe name, attachment, no content sniffing."""
    response["Content-Disposition"] = content_disposition(download_name(name, content_type))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def strip_image_metadata(data: bytes, extension: str) -> bytes:
    """Re-encode an image without EXIF/GPS metadata (reporter protection).

    The pixel limit is checked again from the header before decoding, so that a caller
    that did not go through `check_upload` cannot make this decode a bomb."""
    if extension not in IMAGE_KINDS:
        return data
    Image = _image_module()
    check_image_pixels(io.BytesIO(data))

    with Image.open(io.BytesIO(data)) as image:
        # A new image with the pixels only: EXIF, GPS and text chunks stay behind.
        clean = Image.new(image.mode, image.size)
        clean.paste(image)
        if image.mode == "P":
            clean.putpalette(image.getpalette())
        out = io.BytesIO()
        fmt = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}[extension]
        clean.save(out, format=fmt)
        return out.getvalue()
