//! The door, over raw HTTP: AWS-shaped errors for malformed bodies, wrong types, missing
//! members, unknown targets, hosts that are not served (DNS rebinding), oversized bodies and
//! missing credentials; and ValidateStateMachineDefinition's answers compared with AWS's
//! recorded ones (the conformance corpus's `invalid/validate_state_machine_definition_*`).

mod common;

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

/// Sends one request to `app`; the status and the JSON body.
async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    assert_eq!(
        response.headers()["content-type"],
        "application/x-amz-json-1.0"
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn request(host: &str, target: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut r = Request::post("/")
        .header("host", host)
        .header("content-type", "application/x-amz-json-1.0");
    if let Some(t) = target {
        r = r.header("x-amz-target", format!("AWSStepFunctions.{t}"));
    }
    r.body(body.into()).unwrap()
}

async fn app(config: asl_server::Config) -> (axum::Router, tempfile::TempDir) {
    let (engine, _tokens, _flag, dir) = common::engine().await;
    (asl_server::router(engine, config), dir)
}

#[tokio::test]
async fn malformed_bodies_and_wrong_members_are_aws_errors() {
    let (app, _dir) = app(asl_server::Config::new()).await;
    let call = |target: &'static str, body: &'static str| {
        let app = app.clone();
        async move { send(&app, request("localhost", Some(target), body)).await }
    };
    for body in ["{", "[]", "\"text\"", "{\"a\": 1} trailing", "\u{0}"] {
        let (status, v) = call("StartExecution", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            v["__type"], "com.amazon.coral.service#SerializationException",
            "{body}"
        );
    }
    let (status, v) = call("StartExecution", r#"{"stateMachineArn": 5}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#SerializationException"
    );
    assert_eq!(
        v["message"],
        "NUMBER_VALUE at 'stateMachineArn' can not be converted to a String"
    );
    let (_, v) = call(
        "GetExecutionHistory",
        r#"{"executionArn": "x", "reverseOrder": "yes"}"#,
    )
    .await;
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#SerializationException"
    );

    let (status, v) = call("StartExecution", "{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({
            "__type": "com.amazon.coral.validate#ValidationException",
            "message": "1 validation error detected: Value null at 'stateMachineArn' failed \
                        to satisfy constraint: Member must not be null"
        })
    );
    // An empty body is an empty object; null is absent; unknown members are ignored.
    let (_, v) = call("SendTaskSuccess", "").await;
    assert_eq!(
        v["message"],
        "2 validation errors detected: Value null at 'taskToken' failed to satisfy \
         constraint: Member must not be null; Value null at 'output' failed to satisfy \
         constraint: Member must not be null"
    );
    let (status, v) = call("ListStateMachines", r#"{"nextToken": null, "extra": [1]}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["stateMachines"].as_array().map(Vec::len), Some(6));
    // Sensitive members are not echoed.
    let (_, v) = call(
        "StopExecution",
        r#"{"executionArn": "arn:aws:states:us-east-1:1:execution:a:b", "error": "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"}"#,
    )
    .await;
    assert_eq!(
        v["message"],
        "1 validation error detected: Value at 'error' failed to satisfy constraint: Member \
         must have length less than or equal to 256"
    );
    let (_, v) = call(
        "ListExecutions",
        r#"{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:waiter", "statusFilter": "DONE", "redriveFilter": "X"}"#,
    )
    .await;
    assert_eq!(
        v["message"],
        "2 validation errors detected: Value 'DONE' at 'statusFilter' failed to satisfy \
         constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, \
         TIMED_OUT, ABORTED, PENDING_REDRIVE]; Value 'X' at 'redriveFilter' failed to satisfy \
         constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]"
    );
    let (_, v) = call(
        "DescribeExecution",
        r#"{"executionArn": "arn:aws:states:us-east-1:123456789012:execution:waiter:none"}"#,
    )
    .await;
    assert_eq!(
        v["__type"],
        "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist"
    );
}

