//! The TestState probe: what an execution started by `Workflow::test_state` carries so that
//! the one state under test reports each data-flow step (TestState's `inspectionData`), answers
//! from the request's mock, decides Retry without sleeping (`RETRIABLE`) and stops at its
//! first transition (`nextState`).
//!
//! Only the tested state's [`StateRun`] holds the probe (its Map iterations and Parallel
//! branches do not), so every hook in the engine is one `Option` check that is `None` in
//! every execution but a test: regular and durable executions pay nothing else.

use std::sync::Mutex;

use serde_json::{Map, Value};

use super::{Catcher, Exec, Outcome, Resource, Retrier, StateRun, StateType, Vars, catch};
use crate::error::{Failure, TaskError};
use crate::testing::{ErrorDetails, InspectionData, Mock, TestState};

/// What the tested state's run is told and what it reports.
#[derive(Debug)]
pub struct Probe {
    request: TestState,
    /// The context object's `Execution` and `StateMachine` members, as TestState builds them
    /// when the request gives no `context`.
    base: Map<String, Value>,
    report: Mutex<Report>,
}

/// What the run reported.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// The tested state was entered: `(type, name)`.
    pub(crate) entered: Option<(StateType, &'static str)>,
    pub(crate) inspection: InspectionData,
    /// The state it transitioned to, and the input it passed on.
    pub(crate) next_state: Option<(&'static str, Value)>,
    /// A Retrier matched and has attempts left: the error that would be retried.
    pub(crate) retriable: Option<Failure>,
    /// A Catcher caught this error.
    pub(crate) caught: Option<Failure>,
    /// The request cannot run against this state (TestState's `ValidationException`).
    pub(crate) rejected: Option<String>,
}

/// How the probe stops a run: an interruption, which no Retry or Catch sees.
fn stop(why: &str) -> Failure {
    Failure::interrupted(format!("TestState: {why}"))
}

impl Probe {
    /// A probe for `request`; `base` is the context object's execution part.
    pub(crate) fn new(request: TestState, base: Map<String, Value>) -> Self {
        Probe {
            request,
            base,
            report: Mutex::new(Report::default()),
        }
    }

    fn report(&self) -> std::sync::MutexGuard<'_, Report> {
        self.report.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes what the run reported.
    pub(crate) fn take_report(&self) -> Report {
        std::mem::take(&mut *self.report())
    }

    /// Whether inspection data is collected (DEBUG, TRACE).
    fn inspects(&self) -> bool {
        self.request.inspection.inspects()
    }

    /// Records into the inspection data (DEBUG and TRACE only).
    fn inspect(&self, f: impl FnOnce(&mut InspectionData)) {
        if self.inspects() {
            f(&mut self.report().inspection);
        }
    }

    /// A state is entered: `true` for the tested state (the first), whose run gets the probe.
    pub(crate) fn enter(&self, ty: StateType, name: &'static str, input: &Value) -> bool {
        let mut r = self.report();
        if r.entered.is_some() {
            return false;
        }
        r.entered = Some((ty, name));
        if self.request.mock.is_some()
            && !matches!(ty, StateType::Task | StateType::Map | StateType::Parallel)
        {
            r.rejected = Some(format!(
                "A mock can only be given for a Task, Map or Parallel state; '{name}' is a {} \
                 state",
                ty.name()
            ));
        }
        if self.inspects() {
            r.inspection.input = Some(input.clone());
            if !self.request.variables.is_empty() {
                r.inspection.variables = Some(Value::Object(self.request.variables.clone()));
            }
        }
        true
    }

    /// A trivial Pass state (no fields that change anything): every step sees its input.
    pub(crate) fn pass_through(&self, input: &Value) {
        self.inspect(|d| {
            d.after_input_path = Some(input.clone());
            d.after_parameters = Some(input.clone());
            d.after_result_selector = Some(input.clone());
            d.after_result_path = Some(input.clone());
        });
    }

    /// The transition into `state`: the first is the tested state's own (when it was named as
    /// the start); the next ends the test, reporting `nextState`.
    pub(crate) fn transition(&self, state: &'static str, input: &Value) -> Result<(), Failure> {
        let mut r = self.report();
        if r.entered.is_none() {
            return Ok(());
        }
        r.next_state = Some((state, input.clone()));
        Err(stop("the tested state transitioned"))
    }

    /// The context object the tested state sees: the request's `context` verbatim, else
    /// TestState's own (its `State.Name` is `StateName`, as AWS reports it for any state).
    pub(crate) fn context(&self, run: &StateRun) -> Value {
        if let Some(c) = &self.request.context {
            return c.clone();
        }
        let mut m = self.base.clone();
        let mut state = Map::new();
        state.insert("Name".into(), "StateName".into());
        state.insert(
            "EnteredTime".into(),
            crate::context::timestamp(run.entered()).into(),
        );
        if run.ty.retries() {
            state.insert("RetryCount".into(), run.retry_count.into());
        }
        m.insert("State".into(), Value::Object(state));
        Value::Object(m)
    }

    /// JSONPath `InputPath` applied.
    pub(crate) fn after_input_path(&self, v: &Value) {
        self.inspect(|d| d.after_input_path = Some(v.clone()));
    }

    /// JSONPath `Parameters` applied (or the input, without them).
    pub(crate) fn after_parameters(&self, v: &Value) {
        self.inspect(|d| d.after_parameters = Some(v.clone()));
    }

    /// JSONata `Arguments` evaluated.
    pub(crate) fn after_arguments(&self, v: &Value) {
        self.inspect(|d| d.after_arguments = Some(v.clone()));
    }

    /// The state's result (a Task's answer, a Pass state's `Result`).
    pub(crate) fn result(&self, v: &Value) {
        self.inspect(|d| d.result = Some(v.clone()));
    }

    /// JSONPath `ResultSelector` applied (or the result, without one).
    pub(crate) fn after_result_selector(&self, v: &Value) {
        self.inspect(|d| d.after_result_selector = Some(v.clone()));
    }

    /// JSONPath `ResultPath` applied.
    pub(crate) fn after_result_path(&self, v: &Value) {
        self.inspect(|d| d.after_result_path = Some(v.clone()));
    }

    /// A Map's `ItemsPath` applied.
    pub(crate) fn after_items_path(&self, v: &Value) {
        self.inspect(|d| d.after_items_path = Some(v.clone()));
    }

    /// A Map's resolved `MaxConcurrency` and tolerances (those given).
    pub(crate) fn map_limits(&self, max: usize, count: Option<f64>, pct: Option<f64>) {
        self.inspect(|d| {
            d.max_concurrency = Some(max as u64);
            d.tolerated_failure_count = count.map(|c| c.max(0.0) as u64);
            d.tolerated_failure_percentage = pct;
        });
    }

    /// The variables after the state's assignments.
    pub(crate) fn variables(&self, vars: &Vars) {
        if !vars.is_empty() {
            self.inspect(|d| d.variables = Some(Value::Object((**vars).clone())));
        }
    }

    /// `stateConfiguration.mapItemReaderData`: the items a Map's ItemReader reads.
    pub(crate) fn reader_data(&self) -> Option<&Vec<Value>> {
        self.request.map_item_reader_data.as_ref()
    }

    /// The mock answering a Task in place of its handler, checked against what `resource`
    /// returns (`fieldValidationMode`); `None` without a mock (the handler is called).
    pub(crate) fn task_answer(
        &self,
        resource: &Resource,
    ) -> Result<Option<Result<Value, TaskError>>, Failure> {
        match &self.request.mock {
            None => Ok(None),
            Some(Mock::Error { error, cause }) => {
                Ok(Some(Err(TaskError::new(error.clone(), cause.clone()))))
            }
            Some(Mock::Result(v)) => {
                if let Err(why) =
                    crate::testing::validate_mock(resource, v, self.request.validation)
                {
                    self.report().rejected = Some(why);
                    return Err(stop("the mocked result does not validate"));
                }
                Ok(Some(Ok(v.clone())))
            }
        }
    }

    /// The mock of a Map or Parallel state: its children's results (an array) or the error
    /// one of them raised; `None` runs the children. For a Map, `items` of them given, a
    /// `mapIterationFailureCount` above the tolerated failures fails it as AWS does.
    pub(crate) fn container_answer(
        &self,
        what: &str,
        tolerance: Option<(usize, Option<f64>, Option<f64>)>,
    ) -> Option<Result<Value, Failure>> {
        match self.request.mock.as_ref()? {
            Mock::Error { error, cause } => {
                Some(Err(Failure::from_parts(error.clone(), Some(cause.clone()))))
            }
            Mock::Result(v) if !v.is_array() => {
                self.report().rejected = Some(format!(
                    "The mocked result of a {what} state must be a JSON array (one result per \
                     {}), not {v}",
                    if what == "Map" { "item" } else { "branch" }
                ));
                Some(Err(stop("the mocked result is not an array")))
            }
            Mock::Result(v) => {
                if let (Some((items, count, pct)), Some(failed)) =
                    (tolerance, self.request.map_iteration_failure_count)
                {
                    let failed = f64::from(failed);
                    let exceeded = count.is_some_and(|c| failed > c)
                        || pct.is_some_and(|p| failed * 100.0 / (items.max(1) as f64) > p);
                    if exceeded {
                        return Some(Err(Failure::new(
                            crate::error::names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            "The specified tolerated failure threshold was exceeded",
                        )));
                    }
                }
                Some(Ok(v.clone()))
            }
        }
    }

    /// A failed attempt of the tested state: instead of sleeping before a retry, a matching
    /// Retrier with attempts left (given `retrierRetryCount`) makes the result `RETRIABLE`
    /// with its index and backoff; otherwise the Catchers decide (`catchIndex`).
    pub(crate) fn decide(
        &self,
        run: &StateRun,
        raw: &Value,
        retry: &[Retrier],
        catchers: &[Catcher],
        f: Failure,
    ) -> Result<Outcome, Failure> {
        if f.is_interrupted() {
            return Err(f);
        }
        if !f.is_terminal()
            && let Some(i) = retry
                .iter()
                .position(|r| r.error_equals.iter().any(|e| f.matches(e)))
        {
            let r = &retry[i];
            let count = u64::from(self.request.retrier_retry_count);
            if count < r.max_attempts {
                // Whole seconds, as TestState reports them (before any jitter).
                let backoff = r.delay(count + 1).as_secs_f64().round() as u64;
                let mut report = self.report();
                if self.inspects() {
                    report.inspection.error_details = Some(ErrorDetails {
                        retry_index: Some(i),
                        retry_backoff_interval_seconds: Some(backoff),
                        catch_index: None,
                    });
                }
                report.retriable = Some(f);
                return Err(stop("a Retrier would retry"));
            }
            self.inspect(|d| {
                d.error_details
                    .get_or_insert_with(Default::default)
                    .retry_index = Some(i);
            });
        }
        let error = f.clone();
        let outcome = catch(run, raw, catchers, f);
        if let Ok(Outcome::Caught(i, _)) = &outcome {
            let i = *i;
            self.inspect(|d| {
                d.error_details
                    .get_or_insert_with(Default::default)
                    .catch_index = Some(i);
            });
            self.report().caught = Some(error);
        }
        outcome
    }
}

impl Exec {
    /// Whether the scope loops report each transition: a durable execution's top level
    /// commits it, a TestState execution stops at it.
    #[inline]
    pub fn watched(&self) -> bool {
        self.probe.is_some() || (self.journal.is_some() && self.top)
    }
}
