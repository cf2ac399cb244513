//! Many executions waiting on task tokens (issue 20): `cargo run --release -p asl-bench --bin
//! open_tokens [-- --count N] [--answers K] [--rest-after-ms M] [--max-running R]
//! [--held] [--poll-ms P] [--postgres <url>] [--json]`.
//!
//! 1. A submit-only engine starts `N` Standard executions of `Ask (.waitForTaskToken) → Done`,
//!    64 clients at once: starts per second.
//! 2. One worker takes them all up: each `Ask` hands out its token and, unanswered after the
//!    engine's rest threshold (`--rest-after-ms`, 1,000 by default), the execution goes to
//!    rest; the worker holds at most `R` executions in memory (`--max-running`, the engine's
//!    default 10,000 by default). Reported: the time until every token was handed out and no
//!    execution is held in memory, the most it held, and its peak resident memory meanwhile.
//! 3. That worker goes away; a new one starts among the resting executions. `K` tokens
//!    (`--answers`, 1,000 by default) are answered one at a time in that process
//!    (`send_task_success`): how long from the answer until the execution's next state ran
//!    (max, 99th percentile, median), and how long the answer itself took. Then the rest
//!    are answered by 64 clients at once: executions completed per second. Every `Ask`
//!    handler must have run exactly once.
//!
//! With `--held` no execution rests (`--rest-after-ms` is ignored): the first worker holds
//! every execution in memory, each waiting on its token, and step 3's answers go to it: what
//! an answer costs among `N` waiting executions (`--max-running` is raised to `N`).
//!
//! The engines look for changes made by other processes every `P` ms (`--poll-ms`, the
//! engine's default 200 by default).
//!
//! On a fresh SQLite file (WAL, `synchronous=FULL`) or, with `--postgres`, a fresh schema.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// The benchmarks' allocator (mimalloc) and memory readings.
use asl_bench::memory::{reset_peak, rss_kib};
use asl_runtime::store::Store;
use asl_runtime::{Engine, StartOptions, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod asking {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "ResultPath": null, "Next": "Done" },
        "Done": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:done",
                  "End": true }
    }
});

/// Keeps each execution's token (by its input's `i`); reports each `Done`.
struct Probe {
    asked: AtomicU64,
    tokens: Mutex<Vec<Option<String>>>,
    done: tokio::sync::mpsc::UnboundedSender<u64>,
}

impl asking::Tasks for Arc<Probe> {
    async fn ask(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let i = input["i"].as_u64().unwrap_or_default() as usize;
        let token = ctx.task_token().unwrap_or_default().to_string();
        if let Some(slot) = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(i)
        {
            *slot = Some(token);
        }
        self.asked.fetch_add(1, Ordering::Relaxed);
        Ok(json!({"MessageId": i}))
    }
    async fn done(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let _ = self.done.send(input["i"].as_u64().unwrap_or_default());
        Ok(Value::Null)
    }
}

