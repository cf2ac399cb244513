//! A Distributed Map whose children all wait at once, or many children over several workers
//! (issue 20): `cargo run --release -p asl-bench --bin open_map [-- --children N] [--wait S]
//! [--workers W] [--processes] [--postgres <url>]`.
//!
//! One Standard execution maps `N` items (default 10,000) as STANDARD child executions, at
//! most 10,000 at once (the Map's `MaxConcurrency`: up to 10,000 children all wait at once),
//! each child `Mark (Task) → Pause (Wait S seconds, default 30) → Done`.
//! One engine in this process runs the parent and, through its worker loop
//! (`Engine::run`), the children, with `W - 1` more engines (default `W` = 1) on the same
//! store whose worker loops claim children too: each child runs `Mark` and goes to rest in its
//! Wait (out of memory), and is woken when it is due. Reported: how long until every child ran
//! `Mark` and no child is held in memory (only the parent runs; with `N` ≤ 10,000), the
//! process's peak resident memory meanwhile, when the parent succeeded against the last
//! child's due time, children per second, and how many children each worker marked.
//!
//! With `--processes`, the `W` workers are processes of their own (this binary run again with
//! `--worker-process`), each opening the same store, so each worker's own peak resident
//! memory is measured apart (over its whole run, the Waits' ends included); this process then
//! only starts the parent and waits for it, as a client would (one of the workers claims the
//! parent and runs it). A worker process that stops fails the run.
//!
//! On a fresh SQLite file (WAL, `synchronous=FULL`) or, with `--postgres`, a fresh schema.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, Write};
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

/// Counts `Mark` calls, in all and by the worker (engine) that made them.
struct Probe {
    marked: AtomicU64,
    by_worker: Vec<AtomicU64>,
}

/// One worker's handlers.
struct Worker(Arc<Probe>, usize);

