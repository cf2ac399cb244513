//! The embedded store: SQLite in WAL mode, with the writes of many executions committed
//! together (group commit).
//!
//! `synchronous=FULL`: every commit is on disk (WAL fsynced) before its caller continues, so a
//! transition acknowledged to an execution survives power loss, not only a process crash.
//! Throughput comes from group commit rather than a weaker sync level: requests queue up, and
//! whichever caller finds the connection free runs every queued request, each in a savepoint
//! of one transaction, commits once, and only then answers them all.
//!
//! Reads of a database file do not queue: a pool of read-only connections serves them
//! (`readers`), seeing every committed write.

mod commit;
mod events;
mod executions;
mod group_commit;
mod leases;
mod log;
mod map_runs;
mod progress;
mod readers;
mod rows;
mod schedules;
mod schema;
mod tokens;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::{
    Commit, Created, EventRange, EventsPage, ExecutionRecord, HandedOut, MapRunChild, MapRunRecord,
    Page, Progress, ScheduleRecord, ScheduleState, Store, StoreError, StoreFuture, StoredEvent,
    TokenState, TokenUpdate,
};
use crate::error::Status;
use group_commit::Inner;
use readers::{Read, Readers};

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 64;

/// SQLite as a [`Store`]: `SqliteStore::open("runs.db")` or `SqliteStore::memory()`.
///
/// Several processes may open the same file (SQLite locks it; a writer waits up to 30 s for
/// another process's transaction).
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
    /// Read-only connections for reads (`None`: an in-memory database, read through the
    /// queue).
    readers: Option<Arc<Readers>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

/// The writer connection's page cache, in KiB.
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// Keeps each cached statement's query plan whatever values are bound to it (SQLite's
/// query planner stability guarantee). Otherwise SQLite marks a statement whose plan looked
/// at a bound value (an `execution = ?` probe, a `LIMIT ?`) for a full re-prepare at the next
/// bind, so every cached read and fold statement was parsed again each time it ran: a fifth
/// of a worker's CPU while it took up many executions. The store keeps no statistics tables,
/// so no plan could gain from the values.
fn keep_plans(conn: &Connection) -> Result<(), StoreError> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) a database file and its schema.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        Self::start(Connection::open(path.as_ref())?)
    }

    /// Caps the database at about `bytes` (`None`: SQLite's own limit), as `PRAGMA
    /// max_page_count` does: a write that would grow it past the cap fails with a
    /// [`StoreError`] (`database or disk is full`) and writes nothing, as on a full disk.
    /// Executions interrupted by it resume from their last committed transitions once there
    /// is room (the cap raised, or pages freed). A cap below the current size holds it there.
    /// Returns the cap now in force, in bytes.
    pub async fn set_size_limit(&self, bytes: Option<u64>) -> Result<u64, StoreError> {
        let inner = Arc::clone(&self.inner);
        let set = move || {
            inner.alone(|conn| {
                let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
                let page = u64::try_from(page).unwrap_or(4096).max(1);
                // SQLite's largest page count, or the cap (SQLite ignores 0: the smallest
                // cap is one page, which holds the current size). A pragma takes no bound
                // parameter; a number formatted here cannot inject anything.
                let pages = bytes.map_or(u64::from(u32::MAX) - 1, |b| (b / page).max(1));
                let sql = format!("PRAGMA max_page_count = {pages}");
                let now: i64 = conn.query_row(&sql, [], |r| r.get(0))?;
                Ok(u64::try_from(now).unwrap_or_default() * page)
            })
        };
        match tokio::runtime::Handle::try_current() {
            Ok(_) => tokio::task::spawn_blocking(set)
                .await
                .map_err(|e| StoreError::backend("sqlite size limit task", e))?,
            Err(_) => set(),
        }
    }

    /// A private in-memory database (for tests).
    pub async fn memory() -> Result<SqliteStore, StoreError> {
        Self::start(Connection::open_in_memory()?)
    }

    fn start(conn: Connection) -> Result<SqliteStore, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // The writer's page cache (SQLite's default is 2 MiB): with many executions the
        // indexes it updates outgrow the default, and each commit would read their pages
        // back from the OS.
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        // Statement journals (a statement that changes many rows inside a batch's
        // savepoint) in memory, not in temporary files written and discarded.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Every statement the store runs stays prepared (rusqlite keeps 16 by default, fewer
        // than the store has).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        keep_plans(&conn)?;
        schema::create(&conn)?;
        // Transitions logged before the last close are folded now: a file closed with a
        // log reads the same to anything that opens it.
        if log::pending(&conn, &log::Scope::All)? {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let folded = log::fold_all(&conn);
            conn.execute_batch(if folded.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
            folded?;
        }
        let readers = Readers::of(&conn).map(Arc::new);
        Ok(SqliteStore {
            inner: Arc::new(Inner::new(conn)),
            readers,
        })
    }
}

