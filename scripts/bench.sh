#!/usr/bin/env bash
# Runs a benchmark on compiled JavaScript (tsx adds per-closure overhead that production code does not have):
#   npm run bench -- <name> [args]     e.g. npm run bench -- driver-throughput 1000000
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="${1:?usage: npm run bench -- <name> [args]   (names: $(ls bench/*.ts | xargs -n1 basename | sed 's/\.ts$//' | tr '\n' ' '))}"
shift
bash scripts/setup.sh >/dev/null
npx tsc -p tsconfig.bench.json >/dev/null || true   # emits even when unrelated files have type errors
# Semi-spaces of 32 MiB (Node 20 defaults to 16 MiB): at the driver's allocation rate (~1 KB per record at 1-2M
# records/s) the default makes V8 promote short-lived objects in about half the runs, which then run 30-50% slower
# (docs/benchmarks.md). BENCH_NODE_FLAGS= (empty) measures with Node's defaults.
# shellcheck disable=SC2086
exec node ${BENCH_NODE_FLAGS---max-semi-space-size=32} ".tmp/bench-dist/bench/$name.js" "$@"
