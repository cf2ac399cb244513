//! What history events carry (and what a Catcher is handed), where executions recorded on
//! AWS showed us details the engine got wrong.

use asl_runtime::Value;
use asl_runtime::engine::{Event, Recorded};
use serde_json::json;

/// The details of the one event of type `kind` about `state`.
fn details(recorded: &Recorded, kind: &str, state: &str) -> Value {
    let found: Vec<&Event> = recorded
        .history
        .iter()
        .filter(|e| e.kind == kind && e.state == Some(state))
        .collect();
    assert_eq!(found.len(), 1, "one {kind} of {state}");
    found[0].details.clone().expect("details")
}

asl_runtime::asl!(mod empty_assign {
    "StartAt": "Nothing",
    "States": {
        "Nothing": { "Type": "Pass", "Assign": {}, "Next": "Something" },
        "Something": { "Type": "Pass", "Assign": { "x": 1 }, "Next": "Query" },
        "Query": { "Type": "Pass", "QueryLanguage": "JSONata", "Assign": {}, "End": true }
    }
});

struct NoTasks;
impl empty_assign::Tasks for NoTasks {}

#[tokio::test]
async fn an_empty_assign_records_no_assigned_variables() {
    // VAR-11: AWS records no `assignedVariables` (nor its details) for `"Assign": {}`, in
    // JSONPath and JSONata states alike; a state that assigns something records them.
    let recorded = empty_assign::Workflow::new(NoTasks)
        .run_recorded(json!({}), Default::default())
        .await;
    assert_eq!(recorded.result, Ok(json!({})));
    for state in ["Nothing", "Query"] {
        let exited = details(&recorded, "PassStateExited", state);
        assert_eq!(
            exited,
            json!({"name": state, "output": "{}", "outputDetails": {"truncated": false}}),
        );
    }
    let exited = details(&recorded, "PassStateExited", "Something");
    assert_eq!(exited["assignedVariables"], json!({"x": "1"}));
    assert_eq!(
        exited["assignedVariablesDetails"],
        json!({"truncated": false})
    );
}
