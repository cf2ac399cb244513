//! Durable executions through the public API (EXEC-1, EXEC-3..8, EXEC-10, TASK-4), on a
//! paused clock; the same suite runs on each store: `sqlite::…` on a file (shared by two
//! engines where a test needs a second "process"), `postgres::…` on the server named by
//! `ASL_TEST_POSTGRES_URL` (a schema per test). Without that variable the Postgres tests are
//! skipped with a printed reason, except with `ASL_REQUIRE_SERVICES=1` (`.ci/run` sets it), where
//! that is a failure.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asl_runtime::durable::ListFilter;
use asl_runtime::store::{PostgresStore, SqliteStore, Store};
use asl_runtime::{Engine, EngineError, StartOptions, Status, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod flow {
    "StartAt": "Prepare",
    "States": {
        "Prepare": { "Type": "Pass", "Result": 1, "ResultPath": "$.step", "Next": "Charge" },
        "Charge": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "ResultPath": "$.charge", "Next": "Pause" },
        "Pause": { "Type": "Wait", "Seconds": 3600, "Next": "Items" },
        "Items": { "Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.results",
                   "ItemProcessor": { "StartAt": "Work", "States": {
                       "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
                   "Next": "Both" },
        "Both": { "Type": "Parallel", "ResultPath": "$.both", "Branches": [
            { "StartAt": "Left", "States": { "Left": { "Type": "Pass", "Result": "L", "End": true } } },
            { "StartAt": "Right", "States": { "Right": { "Type": "Pass", "Result": "R", "End": true } } }
        ], "Next": "Done" },
        "Done": { "Type": "Succeed" }
    }
});

/// Counts invocations; `Work` fails for items listed in `fail_once` the first time, and
/// waits on `gate` for items at or above `gate_from`.
#[derive(Default)]
struct Counting {
    charge: AtomicUsize,
    work: Mutex<HashMap<i64, usize>>,
    fail_once: Mutex<Vec<i64>>,
    gate_from: Option<i64>,
    gate: tokio::sync::Notify,
}

impl flow::Tasks for Arc<Counting> {
    async fn charge(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.charge.fetch_add(1, Ordering::SeqCst);
        Ok(json!("charged"))
    }
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let n = input.as_i64().unwrap_or_default();
        *self.work.lock().unwrap().entry(n).or_default() += 1;
        if self.gate_from.is_some_and(|g| n >= g) {
            self.gate.notified().await;
        }
        let fail = {
            let mut f = self.fail_once.lock().unwrap();
            f.iter()
                .position(|x| *x == n)
                .map(|i| f.remove(i))
                .is_some()
        };
        if fail {
            // Late enough for the other iterations to have finished (and been committed):
            // the failure cancels iterations still running, which a redrive runs again.
            tokio::time::sleep(Duration::from_secs(1)).await;
            return Err(TaskError::new("Flaky", format!("item {n}")));
        }
        Ok(json!(n * 10))
    }
}

fn input() -> Value {
    json!({"items": [1, 2, 3, 4, 5, 6]})
}

fn expected() -> Value {
    json!({"items": [1, 2, 3, 4, 5, 6], "step": 1, "charge": "charged",
           "results": [10, 20, 30, 40, 50, 60], "both": ["L", "R"]})
}

/// A store engine for the suite.
#[derive(Clone)]
enum Backend {
    Sqlite(std::path::PathBuf),
    Postgres(String, String),
}

impl Backend {
    fn sqlite() -> Backend {
        Backend::Sqlite(tempdir())
    }

    fn postgres() -> Option<Backend> {
        asl_durable_tests::postgres_url("the Postgres suite")
            .map(|url| Backend::Postgres(url, format!("t{}", uuid_like().replace('-', "_"))))
    }

