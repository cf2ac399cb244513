//! Helpers for handlers of `arn:aws:states:::lambda:invoke` Task states, whose result on AWS is
//! the Lambda Invoke response (TASK-2), not the function's return value.

use serde_json::{Value, json};

/// The response AWS's `lambda:invoke` integration gives a state for a function that returned
/// `payload`: `{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata",
/// "StatusCode": 200}`, as recorded on AWS (request ids and dates are fresh per call).
///
/// ```
/// let r = asl_runtime::lambda::invoke_response(serde_json::json!({"ok": true}));
/// assert_eq!(r["Payload"], serde_json::json!({"ok": true}));
/// assert_eq!(r["StatusCode"], 200);
/// ```
pub fn invoke_response(payload: Value) -> Value {
    let request_id = uuid::Uuid::new_v4().to_string();
    let date = crate::clock::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let length = serde_json::to_vec(&payload)
        .map_or(0, |b| b.len())
        .to_string();
    let trace = format!("Root=1-{}", uuid::Uuid::new_v4().simple());
    json!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [length],
                "Date": [date],
                "X-Amzn-Trace-Id": [trace],
                "Content-Type": ["application/json"]
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": length,
                "Content-Type": "application/json",
                "Date": date,
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
                "X-Amzn-Trace-Id": trace
            },
            "HttpStatusCode": 200
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": 200
    })
}
