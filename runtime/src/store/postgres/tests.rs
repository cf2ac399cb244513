//! The Postgres store's Map Run records and child executions (MAP-17), on the server named by
//! `ASL_TEST_POSTGRES_URL` (a fresh schema per test). Without it each test is skipped with a
//! printed reason, unless `ASL_REQUIRE_SERVICES=1` (as `.ci/run` sets), where that fails.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use tokio_postgres::NoTls;

use super::PostgresStore;
use super::migrations::MIGRATIONS;
use super::pool::quote_ident;
use crate::MapRunStatus;
use crate::error::Status;
use crate::store::{Close, Commit, Created, ExecutionRecord, MapRunChild, MapRunRecord, Store};

const RUN_A: &str = "arn:aws:states:us-east-1:123456789012:mapRun:flow/Items:a";
const RUN_B: &str = "arn:aws:states:us-east-1:123456789012:mapRun:flow/Items:b";
const PARENT: &str = "arn:aws:states:us-east-1:123456789012:execution:flow:parent";

fn url() -> Option<String> {
    match std::env::var("ASL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("ASL_REQUIRE_SERVICES").is_ok_and(|v| v == "1") => {
            panic!("ASL_REQUIRE_SERVICES=1 but ASL_TEST_POSTGRES_URL is not set")
        }
        _ => {
            eprintln!("skipped: set ASL_TEST_POSTGRES_URL to run the Postgres store tests");
            None
        }
    }
}

/// A client of its own, for setting up schemas the store then opens.
async fn client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The schema `name` (unique to this process), emptied.
async fn fresh_schema(url: &str, name: &str) -> String {
    let schema = format!("store_{name}_{}", std::process::id());
    client(url)
        .await
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            quote_ident(&schema)
        ))
        .await
        .unwrap();
    schema
}

async fn store(name: &str) -> Option<PostgresStore> {
    let url = url()?;
    let schema = fresh_schema(&url, name).await;
    Some(PostgresStore::connect_schema(&url, &schema).await.unwrap())
}

/// Milliseconds after a fixed start: what the store keeps of a date.
fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_700_000_000_000 + ms).unwrap()
}

fn execution(name: &str, start: i64, map_run: Option<&str>, items: u64) -> ExecutionRecord {
    ExecutionRecord {
        id: format!("arn:aws:states:us-east-1:123456789012:execution:flow:{name}"),
        workflow: "flow".into(),
        name: name.into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:flow".into(),
        role_arn: "arn:aws:iam::123456789012:role/flow".into(),
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
        secret: "secret".into(),
        map_run: map_run.map(str::to_string),
        map_items: items,
    }
}

fn map_run(arn: &str, start: i64) -> MapRunRecord {
    MapRunRecord {
        arn: arn.into(),
        execution: PARENT.into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:flow/Items".into(),
        status: MapRunStatus::Running,
        start_date: at(start),
        stop_date: None,
        max_concurrency: 0,
        tolerated_failure_count: 0,
        tolerated_failure_percentage: 0.0,
        redrive_count: 0,
        redrive_date: None,
        counts: None,
    }
}

