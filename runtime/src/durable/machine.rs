//! The [`Machine`] trait: what the engine needs of a compiled workflow, so that generated
//! code and boxed, run-time-chosen workflows plug in alike.

use std::sync::Arc;

use serde_json::Value;

use crate::context::RunOptions;
use crate::error::Failure;
use crate::exec::{BoxFuture, Exec, Recorded, Vars};

/// A compiled workflow the engine can run: every generated `Workflow<T>` implements it, and
/// `Box<dyn Machine>` chooses workflows at run time. Not meant to be implemented by hand: its
/// methods take the engine's internal types, part of the generated code's ABI.
pub trait Machine: Send + Sync + 'static {
    /// The module name given to `asl!`.
    fn default_name(&self) -> &'static str;
    /// The machine's `TimeoutSeconds`.
    fn timeout_seconds(&self) -> Option<u64>;
    /// The Amazon States Language definition it was compiled from (empty when unknown).
    fn definition(&self) -> &'static str {
        ""
    }
    /// The state machine's graph (generated modules carry it as `GRAPH`).
    fn graph(&self) -> Option<&'static asl_graph::Graph> {
        None
    }

    #[doc(hidden)]
    /// Runs the top level from `state` (`None`: `StartAt`) with `input` and `vars`; `None`
    /// when the machine has no such state.
    fn resume(
        &self,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>>;
    /// Runs an Express execution in memory, with its history.
    fn express(&self, input: Value, options: RunOptions) -> BoxFuture<'static, Recorded>;
    /// The top-level Distributed Map states whose children run as stored executions (their
    /// processors resume like a top level).
    fn child_scopes(&self) -> &'static [&'static str] {
        &[]
    }
    #[doc(hidden)]
    /// Runs the processor of Distributed Map `scope` as a child execution from `state`.
    fn resume_child(
        &self,
        scope: &str,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>> {
        let _ = (scope, exec, state, input, vars);
        None
    }
}

/// A boxed machine is a machine (workflows chosen at run time).
impl<M: Machine + ?Sized> Machine for Box<M> {
    fn default_name(&self) -> &'static str {
        (**self).default_name()
    }
    fn timeout_seconds(&self) -> Option<u64> {
        (**self).timeout_seconds()
    }
    fn definition(&self) -> &'static str {
        (**self).definition()
    }
    fn graph(&self) -> Option<&'static asl_graph::Graph> {
        (**self).graph()
    }

    fn resume(
        &self,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>> {
        (**self).resume(exec, state, input, vars)
    }
    fn express(&self, input: Value, options: RunOptions) -> BoxFuture<'static, Recorded> {
        (**self).express(input, options)
    }
    fn child_scopes(&self) -> &'static [&'static str] {
        (**self).child_scopes()
    }
    fn resume_child(
        &self,
        scope: &str,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>> {
        (**self).resume_child(scope, exec, state, input, vars)
    }
}
