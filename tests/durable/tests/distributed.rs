//! Distributed Maps on the durable engine (MAP-17, MAP-24, EXEC-6, EXEC-10): a top-level
//! Distributed Map's STANDARD children are stored executions of its Map Run, run by any worker
//! on the store; the same tests run on SQLite (a file, shared by two engines where a test
//! needs a second process) and Postgres (`ASL_TEST_POSTGRES_URL`; skipped with a message
//! without it, a failure with `ASL_REQUIRE_SERVICES=1`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asl_runtime::durable::ListFilter;
use asl_runtime::store::{PostgresStore, SqliteStore, Store};
use asl_runtime::{Engine, MapRunStatus, StartOptions, Status, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod fan {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "Label": "Kids",
            "MaxConcurrency": 2,
            "ToleratedFailureCountPath": "$.tolerated",
            "ItemsPath": "$.items",
            "ItemSelector": {"n.$": "$$.Map.Item.Value"},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Prepare",
                "States": {
                    "Prepare": {"Type": "Pass", "Parameters": {"n.$": "$.n", "me.$": "$$.Execution.Name", "machine.$": "$$.StateMachine.Name"}, "Next": "Work"},
                    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
                }
            },
            "End": true
        }
    }
});

/// The children's Task: `n * 10`; fails once for items in `fail_once`; waits on `gate` for
/// items at or above `gate_from`; counts runs per item, and how many run at once.
#[derive(Default)]
struct Work {
    runs: Mutex<HashMap<i64, usize>>,
    by_worker: Mutex<HashMap<String, usize>>,
    fail_once: Mutex<Vec<i64>>,
    fail_always: Vec<i64>,
    gate_from: Option<i64>,
    gate: tokio::sync::Notify,
    now: AtomicUsize,
    most: AtomicUsize,
    /// A worker whose children take longer, so that another worker's claims win some races.
    slow_worker: Option<&'static str>,
}

struct Handlers(Arc<Work>, String);

impl fan::Tasks for Handlers {
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let w = &self.0;
        let n = input["n"].as_i64().unwrap_or_default();
        *w.runs.lock().unwrap().entry(n).or_default() += 1;
        *w.by_worker
            .lock()
            .unwrap()
            .entry(self.1.clone())
            .or_default() += 1;
        let now = w.now.fetch_add(1, Ordering::SeqCst) + 1;
        w.most.fetch_max(now, Ordering::SeqCst);
        if w.gate_from.is_some_and(|g| n >= g) {
            w.gate.notified().await;
        }
        let pause = if w.slow_worker == Some(self.1.as_str()) {
            400
        } else {
            50
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        w.now.fetch_sub(1, Ordering::SeqCst);
        let fail = {
            let mut f = w.fail_once.lock().unwrap();
            f.iter()
                .position(|x| *x == n)
                .map(|i| f.remove(i))
                .is_some()
        };
        if fail || w.fail_always.contains(&n) {
            return Err(TaskError::new("Flaky", format!("item {n}")));
        }
        // What the child saw of itself (MAP-17): its own name and `<machine>/<label>`.
        Ok(json!({"n": n * 10, "me": input["me"], "machine": input["machine"]}))
    }
}

#[derive(Clone)]
enum Backend {
    Sqlite(std::path::PathBuf),
    Postgres(String, String),
}

impl Backend {
    fn sqlite() -> Backend {
        let dir = std::env::temp_dir().join(format!("asl-dmap-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        Backend::Sqlite(dir)
    }

    fn postgres() -> Option<Backend> {
        asl_durable_tests::postgres_url("the Distributed Map suite on Postgres")
            .map(|url| Backend::Postgres(url, format!("dm{}", unique().replace('-', "_"))))
    }

    async fn store(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(dir) => Arc::new(SqliteStore::open(dir.join("s.db")).await.unwrap()),
            Backend::Postgres(url, schema) => {
                Arc::new(PostgresStore::connect_schema(url, schema).await.unwrap())
            }
        }
    }
}

fn unique() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(b) = super::Backend::postgres() {
                        super::$name(b).await;
                    }
                }
            )*
        }
    };
}

