//! [`Aws`] as an [`ObjectStore`]: the S3 calls a Distributed Map makes for its `ItemReader`
//! (`s3:getObject`, `s3:listObjectsV2`, MAP-19..22) and its `ResultWriter` (`s3:putObject`,
//! MAP-23), so that `asl_runtime::items::read` and `write` run on Amazon S3 (or on moto,
//! LocalStack: the endpoint is the SDK configuration's).
//!
//! Unlike the Task integrations beside it, these calls hand bytes and metadata to the runtime,
//! not a state's JSON result:
//!
//! - `get_object` streams: the body is the SDK's `ByteStream` read as it arrives
//!   (`into_async_read`), never collected, so a reader can parse a 10 GB object (Step
//!   Functions' limit) in constant memory. The SDK validates the object's checksum when S3
//!   sends one; a mismatch fails the read at its end.
//! - `list_objects_v2` is one page per call (S3's 1,000 keys); the caller passes
//!   `NextContinuationToken` back for the next.
//! - `put_object` stores the bytes as given.
//!
//! The calls go to the configuration's region with its credentials: an `ItemReader` or
//! `ResultWriter` has no ARN region and no `Credentials` of its own here.
//!
//! `LastModified` is written as the Task integrations write S3 timestamps (Java's
//! `Instant.toString()`, `2022-11-17T15:44:41Z`, see `convert::iso`): a lossless form the
//! reader can turn into what Step Functions gives an item. Note: AWS's guide shows a listed
//! object's item with `LastModified` as a number of seconds since the epoch
//! (`"LastModified": 1668699881`, <https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html>,
//! "Input passed to a child workflow execution"); the only recording,
//! `itemreader/list_objects/map_item_reader_base_list_objects_v2`, masks it as `"<date>"`.
//!
//! Errors are S3's own: its error code (`NoSuchKey`, `NoSuchBucket`, `AccessDenied`, …), message
//! and HTTP status. A call that got no answer from S3 (no connection, a timeout, an unreadable
//! response) is `SdkClientException`, as the AWS SDK for Java (which Step Functions uses) names
//! it, with the SDK's explanation.

use std::error::Error;

use asl_runtime::items::{
    GetObject, ListObjects, ListPage, ObjectBody, ObjectError, ObjectFuture, ObjectStore,
    ObjectSummary, PutObject,
};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::Object;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::convert::iso;
use crate::clients::Aws;

/// The code of an error S3 did not answer (see the module docs).
const CLIENT_ERROR: &str = "SdkClientException";

/// S3's default storage class: what an object listed without `StorageClass` is stored in.
const DEFAULT_STORAGE_CLASS: &str = "STANDARD";

impl ObjectStore for Aws {
    fn get_object<'a>(&'a self, request: &'a GetObject) -> ObjectFuture<'a, ObjectBody> {
        Box::pin(async move {
            let clients = self.clients(None, None).await;
            let output = clients
                .s3()
                .get_object()
                .bucket(&request.bucket)
                .key(&request.key)
                .set_version_id(request.version_id.clone())
                .send()
                .await
                .map_err(object_error)?;
            let body: ObjectBody = Box::pin(output.body.into_async_read());
            Ok(body)
        })
    }

    fn list_objects_v2<'a>(&'a self, request: &'a ListObjects) -> ObjectFuture<'a, ListPage> {
        Box::pin(async move {
            let clients = self.clients(None, None).await;
            let output = clients
                .s3()
                .list_objects_v2()
                .bucket(&request.bucket)
                .set_prefix(request.prefix.clone())
                .set_continuation_token(request.continuation_token.clone())
                .send()
                .await
                .map_err(object_error)?;
            // A token only with a truncated page, and never the one just used: a caller
            // following tokens then always ends.
            let next_continuation_token = output
                .next_continuation_token()
                .filter(|_| output.is_truncated() == Some(true))
                .filter(|t| request.continuation_token.as_deref() != Some(*t))
                .map(str::to_owned);
            Ok(ListPage {
                objects: output.contents().iter().filter_map(summary).collect(),
                next_continuation_token,
            })
        })
    }

