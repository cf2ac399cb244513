//! A Distributed Map whose children all wait at once (issue 20): `cargo run --release -p
//! asl-bench --bin open_map [-- --children N] [--wait S] [--postgres <url>]`.
//!
//! One Standard execution maps `N` items (default 10,000; at most 10,000, the Map's
//! `MaxConcurrency`, so that every child waits at once) as STANDARD child executions, each child `Mark (Task) → Pause (Wait S seconds, default 30) → Done`.
//! One engine in this process runs the parent and, through its worker loop
//! (`Engine::run`), the children: each child runs `Mark` and goes to rest in its Wait (out of
//! memory), and is woken when it is due. Reported: how long until every child ran `Mark`
//! and no child is held in memory (only the parent runs), the process's peak resident memory
//! meanwhile, and when the parent succeeded against the last child's due time.
//!
//! On a fresh SQLite file (WAL, `synchronous=FULL`) or, with `--postgres`, a fresh schema.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

// The benchmarks' allocator (mimalloc), as in every other bench binary.
use asl_bench as _;
use asl_runtime::{Engine, StartOptions, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod fan {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "Label": "Children",
            "ItemsPath": "$.items",
            "MaxConcurrency": 10000,
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Mark",
                "States": {
                    "Mark": { "Type": "Task",
                              "Resource": "arn:aws:lambda:us-east-1:123456789012:function:mark",
                              "ResultPath": null, "Next": "Pause" },
                    "Pause": { "Type": "Wait", "SecondsPath": "$.wait", "Next": "Done" },
                    "Done": { "Type": "Pass", "Result": 1, "End": true }
                }
            },
            "ResultSelector": { "children.$": "States.ArrayLength($)" },
            "End": true
        }
    }
});

/// Counts `Mark` calls.
#[derive(Default)]
struct Probe {
    marked: AtomicU64,
}

impl fan::Tasks for Arc<Probe> {
    async fn mark(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.marked.fetch_add(1, Ordering::Relaxed);
        Ok(Value::Null)
    }
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let children: u64 = arg("--children").map_or(Ok(10_000), |c| c.parse())?;
    let wait: u64 = arg("--wait").map_or(Ok(30), |c| c.parse())?;
    if children > 10_000 {
        return Err("--children: at most 10,000 (the Map's MaxConcurrency)".into());
    }
    let postgres = arg("--postgres");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = std::env::temp_dir().join(format!("asl-bench-open-map-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = rt.block_on(async {
        let schema = format!("open_map_{}", std::process::id());
        let store = asl_bench::fresh_store(postgres.as_deref(), &dir, &schema).await?;
        let probe = Arc::new(Probe::default());
        let engine = Engine::builder()
            .store(store)
            .workflow("fan", fan::Workflow::new(Arc::clone(&probe)))
            .build()
            .await?;
        let looping = engine.clone();
        let worker = tokio::spawn(async move { looping.run().await });
        let items: Vec<Value> = (0..children).map(|_| json!({ "wait": wait })).collect();
        let started = Instant::now();
        let id = engine
            .start("fan", json!({ "items": items }), StartOptions::default())
            .await?;
        // Every child marked, and only the parent in memory.
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if probe.marked.load(Ordering::Relaxed) >= children && engine.running() <= 1 {
                break;
            }
            if worker.is_finished() {
                return Err(format!("the worker stopped: {:?}", worker.await).into());
            }
        }
        let resting = started.elapsed().as_secs_f64();
        let peak = peak_rss_mib();
        let output = engine.wait(&id).await.map_err(|e| format!("{e:?}"))?;
        let done = started.elapsed().as_secs_f64();
        engine.shutdown();
        worker.await??;
        if output != json!({ "children": children }) {
            return Err(format!("unexpected output {output}").into());
        }
        Ok::<_, Box<dyn std::error::Error>>((resting, peak, done))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let (resting, peak, done) = result?;
    println!(
        "Distributed Map with {children} STANDARD children, each resting in a {wait} s Wait, on {}:",
        if postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    );
    println!("  every child started and at rest after: {resting:>8.1} s");
    println!("  peak RSS meanwhile:                     {peak:>8.0} MiB");
    println!(
        "  parent succeeded after:                 {done:>8.1} s (each child waits {wait} s; the last one started within {resting:.1} s)"
    );
    Ok(())
}
