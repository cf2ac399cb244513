//! `asl_runtime::testing::Trace` on histories recorded by real runs (in memory, on the
//! durable engine, and on AWS: the conformance corpus), and the JSON diff of
//! `assert_json_eq!`.

use asl_runtime::testing::{Outcome, Trace, json_diff};
use asl_runtime::{RunOptions, Status, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod shop {
    "StartAt": "Charge",
    "States": {
        "Charge": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Retry": [{ "ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 3 }],
                    "Catch": [{ "ErrorEquals": ["Declined"], "ResultPath": "$.error", "Next": "Refund" }],
                    "ResultPath": "$.charge", "Next": "Pack" },
        "Refund": { "Type": "Pass", "Result": "refunded", "ResultPath": "$.refund", "End": true },
        "Pack": { "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "ResultPath": "$.packed",
                  "ItemProcessor": { "StartAt": "Weigh", "States": {
                      "Weigh": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                 "Retry": [{ "ErrorEquals": ["Scale"], "IntervalSeconds": 1 }],
                                 "Next": "Label" },
                      "Label": { "Type": "Pass", "End": true } } },
                  "Next": "Notify" },
        "Notify": { "Type": "Parallel", "ResultPath": "$.notified", "Branches": [
            { "StartAt": "Email", "States": { "Email": { "Type": "Pass", "Result": "mailed", "End": true } } },
            { "StartAt": "Sms", "States": { "Sms": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } }
        ], "Next": "Check" },
        "Check": { "Type": "Choice", "Default": "Done",
                   "Choices": [{ "And": [{ "Variable": "$.cancel", "IsPresent": true },
                                          { "Variable": "$.cancel", "BooleanEquals": true }],
                                 "Next": "Cancelled" }] },
        "Cancelled": { "Type": "Fail", "Error": "Cancelled", "Cause": "the customer cancelled" },
        "Done": { "Type": "Succeed" }
    }
});

/// Fails `Charge` with `Busy` on its first `busy` attempts, or with `Declined`; fails `Weigh`
/// once with `Scale` for item 2; fails `Sms` with `NoSignal` when asked.
struct Handlers;

impl shop::Tasks for Handlers {
    async fn charge(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        if input["decline"] == json!(true) {
            return Err(TaskError::new("Declined", "card declined"));
        }
        if u64::from(ctx.retry_count) < input["busy"].as_u64().unwrap_or(0) {
            return Err(TaskError::new(
                "Busy",
                format!("attempt {}", ctx.retry_count),
            ));
        }
        Ok(json!({ "paid": 12 }))
    }
    async fn weigh(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        if input == json!(2) && ctx.retry_count == 0 {
            return Err(TaskError::new("Scale", "scale not ready"));
        }
        Ok(json!(input.as_i64().unwrap_or(0) * 10))
    }
    async fn sms(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        if input["no_signal"] == json!(true) {
            return Err(TaskError::new("NoSignal", "no signal"));
        }
        Ok(json!("texted"))
    }
}

async fn run(input: Value) -> (Trace, asl_runtime::Recorded) {
    let recorded = shop::Workflow::new(Handlers)
        .run_recorded(input, RunOptions::default())
        .await;
    (Trace::of(&recorded.history), recorded)
}

/// RETRY-9, EXEC-7: two failed attempts of `Charge`, then a success: two retries with their
/// errors and causes, in order, in its one visit.
#[tokio::test(start_paused = true)]
async fn a_retried_task_lists_each_failed_attempt() {
    let (trace, _) = run(json!({ "busy": 2, "items": [] })).await;
    let retries = trace.retries("Charge");
    let errors: Vec<(&str, &str)> = retries
        .iter()
        .map(|r| (r.error.as_deref().unwrap(), r.cause.as_deref().unwrap()))
        .collect();
    assert_eq!(errors, [("Busy", "attempt 0"), ("Busy", "attempt 1")]);
    assert!(retries.iter().all(|r| r.kind == "TaskFailed"));
    let charge = trace.visit("Charge", 0).unwrap();
    assert_eq!(charge.outcome, Outcome::Succeeded);
    assert_eq!(charge.failures.len(), 2);
    assert_eq!(charge.caught(), None);
    assert_eq!(trace.visits_of("Charge").count(), 1);
    assert_eq!(
        trace.output("Charge", 0),
        Some(&json!({ "busy": 2, "items": [], "charge": { "paid": 12 } }))
    );
    assert_eq!(trace.status(), Status::Succeeded);
    assert_eq!(trace.error(), None);
}

