//! Postgres as a [`Store`] (cargo feature `postgres`): many workers on many machines against
//! one database.
//!
//! - Work is claimed with `SELECT … FOR UPDATE SKIP LOCKED` and a lease (owner, expiry); a
//!   dead worker's executions are claimed by another once the lease expired.
//! - Every write that continues an execution is fenced by the lease in the same transaction
//!   (`UPDATE … WHERE lease_owner = $worker AND status = 'RUNNING'`), so a worker whose lease
//!   was taken over commits nothing: no transition is committed twice.
//! - The schema is migrated on connect (under an advisory lock, so workers starting together
//!   do not race), recorded in `asl_schema_version`.
//! - Commits use Postgres' own durability (`synchronous_commit` as the server sets it);
//!   concurrent commits share WAL flushes.
//!
//! Each call runs on tokio's blocking pool (`spawn_blocking`, driving the async client there),
//! which also keeps tests on a paused clock deterministic: tokio does not advance a paused
//! clock while blocking work is in flight.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use tokio_postgres::{Client, NoTls, Row};

use super::{
    Checkpoint, Close, Commit, Created, ExecutionRecord, Page, Progress, Store, StoreError,
    StoreFuture, StoredEvent, TokenState, TokenUpdate, payloads,
};
use crate::error::Status;

/// The schema, one migration per entry; entry `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
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
];

/// The most connections one store opens.
const MAX_CONNECTIONS: usize = 16;

/// Postgres as a [`Store`]: `PostgresStore::connect("postgres://user@host/db").await?`.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Arc<Pool>,
    /// Transitions waiting to be committed together.
    batch: Arc<Batch>,
}

/// A queued transition and where its result goes.
type Queued = (Commit, tokio::sync::oneshot::Sender<Result<(), StoreError>>);

/// Group commit: transitions of many executions queue here; one task at a time commits every
/// queued transition in one transaction (a handful of round trips for the whole batch).
#[derive(Default)]
struct Batch {
    queue: Mutex<Vec<Queued>>,
    draining: std::sync::atomic::AtomicBool,
}

/// The most transitions committed in one transaction.
const MAX_BATCH: usize = 256;

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresStore")
    }
}

struct Pool {
    config: tokio_postgres::Config,
    schema: Option<String>,
    idle: Mutex<Vec<Client>>,
    permits: tokio::sync::Semaphore,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        let message = match e.as_db_error() {
            Some(db) => format!("postgres: {} ({})", db.message(), db.code().code()),
            None => format!("postgres: {e}"),
        };
        StoreError::backend(message, e)
    }
}

impl Pool {
    async fn connect(&self) -> Result<Client, StoreError> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "postgres connection ended");
            }
        });
        if let Some(schema) = &self.schema {
            client
                .batch_execute(&format!("SET search_path TO {}", quote_ident(schema)))
                .await?;
        }
        Ok(client)
    }
}

/// `"name"`, with quotes doubled: a schema name cannot inject SQL.
fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl PostgresStore {
    /// Connects (a `postgres://` URL or key-value string) and migrates the schema.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        Self::open(url, None).await
    }

    /// Like [`PostgresStore::connect`], with the tables in `schema` (created if missing): one
    /// database can hold several independent stores.
    pub async fn connect_schema(url: &str, schema: &str) -> Result<PostgresStore, StoreError> {
        Self::open(url, Some(schema.to_string())).await
    }

    async fn open(url: &str, schema: Option<String>) -> Result<PostgresStore, StoreError> {
        let config: tokio_postgres::Config = url.parse()?;
        let store = PostgresStore {
            pool: Arc::new(Pool {
                config,
                schema: schema.clone(),
                idle: Mutex::new(Vec::new()),
                permits: tokio::sync::Semaphore::new(MAX_CONNECTIONS),
            }),
            batch: Arc::new(Batch::default()),
        };
        store
            .call(move |mut client| async move {
                let r = migrate(&mut client, schema.as_deref()).await;
                (client, r)
            })
            .await?;
        Ok(store)
    }

    /// Runs `f` with a pooled connection on tokio's blocking pool.
    fn call<R, F, Fut>(&self, f: F) -> StoreFuture<'_, R>
    where
        R: Send + 'static,
        F: FnOnce(Client) -> Fut + Send + 'static,
        Fut: Future<Output = (Client, Result<R, StoreError>)> + Send,
    {
        let pool = Arc::clone(&self.pool);
        Box::pin(async move {
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                handle.block_on(async move {
                    let _permit = pool
                        .permits
                        .acquire()
                        .await
                        .map_err(|_| StoreError::Closed)?;
                    let idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
                    let client = match idle {
                        Some(c) if !c.is_closed() => c,
                        _ => pool.connect().await?,
                    };
                    let (client, r) = f(client).await;
                    if !client.is_closed() {
                        pool.idle
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(client);
                    }
                    r
                })
            })
            .await
            .map_err(|e| StoreError::backend(e.to_string(), e))?
        })
    }
}

