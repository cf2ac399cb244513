//! The engine generated code drives: one [`Exec`] per execution (identity, history), one
//! [`StateRun`] per state visit (entered time, event id, the context object), and the shared
//! semantics of the state types (data flow, Task invocation with Retry/Catch and timeouts,
//! Parallel, Map, Wait).
//!
//! Generated code owns the control flow: a `match` on its `State` enum per transition, Choice
//! rules as Rust expressions. Each call here is one piece of a state's behaviour, given the
//! state's compiled specification (`static` data in the generated module).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt as _;
use futures_util::stream::{self, StreamExt as _};
use serde_json::{Map, Value};

use crate::context::{ExecutionInfo, timestamp};
use crate::error::{Failure, TaskError, names};
use crate::jsonata;
use crate::jsonpath::{self, Path, Roots};
use crate::template::{self, Template};

/// A scope's workflow variables (VAR-*): shared with the states that read them, copied only
/// when a state assigns.
pub type Vars = Arc<Map<String, Value>>;

/// A boxed future, for branches and iterations.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The largest `TimeoutSeconds`/`HeartbeatSeconds` AWS accepts (TASK-5).
pub const MAX_TIMEOUT_SECONDS: u64 = 99_999_999;

/// Concurrent iterations of an inline Map without `MaxConcurrency` (AWS runs about 40, MAP-9).
pub const INLINE_CONCURRENCY: usize = 40;

/// The payload quota (EXEC-9, DATA-21).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// One recorded history event (EXEC-7).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Sequential id from 1.
    pub id: u64,
    /// The event it follows as AWS links them (0 for none; see [`crate::history`]).
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
fn not_truncated() -> Value {
    serde_json::json!({ "truncated": false })
}

/// A finished execution: its result and its history.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The output, or how it failed.
    pub result: Result<Value, crate::error::ExecutionError>,
    /// Every history event, in order.
    pub history: Vec<Event>,
}

/// The events an execution has recorded, and how the next one links to them.
#[derive(Default)]
struct Recording {
    events: Vec<Event>,
    links: crate::history::Linker,
}

/// An execution in progress: its identity and its history.
pub struct Exec {
    /// Identity (ARN, name, input, start time).
    pub info: Arc<ExecutionInfo>,
    /// The context object's `Execution` and `StateMachine` members, built on first use.
    base: OnceLock<Map<String, Value>>,
    /// Events so far: ids are counted always (error causes cite them), events kept only when
    /// the execution is recorded.
    events: std::sync::atomic::AtomicU64,
    history: Option<Mutex<Recording>>,
    /// A durable execution's link to its store (`None` in memory).
    journal: Option<Arc<crate::durable::Journal>>,
    /// A durable Map iteration or Parallel branch: records into its parent and keeps a copy of
    /// its own events, committed with its result so a resumed execution does not run it again.
    parent: Option<Arc<Exec>>,
    captured: Option<Mutex<Vec<Event>>>,
    /// Where a branch sits (`/Map#5.0[3]`), for idempotency keys; empty at the top level.
    path: String,
    /// The top level of an execution (not a branch, iteration or child).
    top: bool,
    /// A Parallel branch: the state it was in when it ended without finishing (failed, or
    /// cancelled by a failing sibling), which the Parallel records as `…StateAborted`.
    unfinished: Option<Mutex<Option<(&'static str, &'static str)>>>,
}

impl Exec {
    /// Starts an execution that keeps its history: records `ExecutionStarted`.
    pub fn new(info: ExecutionInfo) -> Arc<Exec> {
        Exec::start(info, true)
    }

    /// Starts an execution; `record` keeps the history events (ids are counted either way).
    pub fn start(info: ExecutionInfo, record: bool) -> Arc<Exec> {
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
        };
        exec.record_with("ExecutionStarted", None, || {
            serde_json::json!({
                "input": payload(&exec.info.input),
                "inputDetails": not_truncated(),
                "roleArn": exec.info.role_arn,
            })
        });
        Arc::new(exec)
    }

    /// A durable execution resumed from its store: `history` holds the events committed so
    /// far (at least `ExecutionStarted`); their links are derived again.
    pub(crate) fn resume(
        info: ExecutionInfo,
        mut history: Vec<Event>,
        journal: Arc<crate::durable::Journal>,
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
        })
    }

    /// A child execution (a Distributed Map iteration): same identity, its own history.
    pub fn child(&self) -> Arc<Exec> {
        self.child_at("child")
    }

    /// A child execution at `label` (which makes its idempotency keys distinct).
    fn child_at(&self, label: &str) -> Arc<Exec> {
        let child = Exec {
            info: Arc::clone(&self.info),
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
        };
        // Its own history is not journaled; it only needs the store for callbacks.
        child.record("ExecutionStarted", None);
        Arc::new(child)
    }

    /// An iteration or branch of `self` that records into it: `durable` keeps a copy of its
    /// events (see [`Exec::captured`]); `parallel` notes the state a branch ends in unfinished.
    fn branch(self: &Arc<Self>, label: &str, durable: bool, parallel: bool) -> Arc<Exec> {
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
        })
    }

    /// The state a Parallel branch ended in without finishing: `(type, name)`.
    fn take_unfinished(&self) -> Option<(&'static str, &'static str)> {
        self.unfinished
            .as_ref()?
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// The events an iteration or branch recorded.
    fn take_captured(&self) -> Vec<Event> {
        self.captured.as_ref().map_or_else(Vec::new, |c| {
            std::mem::take(&mut *c.lock().unwrap_or_else(|e| e.into_inner()))
        })
    }

    /// The store link of a durable execution.
    pub fn journal(&self) -> Option<&Arc<crate::durable::Journal>> {
        self.journal.as_ref()
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
        match &self.journal {
            Some(j) if self.top => j.checkpoint(self, state, input, vars).await,
            _ => Ok(()),
        }
    }

    /// The context object's execution-wide part.
    fn base(&self) -> &Map<String, Value> {
        self.base.get_or_init(|| self.info.base_context())
    }

    /// Appends an event; returns its id.
    pub fn record(&self, kind: &'static str, state: Option<&'static str>) -> u64 {
        self.record_event(kind, state, None)
    }

    /// Whether events are kept (so their details are worth computing).
    pub fn keeps_history(&self) -> bool {
        match &self.parent {
            Some(p) => p.keeps_history(),
            None => self.history.is_some(),
        }
    }

    /// Advances the event ids of an execution that keeps no history by `n`; returns the last.
    #[inline]
    fn count_events(&self, n: u64) -> u64 {
        // One execution's states run inside one task (Parallel branches and Map iterations are
        // polled by the state's own future), so the counter is never updated concurrently: a
        // load and a store suffice, without a locked instruction.
        use std::sync::atomic::Ordering::Relaxed;
        let id = self.events.load(Relaxed) + n;
        self.events.store(id, Relaxed);
        id
    }

    /// Appends an event with details (computed only when the history is kept).
    #[inline]
    pub fn record_with(
        &self,
        kind: &'static str,
        state: Option<&'static str>,
        details: impl FnOnce() -> Value,
    ) -> u64 {
        if self.parent.is_none() && self.history.is_none() {
            return self.count_events(1);
        }
        let details = self.keeps_history().then(details);
        self.record_event(kind, state, details)
    }

    fn record_event(
        &self,
        kind: &'static str,
        state: Option<&'static str>,
        details: Option<Value>,
    ) -> u64 {
        self.record_linked(kind, state, details).0
    }

    /// Appends an event; returns its id and the id of the event it links to.
    fn record_linked(
        &self,
        kind: &'static str,
        state: Option<&'static str>,
        details: Option<Value>,
    ) -> (u64, u64) {
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
    fn replay(&self, events: &[(&'static str, Option<&'static str>, Option<Value>)]) {
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
    #[inline]
    pub fn pass_through(&self, name: &'static str, input: &Value) {
        if self.parent.is_none() && self.history.is_none() {
            // Not recorded (the express fast path): only the ids advance.
            self.count_events(2);
            return;
        }
        self.record_with("PassStateEntered", Some(name), || {
            entered_details(name, input)
        });
        self.record_with("PassStateExited", Some(name), || {
            serde_json::json!({ "name": name, "output": payload(input), "outputDetails": not_truncated() })
        });
    }

    /// Enters a state of type `ty` (`"Pass"`, `"Task"`, …): records `<ty>StateEntered`.
    pub fn enter(
        self: &Arc<Self>,
        ty: &'static str,
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
            None => self.record_with(state_event(ty, true), Some(name), || {
                entered_details(name, input)
            }),
        };
        // States that can wait read the clock now; the others when something reads
        // `$$.State.EnteredTime` (they run without waiting, so that is the same instant).
        let entered = OnceLock::new();
        if let Some(t) = self
            .journal
            .as_ref()
            .and_then(|j| j.resumed_entered(self.top))
        {
            // A durable execution resumed inside this state: its timers run from when the
            // state was first entered (a Wait of an hour does not start over), and its
            // entered event keeps that time.
            let _ = entered.set(t);
            if let Some(h) = &self.history
                && let Some(e) = h
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .events
                    .last_mut()
            {
                e.timestamp = t;
            }
        } else if matches!(ty, "Task" | "Parallel" | "Map" | "Wait") {
            let _ = entered.set(crate::clock::now());
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
            span: tracing::debug_span!("state", state = name, r#type = ty, event = event_id),
        }
    }
}

impl crate::jsonpath::Context for StateRun {
    fn get(&self) -> &Value {
        self.context()
    }
}

/// One visit of one state.
pub struct StateRun {
    exec: Arc<Exec>,
    /// The state's `tracing` span (inside the execution's).
    span: tracing::Span,
    seq: u64,
    ty: &'static str,
    /// The state's name.
    pub name: &'static str,
    /// When it was entered (see [`StateRun::entered`]).
    entered: OnceLock<DateTime<Utc>>,
    /// The id of its `…StateEntered` event.
    pub event_id: u64,
    /// Retries so far (`$$.State.RetryCount`).
    pub retry_count: u32,
    /// `$$.Task.Token` of a callback Task (CTX-6, TASK-4).
    pub task_token: Option<String>,
    /// The variables as of entering the state: every `Assign` expression sees these (VAR-3).
    pub vars: Vars,
    /// What the state's `Assign` (or its Catcher's, or Choice rule's) evaluated to.
    assigned: Mutex<Option<Map<String, Value>>>,
    /// The last assignments, as the exited event reports them (`assignedVariables`).
    assigned_for_history: Mutex<Option<Map<String, Value>>>,
    /// Whether `assigned` was ever set (spares the lock for states that assign nothing).
    has_assigned: std::sync::atomic::AtomicBool,
    context: OnceLock<Value>,
    /// Whether its `…StateExited` was recorded.
    exited: std::sync::atomic::AtomicBool,
}

impl Drop for StateRun {
    /// A state of a Parallel branch that ends without exiting (it failed, or a failing sibling
    /// cancelled it) is noted for the Parallel to record as aborted; a Fail state ends the
    /// branch by design.
    fn drop(&mut self) {
        if let Some(u) = &self.exec.unfinished
            && self.ty != "Fail"
            && !self.exited.load(std::sync::atomic::Ordering::Relaxed)
        {
            *u.lock().unwrap_or_else(|e| e.into_inner()) = Some((self.ty, self.name));
        }
    }
}

/// `stateEnteredEventDetails`.
fn entered_details(name: &str, input: &Value) -> Value {
    serde_json::json!({ "name": name, "input": payload(input), "inputDetails": not_truncated() })
}

/// The event of a state a Parallel's failure ended: AWS has one for the states that can be
/// in progress (EXEC-7).
fn state_aborted(ty: &str) -> Option<&'static str> {
    match ty {
        "Task" => Some("TaskStateAborted"),
        "Wait" => Some("WaitStateAborted"),
        "Parallel" => Some("ParallelStateAborted"),
        "Map" => Some("MapStateAborted"),
        _ => None,
    }
}

/// `<ty>StateEntered` / `<ty>StateExited`.
fn state_event(ty: &str, entered: bool) -> &'static str {
    match (ty, entered) {
        ("Pass", true) => "PassStateEntered",
        ("Pass", false) => "PassStateExited",
        ("Task", true) => "TaskStateEntered",
        ("Task", false) => "TaskStateExited",
        ("Choice", true) => "ChoiceStateEntered",
        ("Choice", false) => "ChoiceStateExited",
        ("Wait", true) => "WaitStateEntered",
        ("Wait", false) => "WaitStateExited",
        ("Succeed", true) => "SucceedStateEntered",
        ("Succeed", false) => "SucceedStateExited",
        ("Fail", true) => "FailStateEntered",
        ("Fail", false) => "FailStateExited",
        ("Parallel", true) => "ParallelStateEntered",
        ("Parallel", false) => "ParallelStateExited",
        ("Map", true) => "MapStateEntered",
        ("Map", false) => "MapStateExited",
        (_, true) => "StateEntered",
        (_, false) => "StateExited",
    }
}

