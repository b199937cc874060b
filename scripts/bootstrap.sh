#!/usr/bin/env bash
# Create .venv and install the project with its development tools. Idempotent: pip only
# installs what is missing or out of range. MATCHER_EXTRAS picks the extras (default: dev); with
# dev it also installs Debian's chromium for the desk's end-to-end test (scripts/browser.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=${MATCHER_EXTRAS:-dev}
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[bootstrap] creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-$EXTRAS"
if [ ! -f "$stamp" ]; then
  echo "[bootstrap] installing .[$EXTRAS]" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$EXTRAS]" >&2
  rm -f .venv/.installed-*
  touch "$stamp"
fi
case ",$EXTRAS," in
  *,dev,*) scripts/browser.sh ;;
esac
