//! The commit log: logged transitions read back as if written in place (through the writer
//! and the readers), fenced by the lease, folded before anything that follows them, when
//! the log grows and when the store opens. (The store's shared tests and the durable suite
//! run every other path over it.)

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::FOLD_AT;
use crate::error::Status;
use crate::store::sqlite::SqliteStore;
use crate::store::{
    Checkpoint, Close, Commit, EventRange, ExecutionRecord, Store, StoreError, StoredEvent,
};

const ID: &str = "arn:aws:states:us-east-1:123456789012:execution:log:one";

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_700_000_000_000 + ms).unwrap()
}

fn record(id: &str) -> ExecutionRecord {
    ExecutionRecord {
        workflow: "log".into(),
        ..crate::store::claims::record(id, 0)
    }
}

fn event(id: u64, kind: &str, state: &str, details: serde_json::Value) -> StoredEvent {
    StoredEvent {
        id,
        kind: kind.into(),
        state: Some(state.into()),
        timestamp: at(id as i64),
        details: Some(details),
    }
}

/// Transition `n` (from 1): state `S{n}` exited, `S{n+1}` entered (events `2n`, `2n+1`, after
/// `ExecutionStarted`); its checkpoint in `S{n+1}`. Every third carries a payload large
/// enough to be stored once per execution.
fn transition(execution: &str, worker: &str, n: u64) -> Commit {
    let output = if n.is_multiple_of(3) {
        json!({"big": "x".repeat(600), "n": n}).to_string()
    } else {
        json!({"n": n}).to_string()
    };
    Commit {
        execution: execution.into(),
        worker: worker.into(),
        events: vec![
            event(
                2 * n,
                "PassStateExited",
                &format!("S{n}"),
                json!({"name": format!("S{n}"), "output": output}),
            ),
            event(
                2 * n + 1,
                "PassStateEntered",
                &format!("S{}", n + 1),
                json!({"name": format!("S{}", n + 1), "input": output}),
            ),
        ],
        checkpoint: Some(Checkpoint {
            state: format!("S{}", n + 1),
            input: json!({"n": n}),
            vars: json!({"v": n}).as_object().cloned().unwrap(),
            at: at(2 * n as i64 + 1),
            seq: n,
            retry: n.is_multiple_of(2).then(|| json!({"attempts": [n]})),
            provisional: None,
        }),
        close: None,
        provisional: false,
        truncate_from: None,
        rest: None,
    }
}

/// A fresh file in a directory of its own (removed with [`clean`], WAL and all).
fn path() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("asl-log-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("log.db")
}

