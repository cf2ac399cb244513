//! The embedded store: SQLite in WAL mode, with the writes of many executions committed
//! together (group commit).
//!
//! `synchronous=FULL`: every commit is on disk (WAL fsynced) before its caller continues, so a
//! transition acknowledged to an execution survives power loss, not only a process crash.
//! Throughput comes from group commit rather than a weaker sync level: requests queue up, and
//! whichever caller finds the connection free runs every queued request, each in a savepoint
//! of one transaction, commits once, and only then answers them all.
//!
//! The work runs on the calling task's thread (SQLite calls are short, and one fsync is shared
//! by the whole batch); so a runtime with a paused clock never sees the store as idle time,
//! and tests on tokio's paused clock stay deterministic.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::{
    Checkpoint, Close, Commit, Created, ExecutionRecord, Page, Progress, Store, StoreError,
    StoreFuture, StoredEvent, TokenState, TokenUpdate, payloads,
};
use crate::error::Status;

/// A reply sent once the transaction holding the request committed (or failed to).
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A request: runs in its own savepoint (or gets the error that kept the transaction from
/// starting); `false` rolls the savepoint back.
type Job = Box<dyn FnOnce(Result<&Connection, StoreError>) -> (bool, Reply) + Send>;

/// The most requests committed in one transaction.
const MAX_BATCH: usize = 512;

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
    events INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS executions_runnable ON executions(status, lease_until);
CREATE INDEX IF NOT EXISTS executions_workflow ON executions(workflow, start_ms);
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
";

/// SQLite as a [`Store`]: `SqliteStore::open("runs.db")` or `SqliteStore::memory()`.
///
/// Several processes may open the same file (SQLite locks it; a writer waits up to 30 s for
/// another process's transaction).
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    queue: Mutex<Vec<Job>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Opens (creating if needed) a database file and its schema.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        Self::start(Connection::open(path.as_ref())?)
    }

    /// A private in-memory database (for tests).
    pub async fn memory() -> Result<SqliteStore, StoreError> {
        Self::start(Connection::open_in_memory()?)
    }

    fn start(conn: Connection) -> Result<SqliteStore, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        // Files made before a column existed get it.
        for (table, column) in [("executions", "retry"), ("events", "details")] {
            let has: bool = conn
                .prepare(&format!(
                    "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
                ))?
                .exists(params![column])?;
            if !has {
                conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} TEXT"))?;
            }
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                queue: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Queues `f` for the next transaction and runs the queue if the connection is free;
    /// resolves once the transaction holding `f` committed.
    fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> StoreFuture<'_, R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let r = conn.and_then(f);
            let ok = r.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let _ = tx.send(committed.and(r));
            });
            (ok, reply)
        });
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(job);
        self.inner.drain();
        Box::pin(async move { rx.await.map_err(|_| StoreError::Closed)? })
    }
}

impl Inner {
    /// Runs queued requests while the connection is free. A caller that finds it busy leaves
    /// its request to the current holder, which looks at the queue again after letting go.
    fn drain(&self) {
        loop {
            let conn = match self.conn.try_lock() {
                Ok(c) => c,
                // A job panicked while holding the connection: roll back what it left open
                // and go on (otherwise every later call would wait forever).
                Err(std::sync::TryLockError::Poisoned(p)) => {
                    let c = p.into_inner();
                    let _ = c.execute_batch("ROLLBACK");
                    c
                }
                Err(std::sync::TryLockError::WouldBlock) => return,
            };
            loop {
                let batch: Vec<Job> = {
                    let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                    let n = q.len().min(MAX_BATCH);
                    q.drain(..n).collect()
                };
                if batch.is_empty() {
                    break;
                }
                run_batch(&conn, batch);
            }
            drop(conn);
            if self
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty()
            {
                return;
            }
        }
    }
}

