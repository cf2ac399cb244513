//! Callback tasks at rest (TASK-4, EXEC-1): a top-level task whose token is not answered
//! within the engine's rest threshold puts its execution at rest, out of every worker's
//! memory; the answer (from this process or another) makes it due at once, and the worker
//! that resumes it (any worker) waits for the token again without calling the handler a
//! second time. Heartbeat and task timeouts still end it at their time. A worker holds at
//! most `max_running` executions in memory. Each test runs on SQLite and, with
//! `ASL_TEST_POSTGRES_URL`, on PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asl_durable_tests::backend::Backend;
use asl_durable_tests::counting::CountingStore;
use asl_runtime::durable::HistoryEvent;
use asl_runtime::store::Store;
use asl_runtime::{Engine, StartOptions, Status, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod ask {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "TimeoutSeconds": 86400, "Next": "Done" },
        "Done": { "Type": "Pass", "End": true }
    }
});

asl_runtime::asl!(mod beat {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "HeartbeatSeconds": 30, "End": true }
    }
});

asl_runtime::asl!(mod slow {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "TimeoutSeconds": 120, "End": true }
    }
});

asl_runtime::asl!(mod fan {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Ask",
                "States": {
                    "Ask": {"Type": "Task",
                            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                            "End": true}
                }
            },
            "End": true
        }
    }
});

asl_runtime::asl!(mod race {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "End": true }
    }
});

/// Answers its own token through the engine about when its execution goes to rest.
struct SelfAnswering;

impl race::Tasks for SelfAnswering {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let token = ctx.task_token().unwrap_or_default().to_string();
        let engine = ctx.engine().cloned();
        let after = Duration::from_micros(15_000 + rand::random::<u64>() % 10_000);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(e) = engine {
                let _ = e.send_task_success(&token, json!("raced")).await;
            }
        });
        Ok(json!({}))
    }
}

/// Hands out tokens (kept here, in the order handed out) and counts its calls.
#[derive(Default)]
struct Asker {
    tokens: Mutex<Vec<String>>,
}

impl Asker {
    fn hand_out(&self, ctx: &TaskContext) -> Result<Value, TaskError> {
        let token = ctx.task_token().unwrap_or_default().to_string();
        self.tokens.lock().unwrap().push(token);
        // What the queue answered: recorded as the TaskSubmitted output.
        Ok(json!({"MessageId": "m-1"}))
    }

    fn calls(&self) -> usize {
        self.tokens.lock().unwrap().len()
    }

    async fn token(&self, n: usize) -> String {
        for _ in 0..1000 {
            if let Some(t) = self.tokens.lock().unwrap().get(n) {
                return t.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("token {n} was not handed out");
    }
}

impl ask::Tasks for Arc<Asker> {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        // Reported as the service's answer before returning something else: `TaskSubmitted`
        // shows what was reported, before and after a rest.
        let sent = self.hand_out(&ctx)?;
        ctx.submitted(&sent);
        Ok(json!({"returned": true}))
    }
}

impl beat::Tasks for Arc<Asker> {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.hand_out(&ctx)
    }
}

impl fan::Tasks for Arc<Asker> {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.hand_out(&ctx)
    }
}

impl slow::Tasks for Arc<Asker> {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.hand_out(&ctx)
    }
}

fn sqlite() -> Backend {
    Backend::sqlite("asl-tokens")
}

fn postgres() -> Option<Backend> {
    Backend::postgres("k", "the token-rest tests")
}

asl_durable_tests::both!(
    a_callback_rests_until_its_token_is_answered,
    an_answer_from_another_process_wakes_it,
    heartbeat_and_task_timeouts_end_a_resting_callback,
    a_worker_holds_at_most_max_running,
    distributed_map_children_rest_on_their_tokens,
    an_answer_before_the_timeout_wins_when_resumed_after_it,
);

/// An engine on `store` that puts a callback at rest after `rest_after`.
async fn engine(
    store: Arc<dyn Store>,
    asker: &Arc<Asker>,
    worker: &str,
    rest_after: Duration,
    poll: Duration,
) -> Engine {
    Engine::builder()
        .store(store)
        .workflow("ask", ask::Workflow::new(Arc::clone(asker)))
        .workflow("beat", beat::Workflow::new(Arc::clone(asker)))
        .workflow("slow", slow::Workflow::new(Arc::clone(asker)))
        .workflow("fan", fan::Workflow::new(Arc::clone(asker)))
        .worker_id(worker)
        .rest_after(Some(rest_after))
        .poll_interval(poll)
        .build()
        .await
        .unwrap()
}

