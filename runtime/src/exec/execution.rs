//! One execution in progress ([`Exec`]): its identity, its history events and how they link,
//! its branches and iterations, and how it ends ([`finish`]).

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{Durability, StateRun, StateType, Vars, entered_details};
use crate::context::ExecutionInfo;
use crate::error::Failure;

/// One recorded history event (EXEC-7).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Sequential id from 1.
    pub id: u64,
    /// The event it follows as AWS links them (0 for none).
    pub previous_event_id: u64,
    /// `PassStateEntered`, `TaskScheduled`, …
    pub kind: &'static str,
    /// The state the event is about.
    pub state: Option<&'static str>,
    /// When it happened (on the executions' [`clock`](crate::clock)).
    pub timestamp: DateTime<Utc>,
    /// The event's details as AWS records them (the members of `…EventDetails`: `name`,
    /// `input`, `output`, `error`, `cause`, `resource`, …; payloads as JSON text).
    pub details: Option<Value>,
}

/// A payload as history events hold it: JSON text.
pub fn payload(v: &Value) -> Value {
    Value::String(v.to_string())
}

/// `{"truncated": false}`: payloads are never truncated here.
pub(super) fn not_truncated() -> Value {
    serde_json::json!({ "truncated": false })
}

/// A finished execution: its result and its history.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The output, or how it failed.
    pub result: Result<Value, crate::error::ExecutionError>,
    /// Every history event, in order.
    pub history: Vec<Event>,
    /// The Map Runs its Distributed Maps started, in order (MAP-17).
    pub map_runs: Vec<super::MapRun>,
}

/// The events an execution has recorded, and how the next one links to them.
#[derive(Default)]
pub(super) struct Recording {
    pub(super) events: Vec<Event>,
    pub(super) links: crate::history::Linker,
}

/// An execution in progress: its identity and its history.
pub struct Exec {
    /// Identity (ARN, name, input, start time).
    pub info: Arc<ExecutionInfo>,
    /// The context object's `Execution` and `StateMachine` members, built on first use.
    pub(super) base: OnceLock<Map<String, Value>>,
    /// Events so far: ids are counted always (error causes cite them), events kept only when
    /// the execution is recorded.
    pub(super) events: std::sync::atomic::AtomicU64,
    pub(super) history: Option<Mutex<Recording>>,
    /// A durable execution's link to its store (`None` in memory).
    pub(super) journal: Option<Arc<dyn Durability>>,
    /// A durable Map iteration or Parallel branch: records into its parent and keeps a copy of
    /// its own events, committed with its result so a resumed execution does not run it again.
    pub(super) parent: Option<Arc<Exec>>,
    pub(super) captured: Option<Mutex<Vec<Event>>>,
    /// Where a branch sits (`/Map#5.0[3]`), for idempotency keys; empty at the top level.
    pub(super) path: String,
    /// The top level of an execution (not a branch, iteration or child).
    pub(super) top: bool,
    /// A Parallel branch: the state it was in when it ended without finishing (failed, or
    /// cancelled by a failing sibling), which the Parallel records as `…StateAborted`.
    pub(super) unfinished: Option<Mutex<Option<(StateType, &'static str)>>>,
    /// The execution's Map Runs, shared with its branches and children (made when first
    /// needed: most executions start none).
    pub(super) map_runs: OnceLock<super::map_run::MapRuns>,
    /// A TestState execution's probe (`Workflow::test_state`); `None` otherwise, and in
    /// every branch, iteration and child.
    pub(super) probe: Option<Arc<super::probe::Probe>>,
    /// Nothing from here up to the top level keeps events (no history, no captured copy):
    /// recording one only counts its id at the top level. Set once, so a branch's event does
    /// not walk up its parents to find that out (twice: for its details, then to record).
    pub(super) quiet: bool,
}

impl Exec {
    /// Starts an execution that keeps its history: records `ExecutionStarted`.
    pub fn new(info: ExecutionInfo) -> Arc<Exec> {
        Exec::start(info, true)
    }