/// Runs `batch` in one transaction, each request in a savepoint; answers after the commit.
fn run_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let e = StoreError::from(e);
        for job in batch {
            let (_, reply) = job(Err(e.clone()));
            reply(Ok(()));
        }
        return;
    }
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            let (_, reply) = job(Err(StoreError::from(e)));
            replies.push(reply);
            continue;
        }
        let (ok, reply) = job(Ok(conn));
        let end = if ok {
            conn.execute_batch("RELEASE job")
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        replies.push(match end {
            Ok(()) => reply,
            Err(e) => {
                let e = StoreError::from(e);
                Box::new(move |_| reply(Err(e)))
            }
        });
    }
    let committed = conn.execute_batch("COMMIT").map_err(StoreError::from);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    for reply in replies {
        reply(committed.clone());
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn to_json(v: &Value) -> String {
    v.to_string()
}

fn parse_json(s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::backend("corrupt JSON in store", e))
}

const COLUMNS: &str = "id, workflow, name, state_machine_arn, role_arn, status, input, output, \
                       error, cause, start_ms, stop_ms, redrive_count, redrive_ms, state, data, \
                       vars, at_ms, secret, seq, retry";

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok(RawRecord {
        id: row.get(0)?,
        workflow: row.get(1)?,
        name: row.get(2)?,
        state_machine_arn: row.get(3)?,
        role_arn: row.get(4)?,
        status: row.get(5)?,
        input: row.get(6)?,
        output: row.get(7)?,
        error: row.get(8)?,
        cause: row.get(9)?,
        start_ms: row.get(10)?,
        stop_ms: row.get(11)?,
        redrive_count: row.get(12)?,
        redrive_ms: row.get(13)?,
        state: row.get(14)?,
        data: row.get(15)?,
        vars: row.get(16)?,
        at_ms: row.get(17)?,
        secret: row.get(18)?,
        seq: row.get(19)?,
        retry: row.get(20)?,
    })
}

/// A row before its JSON columns are parsed.
struct RawRecord {
    id: String,
    workflow: String,
    name: String,
    state_machine_arn: String,
    role_arn: String,
    status: String,
    input: String,
    output: Option<String>,
    error: Option<String>,
    cause: Option<String>,
    start_ms: i64,
    stop_ms: Option<i64>,
    redrive_count: u32,
    redrive_ms: Option<i64>,
    state: Option<String>,
    data: Option<String>,
    vars: Option<String>,
    at_ms: Option<i64>,
    secret: String,
    seq: i64,
    retry: Option<String>,
}

impl RawRecord {
    fn parse(self) -> Result<ExecutionRecord, StoreError> {
        let checkpoint = match (self.state, self.data, self.at_ms) {
            (Some(state), Some(data), Some(at)) => Some(Checkpoint {
                state,
                input: parse_json(&data)?,
                vars: match self.vars.as_deref().map(parse_json).transpose()? {
                    Some(Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                },
                at: from_ms(at),
                seq: self.seq as u64,
                retry: self.retry.as_deref().map(parse_json).transpose()?,
            }),
            _ => None,
        };
        Ok(ExecutionRecord {
            status: self
                .status
                .parse::<Status>()
                .map_err(|e| StoreError::backend(e.to_string(), e))?,
            input: parse_json(&self.input)?,
            output: self.output.as_deref().map(parse_json).transpose()?,
            id: self.id,
            workflow: self.workflow,
            name: self.name,
            state_machine_arn: self.state_machine_arn,
            role_arn: self.role_arn,
            error: self.error,
            cause: self.cause,
            start_date: from_ms(self.start_ms),
            stop_date: self.stop_ms.map(from_ms),
            redrive_count: self.redrive_count,
            redrive_date: self.redrive_ms.map(from_ms),
            checkpoint,
            secret: self.secret,
        })
    }
}

fn get_record(conn: &Connection, id: &str) -> Result<Option<ExecutionRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM executions WHERE id = ?1"))?
        .query_row(params![id], read_record)
        .optional()?
        .map(RawRecord::parse)
        .transpose()
}

