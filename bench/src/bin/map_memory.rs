//! `map_1m_memory`: runs the Map scenario over N items (default 1,000,000) and prints the
//! process's peak resident set size (`cargo run --release -p asl-bench --bin map_memory [N]`).

use asl_runtime::Value;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let before = peak_rss_kib().unwrap_or(0);
    let input = serde_json::json!({ "items": (0..n).collect::<Vec<usize>>() });
    let out = rt.block_on(asl_bench::run("map_1m", input)).expect("runs");
    assert_eq!(out["count"], Value::from(n), "one result per item");
    let peak = peak_rss_kib().unwrap_or(0);
    println!(
        "map over {n} items: peak RSS {:.1} MiB (before the run {:.1} MiB)",
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );
}
