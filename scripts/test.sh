#!/usr/bin/env bash
# The whole test suite: installs what is missing, runs unit and integration tests (the integration project
# starts a local Kafka broker unless KAFKA_BOOTSTRAP_SERVERS points at one), and ends with a plain
# "N passed, N failed" line. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh || exit 1

mkdir -p .tmp
report=.tmp/vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?

if [ -f "$report" ]; then
  node -e '
    const r = require(process.argv[1]);
    const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    console.log(`${r.numPassedTests} passed, ${failed} failed`);
  ' "$PWD/$report"
else
  echo "0 passed, 1 failed"
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