    /// Starts an execution; `record` keeps the history events (ids are counted either way).
    pub fn start(info: ExecutionInfo, record: bool) -> Arc<Exec> {
        Exec::start_probed(info, record, None)
    }

    /// [`Exec::start`] with a TestState probe.
    pub(crate) fn start_probed(
        info: ExecutionInfo,
        record: bool,
        probe: Option<Arc<super::probe::Probe>>,
    ) -> Arc<Exec> {
        let exec = Exec {
            info: Arc::new(info),
            base: OnceLock::new(),
            events: std::sync::atomic::AtomicU64::new(0),
            history: record.then(|| Mutex::new(Recording::default())),
            journal: None,
            parent: None,
            captured: None,
            path: String::new(),
            top: true,
            unfinished: None,
            map_runs: OnceLock::new(),
            probe,
            quiet: !record,
        };
        exec.record_with("ExecutionStarted", None, || {
            serde_json::json!({
                "input": payload(exec.info.input()),
                "inputDetails": not_truncated(),
                "roleArn": exec.info.role_arn(),
            })
        });
        Arc::new(exec)
    }

    /// A durable execution resumed from its store: `history` holds the events committed so
    /// far (at least `ExecutionStarted`); their links are derived again.
    pub(crate) fn resume(
        info: ExecutionInfo,
        mut history: Vec<Event>,
        journal: Arc<dyn Durability>,
    ) -> Arc<Exec> {
        let mut links = crate::history::Linker::default();
        for e in &mut history {
            e.previous_event_id = links.link(e.id, e.kind);
        }
        Arc::new(Exec {
            info: Arc::new(info),
            base: OnceLock::new(),
            events: std::sync::atomic::AtomicU64::new(history.len() as u64),
            history: Some(Mutex::new(Recording {
                events: history,
                links,
            })),
            journal: Some(journal),
            parent: None,
            captured: None,
            path: String::new(),
            top: true,
            unfinished: None,
            map_runs: OnceLock::new(),
            probe: None,
            quiet: false,
        })
    }

    /// A child execution (a Distributed Map iteration): same identity, its own history.
    pub fn child(&self) -> Arc<Exec> {
        self.child_at("child", Arc::clone(&self.info))
    }

    /// A child execution at `label` (which makes its idempotency keys distinct).
    pub(super) fn child_at(&self, label: &str, info: Arc<ExecutionInfo>) -> Arc<Exec> {
        let child = Exec {
            info,
            base: OnceLock::new(),
            events: std::sync::atomic::AtomicU64::new(0),
            history: self
                .history
                .is_some()
                .then(|| Mutex::new(Recording::default())),
            journal: self.journal.clone(),
            parent: None,
            captured: None,
            path: format!("{}/{label}", self.path),
            top: false,
            unfinished: None,
            map_runs: OnceLock::from(Arc::clone(self.runs())),
            probe: None,
            quiet: self.history.is_none(),
        };
        // Its own history is not journaled; it only needs the store for callbacks.
        child.record("ExecutionStarted", None);
        Arc::new(child)
    }

    /// An iteration or branch of `self` that records into it: `durable` keeps a copy of its
    /// events (see [`Exec::captured`]); `parallel` notes the state a branch ends in unfinished.
    pub(super) fn branch(
        self: &Arc<Self>,
        label: &str,
        durable: bool,
        parallel: bool,
    ) -> Arc<Exec> {
        Arc::new(Exec {
            path: format!("{}/{label}", self.path),
            top: false,
            info: Arc::clone(&self.info),
            base: OnceLock::new(),
            events: std::sync::atomic::AtomicU64::new(0),
            history: None,
            journal: self.journal.clone(),
            parent: Some(Arc::clone(self)),
            captured: durable.then(|| Mutex::new(Vec::new())),
            unfinished: parallel.then(|| Mutex::new(None)),
            map_runs: OnceLock::from(Arc::clone(self.runs())),
            probe: None,
            quiet: self.quiet && !durable,
        })
    }

