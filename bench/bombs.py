"""Generators of decompression bombs (shared by tests/core/test_bombs.py and bench_bombs.py).

Each writes a small file that would inflate to a huge one, without ever holding the
inflated bytes in memory (streamed compression).
"""

import io
import struct
import zipfile
import zlib


def xlsx_bomb(path, inflated_bytes: int) -> None:
    """A real ledger workbook whose sheet XML repeats one row up to `inflated_bytes`."""
    from openpyxl import Workbook

    from xuncha.rectification.ledger import HEADERS, LEDGER_SHEET

    wb = Workbook()
    ws = wb.active
    ws.title = LEDGER_SHEET
    ws.append(["整改台账"])
    ws.append(HEADERS)
    template = io.BytesIO()
    wb.save(template)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1000
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, data)
                continue
            head, _, rest = data.partition(b"</sheetData>")
            with out.open(info.filename, "w", force_zip64=True) as part:
                part.write(head)
                written = len(head)
                while written < inflated_bytes:
                    part.write(row)
                    written += len(row)
                part.write(b"</sheetData>" + rest)


def png_bomb(path, width: int = 9500, height: int = 9500) -> None:
    """A valid RGB PNG of width×height black pixels (a few hundred KB on disk)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    compressor = zlib.compressobj(9)
    line = b"\x00" + b"\x00" * (width * 3)
    idat = b"".join(compressor.compress(line) for _ in range(height)) + compressor.flush()
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", idat))
        out.write(chunk(b"IEND", b""))