impl StateRun {
    /// When the state was entered.
    pub fn entered(&self) -> DateTime<Utc> {
        *self.entered.get_or_init(crate::clock::now)
    }

    /// The execution.
    pub fn exec(&self) -> &Arc<Exec> {
        &self.exec
    }

    /// The context object as this state sees it (built on first use).
    pub fn context(&self) -> &Value {
        self.context.get_or_init(|| {
            let mut m = self.exec.base().clone();
            let mut state = Map::new();
            state.insert("Name".into(), self.name.into());
            state.insert("EnteredTime".into(), timestamp(self.entered()).into());
            if matches!(self.ty, "Task" | "Parallel" | "Map") {
                state.insert("RetryCount".into(), self.retry_count.into());
            }
            m.insert("State".into(), Value::Object(state));
            if let Some(token) = &self.task_token {
                let mut task = Map::new();
                task.insert("Token".into(), token.clone().into());
                m.insert("Task".into(), Value::Object(task));
            }
            Value::Object(m)
        })
    }

    /// Path roots for `input`.
    pub fn roots<'v>(&'v self, input: &'v Value) -> Roots<'v> {
        Roots {
            input,
            context: self,
            variables: Some(&self.vars),
            map: None,
        }
    }

    /// Evaluates an `Assign` template with `$` = `dollar` (VAR-5); applied by [`Self::commit`]
    /// once the state completes (VAR-3).
    pub fn assign(&self, assign: Option<&'static Template>, dollar: &Value) -> Result<(), Failure> {
        let Some(t) = assign else { return Ok(()) };
        let values = template::eval(t, &self.roots(dollar))?;
        if let Value::Object(m) = values {
            check_assign_size(&m)?;
            self.has_assigned
                .store(true, std::sync::atomic::Ordering::Relaxed);
            *self.assigned.lock().unwrap_or_else(|e| e.into_inner()) = Some(m);
        }
        Ok(())
    }

    /// What JSONata expressions of this state see, with `$states.input` = `input`.
    pub fn scope<'a>(&'a self, input: &'a Value) -> jsonata::Scope<'a> {
        jsonata::Scope {
            input,
            result: None,
            error_output: None,
            context: Some(self),
            vars: Some(&self.vars),
            map_item: None,
        }
    }

    /// Evaluates a JSONata `Assign`; applied by [`Self::commit`] (VAR-3).
    pub fn assign_jsonata(
        &self,
        assign: Option<&'static jsonata::Template>,
        scope: &jsonata::Scope<'_>,
    ) -> Result<(), Failure> {
        let Some(t) = assign else { return Ok(()) };
        if let Value::Object(m) = jsonata::template(t, scope, "Assign")? {
            check_assign_size(&m)?;
            self.has_assigned
                .store(true, std::sync::atomic::Ordering::Relaxed);
            *self.assigned.lock().unwrap_or_else(|e| e.into_inner()) = Some(m);
        }
        Ok(())
    }

    /// Applies the state's assignments to the scope's variables.
    pub fn commit(&self, vars: &mut Vars) {
        if !self.has_assigned.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let assigned = self
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(m) = assigned {
            if self.exec.keeps_history() {
                *self
                    .assigned_for_history
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) =
                    Some(m.iter().map(|(k, v)| (k.clone(), payload(v))).collect());
            }
            let target = Arc::make_mut(vars);
            for (k, v) in m {
                target.insert(k, v);
            }
        }
    }

    /// The current attempt's idempotency key (see [`TaskContext::idempotency_key`]).
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}{}#{}.{}",
            self.exec.info.id, self.exec.path, self.seq, self.retry_count
        )
    }

    /// A callback task's token for the current attempt: derived from the idempotency key in
    /// a durable execution (a re-invoked attempt gets the same token), random otherwise.
    fn callback_token(&self) -> String {
        match &self.exec.journal {
            Some(j) => j.token(&self.idempotency_key()),
            None => new_task_token(),
        }
    }

    /// Records `<ty>StateExited` with the state's output.
    pub fn exit(&self, output: &Value) {
        self.exited
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.exec
            .record_with(state_event(self.ty, false), Some(self.name), || {
                let mut d = Map::new();
                let assigned = self
                    .assigned_for_history
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                // An empty `Assign` assigned nothing: AWS records no `assignedVariables`.
                if let Some(a) = assigned.filter(|a| !a.is_empty()) {
                    d.insert("assignedVariables".into(), Value::Object(a));
                    d.insert("assignedVariablesDetails".into(), not_truncated());
                }
                d.insert("name".into(), self.name.into());
                d.insert("output".into(), payload(output));
                d.insert("outputDetails".into(), not_truncated());
                Value::Object(d)
            });
    }

    /// Records an event about this state with details.
    pub fn record_with(&self, kind: &'static str, details: impl FnOnce() -> Value) -> u64 {
        self.exec.record_with(kind, Some(self.name), details)
    }

    /// Records an event about this state.
    pub fn record(&self, kind: &'static str) -> u64 {
        self.exec.record(kind, Some(self.name))
    }

    /// Prefixes a runtime error's cause as AWS does: which state, entered at which event.
    pub fn locate(&self, mut f: Failure) -> Failure {
        if matches!(
            f.error.as_str(),
            names::RUNTIME | names::INTRINSIC_FAILURE | names::QUERY_EVALUATION_ERROR
        ) && let Some(cause) = &f.cause
            && !cause.starts_with("An error occurred while executing the state")
        {
            f.cause = Some(format!(
                "An error occurred while executing the state '{}' (entered at the event id \
                 #{}). {cause}",
                self.name, self.event_id
            ));
            if f.error == names::QUERY_EVALUATION_ERROR {
                self.record_with("EvaluationFailed", || {
                    let mut d = Map::new();
                    d.insert("cause".into(), f.cause.clone().into());
                    d.insert("error".into(), f.error.clone().into());
                    if let Some(field) = f.cause.as_deref().and_then(evaluation_location) {
                        d.insert("location".into(), field.into());
                    }
                    d.insert("state".into(), self.name.into());
                    Value::Object(d)
                });
            }
        }
        f
    }
}

/// The field an evaluation error is about (`location` in `EvaluationFailed`), as its cause
/// names it: "… specified for the field 'Output/error' …", "The Timestamp field …".
fn evaluation_location(cause: &str) -> Option<&str> {
    if let Some(i) = cause.find("specified for the field '") {
        let rest = &cause[i + "specified for the field '".len()..];
        return rest.find('\'').map(|j| &rest[..j]);
    }
    let text = cause.split_once("). ").map_or(cause, |(_, t)| t);
    let rest = text.strip_prefix("The ")?;
    let field = rest.split(' ').next()?;
    rest[field.len()..].starts_with(" field").then_some(field)
}

/// Ends an execution: applies the machine's `TimeoutSeconds` (TOP-4) to `run` and records
/// `ExecutionSucceeded`, `ExecutionFailed` or `ExecutionTimedOut`.
pub async fn finish(
    exec: &Arc<Exec>,
    timeout_seconds: Option<u64>,
    run: impl Future<Output = Result<Value, Failure>>,
) -> Result<Value, crate::error::ExecutionError> {
    let mut timeout = timeout_seconds.map(Duration::from_secs);
    if exec.info.express {
        // An Express execution runs at most five minutes (EXEC-2, EXEC-11).
        timeout = Some(timeout.map_or(MAX_EXPRESS, |t| t.min(MAX_EXPRESS)));
    }
    finish_within(exec, timeout, run).await
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
    use crate::error::{ExecutionError, Status};
    let span = tracing::info_span!(
        "execution",
        id = %exec.info.id,
        mode = if exec.journal.is_some() { "standard" } else { "express" }
    );
    // The workflow's future is large: pin it where it is and instrument the reference
    // rather than moving it into the span's wrapper.
    tokio::pin!(run);
    let run = tracing::Instrument::instrument(run, span);
    let result = match timeout {
        Some(d) => match tokio::time::timeout(d, run).await {
            Ok(r) => r,
            Err(_) => {
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
        Err(f) if f.is_interrupted() => {
            Err(ExecutionError::new(Status::Failed, Some(f.error), f.cause))
        }
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
            let error = (!f.error.is_empty()).then_some(f.error);
            Err(ExecutionError::new(Status::Failed, error, f.cause))
        }
    }
}

// ----- data flow (DATA-*) -------------------------------------------------------------

/// A JSONPath path field that may be absent (`$`) or null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathField {
    /// Absent: `$`.
    Default,
    /// `null`.
    Null,
    /// A path.
    Path(&'static Path),
}

/// A state's JSONPath input/output fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Io {
    /// `InputPath`.
    pub input_path: PathField,
    /// `Parameters` (for Map: none; its `ItemSelector` is separate).
    pub parameters: Option<&'static Template>,
    /// `ResultSelector`.
    pub result_selector: Option<&'static Template>,
    /// `ResultPath`.
    pub result_path: PathField,
    /// `OutputPath`.
    pub output_path: PathField,
    /// JSONPath `Assign` of the state (STATE-7, VAR-1).
    pub assign: Option<&'static Template>,
    /// A JSONata state: `arguments`, `output` and `assign_jsonata` apply, the JSONPath fields
    /// are unset (JSONATA-1).
    pub jsonata: bool,
    /// JSONata `Arguments` (TASK-11, JSONATA-10).
    pub arguments: Option<&'static jsonata::Template>,
    /// JSONata `Output` (JSONATA-10).
    pub output: Option<&'static jsonata::Template>,
    /// JSONata `Assign` (VAR-1).
    pub assign_jsonata: Option<&'static jsonata::Template>,
}