impl fan::Tasks for Worker {
    async fn mark(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        self.0.marked.fetch_add(1, Ordering::Relaxed);
        if let Some(n) = self.0.by_worker.get(self.1) {
            n.fetch_add(1, Ordering::Relaxed);
        }
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
    let workers: usize = arg("--workers").map_or(Ok(1), |c| c.parse())?;
    if workers == 0 {
        return Err("--workers: at least 1".into());
    }
    let postgres = arg("--postgres");
    let processes = args.iter().any(|a| a == "--processes");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if let Some(w) = arg("--worker-process") {
        let dir = arg("--dir").ok_or("--worker-process needs --dir")?;
        let schema = arg("--schema").ok_or("--worker-process needs --schema")?;
        return rt.block_on(worker_process(
            w.parse()?,
            postgres.as_deref(),
            std::path::Path::new(&dir),
            &schema,
        ));
    }
    let dir = std::env::temp_dir().join(format!("asl-bench-open-map-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let schema = format!("open_map_{}", std::process::id());
    let result = rt.block_on(async {
        let store = asl_bench::fresh_store(postgres.as_deref(), &dir, &schema).await?;
        let probe = Arc::new(Probe {
            marked: AtomicU64::new(0),
            by_worker: (0..workers).map(|_| AtomicU64::new(0)).collect(),
        });
        let mut engines = Vec::new();
        let mut loops = Vec::new();
        // With `--processes`, every worker is a process of its own (started before the
        // parent, so they claim children from the first) and this one only starts the
        // parent and waits for it, as a client would.
        let others = if processes {
            (0..workers)
                .map(|w| Process::spawn(w, postgres.as_deref(), &dir, &schema))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        let client = if processes {
            let client = Engine::builder()
                .store(Arc::clone(&store))
                .workflow("fan", fan::Workflow::new(Worker(Arc::clone(&probe), 0)))
                .worker_id("client")
                .run_started(false)
                .build()
                .await?;
            Some(client)
        } else {
            None
        };
        for w in 0..if processes { 0 } else { workers } {
            let engine = Engine::builder()
                .store(Arc::clone(&store))
                .workflow("fan", fan::Workflow::new(Worker(Arc::clone(&probe), w)))
                .worker_id(format!("worker-{w}"))
                .build()
                .await?;
            let looping = engine.clone();
            loops.push(tokio::spawn(async move { looping.run().await }));
            engines.push(engine);
        }
        // In one process, the first worker's engine starts the parent (and runs it).
        let starter = engines
            .first()
            .or(client.as_ref())
            .ok_or("no engine to start the parent")?
            .clone();
        let items: Vec<Value> = (0..children).map(|_| json!({ "wait": wait })).collect();
        let started = Instant::now();
        let id = starter
            .start("fan", json!({ "items": items }), StartOptions::default())
            .await?;
        // Every child marked, and only the parent in memory.
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let held = engines.iter().map(Engine::running).sum::<usize>()
                + others
                    .iter()
                    .map(|p| p.held.load(Ordering::Relaxed))
                    .sum::<usize>();
            let marked = probe.marked.load(Ordering::Relaxed)
                + others
                    .iter()
                    .map(|p| p.marked.load(Ordering::Relaxed))
                    .sum::<u64>();
            if marked >= children && held <= 1 {
                break;
            }
            if others.iter().any(|p| p.gone.load(Ordering::Relaxed)) {
                return Err("a worker process stopped".into());
            }
            if let Some(stopped) = loops.iter().position(|l| l.is_finished()) {
                let worker = loops.swap_remove(stopped);
                return Err(format!("a worker stopped: {:?}", worker.await).into());
            }
        }
        let resting = started.elapsed().as_secs_f64();
        let peak = peak_rss_mib();
        let output = starter.wait(&id).await.map_err(|e| format!("{e:?}"))?;
        let done = started.elapsed().as_secs_f64();
        for e in &engines {
            e.shutdown();
        }
        for l in loops {
            l.await??;
        }
        if output != json!({ "children": children }) {
            return Err(format!("unexpected output {output}").into());
        }
        let mut by_worker: Vec<u64> = probe
            .by_worker
            .iter()
            .take(engines.len())
            .map(|n| n.load(Ordering::Relaxed))
            .collect();
        let mut peaks = vec![peak];
        for p in others {
            let (marked, peak) = p.finish()?;
            by_worker.push(marked);
            peaks.push(peak);
        }
        Ok::<_, Box<dyn std::error::Error>>((resting, peaks, done, by_worker))
    });
    if let Some(url) = &postgres {
        rt.block_on(asl_bench::drop_schema(url, &schema));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (resting, peaks, done, by_worker) = result?;
    println!(
        "Distributed Map with {children} STANDARD children, each resting in a {wait} s Wait, on {}:",
        if postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    );
    println!("  every child started and at rest after: {resting:>8.1} s");
    if children > 10_000 {
        println!("    (more children than MaxConcurrency: they ran in turns, not all at once)");
    }
    match peaks.as_slice() {
        [peak] => println!("  peak RSS meanwhile:                     {peak:>8.0} MiB"),
        [first, rest @ ..] => {
            println!("  peak RSS meanwhile, the client's process: {first:.0} MiB");
            let rest: Vec<String> = rest.iter().map(|p| format!("{p:.0}")).collect();
            println!(
                "  peak RSS of each worker's process (one runs the parent): {} MiB",
                rest.join(" / ")
            );
        }
        [] => {}
    }
    println!(
        "  parent succeeded after:                 {done:>8.1} s (each child waits {wait} s; the last one started within {resting:.1} s)"
    );
    println!(
        "  children per second:                    {:>8.0}",
        children as f64 / done
    );
    println!("  children marked by each of the {workers} workers: {by_worker:?}");
    Ok(())
}

/// A worker running as a process of its own (`--processes`): what it reports on its output
/// as it runs (marks made, executions held), and its pipes.
struct Process {
    child: std::process::Child,
    /// Its output ended (it stopped).
    gone: Arc<std::sync::atomic::AtomicBool>,
    marked: Arc<AtomicU64>,
    held: Arc<std::sync::atomic::AtomicUsize>,
    /// Its last line: `done <marked> <peak RSS in MiB>`, once its input closed.
    last: Arc<std::sync::Mutex<Option<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// A worker process left behind by an error is told to stop, given 10 s, then killed, so
/// that none runs on after the benchmark drops its store.
impl Drop for Process {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Process {
    fn spawn(
        w: usize,
        postgres: Option<&str>,
        dir: &std::path::Path,
        schema: &str,
    ) -> Result<Process, Box<dyn std::error::Error>> {
        let mut cmd = std::process::Command::new(std::env::current_exe()?);
        cmd.arg("--worker-process")
            .arg(w.to_string())
            .arg("--dir")
            .arg(dir)
            .arg("--schema")
            .arg(schema)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        if let Some(url) = postgres {
            cmd.arg("--postgres").arg(url);
        }
        let mut child = cmd.spawn()?;
        let out = child.stdout.take().ok_or("no output pipe")?;
        let marked = Arc::new(AtomicU64::new(0));
        let held = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let last = Arc::new(std::sync::Mutex::new(None));
        let gone = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (marked, held, last, gone) = (
                Arc::clone(&marked),
                Arc::clone(&held),
                Arc::clone(&last),
                Arc::clone(&gone),
            );
            std::thread::spawn(move || {
                // Read to the end whatever a line holds, so the pipe never fills.
                let mut out = std::io::BufReader::new(out);
                let mut bytes = Vec::new();
                while out.read_until(b'\n', &mut bytes).is_ok_and(|n| n > 0) {
                    let line = String::from_utf8_lossy(&bytes).trim().to_string();
                    bytes.clear();
                    let mut parts = line.split_whitespace();
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some("at"), Some(m), Some(h)) => {
                            // A line that does not parse is left out, not read as 0.
                            if let (Ok(m), Ok(h)) = (m.parse(), h.parse()) {
                                marked.store(m, Ordering::Relaxed);
                                held.store(h, Ordering::Relaxed);
                            }
                        }
                        (Some("done"), _, _) => {
                            *last.lock().unwrap_or_else(|e| e.into_inner()) = Some(line);
                        }
                        _ => {}
                    }
                }
                gone.store(true, Ordering::Relaxed);
            })
        };
        Ok(Process {
            child,
            gone,
            marked,
            held,
            last,
            reader: Some(reader),
        })
    }

    /// Closes its input (it stops) and returns how many children it marked and its peak
    /// resident memory in MiB.
    fn finish(mut self) -> Result<(u64, f64), Box<dyn std::error::Error>> {
        drop(self.child.stdin.take());
        let status = self.child.wait()?;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        if !status.success() {
            return Err(format!("a worker process failed: {status}").into());
        }
        let last = self
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or("a worker process ended without its figures")?;
        let mut parts = last.split_whitespace().skip(1);
        let marked = parts.next().ok_or("no count")?.parse()?;
        let peak = parts.next().ok_or("no peak")?.parse()?;
        Ok((marked, peak))
    }
}

/// The body of a worker process: an engine with a worker loop on the store the first
/// process made, reporting `at <marked> <held>` every 20 ms until its input closes, then
/// `done <marked> <peak RSS MiB>`.
async fn worker_process(
    w: usize,
    postgres: Option<&str>,
    dir: &std::path::Path,
    schema: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = asl_bench::fresh_store(postgres, dir, schema).await?;
    let probe = Arc::new(Probe {
        marked: AtomicU64::new(0),
        by_worker: Vec::new(),
    });
    let engine = Engine::builder()
        .store(store)
        .workflow("fan", fan::Workflow::new(Worker(Arc::clone(&probe), 0)))
        .worker_id(format!("worker-{w}"))
        .build()
        .await?;
    let looping = engine.clone();
    let worker = tokio::spawn(async move { looping.run().await });
    // Input closed: time to stop.
    let (tx, mut closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
        let _ = tx.send(());
    });
    let mut out = std::io::stdout();
    loop {
        tokio::select! {
            _ = &mut closed => break,
            () = tokio::time::sleep(Duration::from_millis(20)) => {
                writeln!(out, "at {} {}", probe.marked.load(Ordering::Relaxed), engine.running())?;
                out.flush()?;
            }
        }
        if worker.is_finished() {
            return Err(format!("the worker stopped: {:?}", worker.await).into());
        }
    }
    engine.shutdown();
    worker.await??;
    writeln!(
        out,
        "done {} {:.1}",
        probe.marked.load(Ordering::Relaxed),
        peak_rss_mib()
    )?;
    out.flush()?;
    Ok(())
}
