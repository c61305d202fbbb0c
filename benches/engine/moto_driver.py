#!/usr/bin/env python3
"""The moto side of the engine benchmark (scripts/bench-engine.sh starts moto_server and runs this
with .tools/venv/bin/python, which has boto3).

    moto_driver.py DEFS_DIR --endpoint http://127.0.0.1:PORT [--reps 3] [--warmup 1] [--check]

Per workload (DEFS_DIR from gen_defs.py): resets moto (POST /moto-api/reset: no earlier executions
kept in memory), switches on its real execution (POST /moto-api/config {"stepfunctions":
{"execute_state_machine": true}}, before the state machine is created: the two backends keep
separate stores), creates the state machine, runs --warmup executions, then per repetition: StartExecution with an
explicit `name` (a nameless start gets the ARN `...:None` and a second one fails), polls
DescribeExecution until the status is not RUNNING, checks the output against NAME.expected.json and
keeps two times:
  engine_ms  moto's own stopDate - startDate (the execution from StartExecution to completion,
             without the polling delay; the figure local-emulators.md §1.4 used);
  wall_ms    from just before the StartExecution request to the DescribeExecution that saw the end
             (polling every 2% of the elapsed time, 2..100 ms, so that polling steals little of
             moto's interpreter, which shares the GIL with the request threads).
Prints one JSON line per workload. --check instead runs each workload once and reads the whole
history to count the states entered (*StateEntered events, Map iterations included).
"""
import argparse
import json
import os
import time
import urllib.request

import boto3
from botocore.config import Config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("defs")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--max-poll", type=float, default=0.1, help="longest pause between two DescribeExecution (s)")
    args = parser.parse_args()

    def moto_api(path, body=None):
        request = urllib.request.Request(
            args.endpoint + path,
            data=json.dumps(body).encode() if body is not None else b"",
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request).read()

    def fresh_moto():
        # A reset drops earlier executions and their histories (moto keeps them all in memory);
        # the config survives a reset but is set again anyway.
        moto_api("/moto-api/reset")
        moto_api("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})

    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, read_timeout=600),
    )

    def read(name):
        with open(os.path.join(args.defs, name)) as f:
            return f.read()

    only = os.environ.get("WFC_BENCH_WORKLOADS")
    only = only.split(",") if only else None
    run_id = f"{os.getpid()}-{int(time.time())}"
    for w in json.loads(read("workloads.json"))["workloads"]:
        if only and w["name"] not in only:
            continue
        fresh_moto()
        definition, data = read(w["asl"]), read(w["input"])
        expected = json.loads(read(w["expected"]))
        machine_arn = sfn.create_state_machine(
            name=f"bench-{w['name']}-{run_id}",
            definition=definition,
            roleArn="arn:aws:iam::123456789012:role/bench",
        )["stateMachineArn"]
        counter = [0]

        def execute():
            counter[0] += 1
            t0 = time.perf_counter()
            arn = sfn.start_execution(stateMachineArn=machine_arn, name=f"run-{counter[0]}", input=data)["executionArn"]
            while True:
                described = sfn.describe_execution(executionArn=arn)
                wall = time.perf_counter() - t0
                if described["status"] != "RUNNING":
                    break
                time.sleep(min(args.max_poll, max(0.002, wall * 0.02)))
            # moto sets the status a moment before the output: describe again until it is there.
            for _ in range(100):
                if described["status"] != "SUCCEEDED" or "output" in described:
                    break
                time.sleep(0.01)
                described = sfn.describe_execution(executionArn=arn)
            if described["status"] != "SUCCEEDED":
                raise SystemExit(f"{w['name']}: moto execution {described['status']}: {described}")
            output = json.loads(described["output"])
            if output != expected:
                raise SystemExit(f"{w['name']}: unexpected output {described['output'][:200]}")
            engine = (described["stopDate"] - described["startDate"]).total_seconds()
            return arn, engine * 1000, wall * 1000

        if args.check:
            arn, _, _ = execute()
            entered = events = 0
            for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn, maxResults=1000):
                for event in page["events"]:
                    events += 1
                    entered += event["type"].endswith("StateEntered")
            ok = entered == w["transitions"]
            print(json.dumps({"engine": "moto", "workload": w["name"], "check": "ok" if ok else "MISMATCH",
                              "entered": entered, "events": events, "transitions": w["transitions"]}), flush=True)
            if not ok:
                raise SystemExit(1)
            continue
        for _ in range(args.warmup):
            execute()
        engine_ms, wall_ms = [], []
        for _ in range(args.reps):
            _, engine, wall = execute()
            engine_ms.append(engine)
            wall_ms.append(wall)
        print(json.dumps({"engine": "moto", "workload": w["name"], "transitions": w["transitions"],
                          "reps_ms": engine_ms, "wall_ms": wall_ms}), flush=True)


if __name__ == "__main__":
    main()
