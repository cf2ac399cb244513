//! Marks read off real AWS histories (the conformance corpus, recorded on AWS) and off
//! histories shaped as this engine records them.

use super::*;
use asl_runtime::graph::Mark;
use chrono::TimeZone;
use serde_json::{Value, json};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/conformance/corpus/cases"
);

/// A recorded AWS history as [`HistoryEvent`]s (the corpus normalizes timestamps away: event
/// `n` is dated `n` seconds after a fixed start).
fn corpus(case: &str) -> Vec<HistoryEvent> {
    let path = format!("{CORPUS}/{case}/history.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    events.iter().map(event_of).collect()
}

fn at(n: u64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + n as i64, 0).unwrap()
}

fn event_of(v: &Value) -> HistoryEvent {
    let id = v["id"].as_u64().unwrap();
    let details = v
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.ends_with("EventDetails"))
        .map(|(_, d)| d.clone());
    HistoryEvent {
        id,
        previous_event_id: v["previousEventId"].as_u64().unwrap_or(0),
        timestamp: at(id),
        kind: v["type"].as_str().unwrap().to_string(),
        // AWS names the state in the details of entries and exits only.
        state: None,
        details,
    }
}

/// An event as this engine records it (the state named on every state event).
fn ours(id: u64, kind: &str, state: Option<&str>, details: Value) -> HistoryEvent {
    HistoryEvent {
        id,
        previous_event_id: id.saturating_sub(1),
        timestamp: at(id),
        kind: kind.into(),
        state: state.map(str::to_string),
        details: (!details.is_null()).then_some(details),
    }
}

fn status_of(marks: &Marks, state: &str) -> Status {
    marks
        .get(state)
        .map(Mark::status)
        .unwrap_or(Status::NotReached)
}

/// ERR-5, PAR-1: a branch's Fail state fails the branch (failed); the Parallel's Catch takes
/// over (`ParallelStateFailed` then `ParallelStateExited`: caught); the state caught into
/// succeeds.
#[test]
fn a_caught_parallel_is_caught_and_its_failed_branch_failed() {
    let h = corpus("parallel/parallel_state_catch");
    let m = marks(&h, ExecutionStatus::Succeeded);
    assert_eq!(status_of(&m, "ParallelState"), Status::Caught);
    assert_eq!(status_of(&m, "Branch1"), Status::Failed);
    assert_eq!(status_of(&m, "FinalCaught"), Status::Succeeded);
    assert_eq!(status_of(&m, "Elsewhere"), Status::NotReached);
    let v = visits(&h, ExecutionStatus::Succeeded);
    let parallel = v.iter().find(|v| v.state == "ParallelState").unwrap();
    assert_eq!(parallel.failures.len(), 1);
    assert_eq!(parallel.failures[0].kind, "ParallelStateFailed");
    assert_eq!(parallel.ended.map(|e| e.0), Some(6));
}

/// PAR-1: an uncaught branch failure fails the Parallel and the execution.
#[test]
fn an_uncaught_parallel_failure_is_failed() {
    let h = corpus("parallel/parallel_state_fail");
    let m = marks(&h, ExecutionStatus::Failed);
    assert_eq!(status_of(&m, "ParallelState"), Status::Failed);
    assert_eq!(status_of(&m, "Branch1"), Status::Failed);
}

/// ERR-3, MAP-1: a Map retried twice after its iteration failed, then failed; the failing
/// state inside was visited three times, failed each time.
#[test]
fn a_retried_map_counts_its_retries() {
    let h = corpus("map/map_state_retry");
    let v = visits(&h, ExecutionStatus::Failed);
    let map = v.iter().find(|v| v.state == "MapState").unwrap();
    assert_eq!(map.retries, 2);
    assert_eq!(map.status, Status::Failed);
    let m = fold(&v);
    let map = &m["MapState"];
    assert_eq!(map.status(), Status::Failed);
    assert_eq!(map.visits, 1);
    assert_eq!(map.outcomes.get(&Status::Retried), Some(&2));
    assert_eq!(map.outcomes.get(&Status::Failed), Some(&1));
    let inner = &m["HandleItemFail"];
    assert_eq!(inner.visits, 3);
    assert_eq!(inner.outcomes.get(&Status::Failed), Some(&3));
    assert_eq!(status_of(&m, "StartState"), Status::Succeeded);
}

/// ERR-5, MAP-1: a Map whose iteration failed, caught.
#[test]
fn a_caught_map_is_caught() {
    let m = marks(&corpus("map/map_state_catch"), ExecutionStatus::Succeeded);
    assert_eq!(status_of(&m, "MapState"), Status::Caught);
    assert_eq!(status_of(&m, "HandleItemFail"), Status::Failed);
    assert_eq!(status_of(&m, "FinalCaught"), Status::Succeeded);
}

