#!/usr/bin/env python3
"""Writes the engine benchmark's workloads (scripts/bench-engine.sh; the same files go to every engine).

    python3 benches/engine/gen_defs.py OUT_DIR [--chain 1000] [--items 10000] [--iterations 10000]

For each workload OUT_DIR gets NAME.asl.json (the definition) and NAME.input.json, and
OUT_DIR/workloads.json lists them with:
  transitions  states entered by one execution (Map iterations' states included), the unit of
               "state transitions per second", counted the same way for every engine;
  expected     NAME.expected.json, the output every driver checks (deep equality), so that a fast
               wrong answer does not count.

Workloads (stdlib only; the peers' pitfalls are designed around, see /work/shared/reference/local-emulators.md):
  pass_chain  N chained Pass states, input an object.
  map         an inline Map (MaxConcurrency 0) over N items whose body is one Pass. The items are
              objects {"i": k}, k >= 1: aws-local-stepfunctions fails on `$` of a falsy item (0).
  poll        a Choice/Wait polling loop of N iterations: Poll (Pass, n := States.MathAdd(n, 1)) ->
              Check (Choice: n >= N -> Done) -> Wait (Seconds 0) -> Poll. `Seconds: 0` because moto's
              Wait really sleeps (0 is the smallest wait ASL allows; moto and aws-local-stepfunctions
              then skip the sleep, wfc's virtual clock does not move). States entered:
              N Poll + N Check + (N - 1) Wait + 1 Done = 3N.
"""
import argparse
import json
import os


def pass_chain(n):
    states = {}
    for i in range(n):
        states[f"S{i}"] = {"Type": "Pass", "End": True} if i + 1 == n else {"Type": "Pass", "Next": f"S{i + 1}"}
    definition = {"Comment": f"{n}-state Pass chain", "StartAt": "S0", "States": states}
    data = {"order": 42, "items": ["a", "b"]}
    return definition, data, n, data


def map_pass(n):
    definition = {
        "Comment": f"inline Map over {n} items, Pass body",
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Body",
                    "States": {"Body": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    items = [{"i": k} for k in range(1, n + 1)]
    return definition, {"items": items}, 1 + n, items


def poll(n):
    definition = {
        "Comment": f"Choice/Wait polling loop, {n} iterations, Wait Seconds 0",
        "StartAt": "Poll",
        "States": {
            "Poll": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": n, "Next": "Done"}],
                "Default": "Wait",
            },
            "Wait": {"Type": "Wait", "Seconds": 0, "Next": "Poll"},
            "Done": {"Type": "Succeed"},
        },
    }
    return definition, {"n": 0}, 3 * n, {"n": n}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--chain", type=int, default=1000)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--iterations", type=int, default=10000)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    workloads = []
    for name, label, (definition, data, transitions, expect) in [
        ("pass_chain", f"Pass chain, {args.chain} states", pass_chain(args.chain)),
        ("map", f"Map over {args.items} items (Pass body)", map_pass(args.items)),
        ("poll", f"Choice/Wait loop, {args.iterations} iterations (Wait 0 s)", poll(args.iterations)),
    ]:
        files = {"asl": f"{name}.asl.json", "input": f"{name}.input.json", "expected": f"{name}.expected.json"}
        for key, value in [("asl", definition), ("input", data), ("expected", expect)]:
            with open(os.path.join(args.out, files[key]), "w") as f:
                json.dump(value, f, separators=(",", ":"))
        workloads.append({"name": name, "label": label, "transitions": transitions, **files})
    with open(os.path.join(args.out, "workloads.json"), "w") as f:
        json.dump({"workloads": workloads}, f, indent=1)
    for w in workloads:
        print(f"{w['name']}: {w['label']}, {w['transitions']} states entered per execution")


if __name__ == "__main__":
    main()
