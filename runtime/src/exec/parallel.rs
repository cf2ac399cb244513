//! Parallel states (PAR-*): branches run concurrently, the first failure ends them all.

use std::sync::Arc;

use serde_json::Value;

use super::{
    BoxFuture, Catcher, Exec, Io, Outcome, Progress, Retrier, StateRun, apply_result_ref,
    effective_input,
};
use crate::error::Failure;

/// A compiled Parallel state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParallelSpec {
    /// Data flow.
    pub io: Io,
    /// `Retry`.
    pub retry: &'static [Retrier],
    /// `Catch`.
    pub catch: &'static [Catcher],
}

/// Runs a Parallel state: every branch gets the effective input; the result is the array of
/// their outputs in branch order; the first failure cancels the others (PAR-2, 3, 5, 8).
pub async fn parallel<B>(
    run: &mut StateRun,
    raw: Value,
    spec: &'static ParallelSpec,
    branches: usize,
    branch: B,
) -> Result<Outcome, Failure>
where
    B: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    let outcome = retrying!(
        run,
        raw,
        spec,
        parallel_attempt(run, &raw, spec, branches, &branch)
    );
    if !matches!(outcome, Ok(Outcome::Done(_))) {
        run.record("ParallelStateFailed");
    }
    outcome
}

pub(super) async fn parallel_attempt<B>(
    run: &StateRun,
    raw: &Value,
    spec: &'static ParallelSpec,
    branches: usize,
    branch: &B,
) -> Result<Value, Failure>
where
    B: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    // TestState with a mock: the branches' results without running them (nor, as AWS
    // records it, evaluating the branches' input).
    if let Some(answer) = run
        .probe
        .as_ref()
        .and_then(|p| p.container_answer("Parallel", None))
    {
        return apply_result_ref(run, raw, answer?, &spec.io);
    }
    let effective = effective_input(run, raw, &spec.io)?;
    run.record("ParallelStateStarted");
    let progress = Progress::of(run);
    let progress = &progress;
    let targets: Vec<Arc<Exec>> = (0..branches)
        .map(|i| progress.branch_target(&run.exec, i))
        .collect();
    let futures: Vec<_> = targets
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let input = effective.clone();
            async move {
                if let Some(v) = progress.replay(&run.exec, i) {
                    return Ok(v);
                }
                let r = tracing::Instrument::instrument(
                    branch(i, input, Arc::clone(target)),
                    tracing::debug_span!(parent: &run.span, "branch", index = i),
                )
                .await;
                progress.finished(i, &r, target).await?;
                r
            }
        })
        .collect();
    match futures_util::future::try_join_all(futures).await {
        Ok(outputs) => {
            run.record("ParallelStateSucceeded");
            apply_result_ref(run, raw, Value::Array(outputs), &spec.io)
        }
        Err(f) if f.is_interrupted() => Err(f),
        Err(f) => {
            // The failed branch's state and those its failure cancelled, as AWS records them
            // (not when the execution itself is being interrupted: stopped, or its lease lost).
            for target in &targets {
                if let Some((kind, name)) = target
                    .take_unfinished()
                    .and_then(|(ty, name)| Some((ty.aborted_event()?, name)))
                {
                    target.record(kind, Some(name));
                }
            }
            Err(f)
        }
    }
}