/// CATCH-3, CATCH-4: `Declined` is not retried but caught: the visit is caught with that
/// error, its output holds the error output, and the catcher's state runs next.
#[tokio::test(start_paused = true)]
async fn a_caught_error_is_told_apart_from_a_failure() {
    let (trace, recorded) = run(json!({ "decline": true })).await;
    assert_eq!(trace.states_entered(), ["Charge", "Refund"]);
    let caught = trace.caught("Charge");
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].error.as_deref(), Some("Declined"));
    assert_eq!(caught[0].cause.as_deref(), Some("card declined"));
    assert!(trace.retries("Charge").is_empty());
    assert!(!trace.failed("Charge"));
    let charge = trace.visit("Charge", 0).unwrap();
    assert_eq!(charge.outcome, Outcome::Caught);
    assert_eq!(charge.error(), Some(caught[0]));
    let error_output = json!({ "Error": "Declined", "Cause": "card declined" });
    assert_eq!(trace.output("Charge", 0).unwrap()["error"], error_output);
    assert_eq!(trace.input("Refund", 0).unwrap()["error"], error_output);
    assert_eq!(trace.status(), Status::Succeeded);
    assert_eq!(trace.execution_output(), recorded.result.as_ref().ok());
}

/// MAP-8, MAP-9, RETRY-9: three iterations one at a time, each visit of the processor's
/// states inside the Map's visit with its iteration index and its own input and output; the
/// retry in the second iteration belongs to that visit only.
#[tokio::test(start_paused = true)]
async fn map_iterations_are_visits_inside_their_map() {
    let (trace, _) = run(json!({ "items": [1, 2, 3] })).await;
    assert_eq!(
        trace.states_entered(),
        [
            "Charge", "Pack", "Weigh", "Label", "Weigh", "Label", "Weigh", "Label", "Notify",
            "Email", "Sms", "Check", "Done"
        ]
    );
    let inside: Vec<(&str, Option<u64>)> = trace
        .inside("Pack", 0)
        .iter()
        .map(|v| (v.state.as_str(), v.iteration))
        .collect();
    assert_eq!(
        inside,
        [
            ("Weigh", Some(0)),
            ("Label", Some(0)),
            ("Weigh", Some(1)),
            ("Label", Some(1)),
            ("Weigh", Some(2)),
            ("Label", Some(2))
        ]
    );
    for (n, item) in [1, 2, 3].into_iter().enumerate() {
        assert_eq!(trace.input("Weigh", n), Some(&json!(item)));
        assert_eq!(trace.output("Label", n), Some(&json!(item * 10)));
    }
    assert_eq!(trace.visit("Weigh", 0).unwrap().retries, []);
    assert_eq!(trace.visit("Weigh", 1).unwrap().retries.len(), 1);
    let retries = trace.retries("Weigh");
    assert_eq!(retries.len(), 1);
    assert_eq!(retries[0].error.as_deref(), Some("Scale"));
    assert_eq!(
        trace.output("Pack", 0).unwrap()["packed"],
        json!([10, 20, 30])
    );
    assert_eq!(trace.visit("Notify", 0).unwrap().parent, None);
}

/// PAR-3, PAR-5: a Parallel's branches run inside its visit; a branch's uncaught error fails
/// its state, the Parallel and the execution, with the branch's error.
#[tokio::test(start_paused = true)]
async fn parallel_branches_and_a_failed_branch() {
    let (trace, _) = run(json!({ "items": [] })).await;
    let mut branches: Vec<&str> = trace
        .inside("Notify", 0)
        .iter()
        .map(|v| v.state.as_str())
        .collect();
    branches.sort();
    assert_eq!(branches, ["Email", "Sms"]);
    assert_eq!(trace.output("Sms", 0), Some(&json!("texted")));
    assert_eq!(
        trace.output("Notify", 0).unwrap()["notified"],
        json!(["mailed", "texted"])
    );

    let (trace, _) = run(json!({ "items": [], "no_signal": true })).await;
    assert!(trace.failed("Sms"), "{trace}");
    assert!(trace.failed("Notify"), "{trace}");
    let sms = trace.visit("Sms", 0).unwrap();
    assert_eq!(sms.error().unwrap().error.as_deref(), Some("NoSignal"));
    assert_eq!(trace.output("Notify", 0), None);
    // `ParallelStateFailed` has no error of its own: the Parallel's is its branch's.
    let notify = trace.visit("Notify", 0).unwrap().error().unwrap();
    assert_eq!(notify.kind, "ParallelStateFailed");
    assert_eq!(notify.error.as_deref(), Some("NoSignal"));
    assert_eq!(notify.cause.as_deref(), Some("no signal"));
    assert_eq!(trace.status(), Status::Failed);
    assert_eq!(trace.error(), Some("NoSignal"));
    assert_eq!(trace.cause(), Some("no signal"));
    assert!(!trace.states_entered().contains(&"Check"));
}

