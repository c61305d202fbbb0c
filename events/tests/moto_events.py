#!/usr/bin/env python3
"""Observes moto's EventBridge pattern matcher, for events/tests/moto_differential.rs.

Usage: moto_events.py <moto endpoint, http://127.0.0.1:PORT> <input.json> <output.jsonl>

input.json: {"match": [{"id", "pattern": "<text>", "event": {"source", "detail-type",
"resources", "detail"}}], "invalid": [{"id", "pattern": "<text>"}]}.

moto's TestEventPattern returns no result, so a match is observed through delivery: one rule
(its pattern replaced by PutRule for every case) targets one SQS queue; PutEvents sends the
case's event; ReceiveMessage tells whether it was delivered (moto delivers synchronously inside
PutEvents). For invalid patterns, PutRule's answer (accepted or the error) is recorded.
Writes one JSON line per case: {"id", "matched": bool} or {"id", "accepted": bool, "error"}.
Only the loopback endpoint given is used, with dummy credentials.
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"
RULE = "wfc-events-differential"


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def main():
    endpoint, input_path, output_path = sys.argv[1:4]
    if not endpoint.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise SystemExit(f"refusing a non-loopback endpoint: {endpoint}")
    with open(input_path, encoding="utf-8") as f:
        spec = json.load(f)
    events = client("events", endpoint)
    sqs = client("sqs", endpoint)
    queue_url = sqs.create_queue(QueueName="wfc-events-differential")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    results = []
    first = True
    for case in spec["match"]:
        try:
            events.put_rule(Name=RULE, EventPattern=case["pattern"], State="ENABLED")
            if first:
                events.put_targets(Rule=RULE, Targets=[{"Id": "queue", "Arn": queue_arn}])
                first = False
            e = case["event"]
            entry = {
                "Source": e["source"],
                "DetailType": e["detail-type"],
                "Detail": json.dumps(e["detail"]),
                "Resources": e.get("resources", []),
            }
            answer = events.put_events(Entries=[entry])
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"PutEvents refused the event: {answer['Entries']}")
            received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            messages = received.get("Messages", [])
            for m in messages:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            results.append({"id": case["id"], "matched": len(messages) > 0})
        except Exception as exc:  # noqa: BLE001 - reported, never hidden
            results.append({"id": case["id"], "error": f"{type(exc).__name__}: {exc}"})
    for case in spec["invalid"]:
        try:
            events.put_rule(Name=RULE + "-invalid", EventPattern=case["pattern"], State="ENABLED")
            results.append({"id": case["id"], "accepted": True})
        except ClientError as exc:
            err = exc.response.get("Error", {})
            results.append(
                {"id": case["id"], "accepted": False, "error": f"{err.get('Code')}: {err.get('Message')}"}
            )
        except Exception as exc:  # noqa: BLE001
            results.append({"id": case["id"], "accepted": False, "error": f"{type(exc).__name__}: {exc}"})
    with open(output_path, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
