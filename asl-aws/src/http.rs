//! WORK IN PROGRESS: http.
use crate::call::Request;
use asl_runtime::{TaskError, Value};
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    Err(TaskError::new(
        "States.Runtime",
        format!("{:?} not yet", request.api),
    ))
}
