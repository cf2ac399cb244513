//! Where durable executions live: the [`Store`] trait and its engines.
//!
//! A store keeps, per execution, its identity, status and result, the last committed
//! transition (the state about to run, its input and the variables), the history events, the
//! results of finished Map iterations and Parallel branches, and callback task tokens. Every
//! write that continues an execution is fenced by the writing worker's lease: a worker whose
//! lease another worker took can no longer commit, so no transition is committed twice.
//!
//! Large payloads are stored once per execution, not in every event (`payloads`).
//!
//! Schedules (`durable::schedule`) are stored beside executions: each fire is claimed by
//! moving the schedule's next fire with a compare-and-set, so workers sharing a store agree on
//! who fires it.
//!
//! `SqliteStore` (cargo feature `sqlite`, on by default) is the embedded engine (a file, or
//! memory for tests); `PostgresStore` (cargo feature `postgres`) serves many workers on many
//! machines. Without either, the [`Store`] trait is there for a store of one's own.

#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
mod claims;
#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
mod pages;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod payloads;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
mod token_rests;
#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
mod writes;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::Status;

#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// A boxed future, as store methods return.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store that failed, or refused a write.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error (its own error is the [`source`](std::error::Error::source)).
    #[error("store error: {message}")]
    Backend {
        /// What went wrong.
        message: String,
        /// The database's error, when there was one.
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// The writer does not hold the execution's lease (another worker took it over, or the
    /// execution was stopped): nothing was written.
    #[error("lease lost on execution {0}")]
    LeaseLost(String),
    /// The store was shut down.
    #[error("store closed")]
    Closed,
}

impl StoreError {
    /// A backend error with its cause kept as the source.
    pub fn backend(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// The error with every cause it came from: `store error: sqlite: database is locked`.
    /// (Its `Display` says only what failed; the database's own error is its source.)
    pub fn detail(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(e) = source {
            text.push_str(": ");
            text.push_str(&e.to_string());
            source = e.source();
        }
        text
    }

    /// A backend error of the store's own (corrupt data, a vanished row).
    pub fn corrupt(message: impl Into<String>) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: None,
        }
    }
}

/// Errors compare by what they say: a store's error types are rarely comparable.
impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StoreError::Backend { message: a, .. }, StoreError::Backend { message: b, .. }) => {
                a == b
            }
            (StoreError::LeaseLost(a), StoreError::LeaseLost(b)) => a == b,
            (StoreError::Closed, StoreError::Closed) => true,
            _ => false,
        }
    }
}

impl Eq for StoreError {}

/// The last committed transition: the state about to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The state's name.
    pub state: String,
    /// Its input.
    pub input: Value,
    /// The top-level variables.
    pub vars: serde_json::Map<String, Value>,
    /// When the transition was committed: the state's entered time.
    pub at: DateTime<Utc>,
    /// Transitions committed so far (names a state's visit across restarts and redrives).
    pub seq: u64,
    /// A retried state between two attempts: where its Retriers stand (engine-defined JSON).
    pub retry: Option<Value>,
    /// Read back only: the id of the first event published while the state ran
    /// ([`Commit::provisional`]), which a resumed state records again. Ignored on write.
    pub provisional: Option<u64>,
}

/// A history event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Sequential id from 1.
    pub id: u64,
    /// Event type (`TaskStateEntered`, …).
    pub kind: String,
    /// The state it is about.
    pub state: Option<String>,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// The members of its `…EventDetails`, if any.
    pub details: Option<Value>,
}

/// Which events of a history to read: up to `limit` events after event `after` (none: from
/// the start), ids ascending, or descending (newest first) when `reverse`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventRange {
    /// The id of the last event of the previous page (in the range's order).
    pub after: Option<u64>,
    /// The most events to return.
    pub limit: usize,
    /// Newest first.
    pub reverse: bool,
}

