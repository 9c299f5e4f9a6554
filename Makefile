# The two commands of the README. Both install what they need first.
.PHONY: demo test setup setup-test lint bench screenshots

demo: setup
	.venv/bin/xuncha demo

test: setup-test
	scripts/test.sh

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

# Benchmarks (not tests): builds scale-10 data once, runs gunicorn, loads it with wrk.
bench: setup
	@command -v wrk >/dev/null || { SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get install -y -qq wrk || echo "wrk 未安装：使用 Python 负载生成器 (figures less precise)"; }
	.venv/bin/python bench/bench_home.py

# docs/screenshots/: the first screen of every page at 1366 and 390 px and index.md
# (the accessibility crawl with XUNCHA_SCREENSHOTS=1; the images are not committed).
screenshots: setup-test
	XUNCHA_SCREENSHOTS=1 .venv/bin/pytest -q -n 0 -p no:randomly tests/browser/test_accessibility.py
