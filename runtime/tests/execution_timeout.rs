//! A machine's `TimeoutSeconds` (TOP-4) stops an in-memory execution that loops without end
//! (a run that spends its task's budget: `exec::execution`'s unit test).

use asl_runtime::Status;
use serde_json::json;

asl_runtime::asl!(mod spinning {
    "TimeoutSeconds": 1,
    "StartAt": "Count",
    "States": {
        "Count": { "Type": "Pass", "Next": "Pause" },
        "Pause": { "Type": "Wait", "Seconds": 0, "Next": "Again" },
        "Again": {
            "Type": "Choice",
            "Choices": [{ "Variable": "$.stop", "BooleanEquals": true, "Next": "Done" }],
            "Default": "Count"
        },
        "Done": { "Type": "Succeed" }
    }
});

struct NoTasks;
impl spinning::Tasks for NoTasks {}

#[tokio::test]
async fn a_loop_of_zero_second_waits_times_out() {
    let started = std::time::Instant::now();
    let workflow = spinning::Workflow::new(NoTasks);
    let run = workflow.run(json!({"stop": false}));
    let err = tokio::time::timeout(std::time::Duration::from_secs(20), run)
        .await
        .expect("stopped by its own timeout, not the test's")
        .expect_err("times out");
    assert_eq!(err.status(), Status::TimedOut);
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
}
