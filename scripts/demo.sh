#!/usr/bin/env bash
# `npm run demo`: the main job, runnable on a fresh machine. Installs what is missing and starts Redis
# (scripts/setup.sh), starts a local Kafka broker unless KAFKA_BOOTSTRAP_SERVERS points at one, then runs the
# monitoring demo (scripts/monitoring-demo.ts) for a bounded time (default 90 s; `npm run demo -- --duration 300`).
# When it ends (or on Ctrl-C) it stops the broker and the Redis server it started itself; TRIBUTARY_KEEP_BROKER=1
# keeps them for the next run. A broker or Redis that was running before is left alone.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KAFKACTL=docker/kafka-local/bin/kafkactl.sh
redis_answers() { command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

redis_before=no; redis_answers && redis_before=yes
bash scripts/setup.sh || exit 1

broker_started=no
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  status="$(bash "$KAFKACTL" status 2>/dev/null || true)"   # not piped into grep -q: pipefail + SIGPIPE
  grep -q '^single.* running' <<<"$status" || broker_started=yes
  bash "$KAFKACTL" up single || exit 1
  # `up` may have reused a broker another checkout runs: that one is not ours to stop.
  status="$(bash "$KAFKACTL" status 2>/dev/null || true)"
  grep -q '^single.* running' <<<"$status" || broker_started=no
  KAFKA_BOOTSTRAP_SERVERS="$(bash "$KAFKACTL" bootstrap single)"
  export KAFKA_BOOTSTRAP_SERVERS
fi

cleanup() {
  [ "${TRIBUTARY_KEEP_BROKER:-}" = 1 ] && return
  if [ "$broker_started" = yes ]; then
    echo "[demo] stopping the local Kafka broker it started (TRIBUTARY_KEEP_BROKER=1 keeps it)"
    STOP_TIMEOUT=30 bash "$KAFKACTL" stop single >/dev/null 2>&1 || true
  fi
  if [ "$redis_before" = no ] && redis_answers; then
    echo "[demo] stopping the Redis server it started"
    redis-cli -h 127.0.0.1 -p 6379 shutdown nosave >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# KafkaStreams instances share libuv's thread pool with RocksDB: give it room (see runtime/cli/bin.cjs).
export UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE:-16}"
npx tsx --conditions=tributary-source scripts/monitoring-demo.ts "$@"
