//! Task states (TASK-*): invocation of the handler with timeouts, heartbeats, callbacks,
//! retries and catches, and the [`TaskContext`] a handler sees.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt as _;
use serde_json::{Map, Value};

use super::{
    Catcher, Exec, Io, MAX_TIMEOUT_SECONDS, Outcome, PathField, RestOnToken, Retrier, StateRun,
    apply_result_ref, effective_input, not_truncated, payload, select_io, too_large,
};
use crate::error::{Failure, TaskError, names};
use crate::jsonata;
use crate::lang::jsonpath::Path;
use crate::lang::template::{self, Template};
use crate::store::HandedOut;

/// A number of seconds given literally or by a Reference Path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seconds {
    /// Not given.
    Default,
    /// A literal.
    Literal(u64),
    /// `…SecondsPath`.
    Path(&'static Path),
    /// JSONata `TimeoutSeconds` / `HeartbeatSeconds`.
    Expr(&'static jsonata::Expr),
}

/// A compiled Task state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskSpec {
    /// `Resource`, classified at compile time.
    pub resource: Resource,
    /// Data flow.
    pub io: Io,
    /// `TimeoutSeconds(Path)`.
    pub timeout: Seconds,
    /// `HeartbeatSeconds(Path)`.
    pub heartbeat: Seconds,
    /// `Retry`.
    pub retry: &'static [Retrier],
    /// `Catch`.
    pub catch: &'static [Catcher],
    /// `Credentials` (TASK-10).
    pub credentials: Option<Credentials>,
}

/// A Task's `Resource`: the ARN as written and what kind of resource it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// The ARN, as the definition gives it.
    pub arn: &'static str,
    /// What it names.
    pub kind: ResourceKind,
}

/// What a Task's `Resource` names, which decides its history events (EXEC-7, TASK-1..4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A Lambda function by its ARN (`arn:aws:lambda:…:function:…`): `LambdaFunction…` events.
    LambdaFunction,
    /// An activity (`arn:aws:states:…:activity:…`): `Activity…` events.
    Activity,
    /// A service integration or any other resource: `Task…` events, which name it by
    /// `resourceType` (`lambda`, `aws-sdk:s3`) and `resource` (`invoke`,
    /// `startExecution.sync:2`).
    Service {
        /// `resourceType`.
        resource_type: &'static str,
        /// `resource`.
        resource: &'static str,
        /// How Step Functions waits for it.
        pattern: Pattern,
    },
}

impl ResourceKind {
    /// `resourceType` and `resource` as events name them: a service's, or `("", arn)`.
    fn resource(self, arn: &'static str) -> (&'static str, &'static str) {
        match self {
            ResourceKind::Service {
                resource_type,
                resource,
                ..
            } => (resource_type, resource),
            ResourceKind::LambdaFunction | ResourceKind::Activity => ("", arn),
        }
    }
}

/// A service integration's pattern (TASK-2..4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Request-response: the API call's answer.
    RequestResponse,
    /// `.sync`: runs the job to its end.
    Sync,
    /// `.sync:2`: runs the job to its end, JSON output.
    Sync2,
    /// `.waitForTaskToken`: waits for a callback with the task token.
    WaitForTaskToken,
}

