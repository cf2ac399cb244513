//! `distributed_map`: a Distributed Map over a big S3-like object (issue 16), run in memory
//! with `Workflow::run` on a [`LocalObjects`] directory in a temporary directory, or (with
//! `durable`, or `ASL_BENCH_STORE=sqlite`) as a durable execution of an [`Engine`] on a fresh
//! [`SqliteStore`] file in that directory.
//!
//! ```text
//! cargo run --release -p asl-bench --bin distributed_map -- [N] [jsonl|csv|both] [durable]
//! ASL_BENCH_ITEMS=10000 cargo run --release -p asl-bench --bin distributed_map
//! ASL_BENCH_STORE=sqlite cargo run --release -p asl-bench --bin distributed_map -- csv
//! ```
//!
//! The object (N lines of JSONL, or a CSV of N rows under a `FIRST_ROW` header; N defaults
//! to 1,000,000) is streamed to disk once, then the workflow (`bench/workflows/
//! distributed_{jsonl,csv}.asl.json`) reads it with its `ItemReader`, batches it 100 items a
//! child (`ItemBatcher`), runs each batch as a child Express execution of 3 Pass states and
//! exports the results with its `ResultWriter` to the `results` bucket of the same store.
//!
//! Printed per scenario: items/s, wall time and the process's peak RSS (`VmHWM`, which is
//! cumulative: run one scenario per process to read each one's peak). The binary checks the
//! export: the manifest lists `SUCCEEDED` files only, their entries number `ceil(N / 100)`
//! (one per batch) and each entry is a succeeded child; otherwise it exits non-zero.
//! `ASL_BENCH_TRACE=1` also prints the resident set by tenth of the run.
//!
//! Measured (2 cores, release, mimalloc; `distributed_map jsonl` and `distributed_map csv`,
//! one scenario per process, 1,000,000 items = 10,000 batches):
//!
//! | scenario | object   | wall      | items/s         | peak RSS    | SUCCEEDED_0.json |
//! |----------|----------|-----------|-----------------|-------------|------------------|
//! | JSONL    | 65.5 MiB | 1.8-2.3 s | 433,000-556,000 | 103-113 MiB | 84.6 MiB         |
//! | CSV      | 31.2 MiB | 1.9-2.2 s | 448,000-540,000 | 122 MiB     | 92.4 MiB         |
//!
//! While the children run the resident set stays flat (~20-35 MiB): the `ResultWriter` keeps
//! each finished child's entry in a temporary file (`runtime/src/items/writer/spool.rs`),
//! and the running children share their input between their execution and their
//! `ResultWriter` entry. The peak is at the end, when `SUCCEEDED_0.json`'s body (allocated
//! at its exact size) is built and handed by value to `LocalObjects`, so it is about that
//! file's size above the base. (Before: 315-369 MiB and 344-400 MiB, every entry kept on
//! the heap until the end.)
//!
//! Durable (`distributed_map 1000000 jsonl durable`, `… csv durable`; same machine, one
//! scenario per process, 3 runs each; a fresh SQLite file, WAL, `synchronous=FULL`):
//!
//! | scenario | wall        | items/s        | peak RSS        | Map Run (items, children) |
//! |----------|-------------|----------------|-----------------|---------------------------|
//! | JSONL    | 3.3-3.9 s   | 257,000-301,000 | 116-127 MiB    | 1,000,000 / 10,000 SUCCEEDED |
//! | CSV      | 3.8-4.4 s   | 228,000-266,000 | 194 MiB        | 1,000,000 / 10,000 SUCCEEDED |
//!
//! The children are EXPRESS: they run in the parent's process and each finished batch is
//! committed with the parent (its Map's progress). Two things keep this flat and fast: the
//! SQLite store's group commit drains on tokio's blocking pool, so the batches that finish
//! while one transaction commits join the next (one fsync for many); and the inputs of
//! iterations not yet committed are held to a 4 MiB budget, so reading waits for commits
//! instead of admitting 10,000 batches at once. (Before both: 692-1,197 MiB and
//! 25,000-141,000 items/s, one fsync per batch.)

