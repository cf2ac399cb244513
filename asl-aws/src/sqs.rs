//! Amazon SQS `SendMessage` (`arn:aws:states:::sqs:sendMessage`, also `.waitForTaskToken`), as
//! Step Functions' optimized integration calls it (TASK-2, TASK-3).
//!
//! The parameters are the API's members: `QueueUrl`, `MessageBody`, `DelaySeconds`,
//! `MessageAttributes` (`{name: {DataType, StringValue, BinaryValue, StringListValues,
//! BinaryListValues}}`, binary values in base64), `MessageSystemAttributes` (the same shape,
//! keyed `AWSTraceHeader`), `MessageDeduplicationId` and `MessageGroupId`; any other member is
//! an error. A `MessageBody` given as JSON rather than a string is sent as its JSON text, as
//! Step Functions sends it. The result is SQS's answer (`MD5OfMessageBody`, `MessageId`,
//! `MD5OfMessageAttributes` when there are attributes, `SequenceNumber` on FIFO queues) with
//! `SdkHttpMetadata`/`SdkResponseMetadata`, as recorded on AWS. Errors are named as Step
//! Functions names them: `SQS.QueueDoesNotExistException`, and `SQS.AmazonSQSException` for an
//! error the API does not model (a missing `MessageBody`: `MissingParameter`).
//!
//! `.waitForTaskToken` sends the same message (the definition puts `$$.Task.Token` in it); the
//! durable engine then waits for `send_task_success`/`send_task_failure`.
//!
//! # Delivery at least once
//! Tasks run at least once: a durable execution that crashed after sending but before
//! recording the result sends again when it resumes. On a FIFO queue (its URL ends with
//! `.fifo`) a message without `MessageDeduplicationId` therefore gets one: the hex SHA-256 of
//! the attempt's idempotency key (`TaskContext::idempotency_key`), the same when a resumed
//! execution repeats the attempt, different for each Retry. SQS drops the repeat if it comes
//! within its 5-minute deduplication interval. This departs from Step Functions, which sends
//! no id: on a queue with content-based deduplication, equal bodies from different attempts or
//! executions are no longer collapsed into one, and a FIFO queue without content-based
//! deduplication accepts the message instead of rejecting it. A standard queue has no
//! deduplication: after a crash it may receive a message twice, as from Step Functions, so its
//! consumers should be idempotent.

use asl_runtime::integration::Flavor;
use asl_runtime::{TaskError, Value};
use aws_sdk_sqs::operation::send_message::{SendMessageError, SendMessageOutput};
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeNameForSends, MessageSystemAttributeValue,
};
use aws_smithy_types::Blob;
use base64::Engine as _;
use serde_json::Map;
use sha2::{Digest, Sha256};

use crate::call::Request;
use crate::error::{self, Names};
use crate::metadata::Capture;
use crate::params::Params;

/// How Step Functions names SQS in errors.
pub(crate) const NAMES: Names = Names {
    optimized: "SQS",
    v1_service: "AmazonSQS",
    v1_exception: "AmazonSQSException",
    sdk: "Sqs",
};

const API: &str = "sqs:sendMessage";
const ATTRIBUTES: &str = "sqs:sendMessage MessageAttributes";
const SYSTEM_ATTRIBUTES: &str = "sqs:sendMessage MessageSystemAttributes";

/// Sends the message the state's parameters describe.
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    let mut p = Params::new(request.parameters, API)?;
    let queue_url = p.string("QueueUrl")?;
    let body = p.text("MessageBody");
    let delay = p.int("DelaySeconds")?;
    let attributes = p.object("MessageAttributes")?;
    let system_attributes = p.object("MessageSystemAttributes")?;
    let dedup = p.string("MessageDeduplicationId")?;
    let group = p.string("MessageGroupId")?;
    p.finish()?;

    let dedup = dedup.or_else(|| {
        queue_url
            .as_deref()
            .is_some_and(is_fifo)
            .then(|| deduplication_id(&request.context.idempotency_key()))
    });
    let capture = Capture::default();
    let mut send = request
        .clients
        .sqs()
        .send_message()
        .set_queue_url(queue_url)
        .set_message_body(body)
        .set_delay_seconds(delay)
        .set_message_deduplication_id(dedup)
        .set_message_group_id(group);
    for (name, value) in attributes.unwrap_or_default() {
        let value = attribute(value, &name)?;
        send = send.message_attributes(name, value);
    }
    for (name, value) in system_attributes.unwrap_or_default() {
        let value = system_attribute(value, &name)?;
        send = send.message_system_attributes(
            MessageSystemAttributeNameForSends::from(name.as_str()),
            value,
        );
    }
    let output = send
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| {
            let shape = e.as_service_error().and_then(exception);
            let mut err = error::sdk_error(&NAMES, request.flavor, e);
            if let Some(shape) = shape {
                err.error = format!("{}.{shape}", prefix(request.flavor));
            }
            err
        })?;
    let mut response = response(&output);
    if request.flavor == Flavor::Optimized {
        capture.add_to(&mut response);
    }
    Ok(Value::Object(response))
}

/// A FIFO queue's URL ends with `.fifo` (its name must).
fn is_fifo(queue_url: &str) -> bool {
    queue_url.trim_end_matches('/').ends_with(".fifo")
}

