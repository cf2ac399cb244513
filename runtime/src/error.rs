//! Errors: the ASL errors states raise ([`Failure`]), what task handlers return ([`TaskError`]),
//! an execution's [`Status`], and how an execution ends when it does not succeed
//! ([`ExecutionError`]).

use std::fmt;
use std::str::FromStr;

/// Names of the errors Step Functions defines (ERR-*).
pub mod names {
    /// Matches any error except `States.Runtime` and `States.DataLimitExceeded` (ERR-3).
    pub const ALL: &str = "States.ALL";
    /// A path matched nothing, or an unprocessable value (ERR-17).
    pub const RUNTIME: &str = "States.Runtime";
    /// A payload above 256 KiB (ERR-18).
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    /// A Task timed out, or the execution did (ERR-4).
    pub const TIMEOUT: &str = "States.Timeout";
    /// A Task's heartbeat was not received in time (ERR-5).
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// A Task failed (ERR-6); in `ErrorEquals` it matches every error but `States.Timeout`.
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// An intrinsic function failed (ERR-13).
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    /// No Choice rule matched and there is no `Default` (ERR-12).
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    /// `ResultPath` could not be applied (ERR-8).
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    /// A Parallel branch failed (ERR-11).
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    /// A Map's tolerated failures were exceeded (ERR-14).
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    /// Insufficient privileges (ERR-7).
    pub const PERMISSIONS: &str = "States.Permissions";
    /// A JSONata expression failed (ERR-10).
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    /// A Distributed Map could not read its items (MAP-21).
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    /// A Distributed Map could not write its results (MAP-23).
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
}

/// An ASL error raised while running a state: a name and a cause (ERR-2), or a durable
/// execution's interruption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The error name (`States.Runtime`, a Task's own error, …).
    pub error: String,
    /// The cause text; AWS reports none for some (e.g. a Fail state without `Cause`).
    pub cause: Option<String>,
    /// Set only by [`Failure::interrupted`]: a flag, not a name, so that no error a handler
    /// or a Fail state raises can pass for an interruption.
    interrupted: bool,
}

impl Failure {
    /// An error with a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure::from_parts(error, Some(cause.into()))
    }

    /// An error with a cause or none.
    pub(crate) fn from_parts(error: impl Into<String>, cause: Option<String>) -> Self {
        Failure {
            error: error.into(),
            cause,
            interrupted: false,
        }
    }

    /// `States.Runtime` with a cause.
    pub fn runtime(cause: impl Into<String>) -> Self {
        Failure::new(names::RUNTIME, cause)
    }

    /// `States.IntrinsicFailure` with a cause.
    pub fn intrinsic(cause: impl Into<String>) -> Self {
        Failure::new(names::INTRINSIC_FAILURE, cause)
    }

    /// `States.Runtime` is never retried or caught, even when a Retrier or Catcher names it: it
    /// always fails the execution (ERR-17). (`States.DataLimitExceeded` from a task's result is
    /// caught by `States.ALL` in AWS's recordings, so it is an ordinary error here.)
    pub fn is_terminal(&self) -> bool {
        self.error == names::RUNTIME || self.is_interrupted()
    }

    /// A durable execution's interruption (its lease lost, its store unwritable): not an ASL
    /// error, so no Retry or Catch sees it; the execution stops recording nothing and resumes
    /// from its last committed transition. It has no error name, only a cause for the logs.
    pub(crate) fn interrupted(cause: impl Into<String>) -> Self {
        Failure {
            error: String::new(),
            cause: Some(cause.into()),
            interrupted: true,
        }
    }

    /// Whether this is an interruption rather than an ASL error.
    pub(crate) fn is_interrupted(&self) -> bool {
        self.interrupted
    }

    /// Whether `ErrorEquals` entry `name` matches this error (ERR-3, ERR-6).
    pub fn matches(&self, name: &str) -> bool {
        match name {
            names::ALL => !self.is_terminal(),
            names::TASK_FAILED => self.error != names::TIMEOUT && !self.is_terminal(),
            _ => self.error == name,
        }
    }

    /// The Error Output AWS passes to a Catcher: `{"Error": …, "Cause": …}` (ERR-2); a failure
    /// that came without an error name (e.g. `SendTaskFailure` with none) has both null, and
    /// a Task's timeout, which history events and the execution's failure record without a
    /// cause, has `"Cause": ""` (as AWS recorded for a caught `lambda:invoke` timeout, ERR-5).
    pub fn to_error_output(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if self.error.is_empty() {
            m.insert("Error".into(), serde_json::Value::Null);
            m.insert(
                "Cause".into(),
                self.cause
                    .clone()
                    .map_or(serde_json::Value::Null, Into::into),
            );
        } else {
            m.insert("Error".into(), self.error.clone().into());
            match &self.cause {
                Some(c) => {
                    m.insert("Cause".into(), c.clone().into());
                }
                None if self.error == names::TIMEOUT => {
                    m.insert("Cause".into(), "".into());
                }
                None => {}
            }
        }
        serde_json::Value::Object(m)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.interrupted {
            f.write_str("interrupted")?;
            return match &self.cause {
                Some(c) => write!(f, ": {c}"),
                None => Ok(()),
            };
        }
        match &self.cause {
            Some(c) => write!(f, "{}: {c}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for Failure {}

/// What a task handler returns on failure: an error name and a cause, as a Lambda function's
/// `errorType` and `errorMessage` (TASK-12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The error name matched by `ErrorEquals`.
    pub error: String,
    /// The cause.
    pub cause: Option<String>,
}

impl TaskError {
    /// A task error with a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskError {
            error: error.into(),
            cause: Some(cause.into()),
        }
    }

    /// A task error without a cause.
    pub fn named(error: impl Into<String>) -> Self {
        TaskError {
            error: error.into(),
            cause: None,
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(c) => write!(f, "{}: {c}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for TaskError {}

/// A handler's error is an ordinary ASL error, whatever its name.
impl From<TaskError> for Failure {
    fn from(e: TaskError) -> Self {
        Failure::from_parts(e.error, e.cause)
    }
}

/// An execution's status, as AWS names it (EXEC-5): what `describe` reports and the store
/// keeps; an [`ExecutionError`] has one of the last three. Ordered as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// `RUNNING`.
    Running,
    /// `SUCCEEDED`.
    Succeeded,
    /// `FAILED`: an unhandled error (`ExecutionFailed`).
    Failed,
    /// `TIMED_OUT`: the machine's `TimeoutSeconds` passed (`ExecutionTimedOut`).
    TimedOut,
    /// `ABORTED`: stopped from outside (`ExecutionAborted`).
    Aborted,
}

impl Status {
    /// AWS's name: `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }

    /// Whether the execution has ended.
    pub fn is_closed(self) -> bool {
        self != Status::Running
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of AWS's execution statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown execution status '{0}'")]
pub struct UnknownStatus(String);

/// Parses AWS's name (`"TIMED_OUT"`, …).
impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "RUNNING" => Status::Running,
            "SUCCEEDED" => Status::Succeeded,
            "FAILED" => Status::Failed,
            "TIMED_OUT" => Status::TimedOut,
            "ABORTED" => Status::Aborted,
            _ => return Err(UnknownStatus(s.to_string())),
        })
    }
}

/// The end of an execution that did not succeed (EXEC-13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionError {
    status: Status,
    error: Option<String>,
    cause: Option<String>,
    /// A durable execution's interruption, carried from [`Failure::interrupted`]: its worker
    /// records no end, the execution resumes elsewhere.
    interrupted: bool,
}