/// An event's details as stored, with its large payloads stored once (see [`payloads`]).
fn store_details(
    conn: &Connection,
    execution: &str,
    details: &Value,
) -> Result<String, StoreError> {
    let mut shared = Vec::new();
    let text = payloads::share(details, &mut shared);
    if !shared.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO payloads (execution, hash, body) VALUES (?1, ?2, ?3)",
        )?;
        for (hash, body) in shared {
            insert.execute(params![execution, hash, body])?;
        }
    }
    Ok(text)
}

/// An execution's shared payloads by hash.
fn shared_payloads(
    conn: &Connection,
    execution: &str,
) -> Result<HashMap<String, String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT hash, body FROM payloads WHERE execution = ?1")?;
    let rows = stmt.query_map(params![execution], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (hash, body) = row?;
        out.insert(hash, body);
    }
    Ok(out)
}

fn append_event(
    conn: &Connection,
    execution: &str,
    kind: &str,
    at: DateTime<Utc>,
    details: Value,
) -> Result<(), StoreError> {
    let details = store_details(conn, execution, &details)?;
    let n: i64 = conn
        .prepare_cached("SELECT events FROM executions WHERE id = ?1")?
        .query_row(params![execution], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO events (execution, id, type, state, ts_ms, details) \
         VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
    )?
    .execute(params![execution, n + 1, kind, ms(at), details])?;
    conn.prepare_cached("UPDATE executions SET events = ?2 WHERE id = ?1")?
        .execute(params![execution, n + 1])?;
    Ok(())
}

impl Store for SqliteStore {
    fn create(
        &self,
        record: ExecutionRecord,
        worker: Option<String>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Created> {
        self.call(move |conn| {
            if let Some(existing) = get_record(conn, &record.id)? {
                return Ok(Created::Existing(Box::new(existing)));
            }
            conn.prepare_cached(
                "INSERT INTO executions (id, workflow, name, state_machine_arn, role_arn, status, \
                 input, start_ms, secret, lease_owner, lease_until, events) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'RUNNING', ?6, ?7, ?8, ?9, ?10, 1)",
            )?
            .execute(params![
                record.id,
                record.workflow,
                record.name,
                record.state_machine_arn,
                record.role_arn,
                to_json(&record.input),
                ms(record.start_date),
                record.secret,
                worker,
                worker.as_ref().map(|_| ms(lease_until))
            ])?;
            let started = store_details(conn, &record.id, &super::started_details(&record))?;
            conn.prepare_cached(
                "INSERT INTO events (execution, id, type, state, ts_ms, details) \
                 VALUES (?1, 1, 'ExecutionStarted', NULL, ?2, ?3)",
            )?
            .execute(params![record.id, ms(record.start_date), started])?;
            Ok(Created::New)
        })
    }

    fn get(&self, id: &str) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let id = id.to_string();
        self.call(move |conn| get_record(conn, &id))
    }

