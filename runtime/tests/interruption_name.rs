//! A durable execution's interruption is a flag the runtime sets, not an error name: a handler
//! that returns the name asl-rs once used for it (`asl-rs.Interrupted`) raises an ordinary task
//! failure, which Retry and Catch handle and which fails the execution under that name.

use std::sync::atomic::{AtomicU32, Ordering};

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, StartOptions, Status, TaskContext, TaskError, Value, serde_json::json};

const NAME: &str = "asl-rs.Interrupted";

asl_runtime::asl!(mod caught {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{ "ErrorEquals": ["asl-rs.Interrupted"], "IntervalSeconds": 1, "MaxAttempts": 1 }],
            "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done" }],
            "Next": "Done"
        },
        "Done": { "Type": "Succeed" }
    }
});

asl_runtime::asl!(mod uncaught {
    "StartAt": "Work",
    "States": {
        "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true }
    }
});

/// Fails every call with the name, counting the calls.
#[derive(Default)]
struct Fails(AtomicU32);

impl Fails {
    fn fail(&self) -> Result<Value, TaskError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(TaskError::new(NAME, "a handler's own error"))
    }
}

impl caught::Tasks for &'static Fails {
    async fn work(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.fail()
    }
}

impl uncaught::Tasks for &'static Fails {
    async fn work(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.fail()
    }
}

fn leak() -> &'static Fails {
    Box::leak(Box::default())
}

#[tokio::test(start_paused = true)]
async fn retried_then_caught() {
    let fails = leak();
    let recorded = caught::Workflow::new(fails)
        .run_recorded(json!({ "order": 1 }), Default::default())
        .await;
    assert_eq!(
        recorded.result.expect("caught"),
        json!({ "order": 1, "error": { "Error": NAME, "Cause": "a handler's own error" } })
    );
    assert_eq!(fails.0.load(Ordering::SeqCst), 2, "retried once");
    let kinds: Vec<&str> = recorded.history.iter().map(|e| e.kind).collect();
    assert_eq!(kinds.last(), Some(&"ExecutionSucceeded"));
}

#[tokio::test]
async fn uncaught_fails_the_execution_under_that_name() {
    let recorded = uncaught::Workflow::new(leak())
        .run_recorded(json!({}), Default::default())
        .await;
    let err = recorded.result.expect_err("failed");
    assert_eq!(err.status(), Status::Failed);
    assert_eq!(err.error(), Some(NAME));
    assert_eq!(err.cause(), Some("a handler's own error"));
    let last = recorded.history.last().expect("events");
    assert_eq!(last.kind, "ExecutionFailed");
    assert_eq!(
        last.details,
        Some(json!({ "error": NAME, "cause": "a handler's own error" }))
    );
}

#[tokio::test]
async fn a_durable_execution_records_its_end() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builder()
        .store(SqliteStore::memory().await?)
        .workflow("uncaught", uncaught::Workflow::new(leak()))
        .build()
        .await?;
    let id = engine
        .start("uncaught", json!({}), StartOptions::default())
        .await?;
    // Taken for an interruption, the execution would stay RUNNING: its worker records no end.
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), engine.wait(&id)).await;
    let err = ended.expect("ended").expect_err("failed");
    assert_eq!((err.status(), err.error()), (Status::Failed, Some(NAME)));
    let d = engine.describe(&id).await?;
    assert_eq!(d.status.as_str(), "FAILED");
    assert_eq!(d.error.as_deref(), Some(NAME));
    let history = engine.history(&id).await?;
    assert_eq!(
        history.last().map(|e| e.kind.as_str()),
        Some("ExecutionFailed")
    );
    Ok(())
}
