//! Retry and Catch (RETRY-*, CATCH-*): retriers' backoff, catchers' error output.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::{MAX_WAIT, PathField, RetryPoint, StateRun, result_path};
use crate::error::Failure;
use crate::jsonata;
use crate::lang::template::Template;

/// A compiled Retrier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: &'static [&'static str],
    /// `IntervalSeconds`.
    pub interval_seconds: u64,
    /// `MaxAttempts`.
    pub max_attempts: u64,
    /// `BackoffRate`.
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy: FULL`.
    pub full_jitter: bool,
}

impl Retrier {
    /// The delay before retry `n` (1-based), before jitter (RETRY-8).
    pub fn delay(&self, n: u64) -> Duration {
        let exp = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
        let mut secs = self.interval_seconds as f64 * self.backoff_rate.powi(exp);
        if let Some(max) = self.max_delay_seconds {
            secs = secs.min(max as f64);
        }
        Duration::from_secs_f64(secs.clamp(0.0, MAX_WAIT.as_secs_f64()))
    }
}

/// A compiled Catcher.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: &'static [&'static str],
    /// `ResultPath` (default `$`).
    pub result_path: PathField,
    /// `Assign`, evaluated instead of the state's with `$` = the Error Output (CATCH-5).
    pub assign: Option<&'static Template>,
    /// A JSONata state's Catcher: `output` and `assign_jsonata` apply, with
    /// `$states.errorOutput` (CATCH-6).
    pub jsonata: bool,
    /// JSONata `Output` (default: the Error Output).
    pub output: Option<&'static jsonata::Template>,
    /// JSONata `Assign`.
    pub assign_jsonata: Option<&'static jsonata::Template>,
}

/// How a state with Retry/Catch ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It succeeded with this output.
    Done(Value),
    /// Catcher `n` caught an error; this is the state's output.
    Caught(usize, Value),
}

impl Outcome {
    /// The state's output, caught or not (for states without Catchers, which are never
    /// `Caught`).
    pub fn into_value(self) -> Value {
        match self {
            Outcome::Done(v) | Outcome::Caught(_, v) => v,
        }
    }
}

/// The Retriers' attempt counts during one visit of a state (RETRY-9).
#[derive(Debug, Default)]
pub struct RetryState {
    pub(super) counts: Vec<u64>,
}

impl RetryState {
    /// The attempt counts of `run`: none, or in a durable execution resumed between two
    /// attempts, the committed ones (and the rest of the backoff is slept here).
    pub async fn resume(run: &mut StateRun) -> RetryState {
        let point = match (&run.exec.journal, run.exec.top) {
            (Some(j), true) => j.take_retry(),
            _ => None,
        };
        let Some(p) = point else {
            return RetryState::default();
        };
        run.retry_count = p.retry_count;
        if run.task_token.is_some() {
            run.task_token = Some(run.callback_token());
        }
        run.context = OnceLock::new();
        crate::clock::sleep_until(p.resume_at).await;
        RetryState { counts: p.counts }
    }

    /// Commits the retry about to wait `delay` (durable top-level states), so a restart
    /// continues with the rest of the backoff instead of attempting the state from scratch.
    pub async fn commit(
        &self,
        run: &StateRun,
        raw: &Value,
        delay: Duration,
    ) -> Result<(), Failure> {
        match (&run.exec.journal, run.exec.top) {
            (Some(j), true) => {
                let point = RetryPoint {
                    counts: self.counts.clone(),
                    retry_count: run.retry_count,
                    resume_at: crate::clock::now()
                        + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
                    entered: run.event_id,
                };
                j.checkpoint_retry(&run.exec, run.name, raw, &run.vars, run.entered(), point)
                    .await
            }
            _ => Ok(()),
        }
    }

    /// After `failure`: the delay before the next attempt, or `None` when no Retrier applies
    /// or the matching one is exhausted (RETRY-9, RETRY-10). Updates the run's retry count.
    pub fn next_delay(
        &mut self,
        run: &mut StateRun,
        retry: &[Retrier],
        failure: &Failure,
    ) -> Option<Duration> {
        if failure.is_terminal() {
            return None;
        }
        if self.counts.len() < retry.len() {
            self.counts.resize(retry.len(), 0);
        }
        let i = retry
            .iter()
            .position(|r| r.error_equals.iter().any(|e| failure.matches(e)))?;
        let r = &retry[i];
        if self.counts[i] >= r.max_attempts {
            return None;
        }
        self.counts[i] += 1;
        let mut delay = r.delay(self.counts[i]);
        if r.full_jitter {
            delay = delay.mul_f64(rand::random::<f64>());
        }
        run.retry_count += 1;
        if run.task_token.is_some() {
            // A retried callback task gets a new token (TASK-4).
            run.task_token = Some(run.callback_token());
        }
        run.context = OnceLock::new();
        Some(delay)
    }
}

/// The Catchers' turn (CATCH-3, CATCH-4): the first whose `ErrorEquals` matches places the
/// Error Output into the raw input at its `ResultPath`.
pub fn catch(
    run: &StateRun,
    raw: &Value,
    catchers: &[Catcher],
    failure: Failure,
) -> Result<Outcome, Failure> {
    if failure.is_terminal() {
        return Err(failure);
    }
    for (i, c) in catchers.iter().enumerate() {
        if c.error_equals.iter().any(|e| failure.matches(e)) {
            let error_output = failure.to_error_output();
            // A result's assignment never happened: the state failed.
            *run.assigned.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if c.jsonata {
                let scope = jsonata::Scope {
                    error_output: Some(&error_output),
                    ..run.scope(raw)
                };
                run.assign_jsonata(c.assign_jsonata, &scope)
                    .map_err(|f| run.locate(f))?;
                let out = match c.output {
                    Some(t) => jsonata::template(t, &scope, "Output").map_err(|f| run.locate(f))?,
                    None => error_output.clone(),
                };
                return Ok(Outcome::Caught(i, out));
            }
            run.assign(c.assign, &error_output)
                .map_err(|f| run.locate(f))?;
            let out = result_path(raw.clone(), error_output, &c.result_path)?;
            return Ok(Outcome::Caught(i, out));
        }
    }
    Err(failure)
}

/// Runs attempts of a state with Retry and Catch: `$attempt` is an expression producing
/// `Result<Value, Failure>` for one attempt.
macro_rules! retrying {
    ($run:expr, $raw:expr, $spec:expr, $attempt:expr) => {{
        let mut retries = $crate::exec::RetryState::resume($run).await;
        loop {
            match $attempt.await {
                Ok(v) => break Ok($crate::exec::Outcome::Done(v)),
                Err(f) => {
                    let f = $run.locate(f);
                    // TestState: the Retriers and Catchers decide without waiting.
                    if let Some(p) = $run.probe.clone() {
                        break p.decide($run, &$raw, $spec.retry, $spec.catch, f);
                    }
                    match retries.next_delay($run, $spec.retry, &f) {
                        Some(delay) => {
                            if let Err(f) = retries.commit($run, &$raw, delay).await {
                                break Err(f);
                            }
                            tokio::time::sleep(delay).await
                        }
                        None => break $crate::exec::catch($run, &$raw, $spec.catch, f),
                    }
                }
            }
        }
    }};
}
