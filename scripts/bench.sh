#!/usr/bin/env bash
# The compiler benchmark in one go (figures go in BENCHMARKS.md):
#  1. wfc: build + compile (every check, typed data flow) and parse + check of a generated chain of
#     1,000 / 10,000 / 100,000 states (compiler/benches/compile.rs, release profile);
#  2. AWS CDK (aws-cdk-lib, pinned in benches/cdk/package.json): build + synth of the same chain,
#     in-process phases and the whole process timed from here;
#  3. the ratio wfc / CDK at 1,000 states.
# Needs cargo and node/npm; installs the CDK packages into benches/cdk/node_modules if missing.
#
# Settings (environment): PROCESS_RUNS (whole-process runs, median; default 5),
# CDK_10K=0 to skip CDK at 10,000 states, WFC_BENCH_SIZES / WFC_BENCH_REPS (see the bench),
# WFC_BENCH_EXE (a prebuilt bench binary).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${PROCESS_RUNS:-5}
out=target/bench/compiler
mkdir -p "$out"

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc $(nproc)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rustc: $(rustc --version)"
echo "node: $(node --version)"

# Median of a list of numbers, one per line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Wall-clock milliseconds of one command (its output is discarded).
wall_ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

echo
echo "== wfc (cargo bench -p wfc-compiler --bench compile)"
# WFC_BENCH_EXE: a bench binary built before (e.g. to time it while cargo is busy elsewhere).
exe=${WFC_BENCH_EXE:-}
if [ -z "$exe" ]; then
  exe=$(cargo bench -p wfc-compiler --bench compile --no-run --message-format=json \
    | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
fi
[ -x "$exe" ] || { echo "bench binary not built" >&2; exit 1; }
"$exe" --bench | tee "$out/wfc.txt"
grep '^JSON ' "$out/wfc.txt" | cut -c6- >"$out/wfc.json"

echo
echo "whole process, one cold build + compile + write of 1,000 states (WFC_BENCH_ONCE, median of $runs):"
for _ in $(seq "$runs"); do WFC_BENCH_ONCE=1000 wall_ms "$exe"; done | median | tee "$out/wfc-process-ms"
WFC_BENCH_ONCE=1000 "$exe" | tee "$out/wfc-once.json"

echo
echo "== AWS CDK (benches/cdk/chain.mjs)"
if [ ! -d benches/cdk/node_modules/aws-cdk-lib ]; then
  npm ci --prefix benches/cdk --no-audit --no-fund
fi
cdk() { node benches/cdk/chain.mjs "$@"; }
echo "1,000 states, cold (one process each, median of $runs), synth validation on (the default):"
: >"$out/cdk-1k.jsonl"
for _ in $(seq "$runs"); do
  t0=$(date +%s%N)
  cdk 1000 >>"$out/cdk-1k.jsonl"
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
done | median | tee "$out/cdk-process-ms"
cat "$out/cdk-1k.jsonl"
echo "1,000 states, validation off (CDK_VALIDATION=false), cold then warm in one process:"
CDK_VALIDATION=false cdk 1000 1000 1000 | tee "$out/cdk-1k-novalidation.jsonl"
echo "1,000 states, validation on, cold then warm in one process:"
cdk 1000 1000 1000 | tee "$out/cdk-1k-warm.jsonl"
: >"$out/cdk-10k.jsonl"
if [ "${CDK_10K:-1}" != 0 ]; then
  echo "10,000 states (deeper stack: State.bindToGraph recurses along the chain; limit 120 s):"
  t0=$(date +%s%N)
  if (ulimit -s 65536 && timeout 120 node --stack-size=60000 benches/cdk/chain.mjs 10000) >"$out/cdk-10k.jsonl"; then
    t1=$(date +%s%N)
    cat "$out/cdk-10k.jsonl"
    echo "whole process: $(((t1 - t0) / 1000000)) ms"
  else
    echo "did not finish (see above)"
  fi
fi

echo
echo "== summary"
node - "$out" <<'EOF'
const fs = require("fs");
const dir = process.argv[2];
const lines = (f) => fs.readFileSync(`${dir}/${f}`, "utf8").split("\n").filter(Boolean).map(JSON.parse);
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const wfc = lines("wfc.json")[0].rows;
const w1k = wfc.find((r) => r.n === 1000);
const cold = lines("cdk-1k.jsonl");
const warm = lines("cdk-1k-warm.jsonl").slice(1);
const noval = lines("cdk-1k-novalidation.jsonl");
const cdk10k = lines("cdk-10k.jsonl")[0];
const wProc = Number(fs.readFileSync(`${dir}/wfc-process-ms`, "utf8"));
const cProc = Number(fs.readFileSync(`${dir}/cdk-process-ms`, "utf8"));
const f = (x) => x.toFixed(x < 10 ? 2 : 1);
console.log("wfc (ms, median of the repetitions): N | DSL build+compile (fastest) | parse+check | µs/state");
for (const r of wfc) console.log(`  ${r.n} | ${f(r.dsl_ms)} (${f(r.dsl_min_ms)}) | ${f(r.standalone_ms)} | ${f(r.us_per_state)}`);
const cdkCold = med(cold.map((r) => r.build_synth_ms));
const cdkWarm = med(warm.map((r) => r.build_synth_ms));
const cdkNoval = med(noval.slice(1).map((r) => r.build_synth_ms));
console.log("CDK 1,000 states (ms): build+synth cold " + f(cdkCold) + " (build " + f(med(cold.map((r) => r.build_ms))) +
  ", synth " + f(med(cold.map((r) => r.synth_ms))) + "), warm " + f(cdkWarm) + "; validation off: cold " +
  f(noval[0].build_synth_ms) + ", warm " + f(cdkNoval) + "; whole process " + cProc + " ms");
if (cdk10k) console.log("CDK 10,000 states (ms): build " + f(cdk10k.build_ms) + ", synth " + f(cdk10k.synth_ms));
console.log("ratio wfc/CDK at 1,000 states:");
console.log(`  in-process, wfc build+compile ${f(w1k.dsl_ms)} ms / CDK build+synth cold ${f(cdkCold)} ms = ${(w1k.dsl_ms / cdkCold).toFixed(4)} (CDK ${Math.round(cdkCold / w1k.dsl_ms)}x slower)`);
console.log(`  in-process, vs CDK warm ${f(cdkWarm)} ms = ${(w1k.dsl_ms / cdkWarm).toFixed(4)} (CDK ${Math.round(cdkWarm / w1k.dsl_ms)}x slower)`);
console.log(`  whole process, wfc ${wProc} ms / CDK ${cProc} ms = ${(wProc / cProc).toFixed(4)} (CDK ${Math.round(cProc / wProc)}x slower)`);
const w10k = wfc.find((r) => r.n === 10000);
if (w10k) console.log(`target, 10,000 states under 200 ms (build+compile): ${f(w10k.dsl_ms)} ms, ${w10k.dsl_ms < 200 ? "met" : "MISSED"}`);
const w100k = wfc.find((r) => r.n === 100000);
if (w10k && w100k) console.log(`growth 10k -> 100k: DSL ${(w100k.dsl_ms / w10k.dsl_ms).toFixed(1)}x, standalone ${(w100k.standalone_ms / w10k.standalone_ms).toFixed(1)}x (linear = 10x)`);
EOF
