//! Manifests: objects that list the data files whose rows are the items.
//!
//! - `InputType: MANIFEST` / `ManifestType: S3_INVENTORY`: an S3 inventory `manifest.json`
//!   (`fileFormat` must be `CSV`; `fileSchema` names the columns, e.g.
//!   `"Bucket, Key, Size, LastModifiedDate"`; `files[].key` are gzip CSV files, without a header
//!   row, in `destinationBucket`). Each row is an item keyed by the schema's columns, every
//!   value a string, as the ItemReader docs show:
//!   `{"LastModifiedDate": "2022-11-16T00:29:32.000Z", "Bucket": "amzn-s3-demo-source-bucket",
//!   "Size": "3399671", "Key": "csvDataset/titles.csv"}`.
//! - `ManifestType: ATHENA_DATA`: an Athena `UNLOAD` manifest, one `s3://bucket/key` per line;
//!   each data file is read per `InputType` (`CSV` — `UNLOAD` writes no header row, so
//!   `CSVHeaders` are normally `GIVEN` — or `JSONL`). Parquet is not read by this crate.
//!
//! The data files are opened one after the other, each only when the previous one is used up.

use async_compression::tokio::bufread::GzipDecoder;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, BufReader};

use super::{
    GetObject, Input, InputType, ItemError, ItemStream, MAX_ITEM_BYTES, ObjectStore, ReaderConfig,
    buffered, cause, csv, failed, io_error, object_error, parse_object, read_line,
};

/// The largest `manifest.json` read (S3 inventory manifests list file keys: small).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// The rows of the data files an S3 inventory `manifest.json` lists.
pub(crate) fn inventory(store: &dyn ObjectStore, get: GetObject) -> ItemStream<'_> {
    stream::once(async move {
        let manifest = match load_inventory(store, &get).await {
            Ok(manifest) => manifest,
            Err(e) => return failed(e),
        };
        let Inventory {
            bucket,
            columns,
            files,
        } = manifest;
        stream::iter(files)
            .map(move |key| inventory_file(store, bucket.clone(), key, columns.clone()))
            .flatten()
            .boxed()
    })
    .flatten()
    .boxed()
}

/// What an inventory manifest says.
struct Inventory {
    /// The bucket of the data files.
    bucket: String,
    /// The data files' columns.
    columns: Vec<String>,
    /// The data files' keys.
    files: Vec<String>,
}

async fn load_inventory(store: &dyn ObjectStore, get: &GetObject) -> Result<Inventory, ItemError> {
    let body = store.get_object(get).await.map_err(|e| object_error(&e))?;
    let mut text = Vec::new();
    body.take(MAX_MANIFEST_BYTES)
        .read_to_end(&mut text)
        .await
        .map_err(|e| io_error(&e))?;
    let manifest: Value = serde_json::from_slice(&text)
        .map_err(|e| ItemError::reader(cause::malformed_manifest(&e.to_string())))?;
    let invalid = |detail: &str| ItemError::reader(cause::malformed_manifest(detail));
    let format = manifest
        .get("fileFormat")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("it has no fileFormat"))?;
    if !format.eq_ignore_ascii_case("CSV") {
        // "The output format of your Amazon S3 inventory report must be CSV." (ItemReader docs)
        return Err(invalid(&format!(
            "the inventory's fileFormat is {format}: only CSV inventories can be read"
        )));
    }
    let columns = manifest
        .get("fileSchema")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("it has no fileSchema"))?
        .split(',')
        .map(|column| column.trim().to_string())
        .collect();
    // `arn:aws:s3:::bucket` (a bucket name has no `:`).
    let bucket = match manifest.get("destinationBucket").and_then(Value::as_str) {
        Some(arn) => arn.rsplit(':').next().unwrap_or(arn).to_string(),
        None => get.bucket.clone(),
    };
    let files = manifest
        .get("files")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("it has no files"))?
        .iter()
        .map(|file| {
            file.get("key")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| invalid("a file has no key"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Inventory {
        bucket,
        columns,
        files,
    })
}

/// The rows of one inventory data file (gunzipped when its key ends in `.gz`).
fn inventory_file(
    store: &dyn ObjectStore,
    bucket: String,
    key: String,
    columns: Vec<String>,
) -> ItemStream<'_> {
    stream::once(async move {
        let get = GetObject {
            bucket,
            key,
            version_id: None,
        };
        match store.get_object(&get).await {
            Ok(body) => {
                let input: Input = if get.key.ends_with(".gz") {
                    let mut decoder = GzipDecoder::new(BufReader::new(body));
                    decoder.multiple_members(true);
                    Box::pin(BufReader::new(decoder))
                } else {
                    buffered(body)
                };
                csv::items(input, Some(columns), b',')
            }
            Err(e) => failed(object_error(&e)),
        }
    })
    .flatten()
    .boxed()
}

/// The items of the data files an Athena `UNLOAD` manifest lists, read per `InputType`.
pub(crate) fn athena<'a>(
    store: &'a dyn ObjectStore,
    get: GetObject,
    config: &'static ReaderConfig,
) -> ItemStream<'a> {
    let input_type = match config.input_type {
        Some(t @ (InputType::Csv | InputType::Json | InputType::Jsonl)) => t,
        _ => {
            return failed(ItemError::reader(cause::malformed_manifest(
                "ManifestType ATHENA_DATA needs InputType CSV or JSONL (PARQUET is not supported)",
            )));
        }
    };
    stream::once(async move {
        let manifest = match store.get_object(&get).await {
            Ok(body) => buffered(body),
            Err(e) => return failed(object_error(&e)),
        };
        // One data file per manifest line, each opened when the previous one is used up.
        stream::try_unfold(manifest, |mut manifest| async move {
            loop {
                let Some(line) = read_line(&mut manifest, MAX_ITEM_BYTES).await? else {
                    return Ok(None);
                };
                let line = String::from_utf8(line)
                    .map_err(|_| ItemError::reader(cause::malformed_manifest("invalid UTF-8")))?;
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                return Ok(Some((s3_uri(line)?, manifest)));
            }
        })
        .map(move |file| match file {
            Ok(get) => parse_object(store, get, input_type, config),
            Err(e) => failed(e),
        })
        .flatten()
        .boxed()
    })
    .flatten()
    .boxed()
}

/// `s3://bucket/key` as a `GetObject`.
fn s3_uri(uri: &str) -> Result<GetObject, ItemError> {
    let invalid = || {
        ItemError::reader(cause::malformed_manifest(&format!(
            "'{uri}' is not an S3 URI"
        )))
    };
    let rest = uri
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("s3://"))
        .and_then(|_| uri.get(5..))
        .ok_or_else(invalid)?;
    match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(GetObject {
            bucket: bucket.to_string(),
            key: key.to_string(),
            version_id: None,
        }),
        _ => Err(invalid()),
    }
}