// Links the benchmarks' allocator (mimalloc).
extern crate asl_bench;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use asl_runtime::items::{ItemStream, LocalObjects, ObjectFuture, PutObject, ReadRequest};
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, StartOptions, Value};

mod wf {
    pub mod jsonl {
        asl_runtime::include_workflow!("distributed_jsonl");
    }
    pub mod csv {
        asl_runtime::include_workflow!("distributed_csv");
    }
}

/// The Tasks of both workflows: their Map state reads from and writes to `store`.
struct Objects {
    store: LocalObjects,
}

impl wf::jsonl::Tasks for Objects {
    fn read_lines(&self, request: ReadRequest) -> ItemStream<'_> {
        asl_runtime::items::read(&self.store, request)
    }
    fn write_lines(&self, object: PutObject) -> ObjectFuture<'_, ()> {
        asl_runtime::items::write(&self.store, object)
    }
}

impl wf::csv::Tasks for Objects {
    fn read_lines(&self, request: ReadRequest) -> ItemStream<'_> {
        asl_runtime::items::read(&self.store, request)
    }
    fn write_lines(&self, object: PutObject) -> ObjectFuture<'_, ()> {
        asl_runtime::items::write(&self.store, object)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    Jsonl,
    Csv,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Jsonl => "jsonl",
            Scenario::Csv => "csv",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Scenario::Jsonl => "items.jsonl",
            Scenario::Csv => "items.csv",
        }
    }

    /// Streams the object to `path` line by line (never whole in memory).
    fn generate(self, path: &Path, n: usize) -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
        if self == Scenario::Csv {
            writeln!(out, "id,name,amount,region")?;
        }
        for i in 0..n {
            let region = ["eu", "us", "ap"][i % 3];
            match self {
                Scenario::Jsonl => writeln!(
                    out,
                    r#"{{"id":{i},"name":"customer-{i}","amount":{}.{:02},"region":"{region}"}}"#,
                    i % 1000,
                    i % 100
                )?,
                Scenario::Csv => {
                    writeln!(out, "{i},customer-{i},{}.{:02},{region}", i % 1000, i % 100)?
                }
            }
        }
        out.flush()
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// With `ASL_BENCH_TRACE=1`: samples the resident set every 5 ms while the workflow runs
/// and prints it every tenth of the run, to see where the peak falls (reading the items,
/// children running, or the ResultWriter writing the files at the end).
struct RssTrace {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(f64, u64)>>,
}

