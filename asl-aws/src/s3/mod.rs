//! Amazon S3 through AWS SDK integrations (`arn:aws:states:::aws-sdk:s3:getObject`, …):
//! GetObject, PutObject, ListObjectsV2, ListObjects, HeadObject, DeleteObject and CopyObject,
//! called as Step Functions calls them. (S3 has no optimized integration.)
//!
//! Requests: the API's members, PascalCase as the S3 API reference names them (`Bucket`,
//! `Key`, `ContentType`, `SSECustomerKey`, `ACL`…); enum members as their strings, timestamps
//! as ISO-8601 strings. A member this crate does not map fails the state (`States.Runtime`)
//! rather than being dropped; so does a missing required one (`Bucket`, `Key`, `CopySource`),
//! before any call (AWS's answer to that is not recorded).
//!
//! `Body` follows what AWS recorded (conformance corpus, `s3_put_object_*`/`s3_get_object_*`):
//! - putObject sends the JSON text of `Body`, whatever its type: `{"Dict": "Value"}` is stored
//!   as `{"Dict":"Value"}` and a string `"text data"` as `"text data"` *with* its quotes (the
//!   recorded ETag is the MD5 of the quoted text). No `Body` stores an empty object. Without
//!   `ContentType` the object is `application/octet-stream` (the SDK's default; what AWS
//!   stores then is not recorded).
//! - getObject returns the object's bytes as a string, read as UTF-8 (invalid sequences become
//!   U+FFFD, as Java's decoder makes them); so a string put by putObject comes back quoted.
//!   An object above the 256 KiB payload quota fails with `States.DataLimitExceeded` before
//!   it is read in full.
//!
//! Responses: the output members PascalCase, sorted by name with `Body` last, absent members
//! left out, except `Metadata`, which GetObject and HeadObject always return (`{}` without
//! user metadata). Timestamps as Java's `Instant.toString()` (`2025-11-06T12:22:00Z`). As the
//! Java SDK Step Functions uses, GetObject and HeadObject do not ask for checksums unless
//! `ChecksumMode` is given, and PutObject sends a CRC32 (so its result has `ChecksumCRC32` and
//! `ChecksumType`, as recorded).
//!
//! Errors: `S3.<Code>Exception` for the error codes the S3 API models
//! (`S3.NoSuchBucketException`, `S3.NoSuchKeyException`), else `S3.S3Exception`; the cause
//! `<message> (Service: S3, Status Code: 404, Request ID: …, Extended Request ID: …)` (the
//! extended id when S3 sends one), with `null` for a missing message as Java writes it.
//! HeadObject's 404 has no body: it is `S3.NoSuchKeyException`, `The specified key does not
//! exist.`, as the Java SDK translates it.
//!
//! `store` makes [`Aws`](crate::Aws) an `asl_runtime::items::ObjectStore` too: the streamed
//! GetObject, paged ListObjectsV2 and PutObject of a Distributed Map's `ItemReader` and
//! `ResultWriter`.

mod convert;
mod list;
mod objects;
mod store;

use std::error::Error;

use asl_runtime::integration::{Api, Flavor};
use asl_runtime::{TaskError, Value};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::call::Request;
use crate::error::{self, Failure, Names};

/// How Step Functions names S3 in errors.
pub(crate) const NAMES: Names = Names {
    optimized: "S3",
    v1_service: "Amazon S3",
    v1_exception: "AmazonS3Exception",
    sdk: "S3",
};

/// The error codes the S3 API models as exceptions (its model as of aws-sdk-s3 1.157), for
/// every operation: the Java SDK maps codes service-wide, so PutObject's `NoSuchBucket` is
/// `NoSuchBucketException` too, though the API lists it for the list operations only.
const MODELED: &[&str] = &[
    "AccessDenied",
    "AnnotationLimitExceeded",
    "AnnotationNameTooLong",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "EncryptionTypeMismatch",
    "IdempotencyParameterMismatch",
    "InvalidAnnotationName",
    "InvalidObjectState",
    "InvalidPrefix",
    "InvalidRequest",
    "InvalidWriteOffset",
    "NoSuchAnnotation",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "NotFound",
    "ObjectAlreadyInActiveTierError",
    "ObjectNotInActiveTierError",
    "TooManyParts",
    "UnsupportedMediaType",
];

/// Calls the S3 API of `request`.
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    match request.api {
        Api::S3GetObject => objects::get(request).await,
        Api::S3PutObject => objects::put(request).await,
        Api::S3HeadObject => objects::head(request).await,
        Api::S3DeleteObject => objects::delete(request).await,
        Api::S3CopyObject => objects::copy(request).await,
        Api::S3ListObjectsV2 => list::list_v2(request).await,
        Api::S3ListObjects => list::list_v1(request).await,
        other => Err(error::parameters(format!(
            "{other:?} is not an S3 API ('{}')",
            request.resource
        ))),
    }
}

/// A failed S3 call as the state's error. `head`: the call was a HEAD request, whose errors
/// have no body.
pub(super) fn failure<E>(flavor: Flavor, err: SdkError<E, Response>, head: bool) -> TaskError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let SdkError::ServiceError(ctx) = err else {
        return error::client_error(&NAMES, flavor, &err);
    };
    let raw = ctx.raw();
    let status = raw.status().as_u16();
    let headers = raw.headers();
    let request_id = headers
        .get("x-amz-request-id")
        .or_else(|| headers.get("x-amzn-requestid"))
        .unwrap_or("")
        .to_owned();
    let extended = headers.get("x-amz-id-2").map(str::to_owned);
    let err = ctx.err();
    let (code, message) = if head && status == 404 {
        ("NoSuchKey", "The specified key does not exist.")
    } else {
        (
            err.code().unwrap_or("null"),
            err.message().unwrap_or("null"),
        )
    };
    error::service(
        &NAMES,
        flavor,
        &Failure {
            code,
            message,
            status,
            request_id: &request_id,
            extended: extended.as_deref(),
            modeled: MODELED.contains(&code),
        },
    )
}
