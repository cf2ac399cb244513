//! The crash test's workflow (30 top-level states: Tasks, a Retry, a Wait, a Map, a
//! Parallel) and its handlers, which log every invocation to a file so the test can check
//! that every task ran at least once.

use std::io::Write as _;
use std::path::PathBuf;

use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;

pub mod backend;
pub mod cluster;
pub mod counting;
pub mod ten_run;

/// The crash workflow, generated.
pub mod crash {
    asl_runtime::asl!(mod generated from "workflows/crash.asl.json");
    pub use generated::{Tasks, Workflow};
}

/// The two-worker test's workflow (10 states).
pub mod ten {
    asl_runtime::asl!(mod generated from "workflows/ten.asl.json");
    pub use generated::{Tasks, Workflow};
}

/// Handlers of `ten` that log `<worker> <execution name> <state>` per invocation.
pub struct Tenant {
    /// This worker's id.
    pub worker: String,
    /// The log file.
    pub log: PathBuf,
}

impl Tenant {
    fn log(&self, ctx: &TaskContext) -> Result<Value, TaskError> {
        let name = ctx.execution_id().rsplit(':').next().unwrap_or_default();
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
        {
            // One write per line: `writeln!` may split it, and lines written at once by
            // several tasks would interleave.
            let line = format!("{} {name} {}\n", self.worker, ctx.state_name);
            let _ = f.write_all(line.as_bytes());
        }
        Ok(json!(ctx.state_name))
    }
}

impl ten::Tasks for Tenant {
    async fn t1(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.log(&ctx)
    }
    async fn t2(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.log(&ctx)
    }
    async fn t3(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.log(&ctx)
    }
    async fn t4(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.log(&ctx)
    }
    async fn t5(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.log(&ctx)
    }
}

/// The Distributed Map worker test's workflow: `Begin` (a Task run by the parent's worker),
/// then a top-level Distributed Map with STANDARD children of 3 states (Pass, Task, Pass).
pub mod dm {
    asl_runtime::asl!(mod generated from "workflows/dm.asl.json");
    pub use generated::{Tasks, Workflow};
}

/// The value the `dm` children's Task derives from item `n`: what the test expects back.
pub fn dm_value(n: i64) -> i64 {
    n * 3 + 1
}

/// Handlers of `dm` that log `<worker> parent` when `Begin` runs and `<worker> <item>` per
/// child Task, so the test knows which worker holds the parent and which items ran twice.
pub struct DmTenant {
    /// This worker's id.
    pub worker: String,
    /// The log file.
    pub log: PathBuf,
}

impl DmTenant {
    fn log(&self, what: &str) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
        {
            // One write per line: an `O_APPEND` write lands whole, where `writeln!`'s several
            // writes from concurrent Tasks would interleave.
            let _ = f.write_all(format!("{} {what}\n", self.worker).as_bytes());
        }
    }
}

impl dm::Tasks for DmTenant {
    async fn begin(&self, _: Value, _: TaskContext) -> Result<Value, TaskError> {
        self.log("parent");
        Ok(Value::Null)
    }
    async fn work(&self, input: Value, _: TaskContext) -> Result<Value, TaskError> {
        let Some(n) = input["n"].as_i64() else {
            return Err(TaskError::new(
                "BadItem",
                format!("not an integer item: {input}"),
            ));
        };
        self.log(&n.to_string());
        Ok(json!(dm_value(n)))
    }
}

/// The execution's input.
pub fn input() -> Value {
    json!({ "items": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
}

/// Handlers that append `<state> <detail>` to a log file per invocation.
pub struct Logging {
    /// The log file (`None`: no log).
    pub log: Option<PathBuf>,
}

impl Logging {
    fn log(&self, line: &str) {
        if let Some(path) = &self.log
            && let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        {
            let _ = f.write_all(format!("{line}\n").as_bytes());
        }
    }

    fn step(&self, n: u64, ctx: &TaskContext) -> Result<Value, TaskError> {
        self.log(&format!("Step {n} {}", ctx.idempotency_key()));
        Ok(json!(n))
    }
}

impl crash::Tasks for Logging {
    async fn step_1(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(1, &ctx)
    }
    async fn step_2(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(2, &ctx)
    }
    async fn step_3(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(3, &ctx)
    }
    async fn step_4(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(4, &ctx)
    }
    async fn step_5(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(5, &ctx)
    }
    async fn step_6(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(6, &ctx)
    }
    async fn step_7(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(7, &ctx)
    }
    async fn step_8(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(8, &ctx)
    }
    async fn step_9(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(9, &ctx)
    }
    async fn step_10(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.step(10, &ctx)
    }
    async fn flaky(&self, _: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        self.log(&format!("Flaky {}", ctx.retry_count));
        // The first attempt always fails: the Retry runs a second one.
        if ctx.retry_count == 0 {
            return Err(TaskError::new("Flaky", "first attempt"));
        }
        Ok(json!("recovered"))
    }
    async fn double(&self, input: Value, _: TaskContext) -> Result<Value, TaskError> {
        let n = input.as_i64().unwrap_or_default();
        self.log(&format!("Double {n}"));
        Ok(json!(n * 2))
    }
    async fn left(&self, _: Value, _: TaskContext) -> Result<Value, TaskError> {
        self.log("Left");
        Ok(json!("left"))
    }
    async fn right(&self, _: Value, _: TaskContext) -> Result<Value, TaskError> {
        self.log("Right");
        Ok(json!("right"))
    }
}

/// The PostgreSQL server the Postgres tests use: `ASL_TEST_POSTGRES_URL`. Without it the
/// calling test is skipped with a message naming `what`, unless `ASL_REQUIRE_SERVICES=1`
/// (set by `.ci/run`, which starts a server), where a missing server fails the test. A
/// project variable rather than the generic `CI=true`, which other CI systems set too.
pub fn postgres_url(what: &str) -> Option<String> {
    match std::env::var("ASL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("ASL_REQUIRE_SERVICES").is_ok_and(|v| v == "1") => {
            panic!("ASL_REQUIRE_SERVICES=1 but ASL_TEST_POSTGRES_URL is not set: {what} must run")
        }
        _ => {
            eprintln!(
                "skipped: set ASL_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run {what}"
            );
            None
        }
    }
}
