//! A store that counts what is asked of it, for tests that an engine does not ask more than
//! it needs (one task token answered among many waiting is read once, not by every waiter).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use asl_runtime::Status;
use asl_runtime::store::*;
use chrono::{DateTime, Utc};

/// Another store, with counts of some of its calls.
pub struct CountingStore {
    inner: Arc<dyn Store>,
    token_reads: AtomicU64,
    token_polls: AtomicU64,
    gets: AtomicU64,
    running_polls: AtomicU64,
    leaves_children: bool,
}

impl CountingStore {
    /// Counts the calls made to `inner`.
    pub fn new(inner: Arc<dyn Store>) -> CountingStore {
        CountingStore {
            inner,
            token_reads: AtomicU64::new(0),
            token_polls: AtomicU64::new(0),
            gets: AtomicU64::new(0),
            running_polls: AtomicU64::new(0),
            leaves_children: false,
        }
    }

    /// Counts the calls made to `inner`, through which an engine claims no Map Run child
    /// executions: another engine runs them.
    pub fn leaving_children(inner: Arc<dyn Store>) -> CountingStore {
        CountingStore {
            leaves_children: true,
            ..CountingStore::new(inner)
        }
    }

    /// How many times the store was asked which of several executions still run
    /// ([`Store::running_among`]).
    pub fn running_polls(&self) -> u64 {
        self.running_polls.load(Ordering::Relaxed)
    }

    /// How many times a task token was read ([`Store::token`]).
    pub fn token_reads(&self) -> u64 {
        self.token_reads.load(Ordering::Relaxed)
    }

    /// How many times one execution was read ([`Store::get`]).
    pub fn gets(&self) -> u64 {
        self.gets.load(Ordering::Relaxed)
    }

    /// How many times the store was asked which of several tokens still wait
    /// ([`Store::waiting_among`]).
    pub fn token_polls(&self) -> u64 {
        self.token_polls.load(Ordering::Relaxed)
    }
}

impl Store for CountingStore {
    fn create(
        &self,
        record: ExecutionRecord,
        worker: Option<String>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Created> {
        self.inner.create(record, worker, lease_until)
    }
    fn get(&self, id: &str) -> StoreFuture<'_, Option<ExecutionRecord>> {
        self.gets.fetch_add(1, Ordering::Relaxed);
        self.inner.get(id)
    }
    fn running_among<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        self.running_polls.fetch_add(1, Ordering::Relaxed);
        self.inner.running_among(ids)
    }
    fn history(&self, id: &str) -> StoreFuture<'_, Vec<StoredEvent>> {
        self.inner.history(id)
    }
    fn history_page(&self, id: &str, range: EventRange) -> StoreFuture<'_, EventsPage> {
        self.inner.history_page(id, range)
    }
    fn progress(&self, id: &str) -> StoreFuture<'_, Vec<Progress>> {
        self.inner.progress(id)
    }
    fn commit(&self, commit: Commit) -> StoreFuture<'_, ()> {
        self.inner.commit(commit)
    }
    fn put_progress(
        &self,
        execution: &str,
        worker: &str,
        progress: Progress,
    ) -> StoreFuture<'_, ()> {
        self.inner.put_progress(execution, worker, progress)
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
        if self.leaves_children {
            // Map Run children are registered as `<workflow>#<Map state>`.
            let workflows: Vec<String> = workflows
                .iter()
                .filter(|w| !w.contains('#'))
                .cloned()
                .collect();
            let own = own.map(<[String]>::to_vec);
            let worker = worker.to_string();
            return Box::pin(async move {
                if workflows.is_empty() {
                    return Ok(Vec::new());
                }
                let own = own.as_deref();
                self.inner
                    .claim(&worker, &workflows, own, now, lease_until, limit)
                    .await
            });
        }
        self.inner
            .claim(worker, workflows, own, now, lease_until, limit)
    }
    fn renew(
        &self,
        worker: &str,
        ids: &[String],
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Vec<String>> {
        self.inner.renew(worker, ids, lease_until)
    }
    fn stop(
        &self,
        id: &str,
        error: Option<String>,
        cause: Option<String>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        self.inner.stop(id, error, cause, at)
    }
    fn redrive(
        &self,
        id: &str,
        worker: &str,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        self.inner.redrive(id, worker, at, lease_until)
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
        self.inner.list(
            workflow,
            status,
            redriven,
            map_run,
            name_contains,
            limit,
            next_token,
        )
    }
    fn execution_counts(&self, workflow: &str) -> StoreFuture<'_, BTreeMap<Status, u64>> {
        self.inner.execution_counts(workflow)
    }
    fn waiting_tokens(&self, execution: &str) -> StoreFuture<'_, Vec<WaitingToken>> {
        self.inner.waiting_tokens(execution)
    }
    fn put_map_run(&self, run: MapRunRecord) -> StoreFuture<'_, ()> {
        self.inner.put_map_run(run)
    }
    fn map_run(&self, arn: &str) -> StoreFuture<'_, Option<MapRunRecord>> {
        self.inner.map_run(arn)
    }
    fn map_runs(&self, execution: &str) -> StoreFuture<'_, Vec<MapRunRecord>> {
        self.inner.map_runs(execution)
    }
    fn map_run_children(&self, arn: &str) -> StoreFuture<'_, Vec<MapRunChild>> {
        self.inner.map_run_children(arn)
    }
    fn register_token(
        &self,
        token: &str,
        execution: &str,
        state: &str,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<HandedOut>> {
        self.inner.register_token(token, execution, state, at)
    }
    fn token(&self, token: &str) -> StoreFuture<'_, Option<TokenState>> {
        self.token_reads.fetch_add(1, Ordering::Relaxed);
        self.inner.token(token)
    }
    fn waiting_among<'a>(&'a self, tokens: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        self.token_polls.fetch_add(1, Ordering::Relaxed);
        self.inner.waiting_among(tokens)
    }
    fn update_token(
        &self,
        token: &str,
        state: TokenState,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, TokenUpdate> {
        self.inner.update_token(token, state, at)
    }
    fn answers(&self) -> Option<tokio::sync::broadcast::Receiver<Answered>> {
        self.inner.answers()
    }
    fn create_schedule(&self, schedule: ScheduleRecord) -> StoreFuture<'_, bool> {
        self.inner.create_schedule(schedule)
    }
    fn schedule(&self, name: &str) -> StoreFuture<'_, Option<ScheduleRecord>> {
        self.inner.schedule(name)
    }
    fn schedules(&self) -> StoreFuture<'_, Vec<ScheduleRecord>> {
        self.inner.schedules()
    }
    fn set_schedule_state(
        &self,
        name: &str,
        state: ScheduleState,
        next_fire: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ScheduleRecord>> {
        self.inner.set_schedule_state(name, state, next_fire, at)
    }
    fn delete_schedule(&self, name: &str) -> StoreFuture<'_, bool> {
        self.inner.delete_schedule(name)
    }
    fn advance_schedule(
        &self,
        name: &str,
        fired: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreFuture<'_, bool> {
        self.inner.advance_schedule(name, fired, next)
    }
}
