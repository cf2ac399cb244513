//! What happened to each state of one execution, read off its history: the visits of every
//! state (entered, retried, failed, caught, exited) and, folded from them, the
//! [`Marks`] the graph is coloured by.
//!
//! The history is AWS's: each `…StateEntered` starts a visit and the matching
//! `…StateExited` ends it. Between the two, a failure event (`TaskFailed`,
//! `LambdaFunctionTimedOut`, `MapIterationFailed`, `ParallelStateFailed`, …) followed by a
//! new attempt of the same state (`TaskScheduled`, `MapStateStarted`, …) is a retry
//! (ERR-3); a failure followed by the exit is a caught one (ERR-5: AWS records
//! `ParallelStateFailed` then `ParallelStateExited` when a `Catch` takes the execution on),
//! unless the state succeeded in between (`MapStateSucceeded` after an iteration failure a
//! `ToleratedFailure…` allowed, MAP-24); a failure with no exit failed the state. An entered
//! `Fail` state failed its branch.
//!
//! A state can also fail without an event of its own: a `States.Runtime` error of a path, a
//! Choice with no matching rule, a bad Wait timestamp — the history goes from its entry
//! straight to the failure of its branch or execution (`ParallelStateFailed`,
//! `MapIterationFailed`, `ExecutionFailed`). That failure is then the state's: the one the
//! cause names (`…executing the state 'X' (entered at the event id #N)`), or else the one the
//! failure event follows, or else the last one entered. When a Parallel or Map ends, so do
//! the visits inside it; the end of the execution ends the visits still open: failed when
//! they had a failure, aborted otherwise (a stop, a time-out, a sibling branch's failure cut
//! them off).
//!
//! Which visit an event belongs to follows AWS's `previousEventId` links (EXEC-7): an event
//! belongs to the visit of the event it follows, or to the Map or Parallel around that
//! visit; a state entered after a `MapIterationStarted` or `ParallelStateStarted` runs
//! inside that Map or Parallel, one entered after another state's event runs beside it.
//! This keeps concurrent Map iterations and Parallel branches apart, even when they visit
//! states of the same names. Where the links say nothing (an event linked to none), an event
//! belongs to the latest open visit of its state (events name their state when this engine
//! records them; AWS names it on entries and exits only, so an unnamed one goes to a state of
//! its family: `Task…`/`Lambda…`/`Activity…` to a Task, `Map…` to a Map, …).

use std::collections::HashMap;

use asl_runtime::Status as ExecutionStatus;
use asl_runtime::durable::HistoryEvent;
use asl_runtime::graph::{Graph, Marks, Status};
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
    /// The exit event's id and time, once it left (or ended: a Fail state, the end of the
    /// Map or Parallel around it, the execution's end).
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
    /// The visit of the Map or Parallel it ran in (an index into the visits), if any.
    pub parent: Option<usize>,
    /// A failure not yet followed by a retry, a success, an exit or the end.
    pending: bool,
    /// The id of the event that started its latest attempt (its entry, or a retry).
    attempt: u64,
    /// Ended by its `…StateAborted`: a failed branch's state, or one it cut off.
    cut: bool,
}

/// One failure within a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The event's id.
    pub event: u64,
    /// The event's type (`TaskFailed`, `ExecutionFailed` for a state that failed the
    /// execution without an event of its own, …).
    pub kind: String,
    /// Its error name.
    pub error: Option<String>,
    /// Its cause.
    pub cause: Option<String>,
}

