#!/usr/bin/env bash
# The whole test suite: installs what is missing, runs unit and integration tests (the integration project
# starts a local Kafka broker unless KAFKA_BOOTSTRAP_SERVERS points at one), and ends with a plain
# "N passed, N failed" line. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

mkdir -p .tmp
report=.tmp/vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?

# Vitest 4's JSON report counts tests only (numPassedTests/numFailedTests). A file that failed without a failing
# test (it did not import, threw at load, or a beforeAll/afterAll hook failed) shows up as a testResults entry with
# status "failed" and no failed assertion: each such file counts as one failure here.
summary="$(node -e '
  const fs = require("node:fs");
  const [file, status] = [process.argv[1], Number(process.argv[2])];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const brokenFiles = r.testResults.filter(
    (f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"),
  );
  for (const f of brokenFiles) console.error(`FAILED FILE: ${f.name}: ${f.message || "a hook or the file itself failed"}`);
  let failed = r.numFailedTests + brokenFiles.length;
  // A non-zero exit with nothing counted (e.g. an unhandled error between tests) is still a failure.
  if (status !== 0 && failed === 0) { console.error("vitest exited with status " + status); failed = 1; }
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$PWD/$report" "$status")"
[ -n "$summary" ] || summary="0 passed, 1 failed"
echo "$summary"
case "$summary" in *" 0 failed"*) ;; *) [ "$status" -ne 0 ] || status=1 ;; esac
exit "$status"
