//! Runs of the `ten` workflow by worker processes on a Postgres schema, shared by the tests
//! that disturb those workers (killed, paused, their database restarted): a submit-only
//! client, the executions it starts, and the checks every such test ends with.

use std::collections::HashMap;
use std::path::Path;

use asl_runtime::durable::{ExecutionId, ListFilter};
use asl_runtime::store::PostgresStore;
use asl_runtime::{Engine, StartOptions, Status};

use crate::{Tenant, ten};

/// A two-thread runtime for a test's client.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A worker of `ten` on `store`: id `worker`, task calls logged to `log`, leases of 2 s, a
/// poll every 20 ms (the worker processes' engine).
pub async fn worker(
    store: impl asl_runtime::store::Store,
    worker: &str,
    log: &Path,
) -> Result<Engine, asl_runtime::durable::BuildError> {
    Engine::builder()
        .store(store)
        .workflow(
            "ten",
            ten::Workflow::new(Tenant {
                worker: worker.to_string(),
                log: log.to_path_buf(),
            }),
        )
        .worker_id(worker)
        .lease_timeout(std::time::Duration::from_secs(2))
        .poll_interval(std::time::Duration::from_millis(20))
        .build()
        .await
}

/// A client that only submits and reads: workers run the executions. It connects first, so
/// the schema exists before the workers connect.
pub async fn client(url: &str, schema: &str, dir: &Path) -> Engine {
    let store = PostgresStore::connect_schema(url, schema)
        .await
        .expect("the client connects");
    Engine::builder()
        .store(store)
        .workflow(
            "ten",
            ten::Workflow::new(Tenant {
                worker: "client".into(),
                log: dir.join("client.log"),
            }),
        )
        .run_started(false)
        .build()
        .await
        .expect("the client's engine")
}

/// Starts `n` executions named `e0`, `e1`, ….
pub async fn start(client: &Engine, n: usize) -> Vec<ExecutionId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = client
            .start(
                "ten",
                serde_json::json!({ "n": i }),
                StartOptions::default().name(format!("e{i}")),
            )
            .await
            .expect("started");
        ids.push(id);
    }
    ids
}

/// How many have succeeded (0 while the store does not answer).
pub async fn succeeded(client: &Engine) -> usize {
    let f = ListFilter {
        status: Some(Status::Succeeded),
        max_results: 1000,
        next_token: None,
        redrive: None,
        name_contains: None,
    };
    client
        .list_executions("ten", f)
        .await
        .map_or(0, |p| p.executions.len())
}

/// Every execution's history: every state entered once, ids in sequence, succeeded.
pub async fn check_histories(client: &Engine, ids: &[ExecutionId]) {
    for id in ids {
        let h = client.history(id).await.expect("history");
        let mut entered: HashMap<String, usize> = HashMap::new();
        for (i, e) in h.iter().enumerate() {
            assert_eq!(e.id, i as u64 + 1, "{id}");
            if e.kind.ends_with("StateEntered") {
                *entered
                    .entry(e.state.clone().unwrap_or_default())
                    .or_default() += 1;
            }
        }
        assert_eq!(entered.len(), 10, "{id}: {entered:?}");
        assert!(
            entered.values().all(|n| *n == 1),
            "{id}: a state entered twice"
        );
        assert_eq!(
            h.last().map(|e| e.kind.as_str()),
            Some("ExecutionSucceeded")
        );
        assert_eq!(h.len(), 10 * 2 + 5 * 3 + 2);
    }
}

/// Task calls by `<execution name> <state>`, from the workers' logs.
pub fn task_calls(logs: &[&Path]) -> HashMap<String, usize> {
    let mut calls: HashMap<String, usize> = HashMap::new();
    for log in logs {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines() {
            let key = line.split_once(' ').map_or(line, |(_, k)| k);
            *calls.entry(key.to_string()).or_default() += 1;
        }
    }
    calls
}

/// Asserts every task of `n` executions ran at least once and at most `most` times; returns
/// how many ran more than once.
pub fn check_task_calls(calls: &HashMap<String, usize>, n: usize, most: usize) -> usize {
    let missing: Vec<String> = (0..n)
        .flat_map(|i| (1..=5).map(move |t| format!("e{i} T{t}")))
        .filter(|k| !calls.contains_key(k))
        .take(5)
        .collect();
    assert!(missing.is_empty(), "tasks that never ran: {missing:?}");
    let over: Vec<_> = calls.iter().filter(|(_, c)| **c > most).take(5).collect();
    assert!(
        over.is_empty(),
        "tasks that ran more than {most} times: {over:?}"
    );
    calls.values().filter(|c| **c > 1).count()
}
