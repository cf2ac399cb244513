//! One durable execution's link to its store: commits transitions, iteration and branch
//! results and the end; registers and waits for callback task tokens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::Digest as _;

use super::engine::Shared;
use crate::error::{ExecutionError, Failure, Status, names};
use crate::exec::{BoxFuture, Done, Durability, Event, Exec, RestOnToken, RetryPoint, Vars};
use crate::store::{
    Checkpoint, Close, Commit, HandedOut, Progress, Rest, StoredEvent, TokenRest, TokenState,
};

impl RetryPoint {
    fn to_json(&self) -> Value {
        serde_json::json!({
            "counts": self.counts,
            "retryCount": self.retry_count,
            "resumeAt": self.resume_at.timestamp_millis(),
            "entered": self.entered,
        })
    }

    pub(crate) fn from_json(v: &Value) -> Option<RetryPoint> {
        Some(RetryPoint {
            counts: v["counts"]
                .as_array()?
                .iter()
                .map(|n| n.as_u64().unwrap_or_default())
                .collect(),
            retry_count: u32::try_from(v["retryCount"].as_u64()?).ok()?,
            resume_at: chrono::TimeZone::timestamp_millis_opt(&Utc, v["resumeAt"].as_i64()?)
                .single()?,
            entered: v["entered"].as_u64()?,
        })
    }
}

/// A published event a resumed state records again.
pub(crate) struct Republished {
    pub id: u64,
    pub kind: String,
    pub state: Option<String>,
    pub at: DateTime<Utc>,
}

/// Where an execution resumes.
pub(crate) struct Resume {
    /// Events in the store.
    pub committed: usize,
    /// Transitions committed.
    pub seq: u64,
    /// The resumed state's entered time.
    pub entered: Option<DateTime<Utc>>,
    /// Between two attempts of a retried state.
    pub retry: Option<RetryPoint>,
    /// Finished iterations and branches, by scope.
    pub done: HashMap<String, HashMap<usize, Done>>,
    /// The first stored event the resumed state had published, which it records again.
    pub truncate_from: Option<u64>,
    /// When the machine's `TimeoutSeconds` ends the execution.
    pub timeout_at: Option<DateTime<Utc>>,
    /// The published events the resumed state records again (from `truncate_from` on), in
    /// order: id, type, state and time.
    pub republished: Vec<Republished>,
}

/// The durable side of an [`Exec`]: see [`crate::durable`].
pub struct Journal {
    shared: Arc<Shared>,
    execution: String,
    secret: String,
    /// How many of the execution's events are in the store.
    committed: Mutex<usize>,
    /// Resumed inside a state: when it was entered (taken by the first top-level `enter`).
    resume_entered: Mutex<Option<DateTime<Utc>>>,
    /// The resumed state's transition is already committed: its first checkpoint is a no-op.
    skip_next: AtomicBool,
    /// Transitions committed so far.
    seq: std::sync::atomic::AtomicU64,
    /// Resumed between two attempts of a retried state.
    retry: Mutex<Option<RetryPoint>>,
    /// Iterations and branches finished before a restart, by scope.
    done: Mutex<HashMap<String, HashMap<usize, Done>>>,
    /// Stored events the next commit replaces (published by the state resumed in).
    truncate_from: Mutex<Option<u64>>,
    /// When the machine's `TimeoutSeconds` ends the execution: an execution at rest wakes
    /// by then at the latest.
    timeout_at: Option<DateTime<Utc>>,
    /// Put at rest ([`Journal::rest`]): its interruption is not a failure to recover from.
    at_rest: AtomicBool,
    /// Events published before a restart that the resumed state records again: while they
    /// are recorded again the same (id, type and state, in order), they keep the time they
    /// were first recorded (a callback task resumed by its token's answer keeps when it was
    /// scheduled and submitted, as on AWS); past the first difference, none does.
    republished: Mutex<std::collections::VecDeque<Republished>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("execution", &self.execution)
            .finish_non_exhaustive()
    }
}

