#!/usr/bin/env bash
# kafkactl.sh - run a real Apache Kafka 4.x (KRaft, combined broker+controller) from Maven Central jars:
# no Docker, no ZooKeeper, no kafka.apache.org download. Everything listens on 127.0.0.1.
#
# Files:  docker/kafka-local/{pom.xml,config/*.yaml,bin/kafkactl.sh}  (committed)
#         $KAFKA_HOME_DIR (default <repo>/.kafka): lib/ data/ logs/ run/ conf/  (generated, gitignored)
#
# Commands:
#   fetch                          copy the broker + tool jars from Maven Central (~/.m2 caches them) to lib/
#   up      single|cluster         fetch if needed, format if needed, start, wait; prints bootstrap.servers
#   format  single|cluster         wipe data dirs, new cluster id, kafka.tools.StorageTool format
#   start   single|cluster|nodeN   start the JVM(s) in the background (nodeN restarts one cluster node)
#   wait    single|cluster|nodeN [secs]  wait for "Kafka Server started", then a real API call
#   stop    single|cluster|nodeN   SIGTERM (graceful), SIGKILL after STOP_TIMEOUT (default 60 s)
#   kill    single|cluster|nodeN   SIGKILL at once (fault injection)
#   status                         show which nodes run
#   bootstrap single|cluster       print the bootstrap.servers string
#   tool <main-class> [args...]    run any Kafka CLI class (256 MB heap, WARN logging to stderr)
#   topics|groups|quorum|txns|reassign|elect [args...]   shortcuts for common CLI classes
#
# Ports: single 9092 (controller 9093); cluster 19092/29092/31092 (controllers 19093/29093/31093). All below Linux's
# ephemeral range (32768-60999): a client reconnecting to a stopped node can be handed that node's port as its own
# source port (a TCP self-connect), and the node then cannot bind it when it restarts.
# KAFKA_LOCAL_PORT_OFFSET=N adds N to every port, to run a second checkout's brokers beside the first.
# `up single` reuses a Kafka broker that already answers on the single port (e.g. one another checkout started).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"          # docker/kafka-local
REPO="$(cd "$HERE/../.." && pwd)"
KHOME="${KAFKA_HOME_DIR:-$REPO/.kafka}"
LIB="$KHOME/lib"; CONF="$KHOME/conf"; DATA="$KHOME/data"; LOGS="$KHOME/logs"; RUN="$KHOME/run"
HOST="127.0.0.1"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15}"
# Kafka's default is 1 GB; 512 MB is plenty for local development and lets three brokers share a small machine.
BROKER_HEAP_OPTS="${BROKER_HEAP_OPTS:--Xms512m -Xmx512m}"
TOOL_HEAP_OPTS="${TOOL_HEAP_OPTS:--Xmx256m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
STOP_TIMEOUT="${STOP_TIMEOUT:-60}"
PORT_OFFSET="${KAFKA_LOCAL_PORT_OFFSET:-0}"
[[ "$PORT_OFFSET" =~ ^[0-9]+$ ]] || { echo "kafkactl: KAFKA_LOCAL_PORT_OFFSET must be a number" >&2; exit 1; }

die() { echo "kafkactl: $*" >&2; exit 1; }

nodes_of() {
  case "$1" in
    single) echo single ;;
    cluster) echo node1 node2 node3 ;;
    node1|node2|node3) echo "$1" ;;
    *) die "unknown target '$1' (single|cluster|node1|node2|node3)" ;;
  esac
}
cluster_of() { case "$1" in single) echo single ;; *) echo cluster ;; esac; }
base_port() { case "$1" in single) echo 9092 ;; node1) echo 19092 ;; node2) echo 29092 ;; node3) echo 31092 ;; esac; }
client_port() { echo $(( $(base_port "$1") + PORT_OFFSET )); }
ctrl_port()   { echo $(( $(base_port "$1") + 1 + PORT_OFFSET )); }
bootstrap() {
  case "$1" in
    single) echo "$HOST:$(client_port single)" ;;
    cluster|node1|node2|node3)
      echo "$HOST:$(client_port node1),$HOST:$(client_port node2),$HOST:$(client_port node3)" ;;
    *) die "unknown target '$1'" ;;
  esac
}
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
answers_kafka() { tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --list >/dev/null 2>&1; }

