//! Durable executions (Standard mode, EXEC-1): an [`Engine`] runs workflows on a
//! [`Store`](crate::store) so that an execution survives the process running it.
//!
//! ```
//! use asl_runtime::{Engine, StartOptions, TaskContext, TaskError, Value, store::SqliteStore};
//!
//! asl_runtime::asl!(mod order {
//!     "StartAt": "Charge",
//!     "States": {
//!         "Charge": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Pause" },
//!         "Pause": { "Type": "Wait", "Seconds": 3600, "Next": "Done" },
//!         "Done": { "Type": "Succeed" }
//!     }
//! });
//!
//! struct Tasks;
//! impl order::Tasks for Tasks {
//!     async fn charge(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
//!         Ok(input)
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let engine = Engine::builder()
//!     .store(SqliteStore::memory().await?)
//!     .workflow("order", order::Workflow::new(Tasks))
//!     .build()
//!     .await?;
//! let id = engine.start("order", serde_json::json!({"total": 5}), StartOptions::default().name("o-1")).await?;
//! assert_eq!(engine.wait(&id).await?, serde_json::json!({"total": 5}));
//! assert_eq!(engine.describe(&id).await?.status.as_str(), "SUCCEEDED");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # How it works
//!
//! Generated code calls [`Exec::checkpoint`] at every top-level transition: the state about to
//! run, its input and the variables are committed, with the history events recorded since the
//! previous commit, before the state runs. A worker that dies loses at most the state it was
//! in; whichever worker next claims the execution (after its lease expired, or the same worker
//! id at once) resumes at that state with the same event ids, so every transition is recorded
//! exactly once and task handlers run at least once ([`TaskContext::idempotency_key`] is
//! stable across such re-invocations).
//!
//! - Timers: a resumed state keeps its entered time, so a Wait continues with what is left.
//!   Time is the [`clock`](crate::clock): tokio's, so tests pause it.
//! - Map iterations and Parallel branches commit their results as they finish; a resumed Map
//!   or Parallel does not run them again (their events are replayed into the history).
//! - Callbacks: a `.waitForTaskToken` Task registers its token, calls its handler, then waits
//!   for [`Engine::send_task_success`] / [`Engine::send_task_failure`] from any process on the
//!   same store; `HeartbeatSeconds` is enforced against [`Engine::send_task_heartbeat`].
//!
//! [`TaskContext::idempotency_key`]: crate::TaskContext::idempotency_key

pub(crate) mod journal;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use journal::Journal;

use crate::context::{ExecutionInfo, RunOptions};
use crate::error::{ExecutionError, Failure, Status, names};
use crate::exec::{BoxFuture, Event, Exec, Recorded, Vars};
use crate::store::{
    Created, ExecutionRecord, ExecutionStatus, Store, StoreError, StoredEvent, TokenState,
    TokenUpdate,
};

/// A compiled workflow the engine can run: every generated `Workflow<T>` implements it.
pub trait Machine: Send + Sync + 'static {
    /// The module name given to `asl!`.
    fn default_name(&self) -> &'static str;
    /// The machine's `TimeoutSeconds`.
    fn timeout_seconds(&self) -> Option<u64>;
    /// Runs the top level from `state` (`None`: `StartAt`) with `input` and `vars`; `None`
    /// when the machine has no such state.
    fn resume(
        &self,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>>;
    /// Runs an Express execution in memory, with its history.
    fn express(&self, input: Value, options: RunOptions) -> BoxFuture<'static, Recorded>;
}

/// A boxed machine is a machine (workflows chosen at run time).
impl<M: Machine + ?Sized> Machine for Box<M> {
    fn default_name(&self) -> &'static str {
        (**self).default_name()
    }
    fn timeout_seconds(&self) -> Option<u64> {
        (**self).timeout_seconds()
    }
    fn resume(
        &self,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>> {
        (**self).resume(exec, state, input, vars)
    }
    fn express(&self, input: Value, options: RunOptions) -> BoxFuture<'static, Recorded> {
        (**self).express(input, options)
    }
}

