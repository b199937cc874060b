#!/usr/bin/env bash
# The README's demo command: install what is missing, start Elasticsearch and Redis, create the
# indexes, load the demo data, print demo tokens, and serve the API (port 8000) and the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=2
# A development admin token unless one is configured; never use this default in production.
export MATCHER_ADMIN_TOKEN=${MATCHER_ADMIN_TOKEN:-demo-admin-token-change-me}

# The runtime alone: the demo needs neither the test tools nor torch nor a browser.
MATCHER_EXTRAS="${MATCHER_EXTRAS-}" scripts/bootstrap.sh
scripts/services.sh start
echo "admin token (demo): $MATCHER_ADMIN_TOKEN"
exec .venv/bin/matcher demo --host "${MATCHER_HOST:-127.0.0.1}" --port "${MATCHER_PORT:-8000}"
