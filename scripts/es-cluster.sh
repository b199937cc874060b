#!/usr/bin/env bash
# A three-node Elasticsearch cluster on loopback, from the same distribution as scripts/es.sh
# (docs/operations.md, "A three-node cluster"). Each node is master-eligible and holds data.
#
#   scripts/es-cluster.sh start        start the three nodes, wait for a green cluster
#   scripts/es-cluster.sh stop         stop them (data kept)
#   scripts/es-cluster.sh destroy      stop them and delete their data
#   scripts/es-cluster.sh kill N       kill -9 node N (1-3), as a crash would
#   scripts/es-cluster.sh start-node N start node N again (it rejoins)
#   scripts/es-cluster.sh status       the cluster's health (exit 0 when it answers)
#
# Environment: MATCHER_ES_CLUSTER_PORT (9210: HTTP ports 9210-9212, transport 9310-9312),
# MATCHER_ES_CLUSTER_HEAP (512m per node), and those of scripts/es-common.sh.
set -euo pipefail

BASE=${MATCHER_ES_CLUSTER_PORT:-9210}
HEAP=${MATCHER_ES_CLUSTER_HEAP:-512m}
# shellcheck source=scripts/es-common.sh
. "$(dirname "$0")/es-common.sh"
CLUSTER_DIR="$RUN_DIR/es-cluster-$BASE"
NAME="matcher-cluster-$BASE"

http_port() { echo $((BASE + $1 - 1)); }
node_dir() { echo "$CLUSTER_DIR/node$1"; }
health() {
  local port
  for port in $(http_port 1) $(http_port 2) $(http_port 3); do
    curl -fsS --max-time 2 "http://127.0.0.1:$port/_cluster/health?$1" 2>/dev/null && return 0
  done
  return 1
}

configure() {
  local n=$1 dir seeds masters
  dir=$(node_dir "$n")
  prepare "$dir"
  seeds="127.0.0.1:$((BASE + 100)),127.0.0.1:$((BASE + 101)),127.0.0.1:$((BASE + 102))"
  masters="$NAME-1,$NAME-2,$NAME-3"
  cat > "$dir/config/elasticsearch.yml" <<YML
cluster.name: $NAME
node.name: $NAME-$n
network.host: 127.0.0.1
http.port: $(http_port "$n")
transport.port: $((BASE + 99 + n))
discovery.seed_hosts: [$seeds]
cluster.initial_master_nodes: [$masters]
xpack.security.enabled: false
path.data: $dir/data
path.logs: $dir/logs
action.destructive_requires_name: false
cluster.routing.allocation.disk.threshold_enabled: false
YML
}

start_node() {
  local n=$1 dir
  dir=$(node_dir "$n")
  if [ -f "$dir/es.pid" ] && kill -0 "$(cat "$dir/es.pid")" 2>/dev/null; then return 0; fi
  [ -f "$dir/config/elasticsearch.yml" ] || configure "$n"
  log "starting node $n of $NAME on http://127.0.0.1:$(http_port "$n") (heap $HEAP)"
  launch "$dir" "$HEAP"
}

wait_for() {
  local what=$1 i
  for i in $(seq 1 180); do
    if health "wait_for_status=$what&wait_for_nodes=3&timeout=1s" >/dev/null; then
      log "$what with 3 nodes after ${i}s"
      return 0
    fi
    sleep 1
  done
  log "not $what with 3 nodes after 180s; last log lines:"
  tail -n 20 "$CLUSTER_DIR"/node*/logs/"$NAME".log >&2 2>/dev/null || true
  exit 1
}

start() {
  download
  ensure_user
  local n pids=()
  # In parallel: each node takes ~20 s to come up on two cores.
  for n in 1 2 3; do start_node "$n" & pids+=($!); done
  for n in "${pids[@]}"; do wait "$n"; done
  wait_for green
}

stop() {
  local n
  for n in 1 2 3; do stop_pid "$(node_dir "$n")/es.pid" || true; done
  log "stopped $NAME"
}

kill_node() {
  local pid_file
  pid_file="$(node_dir "$1")/es.pid"
  [ -f "$pid_file" ] || { log "node $1 is not running"; exit 1; }
  kill -9 "$(cat "$pid_file")" 2>/dev/null || true
  rm -f "$pid_file"
  log "killed node $1"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$CLUSTER_DIR"; log "deleted $CLUSTER_DIR" ;;
  kill) kill_node "${2:?node number 1-3}" ;;
  start-node) start_node "${2:?node number 1-3}" ;;
  status) health "" && echo ;;
  *) echo "usage: $0 start|stop|destroy|kill N|start-node N|status" >&2; exit 2 ;;
esac
