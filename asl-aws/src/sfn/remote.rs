//! Step Functions calls sent to AWS Step Functions (or the endpoint configured for it)
//! through the AWS SDK for Rust.

use std::time::Duration;

use asl_runtime::integration::Flavor;
use asl_runtime::{TaskError, Value};
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::IncludedData;
use aws_smithy_types::DateTime as SdkDate;
use chrono::{DateTime, Utc};

use super::shape::{self, Execution};
use super::{Child, NAMES, Outcome, Start, is_ours};
use crate::call::Request;
use crate::error;
use crate::metadata::Capture;

/// The first pause between `DescribeExecution`s of a `.sync` child, and the longest.
const POLL_FIRST: Duration = Duration::from_secs(1);
const POLL_MAX: Duration = Duration::from_secs(5);

/// Starts an execution (or finds again the one a previous run of this attempt started); the
/// child and `StartExecution`'s answer.
pub(super) async fn start(
    request: &Request,
    start: &Start,
    since: Option<DateTime<Utc>>,
) -> Result<(Child, Value), TaskError> {
    let flavor = request.flavor;
    let client = request.clients.sfn().clone();
    let capture = Capture::default();
    let sent = client
        .start_execution()
        .state_machine_arn(&start.state_machine_arn)
        .input(start.input.to_string())
        .name(&start.name)
        .set_trace_header(start.trace_header.clone())
        .customize()
        .interceptor(capture.clone())
        .send()
        .await;
    let (arn, started) = match sent {
        Ok(out) => (out.execution_arn().to_owned(), chrono(out.start_date())),
        Err(e) => {
            let exists = e
                .as_service_error()
                .is_some_and(|s| s.is_execution_already_exists());
            let err = error::sdk_error(&NAMES, flavor, e);
            if !exists {
                return Err(err);
            }
            // Ours if a previous run of this attempt started it with this input.
            let arn = execution_arn(&start.state_machine_arn, &start.name);
            let Ok(d) = client.describe_execution().execution_arn(&arn).send().await else {
                return Err(err);
            };
            let input: Option<Value> = d.input().and_then(|t| serde_json::from_str(t).ok());
            let started = chrono(d.start_date());
            if !input.is_some_and(|i| is_ours(&i, started, &start.input, since)) {
                return Err(err);
            }
            (arn, started)
        }
    };
    let mut answer = shape::started(flavor, &arn, started);
    if flavor == Flavor::Optimized {
        capture.add_to(&mut answer);
    }
    Ok((Child::Remote { client, arn }, Value::Object(answer)))
}

/// The ARN of the execution `name` of a state machine: executions of a version or alias
/// (`…:stateMachine:name:1`, `…:stateMachine:name:prod`) are named after the machine.
fn execution_arn(state_machine_arn: &str, name: &str) -> String {
    let (prefix, machine) = state_machine_arn
        .split_once(":stateMachine:")
        .unwrap_or((state_machine_arn, ""));
    let machine = machine.split(':').next().unwrap_or(machine);
    format!("{prefix}:execution:{machine}:{name}")
}

