//! Which Task resources have a service integration in `asl-runtime` (`integration::Api`), so
//! that the generated `Integrated` trait writes their methods: the one list of what runs
//! without a hand-written handler. A resource missing here keeps a required method.

use crate::validate::resource::{self, Pattern, ResourceKind, Verdict};

/// A resource's integration: the `Api` variant, the service it needs (`integration::service`)
/// and whether it is reached through the AWS SDK integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integration {
    /// `asl_runtime::integration::Api` variant.
    pub api: &'static str,
    /// `asl_runtime::integration::service` type.
    pub service: &'static str,
    /// `aws-sdk:*` (else optimized or a function ARN).
    pub sdk: bool,
}

/// `R` request-response, `W` `.waitForTaskToken`, `S` `.sync`, `2` `.sync:2`.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// (service, API, patterns, `Api` variant, service type) of optimized integrations.
const OPTIMIZED: &[Row] = &[
    ("lambda", "invoke", "RW", "LambdaInvoke", "Lambda"),
    ("dynamodb", "getItem", "R", "DynamoDbGetItem", "DynamoDb"),
    ("dynamodb", "putItem", "R", "DynamoDbPutItem", "DynamoDb"),
    (
        "dynamodb",
        "updateItem",
        "R",
        "DynamoDbUpdateItem",
        "DynamoDb",
    ),
    (
        "dynamodb",
        "deleteItem",
        "R",
        "DynamoDbDeleteItem",
        "DynamoDb",
    ),
    ("sqs", "sendMessage", "RW", "SqsSendMessage", "Sqs"),
    ("sns", "publish", "RW", "SnsPublish", "Sns"),
    (
        "events",
        "putEvents",
        "RW",
        "EventBridgePutEvents",
        "EventBridge",
    ),
    (
        "states",
        "startExecution",
        "RS2W",
        "SfnStartExecution",
        "StepFunctions",
    ),
    ("http", "invoke", "R", "HttpInvoke", "Http"),
];

/// (service, action, patterns, `Api` variant, service type) of `aws-sdk:*` integrations.
const SDK: &[Row] = &[
    ("dynamodb", "getItem", "RW", "DynamoDbGetItem", "DynamoDb"),
    ("dynamodb", "putItem", "RW", "DynamoDbPutItem", "DynamoDb"),
    (
        "dynamodb",
        "updateItem",
        "RW",
        "DynamoDbUpdateItem",
        "DynamoDb",
    ),
    (
        "dynamodb",
        "deleteItem",
        "RW",
        "DynamoDbDeleteItem",
        "DynamoDb",
    ),
    ("dynamodb", "query", "RW", "DynamoDbQuery", "DynamoDb"),
    ("dynamodb", "scan", "RW", "DynamoDbScan", "DynamoDb"),
    (
        "dynamodb",
        "batchWriteItem",
        "RW",
        "DynamoDbBatchWriteItem",
        "DynamoDb",
    ),
    (
        "dynamodb",
        "transactWriteItems",
        "RW",
        "DynamoDbTransactWriteItems",
        "DynamoDb",
    ),
    ("s3", "getObject", "RW", "S3GetObject", "S3"),
    ("s3", "putObject", "RW", "S3PutObject", "S3"),
    ("s3", "listObjectsV2", "RW", "S3ListObjectsV2", "S3"),
    ("s3", "listObjects", "RW", "S3ListObjects", "S3"),
    ("s3", "headObject", "RW", "S3HeadObject", "S3"),
    ("s3", "deleteObject", "RW", "S3DeleteObject", "S3"),
    ("s3", "copyObject", "RW", "S3CopyObject", "S3"),
    (
        "sfn",
        "startExecution",
        "RW",
        "SfnStartExecution",
        "StepFunctions",
    ),
    (
        "sfn",
        "describeExecution",
        "RW",
        "SfnDescribeExecution",
        "StepFunctions",
    ),
    (
        "sfn",
        "stopExecution",
        "RW",
        "SfnStopExecution",
        "StepFunctions",
    ),
    (
        "sfn",
        "sendTaskSuccess",
        "RW",
        "SfnSendTaskSuccess",
        "StepFunctions",
    ),
    (
        "sfn",
        "sendTaskFailure",
        "RW",
        "SfnSendTaskFailure",
        "StepFunctions",
    ),
    (
        "sfn",
        "sendTaskHeartbeat",
        "RW",
        "SfnSendTaskHeartbeat",
        "StepFunctions",
    ),
];