suite!(
    children_are_stored_executions_of_the_map_run,
    another_worker_runs_children,
    stopping_the_parent_aborts_the_map_run_and_its_children,
    redriving_the_parent_runs_only_the_failed_children_again,
    tolerated_failures_decide_the_outcome,
    a_halted_parent_resumes_its_map_run_elsewhere,
    results_written_after_a_restart_include_earlier_children,
    waiting_children_are_looked_at_by_one_poll,
);

async fn engine(store: Arc<dyn Store>, work: &Arc<Work>, worker: &str) -> Engine {
    engine_polling(store, work, worker, Duration::from_millis(20)).await
}

async fn engine_polling(
    store: Arc<dyn Store>,
    work: &Arc<Work>,
    worker: &str,
    poll: Duration,
) -> Engine {
    Engine::builder()
        .store(store)
        .workflow(
            "fan",
            fan::Workflow::new(Handlers(Arc::clone(work), worker.to_string())),
        )
        .worker_id(worker)
        .poll_interval(poll)
        .lease_timeout(Duration::from_secs(2))
        .build()
        .await
        .unwrap()
}

fn input(items: &[i64], tolerated: u64) -> Value {
    json!({"items": items, "tolerated": tolerated})
}

async fn wait(
    e: &Engine,
    id: &asl_runtime::ExecutionId,
) -> Result<Value, asl_runtime::ExecutionError> {
    tokio::time::timeout(Duration::from_secs(60), e.wait(id))
        .await
        .expect("the execution ends within a minute")
}

async fn children(e: &Engine, map_run: &str) -> Vec<asl_runtime::durable::Description> {
    let mut out = Vec::new();
    let page = e
        .list_map_run_executions(map_run, ListFilter::default())
        .await
        .unwrap();
    for id in page.executions.iter().map(|d| d.execution_id.clone()) {
        out.push(e.describe(&id).await.unwrap());
    }
    out
}

/// MAP-17: each item runs as a stored child execution of the Map Run, with its own history,
/// name and `<machine>/<label>` state machine; MaxConcurrency holds; the Map Run is described
/// with its counts.
async fn children_are_stored_executions_of_the_map_run(b: Backend) {
    let work = Arc::new(Work::default());
    let e = engine(b.store().await, &work, "w").await;
    let id = e
        .start(
            "fan",
            input(&[1, 2, 3, 4, 5], 0),
            StartOptions::default().name("p"),
        )
        .await
        .unwrap();
    let out = wait(&e, &id).await.unwrap();
    let ns: Vec<Value> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["n"].clone())
        .collect();
    assert_eq!(
        ns,
        vec![json!(10), json!(20), json!(30), json!(40), json!(50)]
    );
    assert!(work.most.load(Ordering::SeqCst) <= 2, "MaxConcurrency 2");
    let runs = e.list_map_runs(&id).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.status, MapRunStatus::Succeeded);
    assert!(
        run.map_run_arn.contains(":mapRun:fan/Kids:"),
        "{}",
        run.map_run_arn
    );
    assert_eq!(run.execution_counts.total, 5);
    assert_eq!(run.execution_counts.succeeded, 5);
    assert_eq!(run.item_counts.succeeded, 5);
    assert_eq!(run.max_concurrency, 2);
    let described = e.describe_map_run(&run.map_run_arn).await.unwrap();
    assert_eq!(described.to_json()["status"], "SUCCEEDED");
    let kids = children(&e, &run.map_run_arn).await;
    assert_eq!(kids.len(), 5);
    for kid in &kids {
        assert_eq!(kid.status, Status::Succeeded);
        assert_eq!(kid.map_run_arn.as_deref(), Some(run.map_run_arn.as_str()));
        assert!(kid.state_machine_arn.ends_with(":stateMachine:fan/Kids"));
        assert!(
            kid.execution_id
                .to_string()
                .contains(":execution:fan/Kids:")
        );
        let out = kid.output.clone().unwrap();
        assert_eq!(out["me"], json!(kid.name));
        assert_eq!(out["machine"], "fan/Kids");
        let history = e.history(&kid.execution_id).await.unwrap();
        let kinds: Vec<&str> = history.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(kinds.first(), Some(&"ExecutionStarted"));
        assert_eq!(kinds.last(), Some(&"ExecutionSucceeded"));
        assert!(kinds.contains(&"TaskStateEntered"));
    }
    let parent: Vec<String> = e
        .history(&id)
        .await
        .unwrap()
        .iter()
        .map(|h| h.kind.clone())
        .collect();
    assert!(parent.contains(&"MapRunStarted".to_string()));
    assert!(parent.contains(&"MapRunSucceeded".to_string()));
    // A child's events are in its own history, not the parent's.
    assert!(!parent.contains(&"TaskStateEntered".to_string()));
    // Children are not started on their own.
    let err = e
        .start("fan#Fan", json!({}), StartOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "StateMachineDoesNotExist");
}

