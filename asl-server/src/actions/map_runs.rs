//! Map Runs: DescribeMapRun, ListMapRuns.

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{date, execution_id};
use crate::dispatch::Server;
use crate::error::{ApiError, ok};
use crate::input::*;
use crate::paging;

/// A Map Run ARN: `arn:<partition>:states:<region>:<account>:mapRun:<machine>/<label>:<id>`.
pub(super) fn check_map_run_arn(arn: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() == 8
        && parts[0] == "arn"
        && parts[2] == "states"
        && parts[5] == "mapRun"
        && parts[6].contains('/')
        && !parts[7].is_empty();
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_arn(arn))
    }
}

/// The state machine ARN of a Map Run's children: `…:stateMachine:<machine>/<label>`.
fn child_machine_arn(map_run_arn: &str) -> String {
    let parts: Vec<&str> = map_run_arn.split(':').collect();
    match parts.as_slice() {
        [arn, p, states, r, a, _, machine, _] => {
            format!("{arn}:{p}:{states}:{r}:{a}:stateMachine:{machine}")
        }
        _ => String::new(),
    }
}

pub(super) async fn describe(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("mapRunArn", LONG_ARN)?;
    i.finish()?;
    check_map_run_arn(&arn)?;
    let run = server.engine.describe_map_run(&arn).await?;
    Ok(ok(run.to_json()))
}

pub(super) async fn list(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("executionArn", ARN)?;
    let max = i.integer("maxResults", 0, 1000)?;
    let token = i.string("nextToken", PAGE_TOKEN)?;
    i.finish()?;
    let id = execution_id(&arn)?;
    // ExecutionDoesNotExist for an unknown execution, not an empty list.
    server.engine.describe(&id).await?;
    let runs = server.engine.list_map_runs(&id).await?;
    let scope = format!("ListMapRuns|{arn}");
    let (page, next) = paging::slice(runs, &scope, token.as_deref(), paging::page_size(max))?;
    let items: Vec<Value> = page
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("executionArn".into(), r.execution_arn.clone().into());
            m.insert("mapRunArn".into(), r.map_run_arn.clone().into());
            m.insert(
                "stateMachineArn".into(),
                child_machine_arn(&r.map_run_arn).into(),
            );
            m.insert("startDate".into(), date(r.start_date));
            if let Some(stop) = r.stop_date {
                m.insert("stopDate".into(), date(stop));
            }
            Value::Object(m)
        })
        .collect();
    let mut out = json!({ "mapRuns": items });
    if let (Some(next), Value::Object(m)) = (next, &mut out) {
        m.insert("nextToken".into(), next.into());
    }
    Ok(ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_run_arns() {
        let arn = "arn:aws:states:us-east-1:123456789012:mapRun:order/Items:5a1e";
        assert!(check_map_run_arn(arn).is_ok());
        assert_eq!(
            child_machine_arn(arn),
            "arn:aws:states:us-east-1:123456789012:stateMachine:order/Items"
        );
        assert!(check_map_run_arn("arn:aws:states:us-east-1:1:execution:o:n").is_err());
    }
}
