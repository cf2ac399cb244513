//! `asl-runtime`: what workflows compiled from Amazon States Language by asl-rs run on.
//!
//! One dependency is enough: this crate re-exports the `asl!` macro. A definition becomes a
//! module with a [`Tasks`](#the-generated-module) trait to implement and a `Workflow` to run:
//!
//! ```
//! use asl_runtime::{TaskContext, TaskError, Value};
//!
//! asl_runtime::asl!(pub mod hello {
//!     "StartAt": "Greet",
//!     "States": {
//!         "Greet": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
//!                    "ResultPath": "$.greeting", "Next": "Done" },
//!         "Done": { "Type": "Succeed" }
//!     }
//! });
//!
//! struct Handlers;
//!
//! impl hello::Tasks for Handlers {
//!     async fn greet(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
//!         Ok(format!("hello {}", input["name"].as_str().unwrap_or("you")).into())
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let out = hello::Workflow::new(Handlers)
//!     .run(serde_json::json!({ "name": "Ada" }))
//!     .await
//!     .unwrap();
//! assert_eq!(out, serde_json::json!({ "name": "Ada", "greeting": "hello Ada" }));
//! # });
//! ```
//!
//! A definition that breaks a rule of the language does not compile; the error names the rule,
//! the state and the place:
//!
//! ```compile_fail
//! asl_runtime::asl!(mod broken {
//!     "StartAt": "Hi",
//!     "States": { "Hi": { "Type": "Pass", "Next": "Nowhere" } }
//! });
//! ```
//!
//! # The generated module
//!
//! - `trait Tasks`: one `async` method per Task state, snake_case after the state's name,
//!   taking the effective input and a [`TaskContext`] (state name, execution id, retry count,
//!   entered time, task token, resolved timeouts, [`TaskContext::heartbeat`]) and returning
//!   `Result<Value, TaskError>`. A missing method is a compile error.
//! - `enum State` (one variant per state, `State::ALL`, `State::name`), `struct Workflow<T>`
//!   with `new`, `run`, `run_with(input, RunOptions)` and `run_recorded` (result and history).
//! - `enum <Task>Error` for each Task whose Retry/Catch name errors of their own, converting
//!   into [`TaskError`]; `TaskError::new(error, cause)` works for any name.
//!
//! Typed handlers bind a Task's input and output to serde types (`where { "State": In -> Out }`
//! in the macro, `Builder::task_types` in build.rs); a value that does not convert is a task
//! failure naming the type. `build.rs` users generate with `asl_codegen::Builder`
//! and include the result with [`include_workflow!`].
//!
//! # What this crate holds
//!
//! The public API is what a user touches: the generated module's types, [`TaskContext`],
//! [`TaskError`], [`ExecutionError`] and [`Status`], [`RunOptions`], [`Recorded`] and [`Event`]
//! (a run and its history), the durable [`Engine`] and its [`store`]s, the [`lambda`] helpers,
//! the [`jsonata`] evaluator and the [`clock`] for tests. Inside, in layers, each following
//! AWS's behaviour:
//!
//! - `lang`: AWS's JSONPath dialect, payload templates, the 18 `States.*` intrinsic functions
//!   and Choice comparisons, as pure functions of values ([`jsonata`] beside them);
//! - `exec`: the in-memory engine (an execution's record and events, a state's run, data
//!   flow, Retry and Catch, Task with timeouts, heartbeats and callbacks, Parallel, Map, Wait,
//!   Pass, Fail), which defines the one trait a durable layer implements;
//! - [`durable`]: the [`Engine`] (implements that trait), on a [`store`].
//!
//! Generated code calls only `__codegen`, a hidden module with an ABI version that generated
//! code checks at compile time: an `asl-codegen` and an `asl-runtime` that do not match fail
//! with a message naming both versions, not with type errors deep in generated code. Timers use tokio's clock ([`clock`]), so tests can
//! run on a paused clock.
//!
//! # Durable executions
//!
//! [`Engine`] runs Standard executions on a [`store`] (SQLite embedded, Postgres with the
//! `postgres` feature): every transition committed before the next state runs, resumable after
//! a crash, with AWS's history, idempotent starts, stop, redrive and callbacks by task token.
//! See [`durable`].
//!
//! # Cargo features
//!
//! - `sqlite` (default): `SqliteStore`, SQLite compiled from its C sources.
//! - `postgres`: `PostgresStore`.
//!
//! With `default-features = false` the crate is the in-memory runtime alone (Express
//! executions, `Workflow::run`): no store and no C code.

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod clock;
mod context;
pub mod durable;
pub mod error;
mod exec;
mod history;
pub mod integration;
pub mod items;
pub mod jsonata;
pub mod lambda;
mod lang;
pub mod store;
pub mod testing;
mod typed;

#[doc(hidden)]
pub mod __codegen;

/// The graph of a state machine (re-exported from `asl-graph`): what generated modules carry
/// as `GRAPH` and the web console draws.
pub use asl_graph as graph;
pub use context::{RunOptions, TaskMock};
pub use durable::{Engine, EngineError, ExecutionId, Machine, StartOptions};
pub use error::{ExecutionError, Status, TaskError};
pub use exec::{Event, MapRun, MapRunCounts, MapRunStatus, Recorded, TaskContext};
pub use serde_json::{self, Value};
pub use tokio;

/// Compiles an ASL definition into a Rust module: `asl!(<attrs> <vis> mod <name> from "<file>")`
/// (relative to the crate's `CARGO_MANIFEST_DIR`) or `asl!(<vis> mod <name> { <json> })`.
#[macro_export]
macro_rules! asl {
    ($($t:tt)*) => {
        $crate::__private::asl_impl! { @runtime = $crate; $($t)* }
    };
}

/// Includes a module generated by `asl_codegen::Builder` in `build.rs`:
/// `pub mod order { asl_runtime::include_workflow!("order"); }`.
#[macro_export]
macro_rules! include_workflow {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}

#[doc(hidden)]
pub mod __private {
    pub use asl_macro::asl_impl;
}
