//! WORK IN PROGRESS: dynamodb.
use asl_runtime::{TaskError, Value};
use crate::call::Request;
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    Err(TaskError::new("States.Runtime", format!("{:?} not yet", request.api)))
}
