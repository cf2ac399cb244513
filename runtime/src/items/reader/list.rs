//! `s3:listObjectsV2`: the objects of a bucket (under `Prefix`), paged lazily with
//! `ContinuationToken`, each an item as Step Functions gives it to a child execution:
//!
//! ```json
//! {"Etag": "\"05704fbdccb224cb01c59005bebbad28\"", "Key": "processData/images/n02085620_1073.jpg",
//!  "LastModified": 1668699881, "Size": 34910, "StorageClass": "STANDARD"}
//! ```
//!
//! (ItemReader docs, "Input passed to a child workflow execution"; the recording
//! itemreader/list_objects/map_item_reader_base_list_objects_v2 has the same members, with
//! `Etag`/`LastModified` masked.) `LastModified` is in seconds since the epoch.
//!
//! With `Transformation: LOAD_AND_FLATTEN` the items are instead those of every listed object,
//! read per `InputType`, object after object. Folder markers (a key ending in `/`, empty), which
//! the S3 console creates, hold no items and are passed over.

use std::collections::VecDeque;

use futures_util::stream::{self, Stream, StreamExt};
use serde_json::{Value, json};

use super::{
    GetObject, InputType, ItemError, ItemStream, ListObjects, ObjectStore, ReaderConfig, cause,
    failed, object_error, parse_object,
};
use crate::items::ObjectSummary;

/// One item per listed object.
pub(crate) fn summaries(store: &dyn ObjectStore, listing: ListObjects) -> ItemStream<'_> {
    objects(store, listing)
        .map(|object| object.map(|o| summary(&o)))
        .boxed()
}

/// The items of every listed object, read per `config.input_type`.
pub(crate) fn flatten<'a>(
    store: &'a dyn ObjectStore,
    listing: ListObjects,
    config: &'static ReaderConfig,
) -> ItemStream<'a> {
    let input_type = match config.input_type {
        Some(InputType::Manifest) => return failed(ItemError::reader(cause::NESTED_MANIFEST)),
        Some(input_type) => input_type,
        // AWS requires InputType with LOAD_AND_FLATTEN; JSON is getObject's own default.
        None => InputType::Json,
    };
    let bucket = listing.bucket.clone();
    objects(store, listing)
        .map(move |object| match object {
            Ok(o) if o.key.ends_with('/') && o.size == 0 => stream::empty().boxed(),
            Ok(o) => {
                let get = GetObject {
                    bucket: bucket.clone(),
                    key: o.key,
                    version_id: None,
                };
                parse_object(store, get, input_type, config)
            }
            Err(e) => failed(e),
        })
        .flatten()
        .boxed()
}

/// The listed objects, a page requested only when the previous one is used up.
fn objects(
    store: &dyn ObjectStore,
    listing: ListObjects,
) -> impl Stream<Item = Result<ObjectSummary, ItemError>> + Send + '_ {
    let state = Pages {
        listing,
        page: VecDeque::new(),
        more: true,
    };
    stream::try_unfold(state, move |mut state| async move {
        loop {
            if let Some(object) = state.page.pop_front() {
                return Ok(Some((object, state)));
            }
            if !state.more {
                return Ok(None);
            }
            let page = store
                .list_objects_v2(&state.listing)
                .await
                .map_err(|e| object_error(&e))?;
            state.page = page.objects.into();
            state.more = page.next_continuation_token.is_some();
            state.listing.continuation_token = page.next_continuation_token;
        }
    })
}

struct Pages {
    listing: ListObjects,
    page: VecDeque<ObjectSummary>,
    more: bool,
}

/// A listed object as an item.
fn summary(object: &ObjectSummary) -> Value {
    json!({
        "Etag": object.etag,
        "Key": object.key,
        "LastModified": last_modified(&object.last_modified),
        "Size": object.size,
        "StorageClass": object.storage_class,
    })
}

/// `LastModified` in seconds since the epoch, from a store's seconds or an RFC 3339 timestamp
/// (S3's own); anything else is passed on as given.
fn last_modified(text: &str) -> Value {
    if let Ok(seconds) = text.parse::<i64>() {
        return Value::from(seconds);
    }
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(time) => Value::from(time.timestamp()),
        Err(_) => Value::String(text.to_string()),
    }
}
