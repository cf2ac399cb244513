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

/// An event linked to `prev` (AWS links an event to the one it follows in its own branch or
/// iteration, EXEC-7); `state: None` is how AWS records events other than entries and exits.
fn linked(id: u64, prev: u64, kind: &str, state: Option<&str>, details: Value) -> HistoryEvent {
    HistoryEvent {
        previous_event_id: prev,
        ..ours(id, kind, state, details)
    }
}

fn visit(v: &[Visit], entered: u64) -> &Visit {
    v.iter().find(|v| v.entered.0 == entered).unwrap()
}

/// ERR-1 (States.Runtime), WAIT-4, MAP-2: a state that fails without an event of its own
/// (an invalid path, a bad Wait timestamp, a bad MaxConcurrency: its entry, then
/// `ExecutionFailed`) failed, with the execution's error and cause; it is not aborted.
#[test]
fn a_state_failing_without_its_own_event_is_failed() {
    for (case, state) in [
        (
            "scenarios/invalid_jsonpath_ST_INVALID_JSONPATH_IN_INPUTPATH",
            "pass",
        ),
        (
            "scenarios/invalid_jsonpath_ST_INVALID_JSONPATH_IN_OUTPUTPATH",
            "pass",
        ),
        ("wait/wait_timestamp_path_INVALID_ISO", "WaitUntil"),
        ("wait/base_wait_seconds_path_-1", "WaitState"),
        ("map/max_concurrency_path_NoNumber", "MapState"),
    ] {
        let h = corpus(case);
        let v = visits(&h, ExecutionStatus::Failed);
        let m = fold(&v);
        let failed: Vec<&String> = m
            .iter()
            .filter(|(_, mark)| mark.status() == Status::Failed)
            .map(|(name, _)| name)
            .collect();
        assert_eq!(failed, [state], "{case}: {m:?}");
        assert!(
            !m.values().any(|mark| mark.status() == Status::Aborted),
            "{case}: {m:?}"
        );
        let last = v.last().unwrap();
        assert_eq!(last.failures.len(), 1, "{case}");
        assert_eq!(last.failures[0].kind, "ExecutionFailed");
        assert_eq!(last.failures[0].error.as_deref(), Some("States.Runtime"));
        assert!(last.failures[0].cause.is_some());
        assert_eq!(last.ended.map(|e| e.0), Some(h.len() as u64), "{case}");
    }
}

/// JSONATA-8: a JSONata evaluation failure is recorded as `EvaluationFailed` naming the state (in
/// its details): the state failed with that error.
#[test]
fn an_evaluation_failure_fails_its_state() {
    let v = visits(
        &corpus("intrinsic_functions_jsonata/math_random_seeded"),
        ExecutionStatus::Failed,
    );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].status, Status::Failed);
    assert_eq!(v[0].failures.len(), 1);
    assert_eq!(v[0].failures[0].kind, "EvaluationFailed");
    assert_eq!(
        v[0].failures[0].error.as_deref(),
        Some("States.QueryEvaluationError")
    );
}

/// The cause names the state that failed and its entry ("…executing the state 'X' (entered
/// at the event id #N)…"): that one failed, not the state entered last; the other, cut off,
/// is aborted.
#[test]
fn the_state_a_cause_names_is_the_failed_one() {
    let h = vec![
        ours(1, "ExecutionStarted", None, Value::Null),
        ours(2, "ParallelStateEntered", Some("Both"), Value::Null),
        ours(3, "ParallelStateStarted", Some("Both"), Value::Null),
        linked(4, 3, "PassStateEntered", Some("Shape"), Value::Null),
        linked(5, 3, "WaitStateEntered", Some("Nap"), Value::Null),
        linked(
            6,
            4,
            "ExecutionFailed",
            None,
            json!({
                "error": "States.Runtime",
                "cause": "An error occurred while executing the state 'Shape' (entered at the event id #4). Invalid path '$.x'"
            }),
        ),
    ];
    let m = marks(&h, ExecutionStatus::Failed);
    assert_eq!(status_of(&m, "Shape"), Status::Failed);
    assert_eq!(status_of(&m, "Nap"), Status::Aborted);
    assert_eq!(status_of(&m, "Both"), Status::Aborted);
    // Without a cause to name it, the state the failure follows.
    let mut h = h;
    h[5] = linked(
        6,
        4,
        "ExecutionFailed",
        None,
        json!({"error": "States.Runtime"}),
    );
    let m = marks(&h, ExecutionStatus::Failed);
    assert_eq!(status_of(&m, "Shape"), Status::Failed);
    assert_eq!(status_of(&m, "Nap"), Status::Aborted);
}