impl Store for SqliteStore {
    fn create(
        &self,
        record: ExecutionRecord,
        worker: Option<String>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Created> {
        self.call(move |conn| executions::create(conn, record, worker, lease_until))
    }

    fn get(&self, id: &str) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let id = id.to_string();
        self.read(Read::Point, move |conn| {
            rows::get_record(conn, &id)?
                .map(|r| log::merge(conn, r))
                .transpose()
        })
    }

    fn running_among<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        let ids = ids.to_vec();
        self.read(Read::Snapshot, move |conn| {
            executions::running_among(conn, ids)
        })
    }

    fn history(&self, id: &str) -> StoreFuture<'_, Vec<StoredEvent>> {
        let id = id.to_string();
        self.read(Read::Snapshot, move |conn| events::history(conn, &id))
    }

    fn history_page(&self, id: &str, range: EventRange) -> StoreFuture<'_, EventsPage> {
        let id = id.to_string();
        self.read_folded(
            Read::Snapshot,
            log::Scope::Execution(id.clone()),
            move |conn| events::history_page(conn, &id, range),
        )
    }

    fn progress(&self, id: &str) -> StoreFuture<'_, Vec<Progress>> {
        let id = id.to_string();
        self.read(Read::Rows, move |conn| progress::progress(conn, &id))
    }

    fn commit(&self, commit: Commit) -> StoreFuture<'_, ()> {
        if !log::loggable(&commit) {
            return self.call(move |conn| commit::commit(conn, commit));
        }
        let prepared = match log::prepare(commit) {
            Ok(p) => p,
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        };
        if prepared.single_write() {
            self.call_single_write(move |conn| log::append(conn, prepared))
        } else {
            self.call(move |conn| log::append(conn, prepared))
        }
    }

    fn put_progress(
        &self,
        execution: &str,
        worker: &str,
        progress: Progress,
    ) -> StoreFuture<'_, ()> {
        let (execution, worker) = (execution.to_string(), worker.to_string());
        self.call(move |conn| progress::put_progress(conn, execution, &worker, progress))
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
        let own: Option<HashSet<String>> = own.map(|o| o.iter().cloned().collect());
        self.call(move |conn| {
            leases::claim(
                conn,
                &worker,
                &workflows,
                own.as_ref(),
                now,
                lease_until,
                limit,
            )
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
        self.call(move |conn| leases::renew(conn, &worker, ids, lease_until))
    }

    fn stop(
        &self,
        id: &str,
        error: Option<String>,
        cause: Option<String>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let id = id.to_string();
        self.call(move |conn| executions::stop(conn, &id, error, cause, at))
    }

    fn redrive(
        &self,
        id: &str,
        worker: &str,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        let (id, worker) = (id.to_string(), worker.to_string());
        self.call(move |conn| executions::redrive(conn, &id, &worker, at, lease_until))
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
        let status = status.map(Status::as_str);
        let map_run = map_run.map(str::to_string);
        let name = name_contains.map(str::to_string);
        let offset: i64 = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        self.read(Read::Snapshot, move |conn| {
            let mut page = executions::list(
                conn, workflow, status, redriven, map_run, name, limit, offset,
            )?;
            // What the log holds changes no column the listing filters or orders by.
            page.executions = page
                .executions
                .into_iter()
                .map(|r| log::merge(conn, r))
                .collect::<Result<_, _>>()?;
            Ok(page)
        })
    }

    fn execution_counts(
        &self,
        workflow: &str,
    ) -> StoreFuture<'_, std::collections::BTreeMap<Status, u64>> {
        let workflow = workflow.to_string();
        self.read(Read::Rows, move |conn| {
            executions::execution_counts(conn, &workflow)
        })
    }

    fn waiting_tokens(&self, execution: &str) -> StoreFuture<'_, Vec<crate::store::WaitingToken>> {
        let execution = execution.to_string();
        self.read(Read::Rows, move |conn| {
            tokens::waiting_tokens(conn, &execution)
        })
    }

    fn put_map_run(&self, run: MapRunRecord) -> StoreFuture<'_, ()> {
        self.call(move |conn| map_runs::put_map_run(conn, run))
    }

    fn map_run(&self, arn: &str) -> StoreFuture<'_, Option<MapRunRecord>> {
        let arn = arn.to_string();
        self.read(Read::Point, move |conn| map_runs::map_run(conn, &arn))
    }

    fn map_runs(&self, execution: &str) -> StoreFuture<'_, Vec<MapRunRecord>> {
        let execution = execution.to_string();
        self.read(Read::Rows, move |conn| map_runs::map_runs(conn, &execution))
    }

    fn map_run_children(&self, arn: &str) -> StoreFuture<'_, Vec<MapRunChild>> {
        let arn = arn.to_string();
        self.read(Read::Rows, move |conn| {
            map_runs::map_run_children(conn, &arn)
        })
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
        self.call(move |conn| tokens::register_token(conn, &token, &execution, &state, at))
    }

    fn token(&self, token: &str) -> StoreFuture<'_, Option<TokenState>> {
        let token = token.to_string();
        self.read(Read::Point, move |conn| tokens::token(conn, &token))
    }

    fn waiting_among<'a>(&'a self, tokens: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        let tokens = tokens.to_vec();
        self.read(Read::Snapshot, move |conn| {
            tokens::waiting_among(conn, tokens)
        })
    }

    fn update_token(
        &self,
        token: &str,
        state: TokenState,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, TokenUpdate> {
        let token = token.to_string();
        self.call(move |conn| tokens::update_token(conn, &token, state, at))
    }

    fn create_schedule(&self, schedule: ScheduleRecord) -> StoreFuture<'_, bool> {
        self.call(move |conn| schedules::create_schedule(conn, schedule))
    }

    fn schedule(&self, name: &str) -> StoreFuture<'_, Option<ScheduleRecord>> {
        let name = name.to_string();
        self.read(Read::Point, move |conn| schedules::schedule(conn, &name))
    }

    fn schedules(&self) -> StoreFuture<'_, Vec<ScheduleRecord>> {
        self.read(Read::Rows, schedules::schedules)
    }

    fn set_schedule_state(
        &self,
        name: &str,
        state: ScheduleState,
        next_fire: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ScheduleRecord>> {
        let name = name.to_string();
        self.call(move |conn| schedules::set_schedule_state(conn, &name, state, next_fire, at))
    }

    fn delete_schedule(&self, name: &str) -> StoreFuture<'_, bool> {
        let name = name.to_string();
        self.call(move |conn| schedules::delete_schedule(conn, &name))
    }

    fn advance_schedule(
        &self,
        name: &str,
        fired: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreFuture<'_, bool> {
        let name = name.to_string();
        self.call(move |conn| schedules::advance_schedule(conn, &name, fired, next))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::backend("sqlite", e)
    }
}
