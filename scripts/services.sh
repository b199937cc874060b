#!/usr/bin/env bash
# Start, stop or check both backing services: Elasticsearch (scripts/es.sh) and Redis
# (scripts/redis.sh). Exits non-zero when either cannot start.
set -euo pipefail
here="$(dirname "$0")"
case "${1:-}" in
  start) "$here/redis.sh" start && "$here/es.sh" start ;;
  stop) "$here/es.sh" stop; "$here/redis.sh" stop ;;
  status) "$here/redis.sh" status && "$here/es.sh" status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
