//! A Distributed Map's `ItemReader` and `ResultWriter` as the Map runs them (MAP-19..23): the
//! compiled specs, the request handed to the generated `read_<state>` method, `MaxItems`, and
//! the reader's and writer's failures as Step Functions names them.

use futures_util::StreamExt as _;
use serde_json::Value;

use super::StateRun;
use super::map::{Count, resolve_count};
use crate::error::{Failure, names};
use crate::items::{
    ItemError, ItemStream, ObjectFuture, PutObject, ReadApi, ReadRequest, ReaderConfig,
    WriterConfig,
};
use crate::jsonata;
use crate::lang::template::{self, Template};

/// `Parameters` (JSONPath) or `Arguments` (JSONata) of an `ItemReader` or `ResultWriter`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Args {
    /// A JSONPath payload template.
    Template(&'static Template),
    /// A JSONata value.
    Jsonata(&'static jsonata::Template),
}

/// A compiled `ItemReader`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReaderSpec {
    /// The S3 API of its `Resource`.
    pub api: ReadApi,
    /// `Parameters` / `Arguments`.
    pub parameters: Option<Args>,
    /// `ReaderConfig`.
    pub config: ReaderConfig,
    /// `ReaderConfig.MaxItems(Path)`.
    pub max_items: Count,
}

/// A compiled `ResultWriter`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriterSpec {
    /// It has a `Resource`: results are written to objects (else `WriterConfig` only shapes
    /// the Map's output).
    pub export: bool,
    /// `Parameters` / `Arguments` (`Bucket`, `Prefix`).
    pub parameters: Option<Args>,
    /// `WriterConfig`.
    pub config: WriterConfig,
}

/// How a Map state reaches its workflow's `read_<state>` and `write_<state>` methods.
pub struct ItemIo<'t, T: ?Sized> {
    /// The workflow's handlers.
    pub tasks: &'t T,
    /// `Tasks::read_<state>`, when the Map has an `ItemReader`.
    pub read: Option<for<'a> fn(&'a T, ReadRequest) -> ItemStream<'a>>,
    /// `Tasks::write_<state>`, when the Map has an exporting `ResultWriter`.
    pub write: Option<for<'a> fn(&'a T, PutObject) -> ObjectFuture<'a, ()>>,
}

impl<T: ?Sized> ItemIo<'_, T> {
    /// Writes one object of the Map's results.
    pub(super) async fn put(&self, object: PutObject) -> Result<(), ItemError> {
        let Some(write) = self.write else {
            return Err(ItemError::writer("no write method for this ResultWriter"));
        };
        let (bucket, key) = (object.bucket.clone(), object.key.clone());
        write(self.tasks, object).await.map_err(|e| {
            ItemError::writer(format!(
                "Failed to write to S3 (bucket: {bucket}, key: {key}): {} ({})",
                e.message, e.code
            ))
        })
    }
}

/// Evaluates `Parameters`/`Arguments` against the effective input.
pub(super) fn args(
    run: &StateRun,
    effective: &Value,
    a: Option<Args>,
    field: &str,
) -> Result<Value, Failure> {
    match a {
        None => Ok(Value::Object(Default::default())),
        Some(Args::Template(t)) => template::eval(t, &run.roots(effective)),
        Some(Args::Jsonata(t)) => jsonata::template(t, &run.scope(effective), field),
    }
}

/// The reader's `MaxItems`: `None` for no limit (0 or absent, VAL-27). A value that is not an
/// integer fails as the state's `States.Runtime` before the Map Run starts (recorded:
/// `itemreader/csv/map_item_reader_csv_max_items_paths_1_5`).
pub(super) fn max_items(
    run: &StateRun,
    effective: &Value,
    spec: &ReaderSpec,
) -> Result<Option<f64>, Failure> {
    resolve_count(run, effective, spec.max_items, "MaxItemsPath", true)
}

/// Opens the reader's stream: the items, at most `MaxItems` of them. A negative `MaxItems`
/// fails the Map Run with `States.ItemReaderFailed` (recorded:
/// `itemreader/csv/map_item_reader_csv_max_items_paths_-1`).
pub(super) fn open<'a, T: ?Sized>(
    run: &StateRun,
    io: &ItemIo<'a, T>,
    spec: &'static ReaderSpec,
    parameters: Value,
    max: Option<f64>,
) -> Result<ItemStream<'a>, Failure> {
    if max.is_some_and(|m| m < 0.0) {
        return Err(Failure::new(
            names::ITEM_READER_FAILED,
            "field MaxItems must be positive",
        ));
    }
    let Some(read) = io.read else {
        return Err(Failure::new(
            names::ITEM_READER_FAILED,
            "no read method for this ItemReader",
        ));
    };
    let request = ReadRequest {
        state: run.name,
        api: spec.api,
        parameters,
        config: &spec.config,
    };
    let stream = read(io.tasks, request);
    Ok(match max {
        Some(m) if m >= 1.0 => Box::pin(stream.take(m as usize)),
        _ => stream,
    })
}

/// A reader's or writer's error as the Map's failure.
pub(super) fn failure(e: ItemError) -> Failure {
    Failure::new(e.error, e.cause)
}

/// `Integrated::read_<state>`'s default: reads from the services' object store.
pub fn read_items<S: crate::items::ObjectStore>(store: &S, request: ReadRequest) -> ItemStream<'_> {
    crate::items::read(store, request)
}

/// `Integrated::write_<state>`'s default: writes to the services' object store.
pub fn write_items<S: crate::items::ObjectStore>(
    store: &S,
    object: PutObject,
) -> ObjectFuture<'_, ()> {
    crate::items::write(store, object)
}
