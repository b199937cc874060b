#!/usr/bin/env bash
# The README's test command: install what is missing, start Elasticsearch and Redis, then run
# ruff, mypy (strict) and the whole pytest suite. Exits non-zero if anything fails, including
# a backing service that cannot start (the integration tests are never skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=2

scripts/bootstrap.sh
scripts/services.sh start

echo "== ruff" >&2
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy" >&2
.venv/bin/mypy
echo "== pytest" >&2
mkdir -p artifacts
.venv/bin/python -m pytest --junitxml=artifacts/junit.xml "$@"
