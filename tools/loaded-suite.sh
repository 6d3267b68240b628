#!/usr/bin/env bash
# Flakiness check: runs the vitest suite (on PGlite, or on DATABASE_URL if set) once on its own, then again while a
# second copy of the suite loads the machine, and prints both wall times and the ten slowest test files of the loaded
# run. Exits non-zero if either measured run fails (the load's own result is reported, not judged).
#   npm run test:loaded
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # name, extra vitest args...
  local name=$1; shift
  local start=$SECONDS
  vitest run --reporter=dot --reporter=json --outputFile.json="$out/$name.json" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  echo "$name: exit $rc, $((SECONDS - start)) s"
  return $rc
}

status=0
run quiet || status=1
run load >/dev/null & load=$!
# Let the load get going before the measured run starts.
sleep 5
run loaded || status=1
wait $load; echo "load: exit $?"

echo "slowest test files under load:"
node -e '
  const r = require(process.argv[1]);
  const rows = r.testResults.map((f) => [f.endTime - f.startTime, f.name.replace(process.cwd() + "/", "")]);
  for (const [ms, name] of rows.sort((a, b) => b[0] - a[0]).slice(0, 10)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`);
' "$out/loaded.json"
[ $status -eq 0 ] || { echo "failures:"; grep -hE "FAIL|Error" "$out/quiet.log" "$out/loaded.log" | head -40; }
exit $status