/// CHOICE-2 (States.NoChoiceMatched), PAR-1, ERR-5: a Choice with no matching rule fails its
/// branch; the Parallel's Catch takes over. The Choice failed (it is not left running, nor
/// succeeded when the execution succeeds), the Parallel was caught.
#[test]
fn a_choice_without_a_match_in_a_caught_branch_failed() {
    let h = vec![
        ours(1, "ExecutionStarted", None, Value::Null),
        ours(2, "ParallelStateEntered", Some("Fan"), Value::Null),
        ours(3, "ParallelStateStarted", Some("Fan"), Value::Null),
        ours(4, "ChoiceStateEntered", Some("Pick"), Value::Null),
        ours(
            5,
            "ParallelStateFailed",
            Some("Fan"),
            json!({"error": "States.NoChoiceMatched"}),
        ),
        ours(6, "ParallelStateExited", Some("Fan"), Value::Null),
        ours(7, "PassStateEntered", Some("Recover"), Value::Null),
        ours(8, "PassStateExited", Some("Recover"), Value::Null),
        ours(9, "ExecutionSucceeded", None, Value::Null),
    ];
    for status in [ExecutionStatus::Succeeded, ExecutionStatus::Running] {
        let n = if status == ExecutionStatus::Running {
            7
        } else {
            9
        };
        let v = visits(&h[..n], status);
        let pick = visit(&v, 4);
        assert_eq!(pick.status, Status::Failed, "{status:?}");
        assert_eq!(pick.ended.map(|e| e.0), Some(5));
        assert_eq!(
            pick.failures[0].error.as_deref(),
            Some("States.NoChoiceMatched")
        );
        assert_eq!(visit(&v, 2).status, Status::Caught);
    }
}

/// PAR-1, ERR-5: a Task fails in one branch (`TaskFailed`, no retry left); the Parallel
/// fails and is caught. The Task failed (not "retried" forever), the state of the other
/// branch that the failure cut off is aborted, and both ended with the Parallel.
#[test]
fn a_parallel_that_ends_ends_the_states_inside() {
    let h = vec![
        ours(1, "ExecutionStarted", None, Value::Null),
        ours(2, "ParallelStateEntered", Some("Fan"), Value::Null),
        ours(3, "ParallelStateStarted", Some("Fan"), Value::Null),
        linked(4, 3, "TaskStateEntered", Some("Call"), Value::Null),
        linked(5, 3, "WaitStateEntered", Some("Nap"), Value::Null),
        linked(6, 4, "TaskScheduled", None, Value::Null),
        linked(7, 6, "TaskFailed", None, json!({"error": "Boom"})),
        linked(8, 7, "ParallelStateFailed", None, Value::Null),
        linked(9, 8, "ParallelStateExited", None, json!({"name": "Fan"})),
    ];
    let v = visits(&h, ExecutionStatus::Running);
    assert_eq!(visit(&v, 4).status, Status::Failed);
    assert_eq!(visit(&v, 4).ended.map(|e| e.0), Some(8));
    assert_eq!(visit(&v, 5).status, Status::Aborted);
    assert_eq!(visit(&v, 5).ended.map(|e| e.0), Some(8));
    assert_eq!(visit(&v, 2).status, Status::Caught);
    assert_eq!(visit(&v, 4).parent, Some(0));
    assert_eq!(visit(&v, 5).parent, Some(0));
}