    /// The Map Runs the execution's Distributed Maps started (MAP-17).
    pub fn map_runs(&self) -> Vec<super::MapRun> {
        self.map_runs.get().map_or_else(Vec::new, |runs| {
            runs.lock().unwrap_or_else(|e| e.into_inner()).clone()
        })
    }

    /// The Map Runs shared with branches and children.
    pub(super) fn runs(&self) -> &super::map_run::MapRuns {
        self.map_runs.get_or_init(Default::default)
    }

    /// The state a Parallel branch ended in without finishing: `(type, name)`.
    pub(super) fn take_unfinished(&self) -> Option<(StateType, &'static str)> {
        self.unfinished
            .as_ref()?
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// The events an iteration or branch recorded.
    pub(super) fn take_captured(&self) -> Vec<Event> {
        self.captured.as_ref().map_or_else(Vec::new, |c| {
            std::mem::take(&mut *c.lock().unwrap_or_else(|e| e.into_inner()))
        })
    }

    /// Whether this is a durable execution's top level, whose transitions are committed.
    pub fn durable(&self) -> bool {
        self.journal.is_some() && self.top
    }

    /// Commits the transition into `state` with its input and the scope's variables before the
    /// state runs (durable executions; see [`crate::durable`]). A store that can no longer
    /// be written (or a lease another worker took) interrupts the execution.
    pub async fn checkpoint(
        &self,
        state: &'static str,
        input: &Value,
        vars: &Vars,
    ) -> Result<(), Failure> {
        if let Some(p) = &self.probe {
            return p.transition(state, input);
        }
        match &self.journal {
            Some(j) if self.top => j.checkpoint(self, state, input, vars).await,
            _ => Ok(()),
        }
    }

    /// The context object's execution-wide part.
    pub(super) fn base(&self) -> &Map<String, Value> {
        self.base.get_or_init(|| self.info.base_context())
    }

    /// Appends an event; returns its id.
    pub fn record(&self, kind: &'static str, state: Option<&'static str>) -> u64 {
        self.record_event(kind, state, None)
    }

    /// Whether events are kept (so their details are worth computing).
    pub fn keeps_history(&self) -> bool {
        if self.quiet {
            return false;
        }
        match &self.parent {
            Some(p) => p.keeps_history(),
            None => self.history.is_some(),
        }
    }

    /// Advances the event ids of an execution that keeps no history by `n`; returns the last.
    #[inline]
    pub(super) fn count_events(&self, n: u64) -> u64 {
        // One execution's states run inside one task (Parallel branches and Map iterations are
        // polled by the state's own future), so the counter is never updated concurrently: a
        // load and a store suffice, without a locked instruction.
        use std::sync::atomic::Ordering::Relaxed;
        let id = self.events.load(Relaxed) + n;
        self.events.store(id, Relaxed);
        id
    }

    /// [`Exec::count_events`] at the top level (where a branch's event ids are counted).
    #[inline]
    fn count_at_top(&self, n: u64) -> u64 {
        match &self.parent {
            None => self.count_events(n),
            Some(p) => p.count_above(n),
        }
    }

    /// [`Exec::count_at_top`] for a branch's parent: out of line, so a top level's check
    /// stays small where it is inlined (each Pass state of a generated machine).
    #[inline(never)]
    fn count_above(&self, n: u64) -> u64 {
        let mut top = self;
        while let Some(p) = &top.parent {
            top = p;
        }
        top.count_events(n)
    }

    /// Appends an event with details (computed only when the history is kept).
    #[inline]
    pub fn record_with(
        &self,
        kind: &'static str,
        state: Option<&'static str>,
        details: impl FnOnce() -> Value,
    ) -> u64 {
        if self.quiet {
            return self.count_at_top(1);
        }
        let details = self.keeps_history().then(details);
        self.record_event(kind, state, details)
    }

    pub(super) fn record_event(
        &self,
        kind: &'static str,
        state: Option<&'static str>,
        details: Option<Value>,
    ) -> u64 {
        self.record_linked(kind, state, details).0
    }

    /// Appends an event; returns its id and the id of the event it links to.
    pub(super) fn record_linked(
        &self,
        kind: &'static str,
        state: Option<&'static str>,
        details: Option<Value>,
    ) -> (u64, u64) {
        if self.quiet {
            return (self.count_at_top(1), 0);
        }
        if let Some(parent) = &self.parent {
            let (id, previous_event_id) = parent.record_linked(kind, state, details.clone());
            if let Some(c) = &self.captured {
                c.lock().unwrap_or_else(|e| e.into_inner()).push(Event {
                    id,
                    previous_event_id,
                    kind,
                    state,
                    timestamp: crate::clock::now(),
                    details,
                });
            }
            return (id, previous_event_id);
        }
        let Some(history) = &self.history else {
            return (self.count_events(1), 0);
        };
        let mut h = history.lock().unwrap_or_else(|e| e.into_inner());
        let id = h.events.len() as u64 + 1;
        let previous_event_id = h.links.link(id, kind);
        h.events.push(Event {
            id,
            previous_event_id,
            kind,
            state,
            timestamp: crate::clock::now(),
            details,
        });
        (id, previous_event_id)
    }

    /// Runs `f` on the events recorded so far (durable executions commit them).
    pub(crate) fn with_history<R>(&self, f: impl FnOnce(&[Event]) -> R) -> R {
        match &self.history {
            Some(h) => f(&h.lock().unwrap_or_else(|e| e.into_inner()).events),
            None => f(&[]),
        }
    }

    /// Re-records the events of an iteration or branch completed before a restart (their
    /// results come from the store; their events get ids in this run's sequence).
    pub(super) fn replay(&self, events: &[(&'static str, Option<&'static str>, Option<Value>)]) {
        for (kind, state, details) in events {
            self.record_event(kind, *state, details.clone());
        }
    }

    /// The events so far (empty when the execution is not recorded).
    pub fn history(&self) -> Vec<Event> {
        self.history.as_ref().map_or_else(Vec::new, |h| {
            h.lock().unwrap_or_else(|e| e.into_inner()).events.clone()
        })
    }

    /// A Pass state that changes nothing: records `PassStateEntered` and `PassStateExited`.
    /// (`jsonata`: a JSONata state, whose TestState inspection data shows only its input.)
    #[inline]
    pub fn pass_through(&self, name: &'static str, input: &Value, jsonata: bool) {
        if let Some(p) = &self.probe
            && p.enter(StateType::Pass, name, input)
            && !jsonata
        {
            p.pass_through(input);
        }
        if self.quiet {
            // Not recorded (the express fast path): only the ids advance.
            self.count_at_top(2);
            return;
        }
        self.record_with("PassStateEntered", Some(name), || {
            entered_details(name, input)
        });
        self.record_with("PassStateExited", Some(name), || {
            serde_json::json!({ "name": name, "output": payload(input), "outputDetails": not_truncated() })
        });
    }

    /// Enters a state of type `ty`: records `<ty>StateEntered`.
    pub fn enter(
        self: &Arc<Self>,
        ty: StateType,
        name: &'static str,
        vars: &Vars,
        input: &Value,
    ) -> StateRun {
        // Resumed between two attempts of a retried state: its entered event is committed.
        let retrying = self
            .journal
            .as_ref()
            .filter(|_| self.top)
            .and_then(|j| j.retry_entered());
        let event_id = match retrying {
            Some(id) => id,
            None => self.record_with(ty.entered_event(), Some(name), || {
                entered_details(name, input)
            }),
        };
        // States that can wait read the clock now; the others when something reads
        // `$$.State.EnteredTime` (they run without waiting, so that is the same instant).
        let entered = super::state::Entered::unset();
        if let Some(t) = self
            .journal
            .as_ref()
            .and_then(|j| j.resumed_entered(self.top))
        {
            // A durable execution resumed inside this state: its timers run from when the
            // state was first entered (a Wait of an hour does not start over), and its
            // entered event keeps that time.
            entered.set(t);
            if let Some(h) = &self.history
                && let Some(e) = h
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .events
                    .last_mut()
            {
                e.timestamp = t;
            }
        } else if ty.waits() {
            entered.read_clock();
        }
        // A key for this visit that a restart reproduces: the event id at the top level, the
        // count of the branch's own events inside a branch.
        let seq = match &self.captured {
            Some(c) => c.lock().unwrap_or_else(|e| e.into_inner()).len() as u64,
            None => event_id,
        };
        StateRun {
            exec: Arc::clone(self),
            seq,
            ty,
            name,
            entered,
            event_id,
            retry_count: 0,
            task_token: None,
            context: OnceLock::new(),
            vars: Arc::clone(vars),
            assigned: Mutex::new(None),
            assigned_for_history: Mutex::new(None),
            has_assigned: std::sync::atomic::AtomicBool::new(false),
            exited: std::sync::atomic::AtomicBool::new(false),
            span: tracing::debug_span!("state", state = name, r#type = ty.name(), event = event_id),
            probe: self
                .probe
                .as_ref()
                .filter(|p| p.enter(ty, name, input))
                .cloned(),
        }
    }
}

/// Ends an execution: applies the machine's `TimeoutSeconds` (TOP-4) to `run` and records
/// `ExecutionSucceeded`, `ExecutionFailed` or `ExecutionTimedOut`.
pub async fn finish(
    exec: &Arc<Exec>,
    timeout_seconds: Option<u64>,
    run: std::pin::Pin<Box<impl Future<Output = Result<Value, Failure>>>>,
) -> Result<Value, crate::error::ExecutionError> {
    let mut timeout = timeout_seconds.map(Duration::from_secs);
    if exec.info.express {
        // An Express execution runs at most five minutes (EXEC-2, EXEC-11).
        timeout = Some(timeout.map_or(MAX_EXPRESS, |t| t.min(MAX_EXPRESS)));
    }
    // Boxed by the caller: moved by value into this future and `finish_within`'s, the
    // workflow's future was copied into each (three copies per execution).
    // The timeout counts from the start (the clock is read once for both).
    finish_until(exec, timeout.map(|t| exec.info.started() + t), run).await
}

/// The longest an Express execution runs (EXEC-2).
pub const MAX_EXPRESS: Duration = Duration::from_secs(300);

/// [`finish`] with the time left before the machine's timeout. An interrupted durable
/// execution records nothing: it resumes elsewhere.
pub async fn finish_within(
    exec: &Arc<Exec>,
    timeout: Option<Duration>,
    run: impl Future<Output = Result<Value, Failure>>,
) -> Result<Value, crate::error::ExecutionError> {
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    finish_until(exec, deadline, run).await
}

/// [`finish_within`] up to a deadline.
async fn finish_until(
    exec: &Arc<Exec>,
    deadline: Option<tokio::time::Instant>,
    run: impl Future<Output = Result<Value, Failure>>,
) -> Result<Value, crate::error::ExecutionError> {
    use crate::error::{ExecutionError, Status};
    let span = tracing::info_span!(
        "execution",
        id = %exec.info.id(),
        mode = if exec.journal.is_some() { "standard" } else { "express" }
    );
    // The workflow's future is large: pin it where it is and instrument the reference
    // rather than moving it into the span's wrapper.
    tokio::pin!(run);
    let run = tracing::Instrument::instrument(run, span);
    let result = match deadline {
        Some(d) => match until(d, run).await {
            Some(r) => r,
            None => {
                exec.record("ExecutionTimedOut", None);
                return Err(ExecutionError::new(Status::TimedOut, None, None));
            }
        },
        None => run.await,
    };
    match result {
        Ok(v) => {
            exec.record_with(
                "ExecutionSucceeded",
                None,
                || serde_json::json!({ "output": payload(&v), "outputDetails": not_truncated() }),
            );
            Ok(v)
        }
        Err(f) if f.is_interrupted() => Err(ExecutionError::failed(f)),
        Err(f) => {
            exec.record_with("ExecutionFailed", None, || {
                let mut d = Map::new();
                if !f.error.is_empty() {
                    d.insert("error".into(), f.error.clone().into());
                }
                if let Some(c) = &f.cause {
                    d.insert("cause".into(), c.clone().into());
                }
                Value::Object(d)
            });
            Err(ExecutionError::failed(f))
        }
    }
}

/// `run`, or `None` once `deadline` has passed (as `tokio::time::timeout_at`). The timer is
/// made only if `run` has to wait: most Express executions finish in their first poll, and
/// need no handle to the runtime's timer.
async fn until<T>(deadline: tokio::time::Instant, run: impl Future<Output = T>) -> Option<T> {
    let mut run = std::pin::pin!(run);
    let mut timer = None;
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(r) = run.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(r));
        }
        // Outside the task's budget: a run that spent it (a loop of zero-second Waits) must
        // still be stopped at its deadline, as `tokio::time::timeout` stops it.
        let timer = timer.get_or_insert_with(|| {
            Box::pin(tokio::task::unconstrained(tokio::time::sleep_until(
                deadline,
            )))
        });
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// How long a state may wait (on its handler, a token, a timer) before the events it has
/// recorded are published ahead of its transition: short enough that a reader of the
/// history never notices, long enough that quick Tasks cost no extra commit.
pub(crate) const PUBLISH_AFTER: Duration = Duration::from_millis(100);

impl Exec {
    /// The journal of a durable execution's top level (not a branch, iteration or child).
    pub(super) fn top_journal(&self) -> Option<&Arc<dyn Durability>> {
        match &self.journal {
            Some(j) if self.top && self.parent.is_none() => Some(j),
            _ => None,
        }
    }

