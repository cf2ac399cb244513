//! TestState for compiled states (issue 19), through the public API: `Workflow::test_state`
//! with the generated state enums and `asl_runtime::testing::TestState`.
//!
//! Expected shapes follow AWS's recordings in tests/conformance/corpus/teststate/ (cited per
//! test); that runner checks all 132 of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use asl_runtime::testing::{FieldValidationMode, InspectionLevel, TestState, TestStatus};
use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod payments {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": { "FunctionName": "charge", "Payload.$": "$.order" },
                "ResultSelector": { "receipt.$": "$.Payload" },
                "ResultPath": "$.payment",
                "Retry": [
                    { "ErrorEquals": ["Payment.Throttled"], "IntervalSeconds": 2, "BackoffRate": 3.0, "MaxAttempts": 3 }
                ],
                "Catch": [
                    { "ErrorEquals": ["Payment.Throttled"], "ResultPath": "$.error", "Next": "Retry later" },
                    { "ErrorEquals": ["Payment.Declined"], "ResultPath": "$.error", "Next": "Reject" }
                ],
                "Next": "Ship"
            },
            "Ship": {
                "Type": "Map",
                "ItemsPath": "$.order.lines",
                "ToleratedFailureCount": 1,
                "ItemProcessor": {
                    "StartAt": "Pack",
                    "States": {
                        "Pack": { "Type": "Pass", "Parameters": { "sku.$": "$.sku", "packed": true }, "Next": "Packed" },
                        "Packed": { "Type": "Succeed" }
                    }
                },
                "ResultPath": "$.parcels",
                "Next": "Done"
            },
            "Retry later": { "Type": "Fail", "Error": "Later" },
            "Reject": { "Type": "Fail", "Error": "Rejected" },
            "Done": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {
                    "who": "{% $customer %}",
                    "execution": "{% $states.context.Execution.Name %}",
                    "state": "{% $states.context.State.Name %}"
                },
                "End": true
            }
        }
});

/// Counts the handler's calls; answers with a Lambda envelope.
#[derive(Default)]
struct Handlers {
    calls: AtomicUsize,
}

impl payments::Tasks for Arc<Handlers> {
    async fn charge(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(json!({ "StatusCode": 200, "Payload": { "paid": input["Payload"]["total"] } }))
    }
}

fn workflow() -> (payments::Workflow<Arc<Handlers>>, Arc<Handlers>) {
    let handlers = Arc::new(Handlers::default());
    (payments::Workflow::new(Arc::clone(&handlers)), handlers)
}

fn order() -> Value {
    json!({ "order": { "total": 12, "lines": [{ "sku": "a" }, { "sku": "b" }] } })
}

/// A Task's mocked error caught by its Catcher: `CAUGHT_ERROR`, the Catcher's output and
/// `Next`, `catchIndex` (CATCH-3; recorded:
/// teststate/scenarios/state_task_catch_error_DEBUG_test_catch_mock_exception_response). The
/// handler is not called.
#[tokio::test]
async fn mocked_error_caught_by_its_catcher() {
    let (wf, handlers) = workflow();
    let r = wf
        .test_state(
            payments::State::Charge,
            TestState::new(order())
                .mock_error("Payment.Declined", "card expired")
                .inspection(InspectionLevel::Debug),
        )
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::CaughtError);
    assert_eq!(r.next_state.as_deref(), Some("Reject"));
    assert_eq!(r.error.as_deref(), Some("Payment.Declined"));
    assert_eq!(r.cause.as_deref(), Some("card expired"));
    let mut expected = order();
    expected["error"] = json!({ "Error": "Payment.Declined", "Cause": "card expired" });
    assert_eq!(r.output, Some(expected));
    let d = r.inspection_data.expect("DEBUG inspects");
    assert_eq!(d.error_details.and_then(|e| e.catch_index), Some(1));
    assert_eq!(
        d.after_parameters,
        Some(json!({ "FunctionName": "charge", "Payload": order()["order"] }))
    );
    assert_eq!(handlers.calls.load(Ordering::SeqCst), 0);
    // The response in AWS's JSON shape: payloads as JSON texts.
    let wire = r_json(&wf).await;
    assert_eq!(wire["status"], "CAUGHT_ERROR");
    assert_eq!(wire["nextState"], "Reject");
    assert_eq!(
        wire["inspectionData"]["errorDetails"],
        json!({ "catchIndex": 1 })
    );
    assert!(wire["output"].is_string());
}

