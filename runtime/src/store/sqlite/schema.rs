//! The SQLite schema: the tables, created if missing, and the columns later versions added,
//! so a file made by an older version opens.
//!
//! Distributed Map (MAP-17) added `executions.map_run` / `executions.map_items` (a child
//! execution's Map Run and item count) and the `map_runs` table. Events published while a
//! state runs added `executions.provisional` (see `Commit::provisional`). Schedules added the
//! `schedules` table (created in files that lack it like any other table). The console's
//! listing by status and its counts by status added `executions_workflow_status` (created in
//! older files like any other index). The commit log added `log` (see `log`), and folding
//! an execution's part of it alone added `log_folded` (a version before it would fold rows
//! marked folded again: a file is not opened by an older version). Executions at rest on a
//! callback token added `tokens.sent` / `tokens.sent_ms` (see `Rest::token`). A worker
//! starting again finds the executions it held through `executions_leased` (created in
//! older files like any other index).

use rusqlite::{Connection, params};

use crate::store::StoreError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS executions (
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
    start_ms INTEGER NOT NULL,
    stop_ms INTEGER,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_ms INTEGER,
    state TEXT,
    data TEXT,
    vars TEXT,
    at_ms INTEGER,
    seq INTEGER NOT NULL DEFAULT 0,
    retry TEXT,
    secret TEXT NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    events INTEGER NOT NULL DEFAULT 0,
    map_run TEXT,
        map_items INTEGER NOT NULL DEFAULT 0,
    provisional INTEGER
);
CREATE INDEX IF NOT EXISTS executions_runnable ON executions(status, lease_until);
-- The executions a worker holds: one starting again finds those it held without reading
-- every running execution.
CREATE INDEX IF NOT EXISTS executions_leased ON executions(lease_owner)
    WHERE lease_owner IS NOT NULL;
CREATE INDEX IF NOT EXISTS executions_workflow ON executions(workflow, start_ms);
CREATE INDEX IF NOT EXISTS executions_workflow_status ON executions(workflow, status, start_ms);
CREATE TABLE IF NOT EXISTS events (
    execution TEXT NOT NULL,
    id INTEGER NOT NULL,
    type TEXT NOT NULL,
    state TEXT,
    ts_ms INTEGER NOT NULL,
    details TEXT,
    PRIMARY KEY (execution, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS payloads (
    execution TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (execution, hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS progress (
    execution TEXT NOT NULL,
    scope TEXT NOT NULL,
    idx INTEGER NOT NULL,
    result TEXT NOT NULL,
    events TEXT NOT NULL,
    PRIMARY KEY (execution, scope, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    execution TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    heartbeat_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_execution ON tokens(execution);
CREATE TABLE IF NOT EXISTS map_runs (
    arn TEXT PRIMARY KEY,
    execution TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    stop_ms INTEGER,
    max_concurrency INTEGER NOT NULL,
    tolerated_failure_count INTEGER NOT NULL,
    tolerated_failure_percentage REAL,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_ms INTEGER,
    counts TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS map_runs_execution ON map_runs(execution, start_ms, arn);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY,
    key INTEGER NOT NULL,
    execution TEXT NOT NULL,
    first_event INTEGER,
    last_event INTEGER,
    body TEXT NOT NULL
);
-- An execution's rows by its last event: the check that a transition's events are new
-- seeks to the first at or past them (by key alone it read each of the execution's rows).
CREATE INDEX IF NOT EXISTS log_key_event ON log(key, last_event);
DROP INDEX IF EXISTS log_key;
-- How far each execution's logged rows are folded (rows left in place until the whole log
-- is dropped: see `log`).
CREATE TABLE IF NOT EXISTS log_folded (
    execution TEXT PRIMARY KEY,
    upto INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS schedules (
    name TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    expression TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    input TEXT NOT NULL,
    description TEXT,
    start_ms INTEGER,
    end_ms INTEGER,
    state TEXT NOT NULL,
    anchor_ms INTEGER NOT NULL,
    next_ms INTEGER,
    last_ms INTEGER,
    created_ms INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Columns added after their table first shipped: `(table, column, declaration)`.
const ADDED_COLUMNS: [(&str, &str, &str); 7] = [
    ("executions", "retry", "TEXT"),
    ("events", "details", "TEXT"),
    ("executions", "map_run", "TEXT"),
    ("executions", "map_items", "INTEGER NOT NULL DEFAULT 0"),
    ("executions", "provisional", "INTEGER"),
    ("tokens", "sent", "TEXT"),
    ("tokens", "sent_ms", "INTEGER"),
];

/// Indexes on added columns: created once the columns exist (an older file has them only
/// after `ADDED_COLUMNS` ran).
const LATER_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS executions_map_run ON executions(map_run, start_ms)
    WHERE map_run IS NOT NULL;
";

/// Creates the tables a new file lacks and the columns an older file lacks.
pub(super) fn create(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(SCHEMA)?;
    // Files made before a column existed get it.
    for (table, column, declaration) in ADDED_COLUMNS {
        let has: bool = conn
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
            ))?
            .exists(params![column])?;
        if !has {
            conn.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
            ))?;
        }
    }
    conn.execute_batch(LATER_INDEXES)?;
    Ok(())
}