impl RssTrace {
    fn start() -> Option<Self> {
        if std::env::var("ASL_BENCH_TRACE").ok().as_deref() != Some("1") {
            return None;
        }
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut samples = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                samples.push((started.elapsed().as_secs_f64(), rss_kib().unwrap_or(0)));
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            samples
        });
        Some(RssTrace { stop, thread })
    }

    fn print(self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let Ok(samples) = self.thread.join() else {
            return;
        };
        let Some(&(end, _)) = samples.last() else {
            return;
        };
        let mut line = String::from("  RSS (MiB) by tenth of the run:");
        for tenth in 1..=10 {
            let upto = end * f64::from(tenth) / 10.0;
            let from = end * f64::from(tenth - 1) / 10.0;
            let max = samples
                .iter()
                .filter(|(t, _)| *t >= from && *t <= upto)
                .map(|&(_, r)| r)
                .max()
                .unwrap_or(0);
            line.push_str(&format!(" {:.0}", mib(max)));
        }
        if let Some(&(t, r)) = samples.iter().max_by_key(|(_, r)| *r) {
            line.push_str(&format!("; max {:.1} MiB at {t:.2}s of {end:.2}s", mib(r)));
        }
        println!("{line}");
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Checks what the ResultWriter exported: only SUCCEEDED files, one entry per batch, each
/// a succeeded child. Reads one results file at a time.
fn verify(root: &Path, output: &Value, batches: usize) -> Result<(), String> {
    let details = &output["ResultWriterDetails"];
    let bucket = details["Bucket"]
        .as_str()
        .ok_or_else(|| format!("no ResultWriterDetails.Bucket in the output {output}"))?;
    let key = details["Key"]
        .as_str()
        .ok_or_else(|| format!("no ResultWriterDetails.Key in the output {output}"))?;
    let text = std::fs::read(root.join(bucket).join(key))
        .map_err(|e| format!("manifest {bucket}/{key}: {e}"))?;
    let manifest: Value =
        serde_json::from_slice(&text).map_err(|e| format!("manifest {key}: {e}"))?;
    let files = &manifest["ResultFiles"];
    for status in ["FAILED", "PENDING"] {
        match files[status].as_array() {
            Some(list) if list.is_empty() => {}
            None => {}
            Some(list) => return Err(format!("the manifest lists {status} files: {list:?}")),
        }
    }
    let succeeded = files["SUCCEEDED"]
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| format!("the manifest lists no SUCCEEDED file: {manifest}"))?;
    let mut entries = 0;
    let mut bytes = 0;
    for file in succeeded {
        let key = file["Key"]
            .as_str()
            .ok_or_else(|| format!("a result file without Key: {file}"))?;
        let body = std::fs::read(root.join(bucket).join(key))
            .map_err(|e| format!("results file {key}: {e}"))?;
        if file["Size"].as_u64() != Some(body.len() as u64) {
            return Err(format!(
                "{key}: the manifest says Size {}, the file has {} bytes",
                file["Size"],
                body.len()
            ));
        }
        let list: Vec<Value> =
            serde_json::from_slice(&body).map_err(|e| format!("results file {key}: {e}"))?;
        if let Some(bad) = list.iter().find(|e| e["Status"] != "SUCCEEDED") {
            return Err(format!("{key}: an entry that did not succeed: {bad}"));
        }
        entries += list.len();
        bytes += body.len();
    }
    if entries != batches {
        return Err(format!(
            "{entries} entries in the SUCCEEDED files, expected {batches} (one per batch)"
        ));
    }
    println!(
        "  verified: manifest {bucket}/{key}: {} SUCCEEDED file(s), {entries} entries, {:.1} MiB",
        succeeded.len(),
        bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

/// Where the workflow runs: `Workflow::run` in memory, or a durable execution of an
/// [`Engine`] on SQLite.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Memory,
    Durable,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Memory => "in memory",
            Mode::Durable => "durable, SQLite",
        }
    }
}

fn run(scenario: Scenario, mode: Mode, root: &Path, n: usize) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let bucket = format!("input-{}", scenario.name());
    std::fs::create_dir_all(root.join(&bucket)).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(root.join("results")).map_err(|e| e.to_string())?;
    let object = root.join(&bucket).join(scenario.key());
    let started = Instant::now();
    scenario
        .generate(&object, n)
        .map_err(|e| format!("writing {}: {e}", object.display()))?;
    let size = std::fs::metadata(&object).map(|m| m.len()).unwrap_or(0);
    println!(
        "{}: generated {n} items, {:.1} MiB, in {:.2?} (peak RSS so far {:.1} MiB)",
        scenario.name(),
        size as f64 / (1024.0 * 1024.0),
        started.elapsed(),
        mib(peak_rss_kib().unwrap_or(0))
    );

    let tasks = Objects {
        store: LocalObjects::new(root),
    };
    let input = serde_json::json!({ "bucket": bucket, "key": scenario.key() });
    let trace = RssTrace::start();
    let started = Instant::now();
    let output = match mode {
        Mode::Memory => match scenario {
            Scenario::Jsonl => rt.block_on(wf::jsonl::Workflow::new(tasks).run(input)),
            Scenario::Csv => rt.block_on(wf::csv::Workflow::new(tasks).run(input)),
        }
        .map_err(|e| format!("the execution failed: {e:?}"))?,
        Mode::Durable => rt.block_on(run_durable(scenario, root, tasks, input))?,
    };
    let wall = started.elapsed();
    let peak = peak_rss_kib().unwrap_or(0);
    if let Some(trace) = trace {
        trace.print();
    }
    println!(
        "{} ({}): {n} items in {:.2?}: {:.0} items/s, peak RSS {:.1} MiB",
        scenario.name(),
        mode.name(),
        wall,
        n as f64 / wall.as_secs_f64(),
        mib(peak)
    );
    verify(root, &output, n.div_ceil(100))
}

