//! The actions: each reads its members ([`Input`]), asks the engine and answers with AWS's
//! output shape. Shared here: resolving ARNs to workflows and executions, dates.

mod executions;
mod history;
mod machines;
mod map_runs;
mod tasks;
mod validate;

use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::Value;

use asl_runtime::ExecutionId;
use asl_runtime::durable::{WorkflowInfo, WorkflowType};

use crate::dispatch::Server;
use crate::error::ApiError;
use crate::input::Input;

/// Runs `action`.
pub(crate) async fn call(
    server: &Server,
    action: String,
    input: Input,
) -> Result<Response, ApiError> {
    match action.as_str() {
        "StartExecution" => executions::start(server, input).await,
        "StartSyncExecution" => executions::start_sync(server, input).await,
        "DescribeExecution" => executions::describe(server, input).await,
        "DescribeStateMachineForExecution" => executions::describe_machine(server, input).await,
        "ListExecutions" => executions::list(server, input).await,
        "StopExecution" => executions::stop(server, input).await,
        "RedriveExecution" => executions::redrive(server, input).await,
        "GetExecutionHistory" => history::get(server, input).await,
        "SendTaskSuccess" => tasks::success(server, input).await,
        "SendTaskFailure" => tasks::failure(server, input).await,
        "SendTaskHeartbeat" => tasks::heartbeat(server, input).await,
        "ListStateMachines" => machines::list(server, input),
        "DescribeStateMachine" => machines::describe(server, input),
        "CreateStateMachine" => machines::create(server, input),
        "ValidateStateMachineDefinition" => validate::validate(input),
        "DescribeMapRun" => map_runs::describe(server, input).await,
        "ListMapRuns" => map_runs::list(server, input).await,
        other if machines::is_change(other) => machines::refuse_change(server, other),
        _ => Err(ApiError::unknown_operation()),
    }
}

/// A date as AWS's JSON protocol sends it: epoch seconds, milliseconds as the fraction.
pub(crate) fn date(t: DateTime<Utc>) -> Value {
    Value::from(t.timestamp_millis() as f64 / 1000.0)
}

/// The parts of a state machine ARN: `arn:<partition>:states:<region>:<account>:stateMachine:<name>`,
/// optionally qualified by `:<version or alias>` or `/<Map Run label>`.
struct MachineArn<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
    name: &'a str,
    /// `:<version or alias>`.
    qualifier: Option<&'a str>,
    /// `/<label>`: a Distributed Map's state machine.
    label: Option<&'a str>,
}

fn parse_machine_arn(arn: &str) -> Option<MachineArn<'_>> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7
        || parts.len() > 8
        || parts[0] != "arn"
        || parts[2] != "states"
        || parts[5] != "stateMachine"
        || parts[1].is_empty()
        || parts[6].is_empty()
    {
        return None;
    }
    let (name, label) = match parts[6].split_once('/') {
        Some((n, l)) => (n, Some(l)),
        None => (parts[6], None),
    };
    Some(MachineArn {
        partition: parts[1],
        region: parts[3],
        account: parts[4],
        name,
        qualifier: parts.get(7).copied(),
        label,
    })
}

/// The workflow a state machine ARN names (`InvalidArn`, `StateMachineDoesNotExist`).
/// A version or alias ARN names nothing here (this server has neither); a Distributed Map's
/// labelled ARN is a `ValidationException`, as AWS answers it for these actions.
fn workflow_of(server: &Server, arn: &str) -> Result<WorkflowInfo, ApiError> {
    let parsed = parse_machine_arn(arn).ok_or_else(|| ApiError::invalid_arn(arn))?;
    let id = server.engine.identity();
    let missing = || {
        ApiError::service(
            "StateMachineDoesNotExist",
            format!("State Machine Does Not Exist: '{arn}'"),
        )
    };
    if parsed.label.is_some() {
        return Err(ApiError::service_validation(
            format!(
                "This operation does not accept a Distributed Map state machine ARN \
                 (with a label): '{arn}'"
            ),
            Some("API_DOES_NOT_SUPPORT_LABELED_ARNS"),
        ));
    }
    if parsed.partition != id.partition
        || parsed.region != id.region
        || parsed.account != id.account
        || parsed.qualifier.is_some()
    {
        return Err(missing());
    }
    server.engine.workflow(parsed.name).ok_or_else(missing)
}

/// An execution ARN (`InvalidArn` when it is not one).
fn execution_id(arn: &str) -> Result<ExecutionId, ApiError> {
    arn.parse::<ExecutionId>()
        .map_err(|_| ApiError::invalid_arn(arn))
}

/// An execution ARN for DescribeExecution, GetExecutionHistory and StopExecution, which AWS
/// does not support for Express executions: an Express execution's ARN (`…:express:…`) is
/// `InvalidArn`, with AWS's message; DescribeExecution (`map_run_children`) still takes the
/// Express children of a Map Run (`…:express:<machine>/<label>:…`), as AWS's does.
fn standard_execution_id(arn: &str, map_run_children: bool) -> Result<ExecutionId, ApiError> {
    let id = execution_id(arn)?;
    let map_run_child = arn.split(':').nth(6).is_some_and(|m| m.contains('/'));
    if id.is_express() && !(map_run_children && map_run_child) {
        return Err(ApiError::service(
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: express'",
        ));
    }
    Ok(id)
}

/// `StateMachineTypeNotSupported` for an action Express workflows do not have.
fn not_for_express(info: &WorkflowInfo) -> Result<(), ApiError> {
    if info.kind == WorkflowType::Express {
        return Err(ApiError::service(
            "StateMachineTypeNotSupported",
            format!(
                "This operation is not supported by this type of state machine: '{}'",
                info.arn
            ),
        ));
    }
    Ok(())
}

/// The role ARN the engine's executions report.
fn role_arn(server: &Server) -> String {
    let id = server.engine.identity();
    id.role_arn.clone().unwrap_or_else(|| {
        format!(
            "arn:{}:iam::{}:role/StepFunctionsRole",
            id.partition, id.account
        )
    })
}

/// Parses a JSON document sent as a string member (`input`, `output`).
fn json_text(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// JSON text of a payload, as AWS's string members carry it.
fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_arns_parse() {
        let a =
            parse_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:order").unwrap();
        assert_eq!((a.name, a.qualifier, a.label), ("order", None, None));
        let a = parse_machine_arn("arn:aws:states:us-east-1:1:stateMachine:order/lbl").unwrap();
        assert_eq!(a.label, Some("lbl"));
        let a = parse_machine_arn("arn:aws:states:us-east-1:1:stateMachine:order:PROD").unwrap();
        assert_eq!(a.qualifier, Some("PROD"));
        for bad in [
            "",
            "order",
            "arn:aws:states:r:a:execution:o:n",
            "arn:aws:s3:r:a:stateMachine:o",
        ] {
            assert!(parse_machine_arn(bad).is_none(), "{bad}");
        }
    }
}
