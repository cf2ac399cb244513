//! [`Engine`] and its client API (StartExecution, DescribeExecution, StopExecution, …): what
//! any process sharing the store can ask of executions, wherever they run.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::api::{
    Description, EngineError, ExecutionId, ExecutionList, HistoryEvent, ListFilter, StartOptions,
    validate_name,
};
use super::machine::Machine;
use super::worker::{Running, StopRequest, lease_until};
use crate::context::{ExecutionInfo, RunOptions};
use crate::error::{ExecutionError, Status};
use crate::exec::Event;
use crate::store::{
    Created, EventRange, EventsPage, ExecutionRecord, Store, StoredEvent, TokenState, TokenUpdate,
};

/// What every execution of one engine shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) worker: String,
    /// Wakes the callback task waiting in this process on a token when it changes.
    pub(crate) tokens: super::waits::Waits,
    /// Wakes the Map waiting in this process on a child execution when it ends.
    pub(crate) children: super::waits::Waits,
    /// Wakes the claim loops of this process when an execution at rest became due early (its
    /// callback token was answered here).
    pub(crate) due: tokio::sync::Notify,
    /// How often waiters look at the store for changes made by other processes.
    pub(crate) poll_interval: Duration,
    /// The history quota (25,000 on AWS).
    pub(crate) history_quota: usize,
    /// Waits with at least this long left put their execution at rest (`None`: never).
    pub(crate) rest_after: Option<Duration>,
    /// How many worker loops ([`Engine::run`]) run in this process: an execution is put at
    /// rest only when one will claim it again.
    pub(crate) workers: std::sync::atomic::AtomicUsize,
    /// The engine, for tasks that start other executions on it (weak: the engine owns this).
    pub(super) engine: std::sync::OnceLock<std::sync::Weak<Inner>>,
}

pub(super) struct Inner {
    pub(super) shared: Arc<Shared>,
    pub(super) workflows: HashMap<String, Arc<dyn Machine>>,
    /// Workflows registered as `EXPRESS` (the others are `STANDARD`).
    pub(super) types: HashMap<String, super::WorkflowType>,
    /// When the engine was built: its workflows' `creationDate`.
    pub(super) created: DateTime<Utc>,

    pub(super) lease_timeout: Duration,
    /// The most executions the worker loop holds in memory ([`super::EngineBuilder::max_running`]).
    pub(super) max_running: usize,
    pub(super) identity: RunOptions,
    /// Whether `start` runs the executions it starts (or leaves them to workers).
    pub(super) runs_started: bool,
    /// Executions this process runs.
    pub(super) running: Mutex<HashMap<String, Running>>,
    /// The next claim also takes back executions leased to this worker that it does not
    /// run (set at start, after [`Engine::halt`] and when an execution is interrupted).
    pub(super) reclaim_own: std::sync::atomic::AtomicBool,
    /// Executions interrupted here so far (their store failed a commit).
    pub(super) interruptions: std::sync::atomic::AtomicU64,
    /// Signalled when an execution this process runs ends.
    pub(super) closed: tokio::sync::Notify,
    /// Express executions' outcomes: those running and the last [`KEEP_EXPRESS`] finished.
    pub(super) express: Mutex<HashMap<String, ExpressRun>>,
    /// Finished Express executions, oldest first (evicted beyond [`KEEP_EXPRESS`]).
    pub(super) express_done: Mutex<std::collections::VecDeque<String>>,
    pub(super) shutdown: tokio::sync::watch::Sender<bool>,
    /// This process claims Map Run children while its Maps wait for them.
    pub(super) claiming_children: std::sync::atomic::AtomicBool,
    /// Wakes the schedule runner when this engine creates or resumes a schedule.
    pub(super) schedule_wake: tokio::sync::Notify,
    /// How often the schedule runner looks for schedules other processes changed.
    pub(super) schedule_poll: Duration,
    /// The mocks of standard executions started here with [`StartOptions::mock`], by
    /// execution id, until they end (in memory: see there).
    pub(super) mocks: Mutex<HashMap<String, Arc<dyn crate::TaskMock>>>,
}

#[derive(Clone)]
pub(super) struct ExpressRun {
    info: Arc<ExecutionInfo>,
    workflow: String,
    outcome: Option<Result<Value, ExecutionError>>,
    history: Vec<Event>,
    stop_date: Option<DateTime<Utc>>,
}

/// How many finished Express executions `describe`, `wait` and `history` still know: they are
/// not stored, and a server starting thousands per second must not keep them all.
pub(super) const KEEP_EXPRESS: usize = 1000;

