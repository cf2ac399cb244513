//! A worker process for the crash test: `crash-worker <db> <log>` starts (or, after a crash,
//! resumes) the execution named `the-one` of the crash workflow on a SQLite file, runs it to
//! its end and prints its output.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use asl_durable_tests::{Logging, crash, input};
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, EngineError, ExecutionId, StartOptions};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(log)) = (args.get(1), args.get(2)) else {
        return Err("usage: crash-worker <db> <log>".into());
    };
    let engine = Engine::builder()
        .store(SqliteStore::open(db).await?)
        .workflow(
            "crash",
            crash::Workflow::new(Logging {
                log: Some(log.into()),
            }),
        )
        // The same worker id after a restart: its executions are taken back at once.
        .worker_id("crash-worker")
        .poll_interval(Duration::from_millis(10))
        .build()
        .await?;
    let id = match engine
        .start("crash", input(), StartOptions::default().name("the-one"))
        .await
    {
        Ok(id) => id,
        // It already ended: report it.
        Err(EngineError::ExecutionAlreadyExists(arn)) => arn.parse::<ExecutionId>()?,
        Err(e) => return Err(e.into()),
    };
    let worker = engine.clone();
    tokio::spawn(async move { worker.run().await });
    let output = engine.wait(&id).await?;
    println!("{output}");
    Ok(())
}
