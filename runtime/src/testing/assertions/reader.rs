//! Reads the visits of every state off a history, in one pass.
//!
//! Each `…StateEntered` starts a visit and the matching `…StateExited` ends it. Between the
//! two, a failure event (`TaskFailed`, `LambdaFunctionTimedOut`, `MapIterationFailed`,
//! `ParallelStateFailed`, …) followed by a new attempt of the same state (`TaskScheduled`,
//! `MapStateStarted`, `ParallelStateStarted`, …) is a retry (RETRY-9); a failure followed by
//! the exit is a caught one (CATCH-3), unless the state succeeded in between
//! (`MapStateSucceeded` after an iteration failure a `ToleratedFailure…` allowed, MAP-24); a
//! failure with no exit failed the state. An entered `Fail` state failed its branch.
//!
//! A state can fail without an event of its own (a `States.Runtime` error of a path, a Choice
//! with no match): the history goes from its entry to the failure of its branch or execution
//! (`ParallelStateFailed`, `MapIterationFailed`, `ExecutionFailed`), which is then that
//! state's: the one the cause names (`…executing the state 'X' (entered at the event id
//! #N)`), else the one the failure follows, else the last one entered.
//!
//! Which visit an event belongs to follows AWS's `previousEventId` links (EXEC-7): an event
//! belongs to the visit of the event it follows (or the Map or Parallel around it); a state
//! entered after a `MapIterationStarted` or `ParallelStateStarted` runs inside that Map or
//! Parallel, one entered after another state's event runs beside it. State names are unique
//! in a definition, so the Map or Parallel a state runs in, once learnt, holds for its later
//! visits even where the links of concurrent branches interleave. This is how the web console
//! of asl-server reads histories too.

use std::collections::HashMap;

use super::events::{HistoryRecord, message, payload, text};
use super::{Ending, ErrorEvent, Outcome, Visit};
use crate::Status;

/// How far back along the links an event's visit is looked for.
const CHAIN_DEPTH: usize = 64;

/// Which state types an event that names no state can belong to.
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

/// A failure of the state the event belongs to (`EvaluationFailed`, `TaskFailed`,
/// `TaskTimedOut`, `MapIterationFailed`, …).
fn is_failure(kind: &str) -> bool {
    !kind.starts_with("Execution") && (kind.ends_with("Failed") || kind.ends_with("TimedOut"))
}

/// The start of an attempt: after a failure, a retry.
fn is_attempt(kind: &str) -> bool {
    kind.ends_with("Scheduled") || kind == "MapStateStarted" || kind == "ParallelStateStarted"
}

/// The success of a state's work, which clears a failure before it (an iteration's success is
/// not the Map's).
fn is_success(kind: &str) -> bool {
    kind.ends_with("StateSucceeded")
        || (family(kind) == Some("Task") && kind.ends_with("Succeeded"))
}

fn is_container(kind: &str) -> bool {
    kind == "Map" || kind == "Parallel"
}

/// The state a runtime error's cause names, and the id of its entry: AWS writes
/// "An error occurred while executing the state 'X' (entered at the event id #N). …".
fn culprit_in(cause: &str) -> (Option<&str>, Option<u64>) {
    const START: &str = "executing the state '";
    const ENTERED: &str = "' (entered at the event id #";
    let Some(rest) = cause.find(START).map(|i| &cause[i + START.len()..]) else {
        return (None, None);
    };
    let Some(end) = rest.find(ENTERED).or_else(|| rest.find('\'')) else {
        return (None, None);
    };
    let id = rest[end..].strip_prefix(ENTERED).and_then(|r| {
        let digits = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
        r[..digits].parse().ok()
    });
    (Some(&rest[..end]), id)
}

/// What an event tells about the visits entered right after it.
#[derive(Clone, Copy)]
struct Owner {
    visit: usize,
    /// States entered after it run inside the visit (`MapIterationStarted`,
    /// `ParallelStateStarted`), in this Map iteration (`Some(index)`).
    opens: bool,
    iteration: Option<u64>,
}

