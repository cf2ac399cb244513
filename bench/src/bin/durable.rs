//! Durable transitions per second (issue 8): `cargo run --release -p asl-bench --bin durable
//! [-- --json] [--postgres <url>]`. Runs `pass_chain_100` (100 states) as durable executions
//! on a fresh SQLite file (WAL, `synchronous=FULL`) or, with `--postgres`, in a fresh schema of
//! that database, with 1, 10 and 100 executions at once; every transition is committed before
//! the next state runs. `--concurrency N` runs only N at once; `--no-raw` skips the raw
//! SQLite commit rate measured after them.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use asl_bench::{NoTasks, wf};
use asl_runtime::{Engine, StartOptions};

const STATES: u64 = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let postgres = args
        .iter()
        .position(|a| a == "--postgres")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let only: Option<usize> = args
        .iter()
        .position(|a| a == "--concurrency")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let input: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        asl_bench::dir().join("inputs/pass_chain_100.json"),
    )?)?;
    let mut rows = Vec::new();
    let levels = match only {
        Some(n) => vec![n],
        None => vec![1usize, 10, 100],
    };
    for concurrency in levels {
        // A directory per level: the last level's store may close its file a moment after
        // the level ends, and SQLite must not meet a new file at the same path meanwhile.
        let dir = std::env::temp_dir().join(format!(
            "asl-bench-durable-{}-{concurrency}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let schema = format!("bench_{}_{concurrency}", std::process::id());
        let rate = rt.block_on(async {
            let store = asl_bench::fresh_store(postgres.as_deref(), &dir, &schema).await?;
            let engine = Engine::builder()
                .store(store)
                .workflow("chain", wf::pass_chain_100::Workflow::new(NoTasks))
                .build()
                .await?;
            let started = Instant::now();
            let mut executions = 0u64;
            while started.elapsed() < Duration::from_secs(3) {
                // Started together, as concurrent clients would: one after another, each
                // start waiting for its own commit, the wave would ramp up slowly.
                let ids = futures_util::future::try_join_all(
                    (0..concurrency)
                        .map(|_| engine.start("chain", input.clone(), StartOptions::default())),
                )
                .await?;
                for id in &ids {
                    engine
                        .wait(id)
                        .await
                        .map_err(|e| format!("execution failed: {e}"))?;
                }
                executions += concurrency as u64;
            }
            let secs = started.elapsed().as_secs_f64();
            Ok::<f64, Box<dyn std::error::Error>>((executions * STATES) as f64 / secs)
        })?;
        if let Some(url) = &postgres {
            rt.block_on(asl_bench::drop_schema(url, &schema));
        }
        let _ = std::fs::remove_dir_all(&dir);
        rows.push((concurrency, rate));
    }
    let raw = if postgres.is_none() && !args.iter().any(|a| a == "--no-raw") {
        Some(raw_commit_rate()?)
    } else {
        None
    };
    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|(c, r)| serde_json::json!({"concurrent": c, "transitions_per_s": r}))
            .chain(raw.map(|r| serde_json::json!({"raw_commits_per_s": r})))
            .collect();
        println!("{}", serde_json::Value::Array(out));
    } else {
        match &postgres {
            Some(_) => println!("durable transitions/s on Postgres, pass_chain_100:"),
            None => {
                println!("durable transitions/s on SQLite (WAL, synchronous=FULL), pass_chain_100:")
            }
        }
        for (c, r) in rows {
            println!("  {c:>3} concurrent executions: {r:>10.0} transitions/s");
        }
        if let Some(raw) = raw {
            println!(
                "  raw SQLite, one row per commit (same settings, same disk): {raw:>8.0} commits/s"
            );
        }
    }
    Ok(())
}

/// What the disk allows one writer: single-row transactions on a fresh SQLite file with the
/// store's settings (WAL, `synchronous=FULL`), for 3 s. The durable rate at 1 execution is
/// compared with this (one commit per transition).
fn raw_commit_rate() -> Result<f64, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("asl-bench-raw-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let conn = rusqlite::Connection::open(dir.join("raw.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(3) {
        conn.execute("INSERT INTO t (v) VALUES (?1)", ["{\"n\":1}"])?;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rate)
}
