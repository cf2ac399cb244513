//! What one child execution contributes to the results: its `NONE` entry (the execution as
//! `DescribeExecution` describes it), or its output as `COMPACT`/`FLATTEN` make it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::{ChildResult, ChildStatus, Transformation};

/// The child's entries, in order: a succeeded child's transformed output (none for an empty
/// array flattened), any other child's entry unchanged (the guide: a failed child's result is
/// returned "unchanged", as with `NONE`).
pub(super) fn entries(child: &ChildResult, transformation: Transformation) -> Vec<Value> {
    match (child.status, transformation) {
        (ChildStatus::Pending, _) => vec![pending(child)],
        (ChildStatus::Succeeded, Transformation::Compact) => {
            vec![child.output.clone().unwrap_or(Value::Null)]
        }
        (ChildStatus::Succeeded, Transformation::Flatten) => match &child.output {
            Some(Value::Array(items)) => items.clone(),
            Some(other) => vec![other.clone()],
            None => vec![Value::Null],
        },
        _ => vec![execution(child)],
    }
}

/// A child that ran, as `DescribeExecution` describes it: members PascalCase, in name order;
/// `Input` and `Output` as JSON text; `Output` only when it succeeded; `Error`/`Cause` when
/// it has them.
fn execution(child: &ChildResult) -> Value {
    let included = json!({ "Included": true });
    let succeeded = child.status == ChildStatus::Succeeded;
    let mut m = Map::new();
    if let Some(cause) = &child.cause {
        m.insert("Cause".into(), cause.clone().into());
    }
    if let Some(error) = &child.error {
        m.insert("Error".into(), error.clone().into());
    }
    m.insert("ExecutionArn".into(), child.execution_arn.clone().into());
    m.insert("Input".into(), child.input.to_string().into());
    m.insert("InputDetails".into(), included.clone());
    m.insert("Name".into(), child.name.clone().into());
    if succeeded {
        let output = child.output.as_ref().unwrap_or(&Value::Null);
        m.insert("Output".into(), output.to_string().into());
        m.insert("OutputDetails".into(), included);
    }
    m.insert("RedriveCount".into(), child.redrive_count.into());
    if succeeded {
        m.insert("RedriveStatus".into(), "NOT_REDRIVABLE".into());
        m.insert(
            "RedriveStatusReason".into(),
            "Execution is SUCCEEDED and cannot be redriven".into(),
        );
    } else {
        m.insert("RedriveStatus".into(), "REDRIVABLE".into());
    }
    if let Some(start) = child.start_date {
        m.insert("StartDate".into(), date(start));
    }
    m.insert(
        "StateMachineArn".into(),
        child.state_machine_arn.clone().into(),
    );
    m.insert("Status".into(), child.status.as_str().into());
    if let Some(stop) = child.stop_date {
        m.insert("StopDate".into(), date(stop));
    }
    Value::Object(m)
}

/// A child never started: no execution exists, only its input.
fn pending(child: &ChildResult) -> Value {
    json!({
        "Input": child.input.to_string(),
        "InputDetails": { "Included": true },
        "Status": ChildStatus::Pending.as_str(),
    })
}

/// A date as the guide's examples show them: `2025-02-04T01:49:50.099Z`.
fn date(t: DateTime<Utc>) -> Value {
    t.to_rfc3339_opts(SecondsFormat::Millis, true).into()
}