/// Runs workflows durably: see the [module docs](super).
#[derive(Clone)]
pub struct Engine {
    pub(super) inner: Arc<Inner>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("worker", &self.inner.shared.worker)
            .finish_non_exhaustive()
    }
}

impl Inner {
    pub(super) fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn express(&self) -> std::sync::MutexGuard<'_, HashMap<String, ExpressRun>> {
        self.express.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn mocks(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Arc<dyn crate::TaskMock>>> {
        self.mocks.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Engine {
    /// This worker's id.
    pub fn worker_id(&self) -> &str {
        &self.inner.shared.worker
    }

    pub(super) fn machine(&self, workflow: &str) -> Result<&Arc<dyn Machine>, EngineError> {
        self.inner
            .workflows
            .get(workflow)
            // `<workflow>#<Map state>` runs only Map Run children.
            .filter(|_| !workflow.contains('#'))
            .ok_or_else(|| EngineError::StateMachineDoesNotExist(self.machine_arn(workflow)))
    }

    /// Whether this process is running execution `id` right now: false once it has ended, or
    /// was halted, or its lease went to another worker. A task cancelled while its execution
    /// still runs here was cancelled by the execution itself (a state timeout, a stop).
    pub fn runs_here(&self, id: &ExecutionId) -> bool {
        self.inner.running().contains_key(id.as_str())
    }

    pub(super) fn machine_arn(&self, workflow: &str) -> String {
        let o = &self.inner.identity;
        format!(
            "arn:{}:states:{}:{}:stateMachine:{workflow}",
            o.partition, o.region, o.account
        )
    }

    /// Starts an execution of `workflow` (StartExecution). Standard executions are committed
    /// to the store, then run by this process; Express ones (of a workflow registered with
    /// [`express_workflow`](super::EngineBuilder::express_workflow), or asked for with
    /// [`StartOptions::express`]) run in memory.
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
        let express =
            options.express || self.workflow_type(workflow) == super::WorkflowType::Express;
        run.express = express;
        run.mock = options.mock.clone();
        let info = ExecutionInfo::new(&run, workflow, Some(Arc::new(input.clone())));
        if express {
            return Ok(self.start_express(machine, workflow, input, run, info));
        }
        let record = ExecutionRecord {
            id: info.id().to_string(),
            workflow: workflow.to_string(),
            name: info.name().to_string(),
            state_machine_arn: info.state_machine_id().to_string(),
            role_arn: info.role_arn().to_string(),
            status: Status::Running,
            input: input.clone(),
            output: None,
            error: None,
            cause: None,
            start_date: info.start_time(),
            stop_date: None,
            redrive_count: 0,
            redrive_date: None,
            checkpoint: None,
            map_run: None,
            map_items: 0,
            secret: format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
        };
        let id = ExecutionId(record.id.clone());
        // Known before the record exists (this process may claim it at once); put back as it
        // was when the record is not created.
        let previous = options
            .mock
            .as_ref()
            .map(|m| self.inner.mocks().insert(record.id.clone(), Arc::clone(m)));
        let restore = |previous: Option<Option<Arc<dyn crate::TaskMock>>>| {
            let mut mocks = self.inner.mocks();
            match previous {
                Some(Some(p)) => {
                    mocks.insert(record.id.clone(), p);
                }
                Some(None) => {
                    mocks.remove(&record.id);
                }
                None => {}
            }
        };
        let until = lease_until(&self.inner);
        let created = self
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
            .await;
        let created = match created {
            Ok(c) => c,
            Err(e) => {
                restore(previous);
                return Err(e.into());
            }
        };
        match created {
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
                // Not this call's execution: it keeps the mock it was started with, if any.
                restore(previous);
                // EXEC-3: the same name and input while it runs is the same execution.
                if existing.status == Status::Running && existing.input == input {
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
        let id = info.id().to_string();
        let mut options = run;
        options.name = Some(info.name().to_string());
        options.execution_arn = Some(id.clone());
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
            let evicted = {
                let mut done = inner.express_done.lock().unwrap_or_else(|e| e.into_inner());
                done.push_back(key);
                if done.len() > KEEP_EXPRESS {
                    done.pop_front()
                } else {
                    None
                }
            };
            if let Some(old) = evicted {
                inner.express().remove(&old);
            }
            inner.closed.notify_waiters();
        });
        ExecutionId(id)
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
                    let cause = match &e {
                        EngineError::Store(s) => s.detail(),
                        _ => e.to_string(),
                    };
                    return Err(ExecutionError::new(
                        Status::Failed,
                        Some(e.name().to_string()),
                        Some(cause),
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
                None => (Status::Running, None, None, None),
                Some(Ok(v)) => (Status::Succeeded, Some(v.clone()), None, None),
                Some(Err(err)) => (
                    err.status(),
                    None,
                    err.error().map(str::to_string),
                    err.cause().map(str::to_string),
                ),
            };
            return Ok(Description {
                execution_id: id.clone(),
                workflow: e.workflow.clone(),
                name: e.info.name().to_string(),
                state_machine_arn: e.info.state_machine_id().to_string(),
                status,
                input: e.info.input().clone(),
                output,
                error,
                cause,
                start_date: e.info.start_time(),
                stop_date: e.stop_date,
                redrive_count: 0,
                redrive_date: None,
                map_run_arn: None,
                redrive_status: super::RedriveStatus::NotRedrivable,
                redrive_status_reason: None,
            });
        }
        match self.inner.shared.store.get(id.as_str()).await? {
            Some(r) => Ok(Description::of(r)),
            None => Err(EngineError::ExecutionDoesNotExist(id.to_string())),
        }
    }

    /// An execution's history events (GetExecutionHistory). Express executions keep theirs
    /// in memory only while this engine lives, and only the last 1,000 finished ones.
    pub async fn history(&self, id: &ExecutionId) -> Result<Vec<HistoryEvent>, EngineError> {
        let events = match self.express_history(id) {
            Some(events) => events,
            None => {
                if self.inner.shared.store.get(id.as_str()).await?.is_none() {
                    return Err(EngineError::ExecutionDoesNotExist(id.to_string()));
                }
                self.inner.shared.store.history(id.as_str()).await?
            }
        };
        let mut links = crate::history::Linker::default();
        Ok(events.into_iter().map(|e| linked(&mut links, e)).collect())
    }

    /// A page of an execution's history (GetExecutionHistory's `maxResults`, `nextToken`
    /// and `reverseOrder`), and the id to pass as [`HistoryPage::after`] for the next page
    /// when more follow. Only the page's events are read with their details, so a page
    /// costs about the same in a history of 25,000 events as in one of 1,000.
    pub async fn history_page(
        &self,
        id: &ExecutionId,
        page: &HistoryPage,
    ) -> Result<(Vec<HistoryEvent>, Option<u64>), EngineError> {
        let range = EventRange {
            after: page.after,
            limit: page.size,
            reverse: page.reverse,
        };
        let found = match self.express_history(id) {
            Some(events) => EventsPage::of(events, range),
            None => {
                let found = self.inner.shared.store.history_page(id.as_str(), range);
                let record = self.inner.shared.store.get(id.as_str());
                let (found, record) = tokio::join!(found, record);
                if record?.is_none() {
                    return Err(EngineError::ExecutionDoesNotExist(id.to_string()));
                }
                found?
            }
        };
        // Links come from every event before the page, in id order.
        let mut links = found.earlier;
        let mut events = found.events;
        if page.reverse {
            events.reverse();
        }
        let mut events: Vec<HistoryEvent> =
            events.into_iter().map(|e| linked(&mut links, e)).collect();
        if page.reverse {
            events.reverse();
        }
        let next = if found.more {
            events.last().map(|e| e.id)
        } else {
            None
        };
        Ok((events, next))
    }

    /// The history of an Express execution this engine keeps, if `id` is one.
    fn express_history(&self, id: &ExecutionId) -> Option<Vec<StoredEvent>> {
        self.inner.express().get(id.as_str()).map(|e| {
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
        })
    }

    /// Stops a running execution (StopExecution, EXEC-6): `ABORTED` with the given error and
    /// cause, `ExecutionAborted` in its history. Returns the stop date.
    pub async fn stop(
        &self,
        id: &ExecutionId,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Result<DateTime<Utc>, EngineError> {
        let at = self.stop_one(id, error, cause).await?;
        // Its Map Runs and their children stop with it (MAP-17).
        Box::pin(self.stop_map_children(id.as_str())).await?;
        Ok(at)
    }

    async fn stop_one(
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
                self.inner.shared.tokens.wake_all();
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
        self.inner.shared.tokens.wake_all();
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
        // Past AWS's redrivable period (14 days after it ended), or a Map Run's child.
        if let Some(r) = self.inner.shared.store.get(id.as_str()).await?
            && !matches!(r.status, Status::Running | Status::Succeeded)
        {
            let d = Description::of(r);
            if d.redrive_status != super::RedriveStatus::Redrivable {
                return Err(EngineError::ExecutionNotRedrivable(
                    d.redrive_status_reason.unwrap_or_else(|| {
                        "Execution is a child of a Map Run: redrive its parent".into()
                    }),
                ));
            }
        }
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
        if matches!(before.status, Status::Running | Status::Succeeded) {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution is {} and cannot be redriven",
                before.status
            )));
        }
        self.resume(id.as_str()).await?;
        Ok(at)
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
        let answered = matches!(state, TokenState::Succeeded(_) | TokenState::Failed(..));
        match self
            .inner
            .shared
            .store
            .update_token(token, state, crate::clock::now())
            .await?
        {
            TokenUpdate::Updated => {
                // A task here waits on it: it reads the answer (and, were it just resting,
                // finds it answered once at rest and wakes the claim loops itself). Else the
                // execution may be at rest, due now: the claim loops look.
                let waited_here = self.inner.shared.tokens.wake(token);
                if answered && !waited_here {
                    self.inner.shared.due.notify_waiters();
                }
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
        self.list_page(Some(workflow), None, filter).await
    }

    /// The child executions of a Map Run, newest first (ListExecutions with `mapRunArn`):
    /// filter by status, page with `max_results` and `next_token`.
    pub async fn list_map_run_executions(
        &self,
        map_run: &str,
        filter: ListFilter,
    ) -> Result<ExecutionList, EngineError> {
        let store = &self.inner.shared.store;
        if store.map_run(map_run).await?.is_none() {
            return Err(EngineError::ResourceNotFound(map_run.to_string()));
        }
        self.list_page(None, Some(map_run), filter).await
    }

    /// How many stored executions of `workflow` there are by status (statuses without any
    /// left out). Express executions are not stored and not counted.
    pub async fn execution_counts(
        &self,
        workflow: &str,
    ) -> Result<std::collections::BTreeMap<Status, u64>, EngineError> {
        self.machine(workflow)?;
        Ok(self.inner.shared.store.execution_counts(workflow).await?)
    }

    /// The callback task tokens of execution `id` still waiting for
    /// [`send_task_success`](Self::send_task_success) or
    /// [`send_task_failure`](Self::send_task_failure): each with the state waiting for it.
    pub async fn waiting_tokens(
        &self,
        id: &ExecutionId,
    ) -> Result<Vec<crate::store::WaitingToken>, EngineError> {
        let store = &self.inner.shared.store;
        if self.inner.express().contains_key(id.as_str()) {
            return Ok(Vec::new());
        }
        if store.get(id.as_str()).await?.is_none() {
            return Err(EngineError::ExecutionDoesNotExist(id.to_string()));
        }
        Ok(store.waiting_tokens(id.as_str()).await?)
    }

    /// One page of stored executions, newest first (100 by default, at most 1,000).
    async fn list_page(
        &self,
        workflow: Option<&str>,
        map_run: Option<&str>,
        filter: ListFilter,
    ) -> Result<ExecutionList, EngineError> {
        let limit = match filter.max_results {
            0 => 100,
            n => n.min(1000),
        };
        let page = self
            .inner
            .shared
            .store
            .list(
                workflow,
                filter.status,
                filter.redrive.map(|r| r == super::RedriveFilter::Redriven),
                map_run,
                filter.name_contains.as_deref().filter(|n| !n.is_empty()),
                limit,
                filter.next_token.as_deref(),
            )
            .await?;
        Ok(ExecutionList {
            executions: page.executions.into_iter().map(Description::of).collect(),
            next_token: page.next_token,
        })
    }
}

/// Which events [`Engine::history_page`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPage {
    /// The id of the last event of the previous page (none: the first page).
    pub after: Option<u64>,
    /// The most events (GetExecutionHistory's `maxResults`; AWS's default is 100).
    pub size: usize,
    /// Newest first.
    pub reverse: bool,
}

impl Default for HistoryPage {
    fn default() -> Self {
        HistoryPage {
            after: None,
            size: 100,
            reverse: false,
        }
    }
}

/// `e` as a history event, linked to its predecessor (events given to `links` in id order).
fn linked(links: &mut crate::history::Linker, e: StoredEvent) -> HistoryEvent {
    HistoryEvent {
        previous_event_id: links.link(e.id, &e.kind),
        id: e.id,
        timestamp: e.timestamp,
        kind: e.kind,
        state: e.state,
        details: e.details,
    }
}