/// An error of the engine's API, named as AWS's API names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// A different execution of that name exists (or it is closed).
    #[error("ExecutionAlreadyExists: Execution Already Exists: '{0}'")]
    ExecutionAlreadyExists(String),
    /// No such execution.
    #[error("ExecutionDoesNotExist: Execution Does Not Exist: '{0}'")]
    ExecutionDoesNotExist(String),
    /// No workflow registered under that name.
    #[error("StateMachineDoesNotExist: State Machine Does Not Exist: '{0}'")]
    StateMachineDoesNotExist(String),
    /// The token is not one the engine issued.
    #[error("InvalidToken: Invalid Token: '{0}'")]
    InvalidToken(String),
    /// The token's task is no longer waiting.
    #[error("TaskTimedOut: Task Timed Out: '{0}'")]
    TaskTimedOut(String),
    /// The activity does not exist.
    #[error("TaskDoesNotExist: {0}")]
    TaskDoesNotExist(String),
    /// Only FAILED, TIMED_OUT and ABORTED executions can be redriven.
    #[error("ExecutionNotRedrivable: {0}")]
    ExecutionNotRedrivable(String),
    /// The execution name breaks AWS's rules (EXEC-4).
    #[error("InvalidName: Invalid Name: '{0}'")]
    InvalidName(String),
    /// The ARN does not name an execution.
    #[error("InvalidArn: Invalid Arn: '{0}'")]
    InvalidArn(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EngineError {
    /// AWS's error code (`ExecutionAlreadyExists`, …).
    pub fn name(&self) -> &'static str {
        match self {
            EngineError::ExecutionAlreadyExists(_) => "ExecutionAlreadyExists",
            EngineError::ExecutionDoesNotExist(_) => "ExecutionDoesNotExist",
            EngineError::StateMachineDoesNotExist(_) => "StateMachineDoesNotExist",
            EngineError::InvalidToken(_) => "InvalidToken",
            EngineError::TaskTimedOut(_) => "TaskTimedOut",
            EngineError::TaskDoesNotExist(_) => "TaskDoesNotExist",
            EngineError::ExecutionNotRedrivable(_) => "ExecutionNotRedrivable",
            EngineError::InvalidName(_) => "InvalidName",
            EngineError::InvalidArn(_) => "InvalidArn",
            EngineError::Store(_) => "StoreError",
        }
    }
}

/// An execution's ARN: prints as `arn:aws:states:us-east-1:123456789012:execution:order:o-1`
/// and parses back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecutionId(String);

impl ExecutionId {
    /// The ARN.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The execution name (the ARN's last part; for Express, the one before the UUID).
    pub fn name(&self) -> &str {
        let parts: Vec<&str> = self.0.split(':').collect();
        match parts.get(5) {
            Some(&"express") => parts.get(7).copied().unwrap_or_default(),
            _ => parts.get(7).copied().unwrap_or_default(),
        }
    }

    /// Whether this is an Express execution.
    pub fn is_express(&self) -> bool {
        self.0.split(':').nth(5) == Some("express")
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ExecutionId {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(':').collect();
        let ok = parts.first() == Some(&"arn")
            && parts.get(2) == Some(&"states")
            && match parts.get(5) {
                Some(&"execution") => parts.len() == 8,
                Some(&"express") => parts.len() == 9,
                _ => false,
            }
            && parts.iter().skip(6).all(|p| !p.is_empty());
        if ok {
            Ok(ExecutionId(s.to_string()))
        } else {
            Err(EngineError::InvalidArn(format!("Invalid ARN prefix: {s}")))
        }
    }
}

/// How to start an execution.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    name: Option<String>,
    express: bool,
}

impl StartOptions {
    /// The execution name (default: a UUID). Starting the same name again with the same
    /// input while it runs returns the same execution (EXEC-3).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// An Express execution (EXEC-2): in memory, no stored history.
    pub fn express(mut self) -> Self {
        self.express = true;
        self
    }
}