impl EventRange {
    /// The bounds for a query: the id the events follow (or precede, newest first) and how
    /// many rows to read: one more than asked for, which tells whether more follow.
    pub fn bounds(&self) -> (i64, i64) {
        let after = match (self.after, self.reverse) {
            (Some(a), _) => i64::try_from(a).unwrap_or(i64::MAX),
            (None, true) => i64::MAX,
            (None, false) => 0,
        };
        let limit = i64::try_from(self.limit)
            .unwrap_or(i64::MAX)
            .saturating_add(1);
        (after, limit)
    }
}

/// A part of a history ([`Store::history_page`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventsPage {
    /// The events in the range's order.
    pub events: Vec<StoredEvent>,
    /// Whether more events follow in that order.
    pub more: bool,
    /// The links of every event before the page's lowest id (none for an empty page): what
    /// links the page's events to their predecessors. A store outside this crate builds its
    /// pages with [`EventsPage::of`].
    pub(crate) earlier: crate::history::Linker,
}

impl EventsPage {
    /// The page `range` of a whole `history` (oldest first): for stores that read histories
    /// whole.
    pub fn of(mut history: Vec<StoredEvent>, range: EventRange) -> EventsPage {
        history.sort_by_key(|e| e.id);
        let all = history.clone();
        history.retain(|e| match range.after {
            None => true,
            Some(last) if range.reverse => e.id < last,
            Some(last) => e.id > last,
        });
        if range.reverse {
            history.reverse();
        }
        let more = history.len() > range.limit;
        history.truncate(range.limit);
        // An empty page links nothing: nothing before it is needed.
        let lowest = history.iter().map(|e| e.id).min().unwrap_or(0);
        EventsPage {
            events: history,
            more,
            earlier: {
                let mut links = crate::history::Linker::default();
                for e in all.iter().take_while(|e| e.id < lowest) {
                    links.link(e.id, &e.kind);
                }
                links
            },
        }
    }
}

/// One execution as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    /// The execution ARN.
    pub id: String,
    /// The workflow's registered name.
    pub workflow: String,
    /// The execution name.
    pub name: String,
    /// The state machine ARN.
    pub state_machine_arn: String,
    /// `$$.Execution.RoleArn`.
    pub role_arn: String,
    /// Status.
    pub status: Status,
    /// The execution's input.
    pub input: Value,
    /// Output, when it succeeded.
    pub output: Option<Value>,
    /// Error name, when it failed, timed out or was stopped with one.
    pub error: Option<String>,
    /// Cause.
    pub cause: Option<String>,
    /// Start.
    pub start_date: DateTime<Utc>,
    /// End, once closed.
    pub stop_date: Option<DateTime<Utc>>,
    /// Times redriven.
    pub redrive_count: u32,
    /// Last redrive.
    pub redrive_date: Option<DateTime<Utc>>,
    /// The last committed transition (`None`: not started past `StartAt`).
    pub checkpoint: Option<Checkpoint>,
    /// A secret for the execution's task tokens.
    pub secret: String,
    /// The Map Run this execution is a child of (MAP-17), if any.
    pub map_run: Option<String>,
    /// How many of the Map Run's items it processes (one, or a batch's).
    pub map_items: u64,
}

/// A Distributed Map's Map Run as stored (MAP-17): what `describe_map_run` reports besides
/// the counts of its children.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunRecord {
    /// Its ARN.
    pub arn: String,
    /// The execution whose Map state started it.
    pub execution: String,
    /// The state machine its children run: `…:stateMachine:<machine>/<label>`.
    pub state_machine_arn: String,
    /// Its status.
    pub status: crate::MapRunStatus,
    /// When it started.
    pub start_date: DateTime<Utc>,
    /// When it ended.
    pub stop_date: Option<DateTime<Utc>>,
    /// `MaxConcurrency` (0: no limit).
    pub max_concurrency: u64,
    /// `ToleratedFailureCount`.
    pub tolerated_failure_count: u64,
    /// `ToleratedFailurePercentage`.
    pub tolerated_failure_percentage: f64,
    /// Times it was redriven.
    pub redrive_count: u32,
    /// Its last redrive.
    pub redrive_date: Option<DateTime<Utc>>,
    /// The counts of children that are not stored executions (`EXPRESS` children run in
    /// memory): `{"itemCounts": …, "executionCounts": …}` as `DescribeMapRun` gives them.
    pub counts: Option<Value>,
}

