//! Amazon SNS `Publish` (`arn:aws:states:::sns:publish`, also `.waitForTaskToken`), as Step
//! Functions' optimized integration calls it (TASK-2, TASK-3).
//!
//! The parameters are the API's members: `TopicArn`, `TargetArn`, `PhoneNumber`, `Message`,
//! `Subject`, `MessageStructure`, `MessageAttributes` (`{name: {DataType, StringValue,
//! BinaryValue}}`, binary values in base64), `MessageDeduplicationId` and `MessageGroupId`;
//! any other member is an error. A `Message` given as JSON rather than a string is published
//! as its JSON text, as Step Functions publishes it. The result is `MessageId` (and
//! `SequenceNumber` on FIFO topics) with `SdkHttpMetadata`/`SdkResponseMetadata`, as recorded
//! on AWS; errors are named as Step Functions names them (`SNS.NotFoundException` for a topic
//! that does not exist, `SNS.InvalidParameterException`, `SNS.AmazonSNSException` for an error
//! the API does not model).
//!
//! `.waitForTaskToken` publishes the same message (the definition puts `$$.Task.Token` in it);
//! the durable engine then waits for `send_task_success`/`send_task_failure`.
//!
//! Tasks run at least once: a durable execution that crashed after publishing but before
//! recording the result publishes again when it resumes, as Step Functions may; subscribers
//! should be idempotent (a FIFO topic deduplicates by `MessageDeduplicationId` or content).

use asl_runtime::integration::Flavor;
use asl_runtime::{TaskError, Value};
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;
use aws_smithy_types::Blob;
use base64::Engine as _;
use serde_json::Map;

use crate::call::Request;
use crate::error::{self, Names};
use crate::metadata::Capture;
use crate::params::Params;

/// How Step Functions names SNS in errors.
pub(crate) const NAMES: Names = Names {
    optimized: "SNS",
    v1_service: "AmazonSNS",
    v1_exception: "AmazonSNSException",
    sdk: "Sns",
};

const API: &str = "sns:publish";
const ATTRIBUTES: &str = "sns:publish MessageAttributes";

/// Publishes the message the state's parameters describe.
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    let mut p = Params::new(request.parameters, API)?;
    let topic_arn = p.string("TopicArn")?;
    let target_arn = p.string("TargetArn")?;
    let phone_number = p.string("PhoneNumber")?;
    let message = p.text("Message");
    let subject = p.string("Subject")?;
    let structure = p.string("MessageStructure")?;
    let attributes = p.object("MessageAttributes")?;
    let dedup = p.string("MessageDeduplicationId")?;
    let group = p.string("MessageGroupId")?;
    p.finish()?;

    let capture = Capture::default();
    let mut publish = request
        .clients
        .sns()
        .publish()
        .set_topic_arn(topic_arn)
        .set_target_arn(target_arn)
        .set_phone_number(phone_number)
        .set_message(message)
        .set_subject(subject)
        .set_message_structure(structure)
        .set_message_deduplication_id(dedup)
        .set_message_group_id(group);
    for (name, value) in attributes.unwrap_or_default() {
        let value = attribute(value, &name)?;
        publish = publish.message_attributes(name, value);
    }
    let output = publish
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| {
            let renamed = e.as_service_error().and_then(exception);
            let mut err = error::sdk_error(&NAMES, request.flavor, e);
            if let Some(name) = renamed {
                let prefix = match request.flavor {
                    Flavor::Optimized => NAMES.optimized,
                    Flavor::Sdk => NAMES.sdk,
                };
                err.error = format!("{prefix}.{name}");
            }
            err
        })?;
    let mut response = Map::new();
    if let Some(id) = output.message_id() {
        response.insert("MessageId".into(), id.into());
    }
    if let Some(n) = output.sequence_number() {
        response.insert("SequenceNumber".into(), n.into());
    }
    if request.flavor == Flavor::Optimized {
        capture.add_to(&mut response);
    }
    Ok(Value::Object(response))
}

/// One `MessageAttributes` value.
fn attribute(value: Value, name: &str) -> Result<MessageAttributeValue, TaskError> {
    let mut p = Params::new(value, ATTRIBUTES)?;
    let data_type = p.string("DataType")?;
    let string = p.string("StringValue")?;
    let binary = p.string("BinaryValue")?;
    p.finish()?;
    let data_type = data_type.ok_or_else(|| {
        error::parameters(format!(
            "The field 'DataType' of {ATTRIBUTES} '{name}' is required"
        ))
    })?;
    let binary = binary
        .map(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map(Blob::new)
                .map_err(|e| {
                    error::parameters(format!(
                        "The field 'BinaryValue' of {ATTRIBUTES} '{name}' is not base64: {e}"
                    ))
                })
        })
        .transpose()?;
    MessageAttributeValue::builder()
        .data_type(data_type)
        .set_string_value(string)
        .set_binary_value(binary)
        .build()
        .map_err(|e| error::parameters(format!("{ATTRIBUTES} '{name}': {e}")))
}

/// The SDK exception whose name is not the error code with `Exception` appended (which
/// `sdk_error` assumes): SNS answers `ParameterValueInvalid` for
/// `InvalidParameterValueException`.
fn exception(e: &PublishError) -> Option<&'static str> {
    match e {
        PublishError::InvalidParameterValueException(_) => Some("InvalidParameterValueException"),
        _ => None,
    }
}