async fn r_json(wf: &payments::Workflow<Arc<Handlers>>) -> Value {
    wf.test_state(
        payments::State::Charge,
        TestState::new(order())
            .mock_error("Payment.Declined", "card expired")
            .inspection(InspectionLevel::Trace),
    )
    .await
    .expect("runs")
    .to_json()
}

/// A retried error is `RETRIABLE` with the Retrier's index and the backoff after
/// `retrierRetryCount` retries (RETRY-8: 2 × 3² = 18 s); once the Retrier is exhausted the
/// Catchers decide (recorded: teststate/state_configuration/
/// state_configuration_retrier_retry_count_DEBUG_*).
#[tokio::test(start_paused = true)]
async fn retried_error_is_retriable_with_its_backoff() {
    let (wf, _) = workflow();
    let request = || {
        TestState::new(order())
            .mock_error("Payment.Throttled", "slow down")
            .inspection(InspectionLevel::Debug)
    };
    let r = wf
        .test_state(payments::State::Charge, request().retrier_retry_count(2))
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::Retriable);
    assert_eq!(r.output, None);
    assert_eq!(r.error.as_deref(), Some("Payment.Throttled"));
    let details = r
        .inspection_data
        .and_then(|d| d.error_details)
        .expect("details");
    assert_eq!(details.retry_index, Some(0));
    assert_eq!(details.retry_backoff_interval_seconds, Some(18));
    assert_eq!(details.catch_index, None);

    let r = wf
        .test_state(payments::State::Charge, request().retrier_retry_count(3))
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::CaughtError);
    assert_eq!(r.next_state.as_deref(), Some("Retry later"));
    let details = r
        .inspection_data
        .and_then(|d| d.error_details)
        .expect("details");
    assert_eq!(
        (
            details.retry_index,
            details.retry_backoff_interval_seconds,
            details.catch_index
        ),
        (Some(0), None, Some(0))
    );
}

/// Without a mock a Task calls its handler; the inspection data shows each step (DATA-5..17).
#[tokio::test]
async fn task_without_mock_calls_its_handler() {
    let (wf, handlers) = workflow();
    let r = wf
        .test_state(
            payments::State::Charge,
            TestState::new(order()).inspection(InspectionLevel::Debug),
        )
        .await
        .expect("runs");
    assert_eq!(handlers.calls.load(Ordering::SeqCst), 1);
    assert_eq!(r.status, TestStatus::Succeeded);
    assert_eq!(r.next_state.as_deref(), Some("Ship"));
    let mut out = order();
    out["payment"] = json!({ "receipt": { "paid": 12 } });
    assert_eq!(r.output, Some(out.clone()));
    let d = r.inspection_data.expect("inspects");
    assert_eq!(d.input, Some(order()));
    assert_eq!(d.after_input_path, Some(order()));
    assert_eq!(
        d.result,
        Some(json!({ "StatusCode": 200, "Payload": { "paid": 12 } }))
    );
    assert_eq!(
        d.after_result_selector,
        Some(json!({ "receipt": { "paid": 12 } }))
    );
    assert_eq!(d.after_result_path, Some(out));
    // INFO reports no inspection data.
    let r = wf
        .test_state(payments::State::Charge, TestState::new(order()))
        .await
        .expect("runs");
    assert_eq!(r.inspection_data, None);
}

/// A state inside a Map processor, named by its scope's enum: it runs alone and stops at
/// its transition (recorded: teststate/machine_scenarios/base_state_name_*-BASE_MAP_STATE_MACHINE).
#[tokio::test]
async fn nested_map_state_by_its_enum() {
    let (wf, _) = workflow();
    let r = wf
        .test_state(
            payments::ShipItemState::Pack,
            TestState::new(json!({ "sku": "a", "weight": 3 })),
        )
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::Succeeded);
    assert_eq!(r.output, Some(json!({ "sku": "a", "packed": true })));
    assert_eq!(r.next_state.as_deref(), Some("Packed"));
    assert_eq!(
        payments::AnyState::named("Pack"),
        Some(payments::ShipItemState::Pack.into())
    );
}

