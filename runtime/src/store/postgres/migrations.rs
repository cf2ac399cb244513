//! The Postgres schema as numbered migrations, applied on connect under an advisory lock and
//! recorded in `asl_schema_version`.

use tokio_postgres::Client;

use super::pool::quote_ident;
use crate::store::StoreError;

/// The schema, one migration per entry; entry `i` brings the schema to version `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE executions (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    name TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    start_ms BIGINT NOT NULL,
    stop_ms BIGINT,
    redrive_count BIGINT NOT NULL DEFAULT 0,
    redrive_ms BIGINT,
    state TEXT,
    data TEXT,
    vars TEXT,
    at_ms BIGINT,
    secret TEXT NOT NULL,
    seq BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    events BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX executions_runnable ON executions (status, lease_until);
CREATE INDEX executions_workflow ON executions (workflow, start_ms);
CREATE TABLE events (
    execution TEXT NOT NULL,
    id BIGINT NOT NULL,
    type TEXT NOT NULL,
    state TEXT,
    ts_ms BIGINT NOT NULL,
    PRIMARY KEY (execution, id)
);
CREATE TABLE progress (
    execution TEXT NOT NULL,
    scope TEXT NOT NULL,
    idx BIGINT NOT NULL,
    result TEXT NOT NULL,
    events TEXT NOT NULL,
    PRIMARY KEY (execution, scope, idx)
);
CREATE TABLE tokens (
    token TEXT PRIMARY KEY,
    execution TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    heartbeat_ms BIGINT NOT NULL
);
CREATE INDEX tokens_execution ON tokens (execution);
",
    // A retried state's progress between attempts.
    "ALTER TABLE executions ADD COLUMN retry TEXT;",
    // History event details.
    "ALTER TABLE events ADD COLUMN details TEXT;",
    // Large payloads, once per execution (see `store::payloads`).
    "CREATE TABLE payloads (
    execution TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (execution, hash)
);",
    // Distributed Map (MAP-17): the Map Run a child execution belongs to and how many items it
    // processes, and the Map Runs themselves. Existing rows are no Map Run's children.
    "ALTER TABLE executions ADD COLUMN map_run TEXT;
ALTER TABLE executions ADD COLUMN map_items BIGINT NOT NULL DEFAULT 0;
CREATE INDEX executions_map_run ON executions (map_run, start_ms) WHERE map_run IS NOT NULL;
CREATE TABLE map_runs (
    arn TEXT PRIMARY KEY,
    execution TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    stop_ms BIGINT,
    max_concurrency BIGINT NOT NULL,
    tolerated_failure_count BIGINT NOT NULL,
    tolerated_failure_percentage DOUBLE PRECISION NOT NULL,
    redrive_count BIGINT NOT NULL,
    redrive_ms BIGINT,
    counts TEXT
);
CREATE INDEX map_runs_execution ON map_runs (execution, start_ms);",
    // Events published while a state runs (see `Commit::provisional`): the first one's id.
    "ALTER TABLE executions ADD COLUMN provisional BIGINT;",
    // Schedules (`durable::schedule`).
    "CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    expression TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    input TEXT NOT NULL,
    description TEXT,
    start_ms BIGINT,
    end_ms BIGINT,
    state TEXT NOT NULL,
    anchor_ms BIGINT NOT NULL,
    next_ms BIGINT,
    last_ms BIGINT,
    created_ms BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL
);",
    // The console: executions of a workflow by status, newest first, and counts by status.
    "CREATE INDEX executions_workflow_status ON executions (workflow, status, start_ms);",
    // Executions at rest on a callback token (`Rest::token`): what the handler answered as
    // it handed the token out, and when its attempt started.
    "ALTER TABLE tokens ADD COLUMN sent TEXT;
ALTER TABLE tokens ADD COLUMN sent_ms BIGINT;",
    // The executions a worker holds: a worker that starts again finds those it held (its
    // first claim) without reading every running execution (90 ms among 100,000). Claims
    // and rests, which set or clear the owner, change the indexed `lease_until` already; a
    // transition, which changes neither, still updates its row in place. Built in the
    // migration's transaction, it holds writes to `executions` while it is built: an
    // upgrade of a large store pauses its workers once, for as long as that takes.
    "CREATE INDEX executions_leased ON executions (lease_owner) WHERE lease_owner IS NOT NULL;",
];

/// Brings the schema (in `schema`, when given) to the latest version.
pub(super) async fn migrate(client: &mut Client, schema: Option<&str>) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    // Workers that start together migrate one after the other.
    tx.batch_execute("SELECT pg_advisory_xact_lock(7468206)")
        .await?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {0}; SET LOCAL search_path TO {0}",
            quote_ident(schema)
        ))
        .await?;
    }
    tx.batch_execute("CREATE TABLE IF NOT EXISTS asl_schema_version (version BIGINT NOT NULL)")
        .await?;
    let current: i64 = tx
        .query_opt("SELECT max(version) FROM asl_schema_version", &[])
        .await?
        .and_then(|r| r.get::<_, Option<i64>>(0))
        .unwrap_or(0);
    for (i, m) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        tx.batch_execute(m).await?;
        tx.execute(
            "INSERT INTO asl_schema_version (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
