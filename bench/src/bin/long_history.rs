//! Long histories (issue 20): `cargo run --release -p asl-bench --bin long_history
//! [-- --postgres <url>] [--json]`.
//!
//! Runs one durable execution of `map_items` over 3,000 items (8 events per iteration: about
//! 24,000 events, near AWS's 25,000) on a fresh SQLite file (or, with `--postgres`, a fresh
//! schema), then times what a console or an API client asks of it: `describe`, a page of
//! 1,000 events (first, middle, and last in reverse order, as GetExecutionHistory serves
//! them), and the whole history. Each figure is the median of 50 calls (p99 beside it).

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use asl_bench::{NoTasks, wf};
use asl_runtime::durable::HistoryPage;
use asl_runtime::{Engine, StartOptions};

const ITEMS: usize = 3_000;
const CALLS: usize = 50;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let postgres = args
        .iter()
        .position(|a| a == "--postgres")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = std::env::temp_dir().join(format!("asl-bench-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let schema = format!("bench_history_{}", std::process::id());
    let rows = rt.block_on(async {
        let store = asl_bench::fresh_store(postgres.as_deref(), &dir, &schema).await?;
        let engine = Engine::builder()
            .store(store)
            .workflow("map", wf::map_items::Workflow::new(NoTasks))
            .build()
            .await?;
        let items: Vec<usize> = (0..ITEMS).collect();
        let started = Instant::now();
        let id = engine
            .start(
                "map",
                serde_json::json!({ "items": items }),
                StartOptions::default(),
            )
            .await?;
        engine
            .wait(&id)
            .await
            .map_err(|e| format!("execution failed: {e}"))?;
        let ran = started.elapsed();
        let events = engine.history(&id).await?.len() as u64;
        let mut rows: Vec<(&str, Duration, Duration)> = Vec::new();
        let (m, p) = time(|| async { engine.describe(&id).await.map(|_| ()) }).await?;
        rows.push(("describe", m, p));
        let first = HistoryPage {
            size: 1000,
            ..HistoryPage::default()
        };
        let (m, p) = time(|| async { engine.history_page(&id, &first).await.map(|_| ()) }).await?;
        rows.push(("page of 1,000: first", m, p));
        let middle = HistoryPage {
            after: Some(events / 2),
            size: 1000,
            ..HistoryPage::default()
        };
        let (m, p) = time(|| async { engine.history_page(&id, &middle).await.map(|_| ()) }).await?;
        rows.push(("page of 1,000: middle", m, p));
        let last = HistoryPage {
            reverse: true,
            size: 1000,
            ..HistoryPage::default()
        };
        let (m, p) = time(|| async { engine.history_page(&id, &last).await.map(|_| ()) }).await?;
        rows.push(("page of 1,000: newest (reverse)", m, p));
        let (m, p) = time(|| async { engine.history(&id).await.map(|_| ()) }).await?;
        rows.push(("whole history", m, p));
        Ok::<_, Box<dyn std::error::Error>>((events, ran, rows))
    })?;
    if let Some(url) = &postgres {
        rt.block_on(asl_bench::drop_schema(url, &schema));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (events, ran, rows) = rows;
    let store = if postgres.is_some() {
        "Postgres"
    } else {
        "SQLite"
    };
    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|(what, m, p)| {
                serde_json::json!({"what": what, "median_ms": ms(*m), "p99_ms": ms(*p)})
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"store": store, "events": events, "rows": out})
        );
    } else {
        println!(
            "one execution with {events} events on {store} (ran in {:.1} s); median of {CALLS} calls:",
            ran.as_secs_f64()
        );
        for (what, m, p) in rows {
            println!("  {what:<34} {:>8.3} ms   (p99 {:.3} ms)", ms(m), ms(p));
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median and 99th percentile of `CALLS` calls of `f` (after one to warm up).
async fn time<F, Fut, E>(f: F) -> Result<(Duration, Duration), E>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
{
    f().await?;
    let mut took = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let t = Instant::now();
        f().await?;
        took.push(t.elapsed());
    }
    took.sort();
    Ok((took[CALLS / 2], took[CALLS * 99 / 100]))
}