/// A Map's mocked result stands for its iterations' (which do not run); a
/// `mapIterationFailureCount` above `ToleratedFailureCount` fails it (MAP-24; recorded:
/// teststate/state_configuration/map_state_failure_count_*).
#[tokio::test]
async fn map_with_mocked_results_and_failures() {
    let (wf, _) = workflow();
    let request = || {
        TestState::new(order())
            .mock_result(json!([{ "p": 1 }, { "p": 2 }]))
            .inspection(InspectionLevel::Debug)
    };
    let r = wf
        .test_state(
            payments::State::Ship,
            request().map_iteration_failure_count(1),
        )
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::Succeeded);
    assert_eq!(
        r.output.expect("output")["parcels"],
        json!([{ "p": 1 }, { "p": 2 }])
    );
    let d = r.inspection_data.expect("inspects");
    assert_eq!(
        d.after_items_path,
        Some(json!([{ "sku": "a" }, { "sku": "b" }]))
    );
    assert_eq!(
        (d.max_concurrency, d.tolerated_failure_count),
        (Some(0), Some(1))
    );
    let r = wf
        .test_state(
            payments::State::Ship,
            request().map_iteration_failure_count(2),
        )
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::Failed);
    assert_eq!(
        r.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
}

/// `variables` and `context`: the state sees both; `$$` is the given context exactly, and
/// TestState's own otherwise (`$$.State.Name` is `StateName`, as AWS reports it; recorded:
/// teststate/scenarios/state_with_variables_base_expressions).
#[tokio::test]
async fn variables_and_context() {
    let (wf, _) = workflow();
    let mut vars = serde_json::Map::new();
    vars.insert("customer".into(), json!("ada"));
    let r = wf
        .test_state(
            payments::State::Done,
            TestState::new(json!({}))
                .variables(vars.clone())
                .context(json!({ "Execution": { "Name": "given" }, "State": { "Name": "Done" } }))
                .inspection(InspectionLevel::Debug),
        )
        .await
        .expect("runs");
    assert_eq!(
        r.output,
        Some(json!({ "who": "ada", "execution": "given", "state": "Done" }))
    );
    assert_eq!(
        r.inspection_data.and_then(|d| d.variables),
        Some(Value::Object(vars.clone()))
    );
    let r = wf
        .test_state(
            payments::State::Done,
            TestState::new(json!({})).variables(vars),
        )
        .await
        .expect("runs");
    let out = r.output.expect("output");
    assert_eq!(out["state"], "StateName");
    assert!(out["execution"].is_string());
}

/// STRICT (the default) and PRESENT check a mocked result against the integration's
/// response: `lambda:invoke`'s `StatusCode` is an integer. NONE checks nothing.
#[tokio::test]
async fn strict_validation_rejects_a_mismatched_shape() {
    let (wf, handlers) = workflow();
    let bad = json!({ "StatusCode": "200", "Payload": {} });
    for mode in [FieldValidationMode::Strict, FieldValidationMode::Present] {
        let err = wf
            .test_state(
                payments::State::Charge,
                TestState::new(order())
                    .mock_result(bad.clone())
                    .field_validation(mode),
            )
            .await
            .expect_err("rejected");
        assert_eq!(
            err.message(),
            "Mock result schema validation error: Field 'StatusCode' must be an integer"
        );
        assert_eq!(err.to_json()["__type"], "ValidationException");
    }
    let r = wf
        .test_state(
            payments::State::Charge,
            TestState::new(order())
                .mock_result(bad)
                .field_validation(FieldValidationMode::None),
        )
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::Succeeded);
    assert_eq!(handlers.calls.load(Ordering::SeqCst), 0);
}

/// A mock for a state that calls nothing is a request error, as on AWS.
#[tokio::test]
async fn mock_for_a_pass_state_is_rejected() {
    let (wf, _) = workflow();
    let err = wf
        .test_state(
            payments::State::Done,
            TestState::new(json!({})).mock_result(json!(1)),
        )
        .await
        .expect_err("rejected");
    assert!(err.message().contains("Task, Map or Parallel"), "{err}");
}

/// The request in the API's JSON shape (JSON texts), as ported from an AWS call.
#[tokio::test]
async fn request_json_as_aws_takes_it() {
    let (wf, _) = workflow();
    let request = TestState::from_request_json(&json!({
        "input": "{\"order\": {\"total\": 1, \"lines\": []}}",
        "inspectionLevel": "DEBUG",
        "mock": { "errorOutput": { "error": "Payment.Declined", "cause": "no" } },
        "stateConfiguration": { "retrierRetryCount": 0 }
    }))
    .expect("parses");
    let r = wf
        .test_state(payments::State::Charge, request)
        .await
        .expect("runs");
    assert_eq!(r.status, TestStatus::CaughtError);
    let bad = TestState::from_request_json(&json!({ "input": "{not json" }));
    assert!(bad.is_err());
}
