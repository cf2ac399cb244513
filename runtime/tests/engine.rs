//! The engine through generated code: retries on a paused clock, Catch, timeouts,
//! heartbeats, Parallel cancellation, Map concurrency, handler errors and panics.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;
use tokio::time::Instant;

asl_runtime::asl!(mod retrying {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [
                { "ErrorEquals": ["Flaky"], "IntervalSeconds": 3, "BackoffRate": 2.0, "MaxAttempts": 4, "MaxDelaySeconds": 10 },
                { "ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 0 }
            ],
            "Catch": [ { "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recovered" } ],
            "ResultPath": "$.result",
            "End": true
        },
        "Recovered": { "Type": "Pass", "End": true }
    }
});

/// Fails with `error` the first `failures` times, recording when each attempt started.
struct Flaky {
    failures: usize,
    error: &'static str,
    calls: Arc<std::sync::Mutex<Vec<(Instant, u32)>>>,
}

impl retrying::Tasks for Flaky {
    async fn call(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let n = {
            let mut calls = self.calls.lock().expect("lock");
            calls.push((Instant::now(), ctx.retry_count));
            calls.len()
        };
        if n <= self.failures {
            Err(TaskError::new(self.error, format!("attempt {n}")))
        } else {
            Ok(json!({"attempts": n, "input": input}))
        }
    }
}

#[tokio::test(start_paused = true)]
async fn retry_intervals_back_off_and_cap() {
    // RETRY-3..8: 3 s, 6 s, then 12 s capped to 10 s, then success on the 4th retry.
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let wf = retrying::Workflow::new(Flaky {
        failures: 4,
        error: "Flaky",
        calls: calls.clone(),
    });
    let out = wf
        .run(json!({"x": 1}))
        .await
        .expect("succeeds after retries");
    assert_eq!(out["result"]["attempts"], 5);
    let calls = calls.lock().expect("lock");
    let gaps: Vec<u64> = calls
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).as_secs())
        .collect();
    assert_eq!(gaps, [3, 6, 10, 10]);
    let counts: Vec<u32> = calls.iter().map(|c| c.1).collect();
    assert_eq!(
        counts,
        [0, 1, 2, 3, 4],
        "TaskContext.retry_count (RETRY-12)"
    );
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_fall_through_to_catch_with_result_path() {
    // RETRY-10, CATCH-3, CATCH-4: after MaxAttempts the Catcher places {Error, Cause}.
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let wf = retrying::Workflow::new(Flaky {
        failures: 99,
        error: "Flaky",
        calls: calls.clone(),
    });
    let out = wf.run(json!({"x": 1})).await.expect("caught");
    assert_eq!(
        out,
        json!({"x": 1, "error": {"Error": "Flaky", "Cause": "attempt 5"}})
    );
    assert_eq!(calls.lock().expect("lock").len(), 5);
}

#[tokio::test(start_paused = true)]
async fn max_attempts_zero_never_retries() {
    // RETRY-4: the second Retrier matches with MaxAttempts 0.
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let wf = retrying::Workflow::new(Flaky {
        failures: 1,
        error: "Other",
        calls: calls.clone(),
    });
    let out = wf.run(json!({})).await.expect("caught");
    assert_eq!(out["error"]["Error"], "Other");
    assert_eq!(calls.lock().expect("lock").len(), 1);
}

asl_runtime::asl!(mod jittered {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [ { "ErrorEquals": ["States.ALL"], "IntervalSeconds": 8, "BackoffRate": 1.0, "MaxAttempts": 20, "JitterStrategy": "FULL" } ],
            "End": true
        }
    }
});

struct Always(Arc<std::sync::Mutex<Vec<Instant>>>);

impl jittered::Tasks for Always {
    async fn call(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.0.lock().expect("lock").push(Instant::now());
        Err(TaskError::new("Boom", "always"))
    }
}

#[tokio::test(start_paused = true)]
async fn full_jitter_stays_within_the_interval() {
    // RETRY-7: each delay is in [0, 8 s].
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    let err = jittered::Workflow::new(Always(times.clone()))
        .run(json!({}))
        .await
        .expect_err("fails after retries");
    assert_eq!(err.error(), Some("Boom"));
    let times = times.lock().expect("lock");
    assert_eq!(times.len(), 21);
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().all(|g| *g <= Duration::from_secs(8)),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().any(|g| *g < Duration::from_secs(8)),
        "jitter varies delays: {gaps:?}"
    );
}