fn clean(path: &std::path::Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Logged rows not yet folded, read beside the store.
fn logged(path: &std::path::Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM log AS l WHERE seq > \
             coalesce((SELECT upto FROM log_folded WHERE execution = l.execution), 0)",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

async fn started(store: &SqliteStore, id: &str) {
    store
        .create(record(id), Some("w".into()), at(0) + Duration::hours(1))
        .await
        .unwrap();
}

/// A store at `path` with `ID` and a second execution (returned), three transitions each
/// logged, interleaved.
async fn two_with_three_logged(path: &std::path::Path) -> (SqliteStore, String) {
    let store = SqliteStore::open(path).await.unwrap();
    let other = format!("{ID}-2");
    started(&store, ID).await;
    started(&store, &other).await;
    for n in 1..=3 {
        store.commit(transition(ID, "w", n)).await.unwrap();
        store.commit(transition(&other, "w", n)).await.unwrap();
    }
    (store, other)
}

/// A commit that is not logged: `ID` back to its checkpoint after transition 2, the third
/// transition's events dropped (as a redrive from that state does).
fn back_to_second() -> Commit {
    let mut back = transition(ID, "w", 2);
    back.events.clear();
    back.truncate_from = Some(6);
    back
}

/// What the history must hold after transitions `1..=n`.
fn expected(n: u64) -> Vec<(u64, String)> {
    let mut out = vec![(1, "ExecutionStarted".to_string())];
    for t in 1..=n {
        out.push((2 * t, "PassStateExited".into()));
        out.push((2 * t + 1, "PassStateEntered".into()));
    }
    out
}

fn ids(events: &[StoredEvent]) -> Vec<(u64, String)> {
    events.iter().map(|e| (e.id, e.kind.clone())).collect()
}

#[tokio::test]
async fn logged_transitions_read_as_if_written_in_place() {
    let path = path();
    let store = SqliteStore::open(&path).await.unwrap();
    started(&store, ID).await;
    for n in 1..=4 {
        store.commit(transition(ID, "w", n)).await.unwrap();
    }
    assert_eq!(
        logged(&path),
        4,
        "plain transitions are appended to the log"
    );

    // Readers merge what the log holds: the last checkpoint, every event in order, the
    // shared payload put back.
    let got = store.get(ID).await.unwrap().unwrap();
    let c = got.checkpoint.unwrap();
    assert_eq!((c.state.as_str(), c.seq, c.at), ("S5", 4, at(9)));
    assert_eq!(
        (c.input, c.retry, c.provisional),
        (json!({"n": 4}), Some(json!({"attempts": [4]})), None)
    );
    assert_eq!(c.vars.get("v"), Some(&json!(4)));
    let history = store.history(ID).await.unwrap();
    assert_eq!(ids(&history), expected(4));
    let big = history[5].details.as_ref().unwrap()["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(big.contains(&"x".repeat(600)), "{big}");
    assert_eq!(logged(&path), 4, "reads on readers do not fold");

    // A page of history has the writer fold first; a listing merges, as `get` does.
    let page = store
        .history_page(
            ID,
            EventRange {
                after: Some(2),
                limit: 3,
                reverse: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&page.events), expected(4)[2..5].to_vec());
    assert_eq!(logged(&path), 0);
    store.commit(transition(ID, "w", 5)).await.unwrap();
    let listed = store
        .list(Some("log"), None, None, None, None, 10, None)
        .await
        .unwrap();
    assert_eq!(listed.executions[0].checkpoint.as_ref().unwrap().seq, 5);
    assert_eq!(logged(&path), 1, "a listing merges what the log holds");

    // A publish follows the logged transitions: its events come after theirs and are marked
    // provisional; the next transition makes them final again.
    store.commit(transition(ID, "w", 6)).await.unwrap();
    store
        .commit(Commit {
            events: vec![event(14, "TaskScheduled", "S7", json!({}))],
            checkpoint: None,
            provisional: true,
            ..transition(ID, "w", 0)
        })
        .await
        .unwrap();
    let got = store.get(ID).await.unwrap().unwrap();
    assert_eq!(
        got.checkpoint.as_ref().map(|c| (c.seq, c.provisional)),
        Some((6, Some(14)))
    );
    store
        .commit(Commit {
            events: vec![event(15, "TaskSucceeded", "S7", json!({}))],
            ..transition(ID, "w", 7)
        })
        .await
        .unwrap();
    let got = store.get(ID).await.unwrap().unwrap();
    assert_eq!(
        got.checkpoint.as_ref().map(|c| (c.seq, c.provisional)),
        Some((7, None))
    );

    // The end folds the rest first: the history is whole, in order, and the log empty.
    store.commit(transition(ID, "w", 8)).await.unwrap();
    store
        .commit(Commit {
            events: vec![event(18, "ExecutionSucceeded", "S9", json!({}))],
            checkpoint: None,
            close: Some(Close {
                status: Status::Succeeded,
                output: Some(json!(1)),
                error: None,
                cause: None,
                at: at(18),
            }),
            ..transition(ID, "w", 0)
        })
        .await
        .unwrap();
    assert_eq!(logged(&path), 0);
    let history = store.history(ID).await.unwrap();
    let kinds: Vec<u64> = history.iter().map(|e| e.id).collect();
    assert_eq!(kinds, (1..=18).collect::<Vec<_>>());
    assert_eq!(history[13].kind, "TaskScheduled");
    assert_eq!(history[17].kind, "ExecutionSucceeded");
    clean(&path);
}

#[tokio::test]
async fn a_transition_without_the_lease_is_not_logged() {
    let path = path();
    let store = SqliteStore::open(&path).await.unwrap();
    started(&store, ID).await;
    let lost = store.commit(transition(ID, "other", 1)).await;
    assert_eq!(lost, Err(StoreError::LeaseLost(ID.into())));
    assert_eq!(logged(&path), 0);
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(0));
    clean(&path);
}

#[tokio::test]
async fn the_log_is_folded_when_it_grows_and_when_the_store_opens() {
    let path = path();
    let store = SqliteStore::open(&path).await.unwrap();
    let other = format!("{ID}-2");
    started(&store, ID).await;
    started(&store, &other).await;
    let n = FOLD_AT as u64;
    for t in 1..=n {
        store.commit(transition(ID, "w", t)).await.unwrap();
        store.commit(transition(&other, "w", t)).await.unwrap();
    }
    let left = logged(&path);
    assert!(
        left <= FOLD_AT,
        "the writer folds a log of {FOLD_AT} rows: {left} of {} left",
        2 * n
    );
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(n));
    assert_eq!(ids(&store.history(&other).await.unwrap()), expected(n));
    store.commit(transition(ID, "w", n + 1)).await.unwrap();
    drop(store);
    assert!(logged(&path) > 0);

    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(logged(&path), 0, "opening folds the log");
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(n + 1));
    let c = store
        .get(&other)
        .await
        .unwrap()
        .unwrap()
        .checkpoint
        .unwrap();
    assert_eq!(c.seq, n);
    clean(&path);
}

