#!/usr/bin/env bash
# Installs Xuncha into .venv and its front-end assets into node_modules (served locally:
# the intranet has no CDN). With --test it also installs Debian's Chromium for the
# browser tests and LibreOffice + poppler-utils for the document layout test.
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$stamp"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--test" ]; then
  if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "CJK"; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "安装浏览器测试所需的 Chromium 与中文字体 (Debian packages chromium, fonts-noto-cjk)…"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
  # tests/reports/test_libreoffice.py converts every official document with LibreOffice
  # and reads the PDF back with pdftotext: 28 characters a line, 22 lines a page.
  if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "安装文书版式测试所需的 LibreOffice 与 poppler-utils (libreoffice-writer-nogui, poppler-utils)…"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      libreoffice-writer-nogui poppler-utils >/dev/null
  fi
fi
