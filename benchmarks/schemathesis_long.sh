#!/usr/bin/env bash
# The long schemathesis run: the suite's test (tests/integration/test_schemathesis.py) with
# EXAMPLES generated cases per operation and phase instead of 10. Needs ES and Redis up
# (scripts/services.sh start). Prints date, machine and the outcome; asserts nothing else.
#   benchmarks/schemathesis_long.sh [EXAMPLES]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "date: $(date -u '+%Y-%m-%d %H:%M') UTC; $(uname -srm), $(nproc) cores"
export MATCHER_SCHEMATHESIS_EXAMPLES=${1:-100} OPENBLAS_NUM_THREADS=1
start=$(date +%s)
.venv/bin/python -m pytest -q -p no:randomly --timeout 3600 tests/integration/test_schemathesis.py
echo "examples per operation: $MATCHER_SCHEMATHESIS_EXAMPLES; took $(( $(date +%s) - start )) s"
