//! Many open executions (issue 20): `cargo run --release -p asl-bench --bin open_executions
//! [-- --count N] [--clients C] [--workers W] [--postgres <url>] [--json]`.
//!
//! 1. A submit-only engine (`run_started(false)`) starts `N` Standard executions of
//!    `Mark → Pause (Wait to $.due) → Woken`, 64 clients at once (`--clients`): starts per
//!    second. `--starts-only` stops here.
//! 2. One worker (`Engine::run`) takes them all up: each runs `Mark` and goes to rest in its
//!    Wait. Reported: the time until every `Mark` ran and no execution is held in memory,
//!    and the worker's peak resident memory meanwhile.
//! 3. That worker goes away; a new one (`--workers W`: W, each an engine with a worker
//!    loop) starts among the resting executions, whose Waits are due spread over the next
//!    `N / 2,000` seconds (at least 20 s from the start). Reported: how late each Wait ended
//!    against its due time (max, 99th percentile, median), measured by `Woken`.
//!
//! On a fresh SQLite file (WAL, `synchronous=FULL`) or, with `--postgres`, a fresh schema.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

// The benchmarks' allocator (mimalloc) and memory readings.
use asl_bench::memory::{reset_peak, rss_kib};
use asl_runtime::store::Store;
use asl_runtime::{Engine, StartOptions, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod open {
    "StartAt": "Mark",
    "States": {
        "Mark": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:mark",
                  "ResultPath": null, "Next": "Pause" },
        "Pause": { "Type": "Wait", "TimestampPath": "$.due", "Next": "Woken" },
        "Woken": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:woken",
                   "End": true }
    }
});

/// Counts `Mark` calls; records how late each `Woken` ran.
#[derive(Default)]
struct Probe {
    marked: AtomicU64,
    late_ms: std::sync::Mutex<Vec<i64>>,
}

impl open::Tasks for Arc<Probe> {
    async fn mark(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.marked.fetch_add(1, Ordering::Relaxed);
        Ok(Value::Null)
    }
    async fn woken(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let due = input["due"]
            .as_str()
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .ok_or_else(|| TaskError::new("Bench.NoDue", "no due time"))?;
        // The Wait ends at the whole second (AWS drops the fraction: WAIT-3).
        let due = due.with_timezone(&chrono::Utc);
        let due = due - chrono::Duration::nanoseconds(i64::from(due.timestamp_subsec_nanos()));
        let late = (chrono::Utc::now() - due).num_milliseconds();
        self.late_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(late);
        Ok(Value::Null)
    }
}

