// The AWS CDK side of the compiler benchmark (scripts/bench.sh runs it; figures in BENCHMARKS.md).
//
// Builds a Stack whose StateMachine is the same N-state chain as compiler/benches/compile.rs:
// Pass states, in every block of ten a Choice ($.count > 5 → a Wait, else over it) and one Pass
// with Parameters and one with Result at $.last, ending in Succeed. Then synthesises the app.
// Times (performance.now(), ms): loading aws-cdk-lib, building the constructs, app.synth().
//
// Usage: node chain.mjs [N ...]   (default 1000); prints one JSON line per N. The first N in a
// process is the cold figure (what one `cdk synth` pays); a repeated N shows the warm one.
// 10,000 states need a deeper stack (State.bindToGraph recurses along the chain):
// `ulimit -s 65536; node --stack-size=60000 chain.mjs 10000`.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const t0 = performance.now();
const { App, Stack, Duration } = require("aws-cdk-lib");
const sfn = require("aws-cdk-lib/aws-stepfunctions");
const loadMs = performance.now() - t0;

function kind(i, n) {
  if (i === n - 1) return "succeed";
  return { 0: "template", 4: "result", 7: "choice", 8: "wait" }[i % 10] ?? "pass";
}

function name(i, n) {
  switch (kind(i, n)) {
    case "choice": return `C${i}`;
    case "wait": return `W${i}`;
    case "succeed": return "Done";
    default: return `P${i}`;
  }
}

function run(n) {
  const outdir = mkdtempSync(join(tmpdir(), "wfc-bench-cdk-"));
  const t1 = performance.now();
  const app = new App({ outdir });
  const stack = new Stack(app, "Bench");
  const states = [];
  for (let i = 0; i < n; i++) {
    const id = name(i, n);
    switch (kind(i, n)) {
      case "template":
        states.push(new sfn.Pass(stack, id, {
          parameters: { count: sfn.JsonPath.numberAt("$.count"), region: sfn.JsonPath.stringAt("$.region"), step: i },
        }));
        break;
      case "result":
        states.push(new sfn.Pass(stack, id, { result: sfn.Result.fromObject({ i }), resultPath: "$.last" }));
        break;
      case "choice": states.push(new sfn.Choice(stack, id)); break;
      case "wait":
        states.push(new sfn.Wait(stack, id, { time: sfn.WaitTime.duration(Duration.seconds(1)) }));
        break;
      case "succeed": states.push(new sfn.Succeed(stack, id)); break;
      default: states.push(new sfn.Pass(stack, id));
    }
  }
  for (let i = 0; i < n - 1; i++) {
    if (kind(i, n) === "choice") {
      states[i].when(sfn.Condition.numberGreaterThan("$.count", 5), states[i + 1]).otherwise(states[i + 2]);
    } else {
      states[i].next(states[i + 1]);
    }
  }
  new sfn.StateMachine(stack, "Bench", { definitionBody: sfn.DefinitionBody.fromChainable(states[0]) });
  const t2 = performance.now();
  const assembly = app.synth();
  const t3 = performance.now();
  const template = assembly.getStackByName("Bench").template;
  const definition = template.Resources[Object.keys(template.Resources).find(
    (k) => template.Resources[k].Type === "AWS::StepFunctions::StateMachine")].Properties.DefinitionString;
  const bytes = readdirSync(outdir).reduce((s, f) => s + statSync(join(outdir, f)).size, 0);
  rmSync(outdir, { recursive: true, force: true });
  return {
    bench: "cdk-synth",
    n,
    load_ms: loadMs,
    build_ms: t2 - t1,
    synth_ms: t3 - t2,
    build_synth_ms: t3 - t1,
    cdk_out_bytes: bytes,
    definition_parts: Array.isArray(definition?.["Fn::Join"]?.[1]) ? definition["Fn::Join"][1].length : 1,
    // CDK_VALIDATION=false turns off the CloudFormation validation that synth runs by default.
    cdk_validation: process.env.CDK_VALIDATION !== "false",
    aws_cdk_lib: require("aws-cdk-lib/package.json").version,
    node: process.version,
  };
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [1000]) {
  console.log(JSON.stringify(run(n)));
}
