//! What history events carry (and what a Catcher is handed), where executions recorded on
//! AWS showed us details the engine got wrong.

use asl_runtime::{Event, Recorded};
use asl_runtime::{TaskContext, TaskError, Value};
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

asl_runtime::asl!(mod task_timeout {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSeconds": 5,
            "Catch": [ { "ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Handled" } ],
            "End": true
        },
        "Handled": { "Type": "Pass", "End": true }
    }
});

asl_runtime::asl!(mod uncaught_timeout {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSeconds": 5,
            "End": true
        }
    }
});

/// Answers after a minute, long past any `TimeoutSeconds` here.
struct Slow;

impl task_timeout::Tasks for Slow {
    async fn call(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        Ok(json!("late"))
    }
}

impl uncaught_timeout::Tasks for Slow {
    async fn call(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        Ok(json!("late"))
    }
}

#[tokio::test(start_paused = true)]
async fn a_caught_task_timeout_hands_the_catcher_an_empty_cause() {
    // ERR-5 (AWS, recorded 2024-11-28), ERR-2, TASK-5: a `lambda:invoke` Task that timed out
    // records `TaskTimedOut` without a cause, but the Catcher's Error Output has `"Cause": ""`.
    let recorded = task_timeout::Workflow::new(Slow)
        .run_recorded(json!({"n": 1}), Default::default())
        .await;
    assert_eq!(
        recorded.result,
        Ok(json!({"n": 1, "error": {"Error": "States.Timeout", "Cause": ""}}))
    );
    assert_eq!(
        details(&recorded, "TaskTimedOut", "Call"),
        json!({"error": "States.Timeout", "resource": "invoke", "resourceType": "lambda"})
    );
}

#[tokio::test(start_paused = true)]
async fn an_uncaught_task_timeout_fails_the_execution_without_a_cause() {
    // ERR-5 (AWS, recorded 2024-11-28), ERR-4: uncaught, the execution fails with
    // `States.Timeout` and no cause, in its result and in `ExecutionFailed`.
    let recorded = uncaught_timeout::Workflow::new(Slow)
        .run_recorded(json!({}), Default::default())
        .await;
    let err = recorded.result.as_ref().expect_err("timed out");
    assert_eq!((err.error(), err.cause()), (Some("States.Timeout"), None));
    let failed: Vec<_> = recorded
        .history
        .iter()
        .filter(|e| e.kind == "ExecutionFailed")
        .map(|e| e.details.clone())
        .collect();
    assert_eq!(failed, [Some(json!({"error": "States.Timeout"}))]);
    assert_eq!(
        details(&recorded, "TaskTimedOut", "Call"),
        json!({"error": "States.Timeout", "resource": "invoke", "resourceType": "lambda"})
    );
}

asl_runtime::asl!(mod heartbeats {
    "StartAt": "Activity",
    "States": {
        "Activity": {
            "Type": "Task",
            "Resource": "arn:aws:states:us-east-1:111111111111:activity:worker",
            "TimeoutSeconds": 60,
            "HeartbeatSeconds": 10,
            "Next": "Function"
        },
        "Function": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
            "TimeoutSeconds": 60,
            "HeartbeatSeconds": 10,
            "Next": "Service"
        },
        "Service": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSeconds": 60,
            "HeartbeatSeconds": 10,
            "End": true
        }
    }
});

/// Answers at once.
struct Quick;

impl heartbeats::Tasks for Quick {
    async fn activity(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({}))
    }

    async fn function(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({}))
    }

    async fn service(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({}))
    }
}

#[tokio::test]
async fn activity_scheduled_records_the_heartbeat() {
    // TASK-7, TASK-14, EXEC-7: `ActivityScheduled` records `heartbeatInSeconds` beside
    // `timeoutInSeconds`, as `TaskScheduled` does; `LambdaFunctionScheduled` has no such field.
    let recorded = heartbeats::Workflow::new(Quick)
        .run_recorded(json!({}), Default::default())
        .await;
    assert_eq!(recorded.result, Ok(json!({})));
    let seconds = |kind: &str, state: &str| {
        let d = details(&recorded, kind, state);
        (
            d["timeoutInSeconds"].clone(),
            d["heartbeatInSeconds"].clone(),
        )
    };
    assert_eq!(
        seconds("ActivityScheduled", "Activity"),
        (json!(60), json!(10))
    );
    assert_eq!(
        seconds("LambdaFunctionScheduled", "Function"),
        (json!(60), Value::Null)
    );
    assert_eq!(seconds("TaskScheduled", "Service"), (json!(60), json!(10)));
}
