//! A worker process for the group-commit crash test: `sqlite-worker <db> <worker id> <log>`
//! runs executions of the `ten` workflow from a SQLite file until killed.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use asl_durable_tests::ten_run;
use asl_runtime::store::SqliteStore;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, worker, log] = args.as_slice() else {
        return Err("usage: sqlite-worker <db> <worker id> <log>".into());
    };
    let engine = ten_run::worker(SqliteStore::open(db).await?, worker, log.as_ref()).await?;
    engine.run().await?;
    Ok(())
}
