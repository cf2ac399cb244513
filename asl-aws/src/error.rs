//! SDK errors as Step Functions names them (TASK-7, ERR-*): optimized integrations and function
//! ARNs name errors after the AWS SDK for Java v1 (`DynamoDB.ConditionalCheckFailedException`,
//! `SQS.AmazonSQSException` for an error the API does not model) with a cause ending
//! `(Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter; Request ID: …;
//! Proxy: null)`; AWS SDK integrations after the SDK for Java v2
//! (`DynamoDb.ResourceNotFoundException`, `S3.NoSuchBucketException`,
//! `SecretsManager.SecretsManagerException`) with a cause ending `(Service: DynamoDb, Status
//! Code: 400, Request ID: …)`; Step Functions' own (`Sfn.*`) add ` (SDK Attempt Count: 1)`.
//! All as recorded on AWS in the conformance corpus.

use std::error::Error;

use asl_runtime::TaskError;
use asl_runtime::integration::Flavor;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How Step Functions names one service in errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Names {
    /// Error prefix of optimized integrations (`DynamoDB`).
    pub optimized: &'static str,
    /// The Java v1 service name in causes (`AmazonDynamoDBv2`).
    pub v1_service: &'static str,
    /// The Java v1 base exception (`AmazonDynamoDBException`).
    pub v1_exception: &'static str,
    /// Error prefix and service name of AWS SDK integrations (`DynamoDb`).
    pub sdk: &'static str,
}

/// A failed SDK call as the state's error.
pub(crate) fn sdk_error<E>(names: &Names, flavor: Flavor, err: SdkError<E, Response>) -> TaskError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let (service_error, raw) = match err {
        SdkError::ServiceError(ctx) => {
            let raw = ctx.raw();
            let status = raw.status().as_u16();
            let request_id = request_id(raw);
            let extended = raw.headers().get("x-amz-id-2").map(str::to_owned);
            (ctx.into_err(), (status, request_id, extended))
        }
        other => return client_error(names, flavor, &other),
    };
    let code = service_error.code().unwrap_or("Unknown").to_owned();
    let message = service_error
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| code.clone());
    // Errors the API does not model reach us as bare metadata; an answer with no error code
    // (a body that is not the service's error format) is not one it models either.
    let modeled = service_error.code().is_some()
        && !service_error
            .source()
            .is_some_and(|s| s.is::<ErrorMetadata>());
    let (status, request_id, extended) = raw;
    service(
        names,
        flavor,
        &Failure {
            code: &code,
            message: &message,
            status,
            request_id: &request_id,
            extended: extended.as_deref(),
            modeled,
        },
    )
}

/// A service's error answer.
pub(crate) struct Failure<'a> {
    pub code: &'a str,
    pub message: &'a str,
    pub status: u16,
    pub request_id: &'a str,
    /// S3's `x-amz-id-2`.
    pub extended: Option<&'a str>,
    /// The API models this error (else it is the service's base exception).
    pub modeled: bool,
}

/// The state's error for a service's error answer.
pub(crate) fn service(names: &Names, flavor: Flavor, f: &Failure<'_>) -> TaskError {
    let exception = |code: &str| {
        if code.ends_with("Exception") {
            code.to_owned()
        } else {
            format!("{code}Exception")
        }
    };
    match flavor {
        Flavor::Optimized => {
            let name = if f.modeled {
                exception(f.code)
            } else {
                names.v1_exception.to_owned()
            };
            TaskError::new(
                format!("{}.{name}", names.optimized),
                format!(
                    "{} (Service: {}; Status Code: {}; Error Code: {}; Request ID: {}; Proxy: null)",
                    f.message, names.v1_service, f.status, f.code, f.request_id
                ),
            )
        }
        Flavor::Sdk => {
            let name = if f.modeled {
                exception(f.code)
            } else {
                format!("{}Exception", names.sdk)
            };
            let extended = f
                .extended
                .map(|e| format!(", Extended Request ID: {e}"))
                .unwrap_or_default();
            TaskError::new(
                format!("{}.{name}", names.sdk),
                format!(
                    "{} (Service: {}, Status Code: {}, Request ID: {}{extended})",
                    f.message, names.sdk, f.status, f.request_id
                ),
            )
        }
    }
}

/// A call that got no service answer (no connection, a timeout, an unreadable response): the
/// SDK's client exception.
pub(crate) fn client_error<E, R>(names: &Names, flavor: Flavor, err: &SdkError<E, R>) -> TaskError
where
    E: Error + 'static,
    R: std::fmt::Debug,
{
    let prefix = match flavor {
        Flavor::Optimized => names.optimized,
        Flavor::Sdk => names.sdk,
    };
    TaskError::new(
        format!("{prefix}.SdkClientException"),
        format!(
            "Unable to execute HTTP request: {}",
            DisplayErrorContext(err)
        ),
    )
}

/// `States.Runtime` for parameters the API cannot take.
pub(crate) fn parameters(message: impl Into<String>) -> TaskError {
    TaskError::new("States.Runtime", message.into())
}

fn request_id(raw: &Response) -> String {
    let h = raw.headers();
    h.get("x-amzn-requestid")
        .or_else(|| h.get("x-amz-request-id"))
        .or_else(|| h.get("x-amzn-request-id"))
        .unwrap_or("")
        .to_owned()
}