/// What `describe` reports (DescribeExecution).
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    /// The execution ARN.
    pub execution_id: ExecutionId,
    /// The workflow's registered name.
    pub workflow: String,
    /// The execution name.
    pub name: String,
    /// The state machine ARN.
    pub state_machine_arn: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`.
    pub status: ExecutionStatus,
    /// The input.
    pub input: Value,
    /// The output, when it succeeded.
    pub output: Option<Value>,
    /// Error name.
    pub error: Option<String>,
    /// Cause.
    pub cause: Option<String>,
    /// Start.
    pub start_date: DateTime<Utc>,
    /// End.
    pub stop_date: Option<DateTime<Utc>>,
    /// Times redriven.
    pub redrive_count: u32,
    /// Last redrive.
    pub redrive_date: Option<DateTime<Utc>>,
}

impl Description {
    fn of(r: ExecutionRecord) -> Description {
        Description {
            execution_id: ExecutionId(r.id),
            workflow: r.workflow,
            name: r.name,
            state_machine_arn: r.state_machine_arn,
            status: r.status,
            input: r.input,
            output: r.output,
            error: r.error,
            cause: r.cause,
            start_date: r.start_date,
            stop_date: r.stop_date,
            redrive_count: r.redrive_count,
            redrive_date: r.redrive_date,
        }
    }

    /// The outcome, as [`Engine::wait`] returns it (`None` while running).
    pub fn outcome(&self) -> Option<Result<Value, ExecutionError>> {
        let status = match self.status {
            ExecutionStatus::Running => return None,
            ExecutionStatus::Succeeded => {
                return Some(Ok(self.output.clone().unwrap_or(Value::Null)));
            }
            ExecutionStatus::Failed => Status::Failed,
            ExecutionStatus::TimedOut => Status::TimedOut,
            ExecutionStatus::Aborted => Status::Aborted,
        };
        Some(Err(ExecutionError::new(
            status,
            self.error.clone(),
            self.cause.clone(),
        )))
    }
}

/// One event of an execution's history (GetExecutionHistory).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// Sequential id from 1.
    pub id: u64,
    /// The event it follows, as AWS links them (0 for none; see [`crate::history`]).
    pub previous_event_id: u64,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// `ExecutionStarted`, `TaskStateEntered`, …
    pub kind: String,
    /// The state it is about.
    pub state: Option<String>,
    /// The members of its `…EventDetails` (payloads as JSON text, as AWS).
    pub details: Option<Value>,
}

impl HistoryEvent {
    /// The name of the event's details member: `stateEnteredEventDetails`,
    /// `taskScheduledEventDetails`, …
    pub fn details_key(&self) -> String {
        if self.kind.ends_with("StateEntered") {
            return "stateEnteredEventDetails".into();
        }
        if self.kind.ends_with("StateExited") {
            return "stateExitedEventDetails".into();
        }
        let mut chars = self.kind.chars();
        match chars.next() {
            Some(c) => format!("{}{}EventDetails", c.to_ascii_lowercase(), chars.as_str()),
            None => String::new(),
        }
    }

    /// AWS's JSON shape: `{"id", "previousEventId", "timestamp", "type", "<…>EventDetails"}`.
    pub fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("id".into(), self.id.into());
        m.insert("previousEventId".into(), self.previous_event_id.into());
        m.insert(
            "timestamp".into(),
            crate::context::timestamp(self.timestamp).into(),
        );
        m.insert("type".into(), self.kind.clone().into());
        if let Some(d) = &self.details {
            m.insert(self.details_key(), d.clone());
        }
        Value::Object(m)
    }
}

/// Which executions `list_executions` returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<ExecutionStatus>,
    /// Page size (default and maximum 1000; 0 means 100, as AWS).
    pub max_results: usize,
    /// Where to continue (from a previous [`ExecutionList::next_token`]).
    pub next_token: Option<String>,
}

impl ListFilter {
    /// Only executions with `status`.
    pub fn status(mut self, status: ExecutionStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// A page of `list_executions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionList {
    /// Newest first.
    pub executions: Vec<Description>,
    /// More remain: pass this back in [`ListFilter::next_token`].
    pub next_token: Option<String>,
}

/// What every execution of one engine shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) worker: String,
    /// Wakes callback tasks waiting in this process when a token is completed here.
    pub(crate) tokens: tokio::sync::Notify,
    /// How often waiters look at the store for changes made by other processes.
    pub(crate) poll_interval: Duration,
    /// The history quota (25,000 on AWS).
    pub(crate) history_quota: usize,
}

/// An execution this process runs.
struct Running {
    abort: tokio::task::AbortHandle,
    /// Asks it to stop: it records `ExecutionAborted` after the events it has so far.
    stop: Option<tokio::sync::oneshot::Sender<StopRequest>>,
}

/// A StopExecution for an execution running here.
struct StopRequest {
    error: Option<String>,
    cause: Option<String>,
    done: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

struct Inner {
    shared: Arc<Shared>,
    workflows: HashMap<String, Arc<dyn Machine>>,
    lease_timeout: Duration,
    identity: RunOptions,
    /// Whether `start` runs the executions it starts (or leaves them to workers).
    runs_started: bool,
    /// Executions this process runs.
    running: Mutex<HashMap<String, Running>>,
    /// Signalled when an execution this process runs ends.
    closed: tokio::sync::Notify,
    /// Express executions' outcomes.
    express: Mutex<HashMap<String, ExpressRun>>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

#[derive(Clone)]
struct ExpressRun {
    info: Arc<ExecutionInfo>,
    workflow: String,
    outcome: Option<Result<Value, ExecutionError>>,
    history: Vec<Event>,
    stop_date: Option<DateTime<Utc>>,
}

/// Runs workflows durably: see the [module docs](self).
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("worker", &self.inner.shared.worker)
            .finish_non_exhaustive()
    }
}

/// Configures an [`Engine`].
pub struct EngineBuilder {
    store: Option<Arc<dyn Store>>,
    workflows: HashMap<String, Arc<dyn Machine>>,
    lease_timeout: Duration,
    poll_interval: Duration,
    history_quota: usize,
    worker: Option<String>,
    identity: RunOptions,
    runs_started: bool,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder").finish_non_exhaustive()
    }
}

/// The builder's errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// `store(…)` was not called.
    #[error("no store: call EngineBuilder::store")]
    NoStore,
}

impl Engine {
    /// Starts configuring an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            store: None,
            workflows: HashMap::new(),
            lease_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(200),
            history_quota: 25_000,
            worker: None,
            identity: RunOptions::default(),
            runs_started: true,
        }
    }
}