have_lib() { [ -d "$LIB" ] && ls "$LIB"/kafka_2.13-*.jar >/dev/null 2>&1; }
need_lib() { have_lib || die "no $LIB/kafka_2.13-*.jar; run: $0 fetch"; }

fetch() {
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars from Maven Central"
  mkdir -p "$LIB"
  # Maven 3.8 prints bare colour resets even in batch mode: strip escape codes (pipefail keeps mvn's status).
  (cd "$HERE" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB" 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g') || die "mvn could not fetch the Kafka jars (see the output above)"
  echo "kafka jars in $LIB: $(ls "$LIB" | wc -l) files"
}

# Run a Kafka CLI main class the way bin/kafka-run-class.sh does (tools log WARN+ to stderr).
tool() {
  local cls="$1"; shift
  need_lib
  # shellcheck disable=SC2086
  "$JAVA" $TOOL_HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j2.configurationFile="$HERE/config/tools-log4j2.yaml" -cp "$LIB/*" $KAFKA_OPTS "$cls" "$@"
}

write_props() {   # write_props <node> <node.id> <mode: single|cluster>
  local n="$1" id="$2" mode="$3" cp ctp f
  cp="$(client_port "$n")"; ctp="$(ctrl_port "$n")"; f="$CONF/$n.properties"
  mkdir -p "$CONF"
  {
    echo "# generated by kafkactl.sh ($mode)"
    echo "process.roles=broker,controller"
    echo "node.id=$id"
    if [ "$mode" = single ]; then
      # dynamic KRaft quorum (kraft.version=1): formatted with --standalone
      echo "controller.quorum.bootstrap.servers=$HOST:$ctp"
    else
      # static KRaft quorum (kraft.version=0): formatted WITHOUT --standalone/--initial-controllers
      echo "controller.quorum.voters=1@$HOST:$(ctrl_port node1),2@$HOST:$(ctrl_port node2),3@$HOST:$(ctrl_port node3)"
    fi
    echo "listeners=PLAINTEXT://$HOST:$cp,CONTROLLER://$HOST:$ctp"
    echo "advertised.listeners=PLAINTEXT://$HOST:$cp,CONTROLLER://$HOST:$ctp"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "controller.listener.names=CONTROLLER"
    echo "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    echo "log.dirs=$DATA/$n"
    if [ "$mode" = single ]; then
      # transactions need the transaction log to fit on one broker (defaults are RF 3 / min ISR 2)
      echo "num.partitions=1"
      echo "default.replication.factor=1"
      echo "min.insync.replicas=1"
      echo "offsets.topic.replication.factor=1"
      echo "transaction.state.log.replication.factor=1"
      echo "transaction.state.log.min.isr=1"
      echo "share.coordinator.state.topic.replication.factor=1"
      echo "share.coordinator.state.topic.min.isr=1"
    else
      echo "num.partitions=3"
      echo "default.replication.factor=3"
      echo "min.insync.replicas=2"
      echo "offsets.topic.replication.factor=3"
      echo "transaction.state.log.replication.factor=3"
      echo "transaction.state.log.min.isr=2"
      echo "share.coordinator.state.topic.replication.factor=3"
      echo "share.coordinator.state.topic.min.isr=2"
      # a restarted node must catch up quickly in fault tests
      echo "replica.lag.time.max.ms=10000"
    fi
    echo "group.initial.rebalance.delay.ms=0"
    # fewer internal-topic partitions than the defaults (50/50): the broker starts faster on a small machine
    echo "offsets.topic.num.partitions=10"
    echo "transaction.state.log.num.partitions=10"
    echo "num.network.threads=2"
    echo "num.io.threads=4"
  } > "$f"
}

pid_of() { local f="$RUN/$1.pid"; [ -f "$f" ] && cat "$f" || true; }
is_running() {   # only true for a live JVM that runs kafka.Kafka with this node's config
  local pid; pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONF/$1.properties"
}
is_formatted() { [ -f "$DATA/$1/meta.properties" ] && [ -f "$CONF/$1.properties" ]; }
# False when the node was formatted for other ports (KAFKA_LOCAL_PORT_OFFSET changed): `up` formats it anew.
has_current_ports() { grep -qx "listeners=PLAINTEXT://$HOST:$(client_port "$1"),CONTROLLER://$HOST:$(ctrl_port "$1")" "$CONF/$1.properties"; }

format() {
  local target="$1" n cid mode
  need_lib
  mode="$(cluster_of "$target")"
  for n in $(nodes_of "$mode"); do is_running "$n" && die "$n is running; stop it first"; done
  mkdir -p "$RUN"
  cid="$(tool kafka.tools.StorageTool random-uuid | tr -d '[:space:]')"
  [ -n "$cid" ] || die "random-uuid produced nothing"
  echo "$cid" > "$RUN/$mode.cluster-id"
  for n in $(nodes_of "$mode"); do
    case "$n" in single) write_props single 1 single ;; node*) write_props "$n" "${n#node}" cluster ;; esac
    rm -rf "${DATA:?}/$n"; mkdir -p "$DATA/$n"
    if [ "$mode" = single ]; then
      tool kafka.tools.StorageTool format -t "$cid" -c "$CONF/$n.properties" --standalone >/dev/null
    else
      tool kafka.tools.StorageTool format -t "$cid" -c "$CONF/$n.properties" >/dev/null
    fi
  done
  echo "formatted $mode (cluster id $cid)"
}

