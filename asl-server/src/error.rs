//! The API's errors as AWS sends them: an HTTP status (400 for nearly all) and the body
//! `{"__type": "<namespace>#<Name>", "message": "…"}`.
//!
//! AWS qualifies `__type` with the namespace of the layer that raised the error: Step
//! Functions' own exceptions (`ExecutionDoesNotExist`, …) come from
//! `com.amazonaws.swf.service.v2.model`, violations of the model's constraints
//! (`ValidationException`) from `com.amazon.coral.validate`, and the framework's own
//! (`SerializationException`, `UnknownOperationException`, authentication) from
//! `com.amazon.coral.service`. Every SDK strips what precedes `#`; none of our names contain a
//! `:`, which the Rust SDK would cut at.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use asl_runtime::EngineError;

/// The content type of every response.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

const SERVICE: &str = "com.amazonaws.swf.service.v2.model";
const VALIDATE: &str = "com.amazon.coral.validate";
const CORAL: &str = "com.amazon.coral.service";

/// An error response (boxed: results carrying it stay small).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError(Box<Inner>);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Inner {
    pub(crate) status: StatusCode,
    namespace: &'static str,
    /// AWS's error name (`ExecutionDoesNotExist`, …).
    pub(crate) name: String,
    pub(crate) message: String,
    /// Members some errors carry besides `message` (`resourceName`, `reason`).
    extra: Map<String, Value>,
}

impl ApiError {
    fn new(namespace: &'static str, name: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError(Box::new(Inner {
            status: StatusCode::BAD_REQUEST,
            namespace,
            name: name.into(),
            message: message.into(),
            extra: Map::new(),
        }))
    }

    /// One of Step Functions' own exceptions (HTTP 400).
    pub(crate) fn service(name: &str, message: impl Into<String>) -> Self {
        ApiError::new(SERVICE, name, message)
    }

    /// A framework error (`SerializationException`, `UnknownOperationException`, …).
    pub(crate) fn coral(name: &str, message: impl Into<String>) -> Self {
        ApiError::new(CORAL, name, message)
    }

    /// `ValidationException` for violated constraints of the request's members, AWS's
    /// `1 validation error detected: …` (`; ` between several).
    pub(crate) fn validation(violations: &[String]) -> Self {
        let n = violations.len();
        let noun = if n == 1 { "error" } else { "errors" };
        ApiError::new(
            VALIDATE,
            "ValidationException",
            format!("{n} validation {noun} detected: {}", violations.join("; ")),
        )
    }

    /// `ValidationException` raised by the service itself (a rule across members), with its
    /// `reason` when AWS names one.
    pub(crate) fn service_validation(message: impl Into<String>, reason: Option<&str>) -> Self {
        let mut e = ApiError::service("ValidationException", message);
        if let Some(r) = reason {
            e.0.extra.insert("reason".into(), r.into());
        }
        e
    }

    /// `SerializationException`: the body is not the JSON the action takes.
    pub(crate) fn serialization(message: impl Into<String>) -> Self {
        ApiError::coral("SerializationException", message)
    }

    /// `UnknownOperationException`: no such action.
    pub(crate) fn unknown_operation() -> Self {
        ApiError::coral("UnknownOperationException", "")
    }

    /// `InvalidArn`, with AWS's message shape.
    pub(crate) fn invalid_arn(arn: &str) -> Self {
        ApiError::service(
            "InvalidArn",
            format!("Invalid Arn: 'Invalid ARN prefix: {arn}'"),
        )
    }

    /// `InvalidToken` for a `nextToken` this server did not issue for this request.
    pub(crate) fn invalid_page_token() -> Self {
        ApiError::service("InvalidToken", "Invalid Token: 'Invalid token'")
    }

    /// With another HTTP status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.0.status = status;
        self
    }

    /// With another member besides `message`.
    pub(crate) fn with_member(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.extra.insert(key.into(), value.into());
        self
    }

    /// AWS's error name.
    #[cfg(test)]
    pub(crate) fn name(&self) -> &str {
        &self.0.name
    }

    /// The message.
    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.0.message
    }

    /// The `__type` value.
    pub(crate) fn type_name(&self) -> String {
        format!("{}#{}", self.0.namespace, self.0.name)
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("__type".into(), self.type_name().into());
        if !self.0.message.is_empty() {
            m.insert("message".into(), self.0.message.clone().into());
        }
        for (k, v) in &self.0.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

impl From<EngineError> for ApiError {
    /// The engine names its errors as AWS does; its message is `<Name>: <AWS's message>`.
    /// A store failure is the server's problem, not the request's: 503 `ServiceUnavailable`,
    /// which SDKs retry. Its detail (SQL, file paths, the database's words) goes to the log
    /// only: clients learn nothing of the server's insides.
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::Store(s) => {
                tracing::warn!(error = %s.detail(), "the store failed while serving a request");
                ApiError::coral(
                    "ServiceUnavailable",
                    "The service is unavailable: retry the request",
                )
                .with_status(StatusCode::SERVICE_UNAVAILABLE)
            }
            EngineError::ResourceNotFound(arn) => {
                let arn = arn.clone();
                ApiError::service("ResourceNotFound", message_of(&e))
                    .with_member("resourceName", arn)
            }
            _ => ApiError::service(e.name(), message_of(&e)),
        }
    }
}

/// The engine error's text without its `<Name>: ` prefix.
fn message_of(e: &EngineError) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", e.name());
    match text.strip_prefix(&prefix) {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.0.status, &self.body())
    }
}

/// A JSON response with AWS's content type and a request id.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let text = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("x-amzn-RequestId", id);
    }
    response
}

/// A 200 response.
pub(crate) fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

/// An empty-object 200 response (`SendTaskSuccess`, …).
pub(crate) fn ok_empty() -> Response {
    ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use asl_runtime::store::StoreError;

    #[test]
    fn store_failures_do_not_reach_the_client() {
        let cause = std::io::Error::other("unable to open /var/lib/asl/secret.db");
        let e = ApiError::from(EngineError::Store(StoreError::backend(
            "SELECT input FROM executions WHERE id = ?1",
            cause,
        )));
        assert_eq!(e.0.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.type_name(), "com.amazon.coral.service#ServiceUnavailable");
        let body = e.body().to_string();
        assert!(!body.contains("secret.db"), "{body}");
        assert!(!body.contains("SELECT"), "{body}");
        assert_eq!(e.message(), "The service is unavailable: retry the request");
    }
}