async fn migrate(client: &mut Client, schema: Option<&str>) -> Result<(), StoreError> {
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

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn parse_json(s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::backend("corrupt JSON in store", e))
}

const COLUMNS: &str = "id, workflow, name, state_machine_arn, role_arn, status, input, output, \
                       error, cause, start_ms, stop_ms, redrive_count, redrive_ms, state, data, \
                       vars, at_ms, secret, seq, retry";

fn record(row: &Row) -> Result<ExecutionRecord, StoreError> {
    let status: String = row.get(5);
    let checkpoint = match (
        row.get::<_, Option<String>>(14),
        row.get::<_, Option<String>>(15),
        row.get::<_, Option<i64>>(17),
    ) {
        (Some(state), Some(data), Some(at)) => Some(Checkpoint {
            state,
            input: parse_json(&data)?,
            vars: match row
                .get::<_, Option<String>>(16)
                .as_deref()
                .map(parse_json)
                .transpose()?
            {
                Some(Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            },
            at: from_ms(at),
            seq: row.get::<_, i64>(19) as u64,
            retry: row
                .get::<_, Option<String>>(20)
                .as_deref()
                .map(parse_json)
                .transpose()?,
        }),
        _ => None,
    };
    Ok(ExecutionRecord {
        id: row.get(0),
        workflow: row.get(1),
        name: row.get(2),
        state_machine_arn: row.get(3),
        role_arn: row.get(4),
        status: status
            .parse::<Status>()
            .map_err(|e| StoreError::backend(e.to_string(), e))?,
        input: parse_json(&row.get::<_, String>(6))?,
        output: row
            .get::<_, Option<String>>(7)
            .as_deref()
            .map(parse_json)
            .transpose()?,
        error: row.get(8),
        cause: row.get(9),
        start_date: from_ms(row.get(10)),
        stop_date: row.get::<_, Option<i64>>(11).map(from_ms),
        redrive_count: u32::try_from(row.get::<_, i64>(12)).unwrap_or(u32::MAX),
        redrive_date: row.get::<_, Option<i64>>(13).map(from_ms),
        checkpoint,
        secret: row.get(18),
    })
}

async fn get_record(
    tx: &tokio_postgres::Transaction<'_>,
    id: &str,
    lock: bool,
) -> Result<Option<ExecutionRecord>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM executions WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    tx.query_opt(&sql, &[&id])
        .await?
        .as_ref()
        .map(record)
        .transpose()
}

/// Stores payloads shared by events (see [`payloads`]); one execution's or many.
async fn insert_payloads(
    tx: &tokio_postgres::Transaction<'_>,
    execution: &[String],
    shared: Vec<payloads::Shared>,
) -> Result<(), StoreError> {
    if shared.is_empty() {
        return Ok(());
    }
    let (hashes, bodies): (Vec<String>, Vec<String>) = shared.into_iter().unzip();
    tx.execute(
        "INSERT INTO payloads (execution, hash, body) \
         SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[]) ON CONFLICT DO NOTHING",
        &[&execution, &hashes, &bodies],
    )
    .await?;
    Ok(())
}