    /// The store called `name` (engines opening the same name share it).
    async fn store(&self, name: &str) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(dir) => Arc::new(
                SqliteStore::open(dir.join(format!("{name}.db")))
                    .await
                    .unwrap(),
            ),
            Backend::Postgres(url, schema) => Arc::new(
                PostgresStore::connect_schema(url, &format!("{schema}_{name}"))
                    .await
                    .unwrap(),
            ),
        }
    }
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(start_paused = true)]
                async fn $name() {
                    super::$name(super::Backend::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(start_paused = true)]
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
    runs_to_the_end_with_the_same_history_as_in_memory,
    idempotent_start_by_name,
    a_durable_wait_continues_with_the_time_left_after_a_restart,
    finished_map_iterations_are_not_run_again_after_a_restart,
    stop_aborts_with_error_and_cause,
    redrive_continues_from_the_failed_state_keeping_finished_iterations,
    callbacks_complete_from_another_engine_on_the_same_store,
    the_history_quota_fails_the_execution_as_aws_does,
    list_express_and_paging,
    a_retry_backoff_continues_after_a_restart,
    large_payloads_are_stored_once,
);

async fn engine(store: Arc<dyn Store>, tasks: Arc<Counting>, worker: &str) -> Engine {
    Engine::builder()
        .store(store)
        .workflow("flow", flow::Workflow::new(tasks))
        .worker_id(worker)
        .lease_timeout(Duration::from_secs(10))
        .build()
        .await
        .unwrap()
}

fn kinds(h: &[asl_runtime::durable::HistoryEvent]) -> Vec<String> {
    h.iter().map(|e| e.kind.clone()).collect()
}

async fn runs_to_the_end_with_the_same_history_as_in_memory(b: Backend) {
    let tasks = Arc::new(Counting::default());
    let e = engine(b.store("main").await, Arc::clone(&tasks), "w").await;
    let id = e
        .start("flow", input(), StartOptions::default().name("one"))
        .await
        .unwrap();
    assert_eq!(
        id.to_string(),
        "arn:aws:states:us-east-1:123456789012:execution:flow:one"
    );
    assert_eq!(
        id.to_string().parse::<asl_runtime::ExecutionId>().unwrap(),
        id
    );
    assert_eq!(e.wait(&id).await.unwrap(), expected());
    let d = e.describe(&id).await.unwrap();
    assert_eq!(d.status, Status::Succeeded);
    assert_eq!(d.output, Some(expected()));
    assert!((d.stop_date.unwrap() - d.start_date).num_seconds() >= 3600);
    let history = e.history(&id).await.unwrap();
    let memory = flow::Workflow::new(Arc::new(Counting::default()))
        .run_recorded(input(), asl_runtime::RunOptions::default())
        .await;
    let mut ours = kinds(&history);
    let mut theirs: Vec<String> = memory.history.iter().map(|e| e.kind.to_string()).collect();
    assert_eq!(ours.len(), theirs.len());
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    for (i, ev) in history.iter().enumerate() {
        assert_eq!(ev.id, i as u64 + 1);
    }
    assert_eq!(history[0].to_json()["type"], "ExecutionStarted");
    assert_eq!(history[0].to_json()["previousEventId"], 0);
    // As AWS: the first state's entry links to nothing, the next events to the one before.
    assert_eq!(history[1].previous_event_id, 0);
    assert_eq!(history[2].previous_event_id, 2);
    let entered = history[1].to_json();
    assert_eq!(entered["type"], "PassStateEntered");
    assert_eq!(entered["stateEnteredEventDetails"]["name"], "Prepare");
    assert_eq!(
        entered["stateEnteredEventDetails"]["input"],
        serde_json::Value::String(input().to_string())
    );
}

