//! Lambda (TASK-2) through the public API: function ARNs and `lambda:invoke` against moto's
//! Lambda without Docker (it echoes the payload, or returns what `/moto-api` queued), and
//! against a local stub of the `Invoke` endpoint for what moto cannot do (failed functions,
//! missing functions, throttling, timeouts). Shapes, names and causes as recorded on AWS in
//! the conformance corpus (tests/conformance/corpus/tasks/services/lambda_task*,
//! error_handling/task_lambda__*, task_service_lambda__*) and as AWS documents them ("Handle
//! Lambda service exceptions").
//!
//! moto keeps one queue of results per account and region: only
//! `function_arn_result_is_the_return_value` queues, in a region no other test calls, so
//! the echo tests (in another region) see no queued result.

mod stub;

use std::time::Duration;

use asl_runtime::Value;
use serde_json::json;

use self::stub::{REQUEST_ID, Reply, Stub};
use crate::common;

/// The region of the echo tests: nothing is ever queued there.
const ECHO_REGION: &str = "eu-west-3";
/// The region of the test that queues results.
const QUEUE_REGION: &str = "eu-north-1";

asl_runtime::asl!(mod echo_by_arn {
    "StartAt": "Call",
    "States": {"Call": {
        "Type": "Task",
        "Resource": "arn:aws:lambda:eu-west-3:123456789012:function:asl-echo",
        "End": true}}
});

asl_runtime::asl!(mod queued_by_arn {
    "StartAt": "Call",
    "States": {"Call": {
        "Type": "Task",
        "Resource": "arn:aws:lambda:eu-north-1:123456789012:function:asl-queued",
        "End": true}}
});

// The corpus's lambda_task_service__invoke_* definition.
asl_runtime::asl!(mod invoke_payload {
    "StartAt": "Start",
    "States": {"Start": {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"},
        "End": true}}
});

// Every member lambda:invoke takes; a null one is left out.
asl_runtime::asl!(mod invoke_all {
    "StartAt": "Start",
    "States": {"Start": {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {
            "FunctionName.$": "$.FunctionName",
            "Payload.$": "$.Payload",
            "InvocationType.$": "$.InvocationType",
            "LogType.$": "$.LogType",
            "ClientContext.$": "$.ClientContext",
            "Qualifier.$": "$.Qualifier"
        },
        "End": true}}
});

asl_runtime::asl!(mod invoke_unknown_member {
    "StartAt": "Start",
    "States": {"Start": {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "asl-f", "Payload": {}, "Timeout": 3},
        "End": true}}
});

// The stub's function: the resource's region does not matter, the stub answers for all.
asl_runtime::asl!(mod stub_by_arn {
    "StartAt": "Call",
    "States": {"Call": {
        "Type": "Task",
        "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:asl-stub",
        "End": true}}
});

asl_runtime::asl!(mod retried_and_caught {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:asl-flaky",
            "Retry": [{"ErrorEquals": ["CustomException"], "IntervalSeconds": 1,
                       "MaxAttempts": 2, "BackoffRate": 1.0}],
            "Catch": [{"ErrorEquals": ["CustomException"], "ResultPath": "$.error",
                       "Next": "Caught"}],
            "End": true},
        "Caught": {"Type": "Pass", "End": true}}
});

/// Switches moto's Lambda to its Docker-less backend (idempotent: every Lambda test asks).
async fn without_docker(url: &str) {
    let status = stub::moto_post(
        url,
        "/moto-api/config",
        &json!({"lambda": {"use_docker": false}}),
    )
    .await;
    assert_eq!(status, 201, "moto refused the Lambda configuration");
}

/// What the recorded Python functions raise, as Lambda sends it (the runtime's spacing).
const RAISED: &str = r#"{"errorMessage": "", "errorType": "CustomException", "requestId": "0b2a4c5e-1d3f-4a6b-8c7d-9e0f1a2b3c4d", "stackTrace": ["  File \"/var/task/handler.py\", line 9, in handler\n    raise CustomException()\n"]}"#;
/// The same, as Step Functions writes it back for lambda:invoke (task_service_lambda__raise_custom_exception).
const RAISED_COMPACT: &str = r#"{"errorMessage":"","errorType":"CustomException","requestId":"0b2a4c5e-1d3f-4a6b-8c7d-9e0f1a2b3c4d","stackTrace":["  File \"/var/task/handler.py\", line 9, in handler\n    raise CustomException()\n"]}"#;
/// A function that timed out: no errorType.
const TIMED_OUT: &str = r#"{"errorMessage": "2024-05-24T10:00:03.000Z 0b2a4c5e-1d3f-4a6b-8c7d-9e0f1a2b3c4d Task timed out after 3.00 seconds"}"#;

