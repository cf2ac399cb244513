//! `mock.fieldValidationMode`: a mocked Task result checked against the response shape of
//! the integration it stands for.
//!
//! Known shapes (request-response optimized integrations, from the services' API models):
//! `lambda:invoke` (`StatusCode` integer; `FunctionError`, `LogResult`, `ExecutedVersion`
//! strings; `Payload` anything), `sns:publish`, `sqs:sendMessage`, `events:putEvents`
//! (`FailedEntryCount` integer, `Entries` an array of objects), `dynamodb:getItem`,
//! `putItem`, `updateItem`, `deleteItem` (objects), `states:startExecution` (`ExecutionArn`
//! string and `StartDate`, both required). Fields outside the shape are accepted, as AWS
//! accepts them (recorded: `{"random": "json"}` and `{}` for `events:putEvents` in STRICT
//! mode, `SdkHttpMetadata` beside DynamoDB's fields).
//!
//! Any other resource (Lambda function ARNs, activities, `aws-sdk:*`, callback and `.sync`
//! patterns, HTTP Tasks) has no known shape: every mocked result is accepted in every mode.

use serde_json::Value;

use super::FieldValidationMode;
use crate::exec::{Pattern, Resource, ResourceKind};

/// A field's type in a response shape.
#[derive(Clone, Copy)]
enum Kind {
    Integer,
    String,
    Object,
    /// An array of objects.
    Objects,
    /// A timestamp: an ISO-8601 string or epoch seconds.
    Timestamp,
    Any,
}

/// `(field, type, required)` of the response of `resource_type:resource`.
fn shape(resource_type: &str, resource: &str) -> Option<&'static [(&'static str, Kind, bool)]> {
    use Kind::*;
    Some(match (resource_type, resource) {
        ("lambda", "invoke") => &[
            ("StatusCode", Integer, false),
            ("FunctionError", String, false),
            ("LogResult", String, false),
            ("ExecutedVersion", String, false),
            ("Payload", Any, false),
        ],
        ("sns", "publish") => &[
            ("MessageId", String, false),
            ("SequenceNumber", String, false),
        ],
        ("sqs", "sendMessage") => &[
            ("MessageId", String, false),
            ("MD5OfMessageBody", String, false),
            ("MD5OfMessageAttributes", String, false),
            ("MD5OfMessageSystemAttributes", String, false),
            ("SequenceNumber", String, false),
        ],
        ("events", "putEvents") => &[
            ("FailedEntryCount", Integer, false),
            ("Entries", Objects, false),
        ],
        ("dynamodb", "getItem") => &[("Item", Object, false), ("ConsumedCapacity", Object, false)],
        ("dynamodb", "putItem" | "updateItem" | "deleteItem") => &[
            ("Attributes", Object, false),
            ("ConsumedCapacity", Object, false),
            ("ItemCollectionMetrics", Object, false),
        ],
        ("states", "startExecution") => &[
            ("ExecutionArn", String, true),
            ("StartDate", Timestamp, true),
        ],
        _ => return None,
    })
}

/// Checks a mocked result of a Task with `resource` (see the module docs for the shapes
/// known and what is accepted otherwise). The message is the `ValidationException`'s.
pub fn validate_mock(
    resource: &Resource,
    result: &Value,
    mode: FieldValidationMode,
) -> Result<(), String> {
    if mode == FieldValidationMode::None {
        return Ok(());
    }
    let ResourceKind::Service {
        resource_type,
        resource,
        pattern: Pattern::RequestResponse,
    } = resource.kind
    else {
        return Ok(());
    };
    let Some(fields) = shape(resource_type, resource) else {
        return Ok(());
    };
    let fail = |what: String| Err(format!("Mock result schema validation error: {what}"));
    let Value::Object(m) = result else {
        return fail(format!(
            "the result of {resource_type}:{resource} must be a JSON object"
        ));
    };
    for (name, kind, required) in fields {
        let Some(v) = m.get(*name) else {
            if *required && mode == FieldValidationMode::Strict {
                return fail(format!("Required field '{name}' is missing"));
            }
            continue;
        };
        let (ok, expected) = match kind {
            Kind::Integer => (v.is_i64() || v.is_u64(), "an integer"),
            Kind::String => (v.is_string(), "a string"),
            Kind::Object => (v.is_object(), "an object"),
            Kind::Objects => (
                v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
                "an array of objects",
            ),
            Kind::Timestamp => (v.is_string() || v.is_number(), "a timestamp"),
            Kind::Any => (true, ""),
        };
        if !ok {
            return fail(format!("Field '{name}' must be {expected}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LAMBDA: Resource = Resource {
        arn: "arn:aws:states:::lambda:invoke",
        kind: ResourceKind::Service {
            resource_type: "lambda",
            resource: "invoke",
            pattern: Pattern::RequestResponse,
        },
    };
    const START: Resource = Resource {
        arn: "arn:aws:states:::states:startExecution",
        kind: ResourceKind::Service {
            resource_type: "states",
            resource: "startExecution",
            pattern: Pattern::RequestResponse,
        },
    };

    #[test]
    fn modes() {
        let bad = json!({"StatusCode": "200", "Payload": 1});
        assert_eq!(
            validate_mock(&LAMBDA, &bad, FieldValidationMode::Strict),
            Err(
                "Mock result schema validation error: Field 'StatusCode' must be an integer".into()
            )
        );
        assert!(validate_mock(&LAMBDA, &bad, FieldValidationMode::Present).is_err());
        assert!(validate_mock(&LAMBDA, &bad, FieldValidationMode::None).is_ok());
        // Unknown fields pass; a required field is required in STRICT mode only.
        assert!(validate_mock(&LAMBDA, &json!({"x": 1}), FieldValidationMode::Strict).is_ok());
        let partial = json!({"ExecutionArn": "arn"});
        assert!(validate_mock(&START, &partial, FieldValidationMode::Strict).is_err());
        assert!(validate_mock(&START, &partial, FieldValidationMode::Present).is_ok());
    }
}