impl EngineBuilder {
    /// Where executions are kept.
    pub fn store(mut self, store: impl Store) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Registers a workflow under `name` (its state machine name in ARNs).
    pub fn workflow(mut self, name: impl Into<String>, machine: impl Machine) -> Self {
        self.workflows.insert(name.into(), Arc::new(machine));
        self
    }

    /// How long a dead worker's executions stay claimed before another worker takes them.
    pub fn lease_timeout(mut self, d: Duration) -> Self {
        self.lease_timeout = d;
        self
    }

    /// How often to look for changes other processes made (tokens, ends).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }

    /// The history quota (default 25,000 events, as AWS).
    pub fn history_quota(mut self, events: usize) -> Self {
        self.history_quota = events.max(3);
        self
    }

    /// This worker's id (default: random). A worker restarted with the same id takes its
    /// executions back at once instead of waiting for their leases to expire.
    pub fn worker_id(mut self, id: impl Into<String>) -> Self {
        self.worker = Some(id.into());
        self
    }

    /// Whether `start` runs Standard executions in this process (the default) or only records
    /// them for workers ([`Engine::run`], here or in other processes) to claim.
    pub fn run_started(mut self, yes: bool) -> Self {
        self.runs_started = yes;
        self
    }

    /// Partition, region and account for ARNs (defaults `aws`, `us-east-1`, `123456789012`).
    pub fn identity(mut self, options: RunOptions) -> Self {
        self.identity = options;
        self
    }

    /// Builds the engine and starts renewing its leases (call from a tokio runtime).
    pub async fn build(self) -> Result<Engine, BuildError> {
        let store = self.store.ok_or(BuildError::NoStore)?;
        let (shutdown, _) = tokio::sync::watch::channel(false);
        let inner = Arc::new(Inner {
            shared: Arc::new(Shared {
                store,
                worker: self
                    .worker
                    .unwrap_or_else(|| format!("worker-{}", uuid::Uuid::new_v4().simple())),
                tokens: tokio::sync::Notify::new(),
                poll_interval: self.poll_interval,
                history_quota: self.history_quota,
            }),
            workflows: self.workflows,
            lease_timeout: self.lease_timeout,
            identity: self.identity,
            runs_started: self.runs_started,
            running: Mutex::new(HashMap::new()),
            closed: tokio::sync::Notify::new(),
            express: Mutex::new(HashMap::new()),
            shutdown,
        });
        tokio::spawn(renew_leases(Arc::downgrade(&inner)));
        Ok(Engine { inner })
    }
}

/// Keeps this worker's leases alive; aborts executions whose lease another worker took.
async fn renew_leases(inner: Weak<Inner>) {
    loop {
        let Some(period) = inner.upgrade().map(|i| i.lease_timeout / 3) else {
            return;
        };
        tokio::time::sleep(period.max(Duration::from_millis(10))).await;
        let Some(inner) = inner.upgrade() else { return };
        let ids: Vec<String> = inner.running().keys().cloned().collect();
        if ids.is_empty() {
            continue;
        }
        let until = lease_until(&inner);
        if let Ok(held) = inner
            .shared
            .store
            .renew(&inner.shared.worker, &ids, until)
            .await
        {
            let mut running = inner.running();
            for id in ids.iter().filter(|id| !held.contains(id)) {
                if let Some(Running { abort: h, .. }) = running.remove(id) {
                    tracing::warn!(execution = %id, "lease lost; execution left to its new owner");
                    h.abort();
                }
            }
            drop(running);
            inner.closed.notify_waiters();
        }
    }
}

fn lease_until(inner: &Inner) -> DateTime<Utc> {
    crate::clock::now() + chrono::Duration::from_std(inner.lease_timeout).unwrap_or_default()
}

impl Inner {
    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn express(&self) -> std::sync::MutexGuard<'_, HashMap<String, ExpressRun>> {
        self.express.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Checks an execution name against AWS's rules (EXEC-4): 1 to 80 characters, no white
/// space, no `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`, no control characters.
pub fn validate_name(name: &str) -> Result<(), EngineError> {
    let bad = |c: char| {
        c.is_whitespace()
            || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
            || ('\u{0}'..='\u{1f}').contains(&c)
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || c == '\u{fffe}'
            || c == '\u{ffff}'
    };
    let len = name.chars().count();
    if len == 0 || len > 80 || name.chars().any(bad) {
        return Err(EngineError::InvalidName(name.to_string()));
    }
    Ok(())
}

impl Engine {
    /// This worker's id.
    pub fn worker_id(&self) -> &str {
        &self.inner.shared.worker
    }

    fn machine(&self, workflow: &str) -> Result<&Arc<dyn Machine>, EngineError> {
        self.inner
            .workflows
            .get(workflow)
            .ok_or_else(|| EngineError::StateMachineDoesNotExist(self.machine_arn(workflow)))
    }