async fn append_event(
    tx: &tokio_postgres::Transaction<'_>,
    execution: &str,
    kind: &str,
    at: DateTime<Utc>,
    details: Value,
) -> Result<(), StoreError> {
    let n: i64 = tx
        .query_one(
            "UPDATE executions SET events = events + 1 WHERE id = $1 RETURNING events",
            &[&execution],
        )
        .await?
        .get(0);
    let mut shared = Vec::new();
    let details = payloads::share(&details, &mut shared);
    let owners = vec![execution.to_string(); shared.len()];
    insert_payloads(tx, &owners, shared).await?;
    tx.execute(
        "INSERT INTO events (execution, id, type, state, ts_ms, details) \
         VALUES ($1, $2, $3, NULL, $4, $5)",
        &[&execution, &n, &kind, &ms(at), &details],
    )
    .await?;
    Ok(())
}

/// Events of a batch, column by column (for `unnest`).
#[derive(Default)]
struct EventColumns {
    execution: Vec<String>,
    id: Vec<i64>,
    kind: Vec<String>,
    state: Vec<Option<String>>,
    ts: Vec<i64>,
    details: Vec<Option<String>>,
}

/// Checkpoints of a batch, column by column.
#[derive(Default)]
struct CheckpointColumns {
    id: Vec<String>,
    events: Vec<i64>,
    state: Vec<String>,
    data: Vec<String>,
    vars: Vec<String>,
    at: Vec<i64>,
    seq: Vec<i64>,
    retry: Vec<Option<String>>,
}

/// Runs `$body` (using `tx`) in a transaction on a pooled connection.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:block) => {
        $store.call(move |mut client| async move {
            let r = async {
                let $tx = client.transaction().await?;
                let out = $body;
                $tx.commit().await?;
                Ok(out)
            }
            .await;
            (client, r)
        })
    };
}

