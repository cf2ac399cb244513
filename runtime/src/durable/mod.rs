//! Durable executions (Standard mode, EXEC-1): an [`Engine`] runs workflows on a
//! [`Store`](crate::store) so that an execution survives the process running it.
//!
//! With the `sqlite` feature (on by default):
#![cfg_attr(feature = "sqlite", doc = include_str!("example.md"))]
//!
//! # How it works
//!
//! Generated code calls `Exec::checkpoint` at every top-level transition: the state about to
//! run, its input and the variables are committed, with the history events recorded since the
//! previous commit, before the state runs. A worker that dies loses at most the state it was
//! in; whichever worker next claims the execution (after its lease expired, or the same worker
//! id at once) resumes at that state with the same event ids, so every transition is recorded
//! exactly once and task handlers run at least once ([`TaskContext::idempotency_key`] is
//! stable across such re-invocations).
//!
//! - Timers: a resumed state keeps its entered time, so a Wait continues with what is left.
//!   Time is the [`clock`](crate::clock): tokio's, so tests pause it.
//! - Map iterations and Parallel branches commit their results as they finish; a resumed Map
//!   or Parallel does not run them again (their events are replayed into the history).
//! - Callbacks: a `.waitForTaskToken` Task registers its token, calls its handler, then waits
//!   for [`Engine::send_task_success`] / [`Engine::send_task_failure`] from any process on the
//!   same store; `HeartbeatSeconds` is enforced against [`Engine::send_task_heartbeat`].
//!
//! - Schedules: [`Engine::create_schedule`] starts executions on EventBridge Scheduler's
//!   `rate`, `cron` and `at` expressions, durably, each fire once across workers
//!   ([`schedule`]).
//!
//! [`TaskContext::idempotency_key`]: crate::TaskContext::idempotency_key

mod api;
mod builder;
mod engine;
pub(crate) mod journal;
mod machine;
pub(crate) mod map_run;
pub mod schedule;
mod waits;
mod worker;
mod workflows;

pub use api::{
    Description, EngineError, ExecutionId, ExecutionList, HistoryEvent, ListFilter, RedriveFilter,
    RedriveStatus, StartOptions, validate_name,
};
pub use builder::{BuildError, EngineBuilder};
pub use engine::{Engine, HistoryPage};
pub use machine::Machine;
pub use schedule::{Schedule, ScheduleFilter, ScheduleSpec, ScheduleState, Schedules};
pub use workflows::{SyncExecution, WorkflowInfo, WorkflowType};
