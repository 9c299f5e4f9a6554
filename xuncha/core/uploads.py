"""Upload checks shared by every app: size and type, the type judged by content, not name."""

import codecs
import io
from dataclasses import dataclass

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


def check_upload(uploaded, *, max_bytes: int | None = None, allowed=None) -> CheckedUpload:
    """Refuse a file that is too large or whose content is not an allowed type.

    `uploaded` is a Django UploadedFile (or any file with .name, .size, .read, .seek).
    Raises DomainError with a Chinese message; reads only the first 8 KB for the type.
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
        kinds = "、".join(sorted(allowed))
        raise DomainError(f"文件“{uploaded.name}”的内容不是允许的类型（允许：{kinds}）。")
    return CheckedUpload(
        name=str(uploaded.name)[-200:],
        extension=extension,
        content_type=ALLOWED.get(extension, "application/octet-stream"),
        size=size,
    )


def strip_image_metadata(data: bytes, extension: str) -> bytes:
    """Re-encode an image without EXIF/GPS metadata (reporter protection)."""
    if extension not in IMAGE_KINDS:
        return data
    from PIL import Image

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