/// One stored child execution of a Map Run, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapRunChild {
    /// Its status.
    pub status: Status,
    /// How many items it processes.
    pub items: u64,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    /// `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    pub status: Status,
    /// The output of a success.
    pub output: Option<Value>,
    /// Error name.
    pub error: Option<String>,
    /// Cause.
    pub cause: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// One atomic write continuing an execution, fenced by the worker's lease.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The execution.
    pub execution: String,
    /// The worker holding the lease.
    pub worker: String,
    /// New history events (ids follow the stored ones).
    pub events: Vec<StoredEvent>,
    /// The new last transition, if any.
    pub checkpoint: Option<Checkpoint>,
    /// The end of the execution, if it ended.
    pub close: Option<Close>,
    /// The events are published while their state runs (a long Task or Wait shows in the
    /// history at once, as on AWS), ahead of the next transition: until a commit with a
    /// checkpoint or a close follows, a resumed execution records them again. The store
    /// remembers the first such event's id ([`Checkpoint::provisional`]).
    pub provisional: bool,
    /// Deletes the stored events from this id on before writing (a resumed execution
    /// replacing the provisional events of the state it resumed in).
    pub truncate_from: Option<u64>,
    /// Puts the execution at rest (a long Wait, a callback task's token not answered soon):
    /// the lease is released and any worker claims the execution when it is due, resuming it
    /// from its last transition. Not held in any worker's memory meanwhile.
    pub rest: Option<Rest>,
}

/// An execution put at rest by a [`Commit`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rest {
    /// When it is due (claimed from then on).
    pub until: DateTime<Utc>,
    /// The callback token it waits for: answering the token (success or failure) makes it
    /// due at once; an answer that came before this commit landed makes it due from the
    /// attempt's start (at once).
    pub token: Option<TokenRest>,
}

impl Rest {
    /// At rest until `until` (a Wait).
    pub fn until(until: DateTime<Utc>) -> Rest {
        Rest { until, token: None }
    }
}

/// The token an execution at rest waits for, and what its task's handler answered when it
/// handed the token out: a worker that resumes the task waits for the token again without
/// calling the handler a second time ([`Store::register_token`] gives it back).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRest {
    /// The token.
    pub token: String,
    /// The handler's answer and when the task's attempt started.
    pub handed_out: HandedOut,
}

/// A callback task whose token was handed out before its execution rested.
#[derive(Debug, Clone, PartialEq)]
pub struct HandedOut {
    /// What the handler answered (recorded as `TaskSubmitted`'s output).
    pub answer: Value,
    /// When the attempt started (its `TimeoutSeconds` counts from then).
    pub started: DateTime<Utc>,
}

/// A finished Map iteration or Parallel branch.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The Map or Parallel visit (`<state>#<entered event id>`).
    pub scope: String,
    /// Iteration or branch index.
    pub index: usize,
    /// Its output.
    pub result: Value,
    /// The events it recorded (`[[type, state], …]`), replayed into the history on resume.
    pub events: Value,
}

/// A callback task token's state.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenState {
    /// Waiting for `SendTaskSuccess`/`SendTaskFailure`; the last heartbeat (or registration).
    Waiting {
        /// Last heartbeat.
        heartbeat: DateTime<Utc>,
    },
    /// Completed with an output.
    Succeeded(Value),
    /// Completed with an error and cause.
    Failed(Option<String>, Option<String>),
    /// No longer accepted: its execution ended.
    Closed,
    /// No longer accepted: no heartbeat came within `HeartbeatSeconds` (the task failed with
    /// `States.Timeout`, also when a restarted worker waits for it again).
    TimedOut,
}

