//! An Express execution an engine starts sees, as `$$.Execution.Id` and in its handlers, the
//! ARN the engine hands out (CTX-2, EXEC-2): StartExecution and StartSyncExecution.
#![cfg(feature = "sqlite")]

use asl_runtime::{Engine, StartOptions, TaskContext, TaskError, Value, store::SqliteStore};
use serde_json::json;

asl_runtime::asl!(mod who {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ask", "ResultPath": "$.handler", "Next": "Read" },
        "Read": { "Type": "Pass", "Parameters": { "context.$": "$$.Execution.Id", "handler.$": "$.handler" }, "End": true }
    }
});

struct Ask;
impl who::Tasks for Ask {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(ctx.execution_id().into())
    }
}

#[tokio::test]
async fn the_arn_handed_out_is_the_one_the_execution_sees() -> Result<(), Box<dyn std::error::Error>>
{
    let engine = Engine::builder()
        .store(SqliteStore::memory().await?)
        .express_workflow("who", who::Workflow::new(Ask))
        .build()
        .await?;
    let sync = engine
        .start_sync("who", json!({}), StartOptions::default())
        .await?;
    let arn = sync.execution_id.as_str();
    assert!(arn.contains(":express:who:"), "{arn}");
    assert_eq!(sync.output, Some(json!({"context": arn, "handler": arn})));

    let id = engine
        .start("who", json!({}), StartOptions::default())
        .await?;
    let arn = id.as_str();
    assert_eq!(
        engine.wait(&id).await?,
        json!({"context": arn, "handler": arn})
    );
    Ok(())
}
