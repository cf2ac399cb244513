//! Assertions on an execution's history: a [`Trace`] reads the history once and answers what
//! a test asks about a run (the states entered, in order; each visit's input and output; the
//! retries of a state; whether it failed and was caught; the error that ended the
//! execution), and [`json_diff`] / [`assert_json_eq!`](crate::assert_json_eq) say what
//! differs between two JSON values in a few lines.
//!
//! A trace reads any history: [`Recorded::history`](crate::Recorded::history) of an
//! in-memory run, the durable engine's [`Engine::history`](crate::Engine::history), or AWS's
//! GetExecutionHistory events as JSON (see [`HistoryRecord`]), so one test can check an
//! execution here and its recording on AWS alike.

mod diff;
mod events;
mod reader;

use std::fmt;

use serde_json::Value;

use crate::Status;
#[doc(hidden)]
pub use diff::__assert_json_eq;
pub use diff::{MAX_LINES, json_diff};
pub use events::HistoryRecord;

/// What happened in one execution, read off its history: every visit of every state, in the
/// order they were entered (states in Map iterations and Parallel branches included), and how
/// the execution ended.
///
/// ```
/// use asl_runtime::{RunOptions, Status, TaskContext, TaskError, Value, testing::Trace};
/// use serde_json::json;
///
/// asl_runtime::asl!(mod order {
///     "StartAt": "Charge",
///     "States": {
///         "Charge": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
///                     "Retry": [{ "ErrorEquals": ["Busy"], "MaxAttempts": 2 }],
///                     "ResultPath": "$.charge", "Next": "Ship" },
///         "Ship": { "Type": "Pass", "Result": "shipped", "ResultPath": "$.ship", "End": true }
///     }
/// });
///
/// struct Handlers;
/// impl order::Tasks for Handlers {
///     async fn charge(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
///         match ctx.retry_count {
///             0 => Err(TaskError::new("Busy", "try again")),
///             _ => Ok(json!({ "paid": 12 })),
///         }
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let run = order::Workflow::new(Handlers)
///     .run_recorded(json!({ "id": "o-1" }), RunOptions::default())
///     .await;
/// let trace = Trace::of(&run.history);
/// assert_eq!(trace.states_entered(), ["Charge", "Ship"]);
/// assert_eq!(trace.retries("Charge").len(), 1);
/// assert_eq!(trace.retries("Charge")[0].error.as_deref(), Some("Busy"));
/// assert_eq!(trace.input("Charge", 0), Some(&json!({ "id": "o-1" })));
/// asl_runtime::assert_json_eq!(
///     trace.output("Charge", 0).unwrap(),
///     json!({ "id": "o-1", "charge": { "paid": 12 } })
/// );
/// assert_eq!(trace.status(), Status::Succeeded);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    visits: Vec<Visit>,
    ending: Option<Ending>,
}

/// One visit of one state: from its `…StateEntered` to its `…StateExited` (or its end).
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// The state's name.
    pub state: String,
    /// Its type, from the entry event: `Task`, `Map`, `Pass`, …
    pub state_type: String,
    /// The id of its `…StateEntered` event.
    pub entered_event: u64,
    /// The id of the event that ended it: its `…StateExited` (or `…StateAborted`), its own
    /// entry for a Fail state, the end of the Map or Parallel around it or of the execution;
    /// `None` while it runs.
    pub ended_event: Option<u64>,
    /// Its input (the `input` of its entry, decoded).
    pub input: Option<Value>,
    /// Its output (the `output` of its exit, decoded); `None` when it did not exit.
    pub output: Option<Value>,
    /// Every failure in it, in order: each attempt that failed (`TaskFailed`,
    /// `LambdaFunctionTimedOut`, `MapIterationFailed`, `ParallelStateFailed`,
    /// `EvaluationFailed`, …), and for a state that failed without an event of its own (a
    /// path that matched nothing, a Fail state) the failure of its branch or execution.
    pub failures: Vec<ErrorEvent>,
    /// The failures that were retried: each one followed by another attempt
    /// (`…Scheduled`, `MapStateStarted`, `ParallelStateStarted`) in this visit (RETRY-9).
    pub retries: Vec<ErrorEvent>,
    /// How the visit ended.
    pub outcome: Outcome,
    /// The index (in [`Trace::visits`]) of the Map or Parallel visit it ran in, if any.
    pub parent: Option<usize>,
    /// The index of the Map iteration it ran in, when the history's links tell it (inline
    /// Maps whose iterations run one at a time always do; concurrent iterations whose events
    /// interleave may not).
    pub iteration: Option<u64>,
    /// A failure not yet followed by a retry, a success, an exit or the end.
    pending: bool,
    /// The id of the event that started its latest attempt (its entry, or a retry).
    attempt: u64,
    /// Ended by its `…StateAborted`: a failed branch's state, or one it cut off.
    cut: bool,
}

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It has not ended (the execution is still running, possibly between two attempts).
    Running,
    /// It exited normally.
    Succeeded,
    /// It failed and a `Catch` took the execution on (CATCH-3): a failure, then its exit.
    Caught,
    /// It failed: a failure with no exit, or a Fail state.
    Failed,
    /// It was cut off: the execution stopped or timed out, or a sibling branch's failure
    /// ended its Parallel or Map.
    Aborted,
}