/// The visits being read off one history.
#[derive(Default)]
pub(super) struct Reader {
    pub(super) visits: Vec<Visit>,
    pub(super) ending: Option<Ending>,
    /// Indexes of the visits not ended, oldest first.
    open: Vec<usize>,
    owner: HashMap<u64, Owner>,
    /// Each event's `previousEventId`.
    previous: HashMap<u64, u64>,
    /// The Map or Parallel each state runs in, learnt from an unambiguous entry.
    container: HashMap<String, String>,
    /// The id of the latest `ExecutionStarted` or `ExecutionRedriven`.
    started: u64,
}

impl Reader {
    fn is_open(&self, i: usize) -> bool {
        self.visits[i].outcome == Outcome::Running
    }

    /// `i` and the visits around it, innermost first.
    fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(i), |&j| self.visits[j].parent)
    }

    /// Whether `i` ran inside `scope` (at any depth; `None`, the execution, holds all).
    fn inside(&self, i: usize, scope: Option<usize>) -> bool {
        match scope {
            None => true,
            Some(s) => self.visits[i]
                .parent
                .is_some_and(|p| self.ancestors(p).any(|a| a == s)),
        }
    }

    /// The first visit (or one around it) `fits` accepts along the links back from `previous`.
    fn along_chain(&self, mut previous: u64, fits: impl Fn(usize) -> bool) -> Option<usize> {
        for _ in 0..CHAIN_DEPTH {
            if let Some(o) = self.owner.get(&previous)
                && let Some(a) = self.ancestors(o.visit).find(|&a| fits(a))
            {
                return Some(a);
            }
            previous = *self.previous.get(&previous)?;
        }
        None
    }

    /// The open visit an event of state `name` (or, unnamed, of a state of `family`) belongs to.
    fn owner_of(&self, previous: u64, name: Option<&str>, family: Option<&str>) -> Option<usize> {
        let fits = |i: usize| {
            let v = &self.visits[i];
            self.is_open(i)
                && match name {
                    Some(n) => v.state == n,
                    None => family.is_some_and(|f| v.state_type == f),
                }
        };
        self.along_chain(previous, fits)
            .or_else(|| self.open.iter().rev().copied().find(|&i| fits(i)))
    }

    fn newest_open(&self, state: &str) -> Option<usize> {
        self.open
            .iter()
            .rev()
            .copied()
            .find(|&i| self.visits[i].state == state)
    }

    /// The Map or Parallel a state entered after event `previous` runs in, and its Map
    /// iteration.
    fn parent_of(&mut self, previous: u64, state: &str) -> (Option<usize>, Option<u64>) {
        let learnt = self.container.get(state).cloned();
        match self.owner.get(&previous).copied() {
            Some(o) if o.opens && self.is_open(o.visit) => {
                self.container
                    .insert(state.to_string(), self.visits[o.visit].state.clone());
                (Some(o.visit), o.iteration)
            }
            Some(o) => {
                let beside = self.visits[o.visit].parent;
                let iteration = self.visits[o.visit].iteration;
                match learnt {
                    // Linked to a state of another Map or Parallel (events of concurrent
                    // branches are linked in the order they were recorded): the one learnt.
                    Some(c) if beside.is_none_or(|b| self.visits[b].state != c) => {
                        let p = beside
                            .and_then(|b| self.ancestors(b).find(|&a| self.visits[a].state == c))
                            .or_else(|| self.newest_open(&c));
                        (p, None)
                    }
                    _ => (beside, iteration),
                }
            }
            None => match learnt {
                Some(c) => (self.newest_open(&c), None),
                // A first state, or one entered again after a redrive, runs at the top; an
                // entry linked to none inside a Map or Parallel runs in the latest.
                None => (
                    self.open
                        .iter()
                        .rev()
                        .copied()
                        .find(|&i| is_container(&self.visits[i].state_type)),
                    None,
                ),
            },
        }
    }

    fn end(&mut self, i: usize, id: u64, outcome: Outcome) {
        self.open.retain(|&j| j != i);
        let visit = &mut self.visits[i];
        visit.ended_event = Some(id);
        visit.outcome = outcome;
        visit.pending = false;
    }

    /// Ends the visits still open inside `scope`: failed when a failure is pending, `rest`
    /// otherwise.
    fn end_inside(&mut self, scope: Option<usize>, id: u64, rest: Outcome) {
        let inside: Vec<usize> = self
            .open
            .iter()
            .copied()
            .filter(|&i| self.inside(i, scope))
            .collect();
        for i in inside {
            let outcome = if self.visits[i].pending {
                Outcome::Failed
            } else {
                rest
            };
            self.end(i, id, outcome);
        }
    }

    /// A branch, iteration or the execution (`scope`) failed with `failure`: when no state in
    /// it failed on its own since its latest attempt started, the failure is that of the
    /// state that was running (or was just cut off by its `…StateAborted`).
    fn blame(
        &mut self,
        scope: Option<usize>,
        failure: &ErrorEvent,
        previous: u64,
        follows: Option<usize>,
    ) -> Option<usize> {
        let since = scope.map_or(self.started, |s| self.visits[s].attempt);
        let recent: Vec<usize> = (0..self.visits.len())
            .filter(|&i| self.visits[i].entered_event > since && self.inside(i, scope))
            .filter(|&i| follows.is_none_or(|f| self.ancestors(f).any(|a| a == i)))
            .collect();
        let failed = |r: &Reader, i: usize| {
            let v = &r.visits[i];
            v.pending
                || (v.outcome == Outcome::Failed
                    && v.ended_event.is_some_and(|e| e < failure.event))
        };
        if let Some(&i) = recent.iter().find(|&&i| failed(self, i)) {
            // A Fail state has no event of its own: its error is the one it raises.
            let v = &mut self.visits[i];
            if v.state_type == "Fail" && v.failures.is_empty() && failure.error.is_some() {
                v.failures.push(failure.clone());
            }
            return Some(i);
        }
        let candidates: Vec<usize> = recent
            .into_iter()
            .filter(|&i| self.is_open(i) || self.visits[i].cut)
            .collect();
        let (name, entered) = failure.cause.as_deref().map_or((None, None), culprit_in);
        let named = candidates.iter().rev().copied().find(|&i| {
            let v = &self.visits[i];
            entered.map_or(name == Some(v.state.as_str()), |id| v.entered_event == id)
        });
        let culprit = named
            .or_else(|| self.along_chain(previous, |i| candidates.contains(&i)))
            .or_else(|| candidates.last().copied());
        if let Some(i) = culprit {
            let ended = self.visits[i].ended_event;
            self.visits[i].failures.push(failure.clone());
            self.end(i, failure.event, Outcome::Failed);
            let visit = &mut self.visits[i];
            visit.ended_event = ended.or(visit.ended_event);
            visit.cut = false;
        }
        culprit
    }

    pub(super) fn read(&mut self, event: &impl HistoryRecord) {
        let id = event.event_id();
        let previous = event.previous_id();
        let kind = event.event_type();
        self.previous.insert(id, previous);
        // AWS names a state in the details of entries, exits and Map iterations, and in
        // `state` of an `EvaluationFailed`; this engine on every event of a state.
        let name = event
            .state_name()
            .map(str::to_string)
            .or_else(|| text(event, "name"))
            .or_else(|| text(event, "state"));
        if let Some(state_type) = kind.strip_suffix("StateEntered") {
            let Some(state) = name else {
                return;
            };
            let (parent, iteration) = self.parent_of(previous, &state);
            let fail = state_type == "Fail";
            self.visits.push(Visit {
                state,
                state_type: state_type.to_string(),
                entered_event: id,
                ended_event: fail.then_some(id),
                input: payload(event, "input"),
                output: None,
                failures: Vec::new(),
                retries: Vec::new(),
                outcome: if fail {
                    Outcome::Failed
                } else {
                    Outcome::Running
                },
                parent,
                iteration,
                pending: false,
                attempt: id,
                cut: false,
            });
            let i = self.visits.len() - 1;
            self.owner.insert(
                id,
                Owner {
                    visit: i,
                    opens: false,
                    iteration: None,
                },
            );
            if !fail {
                self.open.push(i);
            }
            return;
        }
        if let Some(status) = match kind {
            "ExecutionSucceeded" => Some(Status::Succeeded),
            "ExecutionFailed" => Some(Status::Failed),
            "ExecutionTimedOut" => Some(Status::TimedOut),
            "ExecutionAborted" => Some(Status::Aborted),
            _ => None,
        } {
            let ending = Ending {
                status,
                event: id,
                output: payload(event, "output"),
                error: message(event, "error"),
                cause: message(event, "cause"),
            };
            match status {
                Status::Succeeded => self.end_inside(None, id, Outcome::Succeeded),
                Status::Failed => {
                    self.blame(None, &ErrorEvent::of(event), previous, None);
                    self.end_inside(None, id, Outcome::Aborted);
                }
                _ => self.end_inside(None, id, Outcome::Aborted),
            }
            self.ending = Some(ending);
            return;
        }
        if kind == "ExecutionStarted" || kind == "ExecutionRedriven" {
            self.started = id;
            self.ending = None;
            return;
        }
        let exited = kind.ends_with("StateExited");
        if exited || kind.ends_with("StateAborted") {
            let family = kind
                .strip_suffix("StateExited")
                .or_else(|| kind.strip_suffix("StateAborted"));
            let Some(i) = self.owner_of(previous, name.as_deref(), family) else {
                return;
            };
            self.owner.insert(
                id,
                Owner {
                    visit: i,
                    opens: false,
                    iteration: None,
                },
            );
            let outcome = match (exited, self.visits[i].pending) {
                (true, true) => Outcome::Caught,
                (true, false) => Outcome::Succeeded,
                (false, true) => Outcome::Failed,
                (false, false) => Outcome::Aborted,
            };
            // Whatever still runs inside a Map or Parallel that ends was cut off.
            self.end_inside(Some(i), id, Outcome::Aborted);
            self.end(i, id, outcome);
            let visit = &mut self.visits[i];
            if exited {
                visit.output = payload(event, "output");
            } else {
                visit.cut = outcome == Outcome::Aborted;
            }
            return;
        }
        // Another event of a state: find its visit.
        let Some(i) = self.owner_of(previous, name.as_deref(), family(kind)) else {
            return;
        };
        let iteration = (kind == "MapIterationStarted")
            .then(|| event.event_details()?.get("index")?.as_u64())
            .flatten();
        self.owner.insert(
            id,
            Owner {
                visit: i,
                opens: kind == "MapIterationStarted" || kind == "ParallelStateStarted",
                iteration,
            },
        );
        if is_failure(kind) {
            let mut failure = ErrorEvent::of(event);
            match kind {
                "ParallelStateFailed" | "MapStateFailed" => {
                    let culprit = self.blame(Some(i), &failure, previous, None);
                    // AWS's event carries no error: the state fails with the error of the
                    // state that failed it inside (a branch's, an iteration's).
                    if failure.error.is_none()
                        && let Some(inner) = culprit.and_then(|c| self.visits[c].failures.last())
                    {
                        failure.error.clone_from(&inner.error);
                        failure.cause.clone_from(&inner.cause);
                    }
                    self.end_inside(Some(i), id, Outcome::Aborted);
                }
                "MapIterationFailed" => {
                    // The iteration's last event: the state that failed it, in it.
                    let last = self
                        .owner
                        .get(&previous)
                        .map(|o| o.visit)
                        .filter(|&v| self.inside(v, Some(i)));
                    self.blame(Some(i), &failure, previous, last);
                }
                _ => {}
            }
            let visit = &mut self.visits[i];
            visit.failures.push(failure);
            visit.pending = true;
        } else if is_attempt(kind) {
            let visit = &mut self.visits[i];
            if visit.pending {
                if let Some(f) = visit.failures.last() {
                    visit.retries.push(f.clone());
                }
                visit.pending = false;
            }
            visit.attempt = id;
        } else if is_success(kind) {
            self.visits[i].pending = false;
        }
    }

    /// The visits still open when the history ends: running, or waiting for their next
    /// attempt after a failure.
    pub(super) fn finish(mut self) -> (Vec<Visit>, Option<Ending>) {
        for i in std::mem::take(&mut self.open) {
            // Still running (the execution runs), possibly between two attempts.
            self.visits[i].outcome = Outcome::Running;
        }
        (self.visits, self.ending)
    }
}

impl ErrorEvent {
    fn of(event: &impl HistoryRecord) -> ErrorEvent {
        ErrorEvent {
            event: event.event_id(),
            kind: event.event_type().to_string(),
            error: message(event, "error"),
            cause: message(event, "cause"),
        }
    }
}