/// EXEC-6: a stopped execution's open state is aborted.
#[test]
fn a_stopped_executions_open_state_is_aborted() {
    let h = corpus("api/stop_execution");
    let m = marks(&h, ExecutionStatus::Aborted);
    assert_eq!(status_of(&m, "State_1"), Status::Aborted);
    // The same history while it still ran (before `ExecutionAborted`): running.
    let m = marks(&h[..2], ExecutionStatus::Running);
    assert_eq!(status_of(&m, "State_1"), Status::Running);
}

/// ERR-3: a Task that failed, was retried and succeeded; its visit records the failure, its
/// input and output.
#[test]
fn a_task_retried_then_succeeding_is_succeeded_with_a_retry() {
    let h = vec![
        ours(1, "ExecutionStarted", None, json!({"input": "{}"})),
        ours(
            2,
            "TaskStateEntered",
            Some("Work"),
            json!({"name": "Work", "input": "{\"n\":1}"}),
        ),
        ours(3, "TaskScheduled", Some("Work"), Value::Null),
        ours(
            4,
            "TaskFailed",
            Some("Work"),
            json!({"error": "Flaky", "cause": "not yet"}),
        ),
        ours(5, "TaskScheduled", Some("Work"), Value::Null),
        ours(
            6,
            "TaskSucceeded",
            Some("Work"),
            json!({"output": "\"done\""}),
        ),
        ours(
            7,
            "TaskStateExited",
            Some("Work"),
            json!({"name": "Work", "output": "\"done\""}),
        ),
    ];
    let v = visits(&h, ExecutionStatus::Running);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].retries, 1);
    assert_eq!(v[0].status, Status::Succeeded);
    assert_eq!(v[0].input.as_deref(), Some("{\"n\":1}"));
    assert_eq!(v[0].output.as_deref(), Some("\"done\""));
    assert_eq!(v[0].failures[0].error.as_deref(), Some("Flaky"));
    let m = fold(&v);
    assert_eq!(m["Work"].status(), Status::Succeeded);
    assert_eq!(m["Work"].outcomes.get(&Status::Retried), Some(&1));
    // Between the failure and the retry, while the execution runs: retried.
    let m = marks(&h[..4], ExecutionStatus::Running);
    assert_eq!(m["Work"].status(), Status::Retried);
}

/// TASK-3, EXEC-13: a task that timed out failed the execution: failed (not aborted); a
/// state of another branch cut off by the end is aborted.
#[test]
fn a_timed_out_task_is_failed_and_a_cut_off_one_aborted() {
    let h = vec![
        ours(1, "ExecutionStarted", None, Value::Null),
        ours(2, "ParallelStateEntered", Some("Both"), Value::Null),
        ours(3, "ParallelStateStarted", Some("Both"), Value::Null),
        ours(4, "TaskStateEntered", Some("Slow"), Value::Null),
        ours(5, "WaitStateEntered", Some("Nap"), Value::Null),
        ours(6, "TaskScheduled", Some("Slow"), Value::Null),
        ours(
            7,
            "TaskTimedOut",
            Some("Slow"),
            json!({"error": "States.Timeout"}),
        ),
        ours(
            8,
            "ExecutionFailed",
            None,
            json!({"error": "States.Timeout"}),
        ),
    ];
    let m = marks(&h, ExecutionStatus::Failed);
    assert_eq!(status_of(&m, "Slow"), Status::Failed);
    assert_eq!(status_of(&m, "Nap"), Status::Aborted);
    assert_eq!(status_of(&m, "Both"), Status::Aborted);
}

/// EXEC-10: a redriven execution visits its failed state again; the last visit counts.
#[test]
fn a_redriven_state_shows_its_last_visit() {
    let h = vec![
        ours(1, "ExecutionStarted", None, Value::Null),
        ours(2, "TaskStateEntered", Some("Work"), Value::Null),
        ours(3, "TaskScheduled", Some("Work"), Value::Null),
        ours(4, "TaskFailed", Some("Work"), json!({"error": "Flaky"})),
        ours(5, "ExecutionFailed", None, json!({"error": "Flaky"})),
        ours(6, "ExecutionRedriven", None, Value::Null),
        ours(7, "TaskStateEntered", Some("Work"), Value::Null),
        ours(8, "TaskScheduled", Some("Work"), Value::Null),
    ];
    let m = marks(&h, ExecutionStatus::Running);
    assert_eq!(m["Work"].status(), Status::Running);
    assert_eq!(m["Work"].visits, 2);
    assert_eq!(m["Work"].outcomes.get(&Status::Failed), Some(&1));
}
