//! The web console with 100,000 executions in the store (issue 18): `cargo run --release -p
//! asl-bench --bin console [-- --executions N] [--runs N]`.
//!
//! A fresh SQLite file (WAL, `synchronous=FULL`) is filled through the store's own API
//! (`Store::create`, then a `Store::commit` closing three executions in four as SUCCEEDED,
//! FAILED or ABORTED; many at once, so the store's group commit batches them), one second
//! apart, all of the workflow `chain` (the 100-state Pass chain). One real execution of it
//! (`sample`, about 200 events) is then run by a submit-only engine on the same file (it
//! claims nothing else), and `asl_server::router` serves the console.
//!
//! Each page is requested `--runs` times (default 30) through the router in-process (no
//! socket: the figure is the server's work: routing, engine and store reads, HTML) after
//! one warm-up request; the median and the 90th percentile are printed. `--keep` keeps the
//! database file (its path is printed).

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use asl_bench::{NoTasks, wf};
use asl_runtime::store::{Close, Commit, ExecutionRecord, SqliteStore, Store};
use asl_runtime::{Engine, Status};
use axum::body::Body;
use http_body_util::BodyExt;
use tower::ServiceExt;

type Error = Box<dyn std::error::Error + Send + Sync>;

const ARN: &str = "arn:aws:states:us-east-1:123456789012";

fn record(i: u64, start: chrono::DateTime<chrono::Utc>) -> ExecutionRecord {
    let name = format!("order-{i:06}");
    ExecutionRecord {
        id: format!("{ARN}:execution:chain:{name}"),
        workflow: "chain".into(),
        name,
        state_machine_arn: format!("{ARN}:stateMachine:chain"),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        status: Status::Running,
        input: serde_json::json!({ "order": i, "items": ["a", "b", "c"] }),
        output: None,
        error: None,
        cause: None,
        start_date: start,
        stop_date: None,
        redrive_count: 0,
        redrive_date: None,
        checkpoint: None,
        secret: "bench".into(),
        map_run: None,
        map_items: 0,
    }
}

/// Fills the store: `n` executions of `chain`, three in four closed.
async fn fill(store: &SqliteStore, n: u64) -> Result<(), Error> {
    let base = chrono::Utc::now() - chrono::Duration::seconds(n as i64 + 60);
    let lease = chrono::Utc::now() + chrono::Duration::hours(1);
    let mut i = 0;
    while i < n {
        let batch: Vec<u64> = (i..(i + 500).min(n)).collect();
        let writes = batch.iter().map(|&k| async move {
            let start = base + chrono::Duration::seconds(k as i64);
            let r = record(k, start);
            let id = r.id.clone();
            store.create(r, Some("filler".into()), lease).await?;
            let status = match k % 4 {
                0 => return Ok::<(), Error>(()),
                1 => Status::Succeeded,
                2 => Status::Failed,
                _ => Status::Aborted,
            };
            store
                .commit(Commit {
                    execution: id,
                    worker: "filler".into(),
                    events: vec![],
                    checkpoint: None,
                    provisional: false,
                    truncate_from: None,
                    rest: None,
                    close: Some(Close {
                        status,
                        output: (status == Status::Succeeded).then(|| serde_json::json!({"ok": k})),
                        error: (status == Status::Failed).then(|| "Bench.Error".to_string()),
                        cause: None,
                        at: start + chrono::Duration::milliseconds(750),
                    }),
                })
                .await?;
            Ok(())
        });
        for r in futures_util::future::join_all(writes).await {
            r?;
        }
        i += 500;
    }
    Ok(())
}

/// Requests `path` `runs` times after a warm-up; the median and 90th percentile, and the
/// page's size.
async fn measure(
    app: &axum::Router,
    path: &str,
    runs: usize,
) -> Result<(Duration, Duration, usize), Error> {
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for k in 0..=runs {
        let request = http::Request::get(path)
            .header("host", "localhost")
            .body(Body::empty())?;
        let t = Instant::now();
        let response = app.clone().oneshot(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        let elapsed = t.elapsed();
        if status != http::StatusCode::OK {
            return Err(format!("{path}: HTTP {status}").into());
        }
        size = body.len();
        if k > 0 {
            times.push(elapsed);
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
    Ok((median, p90, size))
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = arg("--executions", 100_000);
    let runs = arg("--runs", 30).max(1) as usize;
    let dir = std::env::temp_dir().join(format!("asl-bench-console-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let store = SqliteStore::open(dir.join("console.db")).await?;
        let t = Instant::now();
        fill(&store, n).await?;
        println!(
            "filled {n} executions in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let engine = Engine::builder()
            .store(store)
            .workflow("chain", wf::pass_chain_100::Workflow::new(NoTasks))
            .build()
            .await?;
        let sample = engine
            .start(
                "chain",
                serde_json::json!({"sample": true}),
                asl_runtime::StartOptions::default().name("sample"),
            )
            .await?;
        let _ = engine.wait(&sample).await;
        let events = engine.history(&sample).await?.len();
        let app = asl_server::router(engine, asl_server::Config::new());
        let later = (n / 2).to_string();
        let pages = [
            ("state machines (counts by status)", "/console/".to_string()),
            (
                "executions, first page (100)",
                "/console/machines/chain".into(),
            ),
            (
                "executions, status FAILED",
                "/console/machines/chain?status=FAILED".into(),
            ),
            (
                "executions, name search (10 matches)",
                "/console/machines/chain?name=order-09999".into(),
            ),
            (
                "executions, name search (no match)",
                "/console/machines/chain?name=nothing".into(),
            ),
            (
                "executions, a later page (offset n/2)",
                format!("/console/machines/chain?token={later}"),
            ),
            (
                "execution page (sample)",
                format!("/console/executions/{}", sample.as_str()),
            ),
        ];
        println!("{runs} requests each, after one warm-up; the execution page has {events} events");
        println!(
            "{:<40} {:>10} {:>10} {:>10}",
            "page", "median", "p90", "bytes"
        );
        for (label, path) in pages {
            let (median, p90, size) = measure(&app, &path, runs).await?;
            println!(
                "{label:<40} {:>7.2} ms {:>7.2} ms {size:>10}",
                median.as_secs_f64() * 1000.0,
                p90.as_secs_f64() * 1000.0
            );
        }
        Ok::<(), Error>(())
    });
    if args.iter().any(|a| a == "--keep") {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}
