//! Step Functions' answers as the state sees them: executions (`DescribeExecution`, the
//! `.sync` results and failures), `StartExecution` answers, dates.

use asl_runtime::integration::Flavor;
use asl_runtime::{TaskError, Value};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, json};

/// An execution as `DescribeExecution` describes it, local or remote.
#[derive(Debug, Clone, Default)]
pub(super) struct Execution {
    pub(super) arn: String,
    pub(super) state_machine_arn: String,
    pub(super) name: String,
    /// `RUNNING`, `SUCCEEDED`, …
    pub(super) status: String,
    pub(super) start: DateTime<Utc>,
    pub(super) stop: Option<DateTime<Utc>>,
    /// JSON text.
    pub(super) input: Option<String>,
    /// JSON text.
    pub(super) output: Option<String>,
    pub(super) error: Option<String>,
    pub(super) cause: Option<String>,
    pub(super) redrive_count: Option<i32>,
    pub(super) redrive_date: Option<DateTime<Utc>>,
    pub(super) redrive_status: Option<String>,
    pub(super) redrive_status_reason: Option<String>,
    /// Members only AWS reports (`MapRunArn`, `TraceHeader`, …), by name.
    pub(super) other: Vec<(&'static str, String)>,
}

/// A date as the flavor writes it: epoch milliseconds (the optimized integration, after the
/// Java SDK v1), ISO-8601 (`aws-sdk:sfn`, Java's `Instant.toString()`).
pub(super) fn date(flavor: Flavor, t: DateTime<Utc>) -> Value {
    match flavor {
        Flavor::Optimized => Value::from(t.timestamp_millis()),
        Flavor::Sdk => Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}

/// `StartExecution`'s answer (without response metadata).
pub(super) fn started(flavor: Flavor, arn: &str, start: DateTime<Utc>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ExecutionArn".into(), arn.into());
    m.insert("StartDate".into(), date(flavor, start));
    m
}

/// Redrive status and reason of a local execution, as AWS reports them.
pub(super) fn redrive(status: &str) -> (String, Option<String>) {
    match status {
        "RUNNING" | "SUCCEEDED" => (
            "NOT_REDRIVABLE".into(),
            Some(format!("Execution is {status} and cannot be redriven")),
        ),
        _ => ("REDRIVABLE".into(), None),
    }
}

/// The description, members in AWS's (alphabetical) order. `json_io`: `Input` and `Output` as
/// JSON (`.sync:2`); `metadata_only`: without them (`IncludedData: METADATA_ONLY`).
fn members(
    e: &Execution,
    flavor: Flavor,
    json_io: bool,
    metadata_only: bool,
) -> Map<String, Value> {
    let io = |text: &str| -> Value {
        if json_io {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        } else {
            Value::String(text.to_owned())
        }
    };
    let other = |name: &str| {
        e.other
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("Cause", e.cause.clone().map(Value::String));
    put("Error", e.error.clone().map(Value::String));
    put("ExecutionArn", Some(e.arn.clone().into()));
    let included = json!({"Included": !metadata_only});
    if metadata_only {
        put("InputDetails", Some(included.clone()));
    } else {
        put("Input", e.input.as_deref().map(io));
        put("InputDetails", e.input.as_ref().map(|_| included.clone()));
    }
    put("MapRunArn", other("MapRunArn").map(Value::String));
    put("Name", Some(e.name.clone().into()));
    if metadata_only {
        put("OutputDetails", e.output.as_ref().map(|_| included.clone()));
    } else {
        put("Output", e.output.as_deref().map(io));
        put("OutputDetails", e.output.as_ref().map(|_| included.clone()));
    }
    put("RedriveCount", e.redrive_count.map(Value::from));
    put("RedriveDate", e.redrive_date.map(|t| date(flavor, t)));
    put("RedriveStatus", e.redrive_status.clone().map(Value::String));
    put(
        "RedriveStatusReason",
        e.redrive_status_reason.clone().map(Value::String),
    );
    put("StartDate", Some(date(flavor, e.start)));
    put(
        "StateMachineAliasArn",
        other("StateMachineAliasArn").map(Value::String),
    );
    put("StateMachineArn", Some(e.state_machine_arn.clone().into()));
    put(
        "StateMachineVersionArn",
        other("StateMachineVersionArn").map(Value::String),
    );
    put("Status", Some(e.status.clone().into()));
    put("StopDate", e.stop.map(|t| date(flavor, t)));
    put("TraceHeader", other("TraceHeader").map(Value::String));
    m
}

/// `DescribeExecution`'s answer.
pub(super) fn describe(e: &Execution, flavor: Flavor, metadata_only: bool) -> Value {
    Value::Object(members(e, flavor, false, metadata_only))
}

/// A `.sync` task's outcome: the child's description when it succeeded, else
/// `States.TaskFailed` with that description (with `Error` and `Cause`) as JSON text.
pub(super) fn sync_outcome(e: &Execution, json_io: bool) -> Result<Value, TaskError> {
    let mut m = members(e, Flavor::Optimized, json_io, false);
    if e.status == "SUCCEEDED" {
        Ok(Value::Object(m))
    } else {
        // As recorded: a failed child's description in the cause has no redrive members.
        for k in ["RedriveCount", "RedriveStatus", "RedriveStatusReason"] {
            m.shift_remove(k);
        }
        Err(TaskError::new(
            "States.TaskFailed",
            Value::Object(m).to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_child_cause_is_the_recorded_shape() {
        let start = DateTime::from_timestamp_millis(1_700_000_000_123).unwrap_or_default();
        let e = Execution {
            arn: "arn:aws:states:us-east-1:1:execution:m:n".into(),
            state_machine_arn: "arn:aws:states:us-east-1:1:stateMachine:m".into(),
            name: "n".into(),
            status: "FAILED".into(),
            start,
            stop: Some(start),
            input: Some("{}".into()),
            error: Some("SomeFailure".into()),
            cause: Some("why".into()),
            // Present on a failed child (local or remote), absent from AWS's recorded cause.
            redrive_count: Some(0),
            redrive_status: Some("REDRIVABLE".into()),
            redrive_status_reason: Some("".into()),
            ..Execution::default()
        };
        let err = sync_outcome(&e, false).unwrap_err();
        assert_eq!(err.error, "States.TaskFailed");
        assert_eq!(
            err.cause.unwrap(),
            "{\"Cause\":\"why\",\"Error\":\"SomeFailure\",\"ExecutionArn\":\"arn:aws:states:us-east-1:1:execution:m:n\",\"Input\":\"{}\",\"InputDetails\":{\"Included\":true},\"Name\":\"n\",\"StartDate\":1700000000123,\"StateMachineArn\":\"arn:aws:states:us-east-1:1:stateMachine:m\",\"Status\":\"FAILED\",\"StopDate\":1700000000123}"
        );
        assert_eq!(
            date(Flavor::Sdk, start),
            Value::String("2023-11-14T22:13:20.123Z".into())
        );
    }
}
