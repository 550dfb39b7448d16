#!/usr/bin/env bash
# Runs a benchmark on compiled JavaScript (tsx adds per-closure overhead that production code does not have):
#   npm run bench -- <name> [args]     e.g. npm run bench -- driver-throughput 1000000
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="${1:?usage: npm run bench -- <name> [args]   (names: $(ls bench/*.ts | xargs -n1 basename | sed 's/\.ts$//' | tr '\n' ' '))}"
shift
bash scripts/setup.sh >/dev/null
npx tsc -p tsconfig.bench.json >/dev/null || true   # emits even when unrelated files have type errors
# Node's default V8 flags; BENCH_NODE_FLAGS adds some (e.g. --max-semi-space-size=32: see docs/benchmarks.md).
# shellcheck disable=SC2086
exec node ${BENCH_NODE_FLAGS:-} ".tmp/bench-dist/bench/$name.js" "$@"