    fn machine_arn(&self, workflow: &str) -> String {
        let o = &self.inner.identity;
        format!(
            "arn:{}:states:{}:{}:stateMachine:{workflow}",
            o.partition, o.region, o.account
        )
    }

    /// Starts an execution of `workflow` (StartExecution). Standard executions are committed
    /// to the store, then run by this process; Express ones run in memory.
    pub async fn start(
        &self,
        workflow: &str,
        input: Value,
        options: StartOptions,
    ) -> Result<ExecutionId, EngineError> {
        let machine = Arc::clone(self.machine(workflow)?);
        if let Some(n) = &options.name {
            validate_name(n)?;
        }
        let mut run = self.inner.identity.clone();
        run.name = options.name.clone();
        run.state_machine_name = Some(workflow.to_string());
        run.start_time = None;
        run.express = options.express;
        let info = ExecutionInfo::new(&run, workflow, Arc::new(input.clone()));
        if options.express {
            return Ok(self.start_express(machine, workflow, input, run, info));
        }
        let record = ExecutionRecord {
            id: info.id.clone(),
            workflow: workflow.to_string(),
            name: info.name.clone(),
            state_machine_arn: info.state_machine_id.clone(),
            role_arn: info.role_arn.clone(),
            status: ExecutionStatus::Running,
            input: input.clone(),
            output: None,
            error: None,
            cause: None,
            start_date: info.start_time,
            stop_date: None,
            redrive_count: 0,
            redrive_date: None,
            checkpoint: None,
            secret: format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
        };
        let id = ExecutionId(record.id.clone());
        let until = lease_until(&self.inner);
        match self
            .inner
            .shared
            .store
            .create(
                record.clone(),
                self.inner
                    .runs_started
                    .then(|| self.inner.shared.worker.clone()),
                until,
            )
            .await?
        {
            Created::New if !self.inner.runs_started => Ok(id),
            Created::New => {
                let started = vec![StoredEvent {
                    id: 1,
                    kind: "ExecutionStarted".into(),
                    state: None,
                    timestamp: record.start_date,
                    details: Some(crate::store::started_details(&record)),
                }];
                self.spawn(record, started, Vec::new());
                Ok(id)
            }
            Created::Existing(existing) => {
                // EXEC-3: the same name and input while it runs is the same execution.
                if existing.status == ExecutionStatus::Running && existing.input == input {
                    Ok(id)
                } else {
                    Err(EngineError::ExecutionAlreadyExists(existing.id))
                }
            }
        }
    }

    fn start_express(
        &self,
        machine: Arc<dyn Machine>,
        workflow: &str,
        input: Value,
        run: RunOptions,
        info: ExecutionInfo,
    ) -> ExecutionId {
        // The id must be known before the run: name the run after the ARN's parts.
        let id = info.id.clone();
        let mut options = run;
        options.name = Some(info.name.clone());
        let entry = ExpressRun {
            info: Arc::new(info),
            workflow: workflow.to_string(),
            outcome: None,
            history: Vec::new(),
            stop_date: None,
        };
        self.inner.express().insert(id.clone(), entry);
        let inner = Arc::clone(&self.inner);
        let key = id.clone();
        tokio::spawn(async move {
            let recorded = machine.express(input, options).await;
            if let Some(e) = inner.express().get_mut(&key) {
                e.outcome = Some(recorded.result);
                e.history = recorded.history;
                e.stop_date = Some(crate::clock::now());
            }
            inner.closed.notify_waiters();
        });
        ExecutionId(id)
    }

    /// Runs a stored execution in this process.
    fn spawn(
        &self,
        record: ExecutionRecord,
        history: Vec<StoredEvent>,
        progress: Vec<crate::store::Progress>,
    ) {
        let inner = Arc::clone(&self.inner);
        let id = record.id.clone();
        let mut running = self.inner.running();
        if running.contains_key(&id) {
            return;
        }
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        // `finish_within` opens the execution's span; the claim is logged inside it.
        let task = tokio::spawn(async move {
            let key = record.id.clone();
            execute(&inner, record, history, progress, stop_rx).await;
            inner.running().remove(&key);
            inner.closed.notify_waiters();
        });
        running.insert(
            id,
            Running {
                abort: task.abort_handle(),
                stop: Some(stop_tx),
            },
        );
    }

    /// Waits for an execution to end; its output or how it ended (as `Workflow::run`).
    pub async fn wait(&self, id: &ExecutionId) -> Result<Value, ExecutionError> {
        loop {
            let closed = self.inner.closed.notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            match self.describe(id).await {
                Ok(d) => {
                    if let Some(outcome) = d.outcome() {
                        return outcome;
                    }
                }
                Err(e) => {
                    return Err(ExecutionError::new(
                        Status::Failed,
                        Some(e.name().to_string()),
                        Some(e.to_string()),
                    ));
                }
            }
            tokio::select! {
                _ = closed => {}
                _ = tokio::time::sleep(self.inner.shared.poll_interval) => {}
            }
        }
    }

