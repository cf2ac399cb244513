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

/// The ARN of the execution `name` of a state machine.
fn execution_arn(state_machine_arn: &str, name: &str) -> String {
    format!(
        "{}:{name}",
        state_machine_arn.replacen(":stateMachine:", ":execution:", 1)
    )
}

/// Polls `DescribeExecution` until the execution ends.
pub(super) async fn finish(
    client: &aws_sdk_sfn::Client,
    arn: &str,
    flavor: Flavor,
) -> Result<Execution, TaskError> {
    let mut pause = POLL_FIRST;
    loop {
        let d = client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .map_err(|e| error::sdk_error(&NAMES, flavor, e))?;
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