impl Journal {
    pub(crate) fn new(
        shared: Arc<Shared>,
        execution: String,
        secret: String,
        at: Resume,
    ) -> Journal {
        Journal {
            shared,
            execution,
            secret,
            committed: Mutex::new(at.committed),
            seq: std::sync::atomic::AtomicU64::new(at.seq),
            retry: Mutex::new(at.retry),
            resume_entered: Mutex::new(at.entered),
            skip_next: AtomicBool::new(true),
            done: Mutex::new(at.done),
            truncate_from: Mutex::new(at.truncate_from),
            timeout_at: at.timeout_at,
            at_rest: AtomicBool::new(false),
            republished: Mutex::new(at.republished.into()),
        }
    }

    /// The entered time of the state an execution resumed in (once, for the top level).
    pub(crate) fn resumed_entered(&self, top: bool) -> Option<DateTime<Utc>> {
        if !top {
            return None;
        }
        self.resume_entered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    fn pending(&self, exec: &Exec) -> (Vec<StoredEvent>, usize) {
        let committed = *self.committed.lock().unwrap_or_else(|e| e.into_inner());
        exec.with_history(|h| {
            let events = h
                .get(committed..)
                .unwrap_or_default()
                .iter()
                .map(|e| self.stored(e))
                .collect();
            (events, h.len())
        })
    }

    /// Commits the transition into `state`.
    pub(crate) async fn checkpoint(
        &self,
        exec: &Exec,
        state: &'static str,
        input: &Value,
        vars: &Vars,
    ) -> Result<(), Failure> {
        if self.skip_next.swap(false, Ordering::Relaxed) {
            return Ok(());
        }
        let (events, total) = self.pending(exec);
        let seq = self.seq.load(Ordering::Relaxed) + 1;
        if total + 1 >= self.shared.history_quota {
            // The next event would pass the quota: AWS fails the execution, its
            // `ExecutionFailed` being the last event the quota allows.
            return Err(Failure::new(
                names::RUNTIME,
                format!(
                    "The execution reached the maximum number of history events ({}).",
                    self.shared.history_quota
                ),
            ));
        }
        // The resumed state is behind us: the next state is entered now, not then.
        self.resume_entered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let checkpoint = Checkpoint {
            state: state.to_string(),
            input: input.clone(),
            vars: (**vars).clone(),
            at: crate::clock::now(),
            seq,
            retry: None,
            provisional: None,
        };
        self.commit_checkpoint(events, total, checkpoint).await?;
        self.seq.store(seq, Ordering::Relaxed);
        Ok(())
    }

    /// Commits `events` (the history up to `total`) with `checkpoint`, fenced by the lease.
    async fn commit_checkpoint(
        &self,
        events: Vec<StoredEvent>,
        total: usize,
        checkpoint: Checkpoint,
    ) -> Result<(), Failure> {
        let commit = Commit {
            execution: self.execution.clone(),
            worker: self.shared.worker.clone(),
            events,
            provisional: false,
            checkpoint: Some(checkpoint),
            close: None,
            truncate_from: self.take_truncate(),
            rest: None,
        };
        // Counted as committed before awaiting: a commit whose future is dropped (the
        // machine's timeout, a stop) may still land, and the end must not send its events
        // again. A commit that fails interrupts the execution, which then records nothing.
        *self.committed.lock().unwrap_or_else(|e| e.into_inner()) = total;
        self.shared
            .store
            .commit(commit)
            .await
            .map_err(|e| Failure::interrupted(e.detail()))
    }

    fn take_truncate(&self) -> Option<u64> {
        self.truncate_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// The events recorded since the last commit, counted as committed from now on. Taken
    /// under the lock: branches of a Parallel or Map may publish at once, and each event
    /// must go to the store once.
    fn take_unpublished(&self, exec: &Exec) -> Vec<StoredEvent> {
        let mut committed = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        let from = *committed;
        exec.with_history(|h| {
            *committed = h.len();
            h.get(from..)
                .unwrap_or_default()
                .iter()
                .map(|e| self.stored(e))
                .collect::<Vec<_>>()
        })
    }

    /// Publishes the events recorded since the last commit while the state that recorded
    /// them goes on (a Task waiting for its handler or token, a Wait): a reader of the
    /// history sees them as on AWS. They ride on the store's next group commit; a worker
    /// that resumes the state replaces them with what it records again.
    pub(crate) async fn publish(&self, exec: &Exec) -> Result<(), Failure> {
        let events = self.take_unpublished(exec);
        if events.is_empty() {
            return Ok(());
        }
        self.commit_published(events, None).await
    }

    /// Commits published events (provisional), and puts the execution at rest when given.
    async fn commit_published(
        &self,
        events: Vec<StoredEvent>,
        rest: Option<Rest>,
    ) -> Result<(), Failure> {
        let commit = Commit {
            execution: self.execution.clone(),
            worker: self.shared.worker.clone(),
            events,
            provisional: true,
            checkpoint: None,
            close: None,
            truncate_from: self.take_truncate(),
            rest,
        };
        self.shared
            .store
            .commit(commit)
            .await
            .map_err(|e| Failure::interrupted(e.detail()))
    }

    /// Puts the execution at rest until `due` (or its timeout, if sooner) when that is at
    /// least the engine's rest threshold away and a worker loop runs in this process to wake
    /// it: commits the events recorded so far (provisional, as a publish) and releases the
    /// lease in one commit. `true` when it is at rest.
    pub(crate) async fn rest(&self, exec: &Exec, due: DateTime<Utc>) -> Result<bool, Failure> {
        self.rest_with(exec, due, None).await
    }

    /// [`Journal::rest`], also waiting for `token` when given: its answer makes the
    /// execution due at once.
    async fn rest_with(
        &self,
        exec: &Exec,
        due: DateTime<Utc>,
        token: Option<TokenRest>,
    ) -> Result<bool, Failure> {
        let Some(after) = self.shared.rest_after else {
            return Ok(false);
        };
        if self.shared.workers.load(Ordering::SeqCst) == 0 {
            return Ok(false);
        }
        let wake = match self.timeout_at {
            Some(t) if t < due => t,
            _ => due,
        };
        if crate::clock::until(wake) < after {
            return Ok(false);
        }
        let events = self.take_unpublished(exec);
        let rest = Rest { until: wake, token };
        self.commit_published(events, Some(rest)).await?;
        self.at_rest.store(true, Ordering::SeqCst);
        Ok(true)
    }

    /// Whether the execution was put at rest (its run ended with an interruption on purpose).
    pub(crate) fn at_rest(&self) -> bool {
        self.at_rest.load(Ordering::SeqCst)
    }

    /// The entered event of the state resumed between two attempts, if that is where the
    /// execution resumed (its entered event is not recorded again).
    pub(crate) fn retry_entered(&self) -> Option<u64> {
        self.retry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|r| r.entered)
    }

    /// Takes the retry point to resume from.
    pub(crate) fn take_retry(&self) -> Option<RetryPoint> {
        self.retry.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Commits a retried state's progress (its events so far and where its attempts stand);
    /// the transition into the state stays the current one.
    pub(crate) async fn checkpoint_retry(
        &self,
        exec: &Exec,
        state: &'static str,
        input: &Value,
        vars: &Vars,
        entered: DateTime<Utc>,
        point: RetryPoint,
    ) -> Result<(), Failure> {
        let (events, total) = self.pending(exec);
        let checkpoint = Checkpoint {
            state: state.to_string(),
            input: input.clone(),
            vars: (**vars).clone(),
            at: entered,
            seq: self.seq.load(Ordering::Relaxed),
            retry: Some(point.to_json()),
            provisional: None,
        };
        self.commit_checkpoint(events, total, checkpoint).await
    }

    /// Transitions committed so far: with a state's name, it names the state's current visit
    /// the same way after a restart or a redrive.
    pub(crate) fn seq(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }

    /// Commits the end of the execution. `Err` when the lease was lost (or the store failed):
    /// the end was not recorded.
    pub(crate) async fn close(
        &self,
        exec: &Exec,
        result: &Result<Value, ExecutionError>,
    ) -> Result<(), crate::store::StoreError> {
        let (events, total) = self.pending(exec);
        let close = match result {
            Ok(v) => Close {
                status: Status::Succeeded,
                output: Some(v.clone()),
                error: None,
                cause: None,
                at: crate::clock::now(),
            },
            Err(e) => Close {
                status: e.status(),
                output: None,
                error: e.error().map(str::to_string),
                cause: e.cause().map(str::to_string),
                at: crate::clock::now(),
            },
        };
        self.shared
            .store
            .commit(Commit {
                execution: self.execution.clone(),
                worker: self.shared.worker.clone(),
                events,
                checkpoint: None,
                close: Some(close),
                provisional: false,
                truncate_from: self.take_truncate(),
                rest: None,
            })
            .await?;
        *self.committed.lock().unwrap_or_else(|e| e.into_inner()) = total;
        Ok(())
    }

    /// The iterations or branches of `scope` finished before a restart.
    pub(crate) fn finished(&self, scope: &str) -> HashMap<usize, Done> {
        self.done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(scope)
            .unwrap_or_default()
    }

    /// Records a finished iteration or branch, so a restart does not run it again.
    pub(crate) async fn finish_iteration(
        &self,
        scope: &str,
        index: usize,
        result: &Value,
        events: &[Event],
    ) -> Result<(), Failure> {
        let events = Value::Array(
            events
                .iter()
                .map(|e| serde_json::json!([e.kind, e.state, e.details]))
                .collect(),
        );
        self.shared
            .store
            .put_progress(
                &self.execution,
                &self.shared.worker,
                Progress {
                    scope: scope.to_string(),
                    index,
                    result: result.clone(),
                    events,
                },
            )
            .await
            .map_err(|e| Failure::interrupted(e.detail()))
    }

    /// The task token of a callback task: unguessable (keyed by the execution's secret) and
    /// the same when a restart invokes the same attempt again.
    pub(crate) fn token(&self, key: &str) -> String {
        let mut h = sha2::Sha256::new();
        h.update(self.secret.as_bytes());
        h.update([0]);
        h.update(key.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Makes `token` known to the store before its handler runs; what the handler answered
    /// if it handed the token out before the execution rested.
    pub(crate) async fn register_token(
        &self,
        token: &str,
        state: &str,
    ) -> Result<Option<HandedOut>, Failure> {
        self.shared
            .store
            .register_token(token, &self.execution, state, crate::clock::now())
            .await
            .map_err(|e| Failure::interrupted(e.detail()))
    }

    /// Marks `token` timed out (its task hit `TimeoutSeconds`); a token answered first keeps
    /// its answer, returned: its sender was told it was taken (an execution resumed from rest
    /// at its deadline can find it so).
    pub(crate) async fn time_out_token(&self, token: &str) -> Option<Result<Value, Failure>> {
        let update = self
            .shared
            .store
            .update_token(token, TokenState::TimedOut, crate::clock::now())
            .await;
        if update != Ok(crate::store::TokenUpdate::NotWaiting) {
            return None;
        }
        match self.shared.store.token(token).await {
            Ok(Some(TokenState::Succeeded(v))) => Some(Ok(v)),
            Ok(Some(TokenState::Failed(error, cause))) => {
                Some(Err(Failure::from_parts(error.unwrap_or_default(), cause)))
            }
            _ => None,
        }
    }

    /// Waits until some process completes `token` (TASK-4); with `HeartbeatSeconds`, fails
    /// with `States.Timeout` when no heartbeat came in time (as AWS records it). A top-level
    /// task (`rest`) whose token is not answered within the engine's rest threshold puts its
    /// execution at rest until the answer, its heartbeat deadline or its timeout.
    pub(crate) async fn wait_token(
        &self,
        token: &str,
        heartbeat: Option<u64>,
        rest: Option<RestOnToken<'_>>,
    ) -> Result<Value, Failure> {
        let waiting_since = tokio::time::Instant::now();
        let wait = self.shared.tokens.register(token);
        let notify = wait.notify();
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let state = self
                .shared
                .store
                .token(token)
                .await
                .map_err(|e| Failure::interrupted(e.detail()))?;
            let mut deadline = None;
            match state {
                Some(TokenState::Succeeded(v)) => return Ok(v),
                Some(TokenState::Failed(error, cause)) => {
                    return Err(Failure::from_parts(error.unwrap_or_default(), cause));
                }
                Some(TokenState::Waiting { heartbeat: last }) => {
                    if let Some(h) = heartbeat {
                        let d = last + chrono::Duration::seconds(h as i64);
                        if crate::clock::now() >= d {
                            let update = self
                                .shared
                                .store
                                .update_token(token, TokenState::TimedOut, crate::clock::now())
                                .await
                                .map_err(|e| Failure::interrupted(e.detail()))?;
                            // Completed just now: read it again.
                            if update == crate::store::TokenUpdate::NotWaiting {
                                continue;
                            }
                            return Err(Failure::from_parts(names::TIMEOUT, None));
                        }
                        deadline = Some(d);
                    }
                }
                // Timed out before a restart: the same failure again.
                Some(TokenState::TimedOut) => {
                    return Err(Failure::from_parts(names::TIMEOUT, None));
                }
                Some(TokenState::Closed) | None => {
                    return Err(Failure::interrupted("the task token was closed"));
                }
            }
            // An answer given here, or found by the engine's poll of every token waited on
            // here (`waits::poll`), wakes this wait: it sleeps until its deadline, or
            // reads its token again after a long while (should that poll have stopped).
            let soonest = |a: Option<Duration>, b: Duration| Some(a.map_or(b, |a| a.min(b)));
            let mut sleep = soonest(deadline.map(crate::clock::until), look_again(&self.shared));
            if let (Some(r), Some(after)) = (&rest, self.shared.rest_after) {
                let waited = waiting_since.elapsed();
                if waited >= after {
                    let due = [deadline, r.timeout]
                        .into_iter()
                        .flatten()
                        .min()
                        .unwrap_or_else(forever);
                    let on = TokenRest {
                        token: token.to_string(),
                        handed_out: r.handed_out.clone(),
                    };
                    if self.rest_with(r.exec, due, Some(on)).await? {
                        // No longer waited on here before the look: an answer committed after
                        // it then finds no task here and wakes the claim loops itself.
                        drop(wait);
                        self.answered_meanwhile(token).await;
                        return Err(Failure::interrupted(format!(
                            "at rest until its task token is answered or {due}"
                        )));
                    }
                    // Not put at rest (no worker loop here yet, or due soon): tries again
                    // when it looks again (at its deadline, or after a long while).
                } else {
                    sleep = soonest(sleep, after - waited);
                }
            }
            let sleep = async {
                match sleep {
                    Some(s) => tokio::time::sleep(s.max(Duration::from_millis(1))).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = notified => {}
                _ = sleep => {}
            }
        }
    }
}

/// How long a wait woken by the engine's polls (of task tokens, of Map Run children) sleeps
/// before it looks itself: a fallback, should a poll have stopped.
pub(super) fn look_again(shared: &super::engine::Shared) -> Duration {
    shared.poll_interval.max(Duration::from_secs(60))
}

/// The due time of an execution at rest on a token with no deadline: it waits for the answer.
fn forever() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Journal {
    /// After putting the execution at rest on `token`: an answer that came while the rest was
    /// committed made it due at once, which a worker loop here, asleep, has not seen.
    async fn answered_meanwhile(&self, token: &str) {
        if !matches!(
            self.shared.store.token(token).await,
            Ok(Some(TokenState::Waiting { .. }))
        ) {
            self.shared.due.notify_waiters();
        }
    }
}

impl Journal {
    fn stored(&self, e: &Event) -> StoredEvent {
        let mut republished = self.republished.lock().unwrap_or_else(|e| e.into_inner());
        let timestamp = match republished.front() {
            Some(r) if r.id == e.id && r.kind == e.kind && r.state.as_deref() == e.state => {
                let at = r.at;
                republished.pop_front();
                at
            }
            Some(_) => {
                republished.clear();
                e.timestamp
            }
            None => e.timestamp,
        };
        StoredEvent {
            id: e.id,
            kind: e.kind.to_string(),
            state: e.state.map(str::to_string),
            timestamp,
            details: e.details.clone(),
        }
    }
}

impl Durability for Journal {
    fn resumed_entered(&self, top: bool) -> Option<DateTime<Utc>> {
        Journal::resumed_entered(self, top)
    }

    fn checkpoint<'a>(
        &'a self,
        exec: &'a Exec,
        state: &'static str,
        input: &'a Value,
        vars: &'a Vars,
    ) -> BoxFuture<'a, Result<(), Failure>> {
        Box::pin(Journal::checkpoint(self, exec, state, input, vars))
    }

    fn seq(&self) -> u64 {
        Journal::seq(self)
    }

    fn publish<'a>(&'a self, exec: &'a Exec) -> BoxFuture<'a, Result<(), Failure>> {
        Box::pin(Journal::publish(self, exec))
    }

    fn rest<'a>(
        &'a self,
        exec: &'a Exec,
        due: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<bool, Failure>> {
        Box::pin(Journal::rest(self, exec, due))
    }

    fn retry_entered(&self) -> Option<u64> {
        Journal::retry_entered(self)
    }

    fn take_retry(&self) -> Option<RetryPoint> {
        Journal::take_retry(self)
    }

    fn checkpoint_retry<'a>(
        &'a self,
        exec: &'a Exec,
        state: &'static str,
        input: &'a Value,
        vars: &'a Vars,
        entered: DateTime<Utc>,
        point: RetryPoint,
    ) -> BoxFuture<'a, Result<(), Failure>> {
        Box::pin(Journal::checkpoint_retry(
            self, exec, state, input, vars, entered, point,
        ))
    }

