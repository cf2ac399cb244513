//! Typed task handlers: the conversions generated code wraps around a handler whose input and
//! output are the user's serde types. A value that does not convert is a task failure
//! (`States.TaskFailed`) naming the type and serde's message, retried and caught like any other.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{TaskError, names};

/// The handler's input, from the task's effective input.
pub fn from_value<T: DeserializeOwned>(v: Value, state: &str, ty: &str) -> Result<T, TaskError> {
    serde_json::from_value(v).map_err(|e| {
        TaskError::new(
            names::TASK_FAILED,
            format!("the input of Task state '{state}' does not deserialize into `{ty}`: {e}"),
        )
    })
}

/// The handler's output, as the task's result.
pub fn to_value<T: Serialize>(v: &T, state: &str, ty: &str) -> Result<Value, TaskError> {
    serde_json::to_value(v).map_err(|e| {
        TaskError::new(
            names::TASK_FAILED,
            format!("the output of Task state '{state}' (`{ty}`) does not serialize: {e}"),
        )
    })
}
