//! A worker process for the Distributed Map worker test: `dm-worker <postgres url> <schema>
//! <worker id> <log>` runs executions of the `dm` workflow, and the STANDARD children of its
//! Distributed Map (`dm#Fan`), from a Postgres store until killed.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use asl_durable_tests::{DmTenant, dm};
use asl_runtime::Engine;
use asl_runtime::store::PostgresStore;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, schema, worker, log] = args.as_slice() else {
        return Err("usage: dm-worker <url> <schema> <worker id> <log>".into());
    };
    let engine = Engine::builder()
        .store(PostgresStore::connect_schema(url, schema).await?)
        .workflow(
            "dm",
            dm::Workflow::new(DmTenant {
                worker: worker.clone(),
                log: log.into(),
            }),
        )
        .worker_id(worker.as_str())
        // Short, so that the killed worker's executions are taken over quickly.
        .lease_timeout(Duration::from_secs(2))
        .poll_interval(Duration::from_millis(20))
        .build()
        .await?;
    engine.run().await?;
    Ok(())
}
