//! AWS Step Functions as a Task's service (TASK-2, TASK-3, EXEC-12): `states:startExecution`
//! (request-response, `.sync`, `.sync:2`, `.waitForTaskToken`) and the AWS SDK integrations
//! `aws-sdk:sfn:startExecution`, `describeExecution`, `stopExecution`, `sendTaskSuccess`,
//! `sendTaskFailure` and `sendTaskHeartbeat`.
//!
//! # Local or remote
//! A durable execution (one an `asl_runtime::Engine` runs) reaches the workflows registered on
//! its engine without AWS: a `StateMachineArn` that is the ARN the engine gives a state
//! machine of that name (`arn:aws:states:<engine region>:<engine account>:stateMachine:<name>`,
//! the scheme of the engine's execution ARNs) starts a child execution on the engine — durable
//! too — and an `ExecutionArn` of such a machine is described or stopped there. A name that is
//! not registered there is `StateMachineDoesNotExist`, as on AWS. With an engine, task tokens
//! are the engine's: `sendTask*` completes them there (an unknown token is
//! `Sfn.InvalidTokenException`). Any other ARN, and every call outside an engine, goes to AWS
//! Step Functions through the SDK.
//!
//! # Parameters
//! The API's members: `StartExecution` `StateMachineArn`, `Input`, `Name` (and, for
//! `aws-sdk:sfn`, `TraceHeader`, ignored by local executions: they have no X-Ray trace);
//! `DescribeExecution` `ExecutionArn`, `IncludedData`; `StopExecution` `ExecutionArn`,
//! `Error`, `Cause`; `SendTaskSuccess` `TaskToken`, `Output`; `SendTaskFailure` `TaskToken`,
//! `Error`, `Cause`; `SendTaskHeartbeat` `TaskToken`. Any other member is an error. As Step
//! Functions does, an `Input` (or `Output`) given as a string is the JSON text of the value,
//! any other JSON value is the value itself, and no `Input` is `{}`.
//!
//! # Results
//! As recorded on AWS: request-response `states:startExecution` answers `{ExecutionArn,
//! StartDate}` with `SdkHttpMetadata`/`SdkResponseMetadata` (synthesized for a local child);
//! `.sync` answers the child's `DescribeExecution` (`Input` and `Output` as JSON text),
//! `.sync:2` the same with `Input` and `Output` as JSON, and reports the `StartExecution`
//! answer as the `TaskSubmitted` output. A child that does not succeed fails the state with
//! `States.TaskFailed`, its cause the JSON text of that description with the child's `Error`
//! and `Cause`. Dates of the optimized integration are epoch milliseconds (the Java SDK v1's
//! serialization), those of `aws-sdk:sfn` ISO-8601 strings. Errors are named
//! `StepFunctions.<Code>Exception` (optimized) and `Sfn.<Code>Exception` (AWS SDK).
//!
//! # At least once, and stopping
//! Without a `Name`, the child is named after the attempt's idempotency key (the hex SHA-256
//! of `TaskContext::idempotency_key`), so a parent resumed after a crash that starts it again
//! gets the same child (StartExecution is idempotent for a name and input), finished or not.
//! With a `Name`, an execution of that name and input that started since the state was
//! entered is taken as this task's own. When a `.sync` task stops waiting while its execution
//! goes on (the state's `TimeoutSeconds`, `HeartbeatSeconds`) or because its execution was
//! stopped or timed out, the child is stopped, as Step Functions stops a `.sync` child; a
//! parent halted by a crash or lease loss leaves it running for the resumed parent.

mod local;
mod remote;
mod shape;

use std::time::Duration;

use asl_runtime::integration::{Api, Flavor, Pattern};
use asl_runtime::{Engine, ExecutionId, TaskError, Value};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::call::Request;
use crate::error::{self, Names};
use crate::params::Params;

/// How Step Functions names itself in errors.
pub(crate) const NAMES: Names = Names {
    optimized: "StepFunctions",
    v1_service: "AWSStepFunctions",
    v1_exception: "AWSStepFunctionsException",
    sdk: "Sfn",
};

/// Performs the Step Functions API call the state names.
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    let flavor = request.flavor;
    let result = route(request).await;
    match result {
        Err(mut err) if flavor == Flavor::Sdk => {
            attempt_count(&mut err);
            Err(err)
        }
        other => other,
    }
}

