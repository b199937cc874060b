#!/usr/bin/env bash
# Run Debian's redis-server on 127.0.0.1 for arq (jobs) and rate limits.
#
#   scripts/redis.sh start    install redis-server when missing, start it, wait for PONG;
#                             a second start finds the running server
#   scripts/redis.sh stop     stop the server this script started
#   scripts/redis.sh status   exit 0 when it answers PING
#
# Environment: MATCHER_REDIS_PORT (6379), MATCHER_RUN_DIR (/var/tmp/matcher).
set -euo pipefail

PORT=${MATCHER_REDIS_PORT:-6379}
RUN_DIR=${MATCHER_RUN_DIR:-/var/tmp/matcher}
DIR="$RUN_DIR/redis-$PORT"
PID_FILE="$DIR/redis.pid"

log() { echo "[redis] $*" >&2; }

ping() { [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = "PONG" ]; }

install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  log "installing redis-server from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq redis-server >/dev/null
}

start() {
  install
  if ping; then log "already running on 127.0.0.1:$PORT"; return 0; fi
  mkdir -p "$DIR"
  # Append-only file on: queued jobs survive a restart, as they would in production.
  redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes --pidfile "$PID_FILE" \
    --dir "$DIR" --logfile "$DIR/redis.log" --appendonly yes --save "" >/dev/null
  local i
  for i in $(seq 1 50); do
    if ping; then log "up on 127.0.0.1:$PORT"; return 0; fi
    sleep 0.2
  done
  log "did not answer PING; see $DIR/redis.log"
  tail -n 20 "$DIR/redis.log" >&2 2>/dev/null || true
  exit 1
}

stop() {
  if ping; then redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; fi
  rm -f "$PID_FILE"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) ping && { log "up on 127.0.0.1:$PORT"; exit 0; } || { log "down on 127.0.0.1:$PORT"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
