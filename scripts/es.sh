#!/usr/bin/env bash
# Run a real single-node Elasticsearch without Docker, from Elastic's minimal test distribution
# on Maven Central (docs/platform.md).
#
#   scripts/es.sh start    download (cached), start on 127.0.0.1, wait for health; a second
#                          start finds the running node and returns at once
#   scripts/es.sh stop     stop the node this script started
#   scripts/es.sh status   exit 0 when the node answers
#
# Environment: MATCHER_ES_PORT (9200), MATCHER_ES_HEAP (1g), and those of scripts/es-common.sh
# (version, cache and run directories, the user the node runs as).
set -euo pipefail

ES_PORT=${MATCHER_ES_PORT:-9200}
ES_HEAP=${MATCHER_ES_HEAP:-1g}
# shellcheck source=scripts/es-common.sh
. "$(dirname "$0")/es-common.sh"
NODE_DIR="$RUN_DIR/es-$ES_PORT"
PID_FILE="$NODE_DIR/es.pid"
URL="http://127.0.0.1:$ES_PORT"

healthy() {
  curl -fsS --max-time 2 "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

start() {
  if healthy; then log "already running at $URL"; return 0; fi
  download
  ensure_user
  prepare "$NODE_DIR"
  cat > "$NODE_DIR/config/elasticsearch.yml" <<YML
cluster.name: matcher-local
node.name: matcher-local-$ES_PORT
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $((ES_PORT + 100))
discovery.type: single-node
xpack.security.enabled: false
path.data: $NODE_DIR/data
path.logs: $NODE_DIR/logs
action.destructive_requires_name: false
cluster.routing.allocation.disk.threshold_enabled: false
YML
  log "starting Elasticsearch $ES_VERSION on $URL (heap $ES_HEAP)"
  launch "$NODE_DIR" "$ES_HEAP"
  local i
  for i in $(seq 1 120); do
    if healthy; then log "healthy after ${i}s"; return 0; fi
    sleep 1
  done
  log "not healthy after 120s; last log lines:"
  tail -n 30 "$NODE_DIR/logs/"*.log >&2 2>/dev/null || true
  exit 1
}

listener_pid() {
  # The Elasticsearch process listening on our port, for a node whose pid file was lost.
  command -v ss >/dev/null || return 1
  local pid
  pid=$(ss -ltnpH "sport = :$ES_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q org.elasticsearch \
    && echo "$pid"
}

stop() {
  if [ ! -f "$PID_FILE" ]; then
    local found
    found=$(listener_pid) && echo "$found" > "$PID_FILE"
  fi
  if stop_pid "$PID_FILE"; then log "stopped"; else log "not running (no pid file)"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) healthy && { log "up at $URL"; exit 0; } || { log "down at $URL"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
