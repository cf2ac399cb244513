//! `map_1m_memory`: runs the Map scenario over N items (default 1,000,000) and prints the
//! process's peak resident set size (`cargo run --release -p asl-bench --bin map_memory [N]
//! [--discard]`). `--discard` runs `map_items_discard` (`"ResultPath": null`: the 1M results
//! are not kept); without it the Map keeps every result for its `ResultSelector`.

use asl_runtime::Value;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let before = peak_rss_kib().unwrap_or(0);
    let discard = std::env::args().any(|a| a == "--discard");
    let input = serde_json::json!({ "job": "m-1", "items": (0..n).collect::<Vec<usize>>() });
    let with_input = peak_rss_kib().unwrap_or(0);
    let scenario = if discard { "map_1m_discard" } else { "map_1m" };
    let out = rt.block_on(asl_bench::run(scenario, input)).expect("runs");
    if discard {
        assert_eq!(out, Value::from("m-1"), "the results are discarded");
    } else {
        assert_eq!(out["count"], Value::from(n), "one result per item");
    }
    let peak = peak_rss_kib().unwrap_or(0);
    println!(
        "{scenario} over {n} items: peak RSS {:.1} MiB (before the run {:.1} MiB, with the input \
         {:.1} MiB)",
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        with_input as f64 / 1024.0
    );
}