    fn put_object<'a>(&'a self, request: PutObject) -> ObjectFuture<'a, ()> {
        Box::pin(async move {
            let clients = self.clients(None, None).await;
            clients
                .s3()
                .put_object()
                .bucket(request.bucket)
                .key(request.key)
                .body(ByteStream::from(request.body))
                .send()
                .await
                .map_err(object_error)?;
            Ok(())
        })
    }
}

/// A listed object as the runtime takes it; `None` for an entry without a key (S3 sends none
/// such; there would be nothing to read).
fn summary(object: &Object) -> Option<ObjectSummary> {
    Some(ObjectSummary {
        key: object.key()?.to_owned(),
        // S3 never lists a negative size.
        size: object
            .size()
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(0),
        last_modified: object.last_modified().and_then(iso).unwrap_or_default(),
        etag: object.e_tag().unwrap_or_default().to_owned(),
        storage_class: object
            .storage_class()
            .map_or(DEFAULT_STORAGE_CLASS, |c| c.as_str())
            .to_owned(),
    })
}

/// A failed call as S3 names it (see the module docs).
fn object_error<E>(err: SdkError<E, Response>) -> ObjectError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    match &err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let e = ctx.err();
            // S3 names every error in its body; an answer without one (a proxy's, a HEAD-like
            // empty body) is named after its status, as the SDK names a bodiless 404.
            let code = e
                .code()
                .map_or_else(|| status_code(status).to_owned(), str::to_owned);
            let message = e.message().map_or_else(|| code.clone(), str::to_owned);
            ObjectError::new(code, message, Some(status))
        }
        SdkError::ResponseError(ctx) => ObjectError::new(
            CLIENT_ERROR,
            format!(
                "Unable to read the response of S3: {}",
                DisplayErrorContext(&err)
            ),
            Some(ctx.raw().status().as_u16()),
        ),
        _ => ObjectError::new(
            CLIENT_ERROR,
            format!(
                "Unable to execute HTTP request: {}",
                DisplayErrorContext(&err)
            ),
            None,
        ),
    }
}

/// The error code of an S3 answer whose body names none.
fn status_code(status: u16) -> &'static str {
    match status {
        301 => "PermanentRedirect",
        304 => "NotModified",
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "NotFound",
        412 => "PreconditionFailed",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        _ => "UnknownError",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::primitives::DateTime;
    use aws_sdk_s3::types::ObjectStorageClass;

    #[test]
    fn summaries_as_listed() {
        let object = Object::builder()
            .key("data/a.csv")
            .size(12)
            .e_tag("\"5d41402abc4b2a76b9719d911017c592\"")
            .last_modified(DateTime::from_secs(1_668_699_881))
            .storage_class(ObjectStorageClass::Glacier)
            .build();
        assert_eq!(
            summary(&object),
            Some(ObjectSummary {
                key: "data/a.csv".into(),
                size: 12,
                last_modified: "2022-11-17T15:44:41Z".into(),
                etag: "\"5d41402abc4b2a76b9719d911017c592\"".into(),
                storage_class: "GLACIER".into(),
            })
        );
    }

    #[test]
    fn summaries_without_optional_members() {
        let bare = Object::builder().key("k").build();
        let s = summary(&bare);
        assert_eq!(s.as_ref().map(|s| s.size), Some(0));
        assert_eq!(
            s.as_ref().map(|s| s.storage_class.as_str()),
            Some("STANDARD")
        );
        assert_eq!(summary(&Object::builder().size(3).build()), None);
        let negative = Object::builder().key("k").size(-1).build();
        assert_eq!(summary(&negative).map(|s| s.size), Some(0));
    }

    #[test]
    fn bodiless_answers_named_by_status() {
        assert_eq!(status_code(404), "NotFound");
        assert_eq!(status_code(403), "Forbidden");
        assert_eq!(status_code(418), "UnknownError");
    }
}