asl_runtime::asl!(mod timeouts {
    "StartAt": "Slow",
    "States": {
        "Slow": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSeconds": 5,
            "HeartbeatSeconds": 2,
            "End": true
        }
    }
});

/// Sleeps `secs`, sending a heartbeat every `beat` seconds (0: never).
struct Sleeper {
    secs: u64,
    beat: u64,
}

impl timeouts::Tasks for Sleeper {
    async fn slow(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        assert_eq!(ctx.timeout_seconds, Some(5));
        assert_eq!(ctx.heartbeat_seconds, Some(2));
        let mut left = self.secs;
        while left > 0 {
            let step = if self.beat == 0 {
                left
            } else {
                self.beat.min(left)
            };
            tokio::time::sleep(Duration::from_secs(step)).await;
            left -= step;
            ctx.heartbeat();
        }
        Ok(json!("done"))
    }
}

#[tokio::test(start_paused = true)]
async fn timeouts_and_heartbeats() {
    // TASK-5: beating every second but running 6 s hits TimeoutSeconds (5).
    let err = timeouts::Workflow::new(Sleeper { secs: 6, beat: 1 })
        .run(json!({}))
        .await
        .expect_err("timeout");
    assert_eq!(err.error(), Some("States.Timeout"));
    // TASK-7: no heartbeat for 2 s: AWS reports States.Timeout too.
    let start = Instant::now();
    let err = timeouts::Workflow::new(Sleeper { secs: 4, beat: 0 })
        .run(json!({}))
        .await
        .expect_err("heartbeat");
    assert_eq!(err.error(), Some("States.Timeout"));
    assert_eq!((Instant::now() - start).as_secs(), 2);
    // Heartbeats in time and a short task: success.
    let out = timeouts::Workflow::new(Sleeper { secs: 4, beat: 1 })
        .run(json!({}))
        .await
        .expect("ok");
    assert_eq!(out, json!("done"));
}

asl_runtime::asl!(mod parallel {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                { "StartAt": "Fast fail", "States": { "Fast fail": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
                { "StartAt": "Slow", "States": { "Slow": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } }
            ],
            "End": true
        }
    }
});

struct Branches {
    slow_finished: Arc<AtomicUsize>,
}

impl parallel::Tasks for Branches {
    async fn fast_fail(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Err(TaskError::new("Branch.Failed", "first branch"))
    }