/// ERR-21: a Fail state ends the execution with its error and cause; the Fail state's visit
/// is failed with them.
#[tokio::test(start_paused = true)]
async fn a_failed_execution_gives_its_error_and_the_state_that_raised_it() {
    let (trace, recorded) = run(json!({ "items": [1], "cancel": true })).await;
    assert_eq!(trace.status(), Status::Failed);
    assert_eq!(trace.error(), Some("Cancelled"));
    assert_eq!(trace.cause(), Some("the customer cancelled"));
    let err = recorded.result.unwrap_err();
    assert_eq!(trace.error(), err.error());
    assert_eq!(trace.states_entered().last(), Some(&"Cancelled"));
    assert!(trace.failed("Cancelled"));
    let fail = trace.visit("Cancelled", 0).unwrap();
    assert_eq!(fail.error().unwrap().error.as_deref(), Some("Cancelled"));
    assert_eq!(fail.error().unwrap().kind, "ExecutionFailed");
    let ending = trace.ending().unwrap();
    assert_eq!(ending.event, recorded.history.len() as u64);
    assert_eq!(ending.output, None);
}

/// ERR-17, MAP-5: a path that selects nothing fails the Map without an event of its own: the
/// execution's `States.Runtime` is the Map's error.
#[tokio::test(start_paused = true)]
async fn a_state_failing_without_an_event_of_its_own_gets_the_executions_error() {
    let (trace, _) = run(json!({ "no_items": true })).await;
    assert_eq!(trace.states_entered(), ["Charge", "Pack"]);
    assert!(trace.failed("Pack"));
    let error = trace.visit("Pack", 0).unwrap().error().unwrap();
    assert_eq!(error.error.as_deref(), Some("States.Runtime"));
    assert!(error.cause.as_deref().unwrap().contains("'ItemsPath'"));
    assert_eq!(trace.error(), Some("States.Runtime"));
}

/// A history read before the execution ends (its first events): the open visits are running,
/// and so is the execution.
#[tokio::test(start_paused = true)]
async fn a_history_cut_short_is_still_running() {
    let (_, recorded) = run(json!({ "busy": 1, "items": [] })).await;
    // ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskFailed.
    let trace = Trace::of(&recorded.history[..5]);
    assert_eq!(trace.status(), Status::Running);
    assert_eq!(trace.ending(), None);
    let charge = trace.visit("Charge", 0).unwrap();
    assert_eq!(charge.outcome, Outcome::Running);
    assert_eq!(charge.failures.len(), 1);
    assert!(charge.retries.is_empty(), "not retried yet");
}

/// The trace prints one line per visit, nested visits indented, then how it ended.
#[tokio::test(start_paused = true)]
async fn a_trace_prints_the_run() {
    let (trace, _) = run(json!({ "busy": 1, "items": [2], "cancel": true })).await;
    assert_eq!(
        trace.to_string(),
        "Charge (Task): succeeded, retried 1× (Busy)\n\
         Pack (Map): succeeded\n\
         \x20 Weigh (Task) [iteration 0]: succeeded, retried 1× (Scale)\n\
         \x20 Label (Pass) [iteration 0]: succeeded\n\
         Notify (Parallel): succeeded\n\
         \x20 Email (Pass): succeeded\n\
         \x20 Sms (Task): succeeded\n\
         Check (Choice): succeeded\n\
         Cancelled (Fail): failed: Cancelled\n\
         execution FAILED: Cancelled: the customer cancelled"
    );
}