/// MAP-17: children of a Map Run keep their Map Run and item count; `list` filters by Map
/// Run (with status, and paging newest first); `map_run_children` counts exactly them; an
/// execution outside any Map Run reads back `None`/0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_run_children_are_listed_and_counted() {
    let Some(store) = store("children").await else {
        return;
    };
    let lease = at(3_600_000);
    let parent = execution("parent", 0, None, 0);
    let children = [
        execution("child-1", 1, Some(RUN_A), 1),
        execution("child-2", 2, Some(RUN_A), 10),
        execution("child-3", 3, Some(RUN_A), 5),
        execution("other", 4, Some(RUN_B), 7),
    ];
    for r in std::iter::once(&parent).chain(&children) {
        let created = store.create(r.clone(), Some("w".into()), lease).await;
        assert_eq!(created.unwrap(), Created::New);
    }
    // child-2 succeeds, child-3 is stopped, child-1 runs on.
    store
        .commit(Commit {
            execution: children[1].id.clone(),
            worker: "w".into(),
            events: vec![],
            checkpoint: None,
            provisional: false,
            truncate_from: None,
            rest: None,
            close: Some(Close {
                status: Status::Succeeded,
                output: Some(json!(20)),
                error: None,
                cause: None,
                at: at(10),
            }),
        })
        .await
        .unwrap();
    store
        .stop(&children[2].id, None, None, at(11))
        .await
        .unwrap();

    let got = store.get(&parent.id).await.unwrap().unwrap();
    assert_eq!((got.map_run, got.map_items), (None, 0));
    let got = store.get(&children[1].id).await.unwrap().unwrap();
    assert_eq!((got.map_run.as_deref(), got.map_items), (Some(RUN_A), 10));
    assert_eq!(got.status, Status::Succeeded);

    let names = |page: &crate::store::Page| -> Vec<String> {
        page.executions.iter().map(|e| e.name.clone()).collect()
    };
    let first = store
        .list(None, None, None, Some(RUN_A), None, 2, None)
        .await
        .unwrap();
    assert_eq!(names(&first), ["child-3", "child-2"]);
    let token = first.next_token.clone().unwrap();
    let second = store
        .list(None, None, None, Some(RUN_A), None, 2, Some(&token))
        .await
        .unwrap();
    assert_eq!(names(&second), ["child-1"]);
    assert_eq!(second.next_token, None);
    let succeeded = store
        .list(
            Some("flow"),
            Some(Status::Succeeded),
            None,
            Some(RUN_A),
            None,
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(names(&succeeded), ["child-2"]);
    let all = store
        .list(Some("flow"), None, None, None, None, 10, None)
        .await
        .unwrap();
    assert_eq!(all.executions.len(), 5);
    let none = store
        .list(None, None, None, Some("arn:unknown"), None, 10, None)
        .await
        .unwrap();
    assert!(none.executions.is_empty());

    let mut counted = store.map_run_children(RUN_A).await.unwrap();
    counted.sort_by_key(|c| c.items);
    assert_eq!(
        counted,
        [
            MapRunChild {
                status: Status::Running,
                items: 1
            },
            MapRunChild {
                status: Status::Aborted,
                items: 5
            },
            MapRunChild {
                status: Status::Succeeded,
                items: 10
            },
        ]
    );
    assert_eq!(
        store.map_run_children(RUN_B).await.unwrap(),
        [MapRunChild {
            status: Status::Running,
            items: 7
        }]
    );
    assert!(
        store
            .map_run_children("arn:unknown")
            .await
            .unwrap()
            .is_empty()
    );
}

/// MAP-17: `put_map_run` inserts, then replaces by ARN (every field, `counts` JSON included);
/// `map_runs` lists an execution's Map Runs oldest first, ties by ARN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_runs_are_replaced_and_ordered() {
    let Some(store) = store("map_runs").await else {
        return;
    };
    let run_c = "arn:aws:states:us-east-1:123456789012:mapRun:flow/Items:c";
    store.put_map_run(map_run(run_c, 5)).await.unwrap();
    store.put_map_run(map_run(RUN_B, 1)).await.unwrap();
    store.put_map_run(map_run(RUN_A, 1)).await.unwrap();
    let mut other = map_run("arn:other", 0);
    other.execution = "arn:other-execution".into();
    store.put_map_run(other.clone()).await.unwrap();

    assert_eq!(store.map_run(RUN_B).await.unwrap(), Some(map_run(RUN_B, 1)));
    let ended = MapRunRecord {
        status: MapRunStatus::Failed,
        stop_date: Some(at(90)),
        max_concurrency: 40,
        tolerated_failure_count: 3,
        tolerated_failure_percentage: 12.5,
        redrive_count: 2,
        redrive_date: Some(at(80)),
        counts: Some(json!({
            "itemCounts": {"total": 3, "succeeded": 3},
            "executionCounts": {"total": 1, "succeeded": 1}
        })),
        ..map_run(RUN_B, 1)
    };
    store.put_map_run(ended.clone()).await.unwrap();
    assert_eq!(store.map_run(RUN_B).await.unwrap(), Some(ended.clone()));

    let arns: Vec<String> = store
        .map_runs(PARENT)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.arn)
        .collect();
    assert_eq!(arns, [RUN_A, RUN_B, run_c]);
    assert_eq!(
        store.map_runs("arn:other-execution").await.unwrap(),
        [other]
    );
    assert_eq!(store.map_run("arn:unknown").await.unwrap(), None);
    assert!(store.map_runs("arn:unknown").await.unwrap().is_empty());
}