    async fn slow(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        self.slow_finished.fetch_add(1, Ordering::SeqCst);
        Ok(json!("slow"))
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_branch_cancels_the_others() {
    // PAR-5: the Parallel fails with the branch's error; the other branch never completes.
    let slow_finished = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let err = parallel::Workflow::new(Branches {
        slow_finished: slow_finished.clone(),
    })
    .run(json!({}))
    .await
    .expect_err("fails");
    assert_eq!(err.error(), Some("Branch.Failed"));
    assert_eq!((Instant::now() - start).as_secs(), 1);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(slow_finished.load(Ordering::SeqCst), 0);
}

asl_runtime::asl!(mod mapping {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "MaxConcurrency": 3,
            "ItemSelector": { "value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index" },
            "ItemProcessor": { "StartAt": "Work", "States": { "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
            "End": true
        }
    }
});

struct Work {
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl mapping::Tasks for Work {
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        // Later items finish first: the result must still be in item order (MAP-8).
        let delay = 20 - input["index"].as_u64().unwrap_or(0);
        tokio::time::sleep(Duration::from_secs(delay)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(input["value"].clone())
    }
}

#[tokio::test(start_paused = true)]
async fn map_respects_max_concurrency_and_order() {
    let work = Arc::new(Work {
        running: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
    });
    struct Shared(Arc<Work>);
    impl mapping::Tasks for Shared {
        async fn work(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
            mapping::Tasks::work(&*self.0, input, ctx).await
        }
    }
    let items: Vec<Value> = (0..10).map(|i| json!(format!("item-{i}"))).collect();
    let out = mapping::Workflow::new(Shared(work.clone()))
        .run(Value::Array(items.clone()))
        .await
        .expect("ok");
    assert_eq!(out, Value::Array(items));
    assert_eq!(
        work.peak.load(Ordering::SeqCst),
        3,
        "MAP-9: never above MaxConcurrency"
    );
}

asl_runtime::asl!(mod panicking {
    "StartAt": "Boom",
    "States": {
        "Boom": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [ { "ErrorEquals": ["States.TaskFailed"], "Next": "Caught" } ],
            "End": true
        },
        "Caught": { "Type": "Pass", "End": true }
    }
});

struct Panics;

impl panicking::Tasks for Panics {
    async fn boom(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        panic!("handler bug");
    }
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_is_a_task_failure() {
    let out = panicking::Workflow::new(Panics)
        .run(json!({}))
        .await
        .expect("caught");
    assert_eq!(out["Error"], "States.TaskFailed");
    assert!(
        out["Cause"]
            .as_str()
            .is_some_and(|c| c.contains("handler bug")),
        "{out}"
    );
}

asl_runtime::asl!(mod machine_timeout {
    "StartAt": "Wait",
    "TimeoutSeconds": 5,
    "States": { "Wait": { "Type": "Wait", "Seconds": 60, "End": true } }
});

#[tokio::test(start_paused = true)]
async fn machine_timeout_is_timed_out() {
    // TOP-4
    struct None_;
    impl machine_timeout::Tasks for None_ {}
    let err = machine_timeout::Workflow::new(None_)
        .run(json!({}))
        .await
        .expect_err("times out");
    assert_eq!(err.status(), asl_runtime::Status::TimedOut);
    assert_eq!(err.error(), None);
}

asl_runtime::asl!(mod callback {
    "StartAt": "Wait for approval",
    "States": {
        "Wait for approval": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": { "token.$": "$$.Task.Token", "state.$": "$$.State.Name" },
            "Retry": [ { "ErrorEquals": ["Again"], "IntervalSeconds": 1, "MaxAttempts": 1 } ],
            "End": true
        }
    }
});

struct Approver(std::sync::Mutex<Vec<String>>);

impl callback::Tasks for Approver {
    async fn wait_for_approval(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let token = ctx.task_token.clone().expect("a callback task has a token");
        assert_eq!(
            input["token"],
            json!(token),
            "CTX-6: $$.Task.Token is the handler's token"
        );
        assert_eq!(input["state"], "Wait for approval");
        let mut seen = self.0.lock().expect("lock");
        seen.push(token);
        if seen.len() == 1 {
            return Err(TaskError::new("Again", "retry me"));
        }
        // A panic here would fail the execution: the retry must carry a new token.
        assert_ne!(seen[0], seen[1]);
        // What SQS answered: the TaskSubmitted output (reported once; a second is ignored).
        ctx.submitted(&json!({"MessageId": "m-2"}));
        ctx.submitted(&json!({"MessageId": "ignored"}));
        Ok(json!({"approved": true}))
    }
}

#[tokio::test(start_paused = true)]
async fn callback_tasks_get_a_token_and_a_new_one_on_retry() {
    // CTX-6, TASK-4
    let approver = Approver(std::sync::Mutex::new(Vec::new()));
    let wf = callback::Workflow::new(approver);
    let recorded = wf.run_recorded(json!({}), Default::default()).await;
    assert_eq!(
        recorded.result.expect("approved"),
        json!({"approved": true})
    );
    // HIST: the failed attempt's handler reported nothing, so its TaskSubmitted has no
    // output; the second reported SQS's answer before the wait ended.
    let submitted: Vec<_> = recorded
        .history
        .iter()
        .filter(|e| e.kind == "TaskSubmitted")
        .map(|e| e.details.clone().expect("details"))
        .collect();
    assert_eq!(
        submitted,
        [
            json!({"resource": "sendMessage.waitForTaskToken", "resourceType": "sqs"}),
            json!({
                "output": "{\"MessageId\":\"m-2\"}",
                "outputDetails": {"truncated": false},
                "resource": "sendMessage.waitForTaskToken",
                "resourceType": "sqs"
            }),
        ]
    );
    let kinds: Vec<_> = recorded.history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

asl_runtime::asl!(mod terminal {
    "StartAt": "Read",
    "States": {
        "Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": { "x.$": "$.missing" },
            "Retry": [ { "ErrorEquals": ["States.Runtime"], "MaxAttempts": 3 } ],
            "Catch": [ { "ErrorEquals": ["States.Runtime"], "Next": "Caught" } ],
            "End": true
        },
        "Caught": { "Type": "Pass", "End": true }
    }
});

struct Unreached;

impl terminal::Tasks for Unreached {
    async fn read(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!("unreachable: Parameters fail first"))
    }
}

#[tokio::test(start_paused = true)]
async fn states_runtime_is_never_retried_or_caught() {
    // ERR-17: even a Retrier or Catcher naming it does not handle States.Runtime.
    let start = Instant::now();
    let err = terminal::Workflow::new(Unreached)
        .run(json!({}))
        .await
        .expect_err("fails");
    assert_eq!(err.error(), Some("States.Runtime"));
    assert_eq!(Instant::now(), start, "no retry delay");
}

asl_runtime::asl!(mod tolerant {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ToleratedFailureCount": 0,
            "ToleratedFailurePercentage": 100,
            "ItemProcessor": { "StartAt": "Work", "States": { "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
            "End": true
        }
    }
});

/// Items are `{"sleep": seconds, "err": name?}`.
struct Sleepy;

impl tolerant::Tasks for Sleepy {
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(Duration::from_secs(input["sleep"].as_u64().unwrap_or(0))).await;
        match input["err"].as_str() {
            Some(e) => Err(TaskError::new(e, "failed")),
            None => Ok(input),
        }
    }
}

