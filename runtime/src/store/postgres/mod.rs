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
//! - Commits use Postgres' own durability (`synchronous_commit` as the server sets it). The
//!   writes of concurrent executions share a statement and its transaction (`group`), and so
//!   do executions started together (`starts`).
//!
//! Each call runs on the calling task while a task waits on tokio's blocking pool, which keeps
//! tests on a paused clock deterministic: tokio does not advance a paused clock while blocking
//! work is in flight (see `pool`).

mod answers;
mod commit;
mod events;
mod executions;
mod group;
mod leases;
mod map_runs;
mod migrations;
mod pool;
mod progress;
mod queue;
mod rows;
mod schedules;
mod starts;
#[cfg(test)]
mod tests;
mod tokens;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    Commit, Created, EventRange, EventsPage, ExecutionRecord, HandedOut, MapRunChild, MapRunRecord,
    Page, Progress, ScheduleRecord, ScheduleState, Store, StoreError, StoreFuture, StoredEvent,
    TokenState, TokenUpdate,
};
use crate::error::Status;
use pool::{Pool, connection, transaction};

/// Postgres as a [`Store`]: `PostgresStore::connect("postgres://user@host/db").await?`.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Arc<Pool>,
    /// Writes waiting to be committed together.
    writes: Arc<group::Writes>,
    /// Creates waiting to be committed together.
    starts: Arc<starts::Starts>,
    /// Answers to task tokens given by any process (`LISTEN`ed for once asked).
    answers: Arc<answers::Answers>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresStore")
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        let message = match e.as_db_error() {
            // The database's message is the error itself; keep only its code here.
            Some(db) => format!("postgres ({})", db.code().code()),
            None => "postgres".to_string(),
        };
        StoreError::backend(message, e)
    }
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
        let pool = Arc::new(Pool::new(config.clone(), schema.clone()));
        // The schema as the server names it: stores opened without one and with the default
        // one's name are the same store, and hear each other's answers.
        let tables_in = pool
            .run(move |mut client| async move {
                let r = async {
                    migrations::migrate(&mut client, schema.as_deref()).await?;
                    let row = client.query_one("SELECT current_schema()", &[]).await?;
                    Ok(row.get::<_, Option<String>>(0).unwrap_or_default())
                }
                .await;
                (client, r)
            })
            .await?;
        Ok(PostgresStore {
            pool,
            writes: Arc::new(group::writes()),
            starts: Arc::new(starts::starts()),
            answers: Arc::new(answers::Answers::new(config, &tables_in)),
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
        self.create_batched(record, worker, lease_until)
    }

    fn get(&self, id: &str) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let id = id.to_string();
        // One statement, prepared once per connection: one round trip.
        self.call(move |mut conn| async move {
            let r = rows::get(&mut conn, &id).await;
            (conn, r)
        })
    }

    fn running_among<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        let ids = ids.to_vec();
        connection!(self, |conn| executions::running_among(&mut conn, &ids))
    }

    fn history(&self, id: &str) -> StoreFuture<'_, Vec<StoredEvent>> {
        let id = id.to_string();
        self.call(move |mut conn| async move {
            let r = events::history(&mut conn, &id).await;
            (conn, r)
        })
    }

    fn history_page(&self, id: &str, range: EventRange) -> StoreFuture<'_, EventsPage> {
        let id = id.to_string();
        transaction!(self, |tx| {
            // The page, its payloads and the events before it, read in one snapshot.
            tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
            events::history_page(&tx, &id, range).await?
        })
    }

    fn progress(&self, id: &str) -> StoreFuture<'_, Vec<Progress>> {
        let id = id.to_string();
        self.call(move |mut conn| async move {
            let r = progress::progress(&mut conn, &id).await;
            (conn, r)
        })
    }

    fn commit(&self, commit: Commit) -> StoreFuture<'_, ()> {
        // Batched but for a rest on a task token (see `group`).
        if group::batchable(&commit) {
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
            progress::put_progress(&tx, execution, &worker, progress).await?
        })
    }

    fn claim(
        &self,
        worker: &str,
        workflows: &[String],
        own: Option<&[String]>,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<ExecutionRecord>> {
        let worker = worker.to_string();
        let workflows = workflows.to_vec();
        let own = own.map(<[String]>::to_vec);
        connection!(self, |conn| leases::claim(
            &mut conn,
            &worker,
            &workflows,
            own.as_deref(),
            now,
            lease_until,
            limit,
        ))
    }

    fn renew(
        &self,
        worker: &str,
        ids: &[String],
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Vec<String>> {
        let worker = worker.to_string();
        let ids = ids.to_vec();
        connection!(self, |conn| leases::renew(
            &mut conn,
            &worker,
            &ids,
            lease_until
        ))
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
            executions::stop(&tx, &id, error, cause, at).await?
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
            executions::redrive(&tx, &id, &worker, at, lease_until).await?
        })
    }

    fn list(
        &self,
        workflow: Option<&str>,
        status: Option<Status>,
        redriven: Option<bool>,
        map_run: Option<&str>,
        name_contains: Option<&str>,
        limit: usize,
        next_token: Option<&str>,
    ) -> StoreFuture<'_, Page> {
        let workflow = workflow.map(str::to_string);
        let status = status.map(|s| s.as_str().to_string());
        let map_run = map_run.map(str::to_string);
        let name = name_contains.map(str::to_string);
        // A token is an offset; one that is not (or is negative) starts from the first page.
        let offset: i64 = next_token
            .and_then(|t| t.parse().ok())
            .filter(|o| *o >= 0)
            .unwrap_or(0);
        transaction!(self, |tx| {
            executions::list(
                &tx, workflow, status, redriven, map_run, name, limit, offset,
            )
            .await?
        })
    }

    fn execution_counts(
        &self,
        workflow: &str,
    ) -> StoreFuture<'_, std::collections::BTreeMap<Status, u64>> {
        let workflow = workflow.to_string();
        transaction!(self, |tx| {
            executions::execution_counts(&tx, &workflow).await?
        })
    }

    fn waiting_tokens(&self, execution: &str) -> StoreFuture<'_, Vec<crate::store::WaitingToken>> {
        let execution = execution.to_string();
        transaction!(self, |tx| {
            tokens::waiting_tokens(&tx, &execution).await?
        })
    }

    fn put_map_run(&self, run: MapRunRecord) -> StoreFuture<'_, ()> {
        transaction!(self, |tx| { map_runs::put_map_run(&tx, run).await? })
    }

    fn map_run(&self, arn: &str) -> StoreFuture<'_, Option<MapRunRecord>> {
        let arn = arn.to_string();
        transaction!(self, |tx| { map_runs::map_run(&tx, &arn).await? })
    }

    fn map_runs(&self, execution: &str) -> StoreFuture<'_, Vec<MapRunRecord>> {
        let execution = execution.to_string();
        transaction!(self, |tx| { map_runs::map_runs(&tx, &execution).await? })
    }

    fn map_run_children(&self, arn: &str) -> StoreFuture<'_, Vec<MapRunChild>> {
        let arn = arn.to_string();
        transaction!(self, |tx| { map_runs::map_run_children(&tx, &arn).await? })
    }

    fn register_token(
        &self,
        token: &str,
        execution: &str,
        state: &str,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<HandedOut>> {
        let (token, execution, state) =
            (token.to_string(), execution.to_string(), state.to_string());
        connection!(self, |conn| tokens::register_token(
            &mut conn, &token, &execution, &state, at
        ))
    }

    fn token(&self, token: &str) -> StoreFuture<'_, Option<TokenState>> {
        let token = token.to_string();
        connection!(self, |conn| tokens::token(&mut conn, &token))
    }

    fn waiting_among<'a>(&'a self, tokens: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        let tokens = tokens.to_vec();
        connection!(self, |conn| tokens::waiting_among(&mut conn, &tokens))
    }

    fn update_token(
        &self,
        token: &str,
        state: TokenState,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, TokenUpdate> {
        let token = token.to_string();
        let channel = self.answers.channel().to_string();
        let answered = matches!(state, TokenState::Succeeded(_) | TokenState::Failed(..));
        // An answer is announced in its transaction: Postgres delivers it at the commit.
        let announce = answered.then_some(channel);
        connection!(self, |conn| tokens::update_token(
            &mut conn,
            &token,
            state,
            at,
            announce.as_deref()
        ))
    }

    fn answers(&self) -> Option<tokio::sync::broadcast::Receiver<crate::store::Answered>> {
        Some(self.answers.subscribe())
    }

    fn create_schedule(&self, schedule: ScheduleRecord) -> StoreFuture<'_, bool> {
        transaction!(self, |tx| {
            schedules::create_schedule(&tx, schedule).await?
        })
    }

    fn schedule(&self, name: &str) -> StoreFuture<'_, Option<ScheduleRecord>> {
        let name = name.to_string();
        transaction!(self, |tx| { schedules::schedule(&tx, &name).await? })
    }

    fn schedules(&self) -> StoreFuture<'_, Vec<ScheduleRecord>> {
        transaction!(self, |tx| { schedules::schedules(&tx).await? })
    }

    fn set_schedule_state(
        &self,
        name: &str,
        state: ScheduleState,
        next_fire: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ScheduleRecord>> {
        let name = name.to_string();
        transaction!(self, |tx| {
            schedules::set_schedule_state(&tx, &name, state, next_fire, at).await?
        })
    }

    fn delete_schedule(&self, name: &str) -> StoreFuture<'_, bool> {
        let name = name.to_string();
        transaction!(self, |tx| { schedules::delete_schedule(&tx, &name).await? })
    }

    fn advance_schedule(
        &self,
        name: &str,
        fired: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreFuture<'_, bool> {
        let name = name.to_string();
        transaction!(self, |tx| {
            schedules::advance_schedule(&tx, &name, fired, next).await?
        })
    }
}