/// A Task's `Credentials` field, in the state's query language.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Credentials {
    /// A JSONPath template (`"RoleArn.$": "$.role"`).
    Template(&'static Template),
    /// A JSONata value (`"RoleArn": "{% $role %}"`).
    Jsonata(&'static jsonata::Template),
}

/// What a task handler knows about its invocation.
#[derive(Clone)]
pub struct TaskContext {
    /// The Task state's name.
    pub state_name: &'static str,
    /// The execution (its ARN is made when first read: see [`TaskContext::execution_id`]).
    pub(super) execution: Arc<crate::context::ExecutionInfo>,
    /// Retries before this attempt.
    pub retry_count: u32,
    /// When the state was entered.
    pub entered_time: DateTime<Utc>,
    /// The task token (callback and activity resources).
    pub task_token: Option<String>,
    /// The resolved `TimeoutSeconds`, if any.
    pub timeout_seconds: Option<u64>,
    /// The resolved `HeartbeatSeconds`, if any.
    pub heartbeat_seconds: Option<u64>,
    /// The resolved `Credentials` (e.g. `{"RoleArn": "arn:aws:iam::…:role/…"}`): the role AWS
    /// would assume to call the resource (TASK-10).
    pub credentials: Option<Value>,
    /// Where the task sits (a Map iteration or Parallel branch), for the idempotency key.
    pub(super) key_path: String,
    /// The visit's sequence number, for the idempotency key.
    pub(super) key_seq: u64,
    /// Only with `HeartbeatSeconds`: without it a heartbeat has nothing to reset.
    pub(super) heartbeat: Option<Arc<tokio::sync::watch::Sender<u64>>>,
    /// Only for callback and `.sync` tasks: records their `TaskSubmitted`.
    pub(super) submission: Option<Submission>,
    /// A durable callback task: the engine waits for the token once the handler returns.
    pub(super) token_awaited: bool,
    /// The engine running a durable execution.
    pub(super) engine: Option<crate::durable::Engine>,
}

/// A callback or `.sync` task's `TaskSubmitted` event, recorded once: when the handler reports
/// what the service answered ([`TaskContext::submitted`]), when a durable callback's handler
/// returns (its result is that answer), or else just before the task's outcome.
#[derive(Clone)]
pub(super) struct Submission {
    pub(super) exec: Arc<Exec>,
    pub(super) state: &'static str,
    pub(super) resource: &'static str,
    pub(super) resource_type: &'static str,
    pub(super) done: Arc<std::sync::atomic::AtomicBool>,
    /// The service's answer it was recorded with.
    pub(super) output: Arc<std::sync::Mutex<Option<Value>>>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("state", &self.state)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Submission {
    /// Records `TaskSubmitted` unless it has been: with the service's answer when known.
    pub(super) fn record(&self, output: Option<&Value>) {
        if self.done.swap(true, std::sync::atomic::Ordering::AcqRel) {
            return;
        }
        if let Some(v) = output {
            *self.output.lock().unwrap_or_else(|e| e.into_inner()) = Some(v.clone());
        }
        self.exec
            .record_with("TaskSubmitted", Some(self.state), || {
                let mut d = Map::new();
                if let Some(v) = output {
                    d.insert("output".into(), payload(v));
                    d.insert("outputDetails".into(), not_truncated());
                }
                d.insert("resource".into(), self.resource.into());
                d.insert("resourceType".into(), self.resource_type.into());
                Value::Object(d)
            });
    }
}

impl std::fmt::Debug for TaskContext {
    /// The execution by its ARN (not its whole input).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskContext")
            .field("state_name", &self.state_name)
            .field("execution_id", &self.execution_id())
            .field("retry_count", &self.retry_count)
            .field("entered_time", &self.entered_time)
            .field("task_token", &self.task_token)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("heartbeat_seconds", &self.heartbeat_seconds)
            .field("credentials", &self.credentials)
            .field("key_path", &self.key_path)
            .field("key_seq", &self.key_seq)
            .field("submission", &self.submission)
            .field("token_awaited", &self.token_awaited)
            .finish_non_exhaustive()
    }
}

impl TaskContext {
    /// The task token of a callback (`.waitForTaskToken`) task: hand it to whoever will call
    /// `send_task_success`/`send_task_failure`.
    pub fn task_token(&self) -> Option<&str> {
        self.task_token.as_deref()
    }

    /// A key naming this attempt of this task: the same when a durable execution resumed
    /// after a crash invokes the attempt again, different for each retry. Handlers with side
    /// effects use it to deduplicate (tasks run at least once).
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}{}#{}.{}",
            self.execution.id(),
            self.key_path,
            self.key_seq,
            self.retry_count
        )
    }

    /// The execution's ARN (`$$.Execution.Id`).
    pub fn execution_id(&self) -> &str {
        self.execution.id()
    }

    /// Whether the engine itself waits for this callback task's token: in a durable execution
    /// (an [`Engine`](crate::Engine)'s), the handler of a `.waitForTaskToken` task hands the
    /// token out and returns the service's answer, and the execution then waits for
    /// `send_task_success`/`send_task_failure`; elsewhere the handler stands for the whole wait.
    pub fn token_awaited(&self) -> bool {
        self.token_awaited
    }

    /// The [`Engine`](crate::Engine) running this execution (a durable one), through which a
    /// task can start or reach other executions, as `states:startExecution` integrations do
    /// with the workflows registered on it.
    pub fn engine(&self) -> Option<&crate::Engine> {
        self.engine.as_ref()
    }

    /// The `RoleArn` of the resolved `Credentials`, if any.
    pub fn role_arn(&self) -> Option<&str> {
        self.credentials.as_ref()?.get("RoleArn")?.as_str()
    }

    /// Tells the engine the task is alive (resets the `HeartbeatSeconds` clock).
    pub fn heartbeat(&self) {
        if let Some(h) = &self.heartbeat {
            h.send_modify(|n| *n += 1);
        }
    }

    /// Reports what the service answered when a callback (`.waitForTaskToken`) or `.sync`
    /// task was handed to it (an SQS `SendMessage` response, a `StartExecution` response):
    /// the output of the task's `TaskSubmitted` event, recorded now. Only the first report
    /// counts; other tasks ignore it. A durable callback's handler need not call it: what it
    /// returns is that answer.
    pub fn submitted(&self, response: &Value) {
        if let Some(s) = &self.submission {
            s.record(Some(response));
        }
    }
}