    /// The execution this records into: a branch's or iteration's top level.
    fn root(&self) -> &Exec {
        match &self.parent {
            Some(p) => p.root(),
            None => self,
        }
    }

    /// Runs `wait`; if it has not finished within [`PUBLISH_AFTER`], publishes the events
    /// recorded so far (durable executions), so the history shows the state waiting, as on
    /// AWS, then goes on waiting.
    ///
    /// Takes `wait` pinned where it is: moved in by value, it was copied three times into
    /// this future (a Task state's future held 5.6 KB for its 1.9 KB call).
    pub(crate) async fn publishing<T, F: Future<Output = Result<T, Failure>>>(
        &self,
        mut wait: std::pin::Pin<&mut F>,
    ) -> Result<T, Failure> {
        let root = self.root();
        let journal = match &root.journal {
            Some(j) if root.top => j,
            _ => return wait.await,
        };
        tokio::select! {
            r = &mut wait => return r,
            _ = tokio::time::sleep(PUBLISH_AFTER) => {}
        }
        journal.publish(root).await?;
        wait.await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// A run that spends its task's budget on every poll (it keeps yielding) is still stopped
    /// at its deadline: the timer is polled outside the budget.
    #[tokio::test]
    async fn a_run_that_spends_its_budget_meets_its_deadline() {
        let spinning = async {
            loop {
                tokio::task::consume_budget().await;
            }
        };
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        let stopped =
            tokio::time::timeout(Duration::from_secs(10), super::until(deadline, spinning))
                .await
                .expect("stopped by its deadline, not the test's");
        assert!(stopped.is_none());
    }
}