/// A database made before Map Runs existed (schema version 4) is migrated on connect: its
/// executions read back outside any Map Run, and Map Runs can be stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_map_runs_is_migrated() {
    let Some(url) = url() else {
        return;
    };
    let schema = fresh_schema(&url, "old").await;
    let old = client(&url).await;
    let mut setup = format!(
        "CREATE SCHEMA {0}; SET search_path TO {0}; \
         CREATE TABLE asl_schema_version (version BIGINT NOT NULL);",
        quote_ident(&schema)
    );
    for (i, m) in MIGRATIONS.iter().take(4).enumerate() {
        setup.push_str(m);
        setup.push_str(&format!(
            "\nINSERT INTO asl_schema_version (version) VALUES ({});",
            i + 1
        ));
    }
    setup.push_str(
        "INSERT INTO executions (id, workflow, name, state_machine_arn, role_arn, status, \
         input, start_ms, secret, events) VALUES ('arn:old', 'flow', 'old', 'arn:machine', \
         'arn:role', 'SUCCEEDED', '{}', 1700000000000, 's', 1);",
    );
    old.batch_execute(&setup).await.unwrap();

    let store = PostgresStore::connect_schema(&url, &schema).await.unwrap();
    let got = store.get("arn:old").await.unwrap().unwrap();
    assert_eq!((got.map_run, got.map_items), (None, 0));
    assert_eq!(got.status, Status::Succeeded);
    store.put_map_run(map_run(RUN_A, 0)).await.unwrap();
    assert_eq!(store.map_runs(PARENT).await.unwrap().len(), 1);
    let version: i64 = old
        .query_one(
            &format!(
                "SELECT max(version) FROM {}.asl_schema_version",
                quote_ident(&schema)
            ),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, MIGRATIONS.len() as i64);
}

/// The console's queries: counts by status of one workflow, a name search (substring,
/// case-sensitive, with status and paging), and the tokens an execution waits for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_name_search_and_waiting_tokens() {
    let Some(store) = store("console").await else {
        return;
    };
    let lease = at(3_600_000);
    for (i, name) in ["order-1", "order-2", "order-3", "refund-4"]
        .iter()
        .enumerate()
    {
        let created = store
            .create(execution(name, i as i64, None, 0), Some("w".into()), lease)
            .await;
        assert_eq!(created.unwrap(), Created::New);
    }
    let id = |name: &str| execution(name, 0, None, 0).id;
    store
        .stop(&id("order-1"), None, None, at(100))
        .await
        .unwrap();
    let counts: Vec<(Status, u64)> = store
        .execution_counts("flow")
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(counts, [(Status::Running, 3), (Status::Aborted, 1)]);
    assert!(store.execution_counts("nope").await.unwrap().is_empty());

    let names = |page: &crate::store::Page| -> Vec<String> {
        page.executions.iter().map(|e| e.name.clone()).collect()
    };
    let orders = store
        .list(Some("flow"), None, None, None, Some("order"), 2, None)
        .await
        .unwrap();
    assert_eq!(names(&orders), ["order-3", "order-2"]);
    let rest = store
        .list(
            Some("flow"),
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
    let running = store
        .list(None, Some(Status::Running), None, None, Some("-"), 10, None)
        .await
        .unwrap();
    assert_eq!(names(&running), ["refund-4", "order-3", "order-2"]);
    let none = store
        .list(None, None, None, None, Some("ORDER"), 10, None)
        .await
        .unwrap();
    assert!(none.executions.is_empty(), "the search is case-sensitive");

    let t = |c: char| c.to_string().repeat(64);
    store
        .register_token(&t('2'), &id("order-3"), "Ask", at(20))
        .await
        .unwrap();
    store
        .register_token(&t('1'), &id("order-3"), "Wait", at(10))
        .await
        .unwrap();
    store
        .register_token(&t('3'), &id("order-2"), "Ask", at(10))
        .await
        .unwrap();
    store
        .update_token(
            &t('2'),
            crate::store::TokenState::Succeeded(json!(1)),
            at(30),
        )
        .await
        .unwrap();
    let waiting = store.waiting_tokens(&id("order-3")).await.unwrap();
    let waiting: Vec<(String, &str)> = waiting
        .iter()
        .map(|t| (t.token.clone(), t.state.as_str()))
        .collect();
    assert_eq!(waiting, [(t('1'), "Wait")]);
}