asl_runtime::asl!(mod strict {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemProcessor": { "StartAt": "Work", "States": { "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
            "End": true
        }
    }
});

impl strict::Tasks for Sleepy {
    async fn work(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        tolerant::Tasks::work(self, input, ctx).await
    }
}

#[tokio::test(start_paused = true)]
async fn map_failures_either_threshold_and_first_in_time() {
    // MAP-24: exceeding either threshold fails the Map.
    let err = tolerant::Workflow::new(Sleepy)
        .run(json!([{"sleep": 1, "err": "A"}, {"sleep": 1}]))
        .await
        .expect_err("count 0 exceeded");
    assert_eq!(err.error(), Some("States.ExceedToleratedFailureThreshold"));
    // MAP-10: the first failure in time fails the Map at once and stops the others.
    let start = Instant::now();
    let err = strict::Workflow::new(Sleepy)
        .run(json!([{"sleep": 1000, "err": "Slow"}, {"sleep": 1, "err": "Fast"}]))
        .await
        .expect_err("fails");
    assert_eq!(err.error(), Some("Fast"));
    assert_eq!((Instant::now() - start).as_secs(), 1);
}

asl_runtime::asl!(mod dropped_context {
    "StartAt": "Slow",
    "States": { "Slow": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "End": true } }
});

struct DropsContext;

impl dropped_context::Tasks for DropsContext {
    #[allow(clippy::manual_async_fn)]
    fn slow(
        &self,
        input: Value,
        ctx: TaskContext,
    ) -> impl std::future::Future<Output = Result<Value, TaskError>> + Send {
        drop(ctx);
        async move {
            tokio::time::sleep(Duration::from_secs(100)).await;
            Ok(input)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn timeout_holds_when_the_handler_drops_its_context() {
    let start = Instant::now();
    let err = dropped_context::Workflow::new(DropsContext)
        .run(json!({}))
        .await
        .expect_err("times out");
    assert_eq!(err.error(), Some("States.Timeout"));
    assert_eq!((Instant::now() - start).as_secs(), 5);
}

asl_runtime::asl!(mod unlimited {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemProcessor": { "StartAt": "Work", "States": { "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
            "End": true
        }
    }
});

impl unlimited::Tasks for Work {
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(input)
    }
}

#[tokio::test(start_paused = true)]
async fn unlimited_inline_map_runs_like_aws() {
    // MAP-9: without MaxConcurrency AWS runs about 40 inline iterations at once; so do we,
    // which also keeps memory bounded by concurrency rather than item count.
    let work = Arc::new(Work {
        running: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
    });
    struct Shared(Arc<Work>);
    impl unlimited::Tasks for Shared {
        async fn work(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
            unlimited::Tasks::work(&*self.0, input, ctx).await
        }
    }
    let items: Vec<Value> = (0..100).map(|i| json!(i)).collect();
    let start = Instant::now();
    let out = unlimited::Workflow::new(Shared(work.clone()))
        .run(Value::Array(items.clone()))
        .await
        .expect("ok");
    assert_eq!(out, Value::Array(items));
    // AWS runs about 40 iterations of an inline Map at once (MAP-9).
    assert_eq!(work.peak.load(Ordering::SeqCst), 40);
    assert_eq!((Instant::now() - start).as_secs(), 3);
}

