//! One visit of one state ([`StateRun`]): its entered and exited events, the context object
//! it sees, its variable assignments and how runtime errors name it.

use std::sync::{Arc, Mutex, OnceLock};

use super::{Exec, Vars, check_assign_size, new_task_token, not_truncated, payload};
use crate::context::timestamp;
use crate::error::{Failure, names};
use crate::jsonata;
use crate::lang::jsonpath::Roots;
use crate::lang::template::{self, Template};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

impl crate::lang::jsonpath::Context for StateRun {
    fn get(&self) -> &Value {
        self.context()
    }
}

/// One visit of one state.
pub struct StateRun {
    pub(super) exec: Arc<Exec>,
    /// The state's `tracing` span (inside the execution's).
    pub(super) span: tracing::Span,
    pub(super) seq: u64,
    pub(super) ty: StateType,
    /// The state's name.
    pub name: &'static str,
    /// When it was entered (see [`StateRun::entered`]).
    pub(super) entered: Entered,
    /// The id of its `…StateEntered` event.
    pub event_id: u64,
    /// Retries so far (`$$.State.RetryCount`).
    pub retry_count: u32,
    /// `$$.Task.Token` of a callback Task (CTX-6, TASK-4).
    pub task_token: Option<String>,
    /// The variables as of entering the state: every `Assign` expression sees these (VAR-3).
    pub vars: Vars,
    /// What the state's `Assign` (or its Catcher's, or Choice rule's) evaluated to.
    pub(super) assigned: Mutex<Option<Map<String, Value>>>,
    /// The last assignments, as the exited event reports them (`assignedVariables`).
    pub(super) assigned_for_history: Mutex<Option<Map<String, Value>>>,
    /// Whether `assigned` was ever set (spares the lock for states that assign nothing).
    pub(super) has_assigned: std::sync::atomic::AtomicBool,
    pub(super) context: OnceLock<Value>,
    /// Whether its `…StateExited` was recorded.
    pub(super) exited: std::sync::atomic::AtomicBool,
    /// The TestState probe, for the tested state's run only (see [`super::probe`]).
    pub(super) probe: Option<std::sync::Arc<super::probe::Probe>>,
}

impl Drop for StateRun {
    /// A state of a Parallel branch that ends without exiting (it failed, or a failing sibling
    /// cancelled it) is noted for the Parallel to record as aborted; a Fail state ends the
    /// branch by design.
    fn drop(&mut self) {
        if let Some(u) = &self.exec.unfinished
            && self.ty != StateType::Fail
            && !self.exited.load(std::sync::atomic::Ordering::Relaxed)
        {
            *u.lock().unwrap_or_else(|e| e.into_inner()) = Some((self.ty, self.name));
        }
    }
}

/// When a state was entered: set as it is entered by a state that can wait, read off the
/// clock when first asked for by one that cannot (it runs without waiting: the same instant).
/// Nanoseconds since the epoch in an atomic (a `OnceLock`'s first set took a lock-free
/// but slower path on every Task).
pub(super) struct Entered(std::sync::atomic::AtomicI64);

impl Entered {
    const UNSET: i64 = i64::MIN;

    pub(super) fn unset() -> Self {
        Entered(std::sync::atomic::AtomicI64::new(Self::UNSET))
    }

    /// Sets the time (a resumed state's, from its store; dates past 2262 are not clock times).
    pub(super) fn set(&self, t: DateTime<Utc>) {
        let nanos = t.timestamp_nanos_opt().unwrap_or(i64::MAX);
        self.0.store(nanos, std::sync::atomic::Ordering::Relaxed);
    }

    /// Sets the time to now.
    pub(super) fn read_clock(&self) {
        self.0.store(
            crate::clock::now_nanos(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// The time, read off the clock now if it was not set (once: later calls agree).
    fn get(&self) -> DateTime<Utc> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut nanos = self.0.load(Relaxed);
        if nanos == Self::UNSET {
            let now = crate::clock::now_nanos();
            nanos = match self.0.compare_exchange(Self::UNSET, now, Relaxed, Relaxed) {
                Ok(_) => now,
                Err(set) => set,
            };
        }
        DateTime::from_timestamp_nanos(nanos)
    }
}

/// `stateEnteredEventDetails`.
pub(super) fn entered_details(name: &str, input: &Value) -> Value {
    serde_json::json!({ "name": name, "input": payload(input), "inputDetails": not_truncated() })
}

/// A state's `Type`, as generated code knows it at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateType {
    /// `Pass`.
    Pass,
    /// `Task`.
    Task,
    /// `Choice`.
    Choice,
    /// `Wait`.
    Wait,
    /// `Succeed`.
    Succeed,
    /// `Fail`.
    Fail,
    /// `Parallel`.
    Parallel,
    /// `Map`.
    Map,
}

impl StateType {
    /// The type's name, as `Type` spells it.
    pub fn name(self) -> &'static str {
        match self {
            StateType::Pass => "Pass",
            StateType::Task => "Task",
            StateType::Choice => "Choice",
            StateType::Wait => "Wait",
            StateType::Succeed => "Succeed",
            StateType::Fail => "Fail",
            StateType::Parallel => "Parallel",
            StateType::Map => "Map",
        }
    }