#[tokio::test]
async fn unknown_targets_methods_and_content_types() {
    let (app, _dir) = app(asl_server::Config::new()).await;
    for target in [Some("NoSuchAction"), Some(""), None] {
        let (status, v) = send(&app, request("localhost", target, "{}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            v["__type"],
            "com.amazon.coral.service#UnknownOperationException"
        );
    }
    let foreign = Request::post("/")
        .header("host", "localhost")
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .body(Body::from("{}"))
        .unwrap();
    let (_, v) = send(&app, foreign).await;
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    // Without the console, `GET /` is the API's unknown operation (with it, a redirect to
    // the console: tests/console.rs).
    let (no_console, _dir2) = self::app(asl_server::Config::new().without_console()).await;
    let get = Request::get("/")
        .header("host", "localhost")
        .body(Body::empty())
        .unwrap();
    let (status, v) = send(&no_console, get).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    let text = Request::post("/")
        .header("host", "localhost")
        .header("content-type", "text/plain")
        .header("x-amz-target", "AWSStepFunctions.ListStateMachines")
        .body(Body::from("{}"))
        .unwrap();
    let (status, _) = send(&app, text).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn only_configured_hosts_are_answered() {
    let (app, _dir) = app(asl_server::Config::new().host("Box.Lan")).await;
    for host in [
        "localhost",
        "localhost:8083",
        "sync-localhost:8083",
        "127.0.0.1:1",
        "[::1]:9",
        "box.lan",
        "sync-box.lan:80",
    ] {
        let (status, _) = send(&app, request(host, Some("ListStateMachines"), "{}")).await;
        assert_eq!(status, StatusCode::OK, "{host}");
    }
    for host in [
        "evil.example",
        "evil.example:8083",
        "localhost.evil.example",
        "sync-evil",
    ] {
        let (status, v) = send(&app, request(host, Some("ListStateMachines"), "{}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{host}");
        assert_eq!(
            v["__type"],
            "com.amazon.coral.service#AccessDeniedException"
        );
        assert!(v["message"].as_str().unwrap().contains("box.lan"));
    }
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let (app, _dir) = app(asl_server::Config::new().max_body(1000)).await;
    let big = format!(r#"{{"definition": "{}"}}"#, "x".repeat(2000));
    // Declared length: refused before reading.
    let declared = Request::post("/")
        .header("host", "localhost")
        .header("content-length", big.len())
        .header(
            "x-amz-target",
            "AWSStepFunctions.ValidateStateMachineDefinition",
        )
        .body(Body::from(big.clone()))
        .unwrap();
    let (status, v) = send(&app, declared).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#RequestEntityTooLargeException"
    );
    // Streamed without a length: refused once past the limit.
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = big
        .as_bytes()
        .chunks(100)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    let streamed = Request::post("/")
        .header("host", "localhost")
        .header(
            "x-amz-target",
            "AWSStepFunctions.ValidateStateMachineDefinition",
        )
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let (status, _) = send(&app, streamed).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Within the limit: served.
    let (status, _) = send(
        &app,
        request(
            "localhost",
            Some("ValidateStateMachineDefinition"),
            r#"{"definition": "{}"}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_over_tcp_at_the_default_limit() {
    let s = common::serve().await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: AWSStepFunctions.StartExecution\r\nContent-Length: {}\r\n\r\n",
        s.addr.port(),
        2 * 1024 * 1024
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let n = tcp.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("RequestEntityTooLargeException"),
        "{answer}"
    );
    // The bound address is a served host name; another name is not.
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(
        b"POST / HTTP/1.1\r\nHost: attacker.example\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\nContent-Length: 2\r\n\r\n{}",
    )
    .await
    .unwrap();
    let mut answer = vec![0; 4096];
    let n = tcp.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 403"));
}

#[tokio::test]
async fn credentials_require_an_authorization_header() {
    let (app, _dir) = app(asl_server::Config::new().credential("AKIDSERVER", "s3cret")).await;
    let (status, v) = send(&app, request("localhost", Some("ListStateMachines"), "{}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
}

/// ValidateStateMachineDefinition answers as AWS did for each recorded definition.
#[tokio::test]
async fn validation_matches_the_aws_recordings() {
    let (app, _dir) = app(asl_server::Config::new()).await;
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/conformance/corpus/invalid");
    let mut compared = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("validate_state_machine_definition_"))
        })
        .collect();
    dirs.sort();
    for dir in dirs {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let definition = std::fs::read_to_string(dir.join("definition.asl.json")).unwrap();
        let mut body = json!({ "definition": definition });
        if expected["type"] == "EXPRESS" {
            body["type"] = json!("EXPRESS");
        }
        let (status, v) = send(
            &app,
            request(
                "localhost",
                Some("ValidateStateMachineDefinition"),
                body.to_string(),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["result"], "FAIL", "{}", dir.display());
        assert_eq!(v["truncated"], false);
        assert_eq!(
            v["diagnostics"],
            expected["diagnostics"],
            "{}",
            dir.display()
        );
        compared += 1;
    }
    assert!(
        compared >= 8,
        "only {compared} recordings under {}",
        corpus.display()
    );
}