async fn engine(store: Arc<dyn Store>, probe: &Arc<Probe>, worker: &str) -> Engine {
    match Engine::builder()
        .store(store)
        .workflow("open", open::Workflow::new(Arc::clone(probe)))
        .worker_id(worker)
        .run_started(false)
        .build()
        .await
    {
        Ok(e) => e,
        Err(e) => panic!("engine: {e}"),
    }
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
    let postgres = arg("--postgres");
    let clients: u64 = arg("--clients").map_or(Ok(64), |c| c.parse())?;
    let starts_only = args.iter().any(|a| a == "--starts-only");
    let wakers: u64 = arg("--workers").map_or(Ok(1), |c| c.parse())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = std::env::temp_dir().join(format!("asl-bench-open-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let schema = format!("open_{}", std::process::id());
    let result = rt.block_on(async {
        let store = asl_bench::fresh_store(postgres.as_deref(), &dir, &schema).await?;
        let probe = Arc::new(Probe::default());

        // 1. Starts, by a submit-only engine.
        let submitter = engine(Arc::clone(&store), &probe, "submitter").await;
        let spread = Duration::from_secs((count / 2000).max(1));
        let first_due = chrono::Utc::now() + chrono::Duration::seconds(20)
            + chrono::Duration::milliseconds((count / 5) as i64); // room for steps 1 and 2
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
                    let offset = spread.as_millis() as u64 * i / count.max(1);
                    let due = first_due + chrono::Duration::milliseconds(offset as i64);
                    submitter
                        .start(
                            "open",
                            json!({"i": i, "due": due.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)}),
                            StartOptions::default(),
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }));
        }
        for c in tasks {
            c.await??;
        }
        let start_secs = started.elapsed().as_secs_f64();
        if starts_only {
            println!(
                "{count} starts on {} ({clients} submit-only clients): {:.0} /s",
                if postgres.is_some() { "postgres" } else { "sqlite" },
                count as f64 / start_secs
            );
            return Ok(json!({}));
        }

        // 2. One worker takes them all up; each goes to rest in its Wait.
        reset_peak();
        let rss_before = rss_kib("VmRSS:");
        let worker = engine(Arc::clone(&store), &probe, "worker-1").await;
        let looping = worker.clone();
        let first_loop = tokio::spawn(async move { looping.run().await });
        let taken = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if probe.marked.load(Ordering::Relaxed) >= count && worker.running() == 0 {
                break;
            }
            if first_loop.is_finished() {
                return Err(format!("the worker stopped: {:?}", first_loop.await).into());
            }
        }
        let take_secs = taken.elapsed().as_secs_f64();
        let peak_mib = rss_kib("VmHWM:") as f64 / 1024.0;
        let rss_rest_mib = rss_kib("VmRSS:") as f64 / 1024.0;
        worker.shutdown();
        first_loop.await??;
        drop(worker);

        // 3. New workers among them: each Wait ends on time.
        let mut loops = Vec::new();
        for w in 0..wakers {
            let worker = engine(Arc::clone(&store), &probe, &format!("waker-{w}")).await;
            let looping = worker.clone();
            loops.push((worker, tokio::spawn(async move { looping.run().await })));
        }
        let deadline = Instant::now()
            + (first_due - chrono::Utc::now()).to_std().unwrap_or_default()
            + spread
            + Duration::from_secs(60);
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let woken = probe.late_ms.lock().unwrap_or_else(|e| e.into_inner()).len() as u64;
            if woken >= count {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("only {woken} of {count} Waits ended in time").into());
            }
        }
        for (worker, looping) in loops {
            worker.shutdown();
            looping.await??;
        }
        let mut late = std::mem::take(&mut *probe.late_ms.lock().unwrap_or_else(|e| e.into_inner()));
        late.sort_unstable();
        let max_late = late.last().copied().unwrap_or_default();
        let p99 = late
            .get(late.len().saturating_sub(1) * 99 / 100)
            .copied()
            .unwrap_or_default();
        let p50 = late.get(late.len() / 2).copied().unwrap_or_default();
        Ok::<_, Box<dyn std::error::Error>>(json!({
            "store": if postgres.is_some() { "postgres" } else { "sqlite" },
            "clients": clients,
            "executions": count,
            "starts_per_s": count as f64 / start_secs,
            "take_up_s": take_secs,
            "worker_peak_rss_mib": peak_mib,
            "worker_rss_at_rest_mib": rss_rest_mib,
            "rss_before_worker_mib": rss_before as f64 / 1024.0,
            "wait_late_max_ms": max_late,
            "wait_late_p99_ms": p99,
            "wait_late_p50_ms": p50,
            "wakes_spread_s": spread.as_secs(),
            "wake_workers": wakers,
        }))
    });
    if let Some(url) = &postgres {
        rt.block_on(asl_bench::drop_schema(url, &schema));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let r = result?;
    if starts_only {
        return Ok(());
    }
    if json_out {
        println!("{r}");
    } else {
        println!(
            "{} open executions on {} (each resting in a Wait):",
            r["executions"], r["store"]
        );
        println!(
            "  starts ({} submit-only clients): {:>10.0} /s",
            r["clients"],
            r["starts_per_s"].as_f64().unwrap_or_default()
        );
        println!(
            "  one worker takes all up in:      {:>10.1} s",
            r["take_up_s"].as_f64().unwrap_or_default()
        );
        println!(
            "  worker peak RSS meanwhile:       {:>10.0} MiB (process before the worker: {:.0} MiB; at rest: {:.0} MiB)",
            r["worker_peak_rss_mib"].as_f64().unwrap_or_default(),
            r["rss_before_worker_mib"].as_f64().unwrap_or_default(),
            r["worker_rss_at_rest_mib"].as_f64().unwrap_or_default()
        );
        println!(
            "  {} new worker(s), Waits due over {} s: late by max {} ms, p99 {} ms, median {} ms",
            r["wake_workers"],
            r["wakes_spread_s"],
            r["wait_late_max_ms"],
            r["wait_late_p99_ms"],
            r["wait_late_p50_ms"]
        );
    }
    Ok(())
}