/// A failure event in a visit (or the execution's failure, for a state that failed without an
/// event of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEvent {
    /// The event's id.
    pub event: u64,
    /// The event's type: `TaskFailed`, `ExecutionFailed`, …
    pub kind: String,
    /// Its error name, when it has one. A Parallel or Map state's failure event has none
    /// on AWS: it is then the error of the state inside that failed it, when the history
    /// records one (a Fail state inside records none).
    pub error: Option<String>,
    /// Its cause, as `error` is found.
    pub cause: Option<String>,
}

/// How the execution ended: `ExecutionSucceeded`, `ExecutionFailed`, `ExecutionTimedOut` or
/// `ExecutionAborted`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    /// `Succeeded`, `Failed`, `TimedOut` or `Aborted`.
    pub status: Status,
    /// The event's id.
    pub event: u64,
    /// The execution's output (when it succeeded).
    pub output: Option<Value>,
    /// The error that ended it (when it failed, or timed out with an error).
    pub error: Option<String>,
    /// Its cause.
    pub cause: Option<String>,
}

impl Visit {
    /// The error it failed with and a `Catch` caught, when it was caught.
    pub fn caught(&self) -> Option<&ErrorEvent> {
        match self.outcome {
            Outcome::Caught => self.failures.last(),
            _ => None,
        }
    }

    /// The error it ended with, when it failed or was caught.
    pub fn error(&self) -> Option<&ErrorEvent> {
        match self.outcome {
            Outcome::Caught | Outcome::Failed => self.failures.last(),
            _ => None,
        }
    }
}

impl Trace {
    /// Reads a history: [`Recorded::history`](crate::Recorded::history),
    /// [`Engine::history`](crate::Engine::history), or AWS's events as JSON values.
    pub fn of<E: HistoryRecord>(history: &[E]) -> Trace {
        let mut reader = reader::Reader::default();
        for event in history {
            reader.read(event);
        }
        let (visits, ending) = reader.finish();
        Trace { visits, ending }
    }

    /// Every visit of every state, in the order they were entered.
    pub fn visits(&self) -> &[Visit] {
        &self.visits
    }

    /// The names of the states entered, in order (each visit once; states in Map iterations
    /// and Parallel branches where their entries are in the history).
    pub fn states_entered(&self) -> Vec<&str> {
        self.visits.iter().map(|v| v.state.as_str()).collect()
    }

