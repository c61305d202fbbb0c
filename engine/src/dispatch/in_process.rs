//! In-process handlers: Rust closures registered per resource (see [`super::Handlers`]), the
//! echo handler, and the `lambda:invoke` result envelope the engine wraps around a function's
//! output.

use super::{TaskOutcome, TaskRequest};
use serde_json::{json, Value};

/// Returns the payload unchanged: what moto's Lambda does, and the stand-in for activities that
/// do not exist yet (`wfc run --echo-lambda`).
pub fn echo(request: &TaskRequest) -> TaskOutcome {
    TaskOutcome::Succeeded(request.payload.clone())
}

/// The result of `arn:aws:states:::lambda:invoke`: the Lambda Invoke API response, with the
/// function's output under `Payload`. `request_id` stands in for the `x-amzn-RequestId` AWS
/// generates (the engine draws it from the seeded random source, so runs are reproducible).
pub fn lambda_envelope(payload: Value, request_id: &str, date: &str) -> Value {
    let headers = json!({
        "Connection": "keep-alive",
        "Content-Type": "application/json",
        "Date": date,
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
    });
    let all_headers: serde_json::Map<String, Value> = headers
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json!([v])))
        .collect();
    let mut envelope = json!({
        "ExecutedVersion": "$LATEST",
        "Payload": null,
        "SdkHttpMetadata": {
            "AllHttpHeaders": all_headers,
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": 200,
    });
    // Moved in, in its place: `json!` would serialise the payload into a copy.
    envelope["Payload"] = payload;
    envelope
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_carries_payload_and_status() {
        let e = lambda_envelope(
            json!({"ok": true}),
            "req-1",
            "Mon, 01 Jan 2024 00:00:00 GMT",
        );
        assert_eq!(e["Payload"], json!({"ok": true}));
        assert_eq!(e["StatusCode"], 200);
        assert_eq!(e["ExecutedVersion"], "$LATEST");
        assert_eq!(e["SdkResponseMetadata"]["RequestId"], "req-1");
        assert_eq!(
            e["SdkHttpMetadata"]["AllHttpHeaders"]["x-amzn-RequestId"],
            json!(["req-1"])
        );
    }
}