    /// An execution's status, input, output and dates (DescribeExecution).
    pub async fn describe(&self, id: &ExecutionId) -> Result<Description, EngineError> {
        if let Some(e) = self.inner.express().get(id.as_str()) {
            let (status, output, error, cause) = match &e.outcome {
                None => (ExecutionStatus::Running, None, None, None),
                Some(Ok(v)) => (ExecutionStatus::Succeeded, Some(v.clone()), None, None),
                Some(Err(err)) => (
                    match err.status() {
                        Status::TimedOut => ExecutionStatus::TimedOut,
                        Status::Aborted => ExecutionStatus::Aborted,
                        Status::Failed => ExecutionStatus::Failed,
                    },
                    None,
                    err.error().map(str::to_string),
                    err.cause().map(str::to_string),
                ),
            };
            return Ok(Description {
                execution_id: id.clone(),
                workflow: e.workflow.clone(),
                name: e.info.name.clone(),
                state_machine_arn: e.info.state_machine_id.clone(),
                status,
                input: (*e.info.input).clone(),
                output,
                error,
                cause,
                start_date: e.info.start_time,
                stop_date: e.stop_date,
                redrive_count: 0,
                redrive_date: None,
            });
        }
        match self.inner.shared.store.get(id.as_str()).await? {
            Some(r) => Ok(Description::of(r)),
            None => Err(EngineError::ExecutionDoesNotExist(id.to_string())),
        }
    }

    /// An execution's history events (GetExecutionHistory). Express executions keep theirs
    /// in memory only while this engine lives.
    pub async fn history(&self, id: &ExecutionId) -> Result<Vec<HistoryEvent>, EngineError> {
        let express: Option<Vec<StoredEvent>> = self.inner.express().get(id.as_str()).map(|e| {
            e.history
                .iter()
                .map(|e| StoredEvent {
                    id: e.id,
                    kind: e.kind.to_string(),
                    state: e.state.map(str::to_string),
                    timestamp: e.timestamp,
                    details: e.details.clone(),
                })
                .collect()
        });
        let events = match express {
            Some(events) => events,
            None => {
                if self.inner.shared.store.get(id.as_str()).await?.is_none() {
                    return Err(EngineError::ExecutionDoesNotExist(id.to_string()));
                }
                self.inner.shared.store.history(id.as_str()).await?
            }
        };
        let mut links = crate::history::Linker::default();
        Ok(events
            .into_iter()
            .map(|e| HistoryEvent {
                previous_event_id: links.link(e.id, &e.kind),
                id: e.id,
                timestamp: e.timestamp,
                kind: e.kind,
                state: e.state,
                details: e.details,
            })
            .collect())
    }

