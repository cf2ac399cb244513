//! The engine API's types, shaped after AWS's Step Functions API: ids, options, what
//! describe/history/list return, and the API's errors.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{ExecutionError, Status};
use crate::store::{ExecutionRecord, StoreError};

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
    /// No such Map Run (or schedule).
    #[error("ResourceNotFound: Resource Not Found: '{0}'")]
    ResourceNotFound(String),
    /// The workflow's type does not allow the call (`start_sync` on a `STANDARD` workflow).
    #[error(
        "StateMachineTypeNotSupported: This operation is not supported by this type of state machine: '{0}'"
    )]
    StateMachineTypeNotSupported(String),
    /// A request breaks a rule (a schedule's expression, time zone, name, dates).
    #[error("ValidationException: {0}")]
    ValidationException(String),
    /// The resource exists already (a schedule of that name).
    #[error("ConflictException: {0}")]
    ConflictException(String),
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
            EngineError::ResourceNotFound(_) => "ResourceNotFound",
            EngineError::StateMachineTypeNotSupported(_) => "StateMachineTypeNotSupported",
            EngineError::ValidationException(_) => "ValidationException",
            EngineError::ConflictException(_) => "ConflictException",
            EngineError::Store(_) => "StoreError",
        }
    }
}

/// An execution's ARN: prints as `arn:aws:states:us-east-1:123456789012:execution:order:o-1`
/// and parses back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecutionId(pub(super) String);

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
    pub(super) name: Option<String>,
    pub(super) express: bool,
    pub(super) mock: Option<std::sync::Arc<dyn crate::TaskMock>>,
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

    /// Answers the execution's Task states with `mock` (a mock test case,
    /// [`MockCase`](crate::testing::MockCase)) instead of their handlers, for the states it
    /// answers. The mock lives in this process only: a standard execution that another
    /// process resumes (after a crash, or by redrive) runs its Task states' handlers; so does
    /// a redriven one here. A Distributed Map's child executions share it.
    pub fn mock(mut self, mock: impl crate::TaskMock + 'static) -> Self {
        self.mock = Some(std::sync::Arc::new(mock));
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
    pub status: Status,
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
    /// The Map Run it is a child of (`mapRunArn`).
    pub map_run_arn: Option<String>,
    /// Whether `redrive` would accept it now (`redriveStatus`).
    pub redrive_status: RedriveStatus,
    /// Why it cannot be redriven, when it cannot (`redriveStatusReason`).
    pub redrive_status_reason: Option<String>,
}

/// Whether an execution can be redriven (`redriveStatus`, EXEC-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedriveStatus {
    /// `REDRIVABLE`.
    Redrivable,
    /// `NOT_REDRIVABLE`: see the reason.
    NotRedrivable,
    /// `REDRIVABLE_BY_MAP_RUN`: a Map Run's child, redriven with its parent.
    RedrivableByMapRun,
}

impl RedriveStatus {
    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RedriveStatus::Redrivable => "REDRIVABLE",
            RedriveStatus::NotRedrivable => "NOT_REDRIVABLE",
            RedriveStatus::RedrivableByMapRun => "REDRIVABLE_BY_MAP_RUN",
        }
    }
}

/// How long after it ended an execution can be redriven (AWS: 14 days).
const REDRIVE_PERIOD_DAYS: i64 = 14;

/// `redriveStatus` and `redriveStatusReason` of a stored execution, with AWS's reasons
/// (DescribeExecution's API reference).
fn redrive_status(r: &ExecutionRecord) -> (RedriveStatus, Option<String>) {
    let not = |reason: String| (RedriveStatus::NotRedrivable, Some(reason));
    match r.status {
        Status::Running | Status::Succeeded => {
            not(format!("Execution is {} and cannot be redriven", r.status))
        }
        _ if r.map_run.is_some() => (RedriveStatus::RedrivableByMapRun, None),
        _ => match r.stop_date {
            Some(stop)
                if crate::clock::now() - stop > chrono::Duration::days(REDRIVE_PERIOD_DAYS) =>
            {
                not("Execution redrivable period exceeded".into())
            }
            _ => (RedriveStatus::Redrivable, None),
        },
    }
}

impl Description {
    pub(super) fn of(r: ExecutionRecord) -> Description {
        let (redrive_status, redrive_status_reason) = redrive_status(&r);
        Description {
            redrive_status,
            redrive_status_reason,
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
            map_run_arn: r.map_run,
        }
    }

    /// The outcome, as [`Engine::wait`](super::Engine::wait) returns it (`None` while running).
    pub fn outcome(&self) -> Option<Result<Value, ExecutionError>> {
        match self.status {
            Status::Running => None,
            Status::Succeeded => Some(Ok(self.output.clone().unwrap_or(Value::Null))),
            status @ (Status::Failed | Status::TimedOut | Status::Aborted) => Some(Err(
                ExecutionError::new(status, self.error.clone(), self.cause.clone()),
            )),
        }
    }
}

/// One event of an execution's history (GetExecutionHistory).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// Sequential id from 1.
    pub id: u64,
    /// The event it follows, as AWS links them (0 for none).
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
    pub status: Option<Status>,
    /// Page size (default and maximum 1000; 0 means 100, as AWS).
    pub max_results: usize,
    /// Where to continue (from a previous [`ExecutionList::next_token`]).
    pub next_token: Option<String>,
    /// Only redriven (or only never redriven) executions (`redriveFilter`).
    pub redrive: Option<RedriveFilter>,
    /// Only executions whose name contains this text (case-sensitive; not in AWS's API: the
    /// console's search by name).
    pub name_contains: Option<String>,
}

/// `redriveFilter` of ListExecutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedriveFilter {
    /// `REDRIVEN`: redriven at least once.
    Redriven,
    /// `NOT_REDRIVEN`: never redriven.
    NotRedriven,
}

impl ListFilter {
    /// Only executions with `status`.
    pub fn status(mut self, status: Status) -> Self {
        self.status = Some(status);
        self
    }

    /// Only redriven executions, or only never-redriven ones.
    pub fn redrive(mut self, filter: RedriveFilter) -> Self {
        self.redrive = Some(filter);
        self
    }

    /// Only executions whose name contains `text` (case-sensitive).
    pub fn name_contains(mut self, text: impl Into<String>) -> Self {
        self.name_contains = Some(text.into());
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