asl_runtime::asl!(mod big_result {
    "StartAt": "Big",
    "States": {
        "Big": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [ { "ErrorEquals": ["States.ALL"], "Next": "Handled" } ],
            "End": true
        },
        "Handled": { "Type": "Pass", "End": true }
    }
});

struct Big;

impl big_result::Tasks for Big {
    async fn big(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!("x".repeat(300 * 1024)))
    }
}

#[tokio::test]
async fn an_oversized_task_result_is_caught_like_aws() {
    // EXEC-9, ERR-18: recorded on AWS, States.ALL catches a task result over 256 KiB.
    let out = big_result::Workflow::new(Big)
        .run(json!({}))
        .await
        .expect("caught");
    assert_eq!(out["Error"], "States.DataLimitExceeded");
    assert_eq!(
        out["Cause"],
        "The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit."
    );
}

asl_runtime::asl!(mod spawned_map {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": { "i.$": "$$.Map.Item.Index" },
            "ItemProcessor": { "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } },
            "End": true
        }
    }
});

struct SpawnedTasks;
impl spawned_map::Tasks for SpawnedTasks {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_with_a_map_runs_on_a_spawned_task() {
    // The Map reads its items in place; the workflow's future must still be `Send` for
    // `tokio::spawn`.
    let handle = tokio::spawn(async {
        spawned_map::Workflow::new(SpawnedTasks)
            .run(serde_json::json!({"items": ["a", "b", "c"]}))
            .await
    });
    let out = handle.await.expect("joins").expect("runs");
    assert_eq!(out, serde_json::json!([{"i": 0}, {"i": 1}, {"i": 2}]));
}

asl_runtime::asl!(mod batched {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": { "n.$": "$$.Map.Item.Value" },
            "ItemBatcher": { "MaxItemsPerBatch": 2, "BatchInput": { "job.$": "$.job" } },
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Count",
                "States": {
                    "Count": {
                        "Type": "Pass",
                        "Parameters": { "job.$": "$.BatchInput.job", "size.$": "States.ArrayLength($.Items)", "first.$": "$.Items[0].n" },
                        "End": true
                    }
                }
            },
            "End": true
        }
    }
});

struct BatchTasks;
impl batched::Tasks for BatchTasks {}

#[tokio::test]
async fn an_item_batcher_hands_each_iteration_a_batch() {
    // MAP-22: iterations get {"BatchInput": …, "Items": [...]}, one result per batch.
    let out = batched::Workflow::new(BatchTasks)
        .run(serde_json::json!({"job": "j", "items": [1, 2, 3, 4, 5]}))
        .await
        .expect("runs");
    assert_eq!(
        out,
        serde_json::json!([
            {"job": "j", "size": 2, "first": 1},
            {"job": "j", "size": 2, "first": 3},
            {"job": "j", "size": 1, "first": 5}
        ])
    );
}

asl_runtime::asl!(mod aborting {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                { "StartAt": "Charge", "States": {
                    "Charge": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } } },
                { "StartAt": "Pause", "States": {
                    "Pause": { "Type": "Wait", "Seconds": 60, "End": true } } },
                { "StartAt": "Quick", "States": {
                    "Quick": { "Type": "Pass", "End": true } } }
            ],
            "End": true
        }
    }
});

struct Declines;

impl aborting::Tasks for Declines {
    async fn charge(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Err(TaskError::new("Declined", "card declined"))
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_branch_aborts_the_states_still_in_progress() {
    // PAR-5, EXEC-7: the failed Task and the cancelled Wait end as `…StateAborted`, recorded
    // before the Parallel fails; the branch that finished records nothing more.
    let recorded = aborting::Workflow::new(Declines)
        .run_recorded(json!({}), Default::default())
        .await;
    let err = recorded.result.expect_err("declined");
    assert_eq!(err.error(), Some("Declined"));
    let events: Vec<_> = recorded
        .history
        .iter()
        .map(|e| (e.id, e.previous_event_id, e.kind, e.state))
        .collect();
    let tail = &events[events.len() - 5..];
    assert_eq!(
        tail,
        [
            (10, 9, "TaskFailed", Some("Charge")),
            (11, 10, "TaskStateAborted", Some("Charge")),
            (12, 10, "WaitStateAborted", Some("Pause")),
            (13, 10, "ParallelStateFailed", Some("Both")),
            (14, 13, "ExecutionFailed", None),
        ]
    );
}