pub(super) fn resolve_seconds(
    run: &StateRun,
    input: &Value,
    s: Seconds,
    field: &str,
) -> Result<Option<u64>, Failure> {
    match s {
        Seconds::Default => Ok(None),
        Seconds::Literal(n) => Ok(Some(n)),
        Seconds::Expr(e) => {
            let field = field.trim_end_matches("Path");
            let v = jsonata::typed(e, &run.scope(input), field, "number")?;
            match v.as_u64() {
                Some(n) if n > 0 => Ok(Some(n.min(MAX_TIMEOUT_SECONDS))),
                _ => Err(Failure::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!(
                        "The JSONata expression '{}' specified for the field '{field}' returned \
                         an unexpected result type. Expected 'positive integer', but was \
                         'number' for value: {v}",
                        e.text
                    ),
                )),
            }
        }
        Seconds::Path(p) => {
            let v = template::path_value(p, &run.roots(input), field)?;
            match v.as_u64() {
                // AWS's largest timeout; also keeps deadlines representable.
                Some(n) if n > 0 => Ok(Some(n.min(MAX_TIMEOUT_SECONDS))),
                _ => Err(Failure::runtime(format!(
                    "The {field} parameter must reference a positive integer: {} == {v}",
                    p.text
                ))),
            }
        }
    }
}