/// The integration of `resource`, if it has one.
pub fn of(resource: &str) -> Option<Integration> {
    let kind = match resource::check(resource) {
        Verdict::Ok(kind) | Verdict::Warn(kind, _) => kind,
        Verdict::Error(_) => return None,
    };
    let (service, api, pattern) = match kind {
        ResourceKind::LambdaFunction => {
            return Some(Integration {
                api: "LambdaFunction",
                service: "Lambda",
                sdk: false,
            });
        }
        ResourceKind::Integration {
            service,
            api,
            pattern,
        } => (service, api, pattern),
        ResourceKind::Activity | ResourceKind::Other => return None,
    };
    let pattern = match pattern {
        Pattern::RequestResponse => 'R',
        Pattern::WaitForTaskToken => 'W',
        Pattern::Sync => 'S',
        Pattern::Sync2 => '2',
    };
    let (table, service, api, sdk) = match api.split_once(':') {
        Some((svc, action)) if service == "aws-sdk" => (SDK, svc.to_string(), action, true),
        _ => (OPTIMIZED, service, api.as_str(), false),
    };
    table
        .iter()
        .find(|(s, a, p, ..)| *s == service && *a == api && p.contains(pattern))
        .map(|&(.., variant, svc)| Integration {
            api: variant,
            service: svc,
            sdk,
        })
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn knows_the_integrated_resources() {
        let api = |r: &str| of(r).map(|i| (i.api, i.service, i.sdk));
        assert_eq!(
            api("arn:aws:lambda:us-east-1:1:function:f"),
            Some(("LambdaFunction", "Lambda", false))
        );
        assert_eq!(
            api("arn:aws:states:::lambda:invoke.waitForTaskToken"),
            Some(("LambdaInvoke", "Lambda", false))
        );
        assert_eq!(
            api("arn:aws:states:::dynamodb:putItem"),
            Some(("DynamoDbPutItem", "DynamoDb", false))
        );
        assert_eq!(
            api("arn:aws:states:::aws-sdk:dynamodb:putItem"),
            Some(("DynamoDbPutItem", "DynamoDb", true))
        );
        assert_eq!(
            api("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject"),
            Some(("S3GetObject", "S3", true))
        );
        assert_eq!(
            api("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            Some(("SqsSendMessage", "Sqs", false))
        );
        // No integration: activities, other APIs, patterns an API does not offer.
        assert_eq!(api("arn:aws:states:us-east-1:1:activity:a"), None);
        assert_eq!(api("arn:aws:states:::aws-sdk:s3:createBucket"), None);
        assert_eq!(
            api("arn:aws:states:::dynamodb:putItem.waitForTaskToken"),
            None
        );
        assert_eq!(api("arn:aws:states:::ecs:runTask.sync"), None);
        assert_eq!(
            api("arn:aws:states:::states:startExecution.sync:2"),
            Some(("SfnStartExecution", "StepFunctions", false))
        );
        assert_eq!(
            api("arn:aws:states:::aws-sdk:sfn:sendTaskFailure"),
            Some(("SfnSendTaskFailure", "StepFunctions", true))
        );
        assert_eq!(
            api("arn:aws:states:::http:invoke"),
            Some(("HttpInvoke", "Http", false))
        );
        assert_eq!(api("arn:aws:states:::http:invoke.sync"), None);
        assert_eq!(api("my:custom"), None);
    }
}
