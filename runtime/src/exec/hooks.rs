//! The one seam between the in-memory engine and a durable layer: [`Durability`] is what an
//! execution calls at each point where its state can be saved or where it waits on something
//! outside the process. The engine defines it and knows nothing else of stores; the durable
//! layer (`crate::durable`) implements it. An execution without it runs purely in memory.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{BoxFuture, Event, Exec, Vars};
use crate::error::Failure;
use crate::store::HandedOut;

/// Where a retried state stands between two attempts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RetryPoint {
    /// Each Retrier's attempts so far.
    pub counts: Vec<u64>,
    /// `$$.State.RetryCount`.
    pub retry_count: u32,
    /// When the next attempt starts.
    pub resume_at: DateTime<Utc>,
    /// The state's entered event.
    pub entered: u64,
}

/// A top-level callback task whose execution may rest while its token waits.
pub(crate) struct RestOnToken<'a> {
    /// The execution (its events so far are published as it rests).
    pub exec: &'a Exec,
    /// What the handler answered, and when the attempt started.
    pub handed_out: HandedOut,
    /// When the attempt's `TimeoutSeconds` ends it.
    pub timeout: Option<DateTime<Utc>>,
}

/// A finished iteration or branch: its output and the events it recorded.
pub(crate) type Done = (
    Value,
    Vec<(&'static str, Option<&'static str>, Option<Value>)>,
);

/// What a durable execution adds to an in-memory one: commits at every top-level
/// transition, retry point and finished iteration, and callback tokens kept outside the
/// process. Every method is called only for an execution that has one.
pub(crate) trait Durability: Send + Sync + fmt::Debug {
    /// The entered time of the state an execution resumed in (once, for the top level).
    fn resumed_entered(&self, top: bool) -> Option<DateTime<Utc>>;

    /// Commits the transition into `state` before it runs.
    fn checkpoint<'a>(
        &'a self,
        exec: &'a Exec,
        state: &'static str,
        input: &'a Value,
        vars: &'a Vars,
    ) -> BoxFuture<'a, Result<(), Failure>>;

    /// Transitions committed so far (names the scope of a Map's or Parallel's progress).
    fn seq(&self) -> u64;

    /// Publishes the events recorded so far while the current state goes on waiting.
    fn publish<'a>(&'a self, exec: &'a Exec) -> BoxFuture<'a, Result<(), Failure>>;

    /// A top-level Wait due at `due`: when the wait is long enough (and a worker will wake
    /// it), publishes the events so far and puts the execution at rest until then, out of
    /// memory (`true`: the caller stops the execution with an interruption).
    fn rest<'a>(
        &'a self,
        exec: &'a Exec,
        due: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<bool, Failure>>;

    /// Resumed between two attempts of a retried state: the id of its entered event.
    fn retry_entered(&self) -> Option<u64>;

    /// Resumed between two attempts of a retried state: where its attempts stand (once).
    fn take_retry(&self) -> Option<RetryPoint>;

    /// Commits a retried state's progress before it waits for the next attempt.
    #[allow(clippy::too_many_arguments)]
    fn checkpoint_retry<'a>(
        &'a self,
        exec: &'a Exec,
        state: &'static str,
        input: &'a Value,
        vars: &'a Vars,
        entered: DateTime<Utc>,
        point: RetryPoint,
    ) -> BoxFuture<'a, Result<(), Failure>>;

    /// Iterations and branches of `scope` finished before a restart (once per scope).
    fn finished(&self, scope: &str) -> HashMap<usize, Done>;

    /// Commits a finished iteration or branch of `scope` with the events it recorded.
    fn finish_iteration<'a>(
        &'a self,
        scope: &'a str,
        index: usize,
        result: &'a Value,
        events: &'a [Event],
    ) -> BoxFuture<'a, Result<(), Failure>>;

    /// The callback token of the task attempt named `key`: the same after a restart.
    fn token(&self, key: &str) -> String;

    /// Makes `token` known, so any process can complete it; what the task's handler answered
    /// if it handed the token out before the execution rested (it is not called again).
    fn register_token<'a>(
        &'a self,
        token: &'a str,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<HandedOut>, Failure>>;

    /// Closes a token whose task timed out: a late answer gets `TaskTimedOut`.
    fn time_out_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Option<Result<Value, Failure>>>;

    /// Waits for `token`'s answer (its heartbeats every `heartbeat` seconds, when given); with
    /// `rest`, may put the execution at rest until then (an interruption, as for a Wait).
    fn wait_token<'a>(
        &'a self,
        token: &'a str,
        heartbeat: Option<u64>,
        rest: Option<RestOnToken<'a>>,
    ) -> BoxFuture<'a, Result<Value, Failure>>;

    /// The engine running the execution, for tasks that start or reach other executions
    /// (`TaskContext::engine`); `None` once it is gone.
    fn engine(&self) -> Option<crate::durable::Engine>;
}