    /// `<Type>StateEntered`.
    pub(super) fn entered_event(self) -> &'static str {
        match self {
            StateType::Pass => "PassStateEntered",
            StateType::Task => "TaskStateEntered",
            StateType::Choice => "ChoiceStateEntered",
            StateType::Wait => "WaitStateEntered",
            StateType::Succeed => "SucceedStateEntered",
            StateType::Fail => "FailStateEntered",
            StateType::Parallel => "ParallelStateEntered",
            StateType::Map => "MapStateEntered",
        }
    }

    /// `<Type>StateExited`.
    pub(super) fn exited_event(self) -> &'static str {
        match self {
            StateType::Pass => "PassStateExited",
            StateType::Task => "TaskStateExited",
            StateType::Choice => "ChoiceStateExited",
            StateType::Wait => "WaitStateExited",
            StateType::Succeed => "SucceedStateExited",
            StateType::Fail => "FailStateExited",
            StateType::Parallel => "ParallelStateExited",
            StateType::Map => "MapStateExited",
        }
    }

    /// The event of a state a Parallel's failure ended: AWS has one for the states that can
    /// be in progress (EXEC-7).
    pub(super) fn aborted_event(self) -> Option<&'static str> {
        match self {
            StateType::Task => Some("TaskStateAborted"),
            StateType::Wait => Some("WaitStateAborted"),
            StateType::Parallel => Some("ParallelStateAborted"),
            StateType::Map => Some("MapStateAborted"),
            _ => None,
        }
    }

    /// States that can wait, and so read the clock when entered.
    pub(super) fn waits(self) -> bool {
        matches!(
            self,
            StateType::Task | StateType::Parallel | StateType::Map | StateType::Wait
        )
    }

    /// States whose context object has `$$.State.RetryCount`.
    pub(super) fn retries(self) -> bool {
        matches!(self, StateType::Task | StateType::Parallel | StateType::Map)
    }
}

impl StateRun {
    /// When the state was entered.
    pub fn entered(&self) -> DateTime<Utc> {
        self.entered.get()
    }

    /// The execution.
    pub fn exec(&self) -> &Arc<Exec> {
        &self.exec
    }

    /// The context object as this state sees it (built on first use).
    pub fn context(&self) -> &Value {
        self.context.get_or_init(|| {
            if let Some(p) = &self.probe {
                return p.context(self);
            }
            let mut m = self.exec.base().clone();
            let mut state = Map::new();
            state.insert("Name".into(), self.name.into());
            state.insert("EnteredTime".into(), timestamp(self.entered()).into());
            if self.ty.retries() {
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
            if let Some(p) = &self.probe {
                p.variables(vars);
            }
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
            if let Some(p) = &self.probe {
                p.variables(vars);
            }
        }
    }

    /// The current attempt's idempotency key (see [`TaskContext::idempotency_key`]).
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}{}#{}.{}",
            self.exec.info.id(),
            self.exec.path,
            self.seq,
            self.retry_count
        )
    }

    /// A callback task's token for the current attempt: derived from the idempotency key in
    /// a durable execution (a re-invoked attempt gets the same token), random otherwise.
    pub(super) fn callback_token(&self) -> String {
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
            .record_with(self.ty.exited_event(), Some(self.name), || {
                let mut d = Map::new();
                let assigned = self
                    .assigned_for_history
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    // `"Assign": {}` assigns nothing, and AWS records nothing for it (VAR-11).
                    .filter(|a| !a.is_empty());
                if let Some(a) = assigned {
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
        // TestState runs no execution: its errors name no state entered at an event (as AWS
        // reports them, e.g. teststate/context_object/state_map_context_object_ALL).
        if self.probe.is_some() {
            return f;
        }
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
pub(super) fn evaluation_location(cause: &str) -> Option<&str> {
    if let Some(i) = cause.find("specified for the field '") {
        let rest = &cause[i + "specified for the field '".len()..];
        return rest.find('\'').map(|j| &rest[..j]);
    }
    let text = cause.split_once("). ").map_or(cause, |(_, t)| t);
    let rest = text.strip_prefix("The ")?;
    let field = rest.split(' ').next()?;
    rest[field.len()..].starts_with(" field").then_some(field)
}