impl Io {
    /// All defaults.
    pub const DEFAULT: Io = Io {
        input_path: PathField::Default,
        parameters: None,
        result_selector: None,
        result_path: PathField::Default,
        output_path: PathField::Default,
        assign: None,
        jsonata: false,
        arguments: None,
        output: None,
        assign_jsonata: None,
    };
}

/// `InputPath` or `OutputPath` applied to `input` (DATA-6, DATA-17, DATA-18).
pub fn select_io(run: &StateRun, input: &Value, field: &PathField) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(input.clone()),
        PathField::Null => Ok(Value::Object(Map::new())),
        PathField::Path(p) => {
            let roots = run.roots(input);
            match jsonpath::select(p, &roots) {
                Ok(sel) => sel.into_value().ok_or_else(|| {
                    Failure::runtime(format!(
                        "Invalid path '{}' : {}",
                        p.text,
                        jsonpath::not_found_message(p, &roots)
                    ))
                }),
                Err(e) => Err(Failure::runtime(e.0)),
            }
        }
    }
}

/// [`select_io`] taking the value: `$` and `null` need no copy.
pub fn select_owned(run: &StateRun, input: Value, field: &PathField) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(input),
        _ => select_io(run, &input, field),
    }
}

/// `InputPath` then `Parameters` (DATA-5, DATA-6, DATA-8).
pub fn effective_input(run: &StateRun, raw: &Value, io: &Io) -> Result<Value, Failure> {
    if io.jsonata {
        return match io.arguments {
            Some(t) => jsonata::template(t, &run.scope(raw), "Arguments"),
            None => Ok(raw.clone()),
        };
    }
    let input = select_io(run, raw, &io.input_path)?;
    match io.parameters {
        Some(t) => template::eval(t, &run.roots(&input)),
        None => Ok(input),
    }
}

/// `ResultSelector`, `ResultPath` into the raw input, then `OutputPath` (DATA-13, DATA-14,
/// DATA-17).
pub fn apply_result(run: &StateRun, raw: Value, result: Value, io: &Io) -> Result<Value, Failure> {
    if io.jsonata {
        // `Assign` and `Output` both see the variables from before the state (VAR-3).
        let scope = jsonata::Scope {
            result: Some(&result),
            ..run.scope(&raw)
        };
        run.assign_jsonata(io.assign_jsonata, &scope)?;
        let out = match io.output {
            Some(t) => Some(jsonata::template(t, &scope, "Output")?),
            None => None,
        };
        let out = out.unwrap_or(result);
        check_size(run, &out)?;
        return Ok(out);
    }
    // `Assign` sees the raw result, like `ResultSelector` (DATA-5, VAR-5).
    run.assign(io.assign, &result)?;
    let result = match io.result_selector {
        Some(t) => template::eval(t, &run.roots(&result))?,
        None => result,
    };
    let merged = result_path(raw, result, &io.result_path)?;
    let out = select_owned(run, merged, &io.output_path)?;
    check_size(run, &out)?;
    Ok(out)
}

/// [`apply_result`] for a caller that keeps the raw input (for retries and catchers): the raw
/// input is copied only when `ResultPath` merges the result into it.
pub fn apply_result_ref(
    run: &StateRun,
    raw: &Value,
    result: Value,
    io: &Io,
) -> Result<Value, Failure> {
    if io.jsonata {
        return apply_result(run, raw.clone(), result, io);
    }
    match io.result_path {
        // The result replaces the input, which is not needed.
        PathField::Default => apply_result(run, Value::Null, result, io),
        // The input is the output: select from it in place.
        PathField::Null => {
            run.assign(io.assign, &result)?;
            if let Some(t) = io.result_selector {
                template::eval(t, &run.roots(&result))?;
            }
            let out = select_io(run, raw, &io.output_path)?;
            check_size(run, &out)?;
            Ok(out)
        }
        PathField::Path(_) => apply_result(run, raw.clone(), result, io),
    }
}

/// Places `result` into `raw` at `ResultPath` (DATA-14, DATA-16).
pub fn result_path(raw: Value, result: Value, field: &PathField) -> Result<Value, Failure> {
    let p = match field {
        PathField::Default => return Ok(result),
        PathField::Null => return Ok(raw),
        PathField::Path(p) => p,
    };
    if p.steps.is_empty() {
        return Ok(result);
    }
    if !result_path_applies(&raw, p.steps) {
        return Err(Failure::new(
            names::RESULT_PATH_MATCH_FAILURE,
            format!("Unable to apply ReferencePath {} to input {raw}", p.text),
        ));
    }
    let mut doc = raw;
    // Checked above: the walk below cannot fail, but stays total rather than panicking.
    let fail = || {
        Failure::new(
            names::RESULT_PATH_MATCH_FAILURE,
            format!("Unable to apply ReferencePath {}", p.text),
        )
    };
    let mut node = &mut doc;
    let last = p.steps.len() - 1;
    for (i, step) in p.steps.iter().enumerate() {
        match step.selector {
            jsonpath::Selector::Field(f) => {
                let Value::Object(m) = node else {
                    return Err(fail());
                };
                if i == last {
                    m.insert(f.to_string(), result);
                    return Ok(doc);
                }
                let entry = m
                    .entry(f.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() && !entry.is_array() {
                    *entry = Value::Object(Map::new());
                }
                node = entry;
            }
            jsonpath::Selector::Index(idx) => {
                let Value::Array(a) = node else {
                    return Err(fail());
                };
                let len = a.len() as i64;
                let pos = if idx < 0 {
                    len.saturating_add(idx)
                } else {
                    idx
                };
                let Some(slot) = usize::try_from(pos).ok().and_then(|p| a.get_mut(p)) else {
                    return Err(fail());
                };
                if i == last {
                    *slot = result;
                    return Ok(doc);
                }
                node = slot;
            }
            _ => return Err(fail()),
        }
    }
    Ok(doc)
}

/// Whether `ResultPath` steps can be applied to `doc` without changing it first (DATA-16):
/// fields need objects (missing or scalar intermediate fields become objects), indexes need
/// an existing element.
fn result_path_applies(doc: &Value, steps: &[jsonpath::Step]) -> bool {
    let mut node = Some(doc);
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        node = match (step.selector, node) {
            (jsonpath::Selector::Field(_), None) => None,
            (jsonpath::Selector::Field(f), Some(Value::Object(m))) => match m.get(f) {
                Some(v) if v.is_object() || v.is_array() || last => Some(v),
                _ => None,
            },
            (jsonpath::Selector::Index(idx), Some(Value::Array(a))) => {
                let len = a.len() as i64;
                let pos = if idx < 0 {
                    len.saturating_add(idx)
                } else {
                    idx
                };
                match usize::try_from(pos).ok().and_then(|p| a.get(p)) {
                    Some(v) => Some(v),
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    true
}

/// The payload quota: a state's output above 256 KiB fails with `States.DataLimitExceeded`.
pub fn check_size(run: &StateRun, v: &Value) -> Result<(), Failure> {
    if too_large(v) {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{}' returned a result with a size exceeding the maximum number \
                 of bytes service limit.",
                run.name
            ),
        ));
    }
    Ok(())
}

/// VAR-10: a variable's value, and all values of one `Assign`, are at most 256 KiB.
fn check_assign_size(m: &Map<String, Value>) -> Result<(), Failure> {
    let mut total = 0;
    for (name, v) in m {
        let len = json_len(v, MAX_PAYLOAD_BYTES);
        if len > MAX_PAYLOAD_BYTES {
            return Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The value assigned to the variable '{name}' exceeds the maximum size of \
                     262144 bytes."
                ),
            ));
        }
        total += len;
    }
    if total > MAX_PAYLOAD_BYTES {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            "The values assigned by the state exceed the maximum total size of 262144 bytes.",
        ));
    }
    Ok(())
}

/// Whether a value is above the payload quota (EXEC-9).
fn too_large(v: &Value) -> bool {
    // A cheap upper bound first; the exact length only near the quota.
    json_len_bound(v, MAX_PAYLOAD_BYTES) > MAX_PAYLOAD_BYTES
        && json_len(v, MAX_PAYLOAD_BYTES) > MAX_PAYLOAD_BYTES
}

/// An upper bound of [`json_len`] without formatting numbers: a float counts as 24 bytes
/// (its longest form), everything else exactly.
fn json_len_bound(v: &Value, limit: usize) -> usize {
    fn walk(v: &Value, acc: &mut usize, limit: usize) {
        if *acc > limit {
            return;
        }
        match v {
            Value::Number(n) if n.is_f64() => *acc += 24,
            Value::Array(a) => {
                *acc += 2 + a.len().saturating_sub(1);
                for x in a {
                    walk(x, acc, limit);
                }
            }
            Value::Object(m) => {
                *acc += 2 + m.len().saturating_sub(1);
                for (k, x) in m {
                    *acc += json_str_len(k) + 1;
                    walk(x, acc, limit);
                }
            }
            other => *acc += json_len(other, limit),
        }
    }
    let mut acc = 0;
    walk(v, &mut acc, limit);
    acc
}

/// The serialized length of a JSON string, quotes and escapes included.
fn json_str_len(s: &str) -> usize {
    let mut n = 2;
    for b in s.bytes() {
        n += match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        };
    }
    n
}

/// The length of `v` serialized as compact JSON (as serde_json writes it), computed without
/// serializing; stops counting once past `limit`.
pub fn json_len(v: &Value, limit: usize) -> usize {
    use json_str_len as str_len;
    fn walk(v: &Value, acc: &mut usize, limit: usize) {
        if *acc > limit {
            return;
        }
        match v {
            Value::Null => *acc += 4,
            Value::Bool(b) => *acc += if *b { 4 } else { 5 },
            Value::Number(n) => {
                *acc += if let Some(i) = n.as_i64() {
                    i.unsigned_abs()
                        .checked_ilog10()
                        .map_or(1, |d| d as usize + 1)
                        + usize::from(i < 0)
                } else if let Some(u) = n.as_u64() {
                    u.checked_ilog10().map_or(1, |d| d as usize + 1)
                } else {
                    n.to_string().len()
                }
            }
            Value::String(s) => *acc += str_len(s),
            Value::Array(a) => {
                *acc += 2 + a.len().saturating_sub(1);
                for x in a {
                    walk(x, acc, limit);
                }
            }
            Value::Object(m) => {
                *acc += 2 + m.len().saturating_sub(1);
                for (k, x) in m {
                    *acc += str_len(k) + 1;
                    walk(x, acc, limit);
                }
            }
        }
    }
    let mut acc = 0;
    walk(v, &mut acc, limit);
    acc
}

// ----- Pass, Wait, Fail ----------------------------------------------------------------

/// A Pass state (STATE-PASS-*): the result is `Result`, else the effective input.
pub fn pass(run: &StateRun, raw: Value, io: &Io, result: Option<&Value>) -> Result<Value, Failure> {
    if !io.jsonata
        && io.assign.is_none()
        && io.result_path == PathField::Default
        && io.result_selector.is_none()
    {
        // The result replaces the input: the input moves through, nothing is copied.
        let unchanged = result.is_none()
            && io.input_path == PathField::Default
            && io.parameters.is_none()
            && io.output_path == PathField::Default;
        if unchanged {
            // The input passed the quota check when the previous state produced it.
            return Ok(raw);
        }
        let plain = io.input_path == PathField::Default && io.parameters.is_none();
        let result = match result {
            Some(r) => {
                // `Result` replaces the effective input, but its paths still have to resolve.
                if !plain {
                    effective_input(run, &raw, io)?;
                }
                r.clone()
            }
            None if plain => raw,
            None => effective_input(run, &raw, io)?,
        };
        let out = select_owned(run, result, &io.output_path)?;
        check_size(run, &out)?;
        return Ok(out);
    }
    let effective = effective_input(run, &raw, io)?;
    let result = match result {
        Some(r) => r.clone(),
        None => effective,
    };
    apply_result(run, raw, result, io)
}