/// MAP-17: a second worker on the same store claims children of a Map Run it did not start.
async fn another_worker_runs_children(b: Backend) {
    // The parent's worker also claims children while it waits: it looks for them less often
    // and its own take longer, so the other worker's claims are not all lost to it.
    let work = Arc::new(Work {
        slow_worker: Some("a"),
        ..Default::default()
    });
    let store = b.store().await;
    let a = engine_polling(Arc::clone(&store), &work, "a", Duration::from_secs(1)).await;
    let other = engine(b.store().await, &work, "b").await;
    let worker = {
        let other = other.clone();
        tokio::spawn(async move { other.run().await })
    };
    let items: Vec<i64> = (1..=12).collect();
    let id = a
        .start("fan", input(&items, 0), StartOptions::default())
        .await
        .unwrap();
    wait(&a, &id).await.unwrap();
    other.shutdown();
    worker.await.unwrap().unwrap();
    let by = work.by_worker.lock().unwrap().clone();
    assert_eq!(by.values().sum::<usize>(), 12, "{by:?}");
    assert!(
        by.get("b").copied().unwrap_or(0) > 0,
        "worker b ran children: {by:?}"
    );
    assert!(work.runs.lock().unwrap().values().all(|&n| n == 1));
}

/// EXEC-6: stopping the parent aborts its Map Run and the children still running.
async fn stopping_the_parent_aborts_the_map_run_and_its_children(b: Backend) {
    let work = Arc::new(Work {
        gate_from: Some(1),
        ..Default::default()
    });
    let e = engine(b.store().await, &work, "w").await;
    let id = e
        .start("fan", input(&[1, 2, 3], 0), StartOptions::default())
        .await
        .unwrap();
    // Two children wait on the gate (MaxConcurrency 2).
    for _ in 0..500 {
        if work.now.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    e.stop(&id, Some("Halt"), Some("enough")).await.unwrap();
    assert_eq!(e.describe(&id).await.unwrap().status, Status::Aborted);
    let run = &e.list_map_runs(&id).await.unwrap()[0];
    assert_eq!(run.status, MapRunStatus::Aborted);
    let kids = children(&e, &run.map_run_arn).await;
    assert_eq!(kids.len(), 2);
    assert!(kids.iter().all(|k| k.status == Status::Aborted), "{kids:?}");
    let kinds: Vec<String> = e
        .history(&id)
        .await
        .unwrap()
        .iter()
        .map(|h| h.kind.clone())
        .collect();
    let n = kinds.len();
    assert_eq!(
        kinds[n - 2..],
        ["MapRunAborted", "ExecutionAborted"],
        "{kinds:?}"
    );
}

/// EXEC-10, MAP-14: a redriven parent redrives its Map Run: only the children that failed run
/// again, and the history says `MapRunRedriven`.
async fn redriving_the_parent_runs_only_the_failed_children_again(b: Backend) {
    let work = Arc::new(Work {
        fail_once: Mutex::new(vec![3]),
        ..Default::default()
    });
    let e = engine(b.store().await, &work, "w").await;
    let id = e
        .start("fan", input(&[1, 2, 3, 4], 0), StartOptions::default())
        .await
        .unwrap();
    let err = wait(&e, &id).await.unwrap_err();
    // `ToleratedFailureCountPath` resolving to 0 is a threshold: exceeded by one failure.
    assert_eq!(err.error(), Some("States.ExceedToleratedFailureThreshold"));
    let run = e.list_map_runs(&id).await.unwrap()[0].clone();
    assert_eq!(run.status, MapRunStatus::Failed);
    e.redrive(&id).await.unwrap();
    let out = wait(&e, &id).await.unwrap();
    assert_eq!(out.as_array().unwrap().len(), 4);
    let runs = work.runs.lock().unwrap().clone();
    assert_eq!(runs[&3], 2, "the failed child ran again");
    assert_eq!(runs[&1], 1, "a succeeded child did not");
    let after = e.describe_map_run(&run.map_run_arn).await.unwrap();
    assert_eq!(after.status, MapRunStatus::Succeeded);
    assert_eq!(after.redrive_count, 1);
    let kinds: Vec<String> = e
        .history(&id)
        .await
        .unwrap()
        .iter()
        .map(|h| h.kind.clone())
        .collect();
    assert!(kinds.contains(&"MapRunRedriven".to_string()), "{kinds:?}");
}

/// MAP-24: failed children within `ToleratedFailureCount` leave the Map succeeding, beyond it
/// the Map fails with `States.ExceedToleratedFailureThreshold`.
async fn tolerated_failures_decide_the_outcome(b: Backend) {
    let work = Arc::new(Work {
        fail_always: vec![2, 4],
        ..Default::default()
    });
    let e = engine(b.store().await, &work, "w").await;
    let ok = e
        .start("fan", input(&[1, 2, 3, 4], 2), StartOptions::default())
        .await
        .unwrap();
    let out = wait(&e, &ok).await.unwrap();
    assert_eq!(out[1]["Error"], "Flaky");
    let run = &e.list_map_runs(&ok).await.unwrap()[0];
    assert_eq!(run.execution_counts.failed, 2);
    assert_eq!(run.execution_counts.succeeded, 2);
    let bad = e
        .start("fan", input(&[1, 2, 3, 4], 1), StartOptions::default())
        .await
        .unwrap();
    let err = wait(&e, &bad).await.unwrap_err();
    assert_eq!(err.error(), Some("States.ExceedToleratedFailureThreshold"));
    // The failed Map left no child running: those still running were aborted.
    let run = &e.list_map_runs(&bad).await.unwrap()[0];
    assert_eq!(run.status, MapRunStatus::Failed);
    let kids = children(&e, &run.map_run_arn).await;
    assert!(kids.iter().all(|k| k.status != Status::Running), "{kids:?}");
}

/// A parent whose worker dies resumes on another worker and continues its Map Run: every
/// item runs in exactly one child, none twice.
async fn a_halted_parent_resumes_its_map_run_elsewhere(b: Backend) {
    let work = Arc::new(Work {
        gate_from: Some(3),
        ..Default::default()
    });
    let first = engine(b.store().await, &work, "a").await;
    let id = first
        .start(
            "fan",
            input(&[1, 2, 3, 4, 5, 6], 0),
            StartOptions::default(),
        )
        .await
        .unwrap();
    for _ in 0..500 {
        if work.now.load(Ordering::SeqCst) >= 1 && work.runs.lock().unwrap().contains_key(&3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.halt();
    drop(first);
    let second = engine(b.store().await, &work, "b").await;
    let worker = {
        let second = second.clone();
        tokio::spawn(async move { second.run().await })
    };
    // Let the gated children through once the new worker has them.
    let opener = {
        let work = Arc::clone(&work);
        tokio::spawn(async move {
            loop {
                work.gate.notify_waiters();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let out = wait(&second, &id).await.unwrap();
    opener.abort();
    second.shutdown();
    let _ = worker.await;
    assert_eq!(out.as_array().unwrap().len(), 6);
    let run = &second.list_map_runs(&id).await.unwrap()[0];
    let kids = children(&second, &run.map_run_arn).await;
    assert_eq!(kids.len(), 6, "one child per item");
    assert!(kids.iter().all(|k| k.status == Status::Succeeded));
}

asl_runtime::asl!(mod export {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 2,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "Work",
                "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}
            },
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}},
            "End": true
        }
    }
});

struct Exporting(Arc<Work>, asl_runtime::items::MemoryObjects);

impl export::Tasks for Exporting {
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let n = input.as_i64().unwrap_or_default();
        *self.0.runs.lock().unwrap().entry(n).or_default() += 1;
        if self.0.gate_from.is_some_and(|g| n >= g) {
            self.0.gate.notified().await;
        }
        Ok(json!(n * 10))
    }
    fn write_each(
        &self,
        object: asl_runtime::items::PutObject,
    ) -> asl_runtime::items::ObjectFuture<'_, ()> {
        asl_runtime::items::write(&self.1, object)
    }
}

