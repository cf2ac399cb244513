//! A JSONata workflow with workflow variables: `asl!` compiles `workflows/loyalty.asl.json`
//! (every `{% … %}` expression is parsed and checked at build time) and this program supplies
//! the one Task.
//!
//! `cargo run -q -p loyalty`

use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod loyalty from "workflows/loyalty.asl.json");

/// The Task handlers: a customer directory.
struct Directory;

impl loyalty::Tasks for Directory {
    async fn load_customer(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        match input["id"].as_str() {
            Some("c-7") => Ok(json!({ "name": "ada", "tier": "silver" })),
            _ => Err(TaskError::new("Customer.NotFound", "no such customer")),
        }
    }
}

#[tokio::main]
async fn main() {
    let workflow = loyalty::Workflow::new(Directory);
    let input = json!({
        "customerId": "c-7",
        "orders": [
            { "id": 1, "status": "paid", "total": 64.5 },
            { "id": 2, "status": "cancelled", "total": 300 },
            { "id": 3, "status": "paid", "total": 41.2 }
        ]
    });
    match workflow.run(input).await {
        Ok(out) => println!("{out:#}"),
        Err(e) => println!("failed: {e}"),
    }
    match workflow
        .run(json!({ "customerId": "c-0", "orders": [] }))
        .await
    {
        Ok(out) => println!("{out:#}"),
        Err(e) => println!("failed: {e}"),
    }
}
