//! The SQLite store's Distributed Map records (MAP-17): child executions tied to their Map
//! Run (`map_run`, `map_items`), listing a Map Run's children, and Map Runs themselves; and a
//! file made before those columns existed still opening.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::{Connection, params};
use serde_json::json;

use super::SqliteStore;
use crate::MapRunStatus;
use crate::error::Status;
use crate::store::{Close, Commit, Created, ExecutionRecord, MapRunChild, MapRunRecord, Store};

const RUN: &str = "arn:aws:states:us-east-1:123456789012:mapRun:parent/Map:1";

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
}

fn record(id: &str, start: i64, map_run: Option<&str>, map_items: u64) -> ExecutionRecord {
    ExecutionRecord {
        id: id.into(),
        workflow: "child".into(),
        name: id.into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:parent/Map".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        status: Status::Running,
        input: json!({"n": start}),
        output: None,
        error: None,
        cause: None,
        start_date: at(start),
        stop_date: None,
        redrive_count: 0,
        redrive_date: None,
        checkpoint: None,
        secret: "s".into(),
        map_run: map_run.map(str::to_string),
        map_items,
    }
}

/// Creates an execution leased to worker `w` and, unless it is to keep running, ends it.
async fn child(store: &SqliteStore, r: ExecutionRecord, status: Status) {
    let id = r.id.clone();
    let start = r.start_date;
    let created = store
        .create(r, Some("w".into()), start + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(created, Created::New);
    if status != Status::Running {
        store
            .commit(Commit {
                execution: id,
                worker: "w".into(),
                events: vec![],
                checkpoint: None,
                provisional: false,
                truncate_from: None,
                rest: None,
                close: Some(Close {
                    status,
                    output: (status == Status::Succeeded).then(|| json!(1)),
                    error: (status == Status::Failed).then(|| "E".into()),
                    cause: None,
                    at: start + Duration::seconds(1),
                }),
            })
            .await
            .unwrap();
    }
}

fn map_run(arn: &str, execution: &str, start: i64) -> MapRunRecord {
    MapRunRecord {
        arn: arn.into(),
        execution: execution.into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:parent/Map".into(),
        status: MapRunStatus::Running,
        start_date: at(start),
        stop_date: None,
        max_concurrency: 0,
        tolerated_failure_count: 2,
        tolerated_failure_percentage: 12.5,
        redrive_count: 0,
        redrive_date: None,
        counts: None,
    }
}

/// MAP-17: a child's Map Run and item count are stored and read back; an execution outside
/// any Map Run reads back `None` and 0.
#[tokio::test]
async fn a_child_keeps_its_map_run_and_items() {
    let store = SqliteStore::memory().await.unwrap();
    child(&store, record("c1", 1, Some(RUN), 100), Status::Running).await;
    child(&store, record("top", 2, None, 0), Status::Running).await;
    let c1 = store.get("c1").await.unwrap().unwrap();
    assert_eq!(c1.map_run.as_deref(), Some(RUN));
    assert_eq!(c1.map_items, 100);
    let top = store.get("top").await.unwrap().unwrap();
    assert_eq!(top.map_run, None);
    assert_eq!(top.map_items, 0);
    // A second create of the same ARN returns the stored record, Map Run included.
    match store
        .create(record("c1", 1, None, 0), None, at(10))
        .await
        .unwrap()
    {
        Created::Existing(r) => assert_eq!(r.map_run.as_deref(), Some(RUN)),
        Created::New => panic!("created twice"),
    }
}

/// MAP-17: listing with a Map Run gives its children only, newest first, filtered by status,
/// in pages; `map_run_children` gives every child's status and item count.
#[tokio::test]
async fn a_map_runs_children_are_listed_and_counted() {
    let store = SqliteStore::memory().await.unwrap();
    child(&store, record("c1", 1, Some(RUN), 100), Status::Succeeded).await;
    child(&store, record("c2", 2, Some(RUN), 100), Status::Failed).await;
    child(&store, record("c3", 3, Some(RUN), 37), Status::Running).await;
    child(
        &store,
        record("other", 4, Some("arn:other"), 5),
        Status::Running,
    )
    .await;
    child(&store, record("top", 5, None, 0), Status::Running).await;

    let ids = |page: &crate::store::Page| -> Vec<String> {
        page.executions.iter().map(|e| e.id.clone()).collect()
    };
    let all = store
        .list(None, None, None, Some(RUN), None, 10, None)
        .await
        .unwrap();
    assert_eq!(ids(&all), ["c3", "c2", "c1"]);
    assert_eq!(all.next_token, None);

    let first = store
        .list(None, None, None, Some(RUN), None, 2, None)
        .await
        .unwrap();
    assert_eq!(ids(&first), ["c3", "c2"]);
    let token = first.next_token.clone().unwrap();
    let second = store
        .list(None, None, None, Some(RUN), None, 2, Some(&token))
        .await
        .unwrap();
    assert_eq!(ids(&second), ["c1"]);
    assert_eq!(second.next_token, None);

    let failed = store
        .list(
            Some("child"),
            Some(Status::Failed),
            None,
            Some(RUN),
            None,
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(ids(&failed), ["c2"]);
    let elsewhere = store
        .list(Some("nope"), None, None, Some(RUN), None, 10, None)
        .await
        .unwrap();
    assert!(elsewhere.executions.is_empty());

    // Without a Map Run, every execution as before.
    let everything = store
        .list(None, None, None, None, None, 10, None)
        .await
        .unwrap();
    assert_eq!(ids(&everything), ["top", "other", "c3", "c2", "c1"]);

    let mut children = store.map_run_children(RUN).await.unwrap();
    children.sort_by_key(|c| (c.status.as_str(), c.items));
    assert_eq!(
        children,
        [
            MapRunChild {
                status: Status::Failed,
                items: 100
            },
            MapRunChild {
                status: Status::Running,
                items: 37
            },
            MapRunChild {
                status: Status::Succeeded,
                items: 100
            },
        ]
    );
    assert!(store.map_run_children("arn:none").await.unwrap().is_empty());
}

/// MAP-17: a Map Run is stored, replaced by ARN (its end, counts, redrive), and an
/// execution's Map Runs come oldest first.
#[tokio::test]
async fn map_runs_are_stored_replaced_and_ordered() {
    let store = SqliteStore::memory().await.unwrap();
    assert_eq!(store.map_run(RUN).await.unwrap(), None);

    let first = map_run(RUN, "parent", 10);
    store.put_map_run(first.clone()).await.unwrap();
    assert_eq!(store.map_run(RUN).await.unwrap(), Some(first.clone()));

    let ended = MapRunRecord {
        status: MapRunStatus::Failed,
        stop_date: Some(at(20)),
        max_concurrency: 40,
        redrive_count: 1,
        redrive_date: Some(at(15)),
        counts: Some(json!({
            "itemCounts": {"total": 3, "succeeded": 2, "failed": 1},
            "executionCounts": {"total": 3, "succeeded": 2, "failed": 1},
        })),
        ..first
    };
    store.put_map_run(ended.clone()).await.unwrap();
    assert_eq!(store.map_run(RUN).await.unwrap(), Some(ended.clone()));

    // Started earlier and later than RUN; same start as RUN breaks the tie by ARN.
    let earlier = map_run("arn:b-earlier", "parent", 5);
    let tie = map_run("arn:z-tie", "parent", 10);
    let later = map_run("arn:a-later", "parent", 30);
    let elsewhere = map_run("arn:elsewhere", "another", 1);
    for r in [&later, &tie, &elsewhere, &earlier] {
        store.put_map_run(r.clone()).await.unwrap();
    }
    let runs = store.map_runs("parent").await.unwrap();
    let arns: Vec<&str> = runs.iter().map(|r| r.arn.as_str()).collect();
    assert_eq!(arns, ["arn:b-earlier", RUN, "arn:z-tie", "arn:a-later"]);
    assert_eq!(runs[1], ended);
    assert!(store.map_runs("nobody").await.unwrap().is_empty());
}

/// Every Map Run status reads back as written; a percentage that SQLite cannot store as a
/// number (NaN) reads back as NaN rather than failing; counts past `i64::MAX` saturate.
#[tokio::test]
async fn map_run_fields_round_trip() {
    let store = SqliteStore::memory().await.unwrap();
    for (i, status) in [
        MapRunStatus::Running,
        MapRunStatus::Succeeded,
        MapRunStatus::Failed,
        MapRunStatus::Aborted,
    ]
    .into_iter()
    .enumerate()
    {
        let arn = format!("arn:{i}");
        store
            .put_map_run(MapRunRecord {
                status,
                ..map_run(&arn, "p", 0)
            })
            .await
            .unwrap();
        assert_eq!(store.map_run(&arn).await.unwrap().unwrap().status, status);
    }
    store
        .put_map_run(MapRunRecord {
            tolerated_failure_percentage: f64::NAN,
            tolerated_failure_count: u64::MAX,
            ..map_run("arn:nan", "p", 0)
        })
        .await
        .unwrap();
    let nan = store.map_run("arn:nan").await.unwrap().unwrap();
    assert!(nan.tolerated_failure_percentage.is_nan());
    assert_eq!(nan.tolerated_failure_count, i64::MAX as u64);
}

/// A file made before Distributed Map (no `map_run`/`map_items` columns, no `map_runs`
/// table) opens: its executions read back outside any Map Run, and the new records work.
#[tokio::test]
async fn a_file_from_before_map_runs_opens() {
    let path = std::env::temp_dir().join(format!("asl-sqlite-{}.db", uuid::Uuid::new_v4()));
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE executions (
                id TEXT PRIMARY KEY, workflow TEXT NOT NULL, name TEXT NOT NULL,
                state_machine_arn TEXT NOT NULL, role_arn TEXT NOT NULL, status TEXT NOT NULL,
                input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
                start_ms INTEGER NOT NULL, stop_ms INTEGER,
                redrive_count INTEGER NOT NULL DEFAULT 0, redrive_ms INTEGER, state TEXT,
                data TEXT, vars TEXT, at_ms INTEGER, seq INTEGER NOT NULL DEFAULT 0,
                retry TEXT, secret TEXT NOT NULL, lease_owner TEXT, lease_until INTEGER,
                events INTEGER NOT NULL DEFAULT 0
            );",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO executions (id, workflow, name, state_machine_arn, role_arn, status, \
             input, start_ms, secret) VALUES ('old', 'w', 'old', 'sm', 'role', 'SUCCEEDED', \
             '{}', ?1, 's')",
            params![at(0).timestamp_millis()],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let old = store.get("old").await.unwrap().unwrap();
    assert_eq!((old.map_run, old.map_items), (None, 0));
    child(&store, record("c1", 1, Some(RUN), 7), Status::Running).await;
    let page = store
        .list(None, None, None, Some(RUN), None, 10, None)
        .await
        .unwrap();
    assert_eq!(page.executions.len(), 1);
    assert_eq!(page.executions[0].map_items, 7);
    store.put_map_run(map_run(RUN, "parent", 0)).await.unwrap();
    assert!(store.map_run(RUN).await.unwrap().is_some());
    drop(store);
    // Opening again finds every column in place.
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(again.map_run_children(RUN).await.unwrap().len(), 1);
    drop(again);
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// The console's queries: counts by status of one workflow, a name search (substring,
/// case-sensitive, with status and paging), and the tokens an execution waits for.
#[tokio::test]
async fn counts_name_search_and_waiting_tokens() {
    let store = SqliteStore::memory().await.unwrap();
    child(&store, record("order-1", 1, None, 0), Status::Succeeded).await;
    child(&store, record("order-2", 2, None, 0), Status::Failed).await;
    child(&store, record("order-3", 3, None, 0), Status::Running).await;
    child(&store, record("refund-4", 4, None, 0), Status::Running).await;
    let counts = store.execution_counts("child").await.unwrap();
    let counts: Vec<(Status, u64)> = counts.into_iter().collect();
    assert_eq!(
        counts,
        [
            (Status::Running, 2),
            (Status::Succeeded, 1),
            (Status::Failed, 1)
        ]
    );
    assert!(store.execution_counts("nope").await.unwrap().is_empty());

    let names = |page: &crate::store::Page| -> Vec<String> {
        page.executions.iter().map(|e| e.name.clone()).collect()
    };
    let orders = store
        .list(Some("child"), None, None, None, Some("order"), 2, None)
        .await
        .unwrap();
    assert_eq!(names(&orders), ["order-3", "order-2"]);
    let rest = store
        .list(
            Some("child"),
            None,
            None,
            None,
            Some("order"),
            2,
            orders.next_token.as_deref(),
        )
        .await
        .unwrap();
    assert_eq!(names(&rest), ["order-1"]);
    assert_eq!(rest.next_token, None);
    let running = store
        .list(None, Some(Status::Running), None, None, Some("-"), 10, None)
        .await
        .unwrap();
    assert_eq!(names(&running), ["refund-4", "order-3"]);
    let none = store
        .list(None, None, None, None, Some("ORDER"), 10, None)
        .await
        .unwrap();
    assert!(none.executions.is_empty(), "the search is case-sensitive");

    store
        .register_token("t2", "order-3", "Ask", at(20))
        .await
        .unwrap();
    store
        .register_token("t1", "order-3", "Wait", at(10))
        .await
        .unwrap();
    store
        .register_token("t3", "refund-4", "Ask", at(10))
        .await
        .unwrap();
    store
        .update_token("t2", crate::store::TokenState::Succeeded(json!(1)), at(30))
        .await
        .unwrap();
    let waiting = store.waiting_tokens("order-3").await.unwrap();
    let waiting: Vec<(&str, &str)> = waiting
        .iter()
        .map(|t| (t.token.as_str(), t.state.as_str()))
        .collect();
    assert_eq!(waiting, [("t1", "Wait")]);
}

/// The claim rules (see `store::claims`).
#[tokio::test]
async fn claims_follow_the_rules() {
    let store = SqliteStore::memory().await.unwrap();
    crate::store::claims::claims_follow_the_rules(&store).await;
}

/// Executions at rest on a callback token (see `store::token_rests`).
#[tokio::test]
async fn token_rests_follow_the_rules() {
    let store = SqliteStore::memory().await.unwrap();
    crate::store::token_rests::token_rests_follow_the_rules(&store).await;
}

/// The rules of a write (see `store::writes`).
#[tokio::test]
async fn writes_follow_the_rules() {
    let store = SqliteStore::memory().await.unwrap();
    crate::store::writes::writes_follow_the_rules(&store).await;
}

/// History pages (see `store::pages`).
#[tokio::test]
async fn pages_cut_the_whole_history() {
    let store = SqliteStore::memory().await.unwrap();
    crate::store::pages::pages_cut_the_whole_history(&store, "e-pages").await;
}

/// A request whose future is dropped before it is polled (its caller gave up at once) is
/// still committed, as one queued behind others would be; one awaited alone is committed on
/// the caller's thread, one among others by the drainer.
#[tokio::test]
async fn requests_are_committed_whoever_waits_for_them() {
    let path = std::env::temp_dir().join(format!("asl-whoever-{}.db", std::process::id()));
    let store = SqliteStore::open(&path).await.unwrap();
    // Read back through the store's readers: nothing else asks the writer to run.
    drop(store.create(record("dropped", 1, None, 0), None, at(10)));
    for _ in 0..100 {
        if store.get("dropped").await.unwrap().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(store.get("dropped").await.unwrap().is_some());
    let alone = store.create(record("alone", 2, None, 0), None, at(10));
    assert_eq!(alone.await.unwrap(), Created::New);
    let together = futures_util::future::join_all(
        (0..20).map(|i| store.create(record(&format!("e{i}"), 3, None, 0), None, at(10))),
    )
    .await;
    assert!(together.iter().all(|c| c == &Ok(Created::New)));
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