/// `engine` with its worker loop running.
async fn worker(b: &Backend, asker: &Arc<Asker>, name: &str) -> Engine {
    let e = engine(
        b.store().await,
        asker,
        name,
        Duration::from_secs(1),
        Duration::from_millis(200),
    )
    .await;
    let w = e.clone();
    tokio::spawn(async move { w.run().await });
    e
}

fn kinds(h: &[HistoryEvent]) -> Vec<&str> {
    h.iter().map(|e| e.kind.as_str()).collect()
}

const HANDED_OUT: [&str; 5] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
];

/// The token is handed out, the execution rests (no worker holds it), its worker goes away,
/// another worker comes and does nothing until the answer; then it ends, the handler called
/// once and each event recorded once, with the times the events had when first published.
async fn a_callback_rests_until_its_token_is_answered(b: Backend) {
    let asker = Arc::new(Asker::default());
    let first = worker(&b, &asker, "a").await;
    let id = first
        .start("ask", json!({"n": 1}), StartOptions::default())
        .await
        .unwrap();
    let token = asker.token(0).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(first.running(), 0, "the callback is still in memory");
    let before = first.history(&id).await.unwrap();
    assert_eq!(kinds(&before), HANDED_OUT);
    first.shutdown();
    drop(first);

    let second = worker(&b, &asker, "b").await;
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(second.running(), 0, "woken without an answer");
    assert_eq!(second.describe(&id).await.unwrap().status, Status::Running);
    assert_eq!(asker.calls(), 1);

    second
        .send_task_success(&token, json!({"ok": 1}))
        .await
        .unwrap();
    assert_eq!(second.wait(&id).await.unwrap(), json!({"ok": 1}));
    assert_eq!(asker.calls(), 1, "the handler was called again");
    let h = second.history(&id).await.unwrap();
    assert_eq!(
        kinds(&h),
        [
            &HANDED_OUT[..],
            &[
                "TaskSucceeded",
                "TaskStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded"
            ]
        ]
        .concat()
    );
    for (i, e) in h.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1, "{:?}", kinds(&h));
    }
    for (old, new) in before.iter().zip(&h) {
        assert_eq!(old.timestamp, new.timestamp, "{} moved", new.kind);
    }
    assert_eq!(
        h[4].to_json()["taskSubmittedEventDetails"]["output"],
        json!("{\"MessageId\":\"m-1\"}")
    );
    let late = second
        .send_task_success(&token, json!(1))
        .await
        .unwrap_err();
    assert_eq!(late.name(), "TaskTimedOut");
}

/// A process with no worker loop (an API server, say) answers: the store makes the
/// execution due and a worker elsewhere resumes it with the failure.
async fn an_answer_from_another_process_wakes_it(b: Backend) {
    let asker = Arc::new(Asker::default());
    let e = worker(&b, &asker, "a").await;
    let api = engine(
        b.store().await,
        &Arc::default(),
        "api",
        Duration::from_secs(1),
        Duration::from_millis(200),
    )
    .await;
    let id = e
        .start("ask", json!({}), StartOptions::default())
        .await
        .unwrap();
    let token = asker.token(0).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(e.running(), 0);
    api.send_task_failure(&token, Some("Rejected"), Some("no"))
        .await
        .unwrap();
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!((err.error(), err.cause()), (Some("Rejected"), Some("no")));
    assert_eq!(asker.calls(), 1);
    let h = e.history(&id).await.unwrap();
    assert_eq!(h[5].kind, "TaskFailed");
}

