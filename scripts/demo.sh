#!/usr/bin/env bash
# `npm run demo`: the main job, runnable on a fresh machine. Installs what is missing, starts (or reuses) the
# local Kafka broker unless KAFKA_BOOTSTRAP_SERVERS points at one, then runs the smoke pipeline
# (scripts/demo-smoke.ts) and prints what came out. It will become the monitoring demo (topologies/).
# The broker is left running for the next run; stop it with: npm run kafka -- stop single
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  bash docker/kafka-local/bin/kafkactl.sh up single
  KAFKA_BOOTSTRAP_SERVERS="$(bash docker/kafka-local/bin/kafkactl.sh bootstrap single)"
  export KAFKA_BOOTSTRAP_SERVERS
fi
exec npx tsx scripts/demo-smoke.ts