impl Failure {
    fn of(event: &HistoryEvent) -> Failure {
        Failure {
            event: event.id,
            kind: event.kind.clone(),
            error: text(event, "error"),
            cause: text(event, "cause"),
        }
    }
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

/// The success of a state's work: a failure before it was tolerated or retried away (an
/// iteration's success is not the Map's).
fn is_success(kind: &str) -> bool {
    kind.ends_with("StateSucceeded")
        || (family(kind) == Some("Task") && kind.ends_with("Succeeded"))
}

/// An event after which states run inside the Map or Parallel it belongs to.
fn opens_scope(kind: &str) -> bool {
    kind == "MapIterationStarted" || kind == "ParallelStateStarted"
}

fn is_container(kind: &str) -> bool {
    kind == "Map" || kind == "Parallel"
}

fn text(event: &HistoryEvent, key: &str) -> Option<String> {
    event
        .details
        .as_ref()
        .and_then(|d| d.get(key))
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// The state a runtime error's cause names, and the id of its entry: AWS writes
/// "An error occurred while executing the state 'X' (entered at the event id #N). …".
fn culprit_in(cause: &str) -> (Option<&str>, Option<u64>) {
    let Some(rest) = cause
        .find("executing the state '")
        .map(|i| &cause[i + "executing the state '".len()..])
    else {
        return (None, None);
    };
    let Some(end) = rest
        .find("' (entered at the event id #")
        .or_else(|| rest.find('\''))
    else {
        return (None, None);
    };
    let name = &rest[..end];
    let id = rest[end..]
        .strip_prefix("' (entered at the event id #")
        .and_then(|r| {
            let digits: &str = &r[..r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len())];
            digits.parse().ok()
        });
    (Some(name), id)
}

/// How far back along the links an event's visit is looked for.
const CHAIN_DEPTH: usize = 64;

/// The visits being read off one history.
struct Reader {
    visits: Vec<Visit>,
    /// Indexes of the visits not ended, oldest first.
    open: Vec<usize>,
    /// Each event's visit, and whether states entered after it run inside that visit.
    owner: HashMap<u64, (usize, bool)>,
    /// Each event's `previousEventId`.
    previous: HashMap<u64, u64>,
    /// The Map or Parallel each state runs in, as learnt from an unambiguous entry (state
    /// names are unique in a definition).
    container: HashMap<String, String>,
    /// The Map or Parallel each state of the definition runs in (`None`: the top level), from
    /// the workflow's graph when there is one: exact even where the links of concurrent
    /// branches interleave.
    scopes: HashMap<String, Option<String>>,
    /// The id of the latest `ExecutionStarted` or `ExecutionRedriven`.
    started: u64,
}

impl Reader {
    /// Whether visit `i` is still open (every visit that ends gets its end).
    fn is_open(&self, i: usize) -> bool {
        self.visits[i].ended.is_none()
    }