/// At rest, the deadlines still hold: no heartbeat within `HeartbeatSeconds` fails the task
/// with `States.Timeout` at that time; heartbeats keep it waiting (each wakes it at its old
/// deadline to rest again); `TimeoutSeconds` ends it at its time.
async fn heartbeat_and_task_timeouts_end_a_resting_callback(b: Backend) {
    let asker = Arc::new(Asker::default());
    let e = worker(&b, &asker, "a").await;
    let id = e
        .start("beat", json!({}), StartOptions::default())
        .await
        .unwrap();
    asker.token(0).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(e.running(), 0);
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!(err.error(), Some("States.Timeout"));
    let d = e.describe(&id).await.unwrap();
    let took = (d.stop_date.unwrap() - d.start_date).num_milliseconds();
    assert!(
        (30_000..31_000).contains(&took),
        "timed out after {took} ms"
    );
    assert_eq!(kinds(&e.history(&id).await.unwrap())[5], "TaskTimedOut");

    // Heartbeats at 20 s and 45 s, the answer at 70 s: it succeeds.
    let id = e
        .start("beat", json!({}), StartOptions::default())
        .await
        .unwrap();
    let token = asker.token(1).await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(e.running(), 0);
    e.send_task_heartbeat(&token).await.unwrap();
    tokio::time::sleep(Duration::from_secs(25)).await;
    e.send_task_heartbeat(&token).await.unwrap();
    tokio::time::sleep(Duration::from_secs(25)).await;
    assert_eq!(e.running(), 0, "a heartbeat kept it in memory");
    e.send_task_success(&token, json!("late but alive"))
        .await
        .unwrap();
    assert_eq!(e.wait(&id).await.unwrap(), json!("late but alive"));

    // TimeoutSeconds: 120.
    let id = e
        .start("slow", json!({}), StartOptions::default())
        .await
        .unwrap();
    asker.token(2).await;
    let err = e.wait(&id).await.unwrap_err();
    assert_eq!(err.error(), Some("States.Timeout"));
    let d = e.describe(&id).await.unwrap();
    let took = (d.stop_date.unwrap() - d.start_date).num_milliseconds();
    assert!(
        (120_000..121_000).contains(&took),
        "timed out after {took} ms"
    );
    assert_eq!(asker.calls(), 3);
}

/// With callbacks kept in memory (no rest), a worker allowed two executions takes a third
/// only when one of its two ends.
async fn a_worker_holds_at_most_max_running(b: Backend) {
    let asker = Arc::new(Asker::default());
    let builder = |worker: &str| {
        Engine::builder()
            .workflow("ask", ask::Workflow::new(Arc::clone(&asker)))
            .worker_id(worker)
            .run_started(false)
    };
    let submitter = builder("submitter")
        .store(b.store().await)
        .build()
        .await
        .unwrap();
    let e = builder("w")
        .store(b.store().await)
        .rest_after(None)
        .max_running(2)
        .build()
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        let started = submitter.start("ask", json!({ "n": n }), StartOptions::default());
        ids.push(started.await.unwrap());
    }
    let w = e.clone();
    tokio::spawn(async move { w.run().await });
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!((asker.calls(), e.running()), (2, 2));
    e.send_task_success(&asker.token(0).await, json!(0))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!((asker.calls(), e.running()), (3, 2));
    for n in 1..3 {
        let token = asker.token(n).await;
        e.send_task_success(&token, json!(n)).await.unwrap();
    }
    for id in &ids {
        e.wait(id).await.unwrap();
    }
    // The worker lets an execution go once its end is committed, which `wait` can read
    // first.
    for _ in 0..100 {
        if e.running() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(e.running(), 0);
}

