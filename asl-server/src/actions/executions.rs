//! Executions: StartExecution, StartSyncExecution, DescribeExecution,
//! DescribeStateMachineForExecution, ListExecutions, StopExecution, RedriveExecution.

use axum::response::Response;
use serde_json::{Map, Value, json};

use asl_runtime::durable::{Description, ListFilter, RedriveFilter, validate_name};
use asl_runtime::testing::{MockCase, MockFile, MockFileError};
use asl_runtime::{StartOptions, Status};

use super::{
    date, execution_id, not_for_express, role_arn, standard_execution_id, text, workflow_of,
};
use crate::dispatch::Server;
use crate::error::{ApiError, ok};
use crate::input::*;
use crate::paging;

/// The largest execution input, in UTF-8 bytes (AWS's quota).
const MAX_PAYLOAD_BYTES: usize = 262_144;

/// The members StartExecution and StartSyncExecution share, checked.
struct Start {
    workflow: String,
    options: StartOptions,
    input: Value,
}

fn read_start(i: &mut Input) -> Result<(String, Option<String>, Option<String>), ApiError> {
    let arn = i.required_string("stateMachineArn", ARN)?;
    let name = i.string("name", NAME)?;
    let input = i.string("input", DATA)?;
    // Accepted and checked; X-Ray tracing is not part of this server (README).
    let _ = i.string("traceHeader", TRACE_HEADER)?;
    Ok((arn, name, input))
}

fn resolve_start(
    server: &Server,
    arn: &str,
    name: Option<String>,
    input: Option<String>,
) -> Result<(Start, asl_runtime::durable::WorkflowInfo), ApiError> {
    // Step Functions Local's `<state machine ARN>#<test case>`, with a mock file.
    let (arn, test_case) = match (&server.config.mock_file, arn.rsplit_once('#')) {
        (Some(_), Some((machine, case))) => (machine, Some(case)),
        _ => (arn, None),
    };
    let info = workflow_of(server, arn)?;
    if let Some(n) = &name {
        validate_name(n)?;
    }
    let input = execution_input(input.as_deref())?;
    let mut options = match name {
        Some(n) => StartOptions::default().name(n),
        None => StartOptions::default(),
    };
    if let (Some(file), Some(case)) = (&server.config.mock_file, test_case) {
        options = options.mock(mock_case(file, &info, case)?);
    }
    Ok((
        Start {
            workflow: info.name.clone(),
            options,
            input,
        },
        info,
    ))
}

/// Test case `case` of the state machine `info` names, checked against its workflow
/// (`ValidationException` naming the file, the place and the problem).
fn mock_case(
    file: &MockFile,
    info: &asl_runtime::durable::WorkflowInfo,
    case: &str,
) -> Result<MockCase, ApiError> {
    let invalid = |e: MockFileError| ApiError::service_validation(e.to_string(), None);
    let mock = file.test_case(&info.name, case).map_err(invalid)?;
    if let Some(graph) = info.graph {
        mock.check_graph(graph).map_err(invalid)?;
    }
    Ok(mock)
}

/// The execution input: `{}` when absent; JSON of at most 256 KiB (`InvalidExecutionInput`).
fn execution_input(text: Option<&str>) -> Result<Value, ApiError> {
    let Some(text) = text else {
        return Ok(json!({}));
    };
    let invalid = |detail: String| {
        ApiError::service(
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{detail}'"),
        )
    };
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(invalid(format!(
            "Input of {} bytes exceeds the maximum size of {MAX_PAYLOAD_BYTES} bytes",
            text.len()
        )));
    }
    super::json_text(text).map_err(invalid)
}

pub(super) async fn start(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let (arn, name, input) = read_start(&mut i)?;
    i.finish()?;
    let (s, _) = resolve_start(server, &arn, name, input)?;
    let id = server.engine.start(&s.workflow, s.input, s.options).await?;
    // The start date of the execution the name names (the first call's, when repeated).
    let d = server.engine.describe(&id).await?;
    Ok(ok(json!({
        "executionArn": id.as_str(),
        "startDate": date(d.start_date),
    })))
}

