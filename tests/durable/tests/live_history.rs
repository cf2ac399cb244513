//! A running execution's history shows every event up to now, as AWS's does (HIST-*,
//! EXEC-1): a Wait's entered event while it waits, a Task's Scheduled and Started events while
//! its handler works, its Submitted event while it waits for its token. A worker that dies
//! mid-state and is replaced leaves each event once. Also the engine API the HTTP server
//! reads: workflow types (EXEC-2), definitions, `start_sync`, redrive status and filter
//! (EXEC-10). Each test runs on SQLite and, with `ASL_TEST_POSTGRES_URL`, on PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asl_durable_tests::backend::Backend;
use asl_runtime::durable::{HistoryEvent, ListFilter, RedriveFilter, RedriveStatus, WorkflowType};
use asl_runtime::store::Store;
use asl_runtime::{Engine, StartOptions, Status, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod live {
    "StartAt": "Pause",
    "States": {
        "Pause": { "Type": "Wait", "Seconds": 3600, "Next": "Work" },
        "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Ask" },
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "End": true }
    }
});

asl_runtime::asl!(mod quick {
    "StartAt": "Check",
    "States": {
        "Check": { "Type": "Choice", "Choices": [
            { "Variable": "$.ok", "BooleanEquals": true, "Next": "Done" }
        ], "Default": "Broken" },
        "Broken": { "Type": "Fail", "Error": "Broken", "Cause": "not ok" },
        "Done": { "Type": "Pass", "Result": "done", "End": true }
    }
});

/// `Work` waits for the gate; `Ask` hands out its token.
#[derive(Default)]
struct Handlers {
    gate: tokio::sync::Notify,
    works: Mutex<usize>,
    tokens: Mutex<Vec<String>>,
}

impl live::Tasks for Arc<Handlers> {
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        *self.works.lock().unwrap() += 1;
        self.gate.notified().await;
        Ok(input)
    }
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let token = ctx.task_token().unwrap_or_default().to_string();
        self.tokens.lock().unwrap().push(token);
        Ok(json!({"MessageId": "m-1"}))
    }
}

impl quick::Tasks for () {}

fn sqlite() -> Backend {
    Backend::sqlite("asl-live")
}

fn postgres() -> Option<Backend> {
    Backend::postgres("l", "the live-history tests")
}

asl_durable_tests::both!(
    a_waiting_state_is_in_the_history_while_it_waits,
    a_replaced_worker_records_each_event_once,
    a_long_wait_rests_out_of_memory_and_wakes_on_time,
    a_redriven_first_wait_rests_and_wakes_once,
    workflow_types_definitions_and_sync_express_runs,
    redrive_status_and_filter,
    finished_express_executions_are_not_kept_forever,
);

async fn engine(store: Arc<dyn Store>, handlers: Arc<Handlers>, worker: &str) -> Engine {
    Engine::builder()
        .store(store)
        .workflow("live", live::Workflow::new(handlers))
        .express_workflow("quick_express", quick::Workflow::new(()))
        .workflow("quick", quick::Workflow::new(()))
        .worker_id(worker)
        .poll_interval(Duration::from_millis(50))
        .build()
        .await
        .unwrap()
}

/// The events of a whole `live` run.
const LIVE_RUN: [&str; 15] = [
    "ExecutionStarted",
    "WaitStateEntered",
    "WaitStateExited",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSucceeded",
    "TaskStateExited",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TaskStateExited",
    "ExecutionSucceeded",
];

fn kinds(h: &[HistoryEvent]) -> Vec<&str> {
    h.iter().map(|e| e.kind.as_str()).collect()
}

/// Ids run from 1 without a gap or a repeat.
fn assert_sequential(h: &[HistoryEvent]) {
    for (i, e) in h.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1, "{:?}", kinds(h));
    }
}