/// A Distributed Map's STANDARD children are top-level executions: each rests on its token
/// (only the parent, waiting for them, stays in memory) and each answer resumes its child.
async fn distributed_map_children_rest_on_their_tokens(b: Backend) {
    let asker = Arc::new(Asker::default());
    let e = worker(&b, &asker, "a").await;
    let id = e
        .start("fan", json!([1, 2, 3]), StartOptions::default())
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for n in 0..3 {
        tokens.push(asker.token(n).await);
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(e.running(), 1, "only the parent stays in memory");
    for (n, token) in tokens.iter().enumerate() {
        e.send_task_success(token, json!({ "n": n })).await.unwrap();
    }
    let out = e.wait(&id).await.unwrap();
    let mut got: Vec<i64> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["n"].as_i64().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(asker.calls(), 3);
}

/// Answered in time (at 100 s of its 120 s) while no worker runs, and resumed only after its
/// `TimeoutSeconds` passed: the answer was taken, so the task succeeds with it.
async fn an_answer_before_the_timeout_wins_when_resumed_after_it(b: Backend) {
    let asker = Arc::new(Asker::default());
    let first = worker(&b, &asker, "a").await;
    let id = first
        .start("slow", json!({}), StartOptions::default())
        .await
        .unwrap();
    let token = asker.token(0).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(first.running(), 0);
    first.shutdown();
    drop(first);
    let api = engine(
        b.store().await,
        &asker,
        "api",
        Duration::from_secs(1),
        Duration::from_millis(200),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(90)).await;
    api.send_task_success(&token, json!("in time"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(100)).await;
    let second = worker(&b, &asker, "b").await;
    assert_eq!(second.wait(&id).await.unwrap(), json!("in time"));
    assert_eq!(asker.calls(), 1);
}

/// Answers that race the rest (given about when the execution goes to rest, 20 ms after the
/// token was handed out) are not lost: each resumes its execution at once, not when its
/// lease expires (10 s) or at the next poll (10 s). Real time, many executions: the race is
/// a matter of timing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_racing_the_rest_are_not_lost() {
    for b in [Some(sqlite()), postgres()].into_iter().flatten() {
        let e = Engine::builder()
            .store(b.store().await)
            .workflow("race", race::Workflow::new(SelfAnswering))
            .rest_after(Some(Duration::from_millis(20)))
            .poll_interval(Duration::from_secs(10))
            .lease_timeout(Duration::from_secs(10))
            .build()
            .await
            .unwrap();
        let w = e.clone();
        tokio::spawn(async move { w.run().await });
        let mut ids = Vec::new();
        for _ in 0..200 {
            ids.push(
                e.start("race", json!({}), StartOptions::default())
                    .await
                    .unwrap(),
            );
        }
        let started = std::time::Instant::now();
        for id in &ids {
            assert_eq!(e.wait(id).await.unwrap(), json!("raced"));
        }
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(8),
            "200 answered executions took {took:?}"
        );
        e.shutdown();
    }
}

/// Waits (up to 2 s) until `e` holds no execution in memory: its one execution rests.
async fn at_rest(e: &Engine) {
    for _ in 0..100 {
        if e.running() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(e.running(), 0, "not at rest");
}

/// A worker (its loop running) that rests a waiting task after 100 ms and polls every 10 s,
/// so only a wake-up can resume an answered execution soon.
async fn polling_slowly(b: &Backend, asker: &Arc<Asker>) -> Engine {
    let e = engine(
        b.store().await,
        asker,
        "a",
        Duration::from_millis(100),
        Duration::from_secs(10),
    )
    .await;
    let w = e.clone();
    tokio::spawn(async move { w.run().await });
    e
}

/// Answered in this process, a resting execution is resumed at once, not at the worker's next
/// poll (10 s here). Real time: the claim and the resume are real work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_here_wakes_it_at_once() {
    for b in [Some(sqlite()), postgres()].into_iter().flatten() {
        let asker = Arc::new(Asker::default());
        let e = polling_slowly(&b, &asker).await;
        let id = e
            .start("ask", json!({}), StartOptions::default())
            .await
            .unwrap();
        let token = asker.token(0).await;
        at_rest(&e).await;
        let answered = std::time::Instant::now();
        e.send_task_success(&token, json!(7)).await.unwrap();
        assert_eq!(e.wait(&id).await.unwrap(), json!(7));
        let took = answered.elapsed();
        assert!(took < Duration::from_secs(5), "woken after {took:?}");
        assert_eq!(asker.calls(), 1);
        e.shutdown();
    }
}

/// Ends the connections listening for answers in this database (this test's, and those of
/// tests running beside it: they listen again).
async fn drop_listeners(b: &Backend) {
    let Backend::Postgres(url, _) = b else { return };
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let ended = client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'asl-answers' AND datname = current_database()",
            &[],
        )
        .await
        .unwrap();
    assert!(!ended.is_empty(), "no connection listened");
}