pub(super) async fn start_sync(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let (arn, name, input) = read_start(&mut i)?;
    let included = i.enumeration("includedData", INCLUDED_DATA)? != Some("METADATA_ONLY");
    i.finish()?;
    let (s, _) = resolve_start(server, &arn, name, input)?;
    let run = server
        .engine
        .start_sync(&s.workflow, s.input, s.options)
        .await?;
    let mut out = Map::new();
    out.insert("executionArn".into(), run.execution_id.as_str().into());
    out.insert(
        "stateMachineArn".into(),
        run.state_machine_arn.clone().into(),
    );
    out.insert("name".into(), run.name.clone().into());
    out.insert("startDate".into(), date(run.start_date));
    out.insert("stopDate".into(), date(run.stop_date));
    // A synchronous execution ends SUCCEEDED, FAILED or TIMED_OUT (it cannot be stopped).
    let status = match run.status {
        Status::Aborted | Status::Running => Status::Failed,
        s => s,
    };
    out.insert("status".into(), status.as_str().into());
    if let Some(e) = &run.error {
        out.insert("error".into(), e.clone().into());
    }
    if let Some(c) = &run.cause {
        out.insert("cause".into(), c.clone().into());
    }
    if included {
        out.insert("input".into(), text(&run.input).into());
    }
    out.insert("inputDetails".into(), json!({ "included": included }));
    if let Some(output) = &run.output {
        if included {
            out.insert("output".into(), text(output).into());
        }
        out.insert("outputDetails".into(), json!({ "included": included }));
    }
    // Express pricing's units: 64 MB of memory, time rounded up to 100 ms.
    let ms = (run.stop_date - run.start_date).num_milliseconds().max(0) as u64;
    out.insert(
        "billingDetails".into(),
        json!({
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": ms.div_ceil(100).max(1) * 100,
        }),
    );
    Ok(ok(Value::Object(out)))
}

/// DescribeExecution's output for `d`.
fn description(d: &Description, included: bool) -> Value {
    let mut out = Map::new();
    out.insert("executionArn".into(), d.execution_id.as_str().into());
    out.insert("stateMachineArn".into(), d.state_machine_arn.clone().into());
    out.insert("name".into(), d.name.clone().into());
    out.insert("status".into(), d.status.as_str().into());
    out.insert("startDate".into(), date(d.start_date));
    if let Some(stop) = d.stop_date {
        out.insert("stopDate".into(), date(stop));
    }
    if included {
        out.insert("input".into(), text(&d.input).into());
    }
    out.insert("inputDetails".into(), json!({ "included": included }));
    if let Some(output) = &d.output {
        if included {
            out.insert("output".into(), text(output).into());
        }
        out.insert("outputDetails".into(), json!({ "included": included }));
    }
    if let Some(e) = &d.error {
        out.insert("error".into(), e.clone().into());
    }
    if let Some(c) = &d.cause {
        out.insert("cause".into(), c.clone().into());
    }
    if let Some(m) = &d.map_run_arn {
        out.insert("mapRunArn".into(), m.clone().into());
    }
    // Express executions have no redrive.
    if !d.execution_id.is_express() {
        out.insert("redriveCount".into(), d.redrive_count.into());
        if let Some(r) = d.redrive_date {
            out.insert("redriveDate".into(), date(r));
        }
        out.insert("redriveStatus".into(), d.redrive_status.as_str().into());
        if let Some(reason) = &d.redrive_status_reason {
            out.insert("redriveStatusReason".into(), reason.clone().into());
        }
    }
    Value::Object(out)
}

pub(super) async fn describe(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("executionArn", ARN)?;
    let included = i.enumeration("includedData", INCLUDED_DATA)? != Some("METADATA_ONLY");
    i.finish()?;
    let id = standard_execution_id(&arn, true)?;
    let d = server.engine.describe(&id).await?;
    Ok(ok(description(&d, included)))
}

pub(super) async fn describe_machine(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("executionArn", ARN)?;
    let _ = i.enumeration("includedData", INCLUDED_DATA)?;
    i.finish()?;
    let id = execution_id(&arn)?;
    let d = server.engine.describe(&id).await?;
    // A Map Run child runs `<workflow>#<Map state>`: its definition is its parent's.
    let base = d.workflow.split('#').next().unwrap_or_default();
    let info = server.engine.workflow(base).ok_or_else(|| {
        ApiError::service(
            "ExecutionDoesNotExist",
            format!("Execution Does Not Exist: '{arn}'"),
        )
    })?;
    let name = d
        .state_machine_arn
        .rsplit_once(":stateMachine:")
        .map_or(info.name.as_str(), |(_, n)| n);
    let mut out = Map::new();
    out.insert("stateMachineArn".into(), d.state_machine_arn.clone().into());
    out.insert("name".into(), name.into());
    out.insert(
        "definition".into(),
        super::machines::definition_text(info.definition).into(),
    );
    out.insert("roleArn".into(), role_arn(server).into());
    out.insert("updateDate".into(), date(info.created));
    out.insert("loggingConfiguration".into(), super::machines::logging());
    out.insert("tracingConfiguration".into(), json!({ "enabled": false }));
    if let Some(m) = &d.map_run_arn {
        out.insert("mapRunArn".into(), m.clone().into());
        if let Some((_, label)) = name.split_once('/') {
            out.insert("label".into(), label.into());
        }
    }
    Ok(ok(Value::Object(out)))
}

