//! [`LocalObjects`]: an [`ObjectStore`] on a directory, so that a workflow can read its items
//! from, and write its results to, local files: a bucket is a subdirectory of the root and a
//! key the path of a file under it (`/` separated).
//!
//! It answers as S3 does: a missing bucket directory is `NoSuchBucket`, a missing file
//! `NoSuchKey` (S3's messages, status 404); a listing walks the bucket recursively and gives
//! the keys in order, paged (1,000 a page unless [`LocalObjects::with_page_size`]), with the
//! file's size, modification time (seconds since the epoch) and ETag (the quoted MD5 of the
//! content, as S3 gives a single-part upload's). `PutObject` creates the key's directories.
//! A key that would leave its bucket (`..`, an absolute path) is refused (`InvalidKey`).

use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use md5::{Digest, Md5};
use tokio::io::AsyncReadExt;

use super::memory::{DEFAULT_PAGE_SIZE, no_such_bucket, no_such_key};
use super::store::{
    GetObject, ListObjects, ListPage, ObjectBody, ObjectError, ObjectFuture, ObjectStore,
    ObjectSummary, PutObject,
};

/// An [`ObjectStore`] whose buckets are the subdirectories of a root directory.
#[derive(Debug, Clone)]
pub struct LocalObjects {
    root: PathBuf,
    page_size: usize,
}

impl LocalObjects {
    /// A store whose buckets are the subdirectories of `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalObjects {
            root: root.into(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// The same store, listing at most `page_size` (at least 1) keys a page.
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The directory of `bucket`, which must exist.
    async fn bucket(&self, bucket: &str) -> Result<PathBuf, ObjectError> {
        if bucket.is_empty()
            || bucket == "."
            || bucket == ".."
            || bucket.contains(['/', '\\', '\0'])
        {
            return Err(ObjectError::new(
                "InvalidBucketName",
                "The specified bucket is not valid.",
                Some(400),
            ));
        }
        let dir = self.root.join(bucket);
        match tokio::fs::metadata(&dir).await {
            Ok(meta) if meta.is_dir() => Ok(dir),
            _ => Err(no_such_bucket()),
        }
    }

    async fn get(&self, request: &GetObject) -> Result<ObjectBody, ObjectError> {
        let path = self
            .bucket(&request.bucket)
            .await?
            .join(key_path(&request.key)?);
        match tokio::fs::File::open(&path).await {
            Ok(file) if file.metadata().await.is_ok_and(|m| m.is_file()) => Ok(Box::pin(file)),
            Ok(_) => Err(no_such_key()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(no_such_key()),
            Err(e) => Err(io_error(&e)),
        }
    }

    async fn list(&self, request: &ListObjects) -> Result<ListPage, ObjectError> {
        let dir = self.bucket(&request.bucket).await?;
        let prefix = request.prefix.as_deref().unwrap_or("");
        // Every key, sorted, then the page: keys are the sorted relative paths, whatever the
        // order the directories give them in.
        let mut keys = Vec::new();
        let mut pending = vec![(dir.clone(), String::new())];
        while let Some((path, key_prefix)) = pending.pop() {
            let mut entries = tokio::fs::read_dir(&path).await.map_err(|e| io_error(&e))?;
            while let Some(entry) = entries.next_entry().await.map_err(|e| io_error(&e))? {
                // A name that is not UTF-8 cannot be an S3 key.
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                let key = format!("{key_prefix}{name}");
                let kind = entry.file_type().await.map_err(|e| io_error(&e))?;
                if kind.is_dir() {
                    pending.push((entry.path(), format!("{key}/")));
                } else if kind.is_file() {
                    keys.push(key);
                }
            }
        }
        keys.retain(|key| {
            key.starts_with(prefix)
                && request
                    .continuation_token
                    .as_ref()
                    .is_none_or(|token| key.as_str() > token.as_str())
        });
        keys.sort_unstable();
        let more = keys.len() > self.page_size;
        keys.truncate(self.page_size);
        let mut objects = Vec::with_capacity(keys.len());
        for key in keys {
            objects.push(summary(&dir, key).await?);
        }
        let next_continuation_token = if more {
            objects.last().map(|o| o.key.clone())
        } else {
            None
        };
        Ok(ListPage {
            objects,
            next_continuation_token,
        })
    }

    async fn put(&self, request: PutObject) -> Result<(), ObjectError> {
        let path = self
            .bucket(&request.bucket)
            .await?
            .join(key_path(&request.key)?);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| io_error(&e))?;
        }
        // By value: tokio hands the `Vec` itself to its blocking thread (a slice it would
        // copy, and a result file can be the size of the whole Map Run's results).
        tokio::fs::write(&path, request.body)
            .await
            .map_err(|e| io_error(&e))
    }
}

/// A listed file's summary (its MD5 read in chunks, never the whole file at once).
async fn summary(dir: &Path, key: String) -> Result<ObjectSummary, ObjectError> {
    let mut file = tokio::fs::File::open(dir.join(&key))
        .await
        .map_err(|e| io_error(&e))?;
    let meta = file.metadata().await.map_err(|e| io_error(&e))?;
    let last_modified = meta
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let mut md5 = Md5::new();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let n = file.read(&mut chunk).await.map_err(|e| io_error(&e))?;
        if n == 0 {
            break;
        }
        md5.update(&chunk[..n]);
    }
    Ok(ObjectSummary {
        key,
        size: meta.len(),
        last_modified: last_modified.to_string(),
        etag: format!("\"{:x}\"", md5.finalize()),
        storage_class: "STANDARD".to_string(),
    })
}

/// `key` as a relative path that stays in its bucket.
fn key_path(key: &str) -> Result<PathBuf, ObjectError> {
    let path = Path::new(key);
    let inside = !key.is_empty()
        && !key.contains(['\\', '\0'])
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if inside {
        Ok(path.to_path_buf())
    } else {
        Err(ObjectError::new(
            "InvalidKey",
            format!("The key '{key}' is not a path inside its bucket"),
            Some(400),
        ))
    }
}

/// A file system failure, as an S3 internal error.
fn io_error(e: &std::io::Error) -> ObjectError {
    ObjectError::new("InternalError", e.to_string(), None)
}

impl ObjectStore for LocalObjects {
    fn get_object<'a>(&'a self, request: &'a GetObject) -> ObjectFuture<'a, ObjectBody> {
        Box::pin(self.get(request))
    }

    fn list_objects_v2<'a>(&'a self, request: &'a ListObjects) -> ObjectFuture<'a, ListPage> {
        Box::pin(self.list(request))
    }

    fn put_object<'a>(&'a self, request: PutObject) -> ObjectFuture<'a, ()> {
        Box::pin(self.put(request))
    }
}