/// Runs the workflow as a durable execution of an [`Engine`] on a fresh SQLite file in
/// `root` (`bench.db`): its children are Express, so they run in this process and each
/// finished batch is committed to the store as the Map's progress. Prints the Map Runs.
async fn run_durable(
    scenario: Scenario,
    root: &Path,
    tasks: Objects,
    input: Value,
) -> Result<Value, String> {
    // One file per scenario, so that `both` starts each on an empty store.
    let db = root.join(format!("bench-{}.db", scenario.name()));
    let store = SqliteStore::open(&db)
        .await
        .map_err(|e| format!("opening {}: {e}", db.display()))?;
    let name = format!("distributed_{}", scenario.name());
    let builder = Engine::builder().store(store);
    let builder = match scenario {
        Scenario::Jsonl => builder.workflow(&name, wf::jsonl::Workflow::new(tasks)),
        Scenario::Csv => builder.workflow(&name, wf::csv::Workflow::new(tasks)),
    };
    let engine = builder
        .build()
        .await
        .map_err(|e| format!("building the engine: {e}"))?;
    let id = engine
        .start(&name, input, StartOptions::default())
        .await
        .map_err(|e| format!("starting the execution: {e}"))?;
    let output = engine
        .wait(&id)
        .await
        .map_err(|e| format!("the execution failed: {e:?}"))?;
    let runs = engine
        .list_map_runs(&id)
        .await
        .map_err(|e| format!("listing the Map Runs: {e}"))?;
    for run in &runs {
        let run = run.to_json();
        println!(
            "  map run {}: {}, items {}, executions {}",
            run["mapRunArn"], run["status"], run["itemCounts"], run["executionCounts"]
        );
    }
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("  store: {} ({:.1} MiB)", db.display(), mib(size / 1024));
    Ok(output)
}

/// An item count, `1000000` or `1_000_000`.
fn count(arg: &str) -> Option<usize> {
    arg.replace('_', "").parse().ok()
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args
        .iter()
        .find_map(|a| count(a))
        .or_else(|| std::env::var("ASL_BENCH_ITEMS").ok()?.parse().ok())
        .unwrap_or(1_000_000usize);
    let durable = args.iter().any(|a| a == "durable")
        || std::env::var("ASL_BENCH_STORE").ok().as_deref() == Some("sqlite");
    let mode = if durable { Mode::Durable } else { Mode::Memory };
    let scenarios = match args
        .iter()
        .find(|a| count(a).is_none() && a.as_str() != "durable" && a.as_str() != "memory")
    {
        Some(s) if s == "jsonl" => vec![Scenario::Jsonl],
        Some(s) if s == "csv" => vec![Scenario::Csv],
        Some(s) if s == "both" => vec![Scenario::Jsonl, Scenario::Csv],
        None => vec![Scenario::Jsonl, Scenario::Csv],
        Some(other) => {
            eprintln!("unknown scenario {other}: jsonl, csv or both");
            return std::process::ExitCode::from(2);
        }
    };
    let root: PathBuf =
        std::env::temp_dir().join(format!("asl-distributed-map-{}", std::process::id()));
    println!(
        "store: {} (peak RSS at start {:.1} MiB)",
        root.display(),
        mib(peak_rss_kib().unwrap_or(0))
    );
    let mut failed = false;
    for scenario in scenarios {
        if let Err(e) = run(scenario, mode, &root, n) {
            eprintln!("{}: FAILED: {e}", scenario.name());
            failed = true;
        }
    }
    // Best effort: a leftover directory only costs disk.
    let _ = std::fs::remove_dir_all(&root);
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
