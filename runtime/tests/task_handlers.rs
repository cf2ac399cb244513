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
