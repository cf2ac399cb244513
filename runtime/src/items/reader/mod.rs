//! [`read`]: how Step Functions' `ItemReader` turns Amazon S3 objects into a Distributed Map's
//! items (MAP-19..21), on any [`ObjectStore`].
//!
//! - `s3:getObject` reads one object per `ReaderConfig.InputType`: [`csv`] (text delimited,
//!   every value a string), [`json`] (an array, or the array or object `ItemsPointer` names),
//!   [`jsonl`] (one value per line) and [`manifest`] (an S3 inventory or an Athena `UNLOAD`
//!   manifest: the items of the data files it lists). Without `InputType` the object is read as
//!   JSON.
//! - `s3:listObjectsV2` ([`list`]) yields one item per listed object (`Etag`, `Key`,
//!   `LastModified`, `Size`, `StorageClass`), paging lazily; with `LOAD_AND_FLATTEN` it yields
//!   the items of every listed object instead, read per `InputType`.
//!
//! Everything streams: a parser pulls the body's bytes as it needs them, holds at most one item
//! (of at most [`MAX_ITEM_BYTES`]) at a time, and the next page or object is only requested
//! when the previous one is used up; so a `take(n)` on the stream (the Map's `MaxItems`) stops
//! reading S3.
//!
//! Failures are `States.ItemReaderFailed`, and the first one ends the stream. Where AWS's cause
//! is known (a recording, or LocalStack's AWS-validated snapshots) it is given exactly; the
//! other causes are this crate's own wording (see [`cause`]).
//!
//! Sources: <https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html>,
//! <https://docs.aws.amazon.com/step-functions/latest/dg/example-csv-parse-dist-map.html>.

mod csv;
mod json;
mod jsonl;
mod list;
mod manifest;

use std::future::ready;
use std::pin::Pin;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, BufReader};

use super::{
    CsvHeaders, GetObject, InputType, ItemError, ItemStream, ListObjects, ManifestType, ObjectBody,
    ObjectError, ObjectStore, ReadApi, ReadRequest, ReaderConfig,
};

/// The largest item a reader yields, in bytes of the object: Step Functions "supports reading
/// an item of up to 8 MB from a text delimited file, JSON, or JSON Lines file" (ItemReader
/// docs). The 256 KiB limit on a child execution's input applies after `ItemSelector`, in the
/// Map, not here.
pub const MAX_ITEM_BYTES: usize = 8 * 1024 * 1024;

/// An object's bytes, buffered so that parsers can look at them a chunk at a time.
pub(crate) type Input = Pin<Box<dyn AsyncBufRead + Send>>;

/// Reads the items `request` names from `store`, as Step Functions' `ItemReader` reads S3.
///
/// Nothing is requested from `store` until the stream is polled; the first error ends it.
pub fn read(store: &dyn ObjectStore, request: ReadRequest) -> ItemStream<'_> {
    let config = request.config;
    let items = match request.api {
        ReadApi::GetObject => match object_parameters(&request.parameters) {
            Ok(get) => read_object(store, get, config),
            Err(e) => failed(e),
        },
        ReadApi::ListObjectsV2 => match list_parameters(&request.parameters) {
            Ok(listing) if config.load_and_flatten => list::flatten(store, listing, config),
            Ok(listing) => list::summaries(store, listing),
            Err(e) => failed(e),
        },
    };
    stop_at_first_error(items)
}

/// The items of one object, per `config` (`InputType`, `ManifestType`).
fn read_object<'a>(
    store: &'a dyn ObjectStore,
    get: GetObject,
    config: &'static ReaderConfig,
) -> ItemStream<'a> {
    match (config.manifest_type, config.input_type) {
        (Some(ManifestType::AthenaData), _) => manifest::athena(store, get, config),
        (Some(ManifestType::S3Inventory), _) | (None, Some(InputType::Manifest)) => {
            manifest::inventory(store, get)
        }
        (None, input_type) => {
            parse_object(store, get, input_type.unwrap_or(InputType::Json), config)
        }
    }
}