impl PostgresStore {
    fn commit_batched(&self, commit: Commit) -> StoreFuture<'_, ()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.batch
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((commit, tx));
        self.drain();
        Box::pin(async move { rx.await.map_err(|_| StoreError::Closed)? })
    }

    /// Starts a task committing the queue unless one runs.
    fn drain(&self) {
        use std::sync::atomic::Ordering;
        if self.batch.draining.swap(true, Ordering::AcqRel) {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            loop {
                let batch: Vec<Queued> = {
                    let mut q = store.batch.queue.lock().unwrap_or_else(|e| e.into_inner());
                    let n = q.len().min(MAX_BATCH);
                    q.drain(..n).collect()
                };
                if batch.is_empty() {
                    store.batch.draining.store(false, Ordering::Release);
                    // A commit queued between the look above and clearing the flag would
                    // wait for nobody: look again.
                    let more = !store
                        .batch
                        .queue
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .is_empty();
                    if more && !store.batch.draining.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    return;
                }
                let (commits, replies): (Vec<Commit>, Vec<_>) = batch.into_iter().unzip();
                match store.commit_many(commits).await {
                    Ok(results) => {
                        for (reply, r) in replies.into_iter().zip(results) {
                            let _ = reply.send(r);
                        }
                    }
                    Err(e) => {
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
    }

    /// Commits transitions of several executions in one transaction; each is fenced by its
    /// lease (the rows are locked first), so one lost lease fails only its own commit.
    fn commit_many(&self, commits: Vec<Commit>) -> StoreFuture<'_, Vec<Result<(), StoreError>>> {
        transaction!(self, |tx| {
            let ids: Vec<&str> = commits.iter().map(|c| c.execution.as_str()).collect();
            let owners: HashMap<String, (Option<String>, String)> = tx
                .query(
                    "SELECT id, lease_owner, status FROM executions WHERE id = ANY($1) \
                     ORDER BY id FOR UPDATE",
                    &[&ids],
                )
                .await?
                .iter()
                .map(|r| (r.get::<_, String>(0), (r.get(1), r.get::<_, String>(2))))
                .collect();
            let owned = |c: &Commit| {
                owners.get(&c.execution).is_some_and(|(owner, status)| {
                    owner.as_deref() == Some(c.worker.as_str()) && status == "RUNNING"
                })
            };
            let mut events = EventColumns::default();
            let mut rows = CheckpointColumns::default();
            let (mut shared, mut shared_by) = (Vec::new(), Vec::new());
            for c in commits.iter().filter(|c| owned(c)) {
                for e in &c.events {
                    events.execution.push(c.execution.clone());
                    events.id.push(e.id as i64);
                    events.kind.push(e.kind.clone());
                    events.state.push(e.state.clone());
                    events.ts.push(ms(e.timestamp));
                    events
                        .details
                        .push(e.details.as_ref().map(|d| payloads::share(d, &mut shared)));
                    shared_by.resize(shared.len(), c.execution.clone());
                }
                if let Some(cp) = &c.checkpoint {
                    rows.id.push(c.execution.clone());
                    rows.events.push(c.events.len() as i64);
                    rows.state.push(cp.state.clone());
                    rows.data.push(cp.input.to_string());
                    rows.vars.push(Value::Object(cp.vars.clone()).to_string());
                    rows.at.push(ms(cp.at));
                    rows.seq.push(cp.seq as i64);
                    rows.retry.push(cp.retry.as_ref().map(Value::to_string));
                }
            }
            insert_payloads(&tx, &shared_by, shared).await?;
            if !events.id.is_empty() {
                tx.execute(
                    "INSERT INTO events (execution, id, type, state, ts_ms, details) \
                     SELECT * FROM unnest($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], \
                     $5::BIGINT[], $6::TEXT[])",
                    &[
                        &events.execution,
                        &events.id,
                        &events.kind,
                        &events.state,
                        &events.ts,
                        &events.details,
                    ],
                )
                .await?;
            }
            if !rows.id.is_empty() {
                tx.execute(
                    "UPDATE executions e SET events = e.events + v.n, state = v.state, \
                     data = v.data, vars = v.vars, at_ms = v.at_ms, seq = v.seq, retry = v.retry \
                     FROM unnest($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
                     $6::BIGINT[], $7::BIGINT[], $8::TEXT[]) \
                     AS v(id, n, state, data, vars, at_ms, seq, retry) WHERE e.id = v.id",
                    &[
                        &rows.id,
                        &rows.events,
                        &rows.state,
                        &rows.data,
                        &rows.vars,
                        &rows.at,
                        &rows.seq,
                        &rows.retry,
                    ],
                )
                .await?;
            }
            commits
                .iter()
                .map(|c| {
                    if owned(c) {
                        Ok(())
                    } else {
                        Err(StoreError::LeaseLost(c.execution.clone()))
                    }
                })
                .collect::<Vec<_>>()
        })
    }

    fn commit_one(&self, commit: Commit) -> StoreFuture<'_, ()> {
        transaction!(self, |tx| {
            let fenced = tx
                .execute(
                    "UPDATE executions SET events = events + $3 \
                     WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
                    &[
                        &commit.execution,
                        &commit.worker,
                        &(commit.events.len() as i64),
                    ],
                )
                .await?;
            if fenced == 0 {
                return Err(StoreError::LeaseLost(commit.execution));
            }
            if !commit.events.is_empty() {
                let ids: Vec<i64> = commit.events.iter().map(|e| e.id as i64).collect();
                let kinds: Vec<&str> = commit.events.iter().map(|e| e.kind.as_str()).collect();
                let states: Vec<Option<&str>> =
                    commit.events.iter().map(|e| e.state.as_deref()).collect();
                let ts: Vec<i64> = commit.events.iter().map(|e| ms(e.timestamp)).collect();
                let mut shared = Vec::new();
                let details: Vec<Option<String>> = commit
                    .events
                    .iter()
                    .map(|e| e.details.as_ref().map(|d| payloads::share(d, &mut shared)))
                    .collect();
                let owners = vec![commit.execution.clone(); shared.len()];
                insert_payloads(&tx, &owners, shared).await?;
                tx.execute(
                    "INSERT INTO events (execution, id, type, state, ts_ms, details) \
                     SELECT $1, * FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[], \
                     $5::BIGINT[], $6::TEXT[])",
                    &[&commit.execution, &ids, &kinds, &states, &ts, &details],
                )
                .await?;
            }
            if let Some(c) = &commit.checkpoint {
                tx.execute(
                    "UPDATE executions SET state = $2, data = $3, vars = $4, at_ms = $5, seq = $6, \
                     retry = $7 WHERE id = $1",
                    &[
                        &commit.execution,
                        &c.state,
                        &c.input.to_string(),
                        &Value::Object(c.vars.clone()).to_string(),
                        &ms(c.at),
                        &(c.seq as i64),
                        &c.retry.as_ref().map(Value::to_string),
                    ],
                )
                .await?;
            }
            if let Some(Close {
                status,
                output,
                error,
                cause,
                at,
            }) = &commit.close
            {
                tx.execute(
                    "UPDATE executions SET status = $2, output = $3, error = $4, cause = $5, \
                     stop_ms = $6, lease_owner = NULL, lease_until = NULL WHERE id = $1",
                    &[
                        &commit.execution,
                        &status.as_str(),
                        &output.as_ref().map(Value::to_string),
                        error,
                        cause,
                        &ms(*at),
                    ],
                )
                .await?;
                tx.execute(
                    "UPDATE tokens SET status = 'CLOSED' WHERE execution = $1 AND status = 'WAITING'",
                    &[&commit.execution],
                )
                .await?;
                let progress = if *status == Status::Succeeded {
                    "DELETE FROM progress WHERE execution = $1"
                } else {
                    "UPDATE progress SET events = '[]' WHERE execution = $1"
                };
                tx.execute(progress, &[&commit.execution]).await?;
            }
        })
    }
}

