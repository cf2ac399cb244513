//! The rules of a write (`Store::commit`) every store keeps, as one test run against each
//! store (Postgres commits all but token rests in batches, SQLite logs plain transitions:
//! both must read the same): published events are provisional until a transition follows;
//! a resumed execution replaces them from `truncate_from` on (fewer events than before
//! leave none of the old ones behind); a rest lets the lease go until its time; an end
//! closes the execution's waiting tokens and drops (success) or empties its Map progress;
//! a worker whose lease was taken writes nothing. Creates (batched on Postgres too) record
//! `ExecutionStarted` with the whole input; a second create of an id finds the first.

// Test code (compiled only for tests), which may unwrap.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use super::claims::{ids, record};
use crate::error::Status;
use crate::store::{
    Checkpoint, Close, Commit, Created, Progress, Rest, Store, StoreError, StoredEvent, TokenState,
};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
}

fn event(id: u64, kind: &str, note: &str) -> StoredEvent {
    StoredEvent {
        id,
        kind: kind.into(),
        state: Some("Ask".into()),
        timestamp: at(id as i64),
        details: Some(json!({ "note": note })),
    }
}

fn write(id: &str, worker: &str, events: Vec<StoredEvent>) -> Commit {
    Commit {
        execution: id.into(),
        worker: worker.into(),
        events,
        checkpoint: None,
        close: None,
        provisional: false,
        truncate_from: None,
        rest: None,
    }
}

fn checkpoint(state: &str, seq: u64) -> Checkpoint {
    Checkpoint {
        state: state.into(),
        input: json!({ "at": state }),
        vars: serde_json::Map::new(),
        at: at(seq as i64),
        seq,
        retry: None,
        provisional: None,
    }
}

fn close(status: Status, at_s: i64) -> Close {
    Close {
        status,
        output: (status == Status::Succeeded).then(|| json!({ "done": true })),
        error: (status != Status::Succeeded).then(|| "Boom".to_string()),
        cause: (status != Status::Succeeded).then(|| "it broke".to_string()),
        at: at(at_s),
    }
}

/// The kinds and notes of `id`'s history.
async fn history(store: &dyn Store, id: &str) -> Vec<(u64, String, String)> {
    store
        .history(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let note = e
                .details
                .as_ref()
                .and_then(|d| d.get("note"))
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            (e.id, e.kind, note)
        })
        .collect()
}

fn progress(index: usize) -> Progress {
    Progress {
        scope: "Map#2".into(),
        index,
        result: json!(index),
        events: json!([["PassStateEntered", "P"]]),
    }
}