    /// Stops a running execution (StopExecution, EXEC-6): `ABORTED` with the given error and
    /// cause, `ExecutionAborted` in its history. Returns the stop date.
    pub async fn stop(
        &self,
        id: &ExecutionId,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Result<DateTime<Utc>, EngineError> {
        if self.inner.express().contains_key(id.as_str()) {
            return Err(EngineError::ExecutionDoesNotExist(id.to_string()));
        }
        // Running here: it stops itself, recording the events it has so far, then
        // `ExecutionAborted` (as AWS's history shows the state it was in).
        let local = self
            .inner
            .running()
            .get_mut(id.as_str())
            .and_then(|r| r.stop.take());
        if let Some(stop) = local {
            let (done, finished) = tokio::sync::oneshot::channel();
            let request = StopRequest {
                error: error.map(str::to_string),
                cause: cause.map(str::to_string),
                done,
            };
            if stop.send(request).is_ok()
                && let Ok(Ok(())) = finished.await
            {
                self.inner.closed.notify_waiters();
                self.inner.shared.tokens.notify_waiters();
                return match self.inner.shared.store.get(id.as_str()).await? {
                    Some(r) => Ok(r.stop_date.unwrap_or_else(crate::clock::now)),
                    None => Err(EngineError::ExecutionDoesNotExist(id.to_string())),
                };
            }
        }
        // Elsewhere (or it could not record its stop): stop it in the store; its worker finds
        // its lease gone. A run here is cancelled first, so it commits nothing more.
        if let Some(r) = self.inner.running().remove(id.as_str()) {
            r.abort.abort();
        }
        let at = crate::clock::now();
        let stopped = self
            .inner
            .shared
            .store
            .stop(
                id.as_str(),
                error.map(str::to_string),
                cause.map(str::to_string),
                at,
            )
            .await?;
        self.inner.closed.notify_waiters();
        self.inner.shared.tokens.notify_waiters();
        match stopped {
            None => Err(EngineError::ExecutionDoesNotExist(id.to_string())),
            Some(r) => Ok(r.stop_date.unwrap_or(at)),
        }
    }

    /// Redrives a FAILED, TIMED_OUT or ABORTED execution (RedriveExecution, EXEC-10): it
    /// continues from the state that did not succeed, keeping what succeeded (finished Map
    /// iterations and Parallel branches too); `ExecutionRedriven` is recorded and
    /// `$$.Execution.RedriveCount` grows. Returns the redrive date.
    pub async fn redrive(&self, id: &ExecutionId) -> Result<DateTime<Utc>, EngineError> {
        let at = crate::clock::now();
        let before = self
            .inner
            .shared
            .store
            .redrive(
                id.as_str(),
                &self.inner.shared.worker,
                at,
                lease_until(&self.inner),
            )
            .await?
            .ok_or_else(|| EngineError::ExecutionDoesNotExist(id.to_string()))?;
        if matches!(
            before.status,
            ExecutionStatus::Running | ExecutionStatus::Succeeded
        ) {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution is {} and cannot be redriven",
                before.status
            )));
        }
        self.resume(id.as_str()).await?;
        Ok(at)
    }

    /// Loads a leased execution and runs it here.
    async fn resume(&self, id: &str) -> Result<(), EngineError> {
        let store = &self.inner.shared.store;
        let record = store
            .get(id)
            .await?
            .ok_or_else(|| EngineError::ExecutionDoesNotExist(id.to_string()))?;
        let history = store.history(id).await?;
        let progress = store.progress(id).await?;
        self.spawn(record, history, progress);
        Ok(())
    }

    /// Completes a callback task (SendTaskSuccess).
    pub async fn send_task_success(&self, token: &str, output: Value) -> Result<(), EngineError> {
        self.update_token(token, TokenState::Succeeded(output))
            .await
    }

    /// Fails a callback task (SendTaskFailure).
    pub async fn send_task_failure(
        &self,
        token: &str,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Result<(), EngineError> {
        self.update_token(
            token,
            TokenState::Failed(error.map(str::to_string), cause.map(str::to_string)),
        )
        .await
    }

    /// Tells a callback task's `HeartbeatSeconds` clock the task is alive (SendTaskHeartbeat).
    pub async fn send_task_heartbeat(&self, token: &str) -> Result<(), EngineError> {
        self.update_token(
            token,
            TokenState::Waiting {
                heartbeat: crate::clock::now(),
            },
        )
        .await
    }

    async fn update_token(&self, token: &str, state: TokenState) -> Result<(), EngineError> {
        let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err(EngineError::InvalidToken("Invalid token".into()));
        }
        match self.inner.shared.store.update_token(token, state).await? {
            TokenUpdate::Updated => {
                self.inner.shared.tokens.notify_waiters();
                Ok(())
            }
            TokenUpdate::Unknown => Err(EngineError::InvalidToken("Invalid token".into())),
            TokenUpdate::NotWaiting => Err(EngineError::TaskTimedOut(
                "Provided task does not exist anymore".into(),
            )),
        }
    }

    /// Executions of `workflow`, newest first (ListExecutions): filter by status, page with
    /// `max_results` and `next_token`.
    pub async fn list_executions(
        &self,
        workflow: &str,
        filter: ListFilter,
    ) -> Result<ExecutionList, EngineError> {
        self.machine(workflow)?;
        let limit = match filter.max_results {
            0 => 100,
            n => n.min(1000),
        };
        let page = self
            .inner
            .shared
            .store
            .list(
                Some(workflow),
                filter.status,
                limit,
                filter.next_token.as_deref(),
            )
            .await?;
        Ok(ExecutionList {
            executions: page.executions.into_iter().map(Description::of).collect(),
            next_token: page.next_token,
        })
    }

    /// Works as a worker until [`Engine::shutdown`]: claims every runnable execution of the
    /// registered workflows in the store (new, crashed, redriven elsewhere, or whose worker's
    /// lease expired) and runs it.
    pub async fn run(&self) -> Result<(), EngineError> {
        let mut shutdown = self.inner.shutdown.subscribe();
        let workflows: Vec<String> = self.inner.workflows.keys().cloned().collect();
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            let exclude: Vec<String> = self.inner.running().keys().cloned().collect();
            let now = crate::clock::now();
            let claimed = self
                .inner
                .shared
                .store
                .claim(
                    &self.inner.shared.worker,
                    &workflows,
                    &exclude,
                    now,
                    lease_until(&self.inner),
                    256,
                )
                .await?;
            for r in claimed {
                let history = self.inner.shared.store.history(&r.id).await?;
                let progress = self.inner.shared.store.progress(&r.id).await?;
                tracing::debug!(execution = %r.id, "claimed");
                self.spawn(r, history, progress);
            }
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = tokio::time::sleep(self.inner.shared.poll_interval) => {}
            }
        }
    }

    /// Ends [`Engine::run`] loops (running executions continue until the engine is dropped).
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown.send(true);
    }

    /// Stops running every execution in this process at once, recording nothing (as a crash
    /// would): they resume from their last committed transitions when a worker claims them
    /// (this one through [`Engine::run`] at once, another after the lease timeout).
    pub fn halt(&self) {
        for (_, r) in self.inner.running().drain() {
            r.abort.abort();
        }
    }

    /// How many executions this process is running now.
    pub fn running(&self) -> usize {
        self.inner.running().len()
    }
}