/// Fetches one object (when first polled) and parses it as `input_type`.
fn parse_object<'a>(
    store: &'a dyn ObjectStore,
    get: GetObject,
    input_type: InputType,
    config: &'static ReaderConfig,
) -> ItemStream<'a> {
    stream::once(async move {
        match store.get_object(&get).await {
            Ok(body) => parse_body(buffered(body), input_type, config),
            Err(e) => failed(object_error(&e)),
        }
    })
    .flatten()
    .boxed()
}

/// The items of an object's bytes, parsed as `input_type`.
fn parse_body(
    input: Input,
    input_type: InputType,
    config: &'static ReaderConfig,
) -> ItemStream<'static> {
    match input_type {
        InputType::Csv => {
            let headers = match config.csv_headers {
                CsvHeaders::FirstRow => None,
                CsvHeaders::Given(names) => Some(names.iter().map(|h| h.to_string()).collect()),
            };
            csv::items(input, headers, config.csv_delimiter.byte())
        }
        InputType::Json => json::items(input, config.items_pointer),
        InputType::Jsonl => jsonl::items(input),
        // A manifest's data files are CSV, JSON Lines or Parquet, never manifests.
        InputType::Manifest => failed(ItemError::reader(cause::NESTED_MANIFEST)),
    }
}

/// `body` behind a read buffer.
pub(crate) fn buffered(body: ObjectBody) -> Input {
    Box::pin(BufReader::new(body))
}

/// A stream of the single error `e`.
pub(crate) fn failed<'a>(e: ItemError) -> ItemStream<'a> {
    stream::once(ready(Err(e))).boxed()
}

/// `items`, ended after its first error (a flattened stream would go on to the next object).
fn stop_at_first_error(items: ItemStream<'_>) -> ItemStream<'_> {
    items
        .scan(false, |failed, item| {
            if *failed {
                return ready(None);
            }
            *failed = item.is_err();
            ready(Some(item))
        })
        .boxed()
}

/// `GetObject`'s parameters: `Bucket`, `Key` and optional `VersionId` (`ExpectedBucketOwner`
/// and other S3 members are accepted and not used by a store).
fn object_parameters(parameters: &Value) -> Result<GetObject, ItemError> {
    Ok(GetObject {
        bucket: string_parameter(parameters, "Bucket")?
            .ok_or_else(|| ItemError::reader(cause::missing_parameter("Bucket")))?,
        key: string_parameter(parameters, "Key")?
            .ok_or_else(|| ItemError::reader(cause::missing_parameter("Key")))?,
        version_id: string_parameter(parameters, "VersionId")?,
    })
}

/// `ListObjectsV2`'s parameters: `Bucket` and optional `Prefix`.
fn list_parameters(parameters: &Value) -> Result<ListObjects, ItemError> {
    Ok(ListObjects {
        bucket: string_parameter(parameters, "Bucket")?
            .ok_or_else(|| ItemError::reader(cause::missing_parameter("Bucket")))?,
        prefix: string_parameter(parameters, "Prefix")?,
        continuation_token: None,
    })
}

/// The string member `name` of `parameters` (absent or null: `None`).
fn string_parameter(parameters: &Value, name: &str) -> Result<Option<String>, ItemError> {
    let Value::Object(members) = parameters else {
        return Err(ItemError::reader(cause::PARAMETERS_NOT_OBJECT));
    };
    match members.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ItemError::reader(cause::parameter_not_string(name))),
    }
}

/// An S3 failure as the reader's error.
pub(crate) fn object_error(e: &ObjectError) -> ItemError {
    ItemError::reader(cause::s3(e))
}

/// A failure to read an object's bytes.
pub(crate) fn io_error(e: &std::io::Error) -> ItemError {
    ItemError::reader(cause::read_failed(e))
}