async fn a_waiting_state_is_in_the_history_while_it_waits(b: Backend) {
    let handlers = Arc::new(Handlers::default());
    let e = engine(b.store().await, Arc::clone(&handlers), "a").await;
    // A reader on the same store, as another process would read it.
    let reader = engine(b.store().await, Arc::default(), "reader").await;
    let id = e
        .start("live", json!({"n": 1}), StartOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let h = reader.history(&id).await.unwrap();
    assert_eq!(kinds(&h), ["ExecutionStarted", "WaitStateEntered"]);
    assert_eq!(
        h[1].to_json()["stateEnteredEventDetails"]["name"],
        json!("Pause")
    );
    // Past the Wait, the Task's handler works: its events are there meanwhile.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let h = reader.history(&id).await.unwrap();
    assert_eq!(
        &kinds(&h)[2..],
        [
            "WaitStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted"
        ]
    );
    assert_sequential(&h);
    handlers.gate.notify_one();
    // The callback task waits for its token: submitted, and shown.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let h = reader.history(&id).await.unwrap();
    assert_eq!(
        kinds(&h).last().copied(),
        Some("TaskSubmitted"),
        "{:?}",
        kinds(&h)
    );
    assert_sequential(&h);
    let token = handlers.tokens.lock().unwrap()[0].clone();
    reader
        .send_task_success(&token, json!({"ok": 1}))
        .await
        .unwrap();
    assert_eq!(e.wait(&id).await.unwrap(), json!({"ok": 1}));
    let h = reader.history(&id).await.unwrap();
    assert_eq!(kinds(&h).last().copied(), Some("ExecutionSucceeded"));
    assert_sequential(&h);
    // The same events as an uninterrupted in-memory run records.
    assert_eq!(
        h.iter().filter(|e| e.kind == "TaskScheduled").count(),
        2,
        "{:?}",
        kinds(&h)
    );
}

async fn a_replaced_worker_records_each_event_once(b: Backend) {
    let handlers = Arc::new(Handlers::default());
    let first = engine(b.store().await, Arc::clone(&handlers), "a").await;
    let id = first
        .start("live", json!({}), StartOptions::default())
        .await
        .unwrap();
    // In the Task, its handler still working: Scheduled and Started are published.
    tokio::time::sleep(Duration::from_secs(3601)).await;
    let before = first.history(&id).await.unwrap();
    assert_eq!(kinds(&before).last().copied(), Some("TaskStarted"));
    first.halt();
    // Another worker takes the execution over and runs the Task again.
    let second = engine(b.store().await, Arc::clone(&handlers), "b").await;
    let worker = second.clone();
    tokio::spawn(async move { worker.run().await });
    for i in 0.. {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if *handlers.works.lock().unwrap() == 2 {
            break;
        }
        assert!(i < 600, "the second worker did not run the Task again");
    }
    handlers.gate.notify_one();
    let token = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(t) = handlers.tokens.lock().unwrap().first() {
            break t.clone();
        }
    };
    second.send_task_success(&token, json!("ok")).await.unwrap();
    assert_eq!(second.wait(&id).await.unwrap(), json!("ok"));
    let h = second.history(&id).await.unwrap();
    assert_sequential(&h);
    assert_eq!(kinds(&h), LIVE_RUN);
    // The re-recorded state kept its entered time.
    assert_eq!(h[3].timestamp, before[3].timestamp);
}

