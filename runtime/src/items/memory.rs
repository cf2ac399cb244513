//! [`MemoryObjects`]: an [`ObjectStore`] in memory, for fixtures and tests: put objects in,
//! read what a `ResultWriter` wrote out. It answers as S3 does: `NoSuchBucket`/`NoSuchKey`
//! with S3's messages and status 404, listings in key order, paged (1,000 keys a page, S3's
//! default, or [`MemoryObjects::with_page_size`]), ETags the quoted MD5 of the body.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};

use super::store::{
    GetObject, ListObjects, ListPage, ObjectBody, ObjectError, ObjectFuture, ObjectStore,
    ObjectSummary, PutObject,
};

/// S3's default (and largest) `MaxKeys`.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 1000;

/// An in-memory [`ObjectStore`]. Clones share the same buckets.
#[derive(Debug, Clone)]
pub struct MemoryObjects {
    buckets: Arc<Mutex<BTreeMap<String, BTreeMap<String, Object>>>>,
    page_size: usize,
}

/// A stored object.
#[derive(Debug, Clone)]
struct Object {
    body: Arc<[u8]>,
    etag: String,
    /// Seconds since the epoch.
    last_modified: i64,
}

impl Default for MemoryObjects {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryObjects {
    /// An empty store.
    pub fn new() -> Self {
        MemoryObjects {
            buckets: Arc::default(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// The same store, listing at most `page_size` (at least 1) keys a page.
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Creates `bucket` (nothing if it exists).
    pub fn create_bucket(&self, bucket: &str) {
        self.lock().entry(bucket.to_string()).or_default();
    }

    /// Stores `body` as `key` in `bucket`, creating the bucket if needed.
    pub fn insert(&self, bucket: &str, key: &str, body: impl Into<Vec<u8>>) {
        let object = Object::new(body.into());
        self.lock()
            .entry(bucket.to_string())
            .or_default()
            .insert(key.to_string(), object);
    }

    /// The body of `key` in `bucket`, if there is one.
    pub fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.lock()
            .get(bucket)
            .and_then(|objects| objects.get(key))
            .map(|object| object.body.to_vec())
    }

    /// The keys of `bucket`, in order (empty if there is no such bucket).
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        self.lock()
            .get(bucket)
            .map(|objects| objects.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, BTreeMap<String, Object>>> {
        // A panic elsewhere while holding the lock leaves the maps whole: keep using them.
        self.buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get_now(&self, request: &GetObject) -> Result<ObjectBody, ObjectError> {
        let buckets = self.lock();
        let objects = buckets.get(&request.bucket).ok_or_else(no_such_bucket)?;
        let object = objects.get(&request.key).ok_or_else(no_such_key)?;
        Ok(Box::pin(Cursor::new(object.body.clone())))
    }

    fn list_now(&self, request: &ListObjects) -> Result<ListPage, ObjectError> {
        let buckets = self.lock();
        let objects = buckets.get(&request.bucket).ok_or_else(no_such_bucket)?;
        let prefix = request.prefix.as_deref().unwrap_or("");
        // Keys under `prefix` are contiguous from `prefix` on; a token is the last key given.
        let start = match &request.continuation_token {
            Some(token) => Bound::Excluded(token.as_str()),
            None => Bound::Included(prefix),
        };
        let mut matching = objects
            .range::<str, _>((start, Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix));
        let page: Vec<ObjectSummary> = matching
            .by_ref()
            .take(self.page_size)
            .map(|(key, object)| ObjectSummary {
                key: key.clone(),
                size: object.body.len() as u64,
                last_modified: object.last_modified.to_string(),
                etag: object.etag.clone(),
                storage_class: "STANDARD".to_string(),
            })
            .collect();
        let next_continuation_token = match (matching.next(), page.last()) {
            (Some(_), Some(last)) => Some(last.key.clone()),
            _ => None,
        };
        Ok(ListPage {
            objects: page,
            next_continuation_token,
        })
    }

    fn put_now(&self, request: PutObject) -> Result<(), ObjectError> {
        let mut buckets = self.lock();
        let objects = buckets
            .get_mut(&request.bucket)
            .ok_or_else(no_such_bucket)?;
        objects.insert(request.key, Object::new(request.body));
        Ok(())
    }
}

impl Object {
    fn new(body: Vec<u8>) -> Self {
        let last_modified = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Object {
            etag: etag(&body),
            body: body.into(),
            last_modified,
        }
    }
}

/// S3's ETag of a single-part upload: the body's MD5 in hex, quoted.
pub(crate) fn etag(body: &[u8]) -> String {
    format!("\"{:x}\"", Md5::digest(body))
}

/// S3's `NoSuchBucket`.
pub(crate) fn no_such_bucket() -> ObjectError {
    ObjectError::new(
        "NoSuchBucket",
        "The specified bucket does not exist",
        Some(404),
    )
}

/// S3's `NoSuchKey`.
pub(crate) fn no_such_key() -> ObjectError {
    ObjectError::new("NoSuchKey", "The specified key does not exist.", Some(404))
}

impl ObjectStore for MemoryObjects {
    fn get_object<'a>(&'a self, request: &'a GetObject) -> ObjectFuture<'a, ObjectBody> {
        let result = self.get_now(request);
        Box::pin(async move { result })
    }

    fn list_objects_v2<'a>(&'a self, request: &'a ListObjects) -> ObjectFuture<'a, ListPage> {
        let result = self.list_now(request);
        Box::pin(async move { result })
    }

    fn put_object<'a>(&'a self, request: PutObject) -> ObjectFuture<'a, ()> {
        let result = self.put_now(request);
        Box::pin(async move { result })
    }
}