start() {
  local n pid port
  need_lib
  mkdir -p "$RUN"
  for n in $(nodes_of "$1"); do
    if is_running "$n"; then echo "$n already running (pid $(pid_of "$n"))"; continue; fi
    is_formatted "$n" || die "$DATA/$n is not formatted; run: $0 format $(cluster_of "$n")"
    # A port held by another process would make the JVM die after a slow start: say so at once.
    for port in "$(client_port "$n")" "$(ctrl_port "$n")"; do
      port_busy "$port" && die "$n cannot start: $HOST:$port is already in use by another process" \
        "(to use a broker that is already running set KAFKA_BOOTSTRAP_SERVERS; to run beside it set KAFKA_LOCAL_PORT_OFFSET)"
    done
    mkdir -p "$LOGS/$n"
    rm -f "$LOGS/$n"/server.log* "$LOGS/$n/stdout.log"   # so 'wait' cannot match an old run
    # shellcheck disable=SC2086
    nohup "$JAVA" $BROKER_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS \
      -Dkafka.logs.dir="$LOGS/$n" -Dlog4j2.configurationFile="$HERE/config/log4j2.yaml" \
      -cp "$LIB/*" $KAFKA_OPTS kafka.Kafka "$CONF/$n.properties" \
      > "$LOGS/$n/stdout.log" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$RUN/$n.pid"
    echo "started $n pid $pid (client port $(client_port "$n"))"
  done
}

wait_ready() {
  local target="$1" timeout="${2:-120}" n deadline
  deadline=$(( $(date +%s) + timeout ))
  for n in $(nodes_of "$target"); do
    # server.log* : log4j rolls server.log every hour, so the line may be in a rolled file of this run
    # (start() removes every server.log* before launching, so none is from an earlier run).
    until grep -qs "Kafka Server started" "$LOGS/$n"/server.log*; do
      if ! is_running "$n"; then
        echo "$n is not running; last lines of $LOGS/$n/stdout.log:" >&2
        tail -n 40 "$LOGS/$n/stdout.log" >&2 || true
        return 1
      fi
      if [ "$(date +%s)" -ge "$deadline" ]; then echo "timeout waiting for $n" >&2; return 1; fi
      sleep 0.5
    done
  done
  # The log line says the broker is unfenced; an API call through the client listener proves it serves.
  local b; b="$(bootstrap "$target")"
  [ "$target" = single ] || b="$HOST:$(client_port "$( [ "$target" = cluster ] && echo node1 || echo "$target")")"
  until tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" --list >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "timeout: broker at $b does not answer" >&2; return 1; fi
    sleep 1
  done
  echo "$target ready: bootstrap.servers=$(bootstrap "$target")"
}

signal_nodes() {   # signal_nodes <TERM|KILL> <target>
  local sig="$1" n pid
  for n in $(nodes_of "$2"); do
    if is_running "$n"; then pid="$(pid_of "$n")"; kill "-$sig" "$pid"; echo "SIG$sig $n (pid $pid)"; fi
  done
}

