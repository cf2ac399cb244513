//! TestState for one compiled state, as the Step Functions `TestState` API runs it: a request
//! ([`TestState`]: input, mock, inspection level, variables, context, state configuration)
//! and what it returns ([`TestResult`]: status, output, error, cause, next state and, at
//! `DEBUG`/`TRACE`, the [`InspectionData`] of each data-flow step).
//!
//! Generated workflows have `Workflow::test_state(state, request)`, where `state` is a variant
//! of the generated `State` enum or of a Parallel branch's or Map processor's enum (all
//! convertible into the module's `AnyState`), so a misspelt state does not compile (a
//! complete example: [`TestState`]).
//!
//! How a state runs under TestState (AWS's behaviour, as the recordings in
//! `tests/conformance/corpus/teststate/` show it):
//! - Without a mock a Task calls its handler, and a Map or Parallel runs its iterations or
//!   branches. With `mock.result` a Task's handler is not called (the result is checked
//!   against the integration's response shape first, see [`FieldValidationMode`]); a Map's or
//!   Parallel's mocked result is the array of its children's results, which do not run.
//!   `mock.errorOutput` is the error the Task (or a state in the Map or Parallel) raised.
//! - A Retrier that matches the error and has attempts left (given `retrierRetryCount`)
//!   makes the result `RETRIABLE`, with its index and backoff in `errorDetails`; nothing
//!   waits. A Catcher that catches it makes it `CAUGHT_ERROR`, with `catchIndex`, the
//!   Catcher's output and `nextState`.
//! - The run stops at the state's first transition, reported as `nextState`.
//! - Wait states do not wait (their duration is still evaluated and checked).
//! - Without a `context`, `$$` is TestState's own: an Express-style execution of the
//!   module's state machine, `$$.State.Name` = `"StateName"` (as AWS reports it, whatever the
//!   state's name), `$$.Execution.RoleArn` the request's role or `null`. With a `context`,
//!   `$$` is exactly that object.

mod validation;

pub use validation::validate_mock;

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::context::{ExecutionInfo, RunOptions};
use crate::error::Failure;
use crate::exec::{BoxFuture, Exec, Probe, Vars};

/// How much a TestState call reports (`inspectionLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InspectionLevel {
    /// Status, output, error, cause and next state only.
    #[default]
    Info,
    /// Also the inspection data of each data-flow step.
    Debug,
    /// As `Debug` (AWS adds the HTTP request and response of HTTP Tasks, which have none
    /// here).
    Trace,
}

impl InspectionLevel {
    /// `INFO`, `DEBUG` or `TRACE`.
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionLevel::Info => "INFO",
            InspectionLevel::Debug => "DEBUG",
            InspectionLevel::Trace => "TRACE",
        }
    }

    /// Whether inspection data is reported.
    pub(crate) fn inspects(self) -> bool {
        self != InspectionLevel::Info
    }
}

/// How strictly a mocked Task result is checked against the response shape of the
/// integration it stands for (`mock.fieldValidationMode`); see [`validate_mock`] for the
/// shapes known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidationMode {
    /// Required fields must be present, and present fields must have their type (AWS's
    /// default).
    #[default]
    Strict,
    /// Present fields must have their type.
    Present,
    /// No check.
    None,
}

/// What answers in place of the tested state's work (`mock`).
#[derive(Debug, Clone, PartialEq)]
pub enum Mock {
    /// `mock.result`: a Task's result, or the array of a Map's or Parallel's children's
    /// results.
    Result(Value),
    /// `mock.errorOutput`: the error the Task, or a state in the Map or Parallel, raised.
    Error {
        /// `error`.
        error: String,
        /// `cause`.
        cause: String,
    },
}