    /// `i` and the visits around it, innermost first.
    fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(i), |&j| self.visits[j].parent)
    }

    /// Whether `i` ran inside `scope` (at any depth; the root holds every visit).
    fn inside(&self, i: usize, scope: Option<usize>) -> bool {
        match scope {
            None => true,
            Some(s) => self.visits[i]
                .parent
                .is_some_and(|p| self.ancestors(p).any(|a| a == s)),
        }
    }

    /// The visit following the links back from `previous` finds first among those `fits`
    /// accepts (a visit or one around it).
    fn along_chain(&self, mut previous: u64, fits: impl Fn(usize) -> bool) -> Option<usize> {
        for _ in 0..CHAIN_DEPTH {
            if let Some(&(v, _)) = self.owner.get(&previous)
                && let Some(a) = self.ancestors(v).find(|&a| fits(a))
            {
                return Some(a);
            }
            previous = *self.previous.get(&previous)?;
        }
        None
    }

    /// The open visit an event of state `name` (or, unnamed, of a state of `family`) belongs to.
    fn owner_of(
        &self,
        event: &HistoryEvent,
        name: Option<&str>,
        family: Option<&str>,
    ) -> Option<usize> {
        let fits = |i: usize| {
            let v = &self.visits[i];
            self.is_open(i)
                && match name {
                    Some(n) => v.state == n,
                    None => family.is_some_and(|f| v.kind == f),
                }
        };
        self.along_chain(event.previous_event_id, fits)
            .or_else(|| self.open.iter().rev().copied().find(|&i| fits(i)))
    }

    /// The Map or Parallel a state entered with this event runs in.
    fn parent_of(&mut self, event: &HistoryEvent, state: &str) -> Option<usize> {
        let learnt = self.container.get(state).cloned();
        let newest_open = |r: &Reader, c: &str| {
            r.open
                .iter()
                .rev()
                .copied()
                .find(|&i| r.visits[i].state == c)
        };
        if let Some(known) = self.scopes.get(state) {
            // The graph names the container: the open visit of it along the links (the
            // right one of several nested iterations), else its newest open visit.
            return known.as_deref().and_then(|c| {
                self.owner
                    .get(&event.previous_event_id)
                    .and_then(|&(v, _)| {
                        self.ancestors(v)
                            .find(|&a| self.is_open(a) && self.visits[a].state == c)
                    })
                    .or_else(|| newest_open(self, c))
            });
        }
        match self.owner.get(&event.previous_event_id).copied() {
            Some((v, true)) if self.is_open(v) => {
                self.container
                    .insert(state.to_string(), self.visits[v].state.clone());
                Some(v)
            }
            Some((v, _)) => {
                let beside = self.visits[v].parent;
                match learnt {
                    // Linked to a state of another Map or Parallel (events of concurrent
                    // branches linked in the order they were recorded): the one learnt.
                    Some(c) if beside.is_none_or(|b| self.visits[b].state != c) => beside
                        .and_then(|b| self.ancestors(b).find(|&a| self.visits[a].state == c))
                        .or_else(|| newest_open(self, &c)),
                    _ => beside,
                }
            }
            None => match learnt {
                Some(c) => newest_open(self, &c),
                // A first state, or one entered again after a redrive, runs at the top;
                // an event linked to none inside a Map or Parallel runs in the latest.
                None => self
                    .open
                    .iter()
                    .rev()
                    .copied()
                    .find(|&i| is_container(&self.visits[i].kind)),
            },
        }
    }

    fn end(&mut self, i: usize, event: &HistoryEvent, status: Status) {
        self.open.retain(|&j| j != i);
        let visit = &mut self.visits[i];
        visit.ended = Some((event.id, event.timestamp));
        visit.status = status;
        visit.pending = false;
    }

    /// Ends the visits still open inside `scope`: failed when they had a failure, `rest`
    /// otherwise.
    fn end_inside(&mut self, scope: Option<usize>, event: &HistoryEvent, rest: Status) {
        let inside: Vec<usize> = self
            .open
            .iter()
            .copied()
            .filter(|&i| self.inside(i, scope))
            .collect();
        for i in inside {
            let status = if self.visits[i].pending {
                Status::Failed
            } else {
                rest
            };
            self.end(i, event, status);
        }
    }

    /// A branch, iteration or the execution (`scope`) failed with `event`: when no state in
    /// it failed on its own since its latest attempt started, the failure is that of the
    /// state that was running (or was just cut off by its `…StateAborted`).
    fn blame(&mut self, scope: Option<usize>, event: &HistoryEvent, follows: Option<usize>) {
        let since = scope.map_or(self.started, |s| self.visits[s].attempt);
        let recent: Vec<usize> = (0..self.visits.len())
            .filter(|&i| self.visits[i].entered.0 > since && self.inside(i, scope))
            .filter(|&i| follows.is_none_or(|f| self.ancestors(f).any(|a| a == i)))
            .collect();
        let failed = |r: &Reader, i: usize| {
            let v = &r.visits[i];
            v.pending || (v.status == Status::Failed && v.ended.is_some_and(|e| e.0 < event.id))
        };
        if recent.iter().any(|&i| failed(self, i)) {
            return;
        }
        let candidates: Vec<usize> = recent
            .into_iter()
            .filter(|&i| self.is_open(i) || self.visits[i].cut)
            .collect();
        let cause = text(event, "cause");
        let (name, entered) = cause.as_deref().map_or((None, None), culprit_in);
        let named = candidates.iter().rev().copied().find(|&i| {
            let v = &self.visits[i];
            entered.map_or(name == Some(v.state.as_str()), |id| v.entered.0 == id)
        });
        let culprit = named
            .or_else(|| self.along_chain(event.previous_event_id, |i| candidates.contains(&i)))
            .or_else(|| candidates.last().copied());
        if let Some(i) = culprit {
            let ended = self.visits[i].ended;
            self.visits[i].failures.push(Failure::of(event));
            self.end(i, event, Status::Failed);
            let visit = &mut self.visits[i];
            visit.ended = ended.or(visit.ended);
            visit.cut = false;
        }
    }

    fn read(&mut self, event: &HistoryEvent) {
        let kind = event.kind.as_str();
        self.previous.insert(event.id, event.previous_event_id);
        // AWS names a state in the details of entries, exits and Map iterations, and in
        // `state` of an `EvaluationFailed`.
        let name = event
            .state
            .clone()
            .or_else(|| text(event, "name"))
            .or_else(|| text(event, "state"));
        if let Some(type_) = kind.strip_suffix("StateEntered") {
            let Some(state) = name else {
                return;
            };
            let parent = self.parent_of(event, &state);
            let fail = type_ == "Fail";
            self.visits.push(Visit {
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
                parent,
                pending: false,
                attempt: event.id,
                cut: false,
            });
            let i = self.visits.len() - 1;
            self.owner.insert(event.id, (i, false));
            if !fail {
                self.open.push(i);
            }
            return;
        }
        match kind {
            "ExecutionStarted" | "ExecutionRedriven" => {
                self.started = event.id;
                return;
            }
            "ExecutionSucceeded" => return self.end_inside(None, event, Status::Succeeded),
            "ExecutionAborted" | "ExecutionTimedOut" => {
                return self.end_inside(None, event, Status::Aborted);
            }
            "ExecutionFailed" => {
                self.blame(None, event, None);
                return self.end_inside(None, event, Status::Aborted);
            }
            _ => {}
        }
        let exited = kind.ends_with("StateExited");
        if exited || kind.ends_with("StateAborted") {
            let family = kind
                .strip_suffix("StateExited")
                .or_else(|| kind.strip_suffix("StateAborted"));
            let Some(i) = self.owner_of(event, name.as_deref(), family) else {
                return;
            };
            self.owner.insert(event.id, (i, false));
            let status = match (exited, self.visits[i].pending) {
                (true, true) => Status::Caught,
                (true, false) => Status::Succeeded,
                (false, true) => Status::Failed,
                (false, false) => Status::Aborted,
            };
            // Whatever still runs inside a Map or Parallel that ends was cut off.
            self.end_inside(Some(i), event, Status::Aborted);
            self.end(i, event, status);
            let visit = &mut self.visits[i];
            if exited {
                visit.output = text(event, "output");
            } else {
                visit.cut = status == Status::Aborted;
            }
            return;
        }
        // Another event of a state: find its visit.
        let Some(i) = self.owner_of(event, name.as_deref(), family(kind)) else {
            return;
        };
        self.owner.insert(event.id, (i, opens_scope(kind)));
        if is_failure(kind) {
            match kind {
                "ParallelStateFailed" | "MapStateFailed" => {
                    self.blame(Some(i), event, None);
                    self.end_inside(Some(i), event, Status::Aborted);
                }
                "MapIterationFailed" => {
                    // The iteration's last event: the state that failed it, in it.
                    let last = self
                        .owner
                        .get(&event.previous_event_id)
                        .map(|&(v, _)| v)
                        .filter(|&v| self.inside(v, Some(i)));
                    self.blame(Some(i), event, last);
                }
                _ => {}
            }
            let visit = &mut self.visits[i];
            visit.failures.push(Failure::of(event));
            visit.pending = true;
        } else if is_attempt(kind) {
            let visit = &mut self.visits[i];
            if visit.pending {
                visit.retries += 1;
                visit.pending = false;
            }
            visit.attempt = event.id;
        } else if is_success(kind) {
            self.visits[i].pending = false;
        }
    }
}

