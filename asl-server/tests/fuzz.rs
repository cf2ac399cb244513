//! Property tests: arbitrary bodies, targets and headers never get a 500 or a panic; every
//! answer is JSON, and every error carries an AWS `__type`.

mod common;

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

const ACTIONS: &[&str] = &[
    "StartExecution",
    "StartSyncExecution",
    "DescribeExecution",
    "DescribeStateMachineForExecution",
    "GetExecutionHistory",
    "ListExecutions",
    "StopExecution",
    "RedriveExecution",
    "SendTaskSuccess",
    "SendTaskFailure",
    "SendTaskHeartbeat",
    "ListStateMachines",
    "DescribeStateMachine",
    "CreateStateMachine",
    "UpdateStateMachine",
    "ValidateStateMachineDefinition",
    "DescribeMapRun",
    "ListMapRuns",
    "TestState",
];

const MEMBERS: &[&str] = &[
    "stateMachineArn",
    "executionArn",
    "mapRunArn",
    "name",
    "input",
    "output",
    "error",
    "cause",
    "taskToken",
    "maxResults",
    "nextToken",
    "reverseOrder",
    "includeExecutionData",
    "includedData",
    "statusFilter",
    "redriveFilter",
    "definition",
    "type",
    "severity",
    "roleArn",
    "clientToken",
    "traceHeader",
];

/// Values that reach past the type checks: real ARNs, JSON texts, enum names, and noise.
fn member_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(common::machine("waiter"))),
        Just(json!(common::machine("quick"))),
        Just(json!(common::machine("fan"))),
        Just(json!(
            "arn:aws:states:us-east-1:123456789012:execution:waiter:x"
        )),
        Just(json!(
            "arn:aws:states:us-east-1:123456789012:mapRun:fan/Items:1"
        )),
        Just(json!("{}")),
        Just(json!(
            "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}"
        )),
        Just(json!("RUNNING")),
        Just(json!("METADATA_ONLY")),
        Just(json!("EXPRESS")),
        Just(json!("WARNING")),
        any::<String>().prop_map(Value::from),
        "[a-z0-9:/#-]{0,40}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        Just(json!([1, "a"])),
        Just(json!({"k": {}})),
    ]
}

fn json_body() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((prop::sample::select(MEMBERS), member_value()), 0..6).prop_map(|kv| {
        let m: Map<String, Value> = kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => json_body(),
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => any::<String>().prop_map(String::into_bytes),
    ]
}

fn target() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => prop::sample::select(ACTIONS).prop_map(|a| Some(format!("AWSStepFunctions.{a}"))),
        1 => any::<String>().prop_map(Some),
        1 => Just(None),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("content-type".to_string()),
                Just("authorization".to_string()),
                Just("content-length".to_string()),
                Just("host".to_string()),
                "[a-z-]{1,12}",
            ],
            any::<String>(),
        ),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_request_gets_a_500(body in body(), target in target(), extra in headers(), signed in any::<bool>()) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let (engine, _tokens, _flag, _dir) = common::engine().await;
            let mut config = asl_server::Config::new();
            if signed {
                config = config.credential("AKIDSERVER", "s3cret");
            }
            let app = asl_server::router(engine, config);
            let mut request = Request::post("/").header("host", "localhost");
            if let Some(t) = &target
                && let Ok(v) = http::HeaderValue::from_str(t)
            {
                request = request.header("x-amz-target", v);
            }
            for (name, value) in &extra {
                if let (Ok(n), Ok(v)) = (
                    http::HeaderName::from_bytes(name.as_bytes()),
                    http::HeaderValue::from_str(value),
                ) {
                    request = request.header(n, v);
                }
            }
            let request = request.body(Body::from(body)).unwrap();
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            prop_assert!(status != StatusCode::INTERNAL_SERVER_ERROR);
            prop_assert!(status.as_u16() < 500, "{status}");
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let v: Value = serde_json::from_slice(&bytes)
                .map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
            if status != StatusCode::OK {
                prop_assert!(v["__type"].as_str().is_some_and(|t| t.contains('#')), "{v}");
            }
            Ok(())
        })?;
    }
}