/// One TestState request: the input and everything else the `TestState` API takes besides
/// the definition and the state's name.
///
/// A Task's mocked error caught by its Catcher:
///
/// ```
/// use asl_runtime::testing::{InspectionLevel, TestState, TestStatus};
/// use asl_runtime::{TaskContext, TaskError, Value, serde_json::json};
///
/// asl_runtime::asl!(pub mod orders {
///     "StartAt": "Charge card",
///     "States": {
///         "Charge card": {
///             "Type": "Task",
///             "Resource": "arn:aws:states:::lambda:invoke",
///             "Parameters": { "FunctionName": "charge", "Payload.$": "$" },
///             "Catch": [{ "ErrorEquals": ["Payment.Declined"], "ResultPath": "$.error", "Next": "Reject" }],
///             "Next": "Ship"
///         },
///         "Ship": { "Type": "Succeed" },
///         "Reject": { "Type": "Fail", "Error": "Rejected" }
///     }
/// });
///
/// struct Handlers;
/// impl orders::Tasks for Handlers {
///     async fn charge_card(&self, input: Value, _: TaskContext) -> Result<Value, TaskError> {
///         Ok(json!({ "StatusCode": 200, "Payload": input }))
///     }
/// }
///
/// # asl_runtime::tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let workflow = orders::Workflow::new(Handlers);
/// let result = workflow
///     .test_state(
///         orders::State::ChargeCard,
///         TestState::new(json!({ "total": 12 }))
///             .mock_error("Payment.Declined", "card expired")
///             .inspection(InspectionLevel::Debug),
///     )
///     .await?;
/// assert_eq!(result.status, TestStatus::CaughtError);
/// assert_eq!(result.next_state.as_deref(), Some("Reject"));
/// assert_eq!(
///     result.output,
///     Some(json!({ "total": 12, "error": { "Error": "Payment.Declined", "Cause": "card expired" } }))
/// );
/// let details = result.inspection_data.and_then(|d| d.error_details);
/// assert_eq!(details.and_then(|d| d.catch_index), Some(0));
/// # Ok::<(), asl_runtime::testing::TestStateError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct TestState {
    pub(crate) input: Value,
    pub(crate) mock: Option<Mock>,
    pub(crate) validation: FieldValidationMode,
    pub(crate) inspection: InspectionLevel,
    pub(crate) variables: Map<String, Value>,
    pub(crate) context: Option<Value>,
    pub(crate) role_arn: Option<String>,
    pub(crate) retrier_retry_count: u32,
    pub(crate) error_caused_by_state: Option<String>,
    pub(crate) map_iteration_failure_count: Option<u32>,
    pub(crate) map_item_reader_data: Option<Vec<Value>>,
}

impl TestState {
    /// A request with the state's input (`input`), at inspection level `INFO`.
    pub fn new(input: Value) -> Self {
        TestState {
            input,
            ..TestState::default()
        }
    }

    /// `mock.result`: the Task's result (its handler is not called), or the array of a Map's
    /// or Parallel's children's results (they do not run).
    pub fn mock_result(mut self, result: Value) -> Self {
        self.mock = Some(Mock::Result(result));
        self
    }

    /// `mock.errorOutput`: the error the Task, or a state in the Map or Parallel, raised.
    pub fn mock_error(mut self, error: impl Into<String>, cause: impl Into<String>) -> Self {
        self.mock = Some(Mock::Error {
            error: error.into(),
            cause: cause.into(),
        });
        self
    }

    /// `mock.fieldValidationMode` (default `STRICT`).
    pub fn field_validation(mut self, mode: FieldValidationMode) -> Self {
        self.validation = mode;
        self
    }

    /// `inspectionLevel` (default `INFO`).
    pub fn inspection(mut self, level: InspectionLevel) -> Self {
        self.inspection = level;
        self
    }

    /// `variables`: the workflow variables the state sees (VAR-*).
    pub fn variables(mut self, variables: Map<String, Value>) -> Self {
        self.variables = variables;
        self
    }

    /// `context`: the context object (`$$`) the state sees, exactly as given.
    pub fn context(mut self, context: Value) -> Self {
        self.context = Some(context);
        self
    }

    /// `roleArn`: `$$.Execution.RoleArn` (default `null`).
    pub fn role_arn(mut self, role: impl Into<String>) -> Self {
        self.role_arn = Some(role.into());
        self
    }

    /// `stateConfiguration.retrierRetryCount`: the retries already made, which decide whether
    /// a Retrier has attempts left and the backoff of the next.
    pub fn retrier_retry_count(mut self, n: u32) -> Self {
        self.retrier_retry_count = n;
        self
    }

    /// `stateConfiguration.errorCausedByState`: the state in the Map or Parallel that raised
    /// the mocked error (informational here: the mocked error is the container's either way).
    pub fn error_caused_by_state(mut self, state: impl Into<String>) -> Self {
        self.error_caused_by_state = Some(state.into());
        self
    }

    /// `stateConfiguration.mapIterationFailureCount`: how many of a mocked Map's iterations
    /// failed; above its tolerated failures, the Map fails with
    /// `States.ExceedToleratedFailureThreshold`.
    pub fn map_iteration_failure_count(mut self, n: u32) -> Self {
        self.map_iteration_failure_count = Some(n);
        self
    }