async fn idempotent_start_by_name(b: Backend) {
    // EXEC-3, EXEC-4
    let tasks = Arc::new(Counting::default());
    let e = engine(b.store("main").await, tasks, "w").await;
    let a = e
        .start("flow", input(), StartOptions::default().name("same"))
        .await
        .unwrap();
    let b = e
        .start("flow", input(), StartOptions::default().name("same"))
        .await
        .unwrap();
    assert_eq!(a, b);
    let other = e
        .start(
            "flow",
            json!({"items": []}),
            StartOptions::default().name("same"),
        )
        .await
        .unwrap_err();
    assert_eq!(other.name(), "ExecutionAlreadyExists");
    e.wait(&a).await.unwrap();
    let closed = e
        .start("flow", input(), StartOptions::default().name("same"))
        .await
        .unwrap_err();
    assert!(matches!(closed, EngineError::ExecutionAlreadyExists(_)));
    for bad in ["", "has space", "a/b", "x:y", &"n".repeat(81)] {
        let err = e
            .start("flow", input(), StartOptions::default().name(bad))
            .await
            .unwrap_err();
        assert_eq!(err.name(), "InvalidName", "{bad:?}");
    }
    let err = e
        .start("nope", input(), StartOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "StateMachineDoesNotExist");
}

async fn a_durable_wait_continues_with_the_time_left_after_a_restart(b: Backend) {
    let tasks = Arc::new(Counting::default());
    let first = engine(b.store("shared").await, Arc::clone(&tasks), "a").await;
    let id = first
        .start("flow", input(), StartOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1800)).await;
    first.halt();
    assert_eq!(first.describe(&id).await.unwrap().status, Status::Running);
    // Another worker takes over once the first one's lease expired.
    let second = engine(b.store("shared").await, Arc::clone(&tasks), "b").await;
    let worker = second.clone();
    tokio::spawn(async move { worker.run().await });
    assert_eq!(second.wait(&id).await.unwrap(), expected());
    let h = second.history(&id).await.unwrap();
    let entered = h
        .iter()
        .find(|e| e.kind == "WaitStateEntered")
        .unwrap()
        .timestamp;
    let exited = h
        .iter()
        .find(|e| e.kind == "WaitStateExited")
        .unwrap()
        .timestamp;
    let waited = (exited - entered).num_seconds();
    assert!((3600..3620).contains(&waited), "waited {waited} s");
    // Every transition once; the Task before the Wait ran once.
    assert_eq!(h.iter().filter(|e| e.kind == "WaitStateEntered").count(), 1);
    assert_eq!(h.iter().filter(|e| e.kind == "TaskStateEntered").count(), 7);
    assert_eq!(tasks.charge.load(Ordering::SeqCst), 1);
    for (i, ev) in h.iter().enumerate() {
        assert_eq!(ev.id, i as u64 + 1);
    }
}

