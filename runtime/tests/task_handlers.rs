//! The README's "Task handlers" example, compiled and run (TASK-*, ERR-*, CATCH-*).

use asl_runtime::{TaskContext, TaskError, Value, lambda::invoke_response, serde_json::json};

asl_runtime::asl!(mod billing {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:charge",
            "Credentials": { "RoleArn": "arn:aws:iam::123456789012:role/Billing" },
            "Catch": [{ "ErrorEquals": ["Card.Declined"], "ResultPath": "$.error", "Next": "Notify" }],
            "Next": "Notify"
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": { "FunctionName": "notify", "Payload.$": "$" },
            "OutputPath": "$.Payload",
            "End": true
        }
    }
});

struct Billing;
impl billing::Tasks for Billing {
    // A Lambda function ARN: return what the function returns.
    async fn charge(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        // The resolved Credentials: the role AWS would assume for the call.
        assert_eq!(
            ctx.role_arn(),
            Some("arn:aws:iam::123456789012:role/Billing")
        );
        if input["amount"].as_f64() > Some(100.0) {
            // Caught by the Catch above: the output gets {"Error": "Card.Declined", "Cause": …}
            // at `$.error`.
            return Err(TaskError::new("Card.Declined", "over the card's limit"));
        }
        Ok(json!({ "charged": input["amount"] }))
    }

    // `lambda:invoke`: AWS returns the Invoke response, with the function's result in `Payload`.
    async fn notify(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(invoke_response(json!({ "sent": input["Payload"] })))
    }
}

#[tokio::test]
async fn the_readme_example_runs() {
    let out = billing::Workflow::new(Billing)
        .run(json!({ "amount": 20 }))
        .await
        .expect("ok");
    assert_eq!(out, json!({ "sent": { "charged": 20 } }));
    let caught = billing::Workflow::new(Billing)
        .run(json!({ "amount": 250 }))
        .await
        .expect("caught");
    assert_eq!(
        caught,
        json!({ "sent": {
            "amount": 250,
            "error": { "Error": "Card.Declined", "Cause": "over the card's limit" }
        } })
    );
}

asl_runtime::asl!(mod panicking {
    "StartAt": "Plain",
    "States": {
        "Plain": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:plain",
            "End": true
        }
    }
});

asl_runtime::asl!(mod panicking_retried {
    "StartAt": "Retried",
    "States": {
        "Retried": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:retried",
            "Retry": [{ "ErrorEquals": ["Never"] }],
            "End": true
        }
    }
});

struct Panics;
impl panicking::Tasks for Panics {
    async fn plain(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        // What a handler knows of its execution, on the path a plain Task takes.
        assert_eq!(ctx.state_name, "Plain");
        assert!(
            ctx.execution_id()
                .starts_with("arn:aws:states:us-east-1:123456789012:execution:panicking:"),
            "{}",
            ctx.execution_id()
        );
        assert!(ctx.idempotency_key().starts_with(ctx.execution_id()));
        if input["panic"] == json!(true) {
            panic!("boom");
        }
        Ok(json!({"entered": ctx.entered_time.timestamp_millis()}))
    }
}
impl panicking_retried::Tasks for Panics {
    async fn retried(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        panic!("boom");
    }
}

#[tokio::test]
async fn a_handler_that_panics_fails_its_task() {
    // A plain Task (its handler's future awaited where it is) and one with a Retry (the
    // general path) report a panic alike: `States.TaskFailed`, and the failed event.
    let plain = panicking::Workflow::new(Panics)
        .run_recorded(json!({"panic": true}), Default::default())
        .await;
    let retried = panicking_retried::Workflow::new(Panics)
        .run_recorded(json!({}), Default::default())
        .await;
    for recorded in [plain, retried] {
        let err = recorded.result.expect_err("fails");
        assert_eq!(err.error(), Some("States.TaskFailed"));
        assert_eq!(err.cause(), Some("the task handler panicked: boom"));
        let kinds: Vec<&str> = recorded.history.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionFailed",
                "ExecutionFailed"
            ]
        );
    }
    // Not panicking, it sees when its state was entered.
    let before = chrono::Utc::now().timestamp_millis();
    let out = panicking::Workflow::new(Panics)
        .run(json!({}))
        .await
        .expect("runs");
    let entered = out["entered"].as_i64().expect("a time");
    assert!(
        (before - 1000..=before + 1000).contains(&entered),
        "{entered}"
    );
}
