//! Clock jumps (issue 20), injected through `asl_runtime::clock::jump` (not by changing the
//! machine's clock), on executions at rest in one-hour Waits, with a worker running: a jump
//! forwards fires the Waits then due, each once; a jump backwards by an hour delays them by at
//! most the jump and loses none; no execution runs twice (its lease is not broken). Alone in
//! its test binary: the jump is process-wide.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asl_runtime::clock;
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, StartOptions, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod timed {
    "StartAt": "Pause",
    "States": {
        "Pause": { "Type": "Wait", "SecondsPath": "$.wait", "Next": "Count" },
        "Count": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true }
    }
});

/// When each execution's Wait ended (by `Count`), on the executions' clock.
#[derive(Default)]
struct Woken(Mutex<HashMap<String, Vec<chrono::DateTime<chrono::Utc>>>>);

impl timed::Tasks for Arc<Woken> {
    async fn count(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let name = ctx
            .execution_id()
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        self.0
            .lock()
            .unwrap()
            .entry(name)
            .or_default()
            .push(clock::now());
        Ok(input)
    }
}

impl Woken {
    fn count(&self, prefix: &str) -> usize {
        let woken = self.0.lock().unwrap();
        woken.iter().filter(|(k, _)| k.starts_with(prefix)).count()
    }
    fn calls(&self) -> usize {
        self.0.lock().unwrap().values().map(Vec::len).sum()
    }
}

const N: usize = 20;

#[tokio::test(start_paused = true)]
async fn timers_at_rest_survive_clock_jumps() {
    let dir = std::env::temp_dir().join(format!("asl-clock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let woken = Arc::new(Woken::default());
    let engine = Engine::builder()
        .store(SqliteStore::open(dir.join("runs.db")).await.unwrap())
        .workflow("timed", timed::Workflow::new(Arc::clone(&woken)))
        .rest_after(Some(Duration::from_secs(1)))
        .poll_interval(Duration::from_millis(50))
        .build()
        .await
        .unwrap();
    let worker = engine.clone();
    let looping = tokio::spawn(async move { worker.run().await });
    let start = |prefix: &'static str, wait: u64| {
        let engine = engine.clone();
        async move {
            for i in 0..N {
                let options = StartOptions::default().name(format!("{prefix}{i}"));
                engine
                    .start("timed", json!({ "wait": wait }), options)
                    .await
                    .unwrap();
            }
        }
    };

    // Forwards: one-hour Waits at rest; the clock jumps an hour: they fire, each once.
    start("f", 3600).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(engine.running(), 0, "the Waits are not at rest");
    assert_eq!(woken.count("f"), 0);
    clock::jump(chrono::Duration::seconds(3600));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        woken.count("f"),
        N,
        "a jump forwards fires the Waits then due"
    );

    // Backwards: one-minute Waits at rest; the clock goes back an hour: they are late by at
    // most the jump, and none is lost.
    let before = clock::now();
    start("b", 60).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    clock::jump(chrono::Duration::seconds(-3600));
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        woken.count("b"),
        0,
        "due on the clock as it is now, not before the jump"
    );
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(woken.count("b"), N, "a jump backwards loses no timer");
    let latest = woken
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with('b'))
        .flat_map(|(_, t)| t.iter().copied())
        .max()
        .unwrap();
    // On the jumped clock the Wait ended 60 s after `before`, give or take polling: so, in
    // time that passed, at most the jump late.
    let late = latest - before;
    assert!(
        late <= chrono::Duration::seconds(62),
        "late by {late} on the jumped clock"
    );

    assert_eq!(woken.calls(), 2 * N, "an execution ran its Task twice");
    engine.shutdown();
    looping.await.unwrap().unwrap();
    eprintln!(
        "clock jumps: +1 h fired {N} one-hour Waits at rest at once, each once; -1 h delayed {N} \
         one-minute Waits by the jump (latest ended {}s after its start on the jumped clock), \
         none lost, no Task twice",
        late.num_seconds()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