/// Answered by another process (an API server with no worker loop), a resting execution is
/// resumed at once on Postgres, whose store announces answers (`LISTEN`/`NOTIFY`), not at
/// the worker's next poll (10 s here). Real time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_from_another_process_wakes_it_at_once_on_postgres() {
    let Some(b) = postgres() else { return };
    let asker = Arc::new(Asker::default());
    let e = polling_slowly(&b, &asker).await;
    let api = engine(
        b.store().await,
        &Arc::default(),
        "api",
        Duration::from_millis(100),
        Duration::from_secs(10),
    )
    .await;
    for n in 0..3 {
        let id = e
            .start("ask", json!({"n": n}), StartOptions::default())
            .await
            .unwrap();
        let token = asker.token(n).await;
        at_rest(&e).await;
        if n == 2 {
            // The listening connection is lost: it listens again and looks for what came
            // meanwhile.
            drop_listeners(&b).await;
        }
        let answered = std::time::Instant::now();
        api.send_task_success(&token, json!(n)).await.unwrap();
        assert_eq!(e.wait(&id).await.unwrap(), json!(n));
        let took = answered.elapsed();
        assert!(took < Duration::from_secs(3), "woken after {took:?}");
    }
    assert_eq!(asker.calls(), 3);
    e.shutdown();
}

/// Among many executions held in memory waiting on their tokens, an answer wakes the one
/// task waiting on that token: it alone reads its token from the store (every waiter read
/// its token on each answer before, an answer's cost growing with the executions waiting).
/// Answered here, or by another process: on Postgres the store announces the token (both
/// with a 10-minute poll interval: only the wake-up can resume it within the test); on
/// SQLite the engine's poll finds it, one store call for every token waited on (each task
/// read its own token every poll interval before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_wakes_only_the_task_waiting_on_its_token() {
    let long = Duration::from_secs(600);
    for b in [Some(sqlite()), postgres()].into_iter().flatten() {
        one_of_many_answered(&b, long, false).await;
    }
    if let Some(b) = postgres() {
        one_of_many_answered(&b, long, true).await;
    }
    let polls = one_of_many_answered(&sqlite(), Duration::from_millis(300), true).await;
    assert!(polls >= 2, "{polls} polls in 900 ms");
}

/// Starts 40 executions on a fresh store of `b`'s kind, each held waiting on its token by an
/// engine polling every `poll`; answers one (here or from `elsewhere`, another engine), and
/// checks it ended soon with no more than three token reads. Returns the engine's polls for
/// tokens over three poll intervals after the answer.
async fn one_of_many_answered(b: &Backend, poll: Duration, elsewhere: bool) -> u64 {
    const WAITING: usize = 40;
    let b = match b {
        Backend::Postgres(..) => postgres().unwrap(),
        _ => sqlite(),
    };
    let asker = Arc::new(Asker::default());
    let counting = Arc::new(CountingStore::new(b.store().await));
    // Held: no rest within the test.
    let e = engine(
        Arc::clone(&counting) as Arc<dyn Store>,
        &asker,
        "a",
        Duration::from_secs(3600),
        poll,
    )
    .await;
    let w = e.clone();
    tokio::spawn(async move { w.run().await });
    let mut ids = Vec::new();
    for n in 0..WAITING {
        ids.push(
            e.start("ask", json!({"n": n}), StartOptions::default())
                .await
                .unwrap(),
        );
    }
    asker.token(WAITING - 1).await;
    let id = &ids[WAITING / 2];
    let token = e.waiting_tokens(id).await.unwrap()[0].token.clone();
    let answerer = if elsewhere {
        engine(
            b.store().await,
            &Arc::default(),
            "api",
            Duration::from_secs(3600),
            poll,
        )
        .await
    } else {
        e.clone()
    };
    // Every task reads its token once, when it starts waiting: wait for those reads.
    for _ in 0..1000 {
        if counting.token_reads() >= WAITING as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        counting.token_reads() >= WAITING as u64,
        "not every task read its token"
    );
    assert_eq!(e.running(), WAITING);
    let (reads, polls) = (counting.token_reads(), counting.token_polls());
    answerer
        .send_task_success(&token, json!("yes"))
        .await
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), e.wait(id)).await;
    assert_eq!(ended.expect("not woken").unwrap(), json!("yes"));
    // Three polls' time (a short poll): each waiting task would have read its token three
    // times.
    let settle = if poll < Duration::from_secs(1) {
        poll * 3
    } else {
        Duration::from_millis(300)
    };
    tokio::time::sleep(settle).await;
    let reads = counting.token_reads() - reads;
    let from = if elsewhere { "another process" } else { "here" };
    assert!(
        reads <= 3,
        "one answer from {from} read tokens {reads} times among {WAITING} waiting"
    );
    assert_eq!(asker.calls(), WAITING);
    e.shutdown();
    counting.token_polls() - polls
}