async fn finished_map_iterations_are_not_run_again_after_a_restart(b: Backend) {
    let tasks = Arc::new(Counting {
        gate_from: Some(4),
        ..Default::default()
    });
    let first = engine(b.store("shared").await, Arc::clone(&tasks), "a").await;
    let id = first
        .start("flow", input(), StartOptions::default())
        .await
        .unwrap();
    // Items 1-3 finish; 4-6 wait on the gate.
    tokio::time::sleep(Duration::from_secs(3700)).await;
    first.halt();
    assert_eq!(tasks.work.lock().unwrap().len(), 6);
    tasks.gate.notify_waiters();
    let second = Engine::builder()
        .store(b.store("shared").await)
        .workflow(
            "flow",
            flow::Workflow::new(Arc::clone(&tasks) as Arc<Counting>),
        )
        .worker_id("a") // the same worker restarted takes its executions back at once
        .build()
        .await
        .unwrap();
    let worker = second.clone();
    tokio::spawn(async move { worker.run().await });
    let gate = Arc::clone(&tasks);
    let opener = tokio::spawn(async move {
        loop {
            gate.gate.notify_waiters();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert_eq!(second.wait(&id).await.unwrap(), expected());
    opener.abort();
    let work = tasks.work.lock().unwrap().clone();
    for i in 1..=3 {
        assert_eq!(work[&i], 1, "item {i} ran again");
    }
    for i in 4..=6 {
        assert_eq!(work[&i], 2, "item {i}");
    }
    let h = second.history(&id).await.unwrap();
    assert_eq!(
        h.iter().filter(|e| e.kind == "MapIterationStarted").count(),
        6
    );
    assert_eq!(
        h.iter()
            .filter(|e| e.kind == "MapIterationSucceeded")
            .count(),
        6
    );
    assert_eq!(h.iter().filter(|e| e.kind == "MapStateEntered").count(), 1);
}

async fn stop_aborts_with_error_and_cause(b: Backend) {
    // EXEC-6
    let e = engine(b.store("main").await, Arc::new(Counting::default()), "w").await;
    let id = e
        .start("flow", input(), StartOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    e.stop(&id, Some("Manual"), Some("probe")).await.unwrap();
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!(err.status(), Status::Aborted);
    assert_eq!(err.error(), Some("Manual"));
    assert_eq!(err.cause(), Some("probe"));
    let h = e.history(&id).await.unwrap();
    assert_eq!(h.last().unwrap().kind, "ExecutionAborted");
    assert_eq!(h.last().unwrap().previous_event_id, 0);
    let unknown: asl_runtime::ExecutionId =
        "arn:aws:states:us-east-1:123456789012:execution:flow:nope"
            .parse()
            .unwrap();
    assert_eq!(
        e.stop(&unknown, None, None).await.unwrap_err().name(),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        e.describe(&unknown).await.unwrap_err().name(),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        "not-an-arn"
            .parse::<asl_runtime::ExecutionId>()
            .unwrap_err()
            .name(),
        "InvalidArn"
    );
}

async fn redrive_continues_from_the_failed_state_keeping_finished_iterations(b: Backend) {
    // EXEC-10
    let tasks = Arc::new(Counting {
        fail_once: Mutex::new(vec![5]),
        ..Default::default()
    });
    let e = engine(b.store("main").await, Arc::clone(&tasks), "w").await;
    let id = e
        .start("flow", input(), StartOptions::default())
        .await
        .unwrap();
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!(err.error(), Some("Flaky"));
    e.redrive(&id).await.unwrap();
    assert_eq!(e.wait(&id).await.unwrap(), expected());
    let d = e.describe(&id).await.unwrap();
    assert_eq!(d.redrive_count, 1);
    assert!(d.redrive_date.is_some());
    // The Task before the Map and the Map's other iterations did not run again.
    assert_eq!(tasks.charge.load(Ordering::SeqCst), 1);
    let work = tasks.work.lock().unwrap().clone();
    assert_eq!(work[&5], 2);
    assert_eq!(work.values().sum::<usize>(), 7);
    let k = kinds(&e.history(&id).await.unwrap());
    let failed = k.iter().position(|k| k == "ExecutionFailed").unwrap();
    assert_eq!(k[failed + 1], "ExecutionRedriven");
    assert_eq!(k.last().unwrap(), "ExecutionSucceeded");
    let again = e.redrive(&id).await.unwrap_err();
    assert_eq!(again.name(), "ExecutionNotRedrivable");
}

asl_runtime::asl!(mod callback {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "HeartbeatSeconds": 60, "End": true }
    }
});

struct Asker(tokio::sync::mpsc::UnboundedSender<(String, String)>);

impl callback::Tasks for Asker {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let _ = self.0.send((
            ctx.task_token().unwrap_or_default().to_string(),
            ctx.idempotency_key(),
        ));
        // What the queue answered: recorded as the TaskSubmitted output.
        Ok(json!({"MessageId": "m-1"}))
    }
}

async fn callback_engine(
    store: Arc<dyn Store>,
) -> (
    Engine,
    tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let e = Engine::builder()
        .store(store)
        .workflow("callback", callback::Workflow::new(Asker(tx)))
        .poll_interval(Duration::from_millis(50))
        .build()
        .await
        .unwrap();
    (e, rx)
}

async fn callbacks_complete_from_another_engine_on_the_same_store(b: Backend) {
    // TASK-4
    let (e, mut tokens) = callback_engine(b.store("shared").await).await;
    let (other, _) = callback_engine(b.store("shared").await).await;
    let id = e
        .start("callback", json!({}), StartOptions::default())
        .await
        .unwrap();
    let (token, key) = tokens.recv().await.unwrap();
    assert_eq!(token.len(), 64);
    assert!(key.starts_with(id.as_str()));
    tokio::time::sleep(Duration::from_secs(30)).await;
    other.send_task_heartbeat(&token).await.unwrap();
    tokio::time::sleep(Duration::from_secs(50)).await;
    other
        .send_task_success(&token, json!({"ok": true}))
        .await
        .unwrap();
    assert_eq!(e.wait(&id).await.unwrap(), json!({"ok": true}));
    let submitted = other
        .history(&id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "TaskSubmitted")
        .unwrap();
    assert_eq!(
        submitted.to_json()["taskSubmittedEventDetails"]["output"],
        json!("{\"MessageId\":\"m-1\"}")
    );
    let late = other.send_task_success(&token, json!(1)).await.unwrap_err();
    assert_eq!(late.name(), "TaskTimedOut");
    assert_eq!(
        late.to_string(),
        "TaskTimedOut: Task Timed Out: 'Provided task does not exist anymore'"
    );
    let unknown = other
        .send_task_success("NoSuchTaskToken", json!(1))
        .await
        .unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "InvalidToken: Invalid Token: 'Invalid token'"
    );
    let unknown = other
        .send_task_failure(&"0".repeat(64), None, None)
        .await
        .unwrap_err();
    assert_eq!(unknown.name(), "InvalidToken");

    // A failure from outside fails the task with its error.
    let id = e
        .start("callback", json!({}), StartOptions::default())
        .await
        .unwrap();
    let (token, _) = tokens.recv().await.unwrap();
    other
        .send_task_failure(&token, Some("Rejected"), Some("no"))
        .await
        .unwrap();
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!((err.error(), err.cause()), (Some("Rejected"), Some("no")));

    // No heartbeat within HeartbeatSeconds: States.Timeout, as AWS records it.
    let id = e
        .start("callback", json!({}), StartOptions::default())
        .await
        .unwrap();
    let (token, _) = tokens.recv().await.unwrap();
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!(err.error(), Some("States.Timeout"));
    assert_eq!(
        other
            .send_task_success(&token, json!(1))
            .await
            .unwrap_err()
            .name(),
        "TaskTimedOut"
    );
}

