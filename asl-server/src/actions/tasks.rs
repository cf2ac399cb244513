//! Callbacks: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.

use axum::response::Response;

use crate::dispatch::Server;
use crate::error::{ApiError, ok_empty};
use crate::input::*;

/// The largest task output, in UTF-8 bytes (AWS's quota).
const MAX_OUTPUT_BYTES: usize = 262_144;

pub(super) async fn success(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let token = i.required_string("taskToken", TASK_TOKEN)?;
    let output = i.required_string("output", DATA)?;
    i.finish()?;
    let invalid =
        |detail: String| ApiError::service("InvalidOutput", format!("Invalid Output: '{detail}'"));
    if output.len() > MAX_OUTPUT_BYTES {
        return Err(invalid(format!(
            "Output of {} bytes exceeds the maximum size of {MAX_OUTPUT_BYTES} bytes",
            output.len()
        )));
    }
    let value = super::json_text(&output).map_err(invalid)?;
    server.engine.send_task_success(&token, value).await?;
    Ok(ok_empty())
}

pub(super) async fn failure(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let token = i.required_string("taskToken", TASK_TOKEN)?;
    let error = i.string("error", ERROR)?;
    let cause = i.string("cause", CAUSE)?;
    i.finish()?;
    server
        .engine
        .send_task_failure(&token, error.as_deref(), cause.as_deref())
        .await?;
    Ok(ok_empty())
}

pub(super) async fn heartbeat(server: &Server, mut i: Input) -> Result<Response, ApiError> {
    let token = i.required_string("taskToken", TASK_TOKEN)?;
    i.finish()?;
    server.engine.send_task_heartbeat(&token).await?;
    Ok(ok_empty())
}