/// The claim rules (see `store::claims`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_follow_the_rules() {
    let Some(store) = store("claims").await else {
        return;
    };
    crate::store::claims::claims_follow_the_rules(&store).await;
}

/// Executions at rest on a callback token (see `store::token_rests`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_rests_follow_the_rules() {
    let Some(store) = store("token_rests").await else {
        return;
    };
    crate::store::token_rests::token_rests_follow_the_rules(&store).await;
}

/// The rules of a write, batched or not (see `store::writes`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_follow_the_rules() {
    let Some(store) = store("writes").await else {
        return;
    };
    crate::store::writes::writes_follow_the_rules(&store).await;
}

/// History pages (see `store::pages`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cut_the_whole_history() {
    let Some(store) = store("pages").await else {
        return;
    };
    crate::store::pages::pages_cut_the_whole_history(&store, "e-pages").await;
}

/// A stale worker's commit stops at its lease fence: while the lease's owner holds the
/// execution's row (its own commit in flight), the stale commit (a shared payload and an end)
/// is refused at once instead of queueing behind the owner's lock with a payload key the
/// owner may need (which deadlocked them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_commit_stops_at_its_fence() {
    let Some(url) = url() else { return };
    let schema = fresh_schema(&url, "stale").await;
    let store = PostgresStore::connect_schema(&url, &schema).await.unwrap();
    let at = |s: i64| Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap();
    store
        .create(
            crate::store::claims::record("x", 0),
            Some("owner".into()),
            at(3600),
        )
        .await
        .unwrap();
    // The owner's transaction holds the row.
    let mut owner = client(&url).await;
    let tx = owner.transaction().await.unwrap();
    tx.batch_execute(&format!(
        "SELECT 1 FROM {}.executions WHERE id = 'x' FOR UPDATE",
        quote_ident(&schema)
    ))
    .await
    .unwrap();
    let big = "p".repeat(2 * crate::store::payloads::SHARED_PAYLOAD_BYTES);
    let stale = Commit {
        execution: "x".into(),
        worker: "stale".into(),
        events: vec![crate::store::StoredEvent {
            id: 2,
            kind: "PassStateEntered".into(),
            state: Some("P".into()),
            timestamp: at(1),
            details: Some(json!({ "name": "P", "input": big })),
        }],
        checkpoint: None,
        close: Some(Close {
            status: Status::Failed,
            output: None,
            error: Some("E".into()),
            cause: None,
            at: at(2),
        }),
        provisional: false,
        truncate_from: None,
        rest: None,
    };
    let refused = tokio::time::timeout(std::time::Duration::from_secs(2), store.commit(stale))
        .await
        .expect("the stale commit waited for the owner's row lock");
    assert!(
        matches!(refused, Err(crate::store::StoreError::LeaseLost(_))),
        "{refused:?}"
    );
    tx.rollback().await.unwrap();
    assert_eq!(store.history("x").await.unwrap().len(), 1);
}

/// A store opened without a schema and one opened with the default schema's name are one
/// store: they announce task token answers on one channel (an answer given through either
/// wakes the other's worker loops). Another schema has a channel of its own.
#[tokio::test]
async fn the_default_schema_by_name_shares_the_answers_channel() {
    let Some(url) = url() else { return };
    let default: String = client(&url)
        .await
        .query_one("SELECT current_schema()", &[])
        .await
        .unwrap()
        .get(0);
    let unnamed = PostgresStore::connect(&url).await.unwrap();
    let named = PostgresStore::connect_schema(&url, &default).await.unwrap();
    assert_eq!(unnamed.answers.channel(), named.answers.channel());
    let other = store("answers_channel").await.unwrap();
    assert_ne!(other.answers.channel(), named.answers.channel());
}