/// Runs a Task state: data flow, the handler with timeouts, Retry and Catch. `invoke` calls
/// the user's handler for the effective input.
pub async fn task<H, Fut>(
    run: &mut StateRun,
    raw: Value,
    spec: &'static TaskSpec,
    invoke: H,
) -> Result<Outcome, Failure>
where
    H: Fn(Value, TaskContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, TaskError>> + Send,
{
    if let ResourceKind::Service {
        pattern: Pattern::WaitForTaskToken,
        ..
    } = spec.resource.kind
    {
        run.task_token = Some(run.callback_token());
    }
    if moves_input(run, spec) {
        if direct(run, spec) {
            return task_direct(run, raw, spec, &invoke)
                .await
                .map(Outcome::Done)
                .map_err(|f| run.locate(f));
        }
        // Nothing reads the input once the handler has it: it moves there, not copied.
        let attempt = Box::pin(task_attempt(run, &Value::Null, Some(raw), spec, &invoke)).await;
        return match attempt {
            Ok(v) => Ok(Outcome::Done(v)),
            Err(f) => Err(run.locate(f)),
        };
    }
    retrying!(
        run,
        raw,
        spec,
        Box::pin(task_attempt(run, &raw, None, spec, &invoke))
    )
}

/// Whether a Task's input goes to its handler as it is and nothing reads it afterwards: an
/// in-memory run (not a durable or TestState one, which resume or inspect it) of a JSONPath
/// state with no `InputPath`, `Parameters`, `ResultSelector`, `ResultPath`, `OutputPath` or
/// `Assign`, no timeouts given by paths, no `Credentials`, no `Retry` and no `Catch`.
fn moves_input(run: &StateRun, spec: &TaskSpec) -> bool {
    let io = &spec.io;
    let literal = |s: Seconds| matches!(s, Seconds::Default | Seconds::Literal(_));
    run.exec.journal.is_none()
        && run.probe.is_none()
        && spec.retry.is_empty()
        && spec.catch.is_empty()
        && spec.credentials.is_none()
        && literal(spec.timeout)
        && literal(spec.heartbeat)
        && !io.jsonata
        && io.input_path == PathField::Default
        && io.parameters.is_none()
        && io.result_selector.is_none()
        && io.result_path == PathField::Default
        && io.output_path == PathField::Default
        && io.assign.is_none()
}

/// Whether a Task whose input moves to its handler ([`moves_input`]) can also be run by
/// [`task_direct`]: no timeouts, no mock, no token, nothing to submit.
fn direct(run: &StateRun, spec: &TaskSpec) -> bool {
    spec.timeout == Seconds::Default
        && spec.heartbeat == Seconds::Default
        && run.task_token.is_none()
        && run.exec.info.mock.is_none()
        && !TaskEvents::of(spec.resource.kind).submitted
}

/// The attempt of a Task that has nothing to wait for but its handler ([`direct`]): the
/// handler's future is awaited where it is, without [`task_attempt`]'s machinery (timers,
/// callbacks, mocks, publishing), which took boxing both futures and a fifth of a small
/// Express execution's time. Records the same events.
async fn task_direct<H, Fut>(
    run: &StateRun,
    input: Value,
    spec: &'static TaskSpec,
    invoke: &H,
) -> Result<Value, Failure>
where
    H: Fn(Value, TaskContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, TaskError>> + Send,
{
    let events = TaskEvents::of(spec.resource.kind);
    let ctx = TaskContext {
        state_name: run.name,
        execution: Arc::clone(&run.exec.info),
        retry_count: run.retry_count,
        entered_time: run.entered(),
        task_token: None,
        timeout_seconds: None,
        heartbeat_seconds: None,
        credentials: None,
        key_path: run.exec.path.clone(),
        key_seq: run.seq,
        heartbeat: None,
        submission: None,
        token_awaited: false,
        engine: None,
    };
    record_scheduled(run, spec, &events, &input, &ctx);
    let span = tracing::debug_span!(parent: &run.span, "task", attempt = run.retry_count, resource = spec.resource.arn);
    // Called inside the span, as on the general path (the guard goes before any await).
    let call = span.in_scope(|| invoke(input, ctx));
    let call = std::panic::AssertUnwindSafe(call).catch_unwind();
    let result = match tracing::Instrument::instrument(call, span).await {
        Ok(r) => r.map_err(Failure::from),
        Err(panic) => Err(Failure::new(
            names::TASK_FAILED,
            format!("the task handler panicked: {}", panic_message(&panic)),
        )),
    };
    conclude(run, &Value::Null, spec, &events, result)
}

/// A fresh task token for a callback task.
pub(super) fn new_task_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// One attempt of a Task: `raw` is its input, or `input` is when [`moves_input`] holds.
pub(super) async fn task_attempt<H, Fut>(
    run: &StateRun,
    raw: &Value,
    input: Option<Value>,
    spec: &'static TaskSpec,
    invoke: &H,
) -> Result<Value, Failure>
where
    H: Fn(Value, TaskContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, TaskError>> + Send,
{
    let effective = match input {
        Some(v) => v,
        None => effective_input(run, raw, &spec.io)?,
    };
    let timeout = resolve_seconds(run, raw, spec.timeout, "TimeoutSecondsPath")?;
    let heartbeat = resolve_seconds(run, raw, spec.heartbeat, "HeartbeatSecondsPath")?;
    let credentials = match spec.credentials {
        None => None,
        Some(Credentials::Jsonata(t)) => {
            Some(jsonata::template(t, &run.scope(raw), "Credentials")?)
        }
        Some(Credentials::Template(t)) => {
            let input = select_io(run, raw, &spec.io.input_path)?;
            Some(template::eval(t, &run.roots(&input))?)
        }
    };
    let (tx, rx) = match heartbeat {
        Some(_) => {
            let (tx, rx) = tokio::sync::watch::channel(0u64);
            (Some(Arc::new(tx)), Some(rx))
        }
        None => (None, None),
    };
    let events = TaskEvents::of(spec.resource.kind);
    let (resource_type, resource) = spec.resource.kind.resource(spec.resource.arn);
    let submission = events.submitted.then(|| Submission {
        exec: Arc::clone(&run.exec),
        state: run.name,
        resource,
        resource_type,
        done: Arc::default(),
        output: Arc::default(),
    });
    // A mock answers in place of the handler, which is then not called at all.
    let mocked = match &run.probe {
        Some(p) => p.task_answer(&spec.resource)?,
        None => None,
    };
    let mocked = mocked.or_else(|| {
        run.exec
            .info
            .mock
            .as_ref()
            .and_then(|m| m.answer(run.name, &effective))
    });
    // A durable callback task waits for its token in the store, where any process can
    // complete it; the token is known there before the handler can hand it out. A mocked
    // callback task's answer is its token's answer: nothing waits for the token.
    // When this attempt started (its `TimeoutSeconds` counts from then, across restarts).
    // The first attempt starts as the state is entered (read then, for a state that waits).
    let mut started = if run.retry_count == 0 {
        run.entered()
    } else {
        crate::clock::now()
    };
    let callback = match (&run.exec.journal, &run.task_token) {
        (Some(j), Some(token)) if mocked.is_none() => {
            let handed_out = j.register_token(token, run.name).await?;
            Some((Arc::clone(j), token.clone(), handed_out))
        }
        _ => None,
    };
    // Made after the wait above, so the future does not hold it across it.
    let ctx = TaskContext {
        state_name: run.name,
        execution: Arc::clone(&run.exec.info),
        retry_count: run.retry_count,
        entered_time: run.entered(),
        task_token: run.task_token.clone(),
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
        credentials,
        key_path: run.exec.path.clone(),
        key_seq: run.seq,
        heartbeat: tx,
        submission: submission.clone(),
        token_awaited: run.exec.journal.is_some() && run.task_token.is_some(),
        engine: run.exec.journal.as_ref().and_then(|j| j.engine()),
    };
    // Resumed while its token waits (the execution rested): the handler handed the token
    // out already and is not called again; its answer is recorded as before.
    let handed_out = callback.as_ref().and_then(|(_, _, h)| h.clone());
    if let Some(h) = &handed_out {
        started = h.started;
    }
    let timeout_at = timeout.map(|t| {
        let from = if run.exec.journal.is_some() && run.retry_count == 0 {
            run.entered()
        } else {
            started
        };
        from + chrono::Duration::seconds(t as i64)
    });
    record_scheduled(run, spec, &events, &effective, &ctx);
    let known = mocked.or_else(|| handed_out.map(|h| Ok(h.answer)));
    // Boxed where it is made: held by value (or bound first), the handler's future was
    // copied into each future around it (a fifth of a small Express execution's time).
    let mut call: std::pin::Pin<Box<dyn Future<Output = _> + Send + '_>> = Box::pin(
        tracing::Instrument::instrument(
            async move {
                match known {
                    Some(answer) => Ok(answer),
                    None => {
                        std::panic::AssertUnwindSafe(invoke(effective, ctx))
                            .catch_unwind()
                            .await
                    }
                }
            },
            tracing::debug_span!(parent: &run.span, "task", attempt = run.retry_count, resource = spec.resource.arn),
        ),
    );
    let durable_callback = callback.is_some();
    let timed_out_token = callback
        .as_ref()
        .map(|(j, t, _)| (Arc::clone(j), t.clone()));
    // Only a top-level task can rest: a branch's or iteration's state is resumed with its
    // whole Parallel or Map.
    let can_rest = run.exec.top_journal().is_some();
    let call = async {
        let r = match call.as_mut().await {
            Ok(r) => r.map_err(Failure::from),
            Err(panic) => Err(Failure::new(
                names::TASK_FAILED,
                format!("the task handler panicked: {}", panic_message(&panic)),
            )),
        };
        match callback {
            Some((journal, token, _)) => {
                let mut answer = r?;
                if let Some(s) = &submission {
                    s.record(Some(&answer));
                    // What `TaskSubmitted` shows (the handler may have reported it before
                    // returning something else): a resumed task records it again.
                    if let Some(v) = s.output.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        answer = v;
                    }
                }
                let rest = can_rest.then(|| RestOnToken {
                    exec: &run.exec,
                    handed_out: HandedOut { answer, started },
                    timeout: timeout_at,
                });
                run.exec
                    .publishing(std::pin::pin!(journal.wait_token(&token, heartbeat, rest)))
                    .await
            }
            None => r,
        }
    };
    // A Task that waits shows in the history as it waits (its Scheduled and Started events).
    tokio::pin!(call);
    let call = run.exec.publishing(call);
    tokio::pin!(call);
    // A durable execution's attempt times out counting from when it started (the first from
    // when the state was entered), across restarts.
    let deadline = timeout.map(|t| match timeout_at {
        Some(end) if run.exec.journal.is_some() => {
            tokio::time::Instant::now() + crate::clock::until(end)
        }
        _ => tokio::time::Instant::now() + Duration::from_secs(t),
    });
    // A durable callback's heartbeats arrive through the store (`wait_token` checks them).
    let heartbeat = if durable_callback { None } else { heartbeat };
    let result = if deadline.is_none() && heartbeat.is_none() && rx.is_none() {
        call.await
    } else {
        Box::pin(watched(call, deadline, heartbeat, rx)).await
    };
    // A handler that stands for the whole wait and did not report its submission.
    if let Some(s) = &submission {
        s.record(None);
    }
    // A durable callback that timed out no longer accepts its token (a late SendTaskSuccess
    // gets `TaskTimedOut`, as on AWS); one answered just before keeps its answer.
    let answered = match (&result, timed_out_token) {
        (Err(f), Some((journal, token))) if f.error == names::TIMEOUT => {
            journal.time_out_token(&token).await
        }
        _ => None,
    };
    let result = answered.unwrap_or(result);
    conclude(run, raw, spec, &events, result)
}

/// Records a Task attempt's outcome and makes its output: its result checked against the
/// payload quota, then `ResultSelector`, `ResultPath` and `OutputPath` over `raw` (the state's
/// input).
fn conclude(
    run: &StateRun,
    raw: &Value,
    spec: &'static TaskSpec,
    events: &TaskEvents,
    result: Result<Value, Failure>,
) -> Result<Value, Failure> {
    let (resource_type, resource) = spec.resource.kind.resource(spec.resource.arn);
    match result {
        Ok(v) if too_large(&v) => {
            run.record_with(events.failed, || {
                events.describe(resource_type, resource, None, None)
            });
            // AWS names a Lambda function by its ARN here, anything else by the state.
            let who = if events.lambda {
                spec.resource.arn
            } else {
                run.name
            };
            Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{who}' returned a result with a size exceeding the maximum \
                     number of bytes service limit."
                ),
            ))
        }
        Ok(v) => {
            if let Some(p) = &run.probe {
                p.result(&v);
            }
            run.record_with(events.succeeded, || {
                let mut d = events.describe(resource_type, resource, None, None);
                if let Value::Object(m) = &mut d {
                    m.insert("output".into(), payload(&v));
                    m.insert("outputDetails".into(), not_truncated());
                }
                d
            });
            let io = &spec.io;
            let plain = !io.jsonata
                && io.assign.is_none()
                && io.result_selector.is_none()
                && io.result_path == PathField::Default
                && io.output_path == PathField::Default;
            if plain && run.probe.is_none() {
                // The result is the output, its size checked above.
                return Ok(v);
            }
            apply_result_ref(run, raw, v, io)
        }
        Err(f) => {
            let timed_out = f.error == names::TIMEOUT || f.error == names::HEARTBEAT_TIMEOUT;
            run.record_with(
                if timed_out {
                    events.timed_out
                } else {
                    events.failed
                },
                || {
                    events.describe(
                        resource_type,
                        resource,
                        (!f.error.is_empty()).then_some(f.error.as_str()),
                        f.cause.as_deref(),
                    )
                },
            );
            Err(f)
        }
    }
}