/// A JSONata state without a result (Choice, Succeed): `Assign`, then `Output` over the
/// input, which is also the default output (JSONATA-10).
pub fn pass_through(
    run: &StateRun,
    raw: &Value,
    assign: Option<&'static jsonata::Template>,
    output: Option<&'static jsonata::Template>,
) -> Result<Value, Failure> {
    let scope = run.scope(raw);
    run.assign_jsonata(assign, &scope)?;
    let out = match output {
        Some(t) => jsonata::template(t, &scope, "Output")?,
        None => raw.clone(),
    };
    check_size(run, &out)?;
    Ok(out)
}

/// A JSONata Choice `Condition` (CHOICE-35): must evaluate to a boolean.
pub fn condition(
    run: &StateRun,
    raw: &Value,
    expr: &'static jsonata::Expr,
) -> Result<bool, Failure> {
    let v = jsonata::typed(expr, &run.scope(raw), "Condition", "boolean")?;
    Ok(v == Value::Bool(true))
}

/// How long a Wait state waits (WAIT-*).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitFor {
    /// `Seconds`.
    Seconds(u64),
    /// `SecondsPath`.
    SecondsPath(&'static Path),
    /// `Timestamp`.
    Timestamp(&'static str),
    /// `TimestampPath`.
    TimestampPath(&'static Path),
    /// JSONata `Seconds`.
    SecondsExpr(&'static jsonata::Expr),
    /// JSONata `Timestamp`.
    TimestampExpr(&'static jsonata::Expr),
}

/// The longest wait AWS allows (a year, WAIT-7).
const MAX_WAIT: Duration = Duration::from_secs(366 * 24 * 3600);

/// A Wait state: waits (on tokio's clock), then passes its input on.
pub async fn wait(run: &StateRun, raw: Value, io: &Io, until: WaitFor) -> Result<Value, Failure> {
    if io.jsonata {
        return wait_jsonata(run, raw, io, until).await;
    }
    let effective = select_io(run, &raw, &io.input_path)?;
    let duration = match until {
        WaitFor::Seconds(s) => Duration::from_secs(s),
        WaitFor::SecondsPath(p) => {
            let roots = run.roots(&effective);
            let v = jsonpath::select(p, &roots)
                .map_err(|e| Failure::runtime(e.0))?
                .into_value()
                .ok_or_else(|| {
                    Failure::runtime(format!(
                        "The SecondsPath parameter does not reference an input value: {}",
                        p.text
                    ))
                })?;
            match v.as_i64().or_else(|| v.as_u64().map(|u| u as i64)) {
                Some(n) if n < 0 => {
                    return Err(Failure::runtime(format!(
                        "The SecondsPath parameter references a negative value: {} == {v}",
                        p.text
                    )));
                }
                Some(n) => Duration::from_secs(n as u64),
                None => {
                    return Err(Failure::runtime(format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {} == {v}",
                        p.text
                    )));
                }
            }
        }
        WaitFor::SecondsExpr(_) | WaitFor::TimestampExpr(_) => Duration::ZERO,
        WaitFor::Timestamp(t) => until_timestamp(t).ok_or_else(|| {
            Failure::runtime(format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time \
                 format string: {t}"
            ))
        })?,
        WaitFor::TimestampPath(p) => {
            let roots = run.roots(&effective);
            let v = jsonpath::select(p, &roots)
                .map_err(|e| Failure::runtime(e.0))?
                .into_value();
            let text = match &v {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let d = v.as_ref().and_then(Value::as_str).and_then(until_timestamp);
            d.ok_or_else(|| {
                Failure::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended \
                     offset date-time format string: {} == {text}",
                    p.text
                ))
            })?
        }
    };
    if duration > MAX_WAIT {
        return Err(Failure::runtime("Wait state delay is too long."));
    }
    run.assign(io.assign, &effective)?;
    sleep_from(run, until, duration).await;
    // The output is the effective input, filtered by OutputPath (WAIT-6).
    select_io(run, &effective, &io.output_path)
}

async fn wait_jsonata(
    run: &StateRun,
    raw: Value,
    io: &Io,
    until: WaitFor,
) -> Result<Value, Failure> {
    let bad_timestamp = |t: &str| {
        Failure::new(
            names::QUERY_EVALUATION_ERROR,
            format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time \
                 format string: {t}"
            ),
        )
    };
    let duration = {
        let scope = run.scope(&raw);
        let d = match until {
            WaitFor::Seconds(s) => Duration::from_secs(s),
            WaitFor::Timestamp(t) => until_timestamp(t).ok_or_else(|| bad_timestamp(t))?,
            WaitFor::SecondsExpr(e) => {
                let v = jsonata::typed(e, &scope, "Seconds", "number")?;
                match v.as_u64() {
                    Some(n) => Duration::from_secs(n),
                    None => {
                        return Err(Failure::new(
                            names::QUERY_EVALUATION_ERROR,
                            format!(
                                "The JSONata expression '{}' specified for the field 'Seconds' \
                                 returned an unexpected result type. Expected 'non-negative \
                                 integer', but was 'number' for value: {v}",
                                e.text
                            ),
                        ));
                    }
                }
            }
            WaitFor::TimestampExpr(e) => {
                let v = jsonata::typed(e, &scope, "Timestamp", "string")?;
                let t = v.as_str().unwrap_or_default();
                until_timestamp(t).ok_or_else(|| bad_timestamp(t))?
            }
            WaitFor::SecondsPath(_) | WaitFor::TimestampPath(_) => Duration::ZERO,
        };
        run.assign_jsonata(io.assign_jsonata, &scope)?;
        d
    };
    if duration > MAX_WAIT {
        return Err(Failure::new(
            names::QUERY_EVALUATION_ERROR,
            "Wait state delay is too long.",
        ));
    }
    sleep_from(run, until, duration).await;
    let scope = run.scope(&raw);
    let out = match io.output {
        Some(t) => jsonata::template(t, &scope, "Output")?,
        None => raw.clone(),
    };
    check_size(run, &out)?;
    Ok(out)
}

/// Sleeps a Wait state's `duration`: counted from when the state was entered for `Seconds`
/// (so a durable execution resumed mid-wait waits only what is left), from now for a
/// timestamp (already an absolute deadline).
async fn sleep_from(run: &StateRun, until: WaitFor, duration: Duration) {
    let relative = matches!(
        until,
        WaitFor::Seconds(_) | WaitFor::SecondsPath(_) | WaitFor::SecondsExpr(_)
    );
    if relative && run.exec.journal.is_some() {
        let deadline =
            run.entered() + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        crate::clock::sleep_until(deadline).await;
    } else {
        tokio::time::sleep(duration).await;
    }
}

fn until_timestamp(t: &str) -> Option<Duration> {
    let ts = crate::choice::parse_timestamp(t)?;
    // AWS waits to the second (WAIT-3); a past time continues at once.
    let target = ts.timestamp();
    let now = crate::clock::now().timestamp();
    Some(Duration::from_secs(
        u64::try_from(target - now).unwrap_or(0),
    ))
}

/// Where a Fail state's `Error` or `Cause` comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailText {
    /// A literal.
    Literal(&'static str),
    /// `ErrorPath` / `CausePath`.
    Path(&'static Path, &'static str),
    /// An intrinsic call in `ErrorPath` / `CausePath`.
    Call(&'static crate::intrinsics::Call, &'static str),
    /// A JSONata `Error` / `Cause`; the second field names the field.
    Expr(&'static jsonata::Expr, &'static str),
}

