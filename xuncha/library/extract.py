"""The text of an uploaded rule document (.docx, .pdf with a text layer, .txt).

Every failure is a DomainError whose Chinese message says what was wrong with the file
(scanned, encrypted, damaged, too long); nothing is saved from a file that fails.
"""

import io
import logging
import re
import unicodedata

from xuncha.core.errors import DomainError

ALLOWED_KINDS = {"docx", "pdf", "txt"}
MAX_PDF_PAGES = 2000
MAX_CHARS = 3_000_000  # about 4,000 pages of dense Chinese text
# Fewer readable characters than this per page: a scan (images) without a text layer.
MIN_CHARS_PER_PAGE = 20


def _docx_text(data: bytes, name: str) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as error:
        raise DomainError(
            f"文件“{name}”不是有效的 Word 文档（.docx），无法读取：{error.__class__.__name__}。"
        ) from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if cell.text not in cells:  # merged cells repeat their text
                    cells.append(cell.text)
            lines.append("\t".join(cells))
    return "\n".join(lines)


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DomainError(
                f"文件“{name}”是加密的 PDF，无法读取其中的文字。请先解除密码保护后再上传。"
            )
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise DomainError(f"文件“{name}”共 {len(pages)} 页，超过上限 {MAX_PDF_PAGES} 页。")
        texts = [page.extract_text() or "" for page in pages]
    except DomainError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError):
        raise DomainError(f"文件“{name}”已损坏或不是有效的 PDF，无法读取。") from None
    readable = sum(len("".join(t.split())) for t in texts)
    if readable < MIN_CHARS_PER_PAGE * max(1, len(texts)):
        raise DomainError(
            f"文件“{name}”共 {len(texts)} 页，但几乎没有可读取的文字（{readable} 个字符），"
            "可能是扫描件（图片）。请上传带文字层的 PDF 或 Word 文档，或先进行文字识别。"
        )
    return fold_radicals("\n".join(texts))


# PDF fonts often map ideographs to the look-alike Kangxi radicals (⼀ U+2F00 for 一):
# those and the CJK radical supplement are folded to the ideographs, nothing else (a
# whole-text NFKC would also turn full-width punctuation into ASCII).
_RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")


def fold_radicals(text: str) -> str:
    return _RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def _txt_text(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(f"文件“{name}”不是 UTF-8 或 GB18030 编码的文本，无法读取。")


def text_of(data: bytes, kind: str, name: str) -> str:
    """The document's text with normalised line ends; DomainError when unreadable."""
    if kind == "docx":
        text = _docx_text(data, name)
    elif kind == "pdf":
        text = _pdf_text(data, name)
    elif kind == "txt":
        text = _txt_text(data, name)
    else:
        raise DomainError(f"文件“{name}”的类型不受支持：法规制度只接受 .docx、.pdf 和 .txt。")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if len(text) > MAX_CHARS:
        raise DomainError(
            f"文件“{name}”的文字有 {len(text):,} 个字符，超过上限 {MAX_CHARS:,} 个，请拆分后上传。"
        )
    if not text.strip():
        raise DomainError(f"文件“{name}”中没有文字内容。")
    return text