/// A one-hour Wait puts its execution at rest: no worker holds it in memory, the history
/// shows it waiting, and when it is due a worker (here one that was not running when it went
/// to rest) resumes it in the Wait, which ends within a second of its due time and records
/// each event once.
async fn a_long_wait_rests_out_of_memory_and_wakes_on_time(b: Backend) {
    let handlers = Arc::new(Handlers::default());
    let first = engine(b.store().await, Arc::clone(&handlers), "a").await;
    let worker = first.clone();
    let first_loop = tokio::spawn(async move { worker.run().await });
    let id = first
        .start("live", json!({"n": 1}), StartOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        first.running(),
        0,
        "the waiting execution is still in memory"
    );
    let d = first.describe(&id).await.unwrap();
    assert_eq!(d.status, Status::Running);
    let h = first.history(&id).await.unwrap();
    assert_eq!(kinds(&h), ["ExecutionStarted", "WaitStateEntered"]);
    // Its worker goes away; another one, started later, wakes it.
    first.shutdown();
    first_loop.await.unwrap().unwrap();
    drop(first);
    let second = engine(b.store().await, Arc::clone(&handlers), "b").await;
    let worker = second.clone();
    let second_loop = tokio::spawn(async move { worker.run().await });
    tokio::time::sleep(Duration::from_secs(3600 - 60 - 5)).await;
    assert!(!second_loop.is_finished(), "{:?}", second_loop.await);
    assert_eq!(*handlers.works.lock().unwrap(), 0, "woke before its time");
    for i in 0.. {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if *handlers.works.lock().unwrap() == 1 {
            break;
        }
        if i >= 100 {
            let h = second.history(&id).await.unwrap();
            panic!(
                "the Wait did not end within 5 s of its due time: {:?} {:?} running {}",
                kinds(&h),
                second.describe(&id).await.unwrap().status,
                second.running()
            );
        }
    }
    handlers.gate.notify_one();
    let token = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(t) = handlers.tokens.lock().unwrap().first() {
            break t.clone();
        }
    };
    second.send_task_success(&token, json!("ok")).await.unwrap();
    assert_eq!(second.wait(&id).await.unwrap(), json!("ok"));
    let h = second.history(&id).await.unwrap();
    assert_sequential(&h);
    assert_eq!(kinds(&h), LIVE_RUN);
    let waited = (h[2].timestamp - h[1].timestamp).num_milliseconds();
    assert!(
        (3_600_000..=3_601_000).contains(&waited),
        "waited {waited} ms"
    );
    assert_eq!(*handlers.works.lock().unwrap(), 1);
}

/// An execution stopped while at rest in its first state (a Wait) and redriven rests again
/// and, when due, resumes with the events it published since the redrive replaced, not
/// repeated: one Wait entered per run, then on to its end.
async fn a_redriven_first_wait_rests_and_wakes_once(b: Backend) {
    let handlers = Arc::new(Handlers::default());
    let e = engine(b.store().await, Arc::clone(&handlers), "a").await;
    let worker = e.clone();
    tokio::spawn(async move { worker.run().await });
    let id = e
        .start("live", json!({}), StartOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    e.stop(&id, None, None).await.unwrap();
    e.redrive(&id).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(e.running(), 0, "the redriven Wait is not at rest");
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        *handlers.works.lock().unwrap(),
        1,
        "the Wait did not end once"
    );
    handlers.gate.notify_one();
    let token = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(t) = handlers.tokens.lock().unwrap().first() {
            break t.clone();
        }
    };
    e.send_task_success(&token, json!("ok")).await.unwrap();
    assert_eq!(e.wait(&id).await.unwrap(), json!("ok"));
    let h = e.history(&id).await.unwrap();
    assert_sequential(&h);
    assert_eq!(
        &kinds(&h)[..6],
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "ExecutionAborted",
            "ExecutionRedriven",
            "WaitStateEntered",
            "WaitStateExited"
        ]
    );
    assert_eq!(kinds(&h).last().copied(), Some("ExecutionSucceeded"));
}

async fn workflow_types_definitions_and_sync_express_runs(b: Backend) {
    let e = engine(b.store().await, Arc::default(), "a").await;
    let all = e.workflows();
    let names: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["live", "quick", "quick_express"]);
    let express = e.workflow("quick_express").unwrap();
    assert_eq!(express.kind, WorkflowType::Express);
    assert_eq!(express.kind.as_str(), "EXPRESS");
    assert_eq!(
        express.arn,
        "arn:aws:states:us-east-1:123456789012:stateMachine:quick_express"
    );
    assert_eq!(e.workflow("quick").unwrap().kind, WorkflowType::Standard);
    // The definition the module was compiled from, as JSON.
    let definition: Value = serde_json::from_str(express.definition).unwrap();
    assert_eq!(definition["StartAt"], json!("Check"));
    assert_eq!(
        definition,
        serde_json::from_str::<Value>(quick::DEFINITION).unwrap()
    );
    assert!(e.workflow("nope").is_none());

    // StartExecution on an EXPRESS workflow runs an Express execution.
    let id = e
        .start(
            "quick_express",
            json!({"ok": true}),
            StartOptions::default(),
        )
        .await
        .unwrap();
    assert!(id.is_express(), "{id}");
    assert_eq!(e.wait(&id).await.unwrap(), json!("done"));

    // StartSyncExecution: the outcome and its history, for EXPRESS only.
    let run = e
        .start_sync(
            "quick_express",
            json!({"ok": false}),
            StartOptions::default().name("sync-1"),
        )
        .await
        .unwrap();
    assert_eq!(run.status, Status::Failed);
    assert_eq!(run.error.as_deref(), Some("Broken"));
    assert_eq!(run.cause.as_deref(), Some("not ok"));
    assert_eq!(run.name, "sync-1");
    assert!(
        run.execution_id
            .as_str()
            .contains(":express:quick_express:sync-1:")
    );
    assert_eq!(
        kinds(&run.history),
        [
            "ExecutionStarted",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "FailStateEntered",
            "ExecutionFailed"
        ]
    );
    let ok = e
        .start_sync(
            "quick_express",
            json!({"ok": true}),
            StartOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (ok.status, ok.output),
        (Status::Succeeded, Some(json!("done")))
    );
    let standard = e
        .start_sync("quick", json!({}), StartOptions::default())
        .await
        .unwrap_err();
    assert_eq!(standard.name(), "StateMachineTypeNotSupported");
    let bad = e
        .start_sync(
            "quick_express",
            json!({}),
            StartOptions::default().name("a b"),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.name(), "InvalidName");
}