/// A Fail state: the failure it raises (STATE-FAIL-*).
pub fn fail(
    run: &StateRun,
    raw: &Value,
    error: Option<FailText>,
    cause: Option<FailText>,
) -> Failure {
    let text = |t: Option<FailText>| -> Result<Option<String>, Failure> {
        let roots = run.roots(raw);
        Ok(match t {
            None => None,
            Some(FailText::Literal(s)) => Some(s.to_string()),
            Some(FailText::Path(p, field)) => {
                let v = template::path_value(p, &roots, field)?;
                Some(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            Some(FailText::Call(c, field)) => {
                let v = crate::intrinsics::eval(c, &roots, field)?;
                Some(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            Some(FailText::Expr(e, field)) => {
                let v = jsonata::value(e, &run.scope(raw), field)?;
                Some(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
        })
    };
    let error = match text(error) {
        Ok(e) => e,
        Err(f) => return run.locate(f),
    };
    let cause = match text(cause) {
        Ok(c) => c,
        Err(f) => return run.locate(f),
    };
    Failure {
        error: error.unwrap_or_default(),
        cause,
    }
}

// ----- Retry and Catch (RETRY-*, CATCH-*) ----------------------------------------------

/// A compiled Retrier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: &'static [&'static str],
    /// `IntervalSeconds`.
    pub interval_seconds: u64,
    /// `MaxAttempts`.
    pub max_attempts: u64,
    /// `BackoffRate`.
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy: FULL`.
    pub full_jitter: bool,
}

impl Retrier {
    /// The delay before retry `n` (1-based), before jitter (RETRY-8).
    pub fn delay(&self, n: u64) -> Duration {
        let exp = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
        let mut secs = self.interval_seconds as f64 * self.backoff_rate.powi(exp);
        if let Some(max) = self.max_delay_seconds {
            secs = secs.min(max as f64);
        }
        Duration::from_secs_f64(secs.clamp(0.0, MAX_WAIT.as_secs_f64()))
    }
}

/// A compiled Catcher.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: &'static [&'static str],
    /// `ResultPath` (default `$`).
    pub result_path: PathField,
    /// `Assign`, evaluated instead of the state's with `$` = the Error Output (CATCH-5).
    pub assign: Option<&'static Template>,
    /// A JSONata state's Catcher: `output` and `assign_jsonata` apply, with
    /// `$states.errorOutput` (CATCH-6).
    pub jsonata: bool,
    /// JSONata `Output` (default: the Error Output).
    pub output: Option<&'static jsonata::Template>,
    /// JSONata `Assign`.
    pub assign_jsonata: Option<&'static jsonata::Template>,
}

/// How a state with Retry/Catch ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It succeeded with this output.
    Done(Value),
    /// Catcher `n` caught an error; this is the state's output.
    Caught(usize, Value),
}

impl Outcome {
    /// The state's output, caught or not (for states without Catchers, which are never
    /// `Caught`).
    pub fn into_value(self) -> Value {
        match self {
            Outcome::Done(v) | Outcome::Caught(_, v) => v,
        }
    }
}

/// The Retriers' attempt counts during one visit of a state (RETRY-9).
#[derive(Debug, Default)]
pub struct RetryState {
    counts: Vec<u64>,
}

impl RetryState {
    /// The attempt counts of `run`: none, or in a durable execution resumed between two
    /// attempts, the committed ones (and the rest of the backoff is slept here).
    pub async fn resume(run: &mut StateRun) -> RetryState {
        let point = match (&run.exec.journal, run.exec.top) {
            (Some(j), true) => j.take_retry(),
            _ => None,
        };
        let Some(p) = point else {
            return RetryState::default();
        };
        run.retry_count = p.retry_count;
        if run.task_token.is_some() {
            run.task_token = Some(run.callback_token());
        }
        run.context = OnceLock::new();
        crate::clock::sleep_until(p.resume_at).await;
        RetryState { counts: p.counts }
    }

    /// Commits the retry about to wait `delay` (durable top-level states), so a restart
    /// continues with the rest of the backoff instead of attempting the state from scratch.
    pub async fn commit(
        &self,
        run: &StateRun,
        raw: &Value,
        delay: Duration,
    ) -> Result<(), Failure> {
        match (&run.exec.journal, run.exec.top) {
            (Some(j), true) => {
                let point = crate::durable::journal::RetryPoint {
                    counts: self.counts.clone(),
                    retry_count: run.retry_count,
                    resume_at: crate::clock::now()
                        + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
                    entered: run.event_id,
                };
                j.checkpoint_retry(&run.exec, run.name, raw, &run.vars, run.entered(), point)
                    .await
            }
            _ => Ok(()),
        }
    }

    /// After `failure`: the delay before the next attempt, or `None` when no Retrier applies
    /// or the matching one is exhausted (RETRY-9, RETRY-10). Updates the run's retry count.
    pub fn next_delay(
        &mut self,
        run: &mut StateRun,
        retry: &[Retrier],
        failure: &Failure,
    ) -> Option<Duration> {
        if failure.is_terminal() {
            return None;
        }
        if self.counts.len() < retry.len() {
            self.counts.resize(retry.len(), 0);
        }
        let i = retry
            .iter()
            .position(|r| r.error_equals.iter().any(|e| failure.matches(e)))?;
        let r = &retry[i];
        if self.counts[i] >= r.max_attempts {
            return None;
        }
        self.counts[i] += 1;
        let mut delay = r.delay(self.counts[i]);
        if r.full_jitter {
            delay = delay.mul_f64(rand::random::<f64>());
        }
        run.retry_count += 1;
        if run.task_token.is_some() {
            // A retried callback task gets a new token (TASK-4).
            run.task_token = Some(run.callback_token());
        }
        run.context = OnceLock::new();
        Some(delay)
    }
}

/// The Catchers' turn (CATCH-3, CATCH-4): the first whose `ErrorEquals` matches places the
/// Error Output into the raw input at its `ResultPath`.
pub fn catch(
    run: &StateRun,
    raw: &Value,
    catchers: &[Catcher],
    failure: Failure,
) -> Result<Outcome, Failure> {
    if failure.is_terminal() {
        return Err(failure);
    }
    for (i, c) in catchers.iter().enumerate() {
        if c.error_equals.iter().any(|e| failure.matches(e)) {
            let error_output = failure.to_error_output();
            // A result's assignment never happened: the state failed.
            *run.assigned.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if c.jsonata {
                let scope = jsonata::Scope {
                    error_output: Some(&error_output),
                    ..run.scope(raw)
                };
                run.assign_jsonata(c.assign_jsonata, &scope)
                    .map_err(|f| run.locate(f))?;
                let out = match c.output {
                    Some(t) => jsonata::template(t, &scope, "Output").map_err(|f| run.locate(f))?,
                    None => error_output.clone(),
                };
                return Ok(Outcome::Caught(i, out));
            }
            run.assign(c.assign, &error_output)
                .map_err(|f| run.locate(f))?;
            let out = result_path(raw.clone(), error_output, &c.result_path)?;
            return Ok(Outcome::Caught(i, out));
        }
    }
    Err(failure)
}

/// Runs attempts of a state with Retry and Catch: `$attempt` is an expression producing
/// `Result<Value, Failure>` for one attempt.
macro_rules! retrying {
    ($run:expr, $raw:expr, $spec:expr, $attempt:expr) => {{
        let mut retries = RetryState::resume($run).await;
        loop {
            match $attempt.await {
                Ok(v) => break Ok(Outcome::Done(v)),
                Err(f) => {
                    let f = $run.locate(f);
                    match retries.next_delay($run, $spec.retry, &f) {
                        Some(delay) => {
                            if let Err(f) = retries.commit($run, &$raw, delay).await {
                                break Err(f);
                            }
                            tokio::time::sleep(delay).await
                        }
                        None => break catch($run, &$raw, $spec.catch, f),
                    }
                }
            }
        }
    }};
}

// ----- Task (TASK-*) ---------------------------------------------------------------------

/// A number of seconds given literally or by a Reference Path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seconds {
    /// Not given.
    Default,
    /// A literal.
    Literal(u64),
    /// `…SecondsPath`.
    Path(&'static Path),
    /// JSONata `TimeoutSeconds` / `HeartbeatSeconds`.
    Expr(&'static jsonata::Expr),
}

/// A compiled Task state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskSpec {
    /// `Resource`.
    pub resource: &'static str,
    /// Data flow.
    pub io: Io,
    /// `TimeoutSeconds(Path)`.
    pub timeout: Seconds,
    /// `HeartbeatSeconds(Path)`.
    pub heartbeat: Seconds,
    /// `Retry`.
    pub retry: &'static [Retrier],
    /// `Catch`.
    pub catch: &'static [Catcher],
    /// `Credentials` (TASK-10).
    pub credentials: Option<Credentials>,
}

/// A Task's `Credentials` field, in the state's query language.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Credentials {
    /// A JSONPath template (`"RoleArn.$": "$.role"`).
    Template(&'static Template),
    /// A JSONata value (`"RoleArn": "{% $role %}"`).
    Jsonata(&'static jsonata::Template),
}

/// What a task handler knows about its invocation.
#[derive(Debug, Clone)]
pub struct TaskContext {
    /// The Task state's name.
    pub state_name: &'static str,
    /// The execution ARN.
    pub execution_id: String,
    /// Retries before this attempt.
    pub retry_count: u32,
    /// When the state was entered.
    pub entered_time: DateTime<Utc>,
    /// The task token (callback and activity resources).
    pub task_token: Option<String>,
    /// The resolved `TimeoutSeconds`, if any.
    pub timeout_seconds: Option<u64>,
    /// The resolved `HeartbeatSeconds`, if any.
    pub heartbeat_seconds: Option<u64>,
    /// The resolved `Credentials` (e.g. `{"RoleArn": "arn:aws:iam::…:role/…"}`): the role AWS
    /// would assume to call the resource (TASK-10).
    pub credentials: Option<Value>,
    /// Where the task sits (a Map iteration or Parallel branch), for the idempotency key.
    key_path: String,
    /// The visit's sequence number, for the idempotency key.
    key_seq: u64,
    /// Only with `HeartbeatSeconds`: without it a heartbeat has nothing to reset.
    heartbeat: Option<Arc<tokio::sync::watch::Sender<u64>>>,
    /// Only for callback and `.sync` tasks: records their `TaskSubmitted`.
    submission: Option<Submission>,
}

/// A callback or `.sync` task's `TaskSubmitted` event, recorded once: when the handler reports
/// what the service answered ([`TaskContext::submitted`]), when a durable callback's handler
/// returns (its result is that answer), or else just before the task's outcome.
#[derive(Clone)]
struct Submission {
    exec: Arc<Exec>,
    state: &'static str,
    resource: &'static str,
    resource_type: &'static str,
    done: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("state", &self.state)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Submission {
    /// Records `TaskSubmitted` unless it has been: with the service's answer when known.
    fn record(&self, output: Option<&Value>) {
        if self.done.swap(true, std::sync::atomic::Ordering::AcqRel) {
            return;
        }
        self.exec
            .record_with("TaskSubmitted", Some(self.state), || {
                let mut d = Map::new();
                if let Some(v) = output {
                    d.insert("output".into(), payload(v));
                    d.insert("outputDetails".into(), not_truncated());
                }
                d.insert("resource".into(), self.resource.into());
                d.insert("resourceType".into(), self.resource_type.into());
                Value::Object(d)
            });
    }
}

impl TaskContext {
    /// The task token of a callback (`.waitForTaskToken`) task: hand it to whoever will call
    /// `send_task_success`/`send_task_failure`.
    pub fn task_token(&self) -> Option<&str> {
        self.task_token.as_deref()
    }

    /// A key naming this attempt of this task: the same when a durable execution resumed
    /// after a crash invokes the attempt again, different for each retry. Handlers with side
    /// effects use it to deduplicate (tasks run at least once).
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}{}#{}.{}",
            self.execution_id, self.key_path, self.key_seq, self.retry_count
        )
    }

    /// The `RoleArn` of the resolved `Credentials`, if any.
    pub fn role_arn(&self) -> Option<&str> {
        self.credentials.as_ref()?.get("RoleArn")?.as_str()
    }

    /// Tells the engine the task is alive (resets the `HeartbeatSeconds` clock).
    pub fn heartbeat(&self) {
        if let Some(h) = &self.heartbeat {
            h.send_modify(|n| *n += 1);
        }
    }

    /// Reports what the service answered when a callback (`.waitForTaskToken`) or `.sync`
    /// task was handed to it (an SQS `SendMessage` response, a `StartExecution` response):
    /// the output of the task's `TaskSubmitted` event, recorded now. Only the first report
    /// counts; other tasks ignore it. A durable callback's handler need not call it: what it
    /// returns is that answer.
    pub fn submitted(&self, response: &Value) {
        if let Some(s) = &self.submission {
            s.record(Some(response));
        }
    }
}

fn resolve_seconds(
    run: &StateRun,
    input: &Value,
    s: Seconds,
    field: &str,
) -> Result<Option<u64>, Failure> {
    match s {
        Seconds::Default => Ok(None),
        Seconds::Literal(n) => Ok(Some(n)),
        Seconds::Expr(e) => {
            let field = field.trim_end_matches("Path");
            let v = jsonata::typed(e, &run.scope(input), field, "number")?;
            match v.as_u64() {
                Some(n) if n > 0 => Ok(Some(n.min(MAX_TIMEOUT_SECONDS))),
                _ => Err(Failure::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!(
                        "The JSONata expression '{}' specified for the field '{field}' returned \
                         an unexpected result type. Expected 'positive integer', but was \
                         'number' for value: {v}",
                        e.text
                    ),
                )),
            }
        }
        Seconds::Path(p) => {
            let v = template::path_value(p, &run.roots(input), field)?;
            match v.as_u64() {
                // AWS's largest timeout; also keeps deadlines representable.
                Some(n) if n > 0 => Ok(Some(n.min(MAX_TIMEOUT_SECONDS))),
                _ => Err(Failure::runtime(format!(
                    "The {field} parameter must reference a positive integer: {} == {v}",
                    p.text
                ))),
            }
        }
    }
}

/// Runs a Task state: data flow, the handler with timeouts, Retry and Catch. `invoke` calls
/// the user's handler for the effective input.
pub async fn task<H, Fut>(
    run: &mut StateRun,
    raw: Value,
    spec: &'static TaskSpec,
    invoke: H,
) -> Result<Outcome, Failure>
where
    H: Fn(Value, TaskContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, TaskError>> + Send,
{
    if spec.resource.ends_with(".waitForTaskToken") {
        run.task_token = Some(run.callback_token());
    }
    retrying!(run, raw, spec, task_attempt(run, &raw, spec, &invoke))
}

/// A fresh task token for a callback task.
fn new_task_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

async fn task_attempt<H, Fut>(
    run: &StateRun,
    raw: &Value,
    spec: &'static TaskSpec,
    invoke: &H,
) -> Result<Value, Failure>
where
    H: Fn(Value, TaskContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, TaskError>> + Send,
{
    let effective = effective_input(run, raw, &spec.io)?;
    let timeout = resolve_seconds(run, raw, spec.timeout, "TimeoutSecondsPath")?;
    let heartbeat = resolve_seconds(run, raw, spec.heartbeat, "HeartbeatSecondsPath")?;
    let credentials = match spec.credentials {
        None => None,
        Some(Credentials::Jsonata(t)) => {
            Some(jsonata::template(t, &run.scope(raw), "Credentials")?)
        }
        Some(Credentials::Template(t)) => {
            let input = select_io(run, raw, &spec.io.input_path)?;
            Some(template::eval(t, &run.roots(&input))?)
        }
    };
    let (tx, mut rx) = match heartbeat {
        Some(_) => {
            let (tx, rx) = tokio::sync::watch::channel(0u64);
            (Some(Arc::new(tx)), Some(rx))
        }
        None => (None, None),
    };
    let events = TaskEvents::of(spec.resource);
    let (resource_type, resource) = split_resource(spec.resource);
    let submission = events.submitted.then(|| Submission {
        exec: Arc::clone(&run.exec),
        state: run.name,
        resource,
        resource_type,
        done: Arc::default(),
    });
    let ctx = TaskContext {
        state_name: run.name,
        execution_id: run.exec.info.id.clone(),
        retry_count: run.retry_count,
        entered_time: run.entered(),
        task_token: run.task_token.clone(),
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
        credentials,
        key_path: run.exec.path.clone(),
        key_seq: run.seq,
        heartbeat: tx,
        submission: submission.clone(),
    };
    // A durable callback task waits for its token in the store, where any process can
    // complete it; the token is known there before the handler can hand it out.
    let callback = match (&run.exec.journal, &run.task_token) {
        (Some(j), Some(token)) => {
            j.register_token(token, run.name).await?;
            Some((Arc::clone(j), token.clone()))
        }
        _ => None,
    };
    run.record_with(events.scheduled, || {
        let mut d = Map::new();
        if events.lambda || events.activity {
            d.insert("input".into(), payload(&effective));
            d.insert("inputDetails".into(), not_truncated());
            d.insert("resource".into(), spec.resource.into());
        } else {
            d.insert("parameters".into(), payload(&effective));
            d.insert(
                "region".into(),
                region(&run.exec.info.state_machine_id).into(),
            );
            d.insert("resource".into(), resource.into());
            d.insert("resourceType".into(), resource_type.into());
        }
        if let Some(t) = timeout {
            d.insert("timeoutInSeconds".into(), t.into());
        }
        // `LambdaFunctionScheduled` has no such field; `ActivityScheduled` does.
        if let Some(h) = heartbeat
            && !events.lambda
        {
            d.insert("heartbeatInSeconds".into(), h.into());
        }
        if let Some(role) = ctx.role_arn() {
            d.insert(
                "taskCredentials".into(),
                serde_json::json!({ "roleArn": role }),
            );
        }
        Value::Object(d)
    });
    if events.lambda || events.activity {
        run.record(events.started);
    } else {
        run.record_with(
            events.started,
            || serde_json::json!({ "resource": resource, "resourceType": resource_type }),
        );
    }
    let call = tracing::Instrument::instrument(
        std::panic::AssertUnwindSafe(invoke(effective, ctx)).catch_unwind(),
        tracing::debug_span!(parent: &run.span, "task", attempt = run.retry_count, resource = spec.resource),
    );
    let durable_callback = callback.is_some();
    let timed_out_token = callback.as_ref().map(|(j, t)| (Arc::clone(j), t.clone()));
    let call = async {
        let r = match call.await {
            Ok(r) => r.map_err(Failure::from),
            Err(panic) => Err(Failure::new(
                names::TASK_FAILED,
                format!("the task handler panicked: {}", panic_message(&panic)),
            )),
        };
        match callback {
            Some((journal, token)) => {
                let answer = r?;
                if let Some(s) = &submission {
                    s.record(Some(&answer));
                }
                journal.wait_token(&token, heartbeat).await
            }
            None => r,
        }
    };
    tokio::pin!(call);
    // A durable execution's first attempt times out counting from when the state was
    // entered, across restarts.
    let deadline = timeout.map(|t| {
        if run.exec.journal.is_some() && run.retry_count == 0 {
            let end = run.entered() + chrono::Duration::seconds(t as i64);
            tokio::time::Instant::now() + crate::clock::until(end)
        } else {
            tokio::time::Instant::now() + Duration::from_secs(t)
        }
    });
    // A durable callback's heartbeats arrive through the store (`wait_token` checks them).
    let heartbeat = if durable_callback { None } else { heartbeat };
    let mut beats_possible = rx.is_some();
    let result = loop {
        let beat = heartbeat.map(|h| tokio::time::Instant::now() + Duration::from_secs(h));
        tokio::select! {
            r = &mut call => break r,
            _ = sleep_opt(deadline) => {
                break Err(Failure { error: names::TIMEOUT.into(), cause: None });
            }
            _ = sleep_opt(beat) => {
                // AWS's recorded heartbeat timeouts report `States.Timeout` (TASK-7, ERR-5).
                break Err(Failure { error: names::TIMEOUT.into(), cause: None });
            }
            changed = async { match rx.as_mut() { Some(rx) => rx.changed().await, None => std::future::pending().await } }, if beats_possible => {
                // The handler dropped its context: no heartbeat can come any more, but the
                // timeout and the heartbeat deadline still run.
                beats_possible = changed.is_ok();
            }
        }
    };
    // A handler that stands for the whole wait and did not report its submission.
    if let Some(s) = &submission {
        s.record(None);
    }
    // A durable callback that timed out no longer accepts its token (a late SendTaskSuccess
    // gets `TaskTimedOut`, as on AWS).
    if let (Err(f), Some((journal, token))) = (&result, timed_out_token)
        && f.error == names::TIMEOUT
    {
        journal.time_out_token(&token).await;
    }
    match result {
        Ok(v) if too_large(&v) => {
            run.record_with(events.failed, || {
                events.describe(resource_type, resource, None, None)
            });
            // AWS names a Lambda function by its ARN here, anything else by the state.
            let who = if spec.resource.contains(":lambda:") && spec.resource.contains(":function:")
            {
                spec.resource
            } else {
                run.name
            };
            Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{who}' returned a result with a size exceeding the maximum \
                     number of bytes service limit."
                ),
            ))
        }
        Ok(v) => {
            run.record_with(events.succeeded, || {
                let mut d = events.describe(resource_type, resource, None, None);
                if let Value::Object(m) = &mut d {
                    m.insert("output".into(), payload(&v));
                    m.insert("outputDetails".into(), not_truncated());
                }
                d
            });
            apply_result_ref(run, raw, v, &spec.io)
        }
        Err(f) => {
            let timed_out = f.error == names::TIMEOUT || f.error == names::HEARTBEAT_TIMEOUT;
            run.record_with(
                if timed_out {
                    events.timed_out
                } else {
                    events.failed
                },
                || {
                    events.describe(
                        resource_type,
                        resource,
                        (!f.error.is_empty()).then_some(f.error.as_str()),
                        f.cause.as_deref(),
                    )
                },
            );
            Err(f)
        }
    }
}

/// The history events of a Task attempt, which depend on the Resource as AWS records them
/// (HIST-*): `LambdaFunction*` for a Lambda function ARN, `Activity*` for an activity, `Task*`
/// otherwise, with `TaskSubmitted` once a callback (`.waitForTaskToken`) or job (`.sync`) task
/// has been handed to the service.
struct TaskEvents {
    lambda: bool,
    activity: bool,
    scheduled: &'static str,
    started: &'static str,
    submitted: bool,
    succeeded: &'static str,
    failed: &'static str,
    timed_out: &'static str,
}

impl TaskEvents {
    fn of(resource: &str) -> Self {
        if resource.starts_with("arn:aws:lambda:") && resource.contains(":function:") {
            TaskEvents {
                lambda: true,
                activity: false,
                scheduled: "LambdaFunctionScheduled",
                started: "LambdaFunctionStarted",
                submitted: false,
                succeeded: "LambdaFunctionSucceeded",
                failed: "LambdaFunctionFailed",
                timed_out: "LambdaFunctionTimedOut",
            }
        } else if resource.starts_with("arn:aws:states:") && resource.contains(":activity:") {
            TaskEvents {
                lambda: false,
                activity: true,
                scheduled: "ActivityScheduled",
                started: "ActivityStarted",
                submitted: false,
                succeeded: "ActivitySucceeded",
                failed: "ActivityFailed",
                timed_out: "ActivityTimedOut",
            }
        } else {
            TaskEvents {
                lambda: false,
                activity: false,
                scheduled: "TaskScheduled",
                started: "TaskStarted",
                submitted: resource.ends_with(".waitForTaskToken")
                    || resource.ends_with(".sync")
                    || resource.ends_with(".sync:2"),
                succeeded: "TaskSucceeded",
                failed: "TaskFailed",
                timed_out: "TaskTimedOut",
            }
        }
    }
}

impl TaskEvents {
    /// Details of a result event: `resource`/`resourceType` for service tasks, then
    /// `error` and `cause` when given.
    fn describe(
        &self,
        resource_type: &str,
        resource: &str,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Value {
        let mut d = Map::new();
        if let Some(c) = cause {
            d.insert("cause".into(), c.into());
        }
        if let Some(e) = error {
            d.insert("error".into(), e.into());
        }
        if !self.lambda && !self.activity {
            d.insert("resource".into(), resource.into());
            d.insert("resourceType".into(), resource_type.into());
        }
        Value::Object(d)
    }
}

/// `arn:aws:states:::lambda:invoke` → (`lambda`, `invoke`), as AWS's task events name them;
/// `arn:aws:states:::aws-sdk:s3:getObject` → (`aws-sdk:s3`, `getObject`).
fn split_resource(arn: &str) -> (&str, &str) {
    let service = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    match service.rfind(':') {
        Some(i) => (&service[..i], &service[i + 1..]),
        None => ("", service),
    }
}

/// The region of an ARN.
fn region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

async fn sleep_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

// ----- Parallel (PAR-*) ------------------------------------------------------------------

/// A compiled Parallel state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParallelSpec {
    /// Data flow.
    pub io: Io,
    /// `Retry`.
    pub retry: &'static [Retrier],
    /// `Catch`.
    pub catch: &'static [Catcher],
}

/// Runs a Parallel state: every branch gets the effective input; the result is the array of
/// their outputs in branch order; the first failure cancels the others (PAR-2, 3, 5, 8).
pub async fn parallel<B>(
    run: &mut StateRun,
    raw: Value,
    spec: &'static ParallelSpec,
    branches: usize,
    branch: B,
) -> Result<Outcome, Failure>
where
    B: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    let outcome = retrying!(
        run,
        raw,
        spec,
        parallel_attempt(run, &raw, spec, branches, &branch)
    );
    if !matches!(outcome, Ok(Outcome::Done(_))) {
        run.record("ParallelStateFailed");
    }
    outcome
}

async fn parallel_attempt<B>(
    run: &StateRun,
    raw: &Value,
    spec: &'static ParallelSpec,
    branches: usize,
    branch: &B,
) -> Result<Value, Failure>
where
    B: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    let effective = effective_input(run, raw, &spec.io)?;
    run.record("ParallelStateStarted");
    let progress = Progress::of(run);
    let progress = &progress;
    let targets: Vec<Arc<Exec>> = (0..branches)
        .map(|i| progress.branch_target(&run.exec, i))
        .collect();
    let futures: Vec<_> = targets
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let input = effective.clone();
            async move {
                if let Some(v) = progress.replay(&run.exec, i) {
                    return Ok(v);
                }
                let r = tracing::Instrument::instrument(
                    branch(i, input, Arc::clone(target)),
                    tracing::debug_span!(parent: &run.span, "branch", index = i),
                )
                .await;
                progress.finished(i, &r, target).await?;
                r
            }
        })
        .collect();
    match futures_util::future::try_join_all(futures).await {
        Ok(outputs) => {
            run.record("ParallelStateSucceeded");
            apply_result_ref(run, raw, Value::Array(outputs), &spec.io)
        }
        Err(f) if f.is_interrupted() => Err(f),
        Err(f) => {
            // The failed branch's state and those its failure cancelled, as AWS records them
            // (not when the execution itself is being interrupted: stopped, or its lease lost).
            for target in &targets {
                if let Some((kind, name)) = target
                    .take_unfinished()
                    .and_then(|(ty, name)| Some((state_aborted(ty)?, name)))
                {
                    target.record(kind, Some(name));
                }
            }
            Err(f)
        }
    }
}

// ----- Map (MAP-*) -------------------------------------------------------------------------

/// A number given literally or by a Reference Path (`MaxConcurrency`, tolerances).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Count {
    /// Not given.
    Default,
    /// A literal.
    Literal(f64),
    /// A path.
    Path(&'static Path),
    /// A JSONata expression.
    Expr(&'static jsonata::Expr),
}

/// A Map's `ItemBatcher` (MAP-22): iterations get `{"BatchInput": …, "Items": [...]}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batcher {
    /// `MaxItemsPerBatch(Path)`.
    pub max_items: Count,
    /// `MaxInputBytesPerBatch(Path)`.
    pub max_bytes: Count,
    /// `BatchInput`.
    pub batch_input: Option<BatchInput>,
}

/// `BatchInput`, in the state's query language.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchInput {
    /// A JSONPath template.
    Template(&'static Template),
    /// A JSONata value.
    Jsonata(&'static jsonata::Template),
}

/// A compiled Map state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapSpec {
    /// Data flow (`Parameters` is not used: see `item_selector`).
    pub io: Io,
    /// `ItemsPath`.
    pub items_path: Option<&'static Path>,
    /// `ItemSelector` / `Parameters`.
    pub item_selector: Option<&'static Template>,
    /// JSONata `Items` (MAP-4).
    pub items: Option<&'static jsonata::Template>,
    /// JSONata `ItemSelector`.
    pub item_selector_jsonata: Option<&'static jsonata::Template>,
    /// `ItemBatcher` (MAP-22).
    pub batcher: Option<&'static Batcher>,
    /// `MaxConcurrency(Path)`.
    pub max_concurrency: Count,
    /// `ToleratedFailureCount(Path)`.
    pub tolerated_failure_count: Count,
    /// `ToleratedFailurePercentage(Path)`.
    pub tolerated_failure_percentage: Count,
    /// `Retry`.
    pub retry: &'static [Retrier],
    /// `Catch`.
    pub catch: &'static [Catcher],
    /// `ProcessorConfig.Mode: DISTRIBUTED` (iterations run as a Map Run).
    pub distributed: bool,
    /// `Label` (MAP-18): names the Map Run in its ARN in place of the state's name.
    pub label: Option<&'static str>,
}

fn resolve_count(
    run: &StateRun,
    input: &Value,
    c: Count,
    field: &str,
    integer: bool,
) -> Result<Option<f64>, Failure> {
    match c {
        Count::Default => Ok(None),
        Count::Literal(n) => Ok(Some(n)),
        Count::Expr(e) => {
            let field = field.trim_end_matches("Path");
            let v = jsonata::typed(e, &run.scope(input), field, "number")?;
            let n = v.as_f64().unwrap_or(0.0);
            if integer && n.fract() != 0.0 {
                return Err(Failure::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!(
                        "The JSONata expression '{}' specified for the field '{field}' returned \
                         an unexpected result type. Expected 'integer', but was 'number' for \
                         value: {v}",
                        e.text
                    ),
                ));
            }
            Ok(Some(n))
        }
        Count::Path(p) => {
            let v = template::path_value(p, &run.roots(input), field)?;
            // AWS also reads numbers written as strings ("1").
            let number = match &v {
                Value::String(text) => text.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            };
            let n = if integer {
                number.filter(|n| n.fract() == 0.0)
            } else {
                number
            };
            n.map(Some).ok_or_else(|| {
                Failure::runtime(format!(
                    "The {field} field refers to value \"{}\" which is not a valid {}: {}",
                    match &v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                    if integer { "integer" } else { "float" },
                    p.text
                ))
            })
        }
    }
}

/// Runs a Map state: items from `ItemsPath`, each through `ItemSelector` and the processor
/// (`iterate`), at most `MaxConcurrency` at once, results in item order (MAP-3..14, MAP-24).
pub async fn map<I>(
    run: &mut StateRun,
    raw: Value,
    spec: &'static MapSpec,
    iterate: I,
) -> Result<Outcome, Failure>
where
    I: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    // AWS records the Map's failure only when its iterations failed, not when the Map could
    // not start (a bad `…Path` value).
    let iterated = std::sync::atomic::AtomicBool::new(false);
    let outcome = retrying!(
        run,
        raw,
        spec,
        map_attempt(run, &raw, spec, &iterate, &iterated)
    );
    // A JSONata Map also records its failure when `Items` could not be evaluated.
    if (iterated.load(std::sync::atomic::Ordering::Relaxed) || spec.io.jsonata)
        && !matches!(outcome, Ok(Outcome::Done(_)))
    {
        run.record(if spec.distributed {
            "MapRunFailed"
        } else {
            "MapStateFailed"
        });
    }
    outcome
}

async fn map_attempt<I>(
    run: &StateRun,
    raw: &Value,
    spec: &'static MapSpec,
    iterate: &I,
    iterated: &std::sync::atomic::AtomicBool,
) -> Result<Value, Failure>
where
    I: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    // The items are read where they are: an iteration copies its own item when it starts,
    // so memory follows MaxConcurrency, not the number of items.
    let effective: Cow<'_, Value> = match spec.io.input_path {
        PathField::Default => Cow::Borrowed(raw),
        _ => Cow::Owned(select_io(run, raw, &spec.io.input_path)?),
    };
    let effective: &Value = &effective;
    let items_value: Cow<'_, Value> = match (spec.items, spec.items_path) {
        (Some(jsonata::Template::Expr(e)), _) => {
            Cow::Owned(jsonata::typed(e, &run.scope(effective), "Items", "array")?)
        }
        (Some(t), _) => Cow::Owned(jsonata::template(t, &run.scope(effective), "Items")?),
        (None, Some(p)) => match jsonpath::select(p, &run.roots(effective)) {
            Ok(jsonpath::Selection::One(v)) => v,
            _ => Cow::Owned(template::path_value(p, &run.roots(effective), "ItemsPath")?),
        },
        (None, None) => Cow::Borrowed(effective),
    };
    let items = match items_value {
        Cow::Borrowed(Value::Array(a)) => Items::Borrowed(a.iter()),
        Cow::Owned(Value::Array(a)) => Items::Owned(a.into_iter()),
        other => {
            let cause = format!("Map state input must be an array but was: {other}");
            return Err(if spec.io.jsonata {
                Failure::new(names::QUERY_EVALUATION_ERROR, cause)
            } else {
                Failure::runtime(cause)
            });
        }
    };
    let max = resolve_count(
        run,
        effective,
        spec.max_concurrency,
        "MaxConcurrencyPath",
        true,
    )?
    .map_or(0, |n| n.max(0.0) as usize);
    run.record_with(
        "MapStateStarted",
        || serde_json::json!({ "length": items.len() }),
    );
    let tolerated_count = resolve_count(
        run,
        effective,
        spec.tolerated_failure_count,
        "ToleratedFailureCountPath",
        true,
    )?;
    let tolerated_pct = resolve_count(
        run,
        effective,
        spec.tolerated_failure_percentage,
        "ToleratedFailurePercentagePath",
        false,
    )?;
    if let Some(p) = tolerated_pct
        && !(0.0..=100.0).contains(&p)
    {
        return Err(Failure::runtime(
            "ToleratedFailurePercentage must be between 0 and 100.",
        ));
    }
    if let Some(c) = tolerated_count
        && c < 0.0
    {
        return Err(Failure::runtime(
            "ToleratedFailureCount cannot be negative.",
        ));
    }
    if spec.distributed {
        run.record_with("MapRunStarted", || {
            let machine = &run.exec.info.state_machine_id;
            let prefix = machine.split(":stateMachine:").next().unwrap_or_default();
            let name = &run.exec.info.state_machine_name;
            serde_json::json!({
                "mapRunArn": format!(
                    "{prefix}:mapRun:{name}/{}:{}",
                    spec.label.unwrap_or(run.name),
                    uuid::Uuid::new_v4()
                )
            })
        });
    }
    iterated.store(true, std::sync::atomic::Ordering::Relaxed);
    // "No limit" runs as AWS does: an inline Map about 40 iterations at once, a distributed
    // one up to 10,000 (MAP-9); this also bounds memory by concurrency, not item count.
    let unlimited = if spec.distributed {
        10_000
    } else {
        INLINE_CONCURRENCY
    };
    let limit = if max == 0 { unlimited } else { max }.max(1);
    let name = run.name;
    let distributed = spec.distributed;
    let exec = Arc::clone(&run.exec);
    let progress = Progress::of(run);
    let progress = &progress;
    let span = &run.span;
    let select = |index: usize, item: Cow<'_, Value>| -> Result<Value, Failure> {
        match (spec.item_selector_jsonata, spec.item_selector) {
            (Some(t), _) => {
                let scope = jsonata::Scope {
                    map_item: Some((index, &item)),
                    ..run.scope(effective)
                };
                jsonata::template(t, &scope, "ItemSelector")
            }
            (None, Some(t)) => {
                let roots = Roots {
                    input: effective,
                    context: run,
                    variables: Some(&run.vars),
                    map: Some(jsonpath::MapItem {
                        index,
                        value: &item,
                    }),
                };
                template::eval(t, &roots)
            }
            (None, None) => Ok(item.into_owned()),
        }
    };
    // Iteration inputs: built as iterations start, so memory follows MaxConcurrency; with an
    // ItemBatcher, batches of the selected items.
    let (total, prepared): (usize, IterationInputs<'_>) = match spec.batcher {
        None => (
            items.len(),
            Box::new(items.enumerate().map(move |(i, item)| (i, select(i, item)))),
        ),
        Some(b) => {
            let selected = items
                .enumerate()
                .map(|(i, item)| select(i, item))
                .collect::<Result<Vec<Value>, Failure>>()?;
            let batches = batch(run, effective, b, selected)?;
            (
                batches.len(),
                Box::new(batches.into_iter().map(Ok).enumerate()),
            )
        }
    };
    let inputs = prepared.map(|(index, input)| {
        let exec = Arc::clone(&exec);
        async move {
            // An ItemSelector that fails is the Map's own failure, not an iteration's.
            let input = match input {
                Ok(i) => i,
                Err(f) => return (index, Err(f), false),
            };
            if let Some(v) = progress.replay(&exec, index) {
                return (index, Ok(v), true);
            }
            // A distributed iteration is a child execution with a history of its own.
            let target = if distributed {
                exec.child_at(&progress.label(name, index))
            } else {
                progress.target(&exec, index)
            };
            if !distributed {
                target.record_with(
                    "MapIterationStarted",
                    Some(name),
                    || serde_json::json!({ "index": index, "name": name }),
                );
            }
            let r = tracing::Instrument::instrument(
                iterate(index, input, Arc::clone(&target)),
                tracing::debug_span!(parent: span, "iteration", index),
            )
            .await;
            if !distributed {
                target.record_with(
                    if r.is_ok() {
                        "MapIterationSucceeded"
                    } else {
                        "MapIterationFailed"
                    },
                    Some(name),
                    || serde_json::json!({ "index": index, "name": name }),
                );
            }
            if let Err(f) = progress.finished(index, &r, &target).await {
                return (index, Err(f), false);
            }
            (index, r, true)
        }
    });
    // Iterations finish in any order: a slot frees as soon as one ends, the first failure in
    // time decides, and results are put back in item order (MAP-8, MAP-9, MAP-10).
    // Boxed: the stream's closure borrows the items, and an unboxed one trips the compiler's
    // proof that the workflow's future is `Send` for every lifetime (tokio::spawn needs it).
    let results: futures_util::stream::BoxStream<'_, _> =
        stream::iter(inputs).buffer_unordered(limit).boxed();
    tokio::pin!(results);
    // `"ResultPath": null` with nothing else reading the result: the iterations' outputs are
    // not kept, so memory stays bounded by the concurrency.
    let keep = !(spec.io.result_path == PathField::Null
        && spec.io.result_selector.is_none()
        && spec.io.assign.is_none()
        && !spec.io.jsonata);
    let mut outputs: Vec<Option<Value>> = if keep {
        (0..total).map(|_| None).collect()
    } else {
        Vec::new()
    };
    let mut failures = 0usize;
    while let Some((index, r, iteration)) = results.next().await {
        match r {
            Ok(v) => {
                if let Some(slot) = outputs.get_mut(index) {
                    *slot = Some(v);
                }
            }
            Err(f) if !iteration => return Err(f),
            Err(f) => {
                failures += 1;
                let thresholds = tolerated_count.is_some() || tolerated_pct.is_some();
                // Either threshold exceeded fails the Map (MAP-24).
                let exceeded = !thresholds
                    || tolerated_count.is_some_and(|c| failures as f64 > c)
                    || tolerated_pct
                        .is_some_and(|p| (failures as f64) * 100.0 / (total as f64) > p);
                if exceeded {
                    if thresholds {
                        return Err(Failure::new(
                            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            "The specified tolerated failure threshold was exceeded",
                        ));
                    }
                    return Err(f);
                }
                if let Some(slot) = outputs.get_mut(index) {
                    *slot = Some(f.to_error_output());
                }
            }
        }
    }
    if spec.distributed {
        run.record("MapRunSucceeded");
    }
    run.record("MapStateSucceeded");
    let outputs = outputs.into_iter().map(Option::unwrap_or_default).collect();
    apply_result_ref(run, raw, Value::Array(outputs), &spec.io)
}

