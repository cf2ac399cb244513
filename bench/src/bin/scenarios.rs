//! Times every scenario (`cargo run --release -p asl-bench --bin scenarios [-- --json]`):
//! per-execution and per-transition time on one thread, and for `express_small` also
//! executions per second with one concurrent stream of executions per core. Used by
//! `scripts/bench-peers.sh` to compare with the peer in the same run.

use std::time::{Duration, Instant};

use asl_bench::{SCENARIOS, input, run};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        let items: Vec<String> = SCENARIOS
            .iter()
            .map(|s| {
                format!(
                    "{{\"name\":\"{}\",\"workflow\":\"{}\",\"input\":\"{}\",\"transitions\":{}}}",
                    s.name, s.workflow, s.input, s.transitions
                )
            })
            .collect();
        println!("[{}]", items.join(","));
        return;
    }
    // `--throughput`: only `express_small` on all cores (for profiling).
    if std::env::args().any(|a| a == "--throughput") {
        println!(
            "express_small on all cores: {:.0} executions/s",
            express_throughput()
        );
        return;
    }
    let json = std::env::args().any(|a| a == "--json");
    // `--only <name>`: time one scenario (for profiling).
    let only: Option<String> = std::env::args().skip_while(|a| a != "--only").nth(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    for s in SCENARIOS {
        if only.as_deref().is_some_and(|o| o != s.name) {
            continue;
        }
        let input = input(s);
        // Warm up, then run for about a second.
        let mut n = 0u64;
        let start = Instant::now();
        while n < 3 || start.elapsed() < Duration::from_millis(300) {
            rt.block_on(run(s.name, input.clone())).expect("runs");
            n += 1;
        }
        let iters = (n * 1000 / 300).max(5);
        let start = Instant::now();
        for _ in 0..iters {
            rt.block_on(run(s.name, input.clone())).expect("runs");
        }
        let per_exec = start.elapsed().as_secs_f64() / iters as f64;
        rows.push((s.name, per_exec, per_exec / s.transitions as f64));
    }
    let per_sec = if only.is_some() {
        0.0
    } else {
        express_throughput()
    };
    if json {
        let items: Vec<String> = rows
            .iter()
            .map(|(name, exec, trans)| {
                format!(
                    "{{\"scenario\":\"{name}\",\"ns_per_execution\":{:.1},\"ns_per_transition\":{:.2}}}",
                    exec * 1e9,
                    trans * 1e9
                )
            })
            .collect();
        println!(
            "{{\"scenarios\":[{}],\"express_small_per_second_all_cores\":{per_sec:.0}}}",
            items.join(",")
        );
    } else {
        println!(
            "{:16} {:>16} {:>18}",
            "scenario", "per execution", "per transition"
        );
        for (name, exec, trans) in &rows {
            println!("{name:16} {:>13.3} µs {:>15.1} ns", exec * 1e6, trans * 1e9);
        }
        println!("express_small on all cores: {per_sec:.0} executions/s");
    }
}

/// `express_small` executions per second with one worker thread per core, each running
/// executions back to back.
fn express_throughput() -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_time()
        .build()
        .expect("runtime");
    let s = SCENARIOS
        .iter()
        .find(|s| s.name == "express_small")
        .expect("scenario");
    let input = input(s);
    let per_task = 200_000u64;
    let start = Instant::now();
    rt.block_on(async {
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                let input = input.clone();
                tokio::spawn(async move {
                    for _ in 0..per_task {
                        run("express_small", input.clone()).await.expect("runs");
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.expect("joins");
        }
    });
    (per_task * cores as u64) as f64 / start.elapsed().as_secs_f64()
}