/// A `MessageDeduplicationId` naming one attempt: SQS takes up to 128 alphanumeric or
/// punctuation characters, which the key (an execution name may hold any Unicode) is not.
fn deduplication_id(idempotency_key: &str) -> String {
    Sha256::digest(idempotency_key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SendMessage's answer as Step Functions returns it: the members SQS sent, absent ones left
/// out.
fn response(output: &SendMessageOutput) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |key: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(key.into(), Value::String(v.to_owned()));
        }
    };
    put("MD5OfMessageAttributes", output.md5_of_message_attributes());
    put("MD5OfMessageBody", output.md5_of_message_body());
    put(
        "MD5OfMessageSystemAttributes",
        output.md5_of_message_system_attributes(),
    );
    put("MessageId", output.message_id());
    put("SequenceNumber", output.sequence_number());
    m
}

/// The fields of one message attribute value (SQS's `MessageAttributeValue`).
struct Fields {
    data_type: String,
    string: Option<String>,
    binary: Option<Blob>,
    strings: Option<Vec<String>>,
    binaries: Option<Vec<Blob>>,
}

/// Reads the attribute `name` of `api`. `DataType` is required here: the SDK cannot send a
/// value without one (SQS would reject it as well).
fn fields(value: Value, api: &'static str, name: &str) -> Result<Fields, TaskError> {
    let mut p = Params::new(value, api)?;
    let data_type = p.string("DataType")?;
    let string = p.string("StringValue")?;
    let binary = p.string("BinaryValue")?;
    let strings = p.strings("StringListValues")?;
    let binaries = p.strings("BinaryListValues")?;
    p.finish()?;
    let data_type = data_type.ok_or_else(|| {
        error::parameters(format!(
            "The field 'DataType' of {api} '{name}' is required"
        ))
    })?;
    let blob = |b64: String| {
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map(Blob::new)
            .map_err(|e| {
                error::parameters(format!(
                    "The binary value of {api} '{name}' is not base64: {e}"
                ))
            })
    };
    Ok(Fields {
        data_type,
        string,
        binary: binary.map(blob).transpose()?,
        strings,
        binaries: binaries
            .map(|list| list.into_iter().map(blob).collect::<Result<Vec<_>, _>>())
            .transpose()?,
    })
}

/// One `MessageAttributes` value.
fn attribute(value: Value, name: &str) -> Result<MessageAttributeValue, TaskError> {
    let f = fields(value, ATTRIBUTES, name)?;
    MessageAttributeValue::builder()
        .data_type(f.data_type)
        .set_string_value(f.string)
        .set_binary_value(f.binary)
        .set_string_list_values(f.strings)
        .set_binary_list_values(f.binaries)
        .build()
        .map_err(|e| error::parameters(format!("{ATTRIBUTES} '{name}': {e}")))
}

/// One `MessageSystemAttributes` value.
fn system_attribute(value: Value, name: &str) -> Result<MessageSystemAttributeValue, TaskError> {
    let f = fields(value, SYSTEM_ATTRIBUTES, name)?;
    MessageSystemAttributeValue::builder()
        .data_type(f.data_type)
        .set_string_value(f.string)
        .set_binary_value(f.binary)
        .set_string_list_values(f.strings)
        .set_binary_list_values(f.binaries)
        .build()
        .map_err(|e| error::parameters(format!("{SYSTEM_ATTRIBUTES} '{name}': {e}")))
}

/// The error prefix of `flavor`.
fn prefix(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Optimized => NAMES.optimized,
        Flavor::Sdk => NAMES.sdk,
    }
}

/// The SDK exception of an error SendMessage models. SQS answers in JSON with its query-era
/// codes (`AWS.SimpleQueueService.NonExistentQueue`, `KMS.DisabledException`), which name
/// the exception only through the API model: the SDKs' class is `QueueDoesNotExistException`,
/// `KmsDisabledException`, as the Rust SDK's variant.
fn exception(e: &SendMessageError) -> Option<&'static str> {
    Some(match e {
        SendMessageError::InvalidAddress(_) => "InvalidAddressException",
        SendMessageError::InvalidMessageContents(_) => "InvalidMessageContentsException",
        SendMessageError::InvalidSecurity(_) => "InvalidSecurityException",
        SendMessageError::KmsAccessDenied(_) => "KmsAccessDeniedException",
        SendMessageError::KmsDisabled(_) => "KmsDisabledException",
        SendMessageError::KmsInvalidKeyUsage(_) => "KmsInvalidKeyUsageException",
        SendMessageError::KmsInvalidState(_) => "KmsInvalidStateException",
        SendMessageError::KmsNotFound(_) => "KmsNotFoundException",
        SendMessageError::KmsOptInRequired(_) => "KmsOptInRequiredException",
        SendMessageError::KmsThrottled(_) => "KmsThrottledException",
        SendMessageError::QueueDoesNotExist(_) => "QueueDoesNotExistException",
        SendMessageError::RequestThrottled(_) => "RequestThrottledException",
        SendMessageError::UnsupportedOperation(_) => "UnsupportedOperationException",
        // Not modeled: the service's base exception, which `sdk_error` names.
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{deduplication_id, is_fifo};

    #[test]
    fn fifo_queues_and_deduplication_ids() {
        assert!(is_fifo("https://sqs.us-east-1.amazonaws.com/1/q.fifo"));
        assert!(!is_fifo("https://sqs.us-east-1.amazonaws.com/1/q"));
        let id = deduplication_id("exec-é#3.0");
        assert_eq!(id.len(), 64);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(id, deduplication_id("exec-é#3.0"));
        assert_ne!(id, deduplication_id("exec-é#3.1"));
    }
}