#[tokio::test]
async fn an_event_id_taken_already_is_refused_at_once() {
    let path = path();
    let store = SqliteStore::open(&path).await.unwrap();
    started(&store, ID).await;
    store.commit(transition(ID, "w", 1)).await.unwrap();
    // Again (logged), and the execution's first event (stored): the events table's key
    // would refuse both, so the log must not take them.
    assert!(store.commit(transition(ID, "w", 1)).await.is_err());
    let mut first = transition(ID, "w", 2);
    first.events[0].id = 1;
    assert!(store.commit(first).await.is_err());
    assert_eq!(logged(&path), 1);
    store.commit(transition(ID, "w", 2)).await.unwrap();
    drop(store);
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(2));
    clean(&path);
}

#[tokio::test]
async fn a_stop_and_a_claim_follow_the_logged_transitions() {
    let path = path();
    let (store, other) = two_with_three_logged(&path).await;
    // A stop appends its event after the logged ones.
    store
        .stop(ID, Some("E".into()), None, at(100))
        .await
        .unwrap();
    let history = store.history(ID).await.unwrap();
    let mut want = expected(3);
    want.push((8, "ExecutionAborted".into()));
    assert_eq!(ids(&history), want);
    // A worker that claims an execution whose lease ran out resumes from the checkpoint
    // still in the log.
    let claimed = store
        .claim(
            "v",
            &["log".to_string()],
            None,
            at(0) + Duration::hours(2),
            at(0) + Duration::hours(3),
            10,
        )
        .await
        .unwrap();
    let c = claimed.iter().find(|r| r.id == other).unwrap();
    assert_eq!(
        c.checkpoint.as_ref().map(|c| (c.state.as_str(), c.seq)),
        Some(("S4", 3))
    );
    // Its old worker is fenced; the new one goes on after the logged events.
    assert_eq!(
        store.commit(transition(&other, "w", 4)).await,
        Err(StoreError::LeaseLost(other.clone()))
    );
    store.commit(transition(&other, "v", 4)).await.unwrap();
    assert_eq!(ids(&store.history(&other).await.unwrap()), expected(4));
    assert_eq!(logged(&path), 1);
    clean(&path);
}

/// Every row in the log, folded or not.
fn rows(path: &std::path::Path) -> (i64, i64) {
    let conn = Connection::open(path).unwrap();
    let count = |table: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    (count("log"), count("log_folded"))
}

#[tokio::test]
async fn an_execution_folded_alone_keeps_its_rows_until_the_whole_log_goes() {
    let path = path();
    let (store, other) = two_with_three_logged(&path).await;
    // A commit that is not logged folds its execution first.
    store.commit(back_to_second()).await.unwrap();
    assert_eq!(
        logged(&path),
        3,
        "the other execution's rows are not folded"
    );
    assert_eq!(rows(&path), (6, 1), "the folded rows stay, marked folded");
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(2));
    // The dropped events' ids are free again: the folded row holding them does not count.
    store.commit(transition(ID, "w", 3)).await.unwrap();
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(3));
    drop(store);

    // Folding the whole log skips what was folded and drops every row.
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(rows(&path), (0, 0));
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(3));
    assert_eq!(ids(&store.history(&other).await.unwrap()), expected(3));
    let c = store.get(ID).await.unwrap().unwrap().checkpoint.unwrap();
    assert_eq!((c.state.as_str(), c.seq), ("S4", 3));
    clean(&path);
}

#[tokio::test]
async fn the_last_execution_folded_takes_the_log_with_it() {
    let path = path();
    let store = SqliteStore::open(&path).await.unwrap();
    started(&store, ID).await;
    for n in 1..=3 {
        store.commit(transition(ID, "w", n)).await.unwrap();
    }
    assert_eq!(rows(&path), (3, 0));
    // Folded, nothing else is left to fold: the rows go at once.
    store.commit(back_to_second()).await.unwrap();
    assert_eq!(rows(&path), (0, 0));
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(2));
    store.commit(transition(ID, "w", 3)).await.unwrap();
    assert_eq!(ids(&store.history(ID).await.unwrap()), expected(3));
    clean(&path);
}
