//! The object APIs: GetObject, PutObject, HeadObject, DeleteObject, CopyObject.

use asl_runtime::integration::Flavor;
use asl_runtime::{TaskError, Value};
use aws_sdk_s3::config::ResponseChecksumValidation;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_types::error::display::DisplayErrorContext;

use super::convert::{Input, Out, checksums, text};
use super::{NAMES, failure};
use crate::call::Request;

/// Step Functions' payload quota (256 KiB): a body above it cannot be a state's result.
const MAX_RESULT_BYTES: usize = 262_144;

/// The members GetObject and HeadObject both return (their accessors share names).
macro_rules! object_members {
    ($out:expr, $o:expr) => {{
        let (out, o) = (&mut $out, &$o);
        out.bool("DeleteMarker", o.delete_marker());
        out.str("AcceptRanges", o.accept_ranges());
        out.str("Expiration", o.expiration());
        out.str("Restore", o.restore());
        out.time("LastModified", o.last_modified());
        out.int("ContentLength", o.content_length());
        out.str("ETag", o.e_tag());
        checksums!(out, o);
        out.int("MissingMeta", o.missing_meta());
        out.str("VersionId", o.version_id());
        out.str("CacheControl", o.cache_control());
        out.str("ContentDisposition", o.content_disposition());
        out.str("ContentEncoding", o.content_encoding());
        out.str("ContentLanguage", o.content_language());
        out.str("ContentRange", o.content_range());
        out.str("ContentType", o.content_type());
        // The SDK deprecates `Expires` for `ExpiresString`; the API still has both.
        #[allow(deprecated)]
        out.time("Expires", o.expires());
        out.str("ExpiresString", o.expires_string());
        out.str("WebsiteRedirectLocation", o.website_redirect_location());
        out.str(
            "ServerSideEncryption",
            o.server_side_encryption().map(|e| e.as_str()),
        );
        out.map("Metadata", o.metadata());
        out.str("SSECustomerAlgorithm", o.sse_customer_algorithm());
        out.str("SSECustomerKeyMD5", o.sse_customer_key_md5());
        out.str("SSEKMSKeyId", o.ssekms_key_id());
        out.bool("BucketKeyEnabled", o.bucket_key_enabled());
        out.str("StorageClass", o.storage_class().map(|e| e.as_str()));
        out.str("RequestCharged", o.request_charged().map(|e| e.as_str()));
        out.str(
            "ReplicationStatus",
            o.replication_status().map(|e| e.as_str()),
        );
        out.int("PartsCount", o.parts_count());
        out.int("TagCount", o.tag_count());
        out.str("ObjectLockMode", o.object_lock_mode().map(|e| e.as_str()));
        out.time(
            "ObjectLockRetainUntilDate",
            o.object_lock_retain_until_date(),
        );
        out.str(
            "ObjectLockLegalHoldStatus",
            o.object_lock_legal_hold_status().map(|e| e.as_str()),
        );
    }};
}

/// The request members GetObject and HeadObject both take (their setters share names).
macro_rules! read_members {
    ($builder:expr, $p:expr) => {{
        let p = &mut $p;
        $builder
            .set_bucket(p.required("Bucket")?)
            .set_key(p.required("Key")?)
            .set_if_match(p.string("IfMatch")?)
            .set_if_modified_since(p.time("IfModifiedSince")?)
            .set_if_none_match(p.string("IfNoneMatch")?)
            .set_if_unmodified_since(p.time("IfUnmodifiedSince")?)
            .set_range(p.string("Range")?)
            .set_response_cache_control(p.string("ResponseCacheControl")?)
            .set_response_content_disposition(p.string("ResponseContentDisposition")?)
            .set_response_content_encoding(p.string("ResponseContentEncoding")?)
            .set_response_content_language(p.string("ResponseContentLanguage")?)
            .set_response_content_type(p.string("ResponseContentType")?)
            .set_response_expires(p.time("ResponseExpires")?)
            .set_version_id(p.string("VersionId")?)
            .set_sse_customer_algorithm(p.string("SSECustomerAlgorithm")?)
            .set_sse_customer_key(p.string("SSECustomerKey")?)
            .set_sse_customer_key_md5(p.string("SSECustomerKeyMD5")?)
            .set_request_payer(p.enumerated("RequestPayer")?)
            .set_part_number(p.int("PartNumber")?)
            .set_expected_bucket_owner(p.string("ExpectedBucketOwner")?)
            .set_checksum_mode(p.enumerated("ChecksumMode")?)
    }};
}

