#!/usr/bin/env bash
# Create .venv and install the project. Idempotent: pip only installs what is missing or out
# of range. MATCHER_EXTRAS picks the extras: "dev" (the default: the test tools, torch for the
# sentence-transformers path, and Debian's chromium for the desk's end-to-end test via
# scripts/browser.sh) or "" (the runtime alone, what the demo needs).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=${MATCHER_EXTRAS-dev}
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[bootstrap] creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp=".venv/.installed-$hash-$EXTRAS"
target="."
[ -n "$EXTRAS" ] && target=".[$EXTRAS]"
# The development install holds the runtime: the demo after the tests installs nothing.
if [ -z "$EXTRAS" ] && [ -f ".venv/.installed-$hash-dev" ]; then
  stamp=".venv/.installed-$hash-dev"
fi
if [ ! -f "$stamp" ]; then
  echo "[bootstrap] installing $target" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target" >&2
  rm -f .venv/.installed-*
  touch "$stamp"
fi
case ",$EXTRAS," in
  *,dev,*) scripts/browser.sh ;;
esac