fn invoke_input(function: &str, payload: Value) -> Value {
    json!({"FunctionName": function, "Payload": payload})
}

/// TASK-2: a function ARN's result is the function's return value; the effective input is the
/// payload, whatever its JSON type (corpus lambda_task__invoke_json_values_*, _bytes_payload).
#[tokio::test]
async fn function_arn_returns_what_the_function_returns() {
    let Some(m) = common::moto(
        "function_arn_returns_what_the_function_returns",
        ECHO_REGION,
    )
    .await
    else {
        return;
    };
    without_docker(&m.url).await;
    let wf = echo_by_arn::Workflow::from_services(m.aws.clone());
    for input in [
        json!("HelloWorld!"),
        json!(0.0),
        json!(-7),
        json!(true),
        json!(null),
        json!({}),
        json!([]),
        json!({"order": {"id": "o-1", "lines": [1, 2.5, "x", null, false]}}),
    ] {
        let out = wf.run(input.clone()).await.unwrap();
        assert_eq!(out, input, "moto's function echoes its payload");
    }
}

/// TASK-2: the result is what the function returned, decoded from JSON, not its input.
#[tokio::test]
async fn function_arn_result_is_the_return_value() {
    let Some(m) = common::moto("function_arn_result_is_the_return_value", QUEUE_REGION).await
    else {
        return;
    };
    without_docker(&m.url).await;
    let queued = json!({
        "results": ["{\"ok\": true, \"n\": [1, 2]}", "\"HelloWorld!\""],
        "region": QUEUE_REGION,
        "account_id": "123456789012"
    });
    let status = stub::moto_post(&m.url, "/moto-api/static/lambda-simple/response", &queued).await;
    assert_eq!(status, 201);
    let wf = queued_by_arn::Workflow::from_services(m.aws.clone());
    assert_eq!(
        wf.run(json!({"in": 1})).await.unwrap(),
        json!({"ok": true, "n": [1, 2]})
    );
    assert_eq!(
        wf.run(json!({"in": 2})).await.unwrap(),
        json!("HelloWorld!")
    );
}

/// TASK-2: lambda:invoke's result is the Invoke response: the payload decoded, the status code
/// and the SDK's response metadata (corpus lambda_task_service__invoke_*).
#[tokio::test]
async fn invoke_returns_the_response_envelope() {
    let Some(m) = common::moto("invoke_returns_the_response_envelope", ECHO_REGION).await else {
        return;
    };
    without_docker(&m.url).await;
    let wf = invoke_payload::Workflow::from_services(m.aws.clone());
    let out = wf
        .run(invoke_input("asl-echo", json!({"order": "o-1", "qty": 2})))
        .await
        .unwrap();
    assert_eq!(out["Payload"], json!({"order": "o-1", "qty": 2}));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert!(out["SdkHttpMetadata"]["AllHttpHeaders"].is_object());
    assert!(out["SdkResponseMetadata"]["RequestId"].is_string());
    for key in out.as_object().unwrap().keys() {
        assert!(
            [
                "ExecutedVersion",
                "Payload",
                "SdkHttpMetadata",
                "SdkResponseMetadata",
                "StatusCode"
            ]
            .contains(&key.as_str()),
            "unexpected member {key} in {out}"
        );
    }
}

