#!/usr/bin/env bash
# The whole test suite: lint, migration and deploy checks, then pytest on SQLite and,
# when it answers, on PostgreSQL (127.0.0.1:5432, database "test", trust auth).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export XUNCHA_DATA_DIR=${XUNCHA_DATA_DIR:-$(mktemp -d)}
status=0
step() { echo; echo "== $*"; }

step "ruff check" && .venv/bin/ruff check . || status=1
step "ruff format --check" && .venv/bin/ruff format --check . || status=1
step "makemigrations --check" && $PY manage.py makemigrations --check --dry-run >/dev/null || { echo "模型改动缺少迁移 (missing migrations)"; status=1; }
step "check --deploy (production settings)"
XUNCHA_PRODUCTION=1 XUNCHA_KEYS_DIR="$(mktemp -d)" XUNCHA_ALLOWED_HOSTS=xuncha.example XUNCHA_SECRET_KEY="$($PY -c 'import secrets;print(secrets.token_urlsafe(64))')" \
  $PY manage.py check --deploy --fail-level WARNING || status=1

# Two workers: the suite's machines have two cores (pytest-xdist; each worker its own test DB).
workers=${XUNCHA_TEST_WORKERS:-2}

step "pytest on SQLite"
$PY -m pytest -q -n "$workers" "$@" || status=1

pg_url=${XUNCHA_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if $PY - "$pg_url" <<'PYEOF' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
then
  step "pytest on PostgreSQL ($pg_url)"
  DATABASE_URL="$pg_url" XUNCHA_TEST_DB_NAME=${XUNCHA_TEST_DB_NAME:-test_xuncha_ci} $PY -m pytest -q -n "$workers" "$@" || status=1
else
  step "PostgreSQL at $pg_url does not answer: the PostgreSQL pass is SKIPPED"
fi

echo
if [ $status -eq 0 ]; then echo "== 全部通过 (all checks passed)"; else echo "== 有检查未通过 (some checks FAILED)"; fi
exit $status