/// The durable engine's history (SQLite in memory) reads as the in-memory one does.
#[cfg(feature = "sqlite")]
#[tokio::test(start_paused = true)]
async fn a_durable_history_reads_as_an_in_memory_one() {
    use asl_runtime::store::SqliteStore;
    use asl_runtime::{Engine, StartOptions};
    let engine = Engine::builder()
        .store(SqliteStore::memory().await.unwrap())
        .workflow("shop", shop::Workflow::new(Handlers))
        .build()
        .await
        .unwrap();
    let input = json!({ "busy": 1, "items": [1, 2], "cancel": true });
    let id = engine
        .start("shop", input.clone(), StartOptions::default().name("o-1"))
        .await
        .unwrap();
    let _ = engine.wait(&id).await;
    let durable = Trace::of(&engine.history(&id).await.unwrap());
    let (memory, _) = run(input).await;
    assert_eq!(durable.states_entered(), memory.states_entered());
    assert_eq!(durable.retries("Charge").len(), 1);
    assert_eq!(durable.retries("Weigh").len(), 1);
    assert_eq!(durable.output("Label", 1), Some(&json!(20)));
    assert_eq!(durable.error(), Some("Cancelled"));
    assert_eq!(durable.to_string(), memory.to_string());
}

/// A history recorded on AWS (GetExecutionHistory events, from the conformance corpus).
fn corpus(case: &str) -> Vec<Value> {
    let path = format!(
        "{}/../tests/conformance/corpus/{case}/history.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Recorded on AWS: a Lambda retried three times (four `LambdaFunctionFailed`), then caught.
#[test]
fn an_aws_history_of_retries_then_a_catch() {
    let trace = Trace::of(&corpus(
        "tasks/error_handling/lambda_invoke_with_retry_base",
    ));
    assert_eq!(
        trace.states_entered(),
        ["InvokeLambdaWithRetry", "HandleError"]
    );
    let retries = trace.retries("InvokeLambdaWithRetry");
    assert_eq!(retries.len(), 3);
    assert!(
        retries
            .iter()
            .all(|r| r.kind == "LambdaFunctionFailed" && r.error.as_deref() == Some("Exception"))
    );
    let caught = trace.caught("InvokeLambdaWithRetry");
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].event, 14);
    assert_eq!(trace.status(), Status::Succeeded);
    assert_eq!(
        trace.input("InvokeLambdaWithRetry", 0),
        Some(&json!({ "Value1": "HelloWorld!", "Value2": null }))
    );
}

/// Recorded on AWS: a branch's Fail state fails it; the Parallel's Catch catches.
#[test]
fn an_aws_history_of_a_caught_parallel() {
    let trace = Trace::of(&corpus("cases/parallel/parallel_state_catch"));
    assert!(trace.failed("Branch1"), "{trace}");
    let caught = trace.caught("ParallelState");
    assert_eq!(caught.len(), 1);
    // A Fail state records no error of its own, so neither does the Parallel it failed.
    assert_eq!(caught[0].error, None);
    assert_eq!(
        trace.visit("Branch1", 0).unwrap().parent,
        Some(
            trace
                .visits()
                .iter()
                .position(|v| v.state == "ParallelState")
                .unwrap()
        )
    );
    assert_eq!(trace.status(), Status::Succeeded);
}

// The diff.

#[test]
fn nested_objects_name_each_differing_path() {
    let expected = json!({ "order": { "id": "o-1", "total": 12, "customer": { "name": "Ada" } } });
    let actual = json!({ "order": { "id": "o-1", "total": 13, "customer": { "name": "Bob", "vip": true } } });
    assert_eq!(
        json_diff(&expected, &actual).unwrap(),
        "$.order.total: expected 12, got 13\n\
         $.order.customer.name: expected \"Ada\", got \"Bob\"\n\
         $.order.customer.vip: unexpected (got true)"
    );
    assert_eq!(
        json_diff(&json!({ "a": 1, "b": [2] }), &json!({ "a": 1 })).unwrap(),
        "$.b: missing (expected [2])"
    );
    // Keys in any order; odd keys quoted.
    assert_eq!(
        json_diff(&json!({ "a": 1, "b": 2 }), &json!({ "b": 2, "a": 1 })),
        None
    );
    assert_eq!(
        json_diff(
            &json!({ "odd key": 1, "2x": 1 }),
            &json!({ "odd key": 2, "2x": 1 })
        )
        .unwrap(),
        "$[\"odd key\"]: expected 1, got 2"
    );
}