/// Interns a name read from the store (event types and state names are few and fixed by the
/// workflows, so the set stays small).
fn intern(s: &str) -> &'static str {
    static NAMES: std::sync::OnceLock<Mutex<std::collections::HashSet<&'static str>>> =
        std::sync::OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(s) {
        return n;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Runs one stored execution from its last committed transition to its end.
async fn execute(
    inner: &Arc<Inner>,
    record: ExecutionRecord,
    history: Vec<StoredEvent>,
    progress: Vec<crate::store::Progress>,
    stop: tokio::sync::oneshot::Receiver<StopRequest>,
) {
    let Some(machine) = inner.workflows.get(&record.workflow).cloned() else {
        return;
    };
    let info = ExecutionInfo {
        id: record.id.clone(),
        name: record.name.clone(),
        input: Arc::new(record.input.clone()),
        start_time: record.start_date,
        role_arn: record.role_arn.clone(),
        state_machine_id: record.state_machine_arn.clone(),
        state_machine_name: record.workflow.clone(),
        express: false,
        redrive_count: record.redrive_count,
    };
    let events: Vec<Event> = history
        .iter()
        .map(|e| Event {
            id: e.id,
            previous_event_id: 0, // linked again by `Exec::resume`
            kind: intern(&e.kind),
            state: e.state.as_deref().map(intern),
            timestamp: e.timestamp,
            details: e.details.clone(),
        })
        .collect();
    let mut done: HashMap<String, HashMap<usize, crate::exec::Done>> = HashMap::new();
    for p in progress {
        let evs = p
            .events
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| {
                        let kind = e.get(0)?.as_str()?;
                        Some((
                            intern(kind),
                            e.get(1).and_then(Value::as_str).map(intern),
                            e.get(2).filter(|d| !d.is_null()).cloned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        done.entry(p.scope)
            .or_default()
            .insert(p.index, (p.result, evs));
    }
    let checkpoint = record.checkpoint.as_ref();
    let journal = Arc::new(Journal::new(
        Arc::clone(&inner.shared),
        record.id.clone(),
        record.secret.clone(),
        journal::Resume {
            committed: events.len(),
            seq: checkpoint.map_or(0, |c| c.seq),
            entered: checkpoint.map(|c| c.at),
            retry: checkpoint
                .and_then(|c| c.retry.as_ref())
                .and_then(crate::exec::RetryPoint::from_json),
            done,
        },
    ));
    let exec = Exec::resume(
        info,
        events,
        Arc::clone(&journal) as Arc<dyn crate::exec::Durability>,
    );
    let (state, input, vars) = match record.checkpoint {
        Some(c) => (Some(c.state), c.input, Arc::new(c.vars)),
        None => (None, record.input.clone(), Vars::default()),
    };
    let run = machine.resume(Arc::clone(&exec), state.as_deref(), input, vars);
    // The machine's TimeoutSeconds counts from the execution's start, across restarts.
    let remaining = machine
        .timeout_seconds()
        .map(|s| crate::clock::until(record.start_date + chrono::Duration::seconds(s as i64)));
    let result = match run {
        Some(run) => {
            tokio::select! {
                r = crate::exec::finish_within(&exec, remaining, run) => r,
                Ok(request) = stop => {
                    // StopExecution (EXEC-6): the state in progress is abandoned.
                    exec.record_with("ExecutionAborted", None, || {
                        crate::store::aborted_details(request.error.as_deref(), request.cause.as_deref())
                    });
                    let aborted = Err(ExecutionError::new(Status::Aborted, request.error, request.cause));
                    let _ = request.done.send(journal.close(&exec, &aborted).await);
                    return;
                }
            }
        }
        None => Err(ExecutionError::new(
            Status::Failed,
            Some(names::RUNTIME.into()),
            Some(format!(
                "The execution stopped at state '{}', which this workflow does not have.",
                state.unwrap_or_default()
            )),
        )),
    };
    if result
        .as_ref()
        .err()
        .is_some_and(|e| e.error() == Some(names::INTERRUPTED))
    {
        tracing::warn!("execution interrupted; it resumes from its last transition");
        return;
    }
    if let Err(e) = journal.close(&exec, &result).await {
        tracing::warn!(error = %e, "execution end not recorded");
    }
}