impl ExecutionError {
    /// Builds one (the engine does this; useful in tests). An execution error's status is
    /// FAILED, TIMED_OUT or ABORTED: any other status is taken as FAILED.
    pub fn new(status: Status, error: Option<String>, cause: Option<String>) -> Self {
        let status = match status {
            Status::TimedOut | Status::Aborted => status,
            Status::Failed | Status::Running | Status::Succeeded => Status::Failed,
        };
        ExecutionError {
            status,
            error,
            cause,
            interrupted: false,
        }
    }

    /// FAILED with the failure's error (none when it has no name) and cause.
    pub fn failed(f: Failure) -> Self {
        ExecutionError {
            status: Status::Failed,
            error: (!f.error.is_empty()).then_some(f.error),
            cause: f.cause,
            interrupted: f.interrupted,
        }
    }

    /// Whether the execution was interrupted rather than ended (see [`Failure::interrupted`]).
    pub(crate) fn is_interrupted(&self) -> bool {
        self.interrupted
    }

    /// FAILED, TIMED_OUT or ABORTED.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The error name, if AWS would report one.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The cause, if AWS would report one.
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }
}

impl fmt::Display for ExecutionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.interrupted {
            f.write_str("execution interrupted")?;
        } else {
            write!(f, "execution {}", self.status.as_str())?;
        }
        if let Some(e) = &self.error {
            write!(f, ": {e}")?;
        }
        if let Some(c) = &self.cause {
            write!(f, ": {c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExecutionError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        let runtime = Failure::runtime("x");
        assert!(!runtime.matches(names::ALL));
        assert!(runtime.matches(names::RUNTIME));
        let custom = Failure::new("MyError", "x");
        assert!(custom.matches(names::ALL));
        assert!(custom.matches(names::TASK_FAILED));
        let timeout = Failure::new(names::TIMEOUT, "x");
        assert!(!timeout.matches(names::TASK_FAILED));
        assert!(timeout.matches(names::ALL));
    }

    #[test]
    fn an_interruption_is_a_flag_not_a_name() {
        let lost = Failure::interrupted("lease lost");
        assert!(lost.is_interrupted() && lost.is_terminal() && !lost.matches(names::ALL));
        assert!(ExecutionError::failed(lost).is_interrupted());
        let named = Failure::from(TaskError::new("asl-rs.Interrupted", "a handler's error"));
        assert!(!named.is_interrupted() && !named.is_terminal() && named.matches(names::ALL));
        assert!(!ExecutionError::failed(named).is_interrupted());
    }

    #[test]
    fn status_names_round_trip() {
        use Status::*;
        for s in [Running, Succeeded, Failed, TimedOut, Aborted] {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(TimedOut.as_str(), "TIMED_OUT");
        assert!("Timed_Out".parse::<Status>().is_err());
        assert!(!Running.is_closed() && Aborted.is_closed());
    }
}
