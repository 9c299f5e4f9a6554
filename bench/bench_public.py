"""Benchmark: the public announcement pages against the floor (/ping), gunicorn 2 workers.

    .venv/bin/python bench/bench_public.py [--duration 10] [--port 8160] [--data-dir DIR]

Targets (issue 5): announcement page p95 <= 30 ms and >= 60 % of the floor's throughput.
"""

import argparse
import json
import re
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_intake import DATA_DIR, open_announcement
from bench.common import ROOT, ensure_data, load, print_table, start_server

P95_TARGET_MS = 30
RATIO_TARGET = 0.60


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8160)
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    parser.add_argument("--tool", choices=["wrk", "python"], default=None)
    args = parser.parse_args()

    ensure_data(args.data_dir, scale=1)
    ann = open_announcement(args.data_dir)
    rows = []
    with start_server(args.data_dir, args.port) as server:
        html = urllib.request.urlopen(f"{server.base}/public/a/{ann}/").read().decode()  # noqa: S310
        assert re.search("受理截止日期", html)

        def measure(name, path):
            load(server.base + path, None, args.concurrency, 2, tool=args.tool)
            f = load(server.base + path, None, args.concurrency, args.duration, tool=args.tool)
            rows.append((name, f))
            print(f"  {name}: {f['rps']:.0f} req/s, p95 {f['p95']:.1f} ms", flush=True)
            return f

        floor = measure("/ping (floor)", "/ping")
        page = measure("/public/a/<pk>/ (announcement)", f"/public/a/{ann}/")
        listing = measure("/public/ (announcement list)", "/public/")
        floor_after = measure("/ping (floor, again)", "/ping")
    print()
    print_table(rows, floor["rps"])
    ratio = page["rps"] / max(floor["rps"], floor_after["rps"])
    ok = page["p95"] <= P95_TARGET_MS and ratio >= RATIO_TARGET
    print(
        f"\nannouncement page: p95 {page['p95']:.1f} ms (target <= {P95_TARGET_MS}), "
        f"{ratio:.0%} of floor (target >= {RATIO_TARGET:.0%}): {'MET' if ok else 'NOT MET'}"
    )
    out = ROOT / "bench" / "results" / f"public-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({n: f for n, f in rows} | {"list": listing}, ensure_ascii=False, indent=2)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