/// PAR-1, ERR-5, as this engine records a failed branch: the failed Task and the Wait its
/// failure cut off get `…StateAborted` before `ParallelStateFailed`. A Task with a failure is
/// failed; a Wait that failed on its own timestamp (no event of its own) is the failed one
/// when no other state failed.
#[test]
fn states_aborted_by_a_failed_branch_are_failed_or_aborted() {
    let h = vec![
        ours(1, "ExecutionStarted", None, Value::Null),
        ours(2, "ParallelStateEntered", Some("Fan"), Value::Null),
        ours(3, "ParallelStateStarted", Some("Fan"), Value::Null),
        ours(4, "TaskStateEntered", Some("Call"), Value::Null),
        ours(5, "WaitStateEntered", Some("Nap"), Value::Null),
        ours(6, "TaskScheduled", Some("Call"), Value::Null),
        ours(7, "TaskFailed", Some("Call"), json!({"error": "Boom"})),
        ours(8, "TaskStateAborted", Some("Call"), Value::Null),
        ours(9, "WaitStateAborted", Some("Nap"), Value::Null),
        ours(10, "ParallelStateFailed", Some("Fan"), Value::Null),
        ours(11, "ExecutionFailed", None, json!({"error": "Boom"})),
    ];
    let m = marks(&h, ExecutionStatus::Failed);
    assert_eq!(status_of(&m, "Call"), Status::Failed);
    assert_eq!(status_of(&m, "Nap"), Status::Aborted);
    assert_eq!(status_of(&m, "Fan"), Status::Failed);
    // The Wait's timestamp was bad: no state failed on its own, the aborted Wait is the one.
    let h = [
        &h[..5],
        &[
            ours(6, "WaitStateAborted", Some("Nap"), Value::Null),
            ours(7, "ParallelStateFailed", Some("Fan"), Value::Null),
            ours(8, "ParallelStateExited", Some("Fan"), Value::Null),
        ],
    ]
    .concat();
    let v = visits(&h, ExecutionStatus::Running);
    assert_eq!(visit(&v, 5).status, Status::Failed);
    assert_eq!(visit(&v, 5).ended.map(|e| e.0), Some(6));
    assert_eq!(visit(&v, 4).status, Status::Aborted);
    assert_eq!(visit(&v, 2).status, Status::Caught);
}