/// TASK-2: a Payload string is the payload's text as it is ("\"HelloWorld\"" reaches the
/// function as a string, "0.0" as a number: corpus invoke_json_values_HelloWorld,
/// lambda_task_service__invoke_json_values_*); any other value is sent as its JSON text.
#[tokio::test]
async fn invoke_payload_as_text_or_as_json() {
    let Some(m) = common::moto("invoke_payload_as_text_or_as_json", ECHO_REGION).await else {
        return;
    };
    without_docker(&m.url).await;
    let wf = invoke_payload::Workflow::from_services(m.aws.clone());
    for (payload, returned) in [
        (json!("\"HelloWorld\""), json!("HelloWorld")),
        (json!("0.0"), json!(0.0)),
        (json!("[]"), json!([])),
        (json!("{}"), json!({})),
        (
            json!({"k": [1, {"x": null}]}),
            json!({"k": [1, {"x": null}]}),
        ),
        (json!(7), json!(7)),
        (json!(false), json!(false)),
        (json!([1, "a"]), json!([1, "a"])),
    ] {
        let out = wf
            .run(invoke_input("asl-echo", payload.clone()))
            .await
            .unwrap();
        assert_eq!(out["Payload"], returned, "Payload {payload}");
    }
}

/// TASK-2: the envelope as recorded on AWS, members in the recorded order, with LogType Tail's
/// LogResult (corpus invoke_unsupported_param); every member is passed to Invoke.
#[tokio::test]
async fn invoke_envelope_has_the_recorded_shape() {
    let stub =
        Stub::always(Reply::returned("{}").header("X-Amz-Log-Result", "U1RBUlQgUmVxdWVzdElk"))
            .await;
    let wf = invoke_all::Workflow::from_services(stub.aws("us-east-1").await);
    let out = wf
        .run(json!({
            "FunctionName": "asl-f",
            "Payload": null,
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "ClientContext": "eyJjdXN0b20iOnsiYSI6MX19",
            "Qualifier": "live"
        }))
        .await
        .unwrap();
    let keys: Vec<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "ExecutedVersion",
            "LogResult",
            "Payload",
            "SdkHttpMetadata",
            "SdkResponseMetadata",
            "StatusCode"
        ]
    );
    assert_eq!(out["ExecutedVersion"], "$LATEST");
    assert_eq!(out["LogResult"], "U1RBUlQgUmVxdWVzdElk");
    assert_eq!(out["Payload"], json!({}));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["SdkResponseMetadata"], json!({"RequestId": REQUEST_ID}));
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);

    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(
        request.target,
        "/2015-03-31/functions/asl-f/invocations?Qualifier=live"
    );
    assert_eq!(
        request.header("x-amz-invocation-type"),
        Some("RequestResponse")
    );
    assert_eq!(request.header("x-amz-log-type"), Some("Tail"));
    assert_eq!(
        request.header("x-amz-client-context"),
        Some("eyJjdXN0b20iOnsiYSI6MX19")
    );
    // A null Payload is no payload: Lambda hands the function {} (recorded Payload {}).
    assert!(request.body.is_empty());
}

/// TASK-2: InvocationType Event answers 202 with no payload; the state gets StatusCode 202 and
/// an empty Payload.
#[tokio::test]
async fn invoke_event_gives_202_and_an_empty_payload() {
    let stub = Stub::always(Reply::bare(202)).await;
    let wf = invoke_all::Workflow::from_services(stub.aws("us-east-1").await);
    let out = wf
        .run(json!({
            "FunctionName": "asl-f",
            "Payload": {"fire": "and forget"},
            "InvocationType": "Event",
            "LogType": null,
            "ClientContext": null,
            "Qualifier": null
        }))
        .await
        .unwrap();
    assert_eq!(out["StatusCode"], 202);
    assert_eq!(out["Payload"], "");
    assert!(out.get("ExecutedVersion").is_none());
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 202);
    let seen = stub.seen();
    assert_eq!(seen[0].header("x-amz-invocation-type"), Some("Event"));
    assert_eq!(seen[0].body_text(), r#"{"fire":"and forget"}"#);
    assert_eq!(seen[0].target, "/2015-03-31/functions/asl-f/invocations");
}

