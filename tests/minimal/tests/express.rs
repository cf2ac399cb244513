//! EXEC-2, RETRY-1: an Express workflow with a retried Task, recorded, on the runtime built
//! without default features.

use std::sync::atomic::AtomicU32;

use asl_minimal::{Greeter, greet};
use asl_runtime::RunOptions;
use serde_json::json;

#[tokio::test(start_paused = true)]
async fn runs_an_express_workflow_without_a_store() {
    let workflow = greet::Workflow::new(Greeter {
        flaky: AtomicU32::new(1),
    });
    let recorded = workflow
        .run_recorded(
            json!({ "Payload": { "name": "Ada" } }),
            RunOptions::default(),
        )
        .await;
    assert_eq!(
        recorded.result.expect("succeeds"),
        json!({ "Payload": { "name": "Ada" }, "greeting": { "text": "hello Ada" } })
    );
    let kinds: Vec<&str> = recorded.history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded",
        ]
    );
}