/// Every visit of every state, in the order they were entered. `status` is the execution's:
/// a visit still open at the end of the history is running while the execution runs.
pub fn visits(history: &[HistoryEvent], status: ExecutionStatus) -> Vec<Visit> {
    visits_in(history, status, None)
}

/// [`visits`], with the workflow's graph telling which Map or Parallel each state runs in
/// (the links alone cannot always tell when branches or iterations run concurrently).
pub fn visits_in(
    history: &[HistoryEvent],
    status: ExecutionStatus,
    graph: Option<&Graph>,
) -> Vec<Visit> {
    let mut scopes = HashMap::new();
    if let Some(graph) = graph {
        scopes_of(graph, None, &mut scopes);
    }
    let mut reader = Reader {
        scopes,
        visits: Vec::new(),
        open: Vec::new(),
        owner: HashMap::new(),
        previous: HashMap::new(),
        container: HashMap::new(),
        started: 0,
    };
    for event in history {
        reader.read(event);
    }
    let mut visits = reader.visits;
    for i in reader.open {
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
/// Records the container of every state of `graph` (nested ones included).
fn scopes_of(graph: &Graph, parent: Option<&str>, out: &mut HashMap<String, Option<String>>) {
    for node in graph.nodes.iter() {
        out.insert(node.name.to_string(), parent.map(str::to_string));
        for child in node.children.iter() {
            scopes_of(child, Some(&node.name), out);
        }
    }
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