    /// The visits of `state`, in order.
    pub fn visits_of<'a>(&'a self, state: &str) -> impl Iterator<Item = &'a Visit> + use<'a> {
        let state = state.to_string();
        self.visits.iter().filter(move |v| v.state == state)
    }

    /// Visit `n` of `state`, counting from 0 (`0`: its first visit).
    pub fn visit(&self, state: &str, n: usize) -> Option<&Visit> {
        self.visits_of(state).nth(n)
    }

    /// The input of visit `n` of `state` (from 0), decoded from its `…StateEntered`.
    pub fn input(&self, state: &str, n: usize) -> Option<&Value> {
        self.visit(state, n)?.input.as_ref()
    }

    /// The output of visit `n` of `state` (from 0), decoded from its `…StateExited`; `None`
    /// when that visit did not exit.
    pub fn output(&self, state: &str, n: usize) -> Option<&Value> {
        self.visit(state, n)?.output.as_ref()
    }

    /// The failures of `state` that were retried, over all its visits, in order: their count
    /// is how many attempts failed and were tried again (RETRY-9).
    pub fn retries(&self, state: &str) -> Vec<&ErrorEvent> {
        self.visits_of(state).flat_map(|v| &v.retries).collect()
    }

    /// The errors of `state` a `Catch` caught, one per caught visit (CATCH-3).
    pub fn caught(&self, state: &str) -> Vec<&ErrorEvent> {
        self.visits_of(state).filter_map(Visit::caught).collect()
    }

    /// Whether a visit of `state` ended failed (not caught), as a Fail state or a state whose
    /// error failed its branch or the execution does.
    pub fn failed(&self, state: &str) -> bool {
        self.visits_of(state).any(|v| v.outcome == Outcome::Failed)
    }

    /// The visits that ran directly inside visit `n` (from 0) of the Map or Parallel `state`.
    pub fn inside(&self, state: &str, n: usize) -> Vec<&Visit> {
        let Some(scope) = self
            .visits
            .iter()
            .enumerate()
            .filter(|(_, v)| v.state == state)
            .nth(n)
            .map(|(i, _)| i)
        else {
            return Vec::new();
        };
        self.visits
            .iter()
            .filter(|v| v.parent == Some(scope))
            .collect()
    }

    /// How the execution ended (`None` while it runs).
    pub fn ending(&self) -> Option<&Ending> {
        self.ending.as_ref()
    }

    /// The execution's status: `Running` until the history holds its end.
    pub fn status(&self) -> Status {
        self.ending.as_ref().map_or(Status::Running, |e| e.status)
    }

    /// The error that ended the execution (`ExecutionFailed`, `ExecutionTimedOut`,
    /// `ExecutionAborted`), when it has one.
    pub fn error(&self) -> Option<&str> {
        self.ending.as_ref()?.error.as_deref()
    }

    /// The cause of the error that ended the execution, when it has one.
    pub fn cause(&self) -> Option<&str> {
        self.ending.as_ref()?.cause.as_deref()
    }

    /// The execution's output, when it succeeded.
    pub fn execution_output(&self) -> Option<&Value> {
        self.ending.as_ref()?.output.as_ref()
    }
}

/// One line per visit, nested visits indented, then the ending: what a failing test prints
/// to show the run.
///
/// ```text
/// Charge (Task): succeeded, retried 1× (Busy)
/// Each (Map): succeeded
///   Double (Pass) [iteration 0]: succeeded
/// Boom (Fail): failed: Bad
/// execution FAILED: Bad: asked to fail
/// ```
impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let depth = |v: &Visit| {
            std::iter::successors(v.parent, |&p| self.visits.get(p).and_then(|v| v.parent)).count()
        };
        for v in &self.visits {
            write!(
                f,
                "{:indent$}{} ({})",
                "",
                v.state,
                v.state_type,
                indent = 2 * depth(v)
            )?;
            if let Some(i) = v.iteration {
                write!(f, " [iteration {i}]")?;
            }
            let outcome = match v.outcome {
                Outcome::Running => "running",
                Outcome::Succeeded => "succeeded",
                Outcome::Caught => "caught",
                Outcome::Failed => "failed",
                Outcome::Aborted => "aborted",
            };
            write!(f, ": {outcome}")?;
            if let Some(e) = v.error().and_then(|e| e.error.as_deref()) {
                write!(f, ": {e}")?;
            }
            if !v.retries.is_empty() {
                let errors: Vec<&str> = v
                    .retries
                    .iter()
                    .map(|r| r.error.as_deref().unwrap_or("?"))
                    .collect();
                write!(f, ", retried {}× ({})", v.retries.len(), errors.join(", "))?;
            }
            writeln!(f)?;
        }
        match &self.ending {
            None => write!(f, "execution RUNNING"),
            Some(e) => {
                write!(f, "execution {}", e.status.as_str())?;
                if let Some(err) = &e.error {
                    write!(f, ": {err}")?;
                }
                if let Some(cause) = &e.cause {
                    write!(f, ": {}", diff::cut(cause, 200))?;
                }
                Ok(())
            }
        }
    }
}