/// ERR: a function that raised fails the state with the raised type as the error and the
/// payload as the cause: as Lambda sent it for a function ARN
/// (task_lambda__raise_custom_exception), compact for lambda:invoke
/// (task_service_lambda__raise_custom_exception).
#[tokio::test]
async fn function_error_is_the_raised_type_with_the_payload_as_cause() {
    let stub = Stub::always(Reply::failed(RAISED)).await;
    let aws = stub.aws("us-east-1").await;

    let err = stub_by_arn::Workflow::from_services(aws.clone())
        .run(json!({"in": 1}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("CustomException"));
    assert_eq!(err.cause(), Some(RAISED));
    assert_eq!(stub.seen()[0].body_text(), r#"{"in":1}"#);
    assert_eq!(
        stub.seen()[0].target,
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Aasl-stub/invocations"
    );

    let err = invoke_payload::Workflow::from_services(aws)
        .run(invoke_input("asl-f", Value::Null))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("CustomException"));
    assert_eq!(err.cause(), Some(RAISED_COMPACT));
}

/// ERR: a failure without errorType (a timeout, out of memory) is Lambda.Unknown, as AWS
/// documents.
#[tokio::test]
async fn function_error_without_a_type_is_lambda_unknown() {
    let stub = Stub::always(Reply::failed(TIMED_OUT)).await;
    let aws = stub.aws("us-east-1").await;
    let err = stub_by_arn::Workflow::from_services(aws.clone())
        .run(json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.Unknown"));
    assert_eq!(err.cause(), Some(TIMED_OUT));
    let err = invoke_payload::Workflow::from_services(aws)
        .run(invoke_input("asl-f", json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.Unknown"));
    let compact: Value = serde_json::from_str(TIMED_OUT).unwrap();
    assert_eq!(err.cause(), Some(compact.to_string().as_str()));
}

/// RETRY/CATCH: Retry and Catch see the raised type (error_handling/lambda_invoke_with_retry_base,
/// task_lambda__raise_exception_catch).
#[tokio::test]
async fn function_error_is_retried_and_caught() {
    // Fails twice, then returns.
    let stub = Stub::start(|_, n| match n {
        0 | 1 => Reply::failed(RAISED),
        _ => Reply::returned(r#"{"done": true}"#),
    })
    .await;
    let out = retried_and_caught::Workflow::from_services(stub.aws("us-east-1").await)
        .run(json!({"in": 1}))
        .await
        .unwrap();
    assert_eq!(out, json!({"done": true}));
    assert_eq!(stub.seen().len(), 3);

    // Always fails: caught after the retries, the cause being the payload.
    let stub = Stub::always(Reply::failed(RAISED)).await;
    let out = retried_and_caught::Workflow::from_services(stub.aws("us-east-1").await)
        .run(json!({"in": 1}))
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"in": 1, "error": {"Error": "CustomException", "Cause": RAISED}})
    );
    assert_eq!(stub.seen().len(), 3);
}

/// ERR: a missing function is Lambda.ResourceNotFoundException with the SDK for Java v1's
/// cause, for both forms.
#[tokio::test]
async fn missing_function_is_resource_not_found() {
    let message = "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:asl-stub";
    let stub = Stub::always(Reply::error(404, "ResourceNotFoundException", message)).await;
    let aws = stub.aws("us-east-1").await;
    let cause = format!(
        "{message} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; \
         Request ID: {REQUEST_ID}; Proxy: null)"
    );
    let err = stub_by_arn::Workflow::from_services(aws.clone())
        .run(json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.ResourceNotFoundException"));
    assert_eq!(err.cause(), Some(cause.as_str()));
    let err = invoke_payload::Workflow::from_services(aws)
        .run(invoke_input("asl-stub", json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.ResourceNotFoundException"));
    assert_eq!(err.cause(), Some(cause.as_str()));
}

/// ERR: throttling is Lambda.TooManyRequestsException, handed to the state at once (its Retry
/// decides, not the SDK); other answers as AWS documents them.
#[tokio::test]
async fn service_errors_are_named_as_aws_documents() {
    let stub = Stub::always(
        Reply::error(429, "TooManyRequestsException", "Rate Exceeded.").header("Retry-After", "1"),
    )
    .await;
    let err = stub_by_arn::Workflow::from_services(stub.aws("us-east-1").await)
        .run(json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.TooManyRequestsException"));
    assert_eq!(
        err.cause(),
        Some(
            format!(
                "Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: \
                 TooManyRequestsException; Request ID: {REQUEST_ID}; Proxy: null)"
            )
            .as_str()
        )
    );
    assert_eq!(
        stub.seen().len(),
        1,
        "the SDK must not invoke again by itself"
    );

    let stub = Stub::always(Reply::error(500, "ServiceException", "Internal error")).await;
    let err = invoke_payload::Workflow::from_services(stub.aws("us-east-1").await)
        .run(invoke_input("asl-f", json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.ServiceException"));
    assert_eq!(stub.seen().len(), 1);

    // An answer Lambda's API does not model: the service's base exception.
    let stub = Stub::always(Reply::bare(502)).await;
    let err = stub_by_arn::Workflow::from_services(stub.aws("us-east-1").await)
        .run(json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.AWSLambdaException"));

    // No answer at all.
    let aws =
        asl_aws::Aws::from_conf(common::sdk_config(&stub::closed_port_url(), "us-east-1").await);
    let err = stub_by_arn::Workflow::from_services(aws)
        .run(json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.SdkClientException"));
    assert!(
        err.cause()
            .unwrap()
            .starts_with("Unable to execute HTTP request: ")
    );
}

/// ERR: the configured operation timeout firing is Lambda.ClientExecutionTimeoutException.
#[tokio::test]
async fn operation_timeout_is_client_execution_timeout() {
    let stub = Stub::always(Reply::returned("{}").after(Duration::from_secs(30))).await;
    let config = common::sdk_config(&stub.url, "us-east-1")
        .await
        .to_builder()
        .timeout_config(
            aws_smithy_types::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_millis(300))
                .build(),
        )
        .build();
    let err = stub_by_arn::Workflow::from_services(asl_aws::Aws::from_conf(config))
        .run(json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("Lambda.ClientExecutionTimeoutException"));
    assert_eq!(
        err.cause(),
        Some("Client execution did not complete before the specified timeout configuration.")
    );
}

/// TASK-2: a member Invoke does not have is an error, never dropped; FunctionName is required.
#[tokio::test]
async fn invoke_rejects_unknown_and_missing_members() {
    let stub = Stub::always(Reply::returned("{}")).await;
    let aws = stub.aws("us-east-1").await;
    let err = invoke_unknown_member::Workflow::from_services(aws.clone())
        .run(json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(
        err.cause().unwrap().contains("'Timeout'"),
        "{:?}",
        err.cause()
    );

    let err = invoke_payload::Workflow::from_services(aws)
        .run(json!({"FunctionName": null, "Payload": {}}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(
        err.cause().unwrap().contains("'FunctionName'"),
        "{:?}",
        err.cause()
    );
    assert!(stub.seen().is_empty(), "nothing is invoked");
}

asl_runtime::asl!(mod callback {
    "StartAt": "Approve",
    "States": {"Approve": {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {
            "FunctionName": "asl-approver",
            "Payload": {"token.$": "$$.Task.Token", "order.$": "$.order"}
        },
        "End": true}}
});

/// TASK-4: lambda:invoke.waitForTaskToken invokes the function with the token in its payload;
/// the state's result is what SendTaskSuccess hands back. Only a durable execution can be
/// completed from outside: a plain run says so.
#[tokio::test]
async fn invoke_wait_for_task_token_completes_with_the_callback() {
    use asl_runtime::{Engine, StartOptions, store::SqliteStore};

    let stub = Stub::always(Reply::returned("null")).await;
    let aws = stub.aws("us-east-1").await;
    let engine = Engine::builder()
        .store(SqliteStore::memory().await.unwrap())
        .workflow("callback", callback::Workflow::from_services(aws.clone()))
        .build()
        .await
        .unwrap();
    let id = engine
        .start("callback", json!({"order": "o-7"}), StartOptions::default())
        .await
        .unwrap();
    let mut payload = Value::Null;
    for _ in 0..250 {
        if let Some(request) = stub.seen().first() {
            payload = serde_json::from_slice(&request.body).unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(payload["order"], "o-7");
    let token = payload["token"]
        .as_str()
        .expect("the task token in the payload");
    engine
        .send_task_success(token, json!({"approved": true}))
        .await
        .unwrap();
    assert_eq!(engine.wait(&id).await.unwrap(), json!({"approved": true}));

    let err = callback::Workflow::from_services(aws)
        .run(json!({"order": "o-8"}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
}