/// MAP-1, ERR-3: two inline Map iterations run at once and visit the same Task; AWS links
/// each event to the one it follows in its iteration. Iteration 1's Task fails and is
/// retried while iteration 0's succeeds and leaves: each event goes to its own visit (not to
/// the newest open visit of that name).
#[test]
fn concurrent_map_iterations_keep_their_own_events() {
    let name = |n: &str| json!({ "name": n });
    let h = vec![
        linked(1, 0, "ExecutionStarted", None, Value::Null),
        linked(2, 0, "MapStateEntered", None, name("Each")),
        linked(3, 2, "MapStateStarted", None, Value::Null),
        linked(
            4,
            3,
            "MapIterationStarted",
            None,
            json!({"name": "Each", "index": 0}),
        ),
        linked(
            5,
            3,
            "MapIterationStarted",
            None,
            json!({"name": "Each", "index": 1}),
        ),
        linked(6, 4, "TaskStateEntered", None, name("Work")),
        linked(7, 5, "TaskStateEntered", None, name("Work")),
        linked(8, 6, "TaskScheduled", None, Value::Null),
        linked(9, 7, "TaskScheduled", None, Value::Null),
        linked(10, 9, "TaskFailed", None, json!({"error": "Flaky"})),
        linked(11, 8, "TaskSucceeded", None, Value::Null),
        linked(12, 11, "TaskStateExited", None, name("Work")),
        linked(
            13,
            12,
            "MapIterationSucceeded",
            None,
            json!({"name": "Each", "index": 0}),
        ),
        linked(14, 10, "TaskScheduled", None, Value::Null),
        linked(15, 14, "TaskSucceeded", None, Value::Null),
        linked(16, 15, "TaskStateExited", None, name("Work")),
        linked(
            17,
            16,
            "MapIterationSucceeded",
            None,
            json!({"name": "Each", "index": 1}),
        ),
        linked(18, 17, "MapStateSucceeded", None, Value::Null),
        linked(19, 17, "MapStateExited", None, name("Each")),
        linked(20, 19, "ExecutionSucceeded", None, Value::Null),
    ];
    // While iteration 1 waits for its retry: iteration 0's Task succeeded, 1's is retried.
    let v = visits(&h[..13], ExecutionStatus::Running);
    assert_eq!(visit(&v, 6).status, Status::Succeeded);
    assert_eq!(visit(&v, 6).ended.map(|e| e.0), Some(12));
    assert!(visit(&v, 6).failures.is_empty());
    assert_eq!(visit(&v, 7).status, Status::Retried);
    assert_eq!(visit(&v, 7).failures.len(), 1);
    let v = visits(&h, ExecutionStatus::Succeeded);
    assert_eq!(visit(&v, 6).retries, 0);
    assert_eq!(visit(&v, 7).retries, 1);
    assert_eq!(visit(&v, 7).status, Status::Succeeded);
    assert_eq!(visit(&v, 7).ended.map(|e| e.0), Some(16));
    assert_eq!(visit(&v, 6).parent, Some(0));
    assert_eq!(visit(&v, 7).parent, Some(0));
    assert_eq!(visit(&v, 2).status, Status::Succeeded);
    let m = fold(&v);
    assert_eq!(m["Work"].visits, 2);
    assert_eq!(m["Work"].outcomes.get(&Status::Succeeded), Some(&2));
    assert_eq!(m["Work"].outcomes.get(&Status::Retried), Some(&1));
}

/// MAP-1, EXEC-7: in real AWS histories of nested inline Maps, the links put every state in
/// the iteration of the Map it runs in: each `MapL2Pass` visit inside a `MapL2` visit, each
/// `MapL2` visit inside the one `MapL1` visit.
#[test]
fn links_put_states_in_their_map_iterations() {
    let v = visits(&corpus("map/map_state_nested"), ExecutionStatus::Succeeded);
    let outer: Vec<usize> = (0..v.len()).filter(|&i| v[i].state == "MapL1").collect();
    assert_eq!(outer.len(), 1);
    let inner: Vec<usize> = (0..v.len()).filter(|&i| v[i].state == "MapL2").collect();
    assert!(inner.len() > 1);
    for &i in &inner {
        assert_eq!(v[i].parent, Some(outer[0]));
    }
    let passes: Vec<&Visit> = v.iter().filter(|v| v.state == "MapL2Pass").collect();
    assert!(passes.len() > inner.len());
    for p in &passes {
        assert!(inner.contains(&p.parent.unwrap()), "{p:?}");
        assert_eq!(p.status, Status::Succeeded);
    }
    // Each inner Map holds the passes entered between its entry and its exit.
    for &i in &inner {
        let (from, to) = (v[i].entered.0, v[i].ended.unwrap().0);
        for p in &passes {
            assert_eq!(p.parent == Some(i), (from..to).contains(&p.entered.0));
        }
    }
    let h = corpus("map/map_state");
    let v = visits(&h, ExecutionStatus::Succeeded);
    let map = v.iter().position(|v| v.state == "MapState").unwrap();
    let items: Vec<&Visit> = v.iter().filter(|v| v.state == "HandleItem").collect();
    assert_eq!(items.len(), 8);
    assert!(items.iter().all(|i| i.parent == Some(map)));
    assert_eq!(v[map].status, Status::Succeeded);
}

