//! AWS Lambda (TASK-2), in the two forms Step Functions offers:
//!
//! - a function ARN as the `Resource` (`arn:aws:lambda:<region>:<account>:function:<name>`):
//!   Lambda `Invoke` of that function with the effective input as the payload; the result is
//!   the function's return value;
//! - `arn:aws:states:::lambda:invoke` (and `.waitForTaskToken`): `Invoke` with the parameters
//!   `FunctionName`, `Payload`, `InvocationType`, `LogType`, `ClientContext`, `Qualifier`; the
//!   result is the response envelope `{"ExecutedVersion", "LogResult", "Payload",
//!   "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}` with the payload decoded from
//!   JSON, as recorded on AWS.
//!
//! A function that fails (`FunctionError` in the response) fails the state with the name it
//! raised (the payload's `errorType`; `Lambda.Unknown` when it names none, as for timeouts
//! and out-of-memory) and the payload's text as the cause: as Lambda sent it for a function
//! ARN, re-serialized compactly for `lambda:invoke` (both as recorded on AWS). Service errors
//! are `Lambda.<Exception>` with the SDK for Java v1's cause (`Lambda.ResourceNotFoundException`,
//! `Lambda.TooManyRequestsException`, `Lambda.AWSLambdaException` for an unmodeled answer),
//! `Lambda.SdkClientException` without an answer and `Lambda.ClientExecutionTimeoutException`
//! when the configured operation timeout fires: the names AWS documents under "Handle Lambda
//! service exceptions".

use asl_runtime::integration::{Api, Flavor};
use asl_runtime::{TaskError, Value};
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use aws_sdk_lambda::types::{InvocationType, LogType};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::Blob;
use serde_json::Map;

use crate::call::Request;
use crate::error::{self, Names};
use crate::metadata::Capture;
use crate::params::Params;

/// How Step Functions names Lambda in errors.
pub(crate) const NAMES: Names = Names {
    optimized: "Lambda",
    v1_service: "AWSLambda",
    v1_exception: "AWSLambdaException",
    sdk: "Lambda",
};

/// The error of a function that failed without naming its error type (timeouts, running out
/// of memory), as AWS documents it.
const UNKNOWN: &str = "Lambda.Unknown";

/// Calls Lambda for a function ARN or a `lambda:invoke` state.
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    match (request.api, request.flavor) {
        (Api::LambdaFunction, _) => function(request).await,
        (Api::LambdaInvoke, Flavor::Optimized) => invoke(request).await,
        (api, flavor) => Err(error::parameters(format!(
            "asl-aws cannot call {api:?} as {flavor:?} for '{}': Lambda is called through a \
             function ARN or arn:aws:states:::lambda:invoke",
            request.resource
        ))),
    }
}

/// What one `Invoke` sends.
struct Invoke {
    function_name: String,
    payload: Option<Vec<u8>>,
    invocation_type: Option<String>,
    log_type: Option<String>,
    client_context: Option<String>,
    qualifier: Option<String>,
}

/// A function ARN as the resource: the effective input is the payload, the return value the
/// result.
async fn function(request: Request) -> Result<Value, TaskError> {
    let payload = serde_json::to_vec(&request.parameters).map_err(|e| {
        error::parameters(format!(
            "The input of '{}' cannot be serialized as JSON: {e}",
            request.resource
        ))
    })?;
    let call = Invoke {
        function_name: request.resource.to_owned(),
        payload: Some(payload),
        invocation_type: None,
        log_type: None,
        client_context: None,
        qualifier: None,
    };
    let (output, _) = send(&request, call).await?;
    let bytes = payload_bytes(&output);
    if output.function_error().is_some() {
        // The cause is the payload as Lambda sent it (recorded: `{"errorMessage": "…",
        // "errorType": "…", …}` with the runtime's own spacing).
        return Err(function_failed(
            bytes,
            String::from_utf8_lossy(bytes).into_owned(),
        ));
    }
    Ok(decode(bytes))
}

