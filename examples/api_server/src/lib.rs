//! The workflows `cargo run -p api-server` serves on the Step Functions API, on a SQLite file:
//! `order` (STANDARD: charge, a 10 s Wait, pack each item, ship), `approval` (STANDARD: waits
//! for a person's SendTaskSuccess or SendTaskFailure), `shipment` (STANDARD: labels parcels,
//! books a courier with retries, fails with a caught error for some regions: one to debug in
//! the console) and `quote` (EXPRESS: answers at once, for StartSyncExecution).

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
    /// A shipment: a label per parcel, then a courier booked with retries.
    pub mod shipment from "workflows/shipment.asl.json");
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

/// The shipment's Task states: couriers are always busy in the `north` region and never
/// come to a `remote` one, so those shipments fail (caught, then the Fail state).
pub struct Couriers;

impl shipment::Tasks for Couriers {
    // Both are `lambda:invoke` calls: the input is the request (`FunctionName`, `Payload`),
    // the answer is Lambda's response, whose `Payload` the states keep (`OutputPath`).
    async fn print_label(&self, request: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let input = &request["Payload"];
        if !input["weight"].as_f64().is_some_and(|w| w > 0.0) {
            return Err(TaskError::new(
                "Label.InvalidWeight",
                format!("parcel {} has no positive weight", input["id"]),
            ));
        }
        Ok(json!({ "Payload": { "parcel": input["id"], "label": format!("L-{}", input["id"]) } }))
    }

    async fn book_courier(&self, request: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        match request["Payload"]["region"].as_str() {
            Some("north") => Err(TaskError::new(
                "Courier.Busy",
                "every courier in the north region is out",
            )),
            Some("remote") => Err(TaskError::new(
                "Courier.Unavailable",
                "no courier serves remote regions",
            )),
            _ => Ok(json!({ "Payload": { "courier": "Rapid", "pickup": "tomorrow 9:00" } })),
        }
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
            input["MessageBody"]["amount"],
            ctx.execution_id(),
            self.endpoint
        );
        // What a queue would answer; the state then waits for the token.
        Ok(json!({ "MessageId": token.get(..8).unwrap_or_default() }))
    }
}

/// An engine on the SQLite file `db` with the four workflows registered.
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
        .workflow("shipment", shipment::Workflow::new(Couriers))
        .express_workflow("quote", quote::Workflow::new(()))
        // A restarted server takes its executions back at once.
        .worker_id("api-server-example")
        .build()
        .await?;
    Ok(engine)
}

impl quote::Tasks for () {}
