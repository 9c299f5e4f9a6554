"""Benchmark: refusing decompression bombs (issue “trust defects”, item 1).

A 1 GiB-inflating ledger .xlsx and a 9500×9500 PNG go through the shared upload checks
and the ledger parser in a fresh subprocess each; the subprocess reports its seconds and
peak RSS (VmHWM). Target: refused in well under a second, peak RSS ≤ 300 MB.
Run: .venv/bin/python bench/bench_bombs.py   (BENCH_INFLATED_MB, default 1024)
"""

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-bombs-"))

from bench.bombs import png_bomb, xlsx_bomb
from tests.core.test_bombs import refuse_in_subprocess


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
    import django

    django.setup()
    folder = Path(tempfile.mkdtemp(prefix="xc-bombs-"))
    inflated = int(os.environ.get("BENCH_INFLATED_MB", "1024")) * 1048576
    xlsx, png = folder / "ledger.xlsx", folder / "photo.png"
    xlsx_bomb(xlsx, inflated)
    png_bomb(png)
    for path, kind in ((xlsx, "ledger"), (png, "image")):
        result = refuse_in_subprocess(path, kind)
        size = path.stat().st_size / 1024
        print(json.dumps({"file": path.name, "kb": round(size), **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
