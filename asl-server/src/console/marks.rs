//! What happened to each state of one execution, read off its history: the visits of every
//! state (entered, retried, failed, caught, exited) and, folded from them, the
//! [`Marks`] the graph is coloured by.
//!
//! The history is AWS's: each `…StateEntered` starts a visit and the matching
//! `…StateExited` ends it. Between the two, a failure event (`TaskFailed`,
//! `LambdaFunctionTimedOut`, `MapIterationFailed`, `ParallelStateFailed`, …) followed by a
//! new attempt of the same state (`TaskScheduled`, `MapStateStarted`, …) is a retry
//! (ERR-3); a failure followed by the exit is a caught one (ERR-5: AWS records
//! `ParallelStateFailed` then `ParallelStateExited` when a `Catch` takes the execution on);
//! a failure with no exit failed the state. An entered `Fail` state failed its branch. The
//! end of the execution ends the visits still open: failed when they had a failure, aborted
//! otherwise (a stop, a time-out, a sibling branch's failure cut them off).
//!
//! Events name their state when this engine records them; AWS names it on entries and exits
//! only, so an event without a name belongs to the latest open visit of a state of its
//! family (`Task…`/`Lambda…`/`Activity…` to a Task, `Map…` to a Map, `Parallel…` to a
//! Parallel).

use asl_runtime::Status as ExecutionStatus;
use asl_runtime::durable::HistoryEvent;
use asl_runtime::graph::{Marks, Status};
use chrono::{DateTime, Utc};

/// One visit of one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// The state's name.
    pub state: String,
    /// Its type, from the entry event (`Task`, `Map`, …).
    pub kind: String,
    /// The entry event's id and time.
    pub entered: (u64, DateTime<Utc>),
    /// The exit event's id and time, once it left (or ended: a Fail state, the execution's
    /// end).
    pub ended: Option<(u64, DateTime<Utc>)>,
    /// Its input (JSON text, as the history holds it).
    pub input: Option<String>,
    /// Its output (JSON text).
    pub output: Option<String>,
    /// Each failure: the event type, error and cause.
    pub failures: Vec<Failure>,
    /// How many times it was retried.
    pub retries: u32,
    /// The visit's outcome.
    pub status: Status,
    /// A failure not yet followed by a retry, an exit or the end.
    pending: bool,
}

/// One failure within a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The event's id.
    pub event: u64,
    /// The event's type (`TaskFailed`, …).
    pub kind: String,
    /// Its error name.
    pub error: Option<String>,
    /// Its cause.
    pub cause: Option<String>,
}

/// Which state types an event without a state name can belong to.
fn family(kind: &str) -> Option<&'static str> {
    if kind.starts_with("Task") || kind.starts_with("Lambda") || kind.starts_with("Activity") {
        Some("Task")
    } else if kind.starts_with("Map") {
        Some("Map")
    } else if kind.starts_with("Parallel") {
        Some("Parallel")
    } else if kind.starts_with("Wait") {
        Some("Wait")
    } else {
        None
    }
}

/// A failure of the state the event belongs to.
fn is_failure(kind: &str) -> bool {
    !kind.starts_with("Execution") && (kind.ends_with("Failed") || kind.ends_with("TimedOut"))
}

/// The start of an attempt: after a failure, a retry.
fn is_attempt(kind: &str) -> bool {
    kind.ends_with("Scheduled") || kind == "MapStateStarted" || kind == "ParallelStateStarted"
}