/// A callback task token still waiting for `SendTaskSuccess`/`SendTaskFailure`.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingToken {
    /// The token.
    pub token: String,
    /// The state that waits for it.
    pub state: String,
    /// Its last heartbeat (or registration).
    pub heartbeat: DateTime<Utc>,
}

/// What `complete_token` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUpdate {
    /// Done.
    Updated,
    /// No such token.
    Unknown,
    /// The token's task is no longer waiting.
    NotWaiting,
}

/// A task token answered in some process, as [`Store::answers`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answered {
    /// This token was answered.
    Token(String),
    /// Answers may have been given unseen (the store's listener was reconnecting): every
    /// waiter looks at its token again, and the worker loops claim.
    Unknown,
}

/// What `create` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    /// A new execution.
    New,
    /// An execution of that ARN exists: returned as it is.
    Existing(Box<ExecutionRecord>),
}

/// A page of executions.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Executions, newest first.
    pub executions: Vec<ExecutionRecord>,
    /// Where the next page starts, if there is one.
    pub next_token: Option<String>,
}

/// Whether a schedule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduleState {
    /// It fires (`ENABLED`).
    Enabled,
    /// It is paused (`DISABLED`).
    Disabled,
}

impl ScheduleState {
    /// `ENABLED` or `DISABLED`, as AWS names them.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleState::Enabled => "ENABLED",
            ScheduleState::Disabled => "DISABLED",
        }
    }

    /// The state AWS names `s` (`ENABLED`, `DISABLED`).
    pub fn parse(s: &str) -> Option<ScheduleState> {
        match s {
            "ENABLED" => Some(ScheduleState::Enabled),
            "DISABLED" => Some(ScheduleState::Disabled),
            _ => None,
        }
    }
}

/// A schedule as stored (see `durable::schedule`): when it fires, what it starts, and where
/// it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRecord {
    /// Its name (unique in the store).
    pub name: String,
    /// The workflow each fire starts an execution of.
    pub workflow: String,
    /// `rate(…)`, `cron(…)` or `at(…)`.
    pub expression: String,
    /// IANA time zone name the expression is read in.
    pub time_zone: String,
    /// The executions' input.
    pub input: Value,
    /// A description.
    pub description: Option<String>,
    /// No fire before it.
    pub start_date: Option<DateTime<Utc>>,
    /// No fire at or after it.
    pub end_date: Option<DateTime<Utc>>,
    /// Enabled or paused.
    pub state: ScheduleState,
    /// Where a rate counts from.
    pub anchor: DateTime<Utc>,
    /// The next fire (`None`: none remains).
    pub next_fire: Option<DateTime<Utc>>,
    /// The scheduled instant of the last fire.
    pub last_fire: Option<DateTime<Utc>>,
    /// Created.
    pub creation_date: DateTime<Utc>,
    /// Last changed (created, paused, resumed).
    pub last_modification_date: DateTime<Utc>,
}

/// `executionStartedEventDetails` of a new execution.
pub(crate) fn started_details(r: &ExecutionRecord) -> Value {
    serde_json::json!({
        "input": r.input.to_string(),
        "inputDetails": { "truncated": false },
        "roleArn": r.role_arn,
    })
}

/// `executionAbortedEventDetails`: `error` and `cause` when given.
pub(crate) fn aborted_details(error: Option<&str>, cause: Option<&str>) -> Value {
    let mut d = serde_json::Map::new();
    if let Some(c) = cause {
        d.insert("cause".into(), c.into());
    }
    if let Some(e) = error {
        d.insert("error".into(), e.into());
    }
    Value::Object(d)
}