/// Reads one line (without its `\n`) of at most `limit` bytes; `None` at the end.
pub(crate) async fn read_line(
    input: &mut Input,
    limit: usize,
) -> Result<Option<Vec<u8>>, ItemError> {
    let mut line = Vec::new();
    let mut any = false;
    loop {
        let chunk = input.fill_buf().await.map_err(|e| io_error(&e))?;
        if chunk.is_empty() {
            return Ok(any.then_some(line));
        }
        any = true;
        let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => {
                line.extend_from_slice(&chunk[..at]);
                (at + 1, true)
            }
            None => {
                line.extend_from_slice(chunk);
                (chunk.len(), false)
            }
        };
        input.as_mut().consume(used);
        if line.len() > limit {
            return Err(ItemError::reader(cause::item_too_large()));
        }
        if done {
            return Ok(Some(line));
        }
    }
}

/// The causes of reader failures. AWS's own words where known (cited); the others are this
/// crate's, naming what went wrong the way S3 and Step Functions name it.
pub(crate) mod cause {
    use super::ObjectError;

    /// A JSON object's top level (without `ItemsPointer`) or a scalar is not a list of items.
    /// AWS's cause: LocalStack's AWS-validated snapshot
    /// `test_map_item_reader_json_no_json_list_object` (`{"Hello": "world"}`).
    pub const NOT_ITERABLE: &str = "Attempting to map over non-iterable node.";

    /// Two CSV columns with the same name. AWS's cause: LocalStack's AWS-validated snapshot
    /// `test_map_item_reader_csv_headers_decl_duplicate_headers`.
    pub const DUPLICATE_HEADERS: &str = "CSV headers cannot contain duplicates.";

    /// `InputType: MANIFEST` where data files are expected.
    pub const NESTED_MANIFEST: &str =
        "InputType MANIFEST cannot be used to read the data files of a listing or manifest";

    /// `ItemReader.Parameters` (or `Arguments`) evaluated to something other than an object.
    pub const PARAMETERS_NOT_OBJECT: &str = "The ItemReader's parameters must be a JSON object";

    /// A required S3 parameter is missing.
    pub fn missing_parameter(name: &str) -> String {
        format!("The ItemReader's parameters must have the field '{name}'")
    }

    /// An S3 parameter is not a string.
    pub fn parameter_not_string(name: &str) -> String {
        format!("The ItemReader's parameter '{name}' must be a string")
    }

    /// S3 answered with an error (the AWS SDK's rendering of a service error).
    pub fn s3(e: &ObjectError) -> String {
        match e.status {
            Some(status) => format!(
                "{} (Service: S3, Status Code: {status}, Error Code: {})",
                e.message, e.code
            ),
            None => format!("{} (Service: S3, Error Code: {})", e.message, e.code),
        }
    }

    /// The object's bytes could not be read.
    pub fn read_failed(e: &std::io::Error) -> String {
        format!("Failed to read the S3 object: {e}")
    }

    /// An item over [`super::MAX_ITEM_BYTES`].
    pub fn item_too_large() -> String {
        format!(
            "An item exceeds the maximum size of {} bytes that the ItemReader can read",
            super::MAX_ITEM_BYTES
        )
    }

    /// The body is not valid JSON.
    pub fn malformed_json(detail: &str) -> String {
        format!("The S3 object is not valid JSON: {detail}")
    }

    /// A JSON Lines line is not valid JSON.
    pub fn malformed_jsonl(line: usize, detail: &str) -> String {
        format!("Line {line} of the S3 object is not valid JSON: {detail}")
    }

    /// A CSV row cannot be parsed.
    pub fn malformed_csv(row: usize, detail: &str) -> String {
        format!("Row {row} of the S3 object is not valid CSV: {detail}")
    }

    /// `ItemsPointer` names nothing in the object.
    pub fn pointer_not_found(pointer: &str) -> String {
        format!("The ItemsPointer '{pointer}' does not point to a node of the JSON object")
    }

    /// `ItemsPointer` is not a JSON pointer.
    pub fn invalid_pointer(pointer: &str) -> String {
        format!("The ItemsPointer '{pointer}' is not a valid JSON pointer")
    }

    /// A manifest that is not what its `ManifestType` says.
    pub fn malformed_manifest(detail: &str) -> String {
        format!("The manifest is not valid: {detail}")
    }
}
