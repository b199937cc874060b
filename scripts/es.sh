#!/usr/bin/env bash
# Run a real single-node Elasticsearch without Docker, from Elastic's minimal test distribution
# on Maven Central (docs/platform.md).
#
#   scripts/es.sh start    download (cached), start on 127.0.0.1, wait for health; a second
#                          start finds the running node and returns at once
#   scripts/es.sh stop     stop the node this script started
#   scripts/es.sh status   exit 0 when the node answers
#
# Environment: MATCHER_ES_VERSION (9.2.4), MATCHER_ES_PORT (9200), MATCHER_ES_HEAP (1g),
# MATCHER_CACHE_DIR (/var/cache/matcher: download and unpacked node; must be
# readable by the ES user, so not under /root), MATCHER_RUN_DIR
# (/var/tmp/matcher: data, logs, pid), MATCHER_ES_USER (matcher-es, created when missing).
set -euo pipefail

ES_VERSION=${MATCHER_ES_VERSION:-9.2.4}
ES_PORT=${MATCHER_ES_PORT:-9200}
ES_HEAP=${MATCHER_ES_HEAP:-1g}
CACHE_DIR=${MATCHER_CACHE_DIR:-/var/cache/matcher}
RUN_DIR=${MATCHER_RUN_DIR:-/var/tmp/matcher}
ES_USER=${MATCHER_ES_USER:-matcher-es}
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
HOME_DIR="$CACHE_DIR/elasticsearch-$ES_VERSION"
NODE_DIR="$RUN_DIR/es-$ES_PORT"
PID_FILE="$NODE_DIR/es.pid"
URL="http://127.0.0.1:$ES_PORT"

log() { echo "[es] $*" >&2; }

healthy() {
  curl -fsS --max-time 2 "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

find_java() {
  # ES 9 needs Java 21 or newer; the machines ship Temurin 25 next to the default OpenJDK 17.
  local candidate
  for candidate in "${ES_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2[1-9]* /usr/lib/jvm/java-2[1-9]-*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    local major
    major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
    if [ "${major:-0}" -ge 21 ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

download() {
  [ -x "$HOME_DIR/bin/elasticsearch" ] && return 0
  mkdir -p "$CACHE_DIR"
  local zip="$CACHE_DIR/elasticsearch-$ES_VERSION.zip"
  if [ ! -s "$zip" ]; then
    command -v mvn >/dev/null || { log "mvn not found: install Maven (apt-get install -y maven)"; exit 1; }
    log "downloading $ARTIFACT from Maven Central"
    mvn -q -B dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$CACHE_DIR" >&2
  fi
  command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip >/dev/null; }
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR/unpack.XXXXXX")
  unzip -q "$zip" -d "$tmp"
  mv "$tmp/elasticsearch-$ES_VERSION" "$HOME_DIR"
  rmdir "$tmp"
}

ensure_user() {
  id "$ES_USER" >/dev/null 2>&1 && return 0
  # Elasticsearch refuses to run as root.
  useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
}

start() {
  if healthy; then log "already running at $URL"; return 0; fi
  local java_home
  java_home=$(find_java) || { log "no Java 21+ found (ES $ES_VERSION needs it); set ES_JAVA_HOME"; exit 1; }
  download
  ensure_user
  mkdir -p "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/config"
  # A private config dir per node: the cached distribution stays read-only and shareable.
  cp -r "$HOME_DIR/config/." "$NODE_DIR/config/"
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
  chown -R "$ES_USER" "$NODE_DIR"
  chmod -R a+rX "$HOME_DIR"
  log "starting Elasticsearch $ES_VERSION on $URL (heap $ES_HEAP, java $java_home)"
  runuser -u "$ES_USER" -- env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$NODE_DIR/config" \
    ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
    "$HOME_DIR/bin/elasticsearch" -d -p "$PID_FILE" >"$NODE_DIR/logs/launch.out" 2>&1 \
    || { log "failed to launch; see $NODE_DIR/logs"; tail -n 30 "$NODE_DIR/logs/"*.log >&2 2>/dev/null || true; exit 1; }
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
  if [ -f "$PID_FILE" ]; then
    local pid
    pid=$(cat "$PID_FILE")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      local i
      for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    log "stopped"
  else
    log "not running (no pid file)"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) healthy && { log "up at $URL"; exit 0; } || { log "down at $URL"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