pub(super) async fn list(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let machine = i.string("stateMachineArn", ARN)?;
    let status = i.enumeration("statusFilter", EXECUTION_STATUS)?;
    let max = i.integer("maxResults", 0, 1000)?;
    let token = i.string("nextToken", LIST_EXECUTIONS_TOKEN)?;
    let map_run = i.string("mapRunArn", LONG_ARN)?;
    let redrive = i.enumeration("redriveFilter", REDRIVE_FILTER)?;
    i.finish()?;
    let scope = format!(
        "ListExecutions|{}|{}|{}|{}",
        machine.as_deref().unwrap_or_default(),
        map_run.as_deref().unwrap_or_default(),
        status.unwrap_or_default(),
        redrive.unwrap_or_default()
    );
    let inner = token
        .as_deref()
        .map(|t| paging::position(&scope, t))
        .transpose()?;
    let filter = ListFilter {
        status: status.and_then(|s| s.parse::<Status>().ok()),
        max_results: paging::page_size(max),
        next_token: inner,
        redrive: redrive.map(|r| match r {
            "REDRIVEN" => RedriveFilter::Redriven,
            _ => RedriveFilter::NotRedriven,
        }),
        name_contains: None,
    };
    let list = match (machine, map_run) {
        (Some(arn), None) => {
            let info = workflow_of(server, &arn)?;
            not_for_express(&info)?;
            if status == Some("PENDING_REDRIVE") {
                // A redrive here resumes at once: no execution waits in PENDING_REDRIVE.
                return Ok(ok(json!({ "executions": [] })));
            }
            server.engine.list_executions(&info.name, filter).await?
        }
        (None, Some(arn)) => {
            super::map_runs::check_map_run_arn(&arn)?;
            if status == Some("PENDING_REDRIVE") {
                server.engine.describe_map_run(&arn).await?;
                return Ok(ok(json!({ "executions": [] })));
            }
            server.engine.list_map_run_executions(&arn, filter).await?
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::service_validation(
                "Only one of stateMachineArn and mapRunArn can be given",
                None,
            ));
        }
        (None, None) => {
            return Err(ApiError::service_validation(
                "Must provide a StateMachine ARN or MapRun ARN",
                Some("MISSING_REQUIRED_PARAMETER"),
            ));
        }
    };
    let executions: Vec<Value> = list.executions.iter().map(list_item).collect();
    let mut out = Map::new();
    out.insert("executions".into(), executions.into());
    if let Some(next) = list.next_token {
        out.insert("nextToken".into(), paging::token(&scope, &next).into());
    }
    Ok(ok(Value::Object(out)))
}

/// ListExecutions' item for `d`.
fn list_item(d: &Description) -> Value {
    let mut m = Map::new();
    m.insert("executionArn".into(), d.execution_id.as_str().into());
    m.insert("stateMachineArn".into(), d.state_machine_arn.clone().into());
    m.insert("name".into(), d.name.clone().into());
    m.insert("status".into(), d.status.as_str().into());
    m.insert("startDate".into(), date(d.start_date));
    if let Some(stop) = d.stop_date {
        m.insert("stopDate".into(), date(stop));
    }
    if let Some(map_run) = &d.map_run_arn {
        m.insert("mapRunArn".into(), map_run.clone().into());
    }
    m.insert("redriveCount".into(), d.redrive_count.into());
    if let Some(r) = d.redrive_date {
        m.insert("redriveDate".into(), date(r));
    }
    Value::Object(m)
}

pub(super) async fn stop(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("executionArn", ARN)?;
    let error = i.string("error", ERROR)?;
    let cause = i.string("cause", CAUSE)?;
    i.finish()?;
    let id = standard_execution_id(&arn, false)?;
    let at = server
        .engine
        .stop(&id, error.as_deref(), cause.as_deref())
        .await?;
    Ok(ok(json!({ "stopDate": date(at) })))
}

type Redrives =
    std::sync::Mutex<std::collections::HashMap<(String, String), chrono::DateTime<chrono::Utc>>>;

/// The remembered redrives (a poisoned lock still holds a usable map).
fn remembered(
    r: &Redrives,
) -> std::sync::MutexGuard<
    '_,
    std::collections::HashMap<(String, String), chrono::DateTime<chrono::Utc>>,
> {
    r.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many redrive client tokens are remembered (the oldest are forgotten first).
const REMEMBERED_REDRIVES: usize = 10_000;

pub(super) async fn redrive(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("executionArn", ARN)?;
    let token = i.string("clientToken", CLIENT_TOKEN)?;
    i.finish()?;
    let id = execution_id(&arn)?;
    // The same client token is the same request (an SDK retrying): answered as the first.
    if let Some(t) = &token
        && let Some(at) = remembered(&server.redrives).get(&(arn.clone(), t.clone()))
    {
        return Ok(ok(json!({ "redriveDate": date(*at) })));
    }
    let at = server.engine.redrive(&id).await?;
    if let Some(t) = token {
        let mut r = remembered(&server.redrives);
        if r.len() >= REMEMBERED_REDRIVES
            && let Some(oldest) = r.iter().min_by_key(|(_, d)| **d).map(|(k, _)| k.clone())
        {
            r.remove(&oldest);
        }
        r.insert((arn, t), at);
    }
    Ok(ok(json!({ "redriveDate": date(at) })))
}