/// `lambda:invoke`: the parameters are `Invoke`'s members, the result the response envelope.
async fn invoke(mut request: Request) -> Result<Value, TaskError> {
    let mut p = Params::new(std::mem::take(&mut request.parameters), "lambda:invoke")?;
    let function_name = p.string("FunctionName")?.ok_or_else(|| {
        error::parameters("The field 'FunctionName' is required by lambda:invoke but was missing")
    })?;
    let call = Invoke {
        function_name,
        // A string is the payload's text already (recorded: "Payload": "[]" reaches the
        // function as an array); any other value is sent as its JSON text.
        payload: p.text("Payload").map(String::into_bytes),
        invocation_type: p.string("InvocationType")?,
        log_type: p.string("LogType")?,
        client_context: p.string("ClientContext")?,
        qualifier: p.string("Qualifier")?,
    };
    p.finish()?;
    let (output, capture) = send(&request, call).await?;
    let bytes = payload_bytes(&output);
    if output.function_error().is_some() {
        // Step Functions parsed the payload and writes it back compactly (recorded:
        // `{"errorMessage":"…","errorType":"…",…}`).
        let cause = serde_json::from_slice::<Value>(bytes).map_or_else(
            |_| String::from_utf8_lossy(bytes).into_owned(),
            |v| v.to_string(),
        );
        return Err(function_failed(bytes, cause));
    }
    let mut envelope = Map::new();
    if let Some(v) = output.executed_version() {
        envelope.insert("ExecutedVersion".into(), v.into());
    }
    if let Some(v) = output.log_result() {
        envelope.insert("LogResult".into(), v.into());
    }
    envelope.insert("Payload".into(), decode(bytes));
    capture.add_to(&mut envelope);
    envelope.insert("StatusCode".into(), output.status_code().into());
    Ok(Value::Object(envelope))
}

/// Sends one `Invoke`, with the response's metadata captured.
async fn send(request: &Request, call: Invoke) -> Result<(InvokeOutput, Capture), TaskError> {
    let capture = Capture::default();
    let output = request
        .clients
        .lambda()
        .invoke()
        .function_name(call.function_name)
        .set_payload(call.payload.map(Blob::new))
        .set_invocation_type(call.invocation_type.as_deref().map(InvocationType::from))
        .set_log_type(call.log_type.as_deref().map(LogType::from))
        .set_client_context(call.client_context)
        .set_qualifier(call.qualifier)
        .customize()
        .interceptor(capture.clone())
        // The state's Retry decides whether to invoke again: Step Functions hands
        // `Lambda.ServiceException`, `Lambda.TooManyRequestsException`… to the workflow, and
        // an invocation retried behind its back could run the function twice.
        .config_override(
            aws_sdk_lambda::config::Builder::default().retry_config(RetryConfig::disabled()),
        )
        .send()
        .await
        .map_err(service_failed)?;
    Ok((output, capture))
}

/// A failed `Invoke` call (not a failed function) as the state's error.
fn service_failed(err: SdkError<InvokeError, Response>) -> TaskError {
    match err {
        // What the SDK for Java v1 throws when its client execution timeout fires.
        SdkError::TimeoutError(_) => TaskError::new(
            "Lambda.ClientExecutionTimeoutException",
            "Client execution did not complete before the specified timeout configuration.",
        ),
        other => error::sdk_error(&NAMES, Flavor::Optimized, other),
    }
}

/// A function's failure: the error type it raised, else `Lambda.Unknown`.
fn function_failed(payload: &[u8], cause: String) -> TaskError {
    let raised = serde_json::from_slice::<Value>(payload).ok().and_then(|v| {
        v.get("errorType")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    });
    TaskError::new(raised.unwrap_or_else(|| UNKNOWN.to_owned()), cause)
}

fn payload_bytes(output: &InvokeOutput) -> &[u8] {
    output.payload().map_or(&[], Blob::as_ref)
}

/// A payload as the state sees it: its JSON value, else its text (an `Event` invocation's
/// empty payload is `""`).
fn decode(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}