/// Checksums only when `ChecksumMode` asks for them: the Rust SDK otherwise enables
/// `ChecksumMode` itself, and Step Functions' responses would gain members AWS's lack.
fn checksums_when_asked() -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::default()
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
}

/// GetObject: the object's metadata and its content as `Body` (see the module docs).
pub(super) async fn get(request: Request) -> Result<Value, TaskError> {
    let mut p = Input::new(request.parameters, "s3:getObject")?;
    let builder = read_members!(request.clients.s3().get_object(), p);
    p.finish()?;
    let mut o = builder
        .customize()
        .config_override(checksums_when_asked())
        .send()
        .await
        .map_err(|e| failure(request.flavor, e, false))?;
    let body = std::mem::take(&mut o.body);
    let bytes = read(body, request.flavor, request.context.state_name).await?;
    let mut out = Out::default();
    object_members!(out, o);
    let mut response = out.into_map();
    // Step Functions writes `Body` after the sorted members.
    response.insert("Body".into(), Value::String(text(bytes)));
    Ok(Value::Object(response))
}

/// An object's bytes, refused once they pass the payload quota (the state could not return
/// them anyway; reading on would only hold a large object in memory).
async fn read(mut body: ByteStream, flavor: Flavor, state: &str) -> Result<Vec<u8>, TaskError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            let prefix = match flavor {
                Flavor::Optimized => NAMES.optimized,
                Flavor::Sdk => NAMES.sdk,
            };
            TaskError::new(
                format!("{prefix}.SdkClientException"),
                format!("Unable to execute HTTP request: {}", DisplayErrorContext(e)),
            )
        })?;
        if bytes.len() + chunk.len() > MAX_RESULT_BYTES {
            return Err(TaskError::new(
                asl_runtime::error::names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{state}' returned a result with a size exceeding the \
                     maximum number of bytes service limit."
                ),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// PutObject: `Body` as its JSON text.
pub(super) async fn put(request: Request) -> Result<Value, TaskError> {
    let mut p = Input::new(request.parameters, "s3:putObject")?;
    // Every JSON value, a string too, goes as its JSON text (module docs).
    let body = p.take("Body").map(|v| v.to_string()).unwrap_or_default();
    let builder = request
        .clients
        .s3()
        .put_object()
        .body(ByteStream::from(body.into_bytes()))
        .set_acl(p.enumerated("ACL")?)
        .set_bucket(p.required("Bucket")?)
        .set_cache_control(p.string("CacheControl")?)
        .set_content_disposition(p.string("ContentDisposition")?)
        .set_content_encoding(p.string("ContentEncoding")?)
        .set_content_language(p.string("ContentLanguage")?)
        .set_content_length(p.long("ContentLength")?)
        .set_content_md5(p.string("ContentMD5")?)
        .set_content_type(p.string("ContentType")?)
        .set_checksum_algorithm(p.enumerated("ChecksumAlgorithm")?)
        .set_checksum_crc32(p.string("ChecksumCRC32")?)
        .set_checksum_crc32_c(p.string("ChecksumCRC32C")?)
        .set_checksum_crc64_nvme(p.string("ChecksumCRC64NVME")?)
        .set_checksum_sha1(p.string("ChecksumSHA1")?)
        .set_checksum_sha256(p.string("ChecksumSHA256")?)
        .set_checksum_sha512(p.string("ChecksumSHA512")?)
        .set_checksum_md5(p.string("ChecksumMD5")?)
        .set_checksum_xxhash64(p.string("ChecksumXXHASH64")?)
        .set_checksum_xxhash3(p.string("ChecksumXXHASH3")?)
        .set_checksum_xxhash128(p.string("ChecksumXXHASH128")?)
        .set_expires(p.time("Expires")?)
        .set_if_match(p.string("IfMatch")?)
        .set_if_none_match(p.string("IfNoneMatch")?)
        .set_grant_full_control(p.string("GrantFullControl")?)
        .set_grant_read(p.string("GrantRead")?)
        .set_grant_read_acp(p.string("GrantReadACP")?)
        .set_grant_write_acp(p.string("GrantWriteACP")?)
        .set_key(p.required("Key")?)
        .set_write_offset_bytes(p.long("WriteOffsetBytes")?)
        .set_metadata(p.string_map("Metadata")?)
        .set_server_side_encryption(p.enumerated("ServerSideEncryption")?)
        .set_storage_class(p.enumerated("StorageClass")?)
        .set_website_redirect_location(p.string("WebsiteRedirectLocation")?)
        .set_sse_customer_algorithm(p.string("SSECustomerAlgorithm")?)
        .set_sse_customer_key(p.string("SSECustomerKey")?)
        .set_sse_customer_key_md5(p.string("SSECustomerKeyMD5")?)
        .set_ssekms_key_id(p.string("SSEKMSKeyId")?)
        .set_ssekms_encryption_context(p.string("SSEKMSEncryptionContext")?)
        .set_bucket_key_enabled(p.bool("BucketKeyEnabled")?)
        .set_request_payer(p.enumerated("RequestPayer")?)
        .set_tagging(p.string("Tagging")?)
        .set_object_lock_mode(p.enumerated("ObjectLockMode")?)
        .set_object_lock_retain_until_date(p.time("ObjectLockRetainUntilDate")?)
        .set_object_lock_legal_hold_status(p.enumerated("ObjectLockLegalHoldStatus")?)
        .set_expected_bucket_owner(p.string("ExpectedBucketOwner")?);
    p.finish()?;
    let o = builder
        .send()
        .await
        .map_err(|e| failure(request.flavor, e, false))?;
    let mut out = Out::default();
    out.str("Expiration", o.expiration());
    out.str("ETag", o.e_tag());
    checksums!(out, o);
    out.str(
        "ServerSideEncryption",
        o.server_side_encryption().map(|e| e.as_str()),
    );
    out.str("VersionId", o.version_id());
    out.str("SSECustomerAlgorithm", o.sse_customer_algorithm());
    out.str("SSECustomerKeyMD5", o.sse_customer_key_md5());
    out.str("SSEKMSKeyId", o.ssekms_key_id());
    out.str("SSEKMSEncryptionContext", o.ssekms_encryption_context());
    out.bool("BucketKeyEnabled", o.bucket_key_enabled());
    out.int("Size", o.size());
    out.str("RequestCharged", o.request_charged().map(|e| e.as_str()));
    Ok(out.into_value())
}

/// HeadObject: GetObject's members without `Body`.
pub(super) async fn head(request: Request) -> Result<Value, TaskError> {
    let mut p = Input::new(request.parameters, "s3:headObject")?;
    let builder = read_members!(request.clients.s3().head_object(), p);
    p.finish()?;
    let o = builder
        .customize()
        .config_override(checksums_when_asked())
        .send()
        .await
        .map_err(|e| failure(request.flavor, e, true))?;
    let mut out = Out::default();
    object_members!(out, o);
    out.str("ArchiveStatus", o.archive_status().map(|e| e.as_str()));
    Ok(out.into_value())
}

/// DeleteObject.
pub(super) async fn delete(request: Request) -> Result<Value, TaskError> {
    let mut p = Input::new(request.parameters, "s3:deleteObject")?;
    let builder = request
        .clients
        .s3()
        .delete_object()
        .set_bucket(p.required("Bucket")?)
        .set_key(p.required("Key")?)
        .set_mfa(p.string("MFA")?)
        .set_version_id(p.string("VersionId")?)
        .set_request_payer(p.enumerated("RequestPayer")?)
        .set_bypass_governance_retention(p.bool("BypassGovernanceRetention")?)
        .set_expected_bucket_owner(p.string("ExpectedBucketOwner")?)
        .set_if_match(p.string("IfMatch")?)
        .set_if_match_last_modified_time(p.time("IfMatchLastModifiedTime")?)
        .set_if_match_size(p.long("IfMatchSize")?);
    p.finish()?;
    let o = builder
        .send()
        .await
        .map_err(|e| failure(request.flavor, e, false))?;
    let mut out = Out::default();
    out.bool("DeleteMarker", o.delete_marker());
    out.str("VersionId", o.version_id());
    out.str("RequestCharged", o.request_charged().map(|e| e.as_str()));
    Ok(out.into_value())
}

/// CopyObject: `CopySource` is `bucket/key` (URL-encoded), as the API takes it.
pub(super) async fn copy(request: Request) -> Result<Value, TaskError> {
    let mut p = Input::new(request.parameters, "s3:copyObject")?;
    let builder = request
        .clients
        .s3()
        .copy_object()
        .set_acl(p.enumerated("ACL")?)
        .set_bucket(p.required("Bucket")?)
        .set_cache_control(p.string("CacheControl")?)
        .set_checksum_algorithm(p.enumerated("ChecksumAlgorithm")?)
        .set_content_disposition(p.string("ContentDisposition")?)
        .set_content_encoding(p.string("ContentEncoding")?)
        .set_content_language(p.string("ContentLanguage")?)
        .set_content_type(p.string("ContentType")?)
        .set_copy_source(p.required("CopySource")?)
        .set_copy_source_if_match(p.string("CopySourceIfMatch")?)
        .set_copy_source_if_modified_since(p.time("CopySourceIfModifiedSince")?)
        .set_copy_source_if_none_match(p.string("CopySourceIfNoneMatch")?)
        .set_copy_source_if_unmodified_since(p.time("CopySourceIfUnmodifiedSince")?)
        .set_expires(p.time("Expires")?)
        .set_grant_full_control(p.string("GrantFullControl")?)
        .set_grant_read(p.string("GrantRead")?)
        .set_grant_read_acp(p.string("GrantReadACP")?)
        .set_grant_write_acp(p.string("GrantWriteACP")?)
        .set_if_match(p.string("IfMatch")?)
        .set_if_none_match(p.string("IfNoneMatch")?)
        .set_key(p.required("Key")?)
        .set_metadata(p.string_map("Metadata")?)
        .set_metadata_directive(p.enumerated("MetadataDirective")?)
        .set_tagging_directive(p.enumerated("TaggingDirective")?)
        .set_server_side_encryption(p.enumerated("ServerSideEncryption")?)
        .set_storage_class(p.enumerated("StorageClass")?)
        .set_website_redirect_location(p.string("WebsiteRedirectLocation")?)
        .set_sse_customer_algorithm(p.string("SSECustomerAlgorithm")?)
        .set_sse_customer_key(p.string("SSECustomerKey")?)
        .set_sse_customer_key_md5(p.string("SSECustomerKeyMD5")?)
        .set_ssekms_key_id(p.string("SSEKMSKeyId")?)
        .set_ssekms_encryption_context(p.string("SSEKMSEncryptionContext")?)
        .set_bucket_key_enabled(p.bool("BucketKeyEnabled")?)
        .set_copy_source_sse_customer_algorithm(p.string("CopySourceSSECustomerAlgorithm")?)
        .set_copy_source_sse_customer_key(p.string("CopySourceSSECustomerKey")?)
        .set_copy_source_sse_customer_key_md5(p.string("CopySourceSSECustomerKeyMD5")?)
        .set_request_payer(p.enumerated("RequestPayer")?)
        .set_tagging(p.string("Tagging")?)
        .set_object_lock_mode(p.enumerated("ObjectLockMode")?)
        .set_object_lock_retain_until_date(p.time("ObjectLockRetainUntilDate")?)
        .set_object_lock_legal_hold_status(p.enumerated("ObjectLockLegalHoldStatus")?)
        .set_expected_bucket_owner(p.string("ExpectedBucketOwner")?)
        .set_expected_source_bucket_owner(p.string("ExpectedSourceBucketOwner")?);
    p.finish()?;
    let o = builder
        .send()
        .await
        .map_err(|e| failure(request.flavor, e, false))?;
    let mut out = Out::default();
    if let Some(r) = o.copy_object_result() {
        let mut result = Out::default();
        result.str("ETag", r.e_tag());
        result.time("LastModified", r.last_modified());
        checksums!(result, r);
        out.value("CopyObjectResult", result.into_value());
    }
    out.str("Expiration", o.expiration());
    out.str("CopySourceVersionId", o.copy_source_version_id());
    out.str("VersionId", o.version_id());
    out.str(
        "ServerSideEncryption",
        o.server_side_encryption().map(|e| e.as_str()),
    );
    out.str("SSECustomerAlgorithm", o.sse_customer_algorithm());
    out.str("SSECustomerKeyMD5", o.sse_customer_key_md5());
    out.str("SSEKMSKeyId", o.ssekms_key_id());
    out.str("SSEKMSEncryptionContext", o.ssekms_encryption_context());
    out.bool("BucketKeyEnabled", o.bucket_key_enabled());
    out.str("RequestCharged", o.request_charged().map(|e| e.as_str()));
    Ok(out.into_value())
}
