# The two commands of the README. Both install what they need first.
.PHONY: demo test setup setup-test lint bench

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
