//! State machines: ListStateMachines, DescribeStateMachine, and the actions that would
//! change them. State machines are compiled into the program serving them: a
//! `CreateStateMachine` of one of them (same name, same definition) answers with it, so setup
//! scripts keep working; any other change is refused with a message listing them.

use axum::response::Response;
use serde_json::{Map, Value, json};

use asl_runtime::durable::{WorkflowInfo, validate_name};

use super::{date, role_arn, workflow_of};
use crate::dispatch::Server;
use crate::error::{ApiError, ok};
use crate::input::*;
use crate::paging;

/// `loggingConfiguration` as AWS reports a state machine without logging.
pub(super) fn logging() -> Value {
    json!({ "level": "OFF", "includeExecutionData": false })
}

/// A workflow's definition as DescribeStateMachine gives it. A hand-written [`Machine`]
/// may not know its definition (`""`), which the model forbids (at least 1 character) and
/// clients cannot parse: `{}` then, a JSON object that parses and says nothing (README).
///
/// [`Machine`]: asl_runtime::Machine
pub(super) fn definition_text(definition: &'static str) -> &'static str {
    if definition.is_empty() {
        "{}"
    } else {
        definition
    }
}

pub(super) fn list(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let max = i.integer("maxResults", 0, 1000)?;
    let token = i.string("nextToken", PAGE_TOKEN)?;
    i.finish()?;
    let all = server.engine.workflows();
    let (page, next) = paging::slice(
        all,
        "ListStateMachines",
        token.as_deref(),
        paging::page_size(max),
    )?;
    let items: Vec<Value> = page
        .iter()
        .map(|w| {
            json!({
                "stateMachineArn": w.arn,
                "name": w.name,
                "type": w.kind.as_str(),
                "creationDate": date(w.created),
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("stateMachines".into(), items.into());
    if let Some(next) = next {
        out.insert("nextToken".into(), next.into());
    }
    Ok(ok(Value::Object(out)))
}

pub(super) fn describe(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("stateMachineArn", ARN)?;
    // Definitions are not encrypted here: METADATA_ONLY changes nothing (README).
    let _ = i.enumeration("includedData", INCLUDED_DATA)?;
    i.finish()?;
    let w = workflow_of(server, &arn)?;
    Ok(ok(json!({
        "stateMachineArn": w.arn,
        "name": w.name,
        "status": "ACTIVE",
        "definition": definition_text(w.definition),
        "roleArn": role_arn(server),
        "type": w.kind.as_str(),
        "creationDate": date(w.created),
        "loggingConfiguration": logging(),
        "tracingConfiguration": { "enabled": false },
        "encryptionConfiguration": { "type": "AWS_OWNED_KEY" },
    })))
}

/// The state machines served, for messages: `order (STANDARD), quote (EXPRESS)`.
fn served(server: &Server) -> String {
    let all = server.engine.workflows();
    if all.is_empty() {
        return "none".into();
    }
    all.iter()
        .map(|w| format!("{} ({})", w.name, w.kind.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Two definitions are the same when their JSON is (formatting and key order aside).
fn same_definition(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => without_order(x) == without_order(y),
        _ => false,
    }
}

/// The value with its objects' keys sorted (the workspace's serde_json preserves order).
fn without_order(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, without_order(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(without_order).collect()),
        other => other,
    }
}

pub(super) fn create(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let name = i.required_string("name", NAME)?;
    let definition = i.required_string("definition", DEFINITION)?;
    let role = i.required_string("roleArn", ARN)?;
    let kind = i.enumeration("type", STATE_MACHINE_TYPE)?;
    let _ = i.structure("loggingConfiguration")?;
    let _ = i.list("tags")?;
    let _ = i.structure("tracingConfiguration")?;
    let _ = i.boolean("publish")?;
    let _ = i.string("versionDescription", VERSION_DESCRIPTION)?;
    let _ = i.structure("encryptionConfiguration")?;
    i.finish()?;
    // The request itself first, as AWS checks it: the name, the role, the definition.
    validate_name(&name)?;
    if !is_role_arn(&role) {
        return Err(ApiError::service(
            "InvalidArn",
            format!("Invalid Role Arn: '{role}'"),
        ));
    }
    let compiled: Option<WorkflowInfo> = server.engine.workflow(&name);
    let express = match kind {
        Some(k) => k == "EXPRESS",
        None => compiled
            .as_ref()
            .is_some_and(|w| w.kind == asl_runtime::durable::WorkflowType::Express),
    };
    if let Some(message) = super::validate::definition_error(&definition, express) {
        return Err(ApiError::service("InvalidDefinition", message));
    }
    match compiled {
        Some(w)
            if same_definition(&definition, w.definition)
                && kind.is_none_or(|k| k == w.kind.as_str()) =>
        {
            Ok(ok(json!({
                "stateMachineArn": w.arn,
                "creationDate": date(w.created),
            })))
        }
        Some(w) => Err(ApiError::service(
            "StateMachineAlreadyExists",
            format!(
                "State Machine Already Exists: '{}' (state machines are compiled into this \
                 server and cannot be changed over the API; a CreateStateMachine must repeat \
                 the compiled definition and type. Served: {})",
                w.arn,
                served(server)
            ),
        )),
        None => Err(ApiError::service(
            "ValidationException",
            format!(
                "State machines are compiled into this server and cannot be created over the \
                 API: '{name}' is not one of them. Served: {}",
                served(server)
            ),
        )),
    }
}

/// Whether `arn` is shaped as an IAM role's ARN: `arn:<partition>:iam::<account>:role/<name>`
/// (a path may precede the name).
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            !partition.is_empty()
                && !account.is_empty()
                && account.chars().all(|c| c.is_ascii_digit())
                && resource
                    .strip_prefix("role/")
                    .is_some_and(|r| !r.is_empty() && !r.ends_with('/'))
        }
        _ => false,
    }
}

/// The actions that would create, change or delete state machines, their versions and
/// aliases, with the error each answers: one the action models (botocore's `errors`),
/// `ConflictException` where it has it, else `ValidationException`.
const CHANGES: &[(&str, &str)] = &[
    ("UpdateStateMachine", "ConflictException"),
    ("DeleteStateMachine", "ValidationException"),
    ("PublishStateMachineVersion", "ConflictException"),
    ("DeleteStateMachineVersion", "ConflictException"),
    ("CreateStateMachineAlias", "ConflictException"),
    ("UpdateStateMachineAlias", "ConflictException"),
    ("DeleteStateMachineAlias", "ConflictException"),
];

/// Whether `action` is one of [`CHANGES`].
pub(super) fn is_change(action: &str) -> bool {
    CHANGES.iter().any(|(a, _)| *a == action)
}

/// Refuses a change with the error the action models, naming the state machines served.
pub(super) fn refuse_change(server: &Server, action: &str) -> Result<Response, ApiError> {
    let name = CHANGES
        .iter()
        .find(|(a, _)| *a == action)
        .map_or("ValidationException", |(_, e)| *e);
    Err(ApiError::service(
        name,
        format!(
            "{action} is not available: state machines are compiled into this server and \
             cannot be changed over the API. Served: {}",
            served(server)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_compare_as_json() {
        assert!(same_definition(
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#,
            "{\n \"States\": {\"A\": {\"End\": true, \"Type\": \"Pass\"}},\n \"StartAt\": \"A\"}"
        ));
        assert!(!same_definition(r#"{"StartAt":"A"}"#, r#"{"StartAt":"B"}"#));
        assert!(!same_definition("not json", "not json"));
    }

    #[test]
    fn role_arns() {
        for good in [
            "arn:aws:iam::123456789012:role/StepFunctionsRole",
            "arn:aws-cn:iam::123456789012:role/service-role/Sfn",
        ] {
            assert!(is_role_arn(good), "{good}");
        }
        for bad in [
            "",
            "role",
            "arn:aws:iam::aws:policy/AWSBatchFullAccess",
            "arn:aws:iam::123456789012:user/me",
            "arn:aws:iam:us-east-1:123456789012:role/r",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:states:us-east-1:123456789012:stateMachine:order",
        ] {
            assert!(!is_role_arn(bad), "{bad}");
        }
    }
}