#[test]
fn arrays_report_lengths_and_items() {
    assert_eq!(
        json_diff(&json!([1, 2, 3]), &json!([1, 5])).unwrap(),
        "$: expected 3 items, got 2\n$[1]: expected 2, got 5\n$[2]: missing (expected 3)"
    );
    assert_eq!(
        json_diff(&json!({ "xs": [] }), &json!({ "xs": [{ "a": 1 }] })).unwrap(),
        "$.xs: expected 0 items, got 1\n$.xs[0]: unexpected (got {\"a\":1})"
    );
    assert_eq!(
        json_diff(&json!([{ "a": [1] }]), &json!([{ "a": [1, 2] }])).unwrap(),
        "$[0].a: expected 1 item, got 2\n$[0].a[1]: unexpected (got 2)"
    );
    assert_eq!(
        json_diff(&json!({ "a": [1] }), &json!({ "a": { "0": 1 } })).unwrap(),
        "$.a: expected [1], got {\"0\":1}"
    );
}

#[test]
fn numbers_compare_by_value() {
    assert_eq!(json_diff(&json!(1), &json!(1.0)), None);
    assert_eq!(
        json_diff(&json!({ "n": [0, -2] }), &json!({ "n": [0.0, -2.0] })),
        None
    );
    assert_eq!(json_diff(&json!(u64::MAX), &json!(u64::MAX)), None);
    assert_eq!(
        json_diff(&json!(1), &json!(1.5)).unwrap(),
        "$: expected 1, got 1.5"
    );
    assert_eq!(
        json_diff(&json!(1), &json!("1")).unwrap(),
        "$: expected 1, got \"1\""
    );
    assert_eq!(
        json_diff(&json!(null), &json!(0)).unwrap(),
        "$: expected null, got 0"
    );
}

#[test]
fn long_values_are_cut_and_long_diffs_bounded() {
    let long = "x".repeat(500);
    let diff = json_diff(&json!({ "a": [long.clone()] }), &json!({ "a": 1 })).unwrap();
    assert!(diff.starts_with("$.a: expected [\"xxxx"), "{diff}");
    assert!(diff.contains("…, got 1"), "{diff}");
    assert!(diff.chars().count() < 120, "{diff}");

    // Two long strings differing near their end: shown from a little before the difference.
    let e = format!("{}end-A", "y".repeat(300));
    let a = format!("{}end-B", "y".repeat(300));
    let diff = json_diff(&json!(e), &json!(a)).unwrap();
    assert_eq!(
        diff,
        format!(
            "$: expected \"…{}end-A\", got \"…{}end-B\"",
            "y".repeat(16),
            "y".repeat(16)
        )
    );

    let expected: Vec<u32> = (0..100).collect();
    let actual: Vec<u32> = (1..101).collect();
    let diff = json_diff(&json!(expected), &json!(actual)).unwrap();
    let lines: Vec<&str> = diff.lines().collect();
    assert_eq!(lines.len(), asl_runtime::testing::MAX_LINES + 1);
    assert_eq!(lines[0], "$[0]: expected 0, got 1");
    assert_eq!(*lines.last().unwrap(), "… and 80 more differences");
}

#[test]
fn assert_json_eq_passes_on_equal_values_of_any_serializable_type() {
    #[derive(serde::Serialize)]
    struct Order {
        id: &'static str,
        total: f64,
    }
    asl_runtime::assert_json_eq!(
        Order {
            id: "o-1",
            total: 12.0
        },
        json!({ "total": 12, "id": "o-1" })
    );
    asl_runtime::assert_json_eq!(json!([1, 2]), [1, 2], "with a message {}", 1);
}

#[test]
fn assert_json_eq_panics_with_the_diff() {
    let panic = std::panic::catch_unwind(|| {
        asl_runtime::assert_json_eq!(
            json!({ "total": 13 }),
            json!({ "total": 12 }),
            "order {}",
            7
        );
    })
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        "assertion `actual == expected` failed (JSON): order 7\n  $.total: expected 12, got 13"
    );
    let panic = std::panic::catch_unwind(|| {
        asl_runtime::assert_json_eq!(json!([1]), json!([1, 2]));
    })
    .unwrap_err();
    assert_eq!(
        panic.downcast_ref::<String>().unwrap(),
        "assertion `actual == expected` failed (JSON)\n  $: expected 2 items, got 1\n  $[1]: missing (expected 2)"
    );
}