    fn finished(&self, scope: &str) -> HashMap<usize, Done> {
        Journal::finished(self, scope)
    }

    fn finish_iteration<'a>(
        &'a self,
        scope: &'a str,
        index: usize,
        result: &'a Value,
        events: &'a [Event],
    ) -> BoxFuture<'a, Result<(), Failure>> {
        Box::pin(Journal::finish_iteration(
            self, scope, index, result, events,
        ))
    }

    fn token(&self, key: &str) -> String {
        Journal::token(self, key)
    }

    fn engine(&self) -> Option<super::Engine> {
        let inner = self.shared.engine.get()?.upgrade()?;
        Some(super::Engine { inner })
    }

    fn register_token<'a>(
        &'a self,
        token: &'a str,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<HandedOut>, Failure>> {
        Box::pin(Journal::register_token(self, token, state))
    }

    fn time_out_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Option<Result<Value, Failure>>> {
        Box::pin(Journal::time_out_token(self, token))
    }

    fn wait_token<'a>(
        &'a self,
        token: &'a str,
        heartbeat: Option<u64>,
        rest: Option<RestOnToken<'a>>,
    ) -> BoxFuture<'a, Result<Value, Failure>> {
        Box::pin(Journal::wait_token(self, token, heartbeat, rest))
    }
}