/// Records a Task attempt's `…Scheduled` and `…Started` events.
fn record_scheduled(
    run: &StateRun,
    spec: &'static TaskSpec,
    events: &TaskEvents,
    effective: &Value,
    ctx: &TaskContext,
) {
    let (resource_type, resource) = spec.resource.kind.resource(spec.resource.arn);
    run.record_with(events.scheduled, || {
        let mut d = Map::new();
        if events.lambda || events.activity {
            d.insert("input".into(), payload(effective));
            d.insert("inputDetails".into(), not_truncated());
            d.insert("resource".into(), spec.resource.arn.into());
        } else {
            d.insert("parameters".into(), payload(effective));
            d.insert(
                "region".into(),
                region(run.exec.info.state_machine_id()).into(),
            );
            d.insert("resource".into(), resource.into());
            d.insert("resourceType".into(), resource_type.into());
        }
        if let Some(t) = ctx.timeout_seconds {
            d.insert("timeoutInSeconds".into(), t.into());
        }
        // Activities record it as service tasks do; LambdaFunctionScheduled has no such field.
        if let Some(h) = ctx.heartbeat_seconds
            && !events.lambda
        {
            d.insert("heartbeatInSeconds".into(), h.into());
        }
        if let Some(role) = ctx.role_arn() {
            d.insert(
                "taskCredentials".into(),
                serde_json::json!({ "roleArn": role }),
            );
        }
        Value::Object(d)
    });
    if events.lambda || events.activity {
        run.record(events.started);
    } else {
        run.record_with(
            events.started,
            || serde_json::json!({ "resource": resource, "resourceType": resource_type }),
        );
    }
}

