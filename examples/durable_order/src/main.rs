//! A durable order: `cargo run -q -p durable-order` starts execution `order-42` on a SQLite
//! file and runs it: `durable_order.db` beside the executable (under cargo, in the target
//! directory's profile folder, e.g. `target/debug/`, so the checkout stays clean), or the path
//! given as the first argument; the `execution … (database …)` line names it. It takes
//! about 15 s: kill it (Ctrl-C) at any point and run it again; it continues from its last
//! transition (the Wait only waits what is left, packed items are not packed again) and
//! prints the history. Run it once more after it finished to see the stored result.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, EngineError, ExecutionId, StartOptions, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod order from "workflows/order.asl.json");

struct Shop;

impl order::Tasks for Shop {
    async fn charge(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        // Tasks run at least once: a payment provider would dedupe on this key.
        println!(
            "charging {} (idempotency key {})",
            input["total"],
            ctx.idempotency_key()
        );
        Ok(json!({ "status": "paid" }))
    }

    async fn pack(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        println!("packing {input}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(json!({ "sku": input, "packed": true }))
    }

    async fn ship(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        println!("shipping");
        Ok(json!({ "carrier": "post", "tracking": "T-42" }))
    }
}

/// `durable_order.db` in the executable's folder: one per target directory and profile, kept
/// between runs (the point of the example) and out of the source tree. The temporary
/// directory if the executable's path is unknown.
fn default_db() -> std::path::PathBuf {
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(std::path::Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir);
    dir.join("durable_order.db")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = match std::env::args().nth(1) {
        Some(path) => path,
        None => default_db().to_string_lossy().into_owned(),
    };
    let engine = Engine::builder()
        .store(SqliteStore::open(&db).await?)
        .workflow("order", order::Workflow::new(Shop))
        // This process takes its executions back at once when restarted.
        .worker_id("durable-order-example")
        .lease_timeout(Duration::from_secs(10))
        .build()
        .await?;
    let input = json!({ "total": 99.5, "items": ["book", "pen", "lamp", "mug"] });
    let id = match engine
        .start("order", input, StartOptions::default().name("order-42"))
        .await
    {
        Ok(id) => id,
        Err(EngineError::ExecutionAlreadyExists(arn)) => arn.parse::<ExecutionId>()?,
        Err(e) => return Err(e.into()),
    };
    println!("execution {id} (database {db})");
    // Runs what this process did not finish before it was killed.
    let worker = engine.clone();
    tokio::spawn(async move { worker.run().await });
    let outcome = engine.wait(&id).await;
    for e in engine.history(&id).await? {
        println!(
            "#{:<3} {} {:<24} {}",
            e.id,
            e.timestamp.format("%H:%M:%S"),
            e.kind,
            e.state.unwrap_or_default()
        );
    }
    match outcome {
        Ok(output) => println!("output: {output}"),
        Err(e) => println!("{e}"),
    }
    Ok(())
}