/// MAP-23 on the durable engine: a Map resumed after its worker stopped writes the results of
/// the children that ended before the restart (committed with the parent) with the others.
async fn results_written_after_a_restart_include_earlier_children(b: Backend) {
    let work = Arc::new(Work {
        gate_from: Some(3),
        ..Default::default()
    });
    let objects = asl_runtime::items::MemoryObjects::new();
    objects.create_bucket("out");
    let build = |store: Arc<dyn Store>, worker: &str| {
        Engine::builder()
            .store(store)
            .workflow(
                "export",
                export::Workflow::new(Exporting(Arc::clone(&work), objects.clone())),
            )
            .worker_id(worker)
            .poll_interval(Duration::from_millis(20))
            .lease_timeout(Duration::from_secs(1))
            .build()
    };
    let first = build(b.store().await, "a").await.unwrap();
    let id = first
        .start(
            "export",
            json!({"items": [1, 2, 3, 4]}),
            StartOptions::default(),
        )
        .await
        .unwrap();
    // Items 1 and 2 end (and are committed); 3 waits at the gate.
    for _ in 0..500 {
        if work.runs.lock().unwrap().contains_key(&3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    first.halt();
    drop(first);
    let second = build(b.store().await, "b").await.unwrap();
    let worker = {
        let second = second.clone();
        tokio::spawn(async move { second.run().await })
    };
    let opener = {
        let work = Arc::clone(&work);
        tokio::spawn(async move {
            loop {
                work.gate.notify_waiters();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let out = wait(&second, &id).await.unwrap();
    opener.abort();
    second.shutdown();
    let _ = worker.await;
    let key = out["ResultWriterDetails"]["Key"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest: Value = serde_json::from_slice(&objects.get("out", &key).unwrap()).unwrap();
    let file = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap()
        .to_string();
    let entries: Value = serde_json::from_slice(&objects.get("out", &file).unwrap()).unwrap();
    let outputs: Vec<String> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Output"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outputs, ["10", "20", "30", "40"]);
    // Items that ended before the restart did not run again.
    assert_eq!(work.runs.lock().unwrap()[&1], 1);
}

/// A parent waiting on its Map Run's children, run by another worker, does not read each
/// child over and over: its engine asks the store every poll interval which of the children
/// waited on here ended, in one call (each wait read its child with a backoff before: about
/// 4 reads each in 1.5 s with a 100 ms poll), and so finds them ended within a few polls (its
/// own wait would look only after a minute). The parent then succeeds.
async fn waiting_children_are_looked_at_by_one_poll(b: Backend) {
    let work = Arc::new(Work {
        gate_from: Some(0),
        ..Default::default()
    });
    let counting =
        Arc::new(asl_durable_tests::counting::CountingStore::leaving_children(b.store().await));
    let store = Arc::clone(&counting) as Arc<dyn Store>;
    let a = engine_polling(store, &work, "a", Duration::from_millis(100)).await;
    let other = engine(b.store().await, &work, "b").await;
    let worker = {
        let other = other.clone();
        tokio::spawn(async move { other.run().await })
    };
    let id = a
        .start("fan", input(&[1, 2], 0), StartOptions::default())
        .await
        .unwrap();
    // Both children (MaxConcurrency 2) wait at the gate, on worker b.
    for _ in 0..500 {
        if work.now.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        work.now.load(Ordering::SeqCst),
        2,
        "the children did not start"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (before, polls) = (counting.gets(), counting.running_polls());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let reads = counting.gets() - before;
    assert!(
        reads <= 1,
        "{reads} reads of executions while 2 children ran"
    );
    let polls = counting.running_polls() - polls;
    assert!(polls >= 5, "{polls} polls in 1.5 s");
    work.gate.notify_waiters();
    let out = tokio::time::timeout(Duration::from_secs(10), a.wait(&id))
        .await
        .expect("the parent saw its children end")
        .unwrap();
    assert_eq!(out[0]["n"], json!(10));
    assert_eq!(out[1]["n"], json!(20));
    assert_eq!(work.by_worker.lock().unwrap().get("b"), Some(&2));
    other.shutdown();
    worker.await.unwrap().unwrap();
}