/// A durable top-level Map's or Parallel's progress: iterations and branches finished before
/// a restart are not run again (their results come from the store, their events are replayed),
/// and each one that finishes now is committed.
struct Progress {
    durable: Option<(Arc<crate::durable::Journal>, String)>,
    finished: Mutex<std::collections::HashMap<usize, crate::durable::journal::Done>>,
}

impl Progress {
    fn of(run: &StateRun) -> Progress {
        match (&run.exec.journal, run.exec.durable()) {
            (Some(j), true) => {
                // One scope per visit and attempt: a retried Map runs every iteration again.
                let scope = format!("{}@{}.{}", run.name, j.seq(), run.retry_count);
                Progress {
                    finished: Mutex::new(j.finished(&scope)),
                    durable: Some((Arc::clone(j), scope)),
                }
            }
            _ => Progress {
                durable: None,
                finished: Mutex::new(Default::default()),
            },
        }
    }

    /// The result of iteration `i` if it finished before a restart (its events re-recorded).
    fn replay(&self, exec: &Exec, i: usize) -> Option<Value> {
        self.durable.as_ref()?;
        let (value, events) = self
            .finished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&i)?;
        exec.replay(&events);
        Some(value)
    }

    /// Names iteration `i` (in idempotency keys).
    fn label(&self, name: &str, i: usize) -> String {
        match &self.durable {
            Some((_, scope)) => format!("{scope}[{i}]"),
            None => format!("{name}[{i}]"),
        }
    }

    /// Where iteration `i` records its events.
    fn target(&self, exec: &Arc<Exec>, i: usize) -> Arc<Exec> {
        match &self.durable {
            Some(_) => exec.branch(&self.label("", i), true, false),
            None => Arc::clone(exec),
        }
    }

    /// Where Parallel branch `i` records its events.
    fn branch_target(&self, exec: &Arc<Exec>, i: usize) -> Arc<Exec> {
        exec.branch(&self.label("", i), self.durable.is_some(), true)
    }

    /// Commits a successful iteration.
    async fn finished(
        &self,
        i: usize,
        r: &Result<Value, Failure>,
        target: &Exec,
    ) -> Result<(), Failure> {
        match (&self.durable, r) {
            (Some((journal, scope)), Ok(v)) => {
                journal
                    .finish_iteration(scope, i, v, &target.take_captured())
                    .await
            }
            _ => Ok(()),
        }
    }
}