/// MAP-24, MAP-10: an inline Map whose `ToleratedFailureCount` lets an iteration fail
/// succeeds: `MapIterationFailed`, then `MapStateSucceeded` and `MapStateExited`. The Map
/// succeeded (not caught); the state that failed its iteration failed.
#[test]
fn a_map_tolerating_a_failed_iteration_succeeded() {
    let h = vec![
        ours(1, "ExecutionStarted", None, Value::Null),
        ours(2, "MapStateEntered", Some("Each"), Value::Null),
        ours(3, "MapStateStarted", Some("Each"), Value::Null),
        ours(4, "MapIterationStarted", Some("Each"), json!({"index": 0})),
        ours(5, "PassStateEntered", Some("Check"), Value::Null),
        ours(
            6,
            "MapIterationFailed",
            Some("Each"),
            json!({"index": 0, "error": "States.Runtime"}),
        ),
        ours(7, "MapIterationStarted", Some("Each"), json!({"index": 1})),
        ours(8, "PassStateEntered", Some("Check"), Value::Null),
        ours(9, "PassStateExited", Some("Check"), Value::Null),
        ours(
            10,
            "MapIterationSucceeded",
            Some("Each"),
            json!({"index": 1}),
        ),
        ours(11, "MapStateSucceeded", Some("Each"), Value::Null),
        ours(12, "MapStateExited", Some("Each"), Value::Null),
        ours(13, "ExecutionSucceeded", None, Value::Null),
    ];
    let v = visits(&h, ExecutionStatus::Succeeded);
    assert_eq!(visit(&v, 2).status, Status::Succeeded);
    assert_eq!(visit(&v, 2).retries, 0);
    assert_eq!(visit(&v, 5).status, Status::Failed);
    assert_eq!(visit(&v, 5).ended.map(|e| e.0), Some(6));
    assert_eq!(visit(&v, 8).status, Status::Succeeded);
    let m = fold(&v);
    assert_eq!(m["Check"].outcomes.get(&Status::Failed), Some(&1));
    assert_eq!(m["Check"].last, Some(Status::Succeeded));
    // A Map failure then its exit is still caught (ERR-5).
    let caught = marks(&corpus("map/map_state_catch"), ExecutionStatus::Succeeded);
    assert_eq!(status_of(&caught, "MapState"), Status::Caught);
}

/// MAP-17: a Distributed Map's processor states run in child executions: the parent's
/// history leaves them not reached, and the Map itself succeeded.
#[test]
fn a_distributed_maps_processor_states_are_not_reached_in_the_parent() {
    let m = marks(
        &corpus("map/map_state_tolerated_failure_values_count_literal"),
        ExecutionStatus::Succeeded,
    );
    assert_eq!(status_of(&m, "MapState"), Status::Succeeded);
    assert_eq!(m.len(), 1, "{m:?}");
}