/// Polls `DescribeExecution` until the execution ends.
pub(super) async fn finish(
    client: &aws_sdk_sfn::Client,
    arn: &str,
    flavor: Flavor,
) -> Result<Execution, TaskError> {
    let mut pause = POLL_FIRST;
    let mut failures = 0u32;
    loop {
        let d = match client.describe_execution().execution_arn(arn).send().await {
            Ok(d) => d,
            // A poll can last hours: throttling, a 5xx or a dropped connection is waited out
            // (as Step Functions keeps polling); only an answer about the execution itself
            // ends the wait, or errors that persist.
            Err(e) if transient(&e) && failures < MAX_POLL_FAILURES => {
                failures += 1;
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(POLL_MAX);
                continue;
            }
            Err(e) => return Err(error::sdk_error(&NAMES, flavor, e)),
        };
        failures = 0;
        if d.status().as_str() != "RUNNING" && d.status().as_str() != "PENDING_REDRIVE" {
            return Ok(execution(&d));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(POLL_MAX);
    }
}

/// `DescribeExecution`.
pub(super) async fn describe(
    request: &Request,
    arn: &str,
    included: Option<String>,
) -> Result<Execution, TaskError> {
    let d = request
        .clients
        .sfn()
        .describe_execution()
        .execution_arn(arn)
        .set_included_data(included.map(|s| IncludedData::from(s.as_str())))
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    Ok(execution(&d))
}

/// `StopExecution`; its stop date.
pub(super) async fn stop(
    request: &Request,
    arn: &str,
    err: Option<String>,
    cause: Option<String>,
) -> Result<DateTime<Utc>, TaskError> {
    let out = request
        .clients
        .sfn()
        .stop_execution()
        .execution_arn(arn)
        .set_error(err)
        .set_cause(cause)
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    Ok(chrono(out.stop_date()))
}

/// `SendTaskSuccess`, `SendTaskFailure` or `SendTaskHeartbeat`.
pub(super) async fn send(
    request: &Request,
    token: &str,
    outcome: Outcome,
) -> Result<(), TaskError> {
    let client = request.clients.sfn();
    let flavor = request.flavor;
    match outcome {
        Outcome::Success(output) => {
            let text = match output {
                None => "{}".to_owned(),
                Some(Value::String(s)) => s,
                Some(v) => v.to_string(),
            };
            client
                .send_task_success()
                .task_token(token)
                .output(text)
                .send()
                .await
                .map(drop)
                .map_err(|e| error::sdk_error(&NAMES, flavor, e))
        }
        Outcome::Failure(err, cause) => client
            .send_task_failure()
            .task_token(token)
            .set_error(err)
            .set_cause(cause)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::sdk_error(&NAMES, flavor, e)),
        Outcome::Heartbeat => client
            .send_task_heartbeat()
            .task_token(token)
            .send()
            .await
            .map(drop)
            .map_err(|e| error::sdk_error(&NAMES, flavor, e)),
    }
}

fn chrono(t: &SdkDate) -> DateTime<Utc> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos()).unwrap_or_default()
}

fn execution(d: &DescribeExecutionOutput) -> Execution {
    let mut other = Vec::new();
    let mut keep = |name: &'static str, v: Option<&str>| {
        if let Some(v) = v {
            other.push((name, v.to_owned()));
        }
    };
    keep("MapRunArn", d.map_run_arn());
    keep("StateMachineAliasArn", d.state_machine_alias_arn());
    keep("StateMachineVersionArn", d.state_machine_version_arn());
    keep("TraceHeader", d.trace_header());
    Execution {
        arn: d.execution_arn().to_owned(),
        state_machine_arn: d.state_machine_arn().to_owned(),
        name: d.name().unwrap_or_default().to_owned(),
        status: d.status().as_str().to_owned(),
        start: chrono(d.start_date()),
        stop: d.stop_date().map(chrono),
        input: d.input().map(str::to_owned),
        output: d.output().map(str::to_owned),
        error: d.error().map(str::to_owned),
        cause: d.cause().map(str::to_owned),
        redrive_count: d.redrive_count(),
        redrive_date: d.redrive_date().map(chrono),
        redrive_status: d.redrive_status().map(|s| s.as_str().to_owned()),
        redrive_status_reason: d.redrive_status_reason().map(str::to_owned),
        other,
    }
}

/// Consecutive failed polls waited out before the state fails.
const MAX_POLL_FAILURES: u32 = 30;

/// Whether a failed poll is worth repeating: no answer, throttling or a server error.
fn transient<E>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    match e {
        SdkError::ServiceError(ctx) => {
            ctx.raw().status().is_server_error()
                || ctx.raw().status().as_u16() == 429
                || ctx
                    .err()
                    .code()
                    .is_some_and(|c| c.contains("Throttl") || c == "TooManyRequestsException")
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn executions_of_versions_and_aliases_are_named_after_the_machine() {
        let arn = |m: &str| super::execution_arn(m, "child");
        assert_eq!(
            arn("arn:aws:states:us-east-1:1:stateMachine:m"),
            "arn:aws:states:us-east-1:1:execution:m:child"
        );
        assert_eq!(
            arn("arn:aws:states:us-east-1:1:stateMachine:m:7"),
            "arn:aws:states:us-east-1:1:execution:m:child"
        );
        assert_eq!(
            arn("arn:aws:states:us-east-1:1:stateMachine:m:prod"),
            "arn:aws:states:us-east-1:1:execution:m:child"
        );
    }
}