async fn route(request: Request) -> Result<Value, TaskError> {
    match request.api {
        Api::SfnStartExecution => start(request).await,
        Api::SfnDescribeExecution => describe(request).await,
        Api::SfnStopExecution => stop(request).await,
        Api::SfnSendTaskSuccess | Api::SfnSendTaskFailure | Api::SfnSendTaskHeartbeat => {
            send(request).await
        }
        other => Err(error::parameters(format!(
            "{other:?} is not a Step Functions API ('{}')",
            request.resource
        ))),
    }
}

/// `StartExecution`'s parameters.
pub(super) struct Start {
    pub(super) state_machine_arn: String,
    pub(super) input: Value,
    pub(super) name: String,
    /// The name was not given: it is derived from the attempt.
    pub(super) derived: bool,
    pub(super) trace_header: Option<String>,
}

impl Start {
    fn parse(request: &Request) -> Result<Start, TaskError> {
        let api = match request.flavor {
            Flavor::Optimized => "states:startExecution",
            Flavor::Sdk => "sfn:startExecution",
        };
        let mut p = Params::new(request.parameters.clone(), api)?;
        let arn = p.string("StateMachineArn")?;
        let input = p.take("Input");
        let name = p.string("Name")?;
        let trace_header = match request.flavor {
            Flavor::Sdk => p.string("TraceHeader")?,
            Flavor::Optimized => None,
        };
        p.finish()?;
        let state_machine_arn = arn.ok_or_else(|| required("StateMachineArn", api))?;
        let input = json_member(input, "Input", request.flavor)?;
        let derived = name.is_none();
        let name = name.unwrap_or_else(|| derived_name(&request.context.idempotency_key()));
        Ok(Start {
            state_machine_arn,
            input,
            name,
            derived,
            trace_header,
        })
    }
}

/// A member Step Functions passes as JSON text (`Input`, `Output`): a string is the text, any
/// other value the value itself; absent is `{}`.
fn json_member(v: Option<Value>, member: &str, flavor: Flavor) -> Result<Value, TaskError> {
    match v {
        None => Ok(Value::Object(Default::default())),
        Some(Value::String(text)) => serde_json::from_str(&text).map_err(|e| {
            // The API's answer to text that is not JSON.
            let (code, what) = match member {
                "Input" => ("InvalidExecutionInput", "State Machine Execution Input"),
                _ => ("InvalidOutput", "Output"),
            };
            let message = format!("Invalid {what}: '{e}'");
            local_error(flavor, code, &message, 400, &request_id(&text))
        }),
        Some(other) => Ok(other),
    }
}

fn required(member: &str, api: &str) -> TaskError {
    error::parameters(format!("The field '{member}' of {api} is required"))
}

