//! The workflows `cargo run -p api-server` serves on the Step Functions API, on a SQLite file:
//! `order` (STANDARD: charge, a 10 s Wait, pack each item, ship), `approval` (STANDARD: waits
//! for a person's SendTaskSuccess or SendTaskFailure) and `quote` (EXPRESS: answers at once,
//! for StartSyncExecution).

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(
    /// The order: charge, wait for the warehouse, pack each item, ship.
    pub mod order from "../durable_order/workflows/order.asl.json");
asl_runtime::asl!(
    /// An expense waiting for a person's answer to its task token.
    pub mod approval from "workflows/approval.asl.json");
asl_runtime::asl!(
    /// A price quote (EXPRESS).
    pub mod quote from "workflows/quote.asl.json");

/// The order's Task states, answered in this process.
pub struct Shop;

impl order::Tasks for Shop {
    async fn charge(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        println!("charging {}", input["total"]);
        Ok(json!({ "status": "paid" }))
    }

    async fn pack(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(json!({ "sku": input, "packed": true }))
    }

    async fn ship(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({ "carrier": "post", "tracking": "T-42" }))
    }
}

/// Where approval requests go: printed, with the command that answers them.
pub struct Approvers {
    /// The server's address, for the printed command.
    pub endpoint: String,
}

impl approval::Tasks for Approvers {
    async fn request_approval(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let token = ctx.task_token().unwrap_or_default();
        println!(
            "approval requested for {} by {}: answer with\n  aws stepfunctions \
             --endpoint-url {} send-task-success --task-token {token} \
             --task-output '{{\"approved\": true}}'",
            input["MessageBody"]["amount"], ctx.execution_id, self.endpoint
        );
        // What a queue would answer; the state then waits for the token.
        Ok(json!({ "MessageId": token.get(..8).unwrap_or_default() }))
    }
}

/// An engine on the SQLite file `db` with the three workflows registered.
pub async fn engine(db: &Path, endpoint: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    let engine = Engine::builder()
        .store(SqliteStore::open(db).await?)
        .workflow("order", order::Workflow::new(Shop))
        .workflow(
            "approval",
            approval::Workflow::new(Approvers {
                endpoint: endpoint.to_string(),
            }),
        )
        .express_workflow("quote", quote::Workflow::new(()))
        // A restarted server takes its executions back at once.
        .worker_id("api-server-example")
        .build()
        .await?;
    Ok(engine)
}

impl quote::Tasks for () {}