/// Runs a task's `call` against its `TimeoutSeconds` deadline and `HeartbeatSeconds`: each
/// heartbeat (a change on `beats`) restarts the heartbeat clock.
async fn watched(
    mut call: std::pin::Pin<&mut impl Future<Output = Result<Value, Failure>>>,
    deadline: Option<tokio::time::Instant>,
    heartbeat: Option<u64>,
    mut beats: Option<tokio::sync::watch::Receiver<u64>>,
) -> Result<Value, Failure> {
    let mut beats_possible = beats.is_some();
    loop {
        let beat = heartbeat.map(|h| tokio::time::Instant::now() + Duration::from_secs(h));
        tokio::select! {
            r = &mut call => return r,
            _ = sleep_opt(deadline) => {
                return Err(Failure::from_parts(names::TIMEOUT, None));
            }
            _ = sleep_opt(beat) => {
                // AWS's recorded heartbeat timeouts report `States.Timeout` (TASK-7, ERR-5).
                return Err(Failure::from_parts(names::TIMEOUT, None));
            }
            changed = async { match beats.as_mut() { Some(rx) => rx.changed().await, None => std::future::pending().await } }, if beats_possible => {
                // The handler dropped its context: no heartbeat can come any more, but the
                // timeout and the heartbeat deadline still run.
                beats_possible = changed.is_ok();
            }
        }
    }
}

