//! The performance scenarios of asl-rs (issue 6), shared by the criterion benches
//! (`cargo bench -p asl-bench`), the side-by-side runner used by `scripts/bench-peers.sh`
//! (`cargo run --release -p asl-bench --bin scenarios`) and the Map memory probe
//! (`cargo run --release -p asl-bench --bin map_memory`).
//!
//! Each scenario is a definition in `bench/workflows/` with an input in `bench/inputs/`; the
//! peer runs the very same files.

use std::path::PathBuf;

/// The benchmarks run with mimalloc, the allocator a production service would pick; the
/// asl-runtime crate itself leaves the choice to the application. Version 2 (the crate's `v2`
/// feature): v3 commits its arenas eagerly and keeps freed pages, which took a worker holding
/// 10,000 executions to 825 MiB against v2's 475 MiB, at the same speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use asl_runtime::{TaskContext, TaskError, Value};

/// The compiled workflows.
#[allow(missing_docs)]
pub mod wf {
    pub mod pass_chain_100 {
        asl_runtime::include_workflow!("pass_chain_100");
    }
    pub mod choice_loop {
        asl_runtime::include_workflow!("choice_loop");
    }
    pub mod map_items {
        asl_runtime::include_workflow!("map_items");
    }
    pub mod map_items_discard {
        asl_runtime::include_workflow!("map_items_discard");
    }
    pub mod parallel_10 {
        asl_runtime::include_workflow!("parallel_10");
    }
    pub mod express_small {
        asl_runtime::include_workflow!("express_small");
    }
    pub mod data_flow {
        asl_runtime::include_workflow!("data_flow");
    }
}

/// Task handlers that return their input: the engine's cost, not the task's.
pub struct Echo;

impl wf::express_small::Tasks for Echo {
    async fn work(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(input)
    }
}

macro_rules! echo_data_flow {
    ($($m:ident),*) => {
        impl wf::data_flow::Tasks for Echo {
            $(async fn $m(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
                Ok(input)
            })*
        }
    };
}
echo_data_flow!(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9);

/// No tasks.
pub struct NoTasks;
impl wf::pass_chain_100::Tasks for NoTasks {}
impl wf::choice_loop::Tasks for NoTasks {}
impl wf::map_items::Tasks for NoTasks {}
impl wf::map_items_discard::Tasks for NoTasks {}
impl wf::parallel_10::Tasks for NoTasks {}

/// A scenario: its name, how many state transitions one execution makes, its input file.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// The name used in reports (and by the peer script).
    pub name: &'static str,
    /// The definition file in `bench/workflows/`.
    pub workflow: &'static str,
    /// The input file in `bench/inputs/`.
    pub input: &'static str,
    /// States entered by one execution.
    pub transitions: u64,
}

/// Every scenario run side by side with the peer.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "pass_chain_100",
        workflow: "pass_chain_100",
        input: "pass_chain_100",
        transitions: 100,
    },
    Scenario {
        name: "choice_loop",
        workflow: "choice_loop",
        input: "choice_loop",
        transitions: 2001,
    },
    Scenario {
        name: "map_10k",
        workflow: "map_items",
        input: "map_10k",
        transitions: 30_001,
    },
    Scenario {
        name: "parallel_10",
        workflow: "parallel_10",
        input: "parallel_10",
        transitions: 101,
    },
    Scenario {
        name: "express_small",
        workflow: "express_small",
        input: "express_small",
        transitions: 3,
    },
    Scenario {
        name: "data_flow",
        workflow: "data_flow",
        input: "data_flow",
        transitions: 10,
    },
];

/// A fresh store for a durable benchmark: `bench.db` in `dir` (SQLite), or with `postgres`
/// (a URL) a new schema `schema` in that database.
pub async fn fresh_store(
    postgres: Option<&str>,
    dir: &std::path::Path,
    schema: &str,
) -> Result<std::sync::Arc<dyn asl_runtime::store::Store>, asl_runtime::store::StoreError> {
    Ok(match postgres {
        Some(url) => std::sync::Arc::new(
            asl_runtime::store::PostgresStore::connect_schema(url, schema).await?,
        ),
        None => {
            std::sync::Arc::new(asl_runtime::store::SqliteStore::open(dir.join("bench.db")).await?)
        }
    })
}

/// Drops the schema [`fresh_store`] made in the database at `url` (its tables hold every
/// execution the benchmark ran: left behind, runs would fill the database). A failure is
/// reported, not fatal: the figures are measured already.
pub async fn drop_schema(url: &str, schema: &str) {
    let dropped = async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        let connection = tokio::spawn(connection);
        let quoted = format!("\"{}\"", schema.replace('"', "\"\""));
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {quoted} CASCADE"))
            .await?;
        drop(client);
        let _ = connection.await;
        Ok::<(), tokio_postgres::Error>(())
    }
    .await;
    if let Err(e) = dropped {
        eprintln!("dropping the benchmark's schema {schema} failed: {e}");
    }
}

/// The directory of this package (workflows and inputs).
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads a scenario's input.
pub fn input(s: &Scenario) -> Value {
    let path = dir().join("inputs").join(format!("{}.json", s.input));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What running one execution of a scenario returns.
pub type Run =
    std::pin::Pin<Box<dyn Future<Output = Result<Value, asl_runtime::ExecutionError>> + Send>>;

/// Runs one execution of scenario `name`. Each scenario's future is boxed on its own: as
/// one `async fn` over all of them, every execution would move a future as large as the
/// largest scenario's (measured: 13–25 KB copied several times per `express_small`
/// execution, half of its time).
pub fn run(name: &str, input: Value) -> Run {
    macro_rules! one {
        ($workflow:ident, $tasks:expr) => {
            Box::pin(async move { wf::$workflow::Workflow::new($tasks).run(input).await })
        };
    }
    match name {
        "pass_chain_100" => one!(pass_chain_100, NoTasks),
        "choice_loop" => one!(choice_loop, NoTasks),
        "map_10k" | "map_1m" => one!(map_items, NoTasks),
        "map_1m_discard" => {
            one!(map_items_discard, NoTasks)
        }
        "parallel_10" => one!(parallel_10, NoTasks),
        "express_small" => one!(express_small, Echo),
        "data_flow" => one!(data_flow, Echo),
        other => panic!("unknown scenario {other}"),
    }
}

/// The process's memory, as Linux reports it (`/proc/self/status`).
pub mod memory {
    /// A `/proc/self/status` field in KiB (`"VmRSS:"`, `"VmHWM:"`): 0 where unavailable.
    pub fn rss_kib(field: &str) -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    }

    /// Resets the peak resident set (`VmHWM`) so it measures what follows.
    pub fn reset_peak() {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }
}
