//! [`ObjectStore`]: the three S3 operations a Distributed Map needs, so that S3, a directory or
//! memory can serve them.

use std::future::Future;
use std::pin::Pin;

use tokio::io::AsyncRead;

/// The future an [`ObjectStore`] operation returns.
pub type ObjectFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ObjectError>> + Send + 'a>>;

/// An object's bytes, read as they arrive.
pub type ObjectBody = Pin<Box<dyn AsyncRead + Send>>;

/// S3 as a Distributed Map uses it: objects in buckets, read, listed and written.
pub trait ObjectStore: Send + Sync {
    /// `GetObject`: the body of one object.
    fn get_object<'a>(&'a self, request: &'a GetObject) -> ObjectFuture<'a, ObjectBody>;

    /// `ListObjectsV2`: one page of a bucket's objects, in key order.
    fn list_objects_v2<'a>(&'a self, request: &'a ListObjects) -> ObjectFuture<'a, ListPage>;

    /// `PutObject`: stores one object, replacing any with the same key.
    fn put_object<'a>(&'a self, request: PutObject) -> ObjectFuture<'a, ()>;
}

/// A `GetObject` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetObject {
    /// `Bucket`.
    pub bucket: String,
    /// `Key`.
    pub key: String,
    /// `VersionId`.
    pub version_id: Option<String>,
}

/// A `ListObjectsV2` request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListObjects {
    /// `Bucket`.
    pub bucket: String,
    /// `Prefix`: only keys that start with it.
    pub prefix: Option<String>,
    /// `ContinuationToken`: the page after the one that returned it.
    pub continuation_token: Option<String>,
}

/// One page of a `ListObjectsV2` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPage {
    /// The objects, in key order.
    pub objects: Vec<ObjectSummary>,
    /// `NextContinuationToken`: there are more objects.
    pub next_continuation_token: Option<String>,
}

/// One listed object, as `ListObjectsV2` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// `Key`.
    pub key: String,
    /// `Size`, in bytes.
    pub size: u64,
    /// `LastModified`: seconds since the epoch (`"1668699881"`), or S3's RFC 3339 timestamp;
    /// the reader gives the Map's items seconds since the epoch, as Step Functions does.
    pub last_modified: String,
    /// `ETag` (with its quotes, as S3 gives it).
    pub etag: String,
    /// `StorageClass`.
    pub storage_class: String,
}

/// A `PutObject` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObject {
    /// `Bucket`.
    pub bucket: String,
    /// `Key`.
    pub key: String,
    /// The object's bytes.
    pub body: Vec<u8>,
}

/// An S3 operation that failed, as S3 names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ObjectError {
    /// S3's error code: `NoSuchKey`, `NoSuchBucket`, `AccessDenied`, … (or another store's
    /// own name for what went wrong).
    pub code: String,
    /// The message.
    pub message: String,
    /// The HTTP status S3 answered with (404, 403, …), when there was one.
    pub status: Option<u16>,
}

impl ObjectError {
    /// An error named `code`.
    pub fn new(code: impl Into<String>, message: impl Into<String>, status: Option<u16>) -> Self {
        ObjectError {
            code: code.into(),
            message: message.into(),
            status,
        }
    }
}