/// A Map's iteration inputs, by iteration index.
type IterationInputs<'a> = Box<dyn Iterator<Item = (usize, Result<Value, Failure>)> + Send + 'a>;

/// Groups selected items into batch inputs (MAP-22): at most `MaxItemsPerBatch` items and
/// `MaxInputBytesPerBatch` bytes each.
fn batch(
    run: &StateRun,
    effective: &Value,
    b: &Batcher,
    items: Vec<Value>,
) -> Result<Vec<Value>, Failure> {
    let max_items = resolve_count(run, effective, b.max_items, "MaxItemsPerBatchPath", true)?
        .map(|n| n.max(1.0) as usize);
    let max_bytes = resolve_count(
        run,
        effective,
        b.max_bytes,
        "MaxInputBytesPerBatchPath",
        true,
    )?
    .map(|n| (n.max(1.0) as usize).min(MAX_PAYLOAD_BYTES));
    let batch_input = match b.batch_input {
        None => None,
        Some(BatchInput::Template(t)) => Some(template::eval(t, &run.roots(effective))?),
        Some(BatchInput::Jsonata(t)) => {
            Some(jsonata::template(t, &run.scope(effective), "BatchInput")?)
        }
    };
    let overhead = batch_input
        .as_ref()
        .map_or(0, |v| json_len(v, usize::MAX) + 14)
        + 12;
    let mut batches = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut bytes = overhead;
    for item in items {
        let len = json_len(&item, usize::MAX) + 1;
        let full_items = max_items.is_some_and(|m| current.len() >= m);
        let full_bytes = max_bytes.is_some_and(|m| !current.is_empty() && bytes + len > m);
        if full_items || full_bytes {
            batches.push(std::mem::take(&mut current));
            bytes = overhead;
        }
        bytes += len;
        current.push(item);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    Ok(batches
        .into_iter()
        .map(|items| {
            let mut m = Map::new();
            if let Some(bi) = &batch_input {
                m.insert("BatchInput".into(), bi.clone());
            }
            m.insert("Items".into(), Value::Array(items));
            Value::Object(m)
        })
        .collect())
}

/// A Map's items, borrowed from the state's input or owned (computed by `Items`).
enum Items<'a> {
    Borrowed(std::slice::Iter<'a, Value>),
    Owned(std::vec::IntoIter<Value>),
}

impl<'a> Iterator for Items<'a> {
    type Item = Cow<'a, Value>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Items::Borrowed(it) => it.next().map(Cow::Borrowed),
            Items::Owned(it) => it.next().map(Cow::Owned),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Items::Borrowed(it) => it.size_hint(),
            Items::Owned(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for Items<'_> {}

#[cfg(test)]
mod json_len_tests {
    use super::json_len;

    #[test]
    fn matches_serde_json() {
        for v in [
            serde_json::json!(null),
            serde_json::json!({"a": [1, -20, 3.5, 1e300, true, false, null], "b\"\n": "x\u{1}y\\"}),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!(u64::MAX),
            serde_json::json!(i64::MIN),
            serde_json::json!(0),
            serde_json::json!("é😀"),
        ] {
            let exact = serde_json::to_vec(&v).expect("serializes").len();
            assert_eq!(json_len(&v, usize::MAX), exact, "{v}");
        }
        let big = serde_json::Value::from(vec!["x".repeat(1000); 1000]);
        assert!(json_len(&big, 10_000) > 10_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonpath::{Root, Selector, Step};
    use serde_json::json;

    static A_B: Path = Path {
        text: "$.a.b",
        root: Root::Input,
        steps: &[
            Step {
                descendant: false,
                selector: Selector::Field("a"),
            },
            Step {
                descendant: false,
                selector: Selector::Field("b"),
            },
        ],
    };
    static X_9: Path = Path {
        text: "$.x[9]",
        root: Root::Input,
        steps: &[
            Step {
                descendant: false,
                selector: Selector::Field("x"),
            },
            Step {
                descendant: false,
                selector: Selector::Index(9),
            },
        ],
    };

    #[test]
    fn result_path_places_and_reports() {
        // DATA-14: intermediate objects are created.
        let out = result_path(json!({"k": 1}), json!(2), &PathField::Path(&A_B)).expect("ok");
        assert_eq!(out, json!({"k": 1, "a": {"b": 2}}));
        assert_eq!(
            result_path(json!({}), json!(2), &PathField::Null).expect("ok"),
            json!({})
        );
        assert_eq!(
            result_path(json!({}), json!(2), &PathField::Default).expect("ok"),
            json!(2)
        );
        // DATA-16: not applicable to a string input, or an index past the end.
        let err = result_path(json!("text"), json!(2), &PathField::Path(&A_B)).expect_err("string");
        assert_eq!(err.error, names::RESULT_PATH_MATCH_FAILURE);
        assert_eq!(
            err.cause.as_deref(),
            Some("Unable to apply ReferencePath $.a.b to input \"text\"")
        );
        let err =
            result_path(json!({"x": [1]}), json!(2), &PathField::Path(&X_9)).expect_err("index");
        assert_eq!(err.error, names::RESULT_PATH_MATCH_FAILURE);
    }
}
