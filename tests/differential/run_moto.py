#!/usr/bin/env python3
"""Runs every case of the differential corpus through moto's Step Functions interpreter.

Usage: run_moto.py <moto endpoint, e.g. http://127.0.0.1:5055> <cases dir> [--out FILE]
                   [--jobs N] [--timeout SECONDS] [--only SUBSTRING]...

Each case file is {"definition": {...ASL...}, "input": {...}, "note": "..."}. For each one the
driver creates a state machine (unique name), starts an execution with an explicit unique name
(moto mishandles nameless starts), polls DescribeExecution until it is no longer RUNNING, and
writes one JSON line: {"case", "status", "output"} on success, {"case", "status", "error",
"cause"} on failure, status "REJECTED" with "error"/"cause" when CreateStateMachine refuses the
definition, "TIMEOUT" when the execution is still running after the per-case timeout, and
"DRIVER_ERROR" for anything else. When moto's output is not JSON (it does not quote a string
output), "output" holds the raw text and "output_not_json" is true. Lines are written in case order. Run with .tools/venv/bin/python
(boto3 and moto are pinned there by scripts/setup-tools.sh). Only loopback endpoints are used.
"""

import argparse
import json
import os
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/wfc-differential"


def enable_execution(endpoint):
    body = json.dumps(
        {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    ).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + "/moto-api/config",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        if not 200 <= response.status < 300:
            raise SystemExit(f"moto refused the config: HTTP {response.status}")


def client(endpoint):
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(
            retries={"max_attempts": 2}, max_pool_connections=32, read_timeout=60
        ),
    )


def run_case(sfn, path, timeout, run_id):
    case = os.path.basename(path)[: -len(".json")]
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        short = case[:40].replace(".", "-")
        name = f"d{run_id}-{short}"
        try:
            machine = sfn.create_state_machine(
                name=name, definition=json.dumps(spec["definition"]), roleArn=ROLE_ARN
            )
        except ClientError as e:
            err = e.response.get("Error", {})
            return {
                "case": case,
                "status": "REJECTED",
                "error": err.get("Code"),
                "cause": err.get("Message"),
            }
        arn = machine["stateMachineArn"]
        execution = sfn.start_execution(
            stateMachineArn=arn,
            name=f"x{run_id}-{short}",
            input=json.dumps(spec.get("input", {})),
        )
        started = time.monotonic()
        delay = 0.02
        while True:
            desc = sfn.describe_execution(executionArn=execution["executionArn"])
            status = desc["status"]
            if status != "RUNNING":
                break
            if time.monotonic() - started > timeout:
                return {"case": case, "status": "TIMEOUT"}
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)
        result = {"case": case, "status": status}
        if status == "SUCCEEDED":
            raw = desc.get("output")
            try:
                result["output"] = json.loads(raw) if raw is not None else None
            except ValueError:
                # moto returns a string output without JSON quoting; keep what it said.
                result["output"] = raw
                result["output_not_json"] = True
        else:
            result["error"] = desc.get("error")
            result["cause"] = desc.get("cause")
        result["seconds"] = round(time.monotonic() - started, 3)
        return result
    except Exception as e:  # noqa: BLE001 - reported, never hidden
        return {"case": case, "status": "DRIVER_ERROR", "error": type(e).__name__, "cause": str(e)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint")
    parser.add_argument("cases_dir")
    parser.add_argument("--out", help="write the JSON lines here instead of stdout")
    parser.add_argument("--jobs", type=int, default=8, help="cases run concurrently")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--only", action="append", default=[], help="run cases whose name contains this")
    args = parser.parse_args()

    host = args.endpoint.split("//", 1)[-1].split(":", 1)[0].split("/", 1)[0]
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        raise SystemExit(f"refusing a non-loopback endpoint: {args.endpoint}")

    paths = sorted(
        os.path.join(args.cases_dir, f)
        for f in os.listdir(args.cases_dir)
        if f.endswith(".json") and (not args.only or any(s in f for s in args.only))
    )
    enable_execution(args.endpoint)
    sfn = client(args.endpoint)
    run_id = uuid.uuid4().hex[:8]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_case, sfn, p, args.timeout, run_id) for p in paths]
        results = [f.result() for f in futures]
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    for r in results:
        out.write(json.dumps(r, sort_keys=True) + "\n")
    if args.out:
        out.close()
    print(
        f"run_moto: {len(results)} cases in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