/// Durable storage for executions. Implementations must make each method atomic.
pub trait Store: Send + Sync + 'static {
    /// Creates an execution (status `RUNNING`, `ExecutionStarted` as event 1), leased to
    /// `worker` until `lease_until` (`None`: for any worker to claim); an existing execution
    /// with that ARN is returned instead.
    fn create(
        &self,
        record: ExecutionRecord,
        worker: Option<String>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Created>;
    /// One execution.
    fn get(&self, id: &str) -> StoreFuture<'_, Option<ExecutionRecord>>;
    /// Of the executions `ids`, those still running (a worker looks, every poll interval,
    /// whether Map Run children it waits on, run by other workers, ended: one call for all
    /// of them). The default reads them one by one with [`Store::get`].
    fn running_among<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut running = Vec::new();
            for id in ids {
                if let Some(r) = self.get(id).await?
                    && r.status == Status::Running
                {
                    running.push(id.clone());
                }
            }
            Ok(running)
        })
    }
    /// Its history.
    fn history(&self, id: &str) -> StoreFuture<'_, Vec<StoredEvent>>;
    /// A page of its history, read in one snapshot. The default reads the whole history.
    fn history_page(&self, id: &str, range: EventRange) -> StoreFuture<'_, EventsPage> {
        let id = id.to_string();
        Box::pin(async move {
            let history = self.history(&id).await?;
            Ok(EventsPage::of(history, range))
        })
    }
    /// Finished iterations and branches.
    fn progress(&self, id: &str) -> StoreFuture<'_, Vec<Progress>>;
    /// Commits a transition, events or the end (fenced by the lease).
    fn commit(&self, commit: Commit) -> StoreFuture<'_, ()>;
    /// Records a finished iteration or branch (fenced by the lease).
    fn put_progress(
        &self,
        execution: &str,
        worker: &str,
        progress: Progress,
    ) -> StoreFuture<'_, ()>;
    /// Leases up to `limit` runnable executions of `workflows` to `worker`: those no worker
    /// holds (new, or at rest and due: [`Commit::rest`]) and those whose lease expired,
    /// the longest due first. With `own`, also those leased to `worker` itself (held before a
    /// restart or an interruption) except the ids in `own` (running here); without it the
    /// cost of a claim does not grow with the executions `worker` holds.
    fn claim(
        &self,
        worker: &str,
        workflows: &[String],
        own: Option<&[String]>,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<ExecutionRecord>>;
    /// Extends `worker`'s leases on `ids`; returns those it still holds.
    fn renew(
        &self,
        worker: &str,
        ids: &[String],
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Vec<String>>;
    /// Stops a running execution: `ABORTED`, `ExecutionAborted` appended, lease released.
    /// Returns the record, or `None` when there is no such execution.
    fn stop(
        &self,
        id: &str,
        error: Option<String>,
        cause: Option<String>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>>;
    /// Redrives a failed, timed-out or stopped execution: `RUNNING` again, redrive count + 1,
    /// `ExecutionRedriven` appended, leased to `worker`. Returns the record as it was.
    fn redrive(
        &self,
        id: &str,
        worker: &str,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>>;
    /// Executions of `workflow` (all with `None`), newest first, filtered by status, by
    /// whether they were redriven (`redriveCount > 0`), by the Map Run they are children of
    /// and by a substring of their name (`name_contains`, case-sensitive).
    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        workflow: Option<&str>,
        status: Option<Status>,
        redriven: Option<bool>,
        map_run: Option<&str>,
        name_contains: Option<&str>,
        limit: usize,
        next_token: Option<&str>,
    ) -> StoreFuture<'_, Page>;
    /// How many executions of `workflow` there are by status (statuses without any left
    /// out): one indexed count, not a listing (a console shows it for every state machine).
    fn execution_counts(&self, workflow: &str) -> StoreFuture<'_, BTreeMap<Status, u64>>;
    /// The callback task tokens of `execution` still waiting for an answer, oldest first.
    fn waiting_tokens(&self, execution: &str) -> StoreFuture<'_, Vec<WaitingToken>>;
    /// Stores a Map Run, replacing the one with its ARN.
    fn put_map_run(&self, run: MapRunRecord) -> StoreFuture<'_, ()>;
    /// One Map Run.
    fn map_run(&self, arn: &str) -> StoreFuture<'_, Option<MapRunRecord>>;
    /// The Map Runs `execution` started, oldest first.
    fn map_runs(&self, execution: &str) -> StoreFuture<'_, Vec<MapRunRecord>>;
    /// The stored child executions of a Map Run, with their status and item count.
    fn map_run_children(&self, arn: &str) -> StoreFuture<'_, Vec<MapRunChild>>;
    /// Registers a callback task token (no-op when it exists: a re-invoked task keeps it).
    /// Returns what its handler answered if the token was handed out before its execution
    /// rested ([`Rest::token`]).
    fn register_token(
        &self,
        token: &str,
        execution: &str,
        state: &str,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<HandedOut>>;
    /// The token's state, `None` when unknown.
    fn token(&self, token: &str) -> StoreFuture<'_, Option<TokenState>>;
    /// Of `tokens`, those still waiting for an answer (a worker looks, every poll interval,
    /// whether another process answered any of the tokens its tasks wait on: one call for
    /// all of them). The default reads them one by one with [`Store::token`].
    fn waiting_among<'a>(&'a self, tokens: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut waiting = Vec::new();
            for t in tokens {
                if let Some(TokenState::Waiting { .. }) = self.token(t).await? {
                    waiting.push(t.clone());
                }
            }
            Ok(waiting)
        })
    }
    /// Completes (`Succeeded`/`Failed`), heartbeats (`Waiting`) or closes a waiting token.
    /// A completion makes the token's execution due from `at` (now) if it is at rest.
    fn update_token(
        &self,
        token: &str,
        state: TokenState,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, TokenUpdate>;
    /// Reports each task token of this store answered in any process: the task waiting on
    /// it here looks at it, or, if none does, a worker loop claims at once (the answer made
    /// an execution at rest due), instead of at their next poll. A receiver that lagged
    /// behind counts as [`Answered::Unknown`]. `None` (the default) for a store that cannot
    /// tell: they find such answers when they poll. Called from inside a tokio runtime.
    fn answers(&self) -> Option<tokio::sync::broadcast::Receiver<Answered>> {
        None
    }
    /// Stores a new schedule; `false` (nothing written) when one of that name exists.
    fn create_schedule(&self, schedule: ScheduleRecord) -> StoreFuture<'_, bool>;
    /// One schedule.
    fn schedule(&self, name: &str) -> StoreFuture<'_, Option<ScheduleRecord>>;
    /// Every schedule, by name.
    fn schedules(&self) -> StoreFuture<'_, Vec<ScheduleRecord>>;
    /// Enables or pauses a schedule, with its next fire; returns it as it is now (`None`:
    /// no such schedule).
    fn set_schedule_state(
        &self,
        name: &str,
        state: ScheduleState,
        next_fire: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ScheduleRecord>>;
    /// Deletes a schedule; `false` when there was none.
    fn delete_schedule(&self, name: &str) -> StoreFuture<'_, bool>;
    /// Claims the fire at `fired` of an enabled schedule: its next fire moves from `fired` to
    /// `next` and its last fire becomes `fired`, only if its next fire still is `fired`
    /// (compare-and-set). `false` when another worker claimed it, or it was paused or deleted.
    fn advance_schedule(
        &self,
        name: &str,
        fired: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreFuture<'_, bool>;
}

/// A shared store is a store (so one can be chosen at run time: `Arc<dyn Store>`).
impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn create(
        &self,
        record: ExecutionRecord,
        worker: Option<String>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Created> {
        (**self).create(record, worker, lease_until)
    }
    fn get(&self, id: &str) -> StoreFuture<'_, Option<ExecutionRecord>> {
        (**self).get(id)
    }
    fn running_among<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        (**self).running_among(ids)
    }
    fn history(&self, id: &str) -> StoreFuture<'_, Vec<StoredEvent>> {
        (**self).history(id)
    }
    fn history_page(&self, id: &str, range: EventRange) -> StoreFuture<'_, EventsPage> {
        (**self).history_page(id, range)
    }
    fn progress(&self, id: &str) -> StoreFuture<'_, Vec<Progress>> {
        (**self).progress(id)
    }
    fn commit(&self, commit: Commit) -> StoreFuture<'_, ()> {
        (**self).commit(commit)
    }
    fn put_progress(
        &self,
        execution: &str,
        worker: &str,
        progress: Progress,
    ) -> StoreFuture<'_, ()> {
        (**self).put_progress(execution, worker, progress)
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
        (**self).claim(worker, workflows, own, now, lease_until, limit)
    }
    fn renew(
        &self,
        worker: &str,
        ids: &[String],
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Vec<String>> {
        (**self).renew(worker, ids, lease_until)
    }
    fn stop(
        &self,
        id: &str,
        error: Option<String>,
        cause: Option<String>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        (**self).stop(id, error, cause, at)
    }
    fn redrive(
        &self,
        id: &str,
        worker: &str,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ExecutionRecord>> {
        (**self).redrive(id, worker, at, lease_until)
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
        (**self).list(
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
        (**self).execution_counts(workflow)
    }
    fn waiting_tokens(&self, execution: &str) -> StoreFuture<'_, Vec<WaitingToken>> {
        (**self).waiting_tokens(execution)
    }
    fn put_map_run(&self, run: MapRunRecord) -> StoreFuture<'_, ()> {
        (**self).put_map_run(run)
    }
    fn map_run(&self, arn: &str) -> StoreFuture<'_, Option<MapRunRecord>> {
        (**self).map_run(arn)
    }
    fn map_runs(&self, execution: &str) -> StoreFuture<'_, Vec<MapRunRecord>> {
        (**self).map_runs(execution)
    }
    fn map_run_children(&self, arn: &str) -> StoreFuture<'_, Vec<MapRunChild>> {
        (**self).map_run_children(arn)
    }
    fn register_token(
        &self,
        token: &str,
        execution: &str,
        state: &str,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<HandedOut>> {
        (**self).register_token(token, execution, state, at)
    }
    fn token(&self, token: &str) -> StoreFuture<'_, Option<TokenState>> {
        (**self).token(token)
    }
    fn waiting_among<'a>(&'a self, tokens: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        (**self).waiting_among(tokens)
    }
    fn update_token(
        &self,
        token: &str,
        state: TokenState,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, TokenUpdate> {
        (**self).update_token(token, state, at)
    }
    fn answers(&self) -> Option<tokio::sync::broadcast::Receiver<Answered>> {
        (**self).answers()
    }
    fn create_schedule(&self, schedule: ScheduleRecord) -> StoreFuture<'_, bool> {
        (**self).create_schedule(schedule)
    }
    fn schedule(&self, name: &str) -> StoreFuture<'_, Option<ScheduleRecord>> {
        (**self).schedule(name)
    }
    fn schedules(&self) -> StoreFuture<'_, Vec<ScheduleRecord>> {
        (**self).schedules()
    }
    fn set_schedule_state(
        &self,
        name: &str,
        state: ScheduleState,
        next_fire: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreFuture<'_, Option<ScheduleRecord>> {
        (**self).set_schedule_state(name, state, next_fire, at)
    }
    fn delete_schedule(&self, name: &str) -> StoreFuture<'_, bool> {
        (**self).delete_schedule(name)
    }
    fn advance_schedule(
        &self,
        name: &str,
        fired: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> StoreFuture<'_, bool> {
        (**self).advance_schedule(name, fired, next)
    }
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    // The database's error is the source, said once: not repeated in the message.
    #[test]
    fn a_backend_error_keeps_its_source() {
        let io = std::io::Error::other("disk full");
        let e = StoreError::backend("sqlite", io);
        assert_eq!(e.to_string(), "store error: sqlite");
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk full"));
        assert_eq!(e.detail(), "store error: sqlite: disk full");
        assert_eq!(
            StoreError::corrupt("bad row").detail(),
            "store error: bad row"
        );
    }
}
