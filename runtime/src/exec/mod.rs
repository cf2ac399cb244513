//! The engine generated code drives: one [`Exec`] per execution (identity, history), one
//! [`StateRun`] per state visit (entered time, event id, the context object), and the shared
//! semantics of the state types (data flow, Task invocation with Retry/Catch and timeouts,
//! Parallel, Map, Wait).
//!
//! Generated code owns the control flow: a `match` on its `State` enum per transition, Choice
//! rules as Rust expressions. Each call here is one piece of a state's behaviour, given the
//! state's compiled specification (`static` data in the generated module).

#[macro_use]
mod retry;
mod batch;
mod data;
mod execution;
mod hooks;
mod items;
mod map;
mod map_run;
mod parallel;
mod probe;
mod progress;
mod state;
mod states;
mod task;

pub use data::*;
pub use execution::*;
pub(crate) use hooks::{Done, Durability, RestOnToken, RetryPoint};
pub use items::{Args, ItemIo, ReaderSpec, WriterSpec, read_items, write_items};
pub use map::*;
pub use map_run::{MapRun, MapRunCounts, MapRunStatus};
pub use parallel::*;
pub(crate) use probe::Probe;
use progress::Progress;
pub use retry::*;
pub use state::*;
pub use states::*;
pub use task::*;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

/// A scope's workflow variables (VAR-*): shared with the states that read them, copied only
/// when a state assigns.
pub type Vars = Arc<Map<String, Value>>;

/// A boxed future, for branches and iterations.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The largest `TimeoutSeconds`/`HeartbeatSeconds` AWS accepts (TASK-5).
pub const MAX_TIMEOUT_SECONDS: u64 = 99_999_999;

/// Concurrent iterations of an inline Map without `MaxConcurrency` (AWS runs about 40, MAP-9).
pub const INLINE_CONCURRENCY: usize = 40;

/// The payload quota (EXEC-9, DATA-21).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
