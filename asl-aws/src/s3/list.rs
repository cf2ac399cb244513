//! The listing APIs: ListObjectsV2 and ListObjects.

use asl_runtime::{TaskError, Value};
use aws_sdk_s3::types::{CommonPrefix, Object, Owner};

use super::convert::{Input, Out};
use super::failure;
use crate::call::Request;

/// ListObjectsV2.
pub(super) async fn list_v2(request: Request) -> Result<Value, TaskError> {
    let mut p = Input::new(request.parameters, "s3:listObjectsV2")?;
    let builder = request
        .clients
        .s3()
        .list_objects_v2()
        .set_bucket(p.required("Bucket")?)
        .set_delimiter(p.string("Delimiter")?)
        .set_encoding_type(p.enumerated("EncodingType")?)
        .set_max_keys(p.int("MaxKeys")?)
        .set_prefix(p.string("Prefix")?)
        .set_continuation_token(p.string("ContinuationToken")?)
        .set_fetch_owner(p.bool("FetchOwner")?)
        .set_start_after(p.string("StartAfter")?)
        .set_request_payer(p.enumerated("RequestPayer")?)
        .set_expected_bucket_owner(p.string("ExpectedBucketOwner")?)
        .set_optional_object_attributes(p.enumerated_list("OptionalObjectAttributes")?);
    p.finish()?;
    let o = builder
        .send()
        .await
        .map_err(|e| failure(request.flavor, e, false))?;
    let mut out = Out::default();
    out.bool("IsTruncated", o.is_truncated());
    out.value("Contents", objects(o.contents()));
    out.str("Name", o.name());
    out.str("Prefix", o.prefix());
    out.str("Delimiter", o.delimiter());
    out.int("MaxKeys", o.max_keys());
    out.value("CommonPrefixes", prefixes(o.common_prefixes()));
    out.str("EncodingType", o.encoding_type().map(|e| e.as_str()));
    out.int("KeyCount", o.key_count());
    out.str("ContinuationToken", o.continuation_token());
    out.str("NextContinuationToken", o.next_continuation_token());
    out.str("StartAfter", o.start_after());
    out.str("RequestCharged", o.request_charged().map(|e| e.as_str()));
    Ok(out.into_value())
}

/// ListObjects (version 1: `Marker`/`NextMarker` paging).
pub(super) async fn list_v1(request: Request) -> Result<Value, TaskError> {
    let mut p = Input::new(request.parameters, "s3:listObjects")?;
    let builder = request
        .clients
        .s3()
        .list_objects()
        .set_bucket(p.required("Bucket")?)
        .set_delimiter(p.string("Delimiter")?)
        .set_encoding_type(p.enumerated("EncodingType")?)
        .set_marker(p.string("Marker")?)
        .set_max_keys(p.int("MaxKeys")?)
        .set_prefix(p.string("Prefix")?)
        .set_request_payer(p.enumerated("RequestPayer")?)
        .set_expected_bucket_owner(p.string("ExpectedBucketOwner")?)
        .set_optional_object_attributes(p.enumerated_list("OptionalObjectAttributes")?);
    p.finish()?;
    let o = builder
        .send()
        .await
        .map_err(|e| failure(request.flavor, e, false))?;
    let mut out = Out::default();
    out.bool("IsTruncated", o.is_truncated());
    out.str("Marker", o.marker());
    out.str("NextMarker", o.next_marker());
    out.value("Contents", objects(o.contents()));
    out.str("Name", o.name());
    out.str("Prefix", o.prefix());
    out.str("Delimiter", o.delimiter());
    out.int("MaxKeys", o.max_keys());
    out.value("CommonPrefixes", prefixes(o.common_prefixes()));
    out.str("EncodingType", o.encoding_type().map(|e| e.as_str()));
    out.str("RequestCharged", o.request_charged().map(|e| e.as_str()));
    Ok(out.into_value())
}

/// `Contents`: one object each.
fn objects(list: &[Object]) -> Value {
    list.iter()
        .map(|o| {
            let mut out = Out::default();
            out.str("Key", o.key());
            out.time("LastModified", o.last_modified());
            out.str("ETag", o.e_tag());
            out.value(
                "ChecksumAlgorithm",
                o.checksum_algorithm()
                    .iter()
                    .map(|a| Value::String(a.as_str().to_owned()))
                    .collect(),
            );
            out.str("ChecksumType", o.checksum_type().map(|e| e.as_str()));
            out.int("Size", o.size());
            out.str("StorageClass", o.storage_class().map(|e| e.as_str()));
            if let Some(owner) = o.owner() {
                out.value("Owner", self::owner(owner));
            }
            if let Some(r) = o.restore_status() {
                let mut status = Out::default();
                status.bool("IsRestoreInProgress", r.is_restore_in_progress());
                status.time("RestoreExpiryDate", r.restore_expiry_date());
                out.value("RestoreStatus", status.into_value());
            }
            out.into_value()
        })
        .collect()
}

fn owner(owner: &Owner) -> Value {
    let mut out = Out::default();
    out.str("DisplayName", owner.display_name());
    out.str("ID", owner.id());
    out.into_value()
}

/// `CommonPrefixes`: `[{"Prefix": …}]`.
fn prefixes(list: &[CommonPrefix]) -> Value {
    list.iter()
        .map(|c| {
            let mut out = Out::default();
            out.str("Prefix", c.prefix());
            out.into_value()
        })
        .collect()
}
