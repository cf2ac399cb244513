//! A worker process for the group-commit crash test: `sqlite-worker <db> <worker id> <log>`
//! runs executions of the `ten` workflow from a SQLite file until killed.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use asl_durable_tests::{Tenant, ten};
use asl_runtime::Engine;
use asl_runtime::store::SqliteStore;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, worker, log] = args.as_slice() else {
        return Err("usage: sqlite-worker <db> <worker id> <log>".into());
    };
    let engine = Engine::builder()
        .store(SqliteStore::open(db).await?)
        .workflow(
            "ten",
            ten::Workflow::new(Tenant {
                worker: worker.clone(),
                log: log.into(),
            }),
        )
        // The same id after a restart: its executions are taken back at once.
        .worker_id(worker.as_str())
        .poll_interval(Duration::from_millis(10))
        .build()
        .await?;
    engine.run().await?;
    Ok(())
}