/// The history events of a Task attempt, which depend on the Resource as AWS records them
/// (HIST-*): `LambdaFunction*` for a Lambda function ARN, `Activity*` for an activity, `Task*`
/// otherwise, with `TaskSubmitted` once a callback (`.waitForTaskToken`) or job (`.sync`) task
/// has been handed to the service.
pub(super) struct TaskEvents {
    pub(super) lambda: bool,
    pub(super) activity: bool,
    pub(super) scheduled: &'static str,
    pub(super) started: &'static str,
    pub(super) submitted: bool,
    pub(super) succeeded: &'static str,
    pub(super) failed: &'static str,
    pub(super) timed_out: &'static str,
}

impl TaskEvents {
    pub(super) fn of(kind: ResourceKind) -> Self {
        match kind {
            ResourceKind::LambdaFunction => TaskEvents {
                lambda: true,
                activity: false,
                scheduled: "LambdaFunctionScheduled",
                started: "LambdaFunctionStarted",
                submitted: false,
                succeeded: "LambdaFunctionSucceeded",
                failed: "LambdaFunctionFailed",
                timed_out: "LambdaFunctionTimedOut",
            },
            ResourceKind::Activity => TaskEvents {
                lambda: false,
                activity: true,
                scheduled: "ActivityScheduled",
                started: "ActivityStarted",
                submitted: false,
                succeeded: "ActivitySucceeded",
                failed: "ActivityFailed",
                timed_out: "ActivityTimedOut",
            },
            ResourceKind::Service { pattern, .. } => TaskEvents {
                lambda: false,
                activity: false,
                scheduled: "TaskScheduled",
                started: "TaskStarted",
                submitted: pattern != Pattern::RequestResponse,
                succeeded: "TaskSucceeded",
                failed: "TaskFailed",
                timed_out: "TaskTimedOut",
            },
        }
    }
}

impl TaskEvents {
    /// Details of a result event: `resource`/`resourceType` for service tasks, then
    /// `error` and `cause` when given.
    pub(super) fn describe(
        &self,
        resource_type: &str,
        resource: &str,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Value {
        let mut d = Map::new();
        if let Some(c) = cause {
            d.insert("cause".into(), c.into());
        }
        if let Some(e) = error {
            d.insert("error".into(), e.into());
        }
        if !self.lambda && !self.activity {
            d.insert("resource".into(), resource.into());
            d.insert("resourceType".into(), resource_type.into());
        }
        Value::Object(d)
    }
}

/// The region of an ARN.
pub(super) fn region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

pub(super) async fn sleep_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

pub(super) fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
