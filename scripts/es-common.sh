# Shared by scripts/es.sh (one node) and scripts/es-cluster.sh (three nodes): the cached
# distribution, Java, and the unprivileged user Elasticsearch runs as. Sourced, not run.
#
# Environment: MATCHER_ES_VERSION (9.2.4), MATCHER_CACHE_DIR (/var/cache/matcher: download and
# unpacked node; must be readable by the ES user, so not under /root), MATCHER_RUN_DIR
# (/var/tmp/matcher: data, logs, pids), MATCHER_ES_USER (matcher-es, created when missing).

ES_VERSION=${MATCHER_ES_VERSION:-9.2.4}
CACHE_DIR=${MATCHER_CACHE_DIR:-/var/cache/matcher}
RUN_DIR=${MATCHER_RUN_DIR:-/var/tmp/matcher}
ES_USER=${MATCHER_ES_USER:-matcher-es}
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
HOME_DIR="$CACHE_DIR/elasticsearch-$ES_VERSION"

log() { echo "[es] $*" >&2; }

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

# launch NODE_DIR HEAP: start the node whose config is in NODE_DIR/config, as ES_USER, in the
# background (its pid in NODE_DIR/es.pid).
launch() {
  local node_dir=$1 heap=$2 java_home
  java_home=$(find_java) || { log "no Java 21+ found (ES $ES_VERSION needs it); set ES_JAVA_HOME"; exit 1; }
  chown -R "$ES_USER" "$node_dir"
  chmod -R a+rX "$HOME_DIR"
  runuser -u "$ES_USER" -- env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$node_dir/config" \
    ES_JAVA_OPTS="-Xms$heap -Xmx$heap" \
    "$HOME_DIR/bin/elasticsearch" -d -p "$node_dir/es.pid" >"$node_dir/logs/launch.out" 2>&1 \
    || { log "failed to launch; see $node_dir/logs"; tail -n 30 "$node_dir/logs/"*.log >&2 2>/dev/null || true; exit 1; }
}

# prepare NODE_DIR: its data, logs and a private copy of the distribution's config.
prepare() {
  local node_dir=$1
  mkdir -p "$node_dir/data" "$node_dir/logs" "$node_dir/config"
  # A private config dir per node: the cached distribution stays read-only and shareable.
  cp -r "$HOME_DIR/config/." "$node_dir/config/"
}

# stop_pid PID_FILE: stop that node (TERM, then KILL after 30 s).
stop_pid() {
  local pid_file=$1 pid
  [ -f "$pid_file" ] || return 1
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    local i
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}
