//! GetExecutionHistory: the engine's events as they are (`HistoryEvent::to_json` is AWS's
//! shape; its timestamp goes on the wire as epoch seconds), paged, in either order, with or
//! without the execution data. A `nextToken` holds the id of the last event returned, so a
//! history that grows between pages (a running execution) continues where it left off.

use axum::response::Response;
use serde_json::{Map, Value};

use asl_runtime::durable::HistoryPage;

use super::{date, standard_execution_id};
use crate::dispatch::Server;
use crate::error::{ApiError, ok};
use crate::input::*;
use crate::paging;

/// The members of an event's details that carry execution data, dropped with
/// `includeExecutionData: false`: inputs and outputs (a Task's `parameters` are its input).
const DATA_MEMBERS: &[&str] = &["input", "output", "parameters"];

pub(super) async fn get(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let arn = i.required_string("executionArn", ARN)?;
    let max = i.integer("maxResults", 0, 1000)?;
    let reverse = i.boolean("reverseOrder")?.unwrap_or(false);
    let token = i.string("nextToken", PAGE_TOKEN)?;
    let with_data = i.boolean("includeExecutionData")?.unwrap_or(true);
    i.finish()?;
    let id = standard_execution_id(&arn, false)?;
    // A token continues the listing it came from (same execution, same order) after the
    // last event it returned, by id: events appended meanwhile neither shift nor repeat it.
    let scope = format!("GetExecutionHistory|{arn}|{reverse}");
    let after = token
        .as_deref()
        .map(|t| {
            paging::position(&scope, t)?
                .parse::<u64>()
                .map_err(|_| ApiError::invalid_page_token())
        })
        .transpose();
    let after = match after {
        Ok(after) => after,
        // An execution that does not exist is the error AWS gives first.
        Err(e) => {
            server.engine.describe(&id).await?;
            return Err(e);
        }
    };
    let range = HistoryPage {
        after,
        size: paging::page_size(max),
        reverse,
    };
    let (page, next) = server.engine.history_page(&id, &range).await?;
    let next = next.map(|last| paging::token(&scope, &last.to_string()));
    let events: Vec<Value> = page
        .iter()
        .map(|e| {
            let mut v = e.to_json();
            // The wire carries dates as epoch seconds, as every date of the API.
            if let Value::Object(m) = &mut v {
                m.insert("timestamp".into(), date(e.timestamp));
            }
            if !with_data {
                strip_data(&mut v);
            }
            v
        })
        .collect();
    let mut out = Map::new();
    out.insert("events".into(), events.into());
    if let Some(next) = next {
        out.insert("nextToken".into(), next.into());
    }
    Ok(ok(Value::Object(out)))
}

/// Removes the execution data from an event's `…EventDetails`.
fn strip_data(event: &mut Value) {
    if let Value::Object(m) = event {
        for (key, details) in m.iter_mut() {
            if key.ends_with("EventDetails")
                && let Value::Object(d) = details
            {
                for member in DATA_MEMBERS {
                    d.remove(*member);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stripping_keeps_the_metadata() {
        let mut e = json!({"id": 1, "type": "TaskScheduled", "taskScheduledEventDetails": {
            "resource": "invoke", "parameters": "{}", "region": "us-east-1"}});
        strip_data(&mut e);
        assert_eq!(
            e["taskScheduledEventDetails"],
            json!({"resource": "invoke", "region": "us-east-1"})
        );
        let mut e = json!({"id": 2, "stateExitedEventDetails": {"name": "A", "output": "{}",
            "outputDetails": {"truncated": false}}});
        strip_data(&mut e);
        assert_eq!(
            e["stateExitedEventDetails"],
            json!({"name": "A", "outputDetails": {"truncated": false}})
        );
    }
}
