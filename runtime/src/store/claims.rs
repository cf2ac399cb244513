//! The claim rules every store keeps (`Store::claim`), as one test run against each store:
//! the due first (expired leases, executions at rest whose time came), then the unleased; an
//! execution at rest is not claimed before its time and its former worker can no longer
//! commit; a worker's own live leases only when it asks for them back.

// Test code (compiled only for tests), which may unwrap.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use crate::error::Status;
use crate::store::{Commit, ExecutionRecord, Store, StoreError};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
}

pub(super) fn record(id: &str, start: i64) -> ExecutionRecord {
    ExecutionRecord {
        id: id.into(),
        workflow: "wf".into(),
        name: id.into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:wf".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        status: Status::Running,
        input: json!({}),
        output: None,
        error: None,
        cause: None,
        start_date: at(start),
        stop_date: None,
        redrive_count: 0,
        redrive_date: None,
        checkpoint: None,
        secret: "s".into(),
        map_run: None,
        map_items: 0,
    }
}

fn rest(id: &str, worker: &str, until: DateTime<Utc>) -> Commit {
    Commit {
        execution: id.into(),
        worker: worker.into(),
        events: vec![],
        checkpoint: None,
        close: None,
        provisional: true,
        truncate_from: None,
        rest: Some(crate::store::Rest::until(until)),
    }
}

/// The ids `worker` claims at `now` (leased for 100 s).
pub(super) async fn ids(
    store: &dyn Store,
    worker: &str,
    own: Option<&[String]>,
    now: i64,
    limit: usize,
) -> Vec<String> {
    store
        .claim(
            worker,
            &["wf".to_string()],
            own,
            at(now),
            at(now + 100),
            limit,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Runs the rules against `store` (empty).
pub(crate) async fn claims_follow_the_rules(store: &dyn Store) {
    let lease = |s: i64| at(s);
    store
        .create(record("fresh", 0), None, lease(0))
        .await
        .unwrap();
    store
        .create(record("live", 1), Some("w1".into()), lease(60))
        .await
        .unwrap();
    store
        .create(record("expired", 2), Some("w2".into()), lease(-1))
        .await
        .unwrap();
    store
        .create(record("resting", 3), Some("w1".into()), lease(60))
        .await
        .unwrap();
    store.commit(rest("resting", "w1", at(30))).await.unwrap();
    // At rest, its former worker's lease is gone: a late commit of it is fenced.
    let late = store.commit(rest("resting", "w1", at(40))).await;
    assert!(matches!(late, Err(StoreError::LeaseLost(_))), "{late:?}");

    // The due first, then the unleased; neither a live lease nor one resting until later.
    assert_eq!(ids(store, "w3", None, 0, 1).await, ["expired"]);
    assert_eq!(ids(store, "w3", None, 0, 10).await, ["fresh"]);
    assert!(ids(store, "w3", None, 29, 10).await.is_empty());
    assert_eq!(ids(store, "w3", None, 31, 10).await, ["resting"]);
    // Its own live leases only when asked for, less those it runs.
    assert!(ids(store, "w1", None, 31, 10).await.is_empty());
    let running = ["live".to_string()];
    assert!(ids(store, "w1", Some(&running), 31, 10).await.is_empty());
    assert_eq!(ids(store, "w1", Some(&[]), 31, 10).await, ["live"]);

    // "expired" is w3's now. Its former worker's commit that truncates, appends and ends is
    // refused as a whole: nothing of it lands (Postgres sends its statements together, so
    // the truncation runs before the fence is seen to fail, and is rolled back).
    let event = |id: u64, kind: &str| crate::store::StoredEvent {
        id,
        kind: kind.into(),
        state: Some("S".into()),
        timestamp: at(id as i64),
        details: Some(json!({ "n": id })),
    };
    let published = Commit {
        events: vec![event(2, "PassStateEntered"), event(3, "PassStateExited")],
        ..rest("expired", "w3", at(0))
    };
    let published = Commit {
        rest: None,
        ..published
    };
    store.commit(published).await.unwrap();
    let stale = Commit {
        execution: "expired".into(),
        worker: "w2".into(),
        events: vec![event(2, "TaskStateEntered")],
        checkpoint: None,
        close: Some(crate::store::Close {
            status: Status::Failed,
            output: None,
            error: Some("E".into()),
            cause: None,
            at: at(5),
        }),
        provisional: false,
        truncate_from: Some(2),
        rest: None,
    };
    let refused = store.commit(stale).await;
    assert!(
        matches!(refused, Err(StoreError::LeaseLost(_))),
        "{refused:?}"
    );
    let kinds: Vec<String> = store
        .history("expired")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["ExecutionStarted", "PassStateEntered", "PassStateExited"]
    );
    let record = store.get("expired").await.unwrap().unwrap();
    assert_eq!(record.status, Status::Running);
}