/// EXEC-7: every finished execution recorded on AWS in the corpus (those whose ids the corpus
/// keeps): each visit ended, none is left running or waiting for a retry, and a succeeded
/// execution has no aborted state.
#[test]
fn every_visit_of_a_finished_corpus_execution_ends() {
    let mut read = 0;
    for group in std::fs::read_dir(CORPUS).unwrap() {
        for case in std::fs::read_dir(group.unwrap().path()).unwrap() {
            let path = case.unwrap().path().join("history.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let events: Vec<Value> = serde_json::from_str(&text).unwrap();
            // Concurrent branches' events are normalized (no ids) in the corpus.
            if events.iter().any(|e| !e["id"].is_u64()) {
                continue;
            }
            let h: Vec<HistoryEvent> = events.iter().map(event_of).collect();
            let status = match h.last().map(|e| e.kind.as_str()) {
                Some("ExecutionSucceeded") => ExecutionStatus::Succeeded,
                Some("ExecutionFailed") => ExecutionStatus::Failed,
                Some("ExecutionAborted") => ExecutionStatus::Aborted,
                Some("ExecutionTimedOut") => ExecutionStatus::TimedOut,
                _ => continue,
            };
            read += 1;
            for v in visits(&h, status) {
                let at = format!("{}: {v:?}", path.display());
                assert!(v.ended.is_some(), "{at}");
                assert!(
                    !matches!(v.status, Status::Running | Status::Retried),
                    "{at}"
                );
                if status == ExecutionStatus::Succeeded {
                    assert_ne!(v.status, Status::Aborted, "{at}");
                }
            }
        }
    }
    assert!(read > 300, "{read} histories read");
}

/// PAR-1, MAP-1, TOP-8: our engine links concurrent branches' events in the order they were
/// recorded, so a branch's first state can follow a sibling branch's nested Map in the links.
/// The workflow's graph says which Map or Parallel each state runs in: the Wait of branch 2
/// stays in the Parallel and is not cut off when branch 1's Map ends.
#[test]
fn the_graph_places_states_whose_links_interleave() {
    use std::borrow::Cow;

    use asl_runtime::graph::{Graph, Kind, Node};
    fn node(name: &'static str, kind: Kind, children: Vec<Graph>) -> Node {
        Node {
            name: Cow::Borrowed(name),
            kind,
            end: true,
            detail: Cow::Borrowed(""),
            retries: Cow::Borrowed(&[]),
            children: Cow::Owned(children),
        }
    }
    fn scope(nodes: Vec<Node>) -> Graph {
        Graph {
            start: Cow::Borrowed(""),
            nodes: Cow::Owned(nodes),
            edges: Cow::Borrowed(&[]),
        }
    }
    let processor = scope(vec![node("Work", Kind::Task, vec![])]);
    let branches = vec![
        scope(vec![node("Each", Kind::Map, vec![processor])]),
        scope(vec![node("Pause", Kind::Wait, vec![])]),
    ];
    let graph = scope(vec![node("Both", Kind::Parallel, branches)]);

    let name = |n: &str| json!({ "name": n });
    let h = vec![
        linked(1, 0, "ExecutionStarted", None, Value::Null),
        linked(2, 1, "ParallelStateEntered", None, name("Both")),
        linked(3, 2, "ParallelStateStarted", None, Value::Null),
        linked(4, 3, "MapStateEntered", None, name("Each")),
        linked(5, 4, "MapStateStarted", None, Value::Null),
        linked(
            6,
            5,
            "MapIterationStarted",
            None,
            json!({"name": "Each", "index": 0}),
        ),
        linked(7, 6, "TaskStateEntered", None, name("Work")),
        // Branch 2's first state, linked after branch 1's Task.
        linked(8, 7, "WaitStateEntered", None, name("Pause")),
        linked(9, 8, "TaskStateExited", None, name("Work")),
        linked(
            10,
            9,
            "MapIterationSucceeded",
            None,
            json!({"name": "Each", "index": 0}),
        ),
        linked(11, 10, "MapStateSucceeded", None, Value::Null),
        linked(12, 11, "MapStateExited", None, name("Each")),
        linked(13, 12, "WaitStateExited", None, name("Pause")),
        linked(14, 13, "ParallelStateSucceeded", None, Value::Null),
        linked(15, 14, "ParallelStateExited", None, name("Both")),
        linked(16, 15, "ExecutionSucceeded", None, Value::Null),
    ];
    let placed = visits_in(&h, ExecutionStatus::Succeeded, Some(&graph));
    let pause = visit(&placed, 8);
    assert_eq!(pause.status, Status::Succeeded);
    assert_eq!(pause.parent.map(|p| placed[p].state.as_str()), Some("Both"));
    let work = visit(&placed, 7);
    assert_eq!(work.parent.map(|p| placed[p].state.as_str()), Some("Each"));
    assert!(
        placed.iter().all(|v| v.status == Status::Succeeded),
        "{placed:?}"
    );
    // The links alone put the Wait inside the Map, which cuts it off when the Map ends.
    let linked_only = visits(&h, ExecutionStatus::Succeeded);
    assert_eq!(visit(&linked_only, 8).status, Status::Aborted);
}