/// An execution name for an attempt: 64 hex digits, within AWS's 80 characters and its
/// alphabet, the same when a resumed parent repeats the attempt.
pub(super) fn derived_name(idempotency_key: &str) -> String {
    hex(&Sha256::digest(idempotency_key.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A request id for an answer given here (shaped as AWS's UUIDs), from what the call is about.
pub(super) fn request_id(seed: &str) -> String {
    let h = hex(&Sha256::digest(
        format!(
            "{seed}/{}",
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        )
        .as_bytes(),
    ));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An error answered here as Step Functions' API would answer it.
pub(super) fn local_error(
    flavor: Flavor,
    code: &str,
    message: &str,
    status: u16,
    request_id: &str,
) -> TaskError {
    let mut err = error::service(
        &NAMES,
        flavor,
        &error::Failure {
            code,
            message,
            status,
            request_id,
            extended: None,
            modeled: status < 500,
        },
    );
    if flavor == Flavor::Sdk {
        attempt_count(&mut err);
    }
    err
}

/// The AWS SDK for Java v2's ` (SDK Attempt Count: 1)`, which AWS's recording of an
/// `aws-sdk:sfn` error cause ends with: added to every `Sfn.*` error, from this engine or from
/// AWS, so a cause reads the same wherever the execution or token lives.
fn attempt_count(err: &mut TaskError) {
    const SUFFIX: &str = " (SDK Attempt Count: 1)";
    if let Some(cause) = &mut err.cause
        && err.error.starts_with("Sfn.")
        && !cause.ends_with(SUFFIX)
    {
        cause.push_str(SUFFIX);
    }
}

/// `arn:<partition>:states:<region>:<account>:` of the executions of the engine running this
/// one (the engine names every execution and state machine after its identity).
fn engine_prefix(request: &Request) -> Option<String> {
    request.context.engine()?;
    let parts: Vec<&str> = request.context.execution_id().split(':').collect();
    (parts.len() >= 5 && parts[0] == "arn" && parts[2] == "states")
        .then(|| format!("{}:", parts[..5].join(":")))
}

/// The engine and workflow name a state machine ARN names, when it is one of the engine's.
fn local_machine<'e>(
    request: &'e Request,
    state_machine_arn: &str,
) -> Option<(&'e Engine, String)> {
    let prefix = engine_prefix(request)?;
    let name = state_machine_arn
        .strip_prefix(&prefix)?
        .strip_prefix("stateMachine:")?;
    (!name.is_empty() && !name.contains(':'))
        .then(|| request.context.engine().map(|e| (e, name.to_owned())))
        .flatten()
}

/// The engine and execution an execution ARN names, when it is one of the engine's.
fn local_execution<'e>(
    request: &'e Request,
    execution_arn: &str,
) -> Option<(&'e Engine, ExecutionId)> {
    let prefix = engine_prefix(request)?;
    let rest = execution_arn.strip_prefix(&prefix)?;
    if !rest.starts_with("execution:") {
        return None;
    }
    let id = execution_arn.parse().ok()?;
    request.context.engine().map(|e| (e, id))
}

/// A started child execution, wherever it runs.
#[derive(Clone)]
pub(super) enum Child {
    Local {
        engine: Engine,
        id: ExecutionId,
    },
    Remote {
        client: aws_sdk_sfn::Client,
        arn: String,
    },
}

impl Child {
    /// Waits for the child to end and describes it.
    async fn finish(&self, flavor: Flavor) -> Result<shape::Execution, TaskError> {
        match self {
            Child::Local { engine, id } => local::finish(engine, id, flavor).await,
            Child::Remote { client, arn } => remote::finish(client, arn, flavor).await,
        }
    }

    /// Stops the child (errors ignored: it may have ended meanwhile).
    async fn stop(&self) {
        match self {
            Child::Local { engine, id } => {
                let _ = engine.stop(id, None, None).await;
            }
            Child::Remote { client, arn } => {
                let _ = client.stop_execution().execution_arn(arn).send().await;
            }
        }
    }
}

async fn start(request: Request) -> Result<Value, TaskError> {
    let start = Start::parse(&request)?;
    // An explicitly named execution is this task's if it started since the state was entered.
    let since = (!start.derived).then_some(request.context.entered_time);
    let (child, response) = match local_machine(&request, &start.state_machine_arn) {
        Some((engine, workflow)) => {
            local::start(&request, engine, &workflow, &start, since).await?
        }
        None => remote::start(&request, &start, since).await?,
    };
    match request.pattern {
        Pattern::RequestResponse | Pattern::WaitForTaskToken => Ok(response),
        Pattern::Sync | Pattern::Sync2 => {
            request.context.submitted(&response);
            let guard = StopOnDrop::new(&request, child.clone());
            let done = child.finish(request.flavor).await;
            // A wait that failed (the child could not be watched) leaves no child behind:
            // dropping the guard stops it, so a Retry does not run two.
            if done.is_ok() {
                guard.disarm();
            }
            shape::sync_outcome(&done?, request.pattern == Pattern::Sync2)
        }
    }
}

async fn describe(request: Request) -> Result<Value, TaskError> {
    let api = "sfn:describeExecution";
    let mut p = Params::new(request.parameters.clone(), api)?;
    let arn = p.string("ExecutionArn")?;
    let included = p.string("IncludedData")?;
    p.finish()?;
    let arn = arn.ok_or_else(|| required("ExecutionArn", api))?;
    let metadata_only = included.as_deref() == Some("METADATA_ONLY");
    let execution = match local_execution(&request, &arn) {
        Some((engine, id)) => local::describe(engine, &id, request.flavor).await?,
        None => remote::describe(&request, &arn, included).await?,
    };
    Ok(shape::describe(&execution, request.flavor, metadata_only))
}

async fn stop(request: Request) -> Result<Value, TaskError> {
    let api = "sfn:stopExecution";
    let mut p = Params::new(request.parameters.clone(), api)?;
    let arn = p.string("ExecutionArn")?;
    let err = p.string("Error")?;
    let cause = p.string("Cause")?;
    p.finish()?;
    let arn = arn.ok_or_else(|| required("ExecutionArn", api))?;
    let stopped = match local_execution(&request, &arn) {
        Some((engine, id)) => engine
            .stop(&id, err.as_deref(), cause.as_deref())
            .await
            .map_err(|e| local::engine_error(request.flavor, &e))?,
        None => remote::stop(&request, &arn, err, cause).await?,
    };
    let mut m = serde_json::Map::new();
    m.insert("StopDate".into(), shape::date(request.flavor, stopped));
    Ok(Value::Object(m))
}

async fn send(request: Request) -> Result<Value, TaskError> {
    let api = match request.api {
        Api::SfnSendTaskSuccess => "sfn:sendTaskSuccess",
        Api::SfnSendTaskFailure => "sfn:sendTaskFailure",
        _ => "sfn:sendTaskHeartbeat",
    };
    let mut p = Params::new(request.parameters.clone(), api)?;
    let token = p.string("TaskToken")?;
    let outcome = match request.api {
        Api::SfnSendTaskSuccess => Outcome::Success(p.take("Output")),
        Api::SfnSendTaskFailure => Outcome::Failure(p.string("Error")?, p.string("Cause")?),
        _ => Outcome::Heartbeat,
    };
    p.finish()?;
    let token = token.ok_or_else(|| required("TaskToken", api))?;
    match request.context.engine() {
        Some(engine) => local::send(engine, &token, outcome, request.flavor).await?,
        None => remote::send(&request, &token, outcome).await?,
    }
    Ok(Value::Object(Default::default()))
}

/// What a `sendTask*` call reports.
pub(super) enum Outcome {
    /// `Output` as given (JSON text or a value).
    Success(Option<Value>),
    /// `Error`, `Cause`.
    Failure(Option<String>, Option<String>),
    Heartbeat,
}

/// Stops a `.sync` child when its task stops waiting for it, unless the parent was halted
/// (a crash, a lost lease) and will wait for it again once resumed.
struct StopOnDrop {
    child: Option<Child>,
    /// The parent's engine and execution, when durable.
    parent: Option<(Engine, ExecutionId)>,
}

/// How long after its task was dropped a halted parent must have ended for its child to be
/// stopped: a stop from another process is recorded after the run is cancelled.
const HALT_GRACE: Duration = Duration::from_secs(1);

impl StopOnDrop {
    fn new(request: &Request, child: Child) -> StopOnDrop {
        let parent = request.context.engine().and_then(|engine| {
            let id = request.context.execution_id().parse().ok()?;
            Some((engine.clone(), id))
        });
        StopOnDrop {
            child: Some(child),
            parent,
        }
    }

    fn disarm(mut self) {
        self.child = None;
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let Some(child) = self.child.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Still run here: the execution itself gave up the task (a timeout, its stop).
        let halted = match &self.parent {
            Some((engine, id)) => (!engine.runs_here(id)).then(|| (engine.clone(), id.clone())),
            None => None,
        };
        runtime.spawn(async move {
            if let Some((engine, id)) = halted {
                tokio::time::sleep(HALT_GRACE).await;
                match engine.describe(&id).await {
                    Ok(d) if d.status.is_closed() => {}
                    // Running elsewhere or to be resumed: the child is still awaited.
                    _ => return,
                }
            }
            child.stop().await;
        });
    }
}

/// When a child counts as started by this task (explicit names: since the state was entered).
pub(super) fn is_ours(
    existing_input: &Value,
    existing_start: DateTime<Utc>,
    input: &Value,
    since: Option<DateTime<Utc>>,
) -> bool {
    existing_input == input && since.is_none_or(|t| existing_start >= t)
}

#[cfg(test)]
mod tests {
    use super::{derived_name, request_id};

    #[test]
    fn derived_names_are_valid_and_stable() {
        let n = derived_name("arn:aws:states:us-east-1:1:execution:p:é#3.0");
        assert_eq!(n.len(), 64);
        assert!(asl_runtime::durable::validate_name(&n).is_ok());
        assert_eq!(
            n,
            derived_name("arn:aws:states:us-east-1:1:execution:p:é#3.0")
        );
        assert_ne!(
            n,
            derived_name("arn:aws:states:us-east-1:1:execution:p:é#3.1")
        );
        assert_eq!(request_id("x").len(), 36);
    }
}