    /// `stateConfiguration.mapItemReaderData`: the items a Map's `ItemReader` reads.
    pub fn map_item_reader_data(mut self, items: Vec<Value>) -> Self {
        self.map_item_reader_data = Some(items);
        self
    }

    /// A request in the `TestState` API's JSON shape (`input`, `variables`, `context`,
    /// `mock.result` and `stateConfiguration.mapItemReaderData` as JSON texts, as AWS takes
    /// them); `definition` and `stateName` are not read (the state is chosen by its enum).
    pub fn from_request_json(request: &Value) -> Result<Self, TestStateError> {
        let text = |key: &str, v: &Value| -> Result<Option<Value>, TestStateError> {
            match v {
                Value::Null => Ok(None),
                Value::String(s) => serde_json::from_str(s).map(Some).map_err(|e| {
                    TestStateError::new(format!("'{key}' is not a valid JSON text: {e}"))
                }),
                other => Err(TestStateError::new(format!(
                    "'{key}' must be a JSON text (a string), not {other}"
                ))),
            }
        };
        let Value::Object(r) = request else {
            return Err(TestStateError::new("a TestState request is a JSON object"));
        };
        let field = |key: &str| r.get(key).unwrap_or(&Value::Null);
        let mut t = TestState::new(
            text("input", field("input"))?.unwrap_or_else(|| Value::Object(Map::new())),
        );
        t.inspection = match field("inspectionLevel").as_str() {
            None | Some("INFO") => InspectionLevel::Info,
            Some("DEBUG") => InspectionLevel::Debug,
            Some("TRACE") => InspectionLevel::Trace,
            Some(other) => {
                return Err(TestStateError::new(format!(
                    "inspectionLevel '{other}' is not one of INFO, DEBUG, TRACE"
                )));
            }
        };
        match text("variables", field("variables"))? {
            None => {}
            Some(Value::Object(m)) => t.variables = m,
            Some(other) => {
                return Err(TestStateError::new(format!(
                    "'variables' must hold a JSON object, not {other}"
                )));
            }
        }
        t.context = text("context", field("context"))?;
        t.role_arn = field("roleArn").as_str().map(str::to_string);
        if let Value::Object(mock) = field("mock") {
            let result = text("mock.result", mock.get("result").unwrap_or(&Value::Null))?;
            let error = mock.get("errorOutput").filter(|v| !v.is_null());
            t.mock = match (result, error) {
                (Some(_), Some(_)) => {
                    return Err(TestStateError::new(
                        "a mock has either 'result' or 'errorOutput', not both",
                    ));
                }
                (Some(v), None) => Some(Mock::Result(v)),
                (None, Some(e)) => Some(Mock::Error {
                    error: e["error"].as_str().unwrap_or_default().to_string(),
                    cause: e["cause"].as_str().unwrap_or_default().to_string(),
                }),
                (None, None) => {
                    return Err(TestStateError::new(
                        "a mock needs 'result' or 'errorOutput'",
                    ));
                }
            };
            t.validation = match mock.get("fieldValidationMode").and_then(Value::as_str) {
                None | Some("STRICT") => FieldValidationMode::Strict,
                Some("PRESENT") => FieldValidationMode::Present,
                Some("NONE") => FieldValidationMode::None,
                Some(other) => {
                    return Err(TestStateError::new(format!(
                        "fieldValidationMode '{other}' is not one of STRICT, PRESENT, NONE"
                    )));
                }
            };
        }
        if let Value::Object(c) = field("stateConfiguration") {
            let count = |key: &str| -> Result<Option<u32>, TestStateError> {
                match c.get(key) {
                    None | Some(Value::Null) => Ok(None),
                    Some(v) => v
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .map(Some)
                        .ok_or_else(|| {
                            TestStateError::new(format!(
                                "stateConfiguration.{key} must be a non-negative integer, not {v}"
                            ))
                        }),
                }
            };
            t.retrier_retry_count = count("retrierRetryCount")?.unwrap_or(0);
            t.map_iteration_failure_count = count("mapIterationFailureCount")?;
            t.error_caused_by_state = c
                .get("errorCausedByState")
                .and_then(Value::as_str)
                .map(str::to_string);
            let data = c.get("mapItemReaderData").unwrap_or(&Value::Null);
            t.map_item_reader_data = match text("stateConfiguration.mapItemReaderData", data)? {
                None => None,
                Some(Value::Array(items)) => Some(items),
                Some(other) => {
                    return Err(TestStateError::new(format!(
                        "stateConfiguration.mapItemReaderData must hold a JSON array, not \
                         {other}"
                    )));
                }
            };
        }
        Ok(t)
    }
}