async fn engine(
    store: Arc<dyn Store>,
    probe: &Arc<Probe>,
    worker: &str,
    rest_after: Duration,
    max_running: usize,
    poll: Duration,
) -> Result<Engine, Box<dyn std::error::Error>> {
    Ok(Engine::builder()
        .store(store)
        .workflow("asking", asking::Workflow::new(Arc::clone(probe)))
        .worker_id(worker)
        .run_started(false)
        .rest_after(Some(rest_after))
        .max_running(max_running)
        .poll_interval(poll)
        .build()
        .await?)
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    sorted
        .get(sorted.len().saturating_sub(1) * p / 100)
        .copied()
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let json_out = args.iter().any(|a| a == "--json");
    let count: u64 = arg("--count").map_or(Ok(100_000), |c| c.parse())?;
    let answers: u64 = arg("--answers").map_or(Ok(1_000), |c| c.parse())?;
    let answers = answers.min(count);
    let held = args.iter().any(|a| a == "--held");
    let rest_after = if held {
        Duration::from_secs(365 * 86_400)
    } else {
        Duration::from_millis(arg("--rest-after-ms").map_or(Ok(1_000), |c| c.parse())?)
    };
    let postgres = arg("--postgres");
    let poll = Duration::from_millis(arg("--poll-ms").map_or(Ok(200), |c| c.parse())?);
    let max_running: usize = arg("--max-running").map_or(Ok(10_000), |c| c.parse())?;
    let max_running = if held {
        max_running.max(count as usize)
    } else {
        max_running
    };
    let clients = 64;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = std::env::temp_dir().join(format!("asl-bench-tokens-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let schema = format!("tokens_{}", std::process::id());
    let result = rt.block_on(async {
        let store = asl_bench::fresh_store(postgres.as_deref(), &dir, &schema).await?;
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
        let probe = Arc::new(Probe {
            asked: AtomicU64::new(0),
            tokens: Mutex::new(vec![None; count as usize]),
            done: done_tx,
        });

        // 1. Starts, by a submit-only engine.
        let submitter = engine(
            Arc::clone(&store),
            &probe,
            "submitter",
            rest_after,
            max_running,
            poll,
        )
        .await?;
        let started = Instant::now();
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (submitter, next) = (submitter.clone(), Arc::clone(&next));
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return Ok::<(), String>(());
                    }
                    submitter
                        .start("asking", json!({ "i": i }), StartOptions::default())
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }));
        }
        for c in tasks {
            c.await??;
        }
        let start_secs = started.elapsed().as_secs_f64();

        // 2. One worker takes them all up; each hands out its token and goes to rest.
        reset_peak();
        let rss_before = rss_kib("VmRSS:") as f64 / 1024.0;
        let worker = engine(
            Arc::clone(&store),
            &probe,
            "worker-1",
            rest_after,
            max_running,
            poll,
        )
        .await?;
        let looping = worker.clone();
        let first_loop = tokio::spawn(async move { looping.run().await });
        let taken = Instant::now();
        let mut most_held = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            most_held = most_held.max(worker.running());
            let asked = probe.asked.load(Ordering::Relaxed) >= count;
            if asked && (held || worker.running() == 0) {
                break;
            }
            if first_loop.is_finished() {
                return Err(format!("the worker stopped: {:?}", first_loop.await).into());
            }
        }
        let take_secs = taken.elapsed().as_secs_f64();
        let peak_mib = rss_kib("VmHWM:") as f64 / 1024.0;
        let rss_rest = rss_kib("VmRSS:") as f64 / 1024.0;
        // 3. A new worker among them (with `--held`, the one holding them); tokens answered
        // one at a time, then all at once.
        let (worker, second_loop) = if held {
            (worker, first_loop)
        } else {
            worker.shutdown();
            first_loop.await??;
            drop(worker);
            let worker = engine(
                Arc::clone(&store),
                &probe,
                "worker-2",
                rest_after,
                max_running,
                poll,
            )
            .await?;
            let looping = worker.clone();
            (worker, tokio::spawn(async move { looping.run().await }))
        };
        let tokens: Vec<String> =
            std::mem::take(&mut *probe.tokens.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .map(|t| t.ok_or("a token was not handed out"))
                .collect::<Result<_, _>>()?;
        let mut latencies = Vec::with_capacity(answers as usize);
        // How long the answer itself took (send_task_success: committed, announced).
        let mut sent = Vec::with_capacity(answers as usize);
        for (i, token) in tokens.iter().enumerate().take(answers as usize) {
            let answered = Instant::now();
            worker.send_task_success(token, json!({ "n": i })).await?;
            sent.push(answered.elapsed().as_secs_f64() * 1000.0);
            match tokio::time::timeout(Duration::from_secs(30), done_rx.recv()).await {
                Ok(Some(n)) if n == i as u64 => {}
                other => return Err(format!("execution {i} did not continue: {other:?}").into()),
            }
            latencies.push(answered.elapsed().as_secs_f64() * 1000.0);
        }
        let rest: Vec<String> = tokens.into_iter().skip(answers as usize).collect();
        let remaining = rest.len() as u64;
        let rest = Arc::new(rest);
        let all = Instant::now();
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (worker, next, rest) = (worker.clone(), Arc::clone(&next), Arc::clone(&rest));
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(token) = rest.get(i) else {
                        return Ok::<(), String>(());
                    };
                    worker
                        .send_task_success(token, json!({ "n": i }))
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }));
        }
        for c in tasks {
            c.await??;
        }
        for _ in 0..remaining {
            match tokio::time::timeout(Duration::from_secs(120), done_rx.recv()).await {
                Ok(Some(_)) => {}
                other => return Err(format!("not every execution continued: {other:?}").into()),
            }
        }
        let all_secs = all.elapsed().as_secs_f64();
        worker.shutdown();
        second_loop.await??;
        latencies.sort_by(f64::total_cmp);
        sent.sort_by(f64::total_cmp);
        Ok::<_, Box<dyn std::error::Error>>(json!({
            "store": if postgres.is_some() { "postgres" } else { "sqlite" },
            "executions": count,
            "held": held,
            "rest_after_ms": rest_after.as_millis() as u64,
            "starts_per_s": count as f64 / start_secs,
            "take_up_s": take_secs,
            "worker_peak_rss_mib": peak_mib,
            "most_held_in_memory": most_held,
            "rss_before_worker_mib": rss_before,
            "worker_rss_at_rest_mib": rss_rest,
            "handler_calls": probe.asked.load(Ordering::Relaxed),
            "answers": answers,
            "answer_to_next_state_max_ms": latencies.last().copied().unwrap_or_default(),
            "answer_to_next_state_p99_ms": percentile(&latencies, 99),
            "answer_to_next_state_p50_ms": percentile(&latencies, 50),
            "answer_call_p99_ms": percentile(&sent, 99),
            "answer_call_p50_ms": percentile(&sent, 50),
            "completed_together": remaining,
            "completed_per_s": remaining as f64 / all_secs.max(f64::EPSILON),
        }))
    });
    if let Some(url) = &postgres {
        rt.block_on(asl_bench::drop_schema(url, &schema));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let r = result?;
    if json_out {
        println!("{r}");
        return Ok(());
    }
    let f = |k: &str| r[k].as_f64().unwrap_or_default();
    if held {
        println!(
            "{} executions on {} each waiting on a task token, all held in memory:",
            r["executions"], r["store"]
        );
    } else {
        println!(
            "{} executions on {} each waiting on a task token (at rest after {} ms):",
            r["executions"], r["store"], r["rest_after_ms"]
        );
    }
    println!(
        "  starts (64 submit-only clients):  {:>10.0} /s",
        f("starts_per_s")
    );
    let took = if held {
        "hands out every token in"
    } else {
        "hands out every token and rests all in"
    };
    println!("  one worker {took}: {:.1} s", f("take_up_s"));
    println!(
        "  worker peak RSS meanwhile:        {:>10.0} MiB (at most {} executions in memory; process before the worker: {:.0} MiB; all at rest: {:.0} MiB)",
        f("worker_peak_rss_mib"),
        r["most_held_in_memory"],
        f("rss_before_worker_mib"),
        f("worker_rss_at_rest_mib")
    );
    println!(
        "  {} answers one at a time, answer to next state: max {:.2} ms, p99 {:.2} ms, median {:.2} ms",
        r["answers"],
        f("answer_to_next_state_max_ms"),
        f("answer_to_next_state_p99_ms"),
        f("answer_to_next_state_p50_ms")
    );
    println!(
        "    of which the answer (send_task_success) itself: p99 {:.2} ms, median {:.2} ms",
        f("answer_call_p99_ms"),
        f("answer_call_p50_ms")
    );
    println!(
        "  the other {} answered by 64 clients: {:.0} executions continued /s",
        r["completed_together"],
        f("completed_per_s")
    );
    println!(
        "  Ask handler calls: {} (one per execution)",
        r["handler_calls"]
    );
    Ok(())
}
