//! Event ids in Parallel branches of an execution that keeps no history (`Workflow::run`):
//! the ids are counted at the top level all the same, so an error raised in a branch cites
//! the event id its state was entered at (EXEC-7, ERR-2), as the recorded run does.

use serde_json::json;

asl_runtime::asl!(mod failing_branch {
    "StartAt": "Before",
    "States": {
        "Before": { "Type": "Pass", "Next": "Both" },
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Fine",
                    "States": { "Fine": { "Type": "Pass", "End": true } }
                },
                {
                    "StartAt": "Step",
                    "States": {
                        "Step": { "Type": "Pass", "Next": "Broken" },
                        "Broken": {
                            "Type": "Pass",
                            "Parameters": { "value.$": "$.missing" },
                            "End": true
                        }
                    }
                }
            ],
            "End": true
        }
    }
});

struct NoTasks;
impl failing_branch::Tasks for NoTasks {}

#[tokio::test]
async fn a_branch_error_cites_the_same_event_id_recorded_or_not() {
    let wf = failing_branch::Workflow::new(NoTasks);
    let quiet = wf.run(json!({})).await.unwrap_err();
    let recorded = wf
        .run_recorded(json!({}), asl_runtime::RunOptions::default())
        .await;
    let loud = recorded.result.unwrap_err();
    assert_eq!(quiet.error(), Some("States.Runtime"));
    assert_eq!(quiet.cause(), loud.cause());
    let entered = recorded
        .history
        .iter()
        .find(|e| e.kind == "PassStateEntered" && e.state == Some("Broken"))
        .expect("Broken entered");
    let cite = format!("entered at the event id #{})", entered.id);
    assert!(
        quiet.cause().is_some_and(|c| c.contains(&cite)),
        "{:?} should cite {cite}",
        quiet.cause()
    );
}