/// A TestState call's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    /// The state succeeded.
    Succeeded,
    /// The state failed (no Retrier with attempts left, no Catcher).
    Failed,
    /// A Retrier would retry the state.
    Retriable,
    /// A Catcher caught the state's error.
    CaughtError,
}

impl TestStatus {
    /// `SUCCEEDED`, `FAILED`, `RETRIABLE` or `CAUGHT_ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::Retriable => "RETRIABLE",
            TestStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// Where a failed state's Retriers and Catchers stand (`inspectionData.errorDetails`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorDetails {
    /// The Retrier that matched the error.
    pub retry_index: Option<usize>,
    /// The backoff before the retry, in seconds (when it has attempts left).
    pub retry_backoff_interval_seconds: Option<u64>,
    /// The Catcher that caught the error.
    pub catch_index: Option<usize>,
}

/// The value after each data-flow step (`inspectionData`, at `DEBUG` and `TRACE`), with
/// AWS's names: a step the state does not have is `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InspectionData {
    /// `input`: the state's input.
    pub input: Option<Value>,
    /// `afterInputPath`.
    pub after_input_path: Option<Value>,
    /// `afterParameters` (JSONPath).
    pub after_parameters: Option<Value>,
    /// `afterArguments` (JSONata).
    pub after_arguments: Option<Value>,
    /// `result`: a Task's answer, a Pass state's `Result`.
    pub result: Option<Value>,
    /// `afterResultSelector`.
    pub after_result_selector: Option<Value>,
    /// `afterResultPath`.
    pub after_result_path: Option<Value>,
    /// `afterItemsPath` (Map).
    pub after_items_path: Option<Value>,
    /// `afterItemSelector` (Map; not reported here yet).
    pub after_item_selector: Option<Value>,
    /// `afterItemBatcher` (Map; not reported here yet).
    pub after_item_batcher: Option<Value>,
    /// `maxConcurrency` (Map; 0 when unlimited).
    pub max_concurrency: Option<u64>,
    /// `toleratedFailureCount` (Map, when given).
    pub tolerated_failure_count: Option<u64>,
    /// `toleratedFailurePercentage` (Map, when given).
    pub tolerated_failure_percentage: Option<f64>,
    /// `variables`: the workflow variables after the state (when there are any).
    pub variables: Option<Value>,
    /// `errorDetails`.
    pub error_details: Option<ErrorDetails>,
}

impl InspectionData {
    /// AWS's `inspectionData` JSON: payloads as JSON texts.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let payloads = [
            ("input", &self.input),
            ("afterInputPath", &self.after_input_path),
            ("afterParameters", &self.after_parameters),
            ("afterArguments", &self.after_arguments),
            ("result", &self.result),
            ("afterResultSelector", &self.after_result_selector),
            ("afterResultPath", &self.after_result_path),
            ("afterItemsPath", &self.after_items_path),
            ("afterItemSelector", &self.after_item_selector),
            ("afterItemBatcher", &self.after_item_batcher),
        ];
        for (key, v) in payloads {
            if let Some(v) = v {
                m.insert(key.into(), v.to_string().into());
            }
        }
        if let Some(n) = self.max_concurrency {
            m.insert("maxConcurrency".into(), n.into());
        }
        if let Some(n) = self.tolerated_failure_count {
            m.insert("toleratedFailureCount".into(), n.into());
        }
        if let Some(p) = self.tolerated_failure_percentage {
            m.insert("toleratedFailurePercentage".into(), p.into());
        }
        if let Some(v) = &self.variables {
            m.insert("variables".into(), v.to_string().into());
        }
        if let Some(d) = &self.error_details {
            let mut e = Map::new();
            if let Some(i) = d.catch_index {
                e.insert("catchIndex".into(), i.into());
            }
            if let Some(s) = d.retry_backoff_interval_seconds {
                e.insert("retryBackoffIntervalSeconds".into(), s.into());
            }
            if let Some(i) = d.retry_index {
                e.insert("retryIndex".into(), i.into());
            }
            m.insert("errorDetails".into(), Value::Object(e));
        }
        Value::Object(m)
    }
}

/// What a TestState call returns.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// How the state ended.
    pub status: TestStatus,
    /// Its output (`SUCCEEDED`, `CAUGHT_ERROR`: the Catcher's output).
    pub output: Option<Value>,
    /// The error (`FAILED`, `RETRIABLE`, `CAUGHT_ERROR`).
    pub error: Option<String>,
    /// The error's cause.
    pub cause: Option<String>,
    /// The state it transitions to (`Next`, the chosen Choice rule's, the Catcher's).
    pub next_state: Option<String>,
    /// Each data-flow step, at `DEBUG` and `TRACE`.
    pub inspection_data: Option<InspectionData>,
}

