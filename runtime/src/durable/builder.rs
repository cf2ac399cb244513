//! [`EngineBuilder`]: an engine's store, workflows and tuning, gathered before it starts.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Machine;
use super::engine::{Engine, Inner, Shared};
use super::waits::Polled;
use super::worker::renew_leases;
use crate::context::RunOptions;
use crate::store::Store;

/// Configures an [`Engine`].
pub struct EngineBuilder {
    store: Option<Arc<dyn Store>>,
    workflows: HashMap<String, Arc<dyn Machine>>,
    types: HashMap<String, super::WorkflowType>,
    lease_timeout: Duration,
    poll_interval: Duration,
    history_quota: usize,
    worker: Option<String>,
    identity: RunOptions,
    runs_started: bool,
    schedule_poll: Duration,
    rest_after: Option<Duration>,
    max_running: usize,
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
            types: HashMap::new(),
            lease_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(200),
            history_quota: 25_000,
            worker: None,
            rest_after: Some(Duration::from_secs(10)),
            max_running: 10_000,
            identity: RunOptions::default(),
            runs_started: true,
            schedule_poll: Duration::from_secs(10),
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
        let name = name.into();
        let machine: Arc<dyn Machine> = Arc::new(machine);
        // Its top-level Distributed Maps' processors run child executions (MAP-17).
        for scope in machine.child_scopes() {
            self.workflows.insert(
                format!("{name}#{scope}"),
                Arc::new(super::map_run::ChildMachine {
                    parent: Arc::clone(&machine),
                    scope,
                }),
            );
        }
        self.types.remove(&name);
        self.workflows.insert(name, machine);
        self
    }

    /// Registers an `EXPRESS` workflow under `name` (EXEC-2): `start` runs its executions in
    /// memory without a stored history, and only it can be run by `start_sync`
    /// (StartSyncExecution).
    pub fn express_workflow(self, name: impl Into<String>, machine: impl Machine) -> Self {
        let name = name.into();
        let mut this = self.workflow(name.clone(), machine);
        this.types.insert(name, super::WorkflowType::Express);
        this
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

    /// Waits with at least this long left put their execution at rest (default 10 s):
    /// its state is in the store, not in memory, and a worker ([`Engine::run`], here or in
    /// another process) resumes it in the Wait when it is due, within a poll interval. A
    /// top-level callback task (`.waitForTaskToken`) whose token is not answered this long
    /// after it was handed out rests too, until the answer (at once) or its heartbeat or
    /// timeout deadline. Only while a worker loop runs in this process; `None` keeps every
    /// execution in memory.
    pub fn rest_after(mut self, after: Option<Duration>) -> Self {
        self.rest_after = after;
        self
    }

    /// The most executions [`Engine::run`] holds in memory at once (default 10,000): it
    /// claims no more until some end or rest. Executions started here (with
    /// [`EngineBuilder::run_started`]) and the Map Run children this process's Maps wait for
    /// count toward it but are run whatever the count. Executions whose handlers start
    /// children on this engine ([`crate::TaskContext::engine`]) and wait for them can fill
    /// every slot of a worker that only claims: leave room for the children, or run more
    /// workers.
    pub fn max_running(mut self, n: usize) -> Self {
        self.max_running = n.max(1);
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

    /// How often the schedule runner looks at the store for schedules that other processes
    /// created, paused or resumed (default 10 s; its own it sees at once).
    pub fn schedule_poll_interval(mut self, d: Duration) -> Self {
        self.schedule_poll = d.max(Duration::from_millis(10));
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
                tokens: Default::default(),
                children: Default::default(),
                due: tokio::sync::Notify::new(),
                poll_interval: self.poll_interval,
                history_quota: self.history_quota,
                rest_after: self.rest_after,
                workers: std::sync::atomic::AtomicUsize::new(0),
                engine: std::sync::OnceLock::new(),
            }),
            workflows: self.workflows,
            types: self.types,
            created: crate::clock::now(),

            lease_timeout: self.lease_timeout,
            max_running: self.max_running,
            identity: self.identity,
            runs_started: self.runs_started,
            running: Mutex::new(HashMap::new()),
            reclaim_own: std::sync::atomic::AtomicBool::new(true),
            interruptions: std::sync::atomic::AtomicU64::new(0),
            closed: tokio::sync::Notify::new(),
            express: Mutex::new(HashMap::new()),
            express_done: Mutex::new(std::collections::VecDeque::new()),
            claiming_children: std::sync::atomic::AtomicBool::new(false),
            schedule_wake: tokio::sync::Notify::new(),
            schedule_poll: self.schedule_poll,
            mocks: Mutex::new(HashMap::new()),
            shutdown,
        });
        // Set once, right after the engine exists: a fresh `OnceLock` cannot be full.
        let _ = inner.shared.engine.set(Arc::downgrade(&inner));
        tokio::spawn(renew_leases(Arc::downgrade(&inner)));
        for polled in [Polled::Tokens, Polled::Children] {
            tokio::spawn(super::waits::poll(Arc::downgrade(&inner.shared), polled));
        }
        Ok(Engine { inner })
    }
}