/// Runs the rules against `store` (empty).
pub(crate) async fn writes_follow_the_rules(store: &dyn Store) {
    // "a": events published while its state runs, then put at rest on a timer.
    store
        .create(record("a", 0), Some("w1".into()), at(100))
        .await
        .unwrap();
    let mut entered = write("a", "w1", vec![]);
    entered.checkpoint = Some(checkpoint("Ask", 1));
    store.commit(entered).await.unwrap();
    let mut publish = write(
        "a",
        "w1",
        vec![
            event(2, "TaskStateEntered", "first"),
            event(3, "TaskScheduled", "first"),
            event(4, "TaskStarted", "first"),
        ],
    );
    publish.provisional = true;
    store.commit(publish).await.unwrap();
    let mut rest = write("a", "w1", vec![]);
    rest.provisional = true;
    rest.rest = Some(Rest::until(at(50)));
    store.commit(rest).await.unwrap();
    let a = store.get("a").await.unwrap().unwrap();
    assert_eq!(a.checkpoint.and_then(|c| c.provisional), Some(2));
    assert!(ids(store, "w2", None, 10, 10).await.is_empty(), "at rest");
    let stale = store
        .commit(write("a", "w1", vec![event(5, "TaskSucceeded", "stale")]))
        .await;
    assert_eq!(
        stale,
        Err(StoreError::LeaseLost("a".into())),
        "lease let go"
    );
    assert_eq!(ids(store, "w2", None, 60, 10).await, ["a"], "due at 50");

    // Resumed by w2: two events replace the three published, with a transition.
    let mut resumed = write(
        "a",
        "w2",
        vec![
            event(2, "TaskStateEntered", "again"),
            event(3, "TaskStateExited", "again"),
        ],
    );
    resumed.truncate_from = Some(2);
    resumed.checkpoint = Some(checkpoint("Next", 2));
    store.commit(resumed).await.unwrap();
    let stale = store
        .commit(write(
            "a",
            "w1",
            vec![event(4, "PassStateEntered", "stale")],
        ))
        .await;
    assert_eq!(stale, Err(StoreError::LeaseLost("a".into())), "w2 holds it");
    let mut next = write("a", "w2", vec![event(4, "PassStateEntered", "next")]);
    next.checkpoint = Some(checkpoint("Last", 3));
    store.commit(next).await.unwrap();
    let expected: Vec<(u64, String, String)> = [
        (1, "ExecutionStarted", ""),
        (2, "TaskStateEntered", "again"),
        (3, "TaskStateExited", "again"),
        (4, "PassStateEntered", "next"),
    ]
    .iter()
    .map(|(i, k, n)| (*i, k.to_string(), n.to_string()))
    .collect();
    assert_eq!(history(store, "a").await, expected);
    let a = store.get("a").await.unwrap().unwrap();
    let cp = a.checkpoint.unwrap();
    assert_eq!(
        (cp.state.as_str(), cp.seq, cp.provisional),
        ("Last", 3, None)
    );
    assert_eq!(cp.input, json!({ "at": "Last" }));
    // The count of events follows the replacement: the next publish is marked from its id.
    let mut publish = write("a", "w2", vec![event(5, "TaskStateEntered", "last")]);
    publish.provisional = true;
    store.commit(publish).await.unwrap();
    let a = store.get("a").await.unwrap().unwrap();
    assert_eq!(a.checkpoint.and_then(|c| c.provisional), Some(5));

    // Its end fails it: its waiting token is closed, its Map progress kept but emptied.
    let token: String = std::iter::repeat_n('t', 64).collect();
    store
        .register_token(&token, "a", "Ask", at(70))
        .await
        .unwrap();
    store.put_progress("a", "w2", progress(0)).await.unwrap();
    let mut end = write("a", "w2", vec![event(6, "ExecutionFailed", "end")]);
    end.close = Some(close(Status::Failed, 80));
    store.commit(end).await.unwrap();
    let a = store.get("a").await.unwrap().unwrap();
    assert_eq!(a.status, Status::Failed);
    assert_eq!(
        (a.error.as_deref(), a.cause.as_deref(), a.stop_date),
        (Some("Boom"), Some("it broke"), Some(at(80)))
    );
    assert_eq!(store.token(&token).await.unwrap(), Some(TokenState::Closed));
    let kept = store.progress("a").await.unwrap();
    assert_eq!(
        kept.len(),
        1,
        "a failed execution's progress is kept (redrive)"
    );
    assert_eq!(kept[0].events, json!([]));
    assert_eq!(history(store, "a").await.len(), 6);
    assert!(ids(store, "w3", None, 1000, 10).await.is_empty(), "ended");

    // "b" succeeds: its progress is dropped, its output kept.
    store
        .create(record("b", 1), Some("w1".into()), at(100))
        .await
        .unwrap();
    store.put_progress("b", "w1", progress(0)).await.unwrap();
    let mut end = write("b", "w1", vec![event(2, "ExecutionSucceeded", "end")]);
    end.close = Some(close(Status::Succeeded, 90));
    store.commit(end).await.unwrap();
    let b = store.get("b").await.unwrap().unwrap();
    assert_eq!(
        (b.status, b.output, b.stop_date),
        (
            Status::Succeeded,
            Some(json!({ "done": true })),
            Some(at(90))
        )
    );
    assert!(store.progress("b").await.unwrap().is_empty());

    // Writes of many executions at once (Postgres batches them): each lands, a stale one
    // fails alone.
    for i in 0..20 {
        let id = format!("m{i}");
        store
            .create(record(&id, 2), Some("w1".into()), at(100))
            .await
            .unwrap();
    }
    let writes = (0..20).map(|i| {
        let id = format!("m{i}");
        let worker = if i == 7 { "w9" } else { "w1" };
        let mut w = write(&id, worker, vec![event(2, "PassStateEntered", &id)]);
        w.checkpoint = Some(checkpoint("P", 1));
        if i % 3 == 0 {
            w.close = Some(close(Status::Succeeded, 95));
        } else if i % 3 == 1 {
            w.rest = Some(Rest::until(at(500)));
        }
        store.commit(w)
    });
    let results = futures_util::future::join_all(writes).await;
    for (i, r) in results.into_iter().enumerate() {
        let id = format!("m{i}");
        if i == 7 {
            assert_eq!(r, Err(StoreError::LeaseLost(id.clone())));
            assert_eq!(
                history(store, &id).await.len(),
                1,
                "the stale write wrote nothing"
            );
            continue;
        }
        r.unwrap();
        assert_eq!(history(store, &id).await.len(), 2, "{id}");
        let m = store.get(&id).await.unwrap().unwrap();
        let status = if i % 3 == 0 {
            Status::Succeeded
        } else {
            Status::Running
        };
        assert_eq!(m.status, status, "{id}");
    }
    // At 200: the running ones whose lease (until 100) ran out, and m7 (its stale write left
    // it so); not those at rest until 500.
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let expired = sorted(ids(store, "w2", None, 200, 100).await);
    let running: Vec<String> = (0..20)
        .filter(|i| i % 3 == 2 || *i == 7)
        .map(|i| format!("m{i}"))
        .collect();
    assert_eq!(expired, sorted(running));
    // At 600: those at rest too (and the others again: w2's lease ran to 300).
    let all: Vec<String> = (0..20)
        .filter(|i| i % 3 != 0)
        .map(|i| format!("m{i}"))
        .collect();
    assert_eq!(sorted(ids(store, "w2", None, 600, 100).await), sorted(all));

    // Creates at once, two of them of one id: one creates it, the other finds it; a large
    // input (stored by reference) reads back whole.
    let big = "x".repeat(20_000);
    let creates = (0..12).map(|i| {
        let id = if i == 11 {
            "c0".to_string()
        } else {
            format!("c{i}")
        };
        let mut r = record(&id, 3);
        r.input = json!({ "i": i, "big": big });
        store.create(r, None, at(100))
    });
    let created = futures_util::future::join_all(creates).await;
    let mut new = 0;
    for (i, c) in created.into_iter().enumerate() {
        match c.unwrap() {
            Created::New => new += 1,
            Created::Existing(r) => {
                assert!(i == 0 || i == 11, "c{i} existed");
                assert_eq!(r.id, "c0");
            }
        }
    }
    assert_eq!(new, 11);
    let c0 = store.get("c0").await.unwrap().unwrap();
    let i0 = c0.input["i"].clone();
    assert!(i0 == json!(0) || i0 == json!(11), "{i0}");
    let started = store.history("c3").await.unwrap();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].kind, "ExecutionStarted");
    let details = started[0].details.as_ref().unwrap();
    let input: serde_json::Value =
        serde_json::from_str(details["input"].as_str().unwrap()).unwrap();
    assert_eq!(input, json!({ "i": 3, "big": big }));
    assert_eq!(
        store.create(record("c5", 4), None, at(100)).await.unwrap(),
        Created::Existing(Box::new(store.get("c5").await.unwrap().unwrap()))
    );
    let mut claimed = ids(store, "w4", None, 700, 100).await;
    claimed.retain(|id| id.starts_with('c'));
    assert_eq!(
        claimed.len(),
        11,
        "created unleased: any worker claims them"
    );
}
