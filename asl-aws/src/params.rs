//! Reading an API's parameters from a state's effective input: the PascalCase member names
//! Step Functions passes (`TableName`, `QueueUrl`), type checked, with any member the API does
//! not have reported rather than dropped.

use std::collections::HashMap;

use asl_runtime::TaskError;
use serde_json::{Map, Value};

use crate::error;

/// The parameters of one call.
pub(crate) struct Params {
    map: Map<String, Value>,
    api: &'static str,
}

impl Params {
    /// `value` as the parameters of `api` (`dynamodb:putItem`, for messages).
    pub(crate) fn new(value: Value, api: &'static str) -> Result<Params, TaskError> {
        match value {
            Value::Object(map) => Ok(Params { map, api }),
            other => Err(error::parameters(format!(
                "The parameters of {api} must be a JSON object, not {}",
                kind(&other)
            ))),
        }
    }

    /// The member, if given and not null.
    pub(crate) fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, expected: &str, got: &Value) -> TaskError {
        error::parameters(format!(
            "The field '{key}' of {} must be {expected}, not {}",
            self.api,
            kind(got)
        ))
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<Option<String>, TaskError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(key, "a string", &other)),
        }
    }

    pub(crate) fn int(&mut self, key: &str) -> Result<Option<i32>, TaskError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => match v.as_i64().and_then(|n| i32::try_from(n).ok()) {
                Some(n) => Ok(Some(n)),
                None => Err(self.wrong(key, "an integer", &v)),
            },
        }
    }

    pub(crate) fn long(&mut self, key: &str) -> Result<Option<i64>, TaskError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) => Ok(Some(n)),
                None => Err(self.wrong(key, "an integer", &v)),
            },
        }
    }

    pub(crate) fn bool(&mut self, key: &str) -> Result<Option<bool>, TaskError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong(key, "a boolean", &other)),
        }
    }

    pub(crate) fn object(&mut self, key: &str) -> Result<Option<Map<String, Value>>, TaskError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(self.wrong(key, "an object", &other)),
        }
    }

    pub(crate) fn array(&mut self, key: &str) -> Result<Option<Vec<Value>>, TaskError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(self.wrong(key, "an array", &other)),
        }
    }

    pub(crate) fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, TaskError> {
        let Some(items) = self.array(key)? else {
            return Ok(None);
        };
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                other => Err(self.wrong(key, "an array of strings", &other)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    pub(crate) fn string_map(
        &mut self,
        key: &str,
    ) -> Result<Option<HashMap<String, String>>, TaskError> {
        let Some(m) = self.object(key)? else {
            return Ok(None);
        };
        m.into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k, s)),
                other => Err(self.wrong(key, "an object of strings", &other)),
            })
            .collect::<Result<HashMap<_, _>, _>>()
            .map(Some)
    }

    /// Text as Step Functions sends a text member given as JSON: a string as it is, anything
    /// else serialized (SQS `MessageBody`, SNS `Message`, EventBridge `Detail`).
    pub(crate) fn text(&mut self, key: &str) -> Option<String> {
        self.take(key).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// Fails on members the API does not have: Step Functions would reject them too.
    pub(crate) fn finish(self) -> Result<(), TaskError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(error::parameters(format!(
                "The field '{key}' is not supported by Step Functions for {}",
                self.api
            ))),
        }
    }
}

/// A JSON value's type, for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