async fn redrive_status_and_filter(b: Backend) {
    let e = engine(b.store().await, Arc::default(), "a").await;
    let failed = e
        .start(
            "quick",
            json!({"ok": false}),
            StartOptions::default().name("f"),
        )
        .await
        .unwrap();
    let succeeded = e
        .start(
            "quick",
            json!({"ok": true}),
            StartOptions::default().name("s"),
        )
        .await
        .unwrap();
    assert!(e.wait(&failed).await.is_err());
    e.wait(&succeeded).await.unwrap();
    let d = e.describe(&failed).await.unwrap();
    assert_eq!(d.redrive_status, RedriveStatus::Redrivable);
    assert_eq!(d.redrive_status_reason, None);
    let d = e.describe(&succeeded).await.unwrap();
    assert_eq!(d.redrive_status, RedriveStatus::NotRedrivable);
    assert_eq!(
        d.redrive_status_reason.as_deref(),
        Some("Execution is SUCCEEDED and cannot be redriven")
    );
    e.redrive(&failed).await.unwrap();
    assert!(e.wait(&failed).await.is_err());
    let names = |page: asl_runtime::durable::ExecutionList| -> Vec<String> {
        page.executions.into_iter().map(|d| d.name).collect()
    };
    let redriven = e
        .list_executions(
            "quick",
            ListFilter::default().redrive(RedriveFilter::Redriven),
        )
        .await
        .unwrap();
    assert_eq!(names(redriven), ["f"]);
    let not = e
        .list_executions(
            "quick",
            ListFilter::default().redrive(RedriveFilter::NotRedriven),
        )
        .await
        .unwrap();
    assert_eq!(names(not), ["s"]);
    // Fourteen days after it ended, it cannot be redriven any more.
    tokio::time::sleep(Duration::from_secs(15 * 24 * 3600)).await;
    let d = e.describe(&failed).await.unwrap();
    assert_eq!(d.redrive_status, RedriveStatus::NotRedrivable);
    assert_eq!(
        d.redrive_status_reason.as_deref(),
        Some("Execution redrivable period exceeded")
    );
}

/// Express executions are not stored: the engine remembers the last 1,000 finished ones, so a
/// server starting thousands per second does not grow without end.
async fn finished_express_executions_are_not_kept_forever(b: Backend) {
    let e = engine(b.store().await, Arc::default(), "a").await;
    let mut ids = Vec::new();
    for _ in 0..1001 {
        let id = e
            .start(
                "quick_express",
                json!({"ok": true}),
                StartOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(e.wait(&id).await.unwrap(), json!("done"));
        ids.push(id);
    }
    let oldest = e.describe(&ids[0]).await.unwrap_err();
    assert_eq!(oldest.name(), "ExecutionDoesNotExist");
    assert_eq!(e.describe(&ids[1]).await.unwrap().status, Status::Succeeded);
    assert_eq!(e.history(&ids[1000]).await.unwrap().len(), 6);
}
