//! A worker process for the two-worker test: `pg-worker <postgres url> <schema> <worker id>
//! <log>` runs executions of the `ten` workflow from a Postgres store until killed.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use asl_durable_tests::ten_run;
use asl_runtime::store::PostgresStore;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, schema, worker, log] = args.as_slice() else {
        return Err("usage: pg-worker <url> <schema> <worker id> <log>".into());
    };
    // Warnings (a store outage, a lost lease) go to stderr, as an operator would see them.
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(std::io::stderr)
        .init();
    let engine = ten_run::worker(
        PostgresStore::connect_schema(url, schema).await?,
        worker,
        log.as_ref(),
    )
    .await?;
    engine.run().await?;
    Ok(())
}