impl Store for PostgresStore {
    fn create(
        &self,
        record: ExecutionRecord,
        worker: Option<String>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Created> {
        transaction!(self, |tx| {
            let inserted = tx
                .execute(
                    "INSERT INTO executions (id, workflow, name, state_machine_arn, role_arn, \
                     status, input, start_ms, secret, lease_owner, lease_until, events) \
                     VALUES ($1, $2, $3, $4, $5, 'RUNNING', $6, $7, $8, $9, $10, 1) \
                     ON CONFLICT (id) DO NOTHING",
                    &[
                        &record.id,
                        &record.workflow,
                        &record.name,
                        &record.state_machine_arn,
                        &record.role_arn,
                        &record.input.to_string(),
                        &ms(record.start_date),
                        &record.secret,
                        &worker,
                        &worker.as_ref().map(|_| ms(lease_until)),
                    ],
                )
                .await?;
            if inserted == 0 {
                match get_record(&tx, &record.id, false).await? {
                    Some(existing) => Created::Existing(Box::new(existing)),
                    None => return Err(StoreError::corrupt("execution vanished")),
                }
            } else {
                let mut shared = Vec::new();
                let started = payloads::share(&super::started_details(&record), &mut shared);
                let owners = vec![record.id.clone(); shared.len()];
                insert_payloads(&tx, &owners, shared).await?;
                tx.execute(
                    "INSERT INTO events (execution, id, type, state, ts_ms, details) \
                     VALUES ($1, 1, 'ExecutionStarted', NULL, $2, $3)",
                    &[&record.id, &ms(record.start_date), &started],
                )
                .await?;
                Created::New
            }
        })
    }

    fn get(&self, id: &str) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let id = id.to_string();
        transaction!(self, |tx| { get_record(&tx, &id, false).await? })
    }

