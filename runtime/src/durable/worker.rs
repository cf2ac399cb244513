//! The worker side: running stored executions from their last committed transition,
//! claiming runnable ones, and keeping their leases (or giving them up when lost).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::api::EngineError;
use super::engine::{Engine, Inner, Shared};
use super::journal::{self, Journal};
use crate::context::ExecutionInfo;
use crate::error::{ExecutionError, Status, names};
use crate::exec::{Event, Exec, Vars};
use crate::store::{ExecutionRecord, StoreError, StoredEvent};

/// An execution this process runs.
pub(super) struct Running {
    pub(super) abort: tokio::task::AbortHandle,
    /// Asks it to stop: it records `ExecutionAborted` after the events it has so far.
    pub(super) stop: Option<tokio::sync::oneshot::Sender<StopRequest>>,
    /// Claimed again while this run was still ending (it went to rest and was made due at
    /// once: its token was answered): it runs again once this run is gone.
    pub(super) again: Arc<std::sync::atomic::AtomicBool>,
}

/// A StopExecution for an execution running here.
pub(super) struct StopRequest {
    pub(super) error: Option<String>,
    pub(super) cause: Option<String>,
    pub(super) done: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

/// Keeps this worker's leases alive; aborts executions whose lease another worker took.
pub(super) async fn renew_leases(inner: Weak<Inner>) {
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
        let renewed = inner
            .shared
            .store
            .renew(&inner.shared.worker, &ids, until)
            .await;
        match renewed {
            Err(e) => {
                // The executions' commits fail too meanwhile; the leases run on until
                // they expire, when other workers may take them (fenced: see `Commit`).
                tracing::warn!(error = %e.detail(), "renewing leases failed");
            }
            Ok(held) => {
                let held: std::collections::HashSet<String> = held.into_iter().collect();
                let mut running = inner.running();
                for id in ids.iter().filter(|id| !held.contains(id.as_str())) {
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
}

/// When a lease taken now expires.
pub(super) fn lease_until(inner: &Inner) -> DateTime<Utc> {
    crate::clock::now() + chrono::Duration::from_std(inner.lease_timeout).unwrap_or_default()
}

impl Engine {
    /// Runs a stored execution in this process.
    pub(super) fn spawn(
        &self,
        record: ExecutionRecord,
        history: Vec<StoredEvent>,
        progress: Vec<crate::store::Progress>,
    ) {
        let id = record.id.clone();
        self.spawn_loaded(id, Some((record, history, progress)));
    }

    /// Runs an execution this worker has just claimed. It is counted as running (so its
    /// lease is renewed, and no second claim in this process runs it too) before its record
    /// and history are read, and it is read afresh then: a claim that waited behind others
    /// neither loses its lease nor starts from a stale record.
    pub(super) fn spawn_claimed(&self, id: String) {
        self.spawn_loaded(id, None);
    }

    fn spawn_loaded(
        &self,
        id: String,
        loaded: Option<(
            ExecutionRecord,
            Vec<StoredEvent>,
            Vec<crate::store::Progress>,
        )>,
    ) {
        let inner = Arc::clone(&self.inner);
        let mut running = self.inner.running();
        if let Some(r) = running.get(&id) {
            // A claim (the lease is this worker's again) while the run here ends: dropped,
            // the execution would wait for its lease to expire.
            if loaded.is_none() {
                r.again.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            return;
        }
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let key = id.clone();
        let again = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let claimed_again = Arc::clone(&again);
        // `finish_within` opens the execution's span; the claim is logged inside it.
        let task = tokio::spawn(async move {
            let loaded = match loaded {
                Some(l) => Some(l),
                None => load(&inner, &key).await,
            };
            let take_back = match loaded {
                Some((record, history, progress)) => {
                    execute(&inner, record, history, progress, stop_rx).await
                }
                None => false,
            };
            inner.running().remove(&key);
            if claimed_again.load(std::sync::atomic::Ordering::SeqCst) {
                Engine {
                    inner: Arc::clone(&inner),
                }
                .spawn_claimed(key.clone());
            } else if take_back {
                // Still leased to this worker, and no longer listed as running here: its
                // next claim takes it back (after the pause interruptions set).
                inner
                    .interruptions
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                inner
                    .reclaim_own
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
            inner.closed.notify_waiters();
            // A Map waiting for this child hears of its end at once.
            inner.shared.children.wake(&key);
        });
        running.insert(
            id,
            Running {
                abort: task.abort_handle(),
                stop: Some(stop_tx),
                again,
            },
        );
    }

    pub(super) async fn resume(&self, id: &str) -> Result<(), EngineError> {
        let store = &self.inner.shared.store;
        let (record, history, progress) =
            futures_util::future::try_join3(store.get(id), store.history(id), store.progress(id))
                .await?;
        let record = record.ok_or_else(|| EngineError::ExecutionDoesNotExist(id.to_string()))?;
        self.spawn(record, history, progress);
        Ok(())
    }

    /// Works as a worker until [`Engine::shutdown`]: claims every runnable execution of the
    /// registered workflows in the store (new, crashed, redriven elsewhere, or whose worker's
    /// lease expired, or at rest and due) and runs it, and fires the schedules of those
    /// workflows ([`Engine::run_schedules`]). A store that fails (a database restarting or
    /// failing over, a dropped connection) is tried again with backoff, logged as a warning:
    /// the loop rides it out, and the executions it interrupted resume from their last
    /// transitions once the store answers. Returns `Ok` after [`Engine::shutdown`].
    pub async fn run(&self) -> Result<(), EngineError> {
        use std::sync::atomic::Ordering;
        let _schedules = self.spawn_schedule_runner();
        let _answers = self.forward_answers();
        let mut shutdown = self.inner.shutdown.subscribe();
        let workflows: Vec<String> = self.inner.workflows.keys().cloned().collect();
        // While this loop runs, long Waits may put executions at rest: it wakes them.
        let _worker = WorkerLoop::enter(&self.inner.shared);
        // While the store fails: the wait before the next try.
        let mut outage: Option<Duration> = None;
        // Interrupted executions are taken back after a pause that doubles while
        // interruptions go on (a store failing every commit, a full disk, would otherwise
        // re-run their handlers in a tight loop), and is forgotten once they stop.
        let (mut seen, mut pause) = (0u64, None::<Duration>);
        let mut reclaim_at = tokio::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            // Holding its most: claim again when an execution here ends or rests.
            let room = self.room();
            if room == 0 {
                let closed = self.inner.closed.notified();
                tokio::pin!(closed);
                closed.as_mut().enable();
                if self.room() == 0 {
                    tokio::select! {
                        _ = shutdown.changed() => {}
                        _ = closed => {}
                        _ = tokio::time::sleep(self.inner.shared.poll_interval) => {}
                    }
                }
                continue;
            }
            let interrupted = self.inner.interruptions.load(Ordering::SeqCst);
            let now = tokio::time::Instant::now();
            if interrupted != seen {
                seen = interrupted;
                let p = pause.map_or(MIN_BACKOFF, |p| (p * 2).min(MAX_BACKOFF));
                pause = Some(p);
                reclaim_at = now + p;
            } else if pause.is_some_and(|p| now >= reclaim_at + p * 2) {
                pause = None;
            }
            // Executions leased to this worker but not running here (after a restart or an
            // interruption) are looked for only then: the usual claim costs the same however
            // many executions this worker holds.
            let own = (now >= reclaim_at && self.inner.reclaim_own.swap(false, Ordering::SeqCst))
                .then(|| self.inner.running().keys().cloned().collect::<Vec<_>>());
            // Enabled before the claim: an execution made due while it runs is not missed.
            let due = self.inner.shared.due.notified();
            tokio::pin!(due);
            due.as_mut().enable();
            let now = crate::clock::now();
            let claimed = self
                .inner
                .shared
                .store
                .claim(
                    &self.inner.shared.worker,
                    &workflows,
                    own.as_deref(),
                    now,
                    lease_until(&self.inner),
                    CLAIM_BATCH.min(room),
                )
                .await;
            let claimed = match claimed {
                Ok(c) => {
                    if outage.take().is_some() {
                        tracing::info!("store reachable again; claiming resumes");
                    }
                    c
                }
                Err(e) => {
                    // The store is down, restarting or failing over: wait and try again
                    // (executions interrupted meanwhile are taken back then).
                    if own.is_some() {
                        self.inner.reclaim_own.store(true, Ordering::SeqCst);
                    }
                    let backoff = outage.map_or(MIN_BACKOFF, |b| (b * 2).min(MAX_BACKOFF));
                    tracing::warn!(
                        error = %e.detail(),
                        retry_in_ms = backoff.as_millis() as u64,
                        "claiming failed; the store may be unavailable"
                    );
                    outage = Some(backoff);
                    tokio::select! {
                        _ = shutdown.changed() => {}
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    continue;
                }
            };
            let full = claimed.len() >= CLAIM_BATCH.min(room);
            for r in claimed {
                tracing::debug!(execution = %r.id, "claimed");
                self.spawn_claimed(r.id);
            }
            if full {
                // More are waiting: claim the next batch at once.
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = due => {}
                _ = tokio::time::sleep(self.inner.shared.poll_interval) => {}
            }
        }
    }

    /// Wakes the task here waiting on a token, or else this loop, whenever the store reports
    /// the token answered in any process ([`Store::answers`](crate::store::Store::answers)):
    /// an execution that rests on it is claimed at once, not at the next poll.
    fn forward_answers(&self) -> Option<super::schedule::Runner> {
        use tokio::sync::broadcast::error::RecvError;
        let mut answers = self.inner.shared.store.answers()?;
        let shared = std::sync::Arc::clone(&self.inner.shared);
        Some(super::schedule::Runner(tokio::spawn(async move {
            loop {
                match answers.recv().await {
                    Ok(crate::store::Answered::Token(token)) => {
                        if !shared.tokens.wake(&token) {
                            shared.due.notify_waiters();
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {
                        shared.tokens.wake_all();
                        shared.due.notify_waiters();
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        })))
    }

    /// How many more executions the worker loop may hold in memory.
    fn room(&self) -> usize {
        self.inner
            .max_running
            .saturating_sub(self.inner.running().len())
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
        self.inner
            .reclaim_own
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many executions this process is running now.
    pub fn running(&self) -> usize {
        self.inner.running().len()
    }
}

/// The most executions one claim takes.
const CLAIM_BATCH: usize = 256;

/// The first and the longest wait before a worker tries a failing store again.
const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Counts a running worker loop in [`Shared::workers`] while it lives.
struct WorkerLoop<'a>(&'a Shared);

impl<'a> WorkerLoop<'a> {
    fn enter(shared: &'a Shared) -> WorkerLoop<'a> {
        shared
            .workers
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        WorkerLoop(shared)
    }
}

impl Drop for WorkerLoop<'_> {
    fn drop(&mut self) {
        self.0
            .workers
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A claimed execution's record, history and progress, read when it starts here; `None`
/// when it is no longer running (it ended meanwhile) or cannot be read (logged; its lease
/// lapses and a worker claims it again).
async fn load(
    inner: &Arc<Inner>,
    id: &str,
) -> Option<(
    ExecutionRecord,
    Vec<StoredEvent>,
    Vec<crate::store::Progress>,
)> {
    let store = &inner.shared.store;
    // Three reads at once (a store serves them side by side): one round trip's wait, not
    // three. The lease keeps them consistent: no other worker writes this execution.
    let read =
        futures_util::future::try_join3(store.get(id), store.history(id), store.progress(id))
            .await
            .map(|(record, history, progress)| record.map(|r| (r, history, progress)));
    match read {
        Ok(Some(loaded)) if loaded.0.status == Status::Running => Some(loaded),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(execution = %id, error = %e.detail(), "reading a claimed execution failed");
            None
        }
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

/// Runs one stored execution from its last committed transition to its end; `true` when it
/// was interrupted (or its end could not be recorded) and is still leased here, for this
/// worker to take back.
async fn execute(
    inner: &Arc<Inner>,
    record: ExecutionRecord,
    history: Vec<StoredEvent>,
    progress: Vec<crate::store::Progress>,
    stop: tokio::sync::oneshot::Receiver<StopRequest>,
) -> bool {
    // The execution's mock (if any) goes when it ends, however it ends (stopped through the
    // store, its task aborted, its workflow unknown), except when it is interrupted: it
    // resumes here with its mock.
    let mut mock_guard = MockGuard {
        inner,
        id: &record.id,
        keep: false,
    };
    let Some(machine) = inner.workflows.get(&record.workflow).cloned() else {
        return false;
    };
    let mut info = ExecutionInfo::stored(
        record.id.clone(),
        record.name.clone(),
        &record.state_machine_arn,
        // A Map Run's child runs `<machine>/<label>` (its ARN's last part).
        match &record.map_run {
            Some(_) => record
                .state_machine_arn
                .rsplit(":stateMachine:")
                .next()
                .unwrap_or(&record.workflow)
                .to_string(),
            None => record.workflow.clone(),
        },
        record.role_arn.clone(),
        Arc::new(record.input.clone()),
        record.start_date,
        record.redrive_count,
    );
    // A mock test case started here (`StartOptions::mock`); none when resumed elsewhere.
    info.mock = inner.mocks().get(&record.id).cloned();
    // Events the resumed state published while it ran are recorded again when it runs
    // again (with the same ids): the next commit replaces them.
    // Before its first transition is committed (since its start or its last redrive) an
    // execution is in its first state, and every event after that start was published by
    // that state (no commit makes them final).
    let run_start = history
        .iter()
        .rev()
        .find(|e| e.kind == "ExecutionStarted" || e.kind == "ExecutionRedriven")
        .map(|e| e.id);
    let first_state_from = run_start
        .filter(|_| record.checkpoint.is_none())
        .map(|id| id + 1)
        .filter(|from| history.iter().any(|e| e.id == *from));
    let truncate_from = match &record.checkpoint {
        Some(c) => c.provisional,
        None => first_state_from,
    };
    let republished = history
        .iter()
        .filter(|e| truncate_from.is_some_and(|from| e.id >= from))
        .map(|e| journal::Republished {
            id: e.id,
            kind: e.kind.clone(),
            state: e.state.clone(),
            at: e.timestamp,
        })
        .collect();
    let events: Vec<Event> = history
        .iter()
        .filter(|e| truncate_from.is_none_or(|from| e.id < from))
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
    // The machine's TimeoutSeconds counts from the execution's start, across restarts.
    let timeout_at = machine
        .timeout_seconds()
        .map(|s| record.start_date + chrono::Duration::seconds(s as i64));
    let journal = Arc::new(Journal::new(
        Arc::clone(&inner.shared),
        record.id.clone(),
        record.secret.clone(),
        journal::Resume {
            committed: events.len(),
            seq: checkpoint.map_or(0, |c| c.seq),
            // Resumed in its first state: entered when its entered event says.
            entered: checkpoint.map(|c| c.at).or_else(|| {
                first_state_from
                    .and_then(|from| history.iter().find(|e| e.id == from))
                    .map(|e| e.timestamp)
            }),
            retry: checkpoint
                .and_then(|c| c.retry.as_ref())
                .and_then(crate::exec::RetryPoint::from_json),
            done,
            truncate_from,
            timeout_at,
            republished,
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
    let remaining = timeout_at.map(crate::clock::until);
    let result = match run {
        Some(run) => {
            let mut run = Box::pin(crate::exec::finish_within(&exec, remaining, run));
            let ended = tokio::select! {
                r = &mut run => Ok(r),
                Ok(request) = stop => Err(request),
            };
            match ended {
                Ok(r) => r,
                Err(request) => {
                    // StopExecution (EXEC-6): the state in progress is abandoned first (a Map
                    // Run it ran records `MapRunAborted`).
                    drop(run);
                    exec.record_with("ExecutionAborted", None, || {
                        crate::store::aborted_details(
                            request.error.as_deref(),
                            request.cause.as_deref(),
                        )
                    });
                    let aborted = Err(ExecutionError::new(
                        Status::Aborted,
                        request.error,
                        request.cause,
                    ));
                    let _ = request.done.send(journal.close(&exec, &aborted).await);
                    return false;
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
    if let Err(e) = &result
        && e.is_interrupted()
    {
        // Its mock stays: the execution resumes here (unless another process claims it).
        mock_guard.keep = true;
        if journal.at_rest() {
            tracing::debug!(cause = e.cause().unwrap_or_default(), "execution at rest");
            return false;
        }
        tracing::warn!(
            cause = e.cause().unwrap_or_default(),
            "execution interrupted; it resumes from its last transition"
        );
        return true;
    }
    if let Err(e) = journal.close(&exec, &result).await {
        tracing::warn!(error = %e, "execution end not recorded");
        if !matches!(e, StoreError::LeaseLost(_)) {
            // Still leased here: taken back, it ends again.
            mock_guard.keep = true;
            return true;
        }
    }
    false
}

/// Removes an execution's mock from the engine's registry when dropped, unless kept.
struct MockGuard<'a> {
    inner: &'a Arc<Inner>,
    id: &'a str,
    keep: bool,
}

impl Drop for MockGuard<'_> {
    fn drop(&mut self) {
        if !self.keep {
            self.inner.mocks().remove(self.id);
        }
    }
}