    fn history(&self, id: &str) -> StoreFuture<'_, Vec<StoredEvent>> {
        let id = id.to_string();
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, type, state, ts_ms, details FROM events WHERE execution = ?1 \
                 ORDER BY id",
            )?;
            let rows = stmt.query_map(params![id], |r| {
                Ok((
                    StoredEvent {
                        id: r.get::<_, i64>(0)? as u64,
                        kind: r.get(1)?,
                        state: r.get(2)?,
                        timestamp: from_ms(r.get(3)?),
                        details: None,
                    },
                    r.get::<_, Option<String>>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            let mut shared: Option<HashMap<String, String>> = None;
            for row in rows {
                let (mut e, details) = row?;
                if let Some(text) = details {
                    let mut d = parse_json(&text)?;
                    if payloads::refers(&text) {
                        if shared.is_none() {
                            shared = Some(shared_payloads(conn, &id)?);
                        }
                        if let Some(p) = &shared {
                            payloads::restore(&mut d, p)?;
                        }
                    }
                    e.details = Some(d);
                }
                out.push(e);
            }
            Ok(out)
        })
    }

    fn progress(&self, id: &str) -> StoreFuture<'_, Vec<Progress>> {
        let id = id.to_string();
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT scope, idx, result, events FROM progress WHERE execution = ?1",
            )?;
            let rows = stmt.query_map(params![id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (scope, idx, result, events) = row?;
                out.push(Progress {
                    scope,
                    index: idx as usize,
                    result: parse_json(&result)?,
                    events: parse_json(&events)?,
                });
            }
            Ok(out)
        })
    }

    fn commit(&self, commit: Commit) -> StoreFuture<'_, ()> {
        self.call(move |conn| {
            let fenced = conn
                .prepare_cached(
                    "UPDATE executions SET events = events + ?3 \
                     WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
                )?
                .execute(params![
                    commit.execution,
                    commit.worker,
                    commit.events.len() as i64
                ])?;
            if fenced == 0 {
                return Err(StoreError::LeaseLost(commit.execution));
            }
            let mut insert = conn.prepare_cached(
                "INSERT INTO events (execution, id, type, state, ts_ms, details) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for e in &commit.events {
                let details = match &e.details {
                    Some(d) => Some(store_details(conn, &commit.execution, d)?),
                    None => None,
                };
                insert.execute(params![
                    commit.execution,
                    e.id as i64,
                    e.kind,
                    e.state,
                    ms(e.timestamp),
                    details
                ])?;
            }
            if let Some(c) = &commit.checkpoint {
                conn.prepare_cached(
                    "UPDATE executions SET state = ?2, data = ?3, vars = ?4, at_ms = ?5, seq = ?6, \
                     retry = ?7 WHERE id = ?1",
                )?
                .execute(params![
                    commit.execution,
                    c.state,
                    to_json(&c.input),
                    to_json(&Value::Object(c.vars.clone())),
                    ms(c.at),
                    c.seq as i64,
                    c.retry.as_ref().map(to_json)
                ])?;
            }
            if let Some(Close {
                status,
                output,
                error,
                cause,
                at,
            }) = &commit.close
            {
                conn.prepare_cached(
                    "UPDATE executions SET status = ?2, output = ?3, error = ?4, cause = ?5, \
                     stop_ms = ?6, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
                )?
                .execute(params![
                    commit.execution,
                    status.as_str(),
                    output.as_ref().map(to_json),
                    error,
                    cause,
                    ms(*at)
                ])?;
                conn.prepare_cached(
                    "UPDATE tokens SET status = 'CLOSED' WHERE execution = ?1 AND status = 'WAITING'",
                )?
                .execute(params![commit.execution])?;
                if *status == Status::Succeeded {
                    conn.prepare_cached("DELETE FROM progress WHERE execution = ?1")?
                        .execute(params![commit.execution])?;
                } else {
                    // The iterations' events are in the history now: a redrive keeps their
                    // results without recording them again.
                    conn.prepare_cached("UPDATE progress SET events = '[]' WHERE execution = ?1")?
                        .execute(params![commit.execution])?;
                }
            }
            Ok(())
        })
    }

    fn put_progress(
        &self,
        execution: &str,
        worker: &str,
        progress: Progress,
    ) -> StoreFuture<'_, ()> {
        let (execution, worker) = (execution.to_string(), worker.to_string());
        self.call(move |conn| {
            let owned: Option<i64> = conn
                .prepare_cached(
                    "SELECT 1 FROM executions WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
                )?
                .query_row(params![execution, worker], |r| r.get(0))
                .optional()?;
            if owned.is_none() {
                return Err(StoreError::LeaseLost(execution));
            }
            conn.prepare_cached(
                "INSERT OR REPLACE INTO progress (execution, scope, idx, result, events) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                execution,
                progress.scope,
                progress.index as i64,
                to_json(&progress.result),
                to_json(&progress.events)
            ])?;
            Ok(())
        })
    }

    fn claim(
        &self,
        worker: &str,
        workflows: &[String],
        exclude: &[String],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<ExecutionRecord>> {
        let worker = worker.to_string();
        let workflows = workflows.to_vec();
        let exclude: std::collections::HashSet<String> = exclude.iter().cloned().collect();
        self.call(move |conn| {
            // Only this worker's workflows, so executions of others never crowd them out.
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM executions WHERE status = 'RUNNING' \
                 AND (lease_owner IS NULL OR lease_until < ?1 OR lease_owner = ?2) \
                 AND workflow IN (SELECT value FROM json_each(?4)) \
                 ORDER BY start_ms LIMIT ?3",
            )?;
            let candidates = stmt
                .query_map(
                    params![
                        ms(now),
                        worker,
                        (limit + exclude.len()) as i64,
                        serde_json::to_string(&workflows).unwrap_or_default()
                    ],
                    |r| r.get::<_, String>(0),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut out = Vec::new();
            for id in candidates {
                if out.len() >= limit || exclude.contains(&id) {
                    continue;
                }
                conn.prepare_cached(
                    "UPDATE executions SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1",
                )?
                .execute(params![id, worker, ms(lease_until)])?;
                if let Some(r) = get_record(conn, &id)? {
                    out.push(r);
                }
            }
            Ok(out)
        })
    }

    fn renew(
        &self,
        worker: &str,
        ids: &[String],
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Vec<String>> {
        let worker = worker.to_string();
        let ids = ids.to_vec();
        self.call(move |conn| {
            let mut held = Vec::new();
            let mut stmt = conn.prepare_cached(
                "UPDATE executions SET lease_until = ?3 \
                 WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
            )?;
            for id in ids {
                if stmt.execute(params![id, worker, ms(lease_until)])? > 0 {
                    held.push(id);
                }
            }
            Ok(held)
        })
    }

    fn stop(
        &self,
        id: &str,
        error: Option<String>,
        cause: Option<String>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let id = id.to_string();
        self.call(move |conn| {
            let Some(record) = get_record(conn, &id)? else {
                return Ok(None);
            };
            if record.status != Status::Running {
                return Ok(Some(record));
            }
            conn.prepare_cached(
                "UPDATE executions SET status = 'ABORTED', error = ?2, cause = ?3, stop_ms = ?4, \
                 lease_owner = NULL, lease_until = NULL WHERE id = ?1",
            )?
            .execute(params![id, error, cause, ms(at)])?;
            conn.prepare_cached(
                "UPDATE tokens SET status = 'CLOSED' WHERE execution = ?1 AND status = 'WAITING'",
            )?
            .execute(params![id])?;
            append_event(
                conn,
                &id,
                "ExecutionAborted",
                at,
                super::aborted_details(error.as_deref(), cause.as_deref()),
            )?;
            Ok(Some(record))
        })
    }

    fn redrive(
        &self,
        id: &str,
        worker: &str,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let (id, worker) = (id.to_string(), worker.to_string());
        self.call(move |conn| {
            let Some(record) = get_record(conn, &id)? else {
                return Ok(None);
            };
            if !matches!(
                record.status,
                Status::Failed | Status::TimedOut | Status::Aborted
            ) {
                return Ok(Some(record));
            }
            conn.prepare_cached(
                "UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, \
                 cause = NULL, stop_ms = NULL, redrive_count = redrive_count + 1, \
                 redrive_ms = ?2, retry = NULL, at_ms = CASE WHEN at_ms IS NULL THEN NULL ELSE ?2 END, \
                 lease_owner = ?3, lease_until = ?4 WHERE id = ?1",
            )?
            .execute(params![id, ms(at), worker, ms(lease_until)])?;
            append_event(
                conn,
                &id,
                "ExecutionRedriven",
                at,
                serde_json::json!({ "redriveCount": record.redrive_count + 1 }),
            )?;
            Ok(Some(record))
        })
    }

    fn list(
        &self,
        workflow: Option<&str>,
        status: Option<Status>,
        limit: usize,
        next_token: Option<&str>,
    ) -> StoreFuture<'_, Page> {
        let workflow = workflow.map(str::to_string);
        let status = status.map(Status::as_str);
        let offset: i64 = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM executions \
                 WHERE (?1 IS NULL OR workflow = ?1) AND (?2 IS NULL OR status = ?2) \
                 ORDER BY start_ms DESC, id DESC LIMIT ?3 OFFSET ?4"
            ))?;
            let rows = stmt
                .query_map(
                    params![workflow, status, limit as i64 + 1, offset],
                    read_record,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let more = rows.len() > limit;
            let executions = rows
                .into_iter()
                .take(limit)
                .map(RawRecord::parse)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page {
                next_token: more.then(|| (offset + limit as i64).to_string()),
                executions,
            })
        })
    }

    fn register_token(
        &self,
        token: &str,
        execution: &str,
        state: &str,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, ()> {
        let (token, execution, state) =
            (token.to_string(), execution.to_string(), state.to_string());
        self.call(move |conn| {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO tokens (token, execution, state, status, heartbeat_ms) \
                 VALUES (?1, ?2, ?3, 'WAITING', ?4)",
            )?
            .execute(params![token, execution, state, ms(at)])?;
            Ok(())
        })
    }

    fn token(&self, token: &str) -> StoreFuture<'_, Option<TokenState>> {
        let token = token.to_string();
        self.call(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT status, output, error, cause, heartbeat_ms FROM tokens WHERE token = ?1",
                )?
                .query_row(params![token], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })
                .optional()?;
            let Some((status, output, error, cause, hb)) = row else {
                return Ok(None);
            };
            Ok(Some(match status.as_str() {
                "WAITING" => TokenState::Waiting {
                    heartbeat: from_ms(hb),
                },
                "SUCCEEDED" => TokenState::Succeeded(
                    output.as_deref().map(parse_json).transpose()?.unwrap_or(Value::Null),
                ),
                "FAILED" => TokenState::Failed(error, cause),
                "TIMED_OUT" => TokenState::TimedOut,
                _ => TokenState::Closed,
            }))
        })
    }

    fn update_token(&self, token: &str, state: TokenState) -> StoreFuture<'_, TokenUpdate> {
        let token = token.to_string();
        self.call(move |conn| {
            let status: Option<String> = conn
                .prepare_cached("SELECT status FROM tokens WHERE token = ?1")?
                .query_row(params![token], |r| r.get(0))
                .optional()?;
            match status.as_deref() {
                None => return Ok(TokenUpdate::Unknown),
                Some("WAITING") => {}
                Some(_) => return Ok(TokenUpdate::NotWaiting),
            }
            let mut update = conn.prepare_cached(
                "UPDATE tokens SET status = ?2, output = ?3, error = ?4, cause = ?5, \
                 heartbeat_ms = COALESCE(?6, heartbeat_ms) WHERE token = ?1",
            )?;
            match state {
                TokenState::Waiting { heartbeat } => update.execute(params![
                    token,
                    "WAITING",
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    Some(ms(heartbeat))
                ])?,
                TokenState::Succeeded(v) => update.execute(params![
                    token,
                    "SUCCEEDED",
                    Some(to_json(&v)),
                    None::<String>,
                    None::<String>,
                    None::<i64>
                ])?,
                TokenState::Failed(error, cause) => update.execute(params![
                    token,
                    "FAILED",
                    None::<String>,
                    error,
                    cause,
                    None::<i64>
                ])?,
                TokenState::Closed | TokenState::TimedOut => update.execute(params![
                    token,
                    if state == TokenState::TimedOut {
                        "TIMED_OUT"
                    } else {
                        "CLOSED"
                    },
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    None::<i64>
                ])?,
            };
            Ok(TokenUpdate::Updated)
        })
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::backend(format!("sqlite: {e}"), e)
    }
}