asl_runtime::asl!(mod spin {
    "StartAt": "Again",
    "States": {
        "Again": { "Type": "Pass", "Next": "Check" },
        "Check": { "Type": "Choice", "Default": "Again",
                   "Choices": [{ "Variable": "$.stop", "IsPresent": true, "Next": "Done" }] },
        "Done": { "Type": "Succeed" }
    }
});

struct NoTasks;
impl spin::Tasks for NoTasks {}

async fn the_history_quota_fails_the_execution_as_aws_does(b: Backend) {
    let e = Engine::builder()
        .store(b.store("main").await)
        .workflow("spin", spin::Workflow::new(NoTasks))
        .history_quota(100)
        .build()
        .await
        .unwrap();
    let id = e
        .start("spin", json!({}), StartOptions::default())
        .await
        .unwrap();
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
    assert_eq!(
        err.cause(),
        Some("The execution reached the maximum number of history events (100).")
    );
    let h = e.history(&id).await.unwrap();
    assert!(h.len() <= 100, "{}", h.len());
    assert_eq!(h.last().unwrap().kind, "ExecutionFailed");
}

async fn list_express_and_paging(b: Backend) {
    let e = engine(b.store("main").await, Arc::new(Counting::default()), "w").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            e.start(
                "flow",
                input(),
                StartOptions::default().name(format!("n{i}")),
            )
            .await
            .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for id in &ids[3..] {
        e.stop(id, None, None).await.unwrap();
    }
    for id in &ids[..3] {
        e.wait(id).await.unwrap();
    }
    let all = e
        .list_executions("flow", ListFilter::default())
        .await
        .unwrap();
    assert_eq!(all.executions.len(), 5);
    assert_eq!(all.executions[0].name, "n4");
    let ok = e
        .list_executions("flow", ListFilter::default().status(Status::Succeeded))
        .await
        .unwrap();
    assert_eq!(ok.executions.len(), 3);
    let page = e
        .list_executions(
            "flow",
            ListFilter {
                max_results: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.executions.len(), 2);
    let rest = e
        .list_executions(
            "flow",
            ListFilter {
                max_results: 10,
                next_token: page.next_token.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.executions.len(), 3);
    assert!(rest.next_token.is_none());

    // EXEC-2: Express runs in memory, and at most five minutes: this workflow's hour-long
    // Wait times it out.
    let x = e
        .start("flow", input(), StartOptions::default().express())
        .await
        .unwrap();
    assert!(x.is_express());
    assert_eq!(e.wait(&x).await.unwrap_err().status(), Status::TimedOut);
    let d = e.describe(&x).await.unwrap();
    assert_eq!(d.status, Status::TimedOut);
    assert!(!e.history(&x).await.unwrap().is_empty());
    assert_eq!(
        e.list_executions("flow", ListFilter::default())
            .await
            .unwrap()
            .executions
            .len(),
        5
    );
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("asl-durable-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

asl_runtime::asl!(mod retried {
    "StartAt": "Call",
    "States": {
        "Call": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Retry": [{ "ErrorEquals": ["Busy"], "IntervalSeconds": 3600, "MaxAttempts": 2 }],
                  "End": true }
    }
});

struct FailsOnce(AtomicUsize);

impl retried::Tasks for Arc<FailsOnce> {
    async fn call(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        if ctx.retry_count == 0 {
            return Err(TaskError::new("Busy", "try later"));
        }
        Ok(json!({"attempt": ctx.retry_count}))
    }
}

async fn a_retry_backoff_continues_after_a_restart(b: Backend) {
    // RETRY-*, EXEC-1: the backoff is a durable timer; the failed attempt is not run again.
    let calls = Arc::new(FailsOnce(AtomicUsize::new(0)));
    let build = |store: Arc<dyn Store>, worker: &'static str| {
        let calls = Arc::clone(&calls);
        async move {
            Engine::builder()
                .store(store)
                .workflow("retried", retried::Workflow::new(calls))
                .worker_id(worker)
                .build()
                .await
                .unwrap()
        }
    };
    let first = build(b.store("shared").await, "a").await;
    let id = first
        .start("retried", json!({}), StartOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1800)).await;
    first.halt();
    assert_eq!(calls.0.load(Ordering::SeqCst), 1);
    let second = build(b.store("shared").await, "a").await;
    let worker = second.clone();
    tokio::spawn(async move { worker.run().await });
    assert_eq!(second.wait(&id).await.unwrap(), json!({"attempt": 1}));
    assert_eq!(calls.0.load(Ordering::SeqCst), 2);
    let h = second.history(&id).await.unwrap();
    assert_eq!(
        kinds(&h),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let backoff = (h[5].timestamp - h[4].timestamp).num_seconds();
    assert!((3600..3620).contains(&backoff), "backoff {backoff} s");
}

asl_runtime::asl!(mod long_wait {
    "StartAt": "Nap",
    "States": { "Nap": { "Type": "Wait", "Seconds": 600, "End": true } }
});

struct Sleeper;
impl long_wait::Tasks for Sleeper {}

#[tokio::test(start_paused = true)]
async fn express_executions_end_after_five_minutes() {
    // EXEC-2: Express runs at most 5 minutes; Standard waits as long as it is told.
    let express = asl_runtime::RunOptions {
        express: true,
        ..Default::default()
    };
    let err = long_wait::Workflow::new(Sleeper)
        .run_with(json!({}), express)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Status::TimedOut);
    assert_eq!(
        long_wait::Workflow::new(Sleeper)
            .run(json!({"a": 1}))
            .await
            .unwrap(),
        json!({"a": 1})
    );
    let e = Engine::builder()
        .store(SqliteStore::memory().await.unwrap())
        .workflow("long", long_wait::Workflow::new(Sleeper))
        .build()
        .await
        .unwrap();
    let x = e
        .start("long", json!({}), StartOptions::default().express())
        .await
        .unwrap();
    assert_eq!(e.wait(&x).await.unwrap_err().status(), Status::TimedOut);
    let s = e
        .start("long", json!({}), StartOptions::default())
        .await
        .unwrap();
    assert_eq!(e.wait(&s).await.unwrap(), json!({}));
}

asl_runtime::asl!(mod relay {
    "StartAt": "S0",
    "States": {
        "S0": { "Type": "Pass", "Next": "S1" },
        "S1": { "Type": "Pass", "Next": "S2" },
        "S2": { "Type": "Pass", "Next": "S3" },
        "S3": { "Type": "Pass", "Next": "S4" },
        "S4": { "Type": "Pass", "Next": "S5" },
        "S5": { "Type": "Pass", "Next": "S6" },
        "S6": { "Type": "Pass", "Next": "S7" },
        "S7": { "Type": "Pass", "Next": "S8" },
        "S8": { "Type": "Pass", "Next": "S9" },
        "S9": { "Type": "Pass", "Next": "S10" },
        "S10": { "Type": "Pass", "Next": "S11" },
        "S11": { "Type": "Pass", "Next": "S12" },
        "S12": { "Type": "Pass", "Next": "S13" },
        "S13": { "Type": "Pass", "Next": "S14" },
        "S14": { "Type": "Pass", "Next": "S15" },
        "S15": { "Type": "Pass", "Next": "S16" },
        "S16": { "Type": "Pass", "Next": "S17" },
        "S17": { "Type": "Pass", "Next": "S18" },
        "S18": { "Type": "Pass", "Next": "S19" },
        "S19": { "Type": "Pass", "End": true }
    }
});

struct Relay;
impl relay::Tasks for Relay {}

async fn large_payloads_are_stored_once(b: Backend) {
    // EXEC-7: twenty states pass one 100 KB document along; the history has it in every
    // event, the store keeps it once.
    let e = Engine::builder()
        .store(b.store("relay").await)
        .workflow("relay", relay::Workflow::new(Relay))
        .build()
        .await
        .unwrap();
    let doc = json!({ "blob": "x".repeat(100 * 1024) });
    let id = e
        .start("relay", doc.clone(), StartOptions::default())
        .await
        .unwrap();
    assert_eq!(e.wait(&id).await.unwrap(), doc);
    let history = e.history(&id).await.unwrap();
    assert_eq!(history.len(), 42);
    let text = doc.to_string();
    for ev in &history {
        let d = ev.details.as_ref().unwrap();
        let payload = d.get("input").or_else(|| d.get("output")).unwrap();
        assert_eq!(
            payload.as_str(),
            Some(text.as_str()),
            "{} {:?}",
            ev.kind,
            ev.state
        );
    }
    if let Backend::Sqlite(dir) = &b {
        // Read the file as any SQLite client would: the events hold references, the document
        // is stored once.
        let db = rusqlite::Connection::open(dir.join("relay.db")).unwrap();
        let (events, bytes): (i64, i64) = db
            .query_row(
                "SELECT count(*), sum(length(details)) FROM events WHERE execution = ?1",
                [id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(events, 42);
        assert!(bytes < 20 * 1024, "{bytes} bytes of event details");
        let copies: i64 = db
            .query_row(
                "SELECT count(*) FROM payloads WHERE execution = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(copies, 1);
    }
}