fn text(event: &HistoryEvent, key: &str) -> Option<String> {
    event
        .details
        .as_ref()
        .and_then(|d| d.get(key))
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Every visit of every state, in the order they were entered. `status` is the execution's:
/// a visit still open at the end of the history is running while the execution runs.
pub fn visits(history: &[HistoryEvent], status: ExecutionStatus) -> Vec<Visit> {
    let mut visits: Vec<Visit> = Vec::new();
    // Indexes into `visits` of the visits not ended, oldest first.
    let mut open: Vec<usize> = Vec::new();
    for event in history {
        let kind = event.kind.as_str();
        if let Some(type_) = kind.strip_suffix("StateEntered") {
            let Some(state) = event.state.clone().or_else(|| text(event, "name")) else {
                continue;
            };
            let fail = type_ == "Fail";
            visits.push(Visit {
                state,
                kind: type_.to_string(),
                entered: (event.id, event.timestamp),
                ended: fail.then_some((event.id, event.timestamp)),
                input: text(event, "input"),
                output: None,
                failures: Vec::new(),
                retries: 0,
                status: if fail {
                    Status::Failed
                } else {
                    Status::Running
                },
                pending: false,
            });
            if !fail {
                open.push(visits.len() - 1);
            }
            continue;
        }
        if kind.ends_with("StateExited") || kind.ends_with("StateAborted") {
            let name = event.state.clone().or_else(|| text(event, "name"));
            let Some(pos) = open
                .iter()
                .rposition(|&i| Some(&visits[i].state) == name.as_ref())
            else {
                continue;
            };
            let i = open.remove(pos);
            let visit = &mut visits[i];
            visit.ended = Some((event.id, event.timestamp));
            if kind.ends_with("StateExited") {
                visit.output = text(event, "output");
                visit.status = if visit.pending {
                    Status::Caught
                } else {
                    Status::Succeeded
                };
            } else {
                visit.status = Status::Aborted;
            }
            visit.pending = false;
            continue;
        }
        if matches!(
            kind,
            "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted" | "ExecutionSucceeded"
        ) {
            for i in open.drain(..) {
                let visit = &mut visits[i];
                visit.ended = Some((event.id, event.timestamp));
                visit.status = if visit.pending {
                    Status::Failed
                } else if kind == "ExecutionSucceeded" {
                    Status::Succeeded
                } else {
                    Status::Aborted
                };
                visit.pending = false;
            }
            continue;
        }
        // Another event of a state: find its visit.
        let named = event.state.as_ref().and_then(|name| {
            open.iter()
                .rev()
                .copied()
                .find(|&i| &visits[i].state == name)
        });
        let owner = named.or_else(|| {
            let family = family(kind)?;
            open.iter()
                .rev()
                .copied()
                .find(|&i| visits[i].kind == family)
        });
        let Some(i) = owner else {
            continue;
        };
        let visit = &mut visits[i];
        if is_failure(kind) {
            visit.failures.push(Failure {
                event: event.id,
                kind: kind.to_string(),
                error: text(event, "error"),
                cause: text(event, "cause"),
            });
            visit.pending = true;
        } else if is_attempt(kind) && visit.pending {
            visit.retries += 1;
            visit.pending = false;
        }
    }
    for i in open {
        let visit = &mut visits[i];
        visit.status = match (visit.pending, status) {
            // Failed and still running: waiting for its next attempt.
            (true, ExecutionStatus::Running) => Status::Retried,
            (true, _) => Status::Failed,
            (false, ExecutionStatus::Running) => Status::Running,
            (false, ExecutionStatus::Succeeded) => Status::Succeeded,
            (false, _) => Status::Aborted,
        };
    }
    visits
}

/// The marks of every state visited: the last visit's outcome, the number of visits, and
/// the outcomes counted (each retry counts a [`Status::Retried`]).
pub fn fold(visits: &[Visit]) -> Marks {
    let mut marks = Marks::new();
    for visit in visits {
        let mark = marks.entry(visit.state.clone()).or_default();
        mark.visits += 1;
        mark.last = Some(visit.status);
        *mark.outcomes.entry(visit.status).or_insert(0) += 1;
        if visit.retries > 0 {
            *mark.outcomes.entry(Status::Retried).or_insert(0) += visit.retries;
        }
    }
    marks
}

/// The marks of an execution with this history and status.
pub fn marks(history: &[HistoryEvent], status: ExecutionStatus) -> Marks {
    fold(&visits(history, status))
}

#[cfg(test)]
#[path = "marks_tests.rs"]
mod tests;
