//! Where a Distributed Map reads its items and writes its results (MAP-19..23): the
//! `ItemReader` and `ResultWriter` of a Map state, as Step Functions runs them on Amazon S3.
//!
//! Two layers, so that anything can serve items:
//!
//! - An [`ObjectStore`] is S3 as the Map needs it: `GetObject` (a streamed body),
//!   `ListObjectsV2` (pages of object summaries) and `PutObject`. `asl_aws::Aws` implements it
//!   on Amazon S3; [`LocalObjects`] on a directory (bucket = a subdirectory, key = a path under
//!   it); [`MemoryObjects`] in memory (fixtures, tests).
//! - A generated workflow's `Tasks` trait has, for every Map state with an `ItemReader`, a
//!   method `read_<state>(&self, ReadRequest) -> ItemStream` and, with a `ResultWriter`, a
//!   method `write_<state>(&self, PutObject)`. [`read`] and [`write`](fn@write) implement them on any
//!   [`ObjectStore`] exactly as Step Functions reads S3 objects (CSV, JSON, JSONL, MANIFEST,
//!   listObjectsV2); a method written by hand can serve items from anywhere (a database, a
//!   fixture) as a stream of JSON values.
//!
//! Items are streamed: a reader parses the object as its bytes arrive, so a 1,000,000-line
//! JSONL or CSV object is never held whole in memory.

mod local;
mod memory;
mod reader;
mod store;
mod writer;

pub use local::LocalObjects;
pub use memory::MemoryObjects;
pub use reader::read;
pub use store::{
    GetObject, ListObjects, ListPage, ObjectBody, ObjectError, ObjectFuture, ObjectStore,
    ObjectSummary, PutObject,
};
pub(crate) use writer::{ChildResult, ChildStatus, ResultFiles, WriteSpec};

use std::pin::Pin;

use futures_util::Stream;
use serde_json::Value;

/// The items a reader yields, in order; an error ends the stream (`States.ItemReaderFailed`,
/// or the error's own name).
pub type ItemStream<'a> = Pin<Box<dyn Stream<Item = Result<Value, ItemError>> + Send + 'a>>;

/// What an `ItemReader` reads: the request a generated `read_<state>` method receives.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRequest {
    /// The Map state's name.
    pub state: &'static str,
    /// `ItemReader.Resource`'s API.
    pub api: ReadApi,
    /// `ItemReader.Parameters` (JSONPath) or `Arguments` (JSONata), evaluated: `Bucket`,
    /// `Key`, `VersionId`, `Prefix`, … as S3's API spells them.
    pub parameters: Value,
    /// `ItemReader.ReaderConfig` (without `MaxItems`: the Map applies it to the stream).
    pub config: &'static ReaderConfig,
}

/// The S3 API an `ItemReader` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadApi {
    /// `arn:aws:states:::s3:getObject`: one object, parsed per `InputType`.
    GetObject,
    /// `arn:aws:states:::s3:listObjectsV2`: the objects of a bucket (and prefix).
    ListObjectsV2,
}

/// `ItemReader.ReaderConfig`, as compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderConfig {
    /// `InputType` (absent: `None`, as with `listObjectsV2`).
    pub input_type: Option<InputType>,
    /// `CSVHeaderLocation` and `CSVHeaders`.
    pub csv_headers: CsvHeaders,
    /// `CSVDelimiter`.
    pub csv_delimiter: CsvDelimiter,
    /// `ItemsPointer`: a JSON pointer to the array of items in a JSON object.
    pub items_pointer: Option<&'static str>,
    /// `Transformation: LOAD_AND_FLATTEN`: each listed object is read (per `InputType`) and
    /// its items are the items.
    pub load_and_flatten: bool,
    /// `ManifestType` (with `InputType: MANIFEST`).
    pub manifest_type: Option<ManifestType>,
}

/// `ReaderConfig.InputType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// `CSV`: one item per row, an object keyed by header with string values (MAP-20).
    Csv,
    /// `JSON`: a JSON array (or the array `ItemsPointer` names).
    Json,
    /// `JSONL`: one JSON value per line.
    Jsonl,
    /// `MANIFEST`: an S3 inventory manifest; the items are the rows of its data files.
    Manifest,
}

/// `CSVHeaderLocation` (with `CSVHeaders` when `GIVEN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvHeaders {
    /// `FIRST_ROW` (the default): the first row names the columns.
    FirstRow,
    /// `GIVEN`: `CSVHeaders` names them, and every row is data.
    Given(&'static [&'static str]),
}

/// `CSVDelimiter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvDelimiter {
    /// `COMMA` (the default).
    Comma,
    /// `PIPE`.
    Pipe,
    /// `SEMICOLON`.
    Semicolon,
    /// `SPACE`.
    Space,
    /// `TAB`.
    Tab,
}

impl CsvDelimiter {
    /// The delimiter's byte.
    pub fn byte(self) -> u8 {
        match self {
            CsvDelimiter::Comma => b',',
            CsvDelimiter::Pipe => b'|',
            CsvDelimiter::Semicolon => b';',
            CsvDelimiter::Space => b' ',
            CsvDelimiter::Tab => b'\t',
        }
    }
}

/// `ReaderConfig.ManifestType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestType {
    /// `S3_INVENTORY`: an S3 inventory `manifest.json`.
    S3Inventory,
    /// `ATHENA_DATA`: an Athena `UNLOAD` manifest (a list of object URIs).
    AthenaData,
}

/// Why a reader or writer failed: the error name Retry and Catch see (normally
/// `States.ItemReaderFailed` / `States.ResultWriterFailed`) and its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct ItemError {
    /// The error name.
    pub error: String,
    /// The cause.
    pub cause: String,
}

impl ItemError {
    /// `States.ItemReaderFailed` with `cause`.
    pub fn reader(cause: impl Into<String>) -> Self {
        ItemError {
            error: crate::error::names::ITEM_READER_FAILED.to_string(),
            cause: cause.into(),
        }
    }

    /// `States.ResultWriterFailed` with `cause`.
    pub fn writer(cause: impl Into<String>) -> Self {
        ItemError {
            error: crate::error::names::RESULT_WRITER_FAILED.to_string(),
            cause: cause.into(),
        }
    }
}

/// Writes one object of a `ResultWriter` (`manifest.json`, `SUCCEEDED_0.json`, …) to
/// `store`: what a generated `write_<state>` method does by default.
pub fn write<'a>(store: &'a dyn ObjectStore, object: PutObject) -> ObjectFuture<'a, ()> {
    store.put_object(object)
}

/// `ResultWriter.WriterConfig`, as compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// `OutputType`: JSON (the default) or JSONL.
    pub output_type: OutputType,
    /// `Transformation`: NONE (the default), COMPACT or FLATTEN.
    pub transformation: Transformation,
}

/// `WriterConfig.OutputType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputType {
    /// `JSON`: each results file is one JSON array.
    Json,
    /// `JSONL`: each results file holds one JSON value per line.
    Jsonl,
}

/// `WriterConfig.Transformation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transformation {
    /// `NONE`: each child execution's metadata with its input and output.
    None,
    /// `COMPACT`: each child's output only.
    Compact,
    /// `FLATTEN`: the outputs, arrays flattened into one.
    Flatten,
}