impl TestResult {
    /// AWS's TestState response JSON: `output` and the inspection data's payloads as JSON
    /// texts.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(o) = &self.output {
            m.insert("output".into(), o.to_string().into());
        }
        if let Some(e) = &self.error {
            m.insert("error".into(), e.clone().into());
        }
        if let Some(c) = &self.cause {
            m.insert("cause".into(), c.clone().into());
        }
        if let Some(d) = &self.inspection_data {
            m.insert("inspectionData".into(), d.to_json());
        }
        if let Some(n) = &self.next_state {
            m.insert("nextState".into(), n.clone().into());
        }
        m.insert("status".into(), self.status.as_str().into());
        Value::Object(m)
    }
}

/// A request TestState does not run (AWS answers these with a `ValidationException`): a mock
/// for a state that takes none, a mocked result that does not fit its integration's
/// response, a malformed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestStateError {
    message: String,
}

impl TestStateError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        TestStateError {
            message: message.into(),
        }
    }

    /// What is wrong with the request.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// AWS's error response JSON (`ValidationException`).
    pub fn to_json(&self) -> Value {
        json!({ "__type": "ValidationException", "message": self.message })
    }
}

impl std::fmt::Display for TestStateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValidationException: {}", self.message)
    }
}

impl std::error::Error for TestStateError {}

/// The runner of a scope of a generated module, started at the tested state: execution,
/// input, variables.
#[doc(hidden)]
pub type StartFn =
    Box<dyn FnOnce(Arc<Exec>, Value, Vars) -> BoxFuture<'static, Result<Value, Failure>> + Send>;

/// Runs `request` against the state `start` begins with (generated `test_state` calls this):
/// an execution of state machine `machine` that stops at the state's first transition.
#[doc(hidden)]
pub async fn run(
    request: TestState,
    machine: &str,
    start: StartFn,
) -> Result<TestResult, TestStateError> {
    let options = RunOptions {
        express: true,
        ..RunOptions::default()
    };
    let input = request.input.clone();
    let mut info = ExecutionInfo::new(&options, machine, Some(Arc::new(input.clone())));
    // TestState's execution ARN: an Express one without the trailing id.
    let id = format!(
        "arn:{}:states:{}:{}:express:{machine}:{}",
        options.partition,
        options.region,
        options.account,
        info.name()
    );
    info.set_id(id);
    let mut base = info.base_context();
    if let Some(Value::Object(e)) = base.get_mut("Execution") {
        e.insert(
            "RoleArn".into(),
            request.role_arn.clone().map_or(Value::Null, Value::from),
        );
    }
    if let Some(role) = &request.role_arn {
        info.set_role_arn(role.clone());
    }
    let inspects = request.inspection.inspects();
    let vars: Vars = Arc::new(request.variables.clone());
    let probe = Arc::new(Probe::new(request, base));
    let exec = Exec::start_probed(info, false, Some(Arc::clone(&probe)));
    let result = start(exec, input, vars).await;
    let report = probe.take_report();
    if let Some(why) = report.rejected {
        return Err(TestStateError::new(why));
    }
    let (status, output, failure) = match result {
        Ok(out) => match report.caught {
            Some(f) => (TestStatus::CaughtError, Some(out), Some(f)),
            None => (TestStatus::Succeeded, Some(out), None),
        },
        Err(f) if f.is_interrupted() => match (&report.next_state, report.retriable) {
            (Some((_, out)), _) => match report.caught {
                Some(f) => (TestStatus::CaughtError, Some(out.clone()), Some(f)),
                None => (TestStatus::Succeeded, Some(out.clone()), None),
            },
            (None, Some(f)) => (TestStatus::Retriable, None, Some(f)),
            (None, None) => {
                return Err(TestStateError::new(format!(
                    "the state did not finish: {}",
                    f.cause.unwrap_or_default()
                )));
            }
        },
        Err(f) => (TestStatus::Failed, None, Some(f)),
    };
    let (error, cause) = match failure {
        Some(f) => ((!f.error.is_empty()).then_some(f.error), f.cause),
        None => (None, None),
    };
    Ok(TestResult {
        status,
        output,
        error,
        cause,
        next_state: report.next_state.map(|(s, _)| s.to_string()),
        inspection_data: inspects.then_some(report.inspection),
    })
}
