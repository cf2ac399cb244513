//! Step Functions calls answered by the `Engine` running the execution: child executions of
//! the workflows registered on it, and its task tokens.

use asl_runtime::durable::Description;
use asl_runtime::integration::Flavor;
use asl_runtime::{Engine, EngineError, ExecutionId, StartOptions, TaskError, Value};
use chrono::{DateTime, Utc};
use serde_json::{Map, json};

use super::shape::{self, Execution};
use super::{Child, Outcome, Start, is_ours, json_member, local_error, request_id};
use crate::call::Request;

/// Starts (or finds again, see [`is_ours`]) a child execution of `workflow`; the child and
/// `StartExecution`'s answer.
pub(super) async fn start(
    request: &Request,
    engine: &Engine,
    workflow: &str,
    start: &Start,
    since: Option<DateTime<Utc>>,
) -> Result<(Child, Value), TaskError> {
    let flavor = request.flavor;
    let options = StartOptions::default().name(start.name.clone());
    let id = match engine.start(workflow, start.input.clone(), options).await {
        Ok(id) => id,
        Err(EngineError::ExecutionAlreadyExists(arn)) => {
            let id: ExecutionId = arn.parse().map_err(|e| engine_error(flavor, &e))?;
            let d = engine
                .describe(&id)
                .await
                .map_err(|e| engine_error(flavor, &e))?;
            if !is_ours(&d.input, d.start_date, &start.input, since) {
                return Err(engine_error(
                    flavor,
                    &EngineError::ExecutionAlreadyExists(arn),
                ));
            }
            id
        }
        Err(e) => return Err(engine_error(flavor, &e)),
    };
    let d = engine
        .describe(&id)
        .await
        .map_err(|e| engine_error(flavor, &e))?;
    let mut answer = shape::started(flavor, id.as_str(), d.start_date);
    if flavor == Flavor::Optimized {
        add_metadata(&mut answer, id.as_str(), d.start_date);
    }
    let child = Child::Local {
        engine: engine.clone(),
        id,
    };
    Ok((child, Value::Object(answer)))
}

/// Waits for a child to end and describes it.
pub(super) async fn finish(
    engine: &Engine,
    id: &ExecutionId,
    flavor: Flavor,
) -> Result<Execution, TaskError> {
    // How it ended is in the description; `wait` only tells when.
    let _ = engine.wait(id).await;
    describe(engine, id, flavor).await
}

/// `DescribeExecution` of an execution of the engine.
pub(super) async fn describe(
    engine: &Engine,
    id: &ExecutionId,
    flavor: Flavor,
) -> Result<Execution, TaskError> {
    let d = engine
        .describe(id)
        .await
        .map_err(|e| engine_error(flavor, &e))?;
    Ok(execution(d))
}

fn execution(d: Description) -> Execution {
    let status = d.status.as_str().to_owned();
    let (redrive_status, redrive_status_reason) = shape::redrive(&status);
    Execution {
        arn: d.execution_id.as_str().to_owned(),
        state_machine_arn: d.state_machine_arn,
        name: d.name,
        start: d.start_date,
        stop: d.stop_date,
        input: Some(d.input.to_string()),
        output: d.output.as_ref().map(Value::to_string),
        error: d.error,
        cause: d.cause,
        redrive_count: Some(i32::try_from(d.redrive_count).unwrap_or(i32::MAX)),
        redrive_date: d.redrive_date,
        redrive_status: Some(redrive_status),
        redrive_status_reason,
        status,
        other: Vec::new(),
    }
}

/// Completes, fails or heartbeats one of the engine's task tokens.
pub(super) async fn send(
    engine: &Engine,
    token: &str,
    outcome: Outcome,
    flavor: Flavor,
) -> Result<(), TaskError> {
    let sent = match outcome {
        Outcome::Success(output) => {
            let output = json_member(output, "Output", flavor)?;
            engine.send_task_success(token, output).await
        }
        Outcome::Failure(error, cause) => {
            engine
                .send_task_failure(token, error.as_deref(), cause.as_deref())
                .await
        }
        Outcome::Heartbeat => engine.send_task_heartbeat(token).await,
    };
    sent.map_err(|e| engine_error(flavor, &e))
}

/// An engine error as Step Functions' API error of the same name.
pub(super) fn engine_error(flavor: Flavor, e: &EngineError) -> TaskError {
    let text = e.to_string();
    let code = e.name();
    let message = text
        .strip_prefix(code)
        .and_then(|t| t.strip_prefix(": "))
        .unwrap_or(&text);
    let (code, status) = match e {
        // A store failure is the service's failure, worth a retry.
        EngineError::Store(_) => ("InternalFailure", 500),
        _ => (code, 400),
    };
    local_error(flavor, code, message, status, &request_id(message))
}

/// The HTTP metadata the optimized integration adds, as Step Functions' answer would carry it.
fn add_metadata(answer: &mut Map<String, Value>, arn: &str, start: DateTime<Utc>) {
    let id = request_id(arn);
    // The body StartExecution would have sent: epoch seconds with milliseconds.
    let body = format!(
        "{{\"executionArn\":\"{arn}\",\"startDate\":{:.3}}}",
        start.timestamp_millis() as f64 / 1000.0
    );
    let length = body.len().to_string();
    let date = Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    answer.insert(
        "SdkHttpMetadata".into(),
        json!({
            "AllHttpHeaders": {
                "x-amzn-RequestId": [id],
                "connection": ["keep-alive"],
                "Content-Length": [length],
                "Date": [date],
                "Content-Type": ["application/x-amz-json-1.0"]
            },
            "HttpHeaders": {
                "connection": "keep-alive",
                "Content-Length": length,
                "Content-Type": "application/x-amz-json-1.0",
                "Date": date,
                "x-amzn-RequestId": id
            },
            "HttpStatusCode": 200
        }),
    );
    answer.insert("SdkResponseMetadata".into(), json!({ "RequestId": id }));
}