stop() {
  local n waited=0 alive
  # In combined mode each node shuts its broker down first, then its controller; stopping all nodes
  # together keeps the quorum alive while the brokers do their controlled shutdown.
  signal_nodes TERM "$1"
  while [ "$waited" -lt "$STOP_TIMEOUT" ]; do
    alive=0
    for n in $(nodes_of "$1"); do is_running "$n" && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1; waited=$(( waited + 1 ))
  done
  for n in $(nodes_of "$1"); do
    if is_running "$n"; then echo "SIGKILL $n after ${STOP_TIMEOUT}s" >&2; kill -KILL "$(pid_of "$n")" || true; fi
    rm -f "$RUN/$n.pid"
  done
}

# True until the process has exited: a process being killed loses its cmdline (is_running turns false) before it
# is gone, and a test that checks right after `kill` must not see it alive. A zombie counts as gone.
pid_exited() {
  local stat state
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  state="${stat##*) }"
  [ "${state%% *}" = Z ]
}

# Waits (up to 10 s) until nothing listens on the node's ports any more. The JVM's main thread is a zombie while its
# other threads still exit (a large heap takes a while to unmap), and the listening sockets close only with the last
# of them: a restart right after `kill` found the client port still accepting and refused to start (CI failed so).
ports_released() {
  local n="$1" tries=0
  while port_busy "$(client_port "$n")" || port_busy "$(ctrl_port "$n")"; do
    tries=$(( tries + 1 )); [ "$tries" -ge 100 ] && return 0
    sleep 0.1
  done
}

kill_nodes() {
  local n pid
  for n in $(nodes_of "$1"); do
    pid="$(pid_of "$n")"
    is_running "$n" || continue
    kill -KILL "$pid"; echo "SIGKILL $n (pid $pid)"
    while ! pid_exited "$pid"; do sleep 0.1; done
    ports_released "$n"
    rm -f "$RUN/$n.pid"
  done
}

up() {
  local target="$1" n need_format=0
  if [ "$target" = single ] && ! is_running single && port_busy "$(client_port single)"; then
    have_lib || fetch
    answers_kafka "$(bootstrap single)" \
      || die "$(bootstrap single) is in use by something that does not answer as a Kafka broker"
    echo "single: reusing the Kafka broker already listening on $(bootstrap single) (not started by this checkout)"
    echo "single ready: bootstrap.servers=$(bootstrap single)"
    return 0
  fi
  have_lib || fetch
  for n in $(nodes_of "$target"); do
    is_running "$n" || { is_formatted "$n" && has_current_ports "$n"; } || need_format=1
  done
  if [ "$need_format" = 1 ]; then format "$target"; fi
  start "$target"
  wait_ready "$target" "${2:-180}"
}

status() {
  local n
  for n in single node1 node2 node3; do
    if is_running "$n"; then echo "$n running pid $(pid_of "$n") ($(bootstrap "$n"))"; else echo "$n stopped"; fi
  done
}

cmd="${1:-}"; [ $# -gt 0 ] && shift
# Targets are checked here: nodes_of runs in $(...), where its die could not stop the script.
case "$cmd" in
  up|format|bootstrap)
    [[ "${1:-}" =~ ^(single|cluster)$ ]] || die "unknown target '${1:-}' for $cmd (single|cluster)" ;;
  start|wait|stop|kill)
    [[ "${1:-}" =~ ^(single|cluster|node[123])$ ]] || die "unknown target '${1:-}' for $cmd (single|cluster|node1|node2|node3)" ;;
esac
case "$cmd" in
  fetch) fetch ;;
  up) up "${1:?single|cluster}" "${2:-180}" ;;
  format) format "${1:?single|cluster}" ;;
  start) start "${1:?single|cluster|nodeN}" ;;
  wait) wait_ready "${1:?single|cluster|nodeN}" "${2:-120}" ;;
  stop) stop "${1:?single|cluster|nodeN}" ;;
  kill) kill_nodes "${1:?single|cluster|nodeN}" ;;
  status) status ;;
  bootstrap) bootstrap "${1:?single|cluster}" ;;
  tool) tool "$@" ;;
  topics) tool org.apache.kafka.tools.TopicCommand "$@" ;;
  groups) tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@" ;;
  quorum) tool org.apache.kafka.tools.MetadataQuorumCommand "$@" ;;
  txns) tool org.apache.kafka.tools.TransactionsCommand "$@" ;;
  reassign) tool org.apache.kafka.tools.reassign.ReassignPartitionsCommand "$@" ;;
  elect) tool org.apache.kafka.tools.LeaderElectionCommand "$@" ;;
  *) sed -n '2,25p' "$0"; exit 2 ;;
esac