    fn history(&self, id: &str) -> StoreFuture<'_, Vec<StoredEvent>> {
        let id = id.to_string();
        transaction!(self, |tx| {
            let rows = tx
                .query(
                    "SELECT id, type, state, ts_ms, details FROM events WHERE execution = $1 \
                     ORDER BY id",
                    &[&id],
                )
                .await?;
            let shared: HashMap<String, String> = if rows
                .iter()
                .any(|r| r.get::<_, Option<&str>>(4).is_some_and(payloads::refers))
            {
                tx.query(
                    "SELECT hash, body FROM payloads WHERE execution = $1",
                    &[&id],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect()
            } else {
                HashMap::new()
            };
            rows.iter()
                .map(|r| {
                    let details = match r.get::<_, Option<&str>>(4) {
                        Some(text) => {
                            let mut d = parse_json(text)?;
                            payloads::restore(&mut d, &shared)?;
                            Some(d)
                        }
                        None => None,
                    };
                    Ok(StoredEvent {
                        id: r.get::<_, i64>(0) as u64,
                        kind: r.get(1),
                        state: r.get(2),
                        timestamp: from_ms(r.get(3)),
                        details,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?
        })
    }

    fn progress(&self, id: &str) -> StoreFuture<'_, Vec<Progress>> {
        let id = id.to_string();
        transaction!(self, |tx| {
            let mut out = Vec::new();
            for r in tx
                .query(
                    "SELECT scope, idx, result, events FROM progress WHERE execution = $1",
                    &[&id],
                )
                .await?
            {
                out.push(Progress {
                    scope: r.get(0),
                    index: r.get::<_, i64>(1) as usize,
                    result: parse_json(&r.get::<_, String>(2))?,
                    events: parse_json(&r.get::<_, String>(3))?,
                });
            }
            out
        })
    }

    fn commit(&self, commit: Commit) -> StoreFuture<'_, ()> {
        // Transitions (the hot path) are committed in batches; ends one by one.
        if commit.close.is_none() && commit.checkpoint.is_some() {
            return self.commit_batched(commit);
        }
        self.commit_one(commit)
    }

    fn put_progress(
        &self,
        execution: &str,
        worker: &str,
        progress: Progress,
    ) -> StoreFuture<'_, ()> {
        let (execution, worker) = (execution.to_string(), worker.to_string());
        transaction!(self, |tx| {
            let owned = tx
                .query_opt(
                    "SELECT 1 FROM executions WHERE id = $1 AND lease_owner = $2 \
                     AND status = 'RUNNING' FOR SHARE",
                    &[&execution, &worker],
                )
                .await?;
            if owned.is_none() {
                return Err(StoreError::LeaseLost(execution));
            }
            tx.execute(
                "INSERT INTO progress (execution, scope, idx, result, events) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (execution, scope, idx) \
                 DO UPDATE SET result = EXCLUDED.result, events = EXCLUDED.events",
                &[
                    &execution,
                    &progress.scope,
                    &(progress.index as i64),
                    &progress.result.to_string(),
                    &progress.events.to_string(),
                ],
            )
            .await?;
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
        let exclude = exclude.to_vec();
        transaction!(self, |tx| {
            let rows = tx
                .query(
                    &format!(
                        "UPDATE executions SET lease_owner = $1, lease_until = $2 WHERE id IN ( \
                         SELECT id FROM executions WHERE status = 'RUNNING' \
                         AND workflow = ANY($3) AND NOT (id = ANY($4)) \
                         AND (lease_owner IS NULL OR lease_until < $5 OR lease_owner = $1) \
                         ORDER BY start_ms LIMIT $6 FOR UPDATE SKIP LOCKED) \
                         RETURNING {COLUMNS}"
                    ),
                    &[
                        &worker,
                        &ms(lease_until),
                        &workflows,
                        &exclude,
                        &ms(now),
                        &(limit as i64),
                    ],
                )
                .await?;
            rows.iter().map(record).collect::<Result<Vec<_>, _>>()?
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
        transaction!(self, |tx| {
            tx.query(
                "UPDATE executions SET lease_until = $3 \
                 WHERE id = ANY($1) AND lease_owner = $2 AND status = 'RUNNING' RETURNING id",
                &[&ids, &worker, &ms(lease_until)],
            )
            .await?
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
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
        transaction!(self, |tx| {
            match get_record(&tx, &id, true).await? {
                None => None,
                Some(r) if r.status != Status::Running => Some(r),
                Some(r) => {
                    tx.execute(
                        "UPDATE executions SET status = 'ABORTED', error = $2, cause = $3, \
                         stop_ms = $4, lease_owner = NULL, lease_until = NULL WHERE id = $1",
                        &[&id, &error, &cause, &ms(at)],
                    )
                    .await?;
                    tx.execute(
                        "UPDATE tokens SET status = 'CLOSED' WHERE execution = $1 AND status = 'WAITING'",
                        &[&id],
                    )
                    .await?;
                    append_event(
                        &tx,
                        &id,
                        "ExecutionAborted",
                        at,
                        super::aborted_details(error.as_deref(), cause.as_deref()),
                    )
                    .await?;
                    Some(r)
                }
            }
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
        transaction!(self, |tx| {
            match get_record(&tx, &id, true).await? {
                None => None,
                Some(r)
                    if !matches!(
                        r.status,
                        Status::Failed | Status::TimedOut | Status::Aborted
                    ) =>
                {
                    Some(r)
                }
                Some(r) => {
                    tx.execute(
                        "UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, \
                         cause = NULL, stop_ms = NULL, redrive_count = redrive_count + 1, \
                         redrive_ms = $2::BIGINT, retry = NULL, \
                         at_ms = CASE WHEN at_ms IS NULL THEN NULL ELSE $2::BIGINT END, \
                         lease_owner = $3, lease_until = $4 WHERE id = $1",
                        &[&id, &ms(at), &worker, &ms(lease_until)],
                    )
                    .await?;
                    append_event(
                        &tx,
                        &id,
                        "ExecutionRedriven",
                        at,
                        serde_json::json!({ "redriveCount": r.redrive_count + 1 }),
                    )
                    .await?;
                    Some(r)
                }
            }
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
        let status = status.map(|s| s.as_str().to_string());
        let offset: i64 = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        transaction!(self, |tx| {
            let rows = tx
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM executions \
                         WHERE ($1::TEXT IS NULL OR workflow = $1) \
                         AND ($2::TEXT IS NULL OR status = $2) \
                         ORDER BY start_ms DESC, id DESC LIMIT $3 OFFSET $4"
                    ),
                    &[&workflow, &status, &(limit as i64 + 1), &offset],
                )
                .await?;
            let more = rows.len() > limit;
            let executions = rows
                .iter()
                .take(limit)
                .map(record)
                .collect::<Result<Vec<_>, _>>()?;
            Page {
                next_token: more.then(|| (offset + limit as i64).to_string()),
                executions,
            }
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
        transaction!(self, |tx| {
            tx.execute(
                "INSERT INTO tokens (token, execution, state, status, heartbeat_ms) \
                 VALUES ($1, $2, $3, 'WAITING', $4) ON CONFLICT (token) DO NOTHING",
                &[&token, &execution, &state, &ms(at)],
            )
            .await?;
        })
    }

    fn token(&self, token: &str) -> StoreFuture<'_, Option<TokenState>> {
        let token = token.to_string();
        transaction!(self, |tx| {
            match tx
                .query_opt(
                    "SELECT status, output, error, cause, heartbeat_ms FROM tokens WHERE token = $1",
                    &[&token],
                )
                .await?
            {
                None => None,
                Some(r) => Some(match r.get::<_, String>(0).as_str() {
                    "WAITING" => TokenState::Waiting {
                        heartbeat: from_ms(r.get(4)),
                    },
                    "SUCCEEDED" => TokenState::Succeeded(
                        r.get::<_, Option<String>>(1)
                            .as_deref()
                            .map(parse_json)
                            .transpose()?
                            .unwrap_or(Value::Null),
                    ),
                    "FAILED" => TokenState::Failed(r.get(2), r.get(3)),
                    "TIMED_OUT" => TokenState::TimedOut,
                    _ => TokenState::Closed,
                }),
            }
        })
    }

    fn update_token(&self, token: &str, state: TokenState) -> StoreFuture<'_, TokenUpdate> {
        let token = token.to_string();
        transaction!(self, |tx| {
            let status: Option<String> = tx
                .query_opt(
                    "SELECT status FROM tokens WHERE token = $1 FOR UPDATE",
                    &[&token],
                )
                .await?
                .map(|r| r.get(0));
            match status.as_deref() {
                None => TokenUpdate::Unknown,
                Some("WAITING") => {
                    let (status, output, error, cause, hb) = match state {
                        TokenState::Waiting { heartbeat } => {
                            ("WAITING", None, None, None, Some(ms(heartbeat)))
                        }
                        TokenState::Succeeded(v) => {
                            ("SUCCEEDED", Some(v.to_string()), None, None, None)
                        }
                        TokenState::Failed(e, c) => ("FAILED", None, e, c, None),
                        TokenState::Closed => ("CLOSED", None, None, None, None),
                        TokenState::TimedOut => ("TIMED_OUT", None, None, None, None),
                    };
                    tx.execute(
                        "UPDATE tokens SET status = $2, output = $3, error = $4, cause = $5, \
                         heartbeat_ms = COALESCE($6, heartbeat_ms) WHERE token = $1",
                        &[&token, &status, &output, &error, &cause, &hb],
                    )
                    .await?;
                    TokenUpdate::Updated
                }
                Some(_) => TokenUpdate::NotWaiting,
            }
        })
    }
}
