//! A Distributed Map's `ItemReader` and `ResultWriter` as the Map runs them (MAP-19..23): the
//! compiled specs, the request handed to the generated `read_<state>` method, `MaxItems`, and
//! the reader's and writer's failures as Step Functions names them.

use futures_util::StreamExt as _;
use serde_json::Value;

use super::StateRun;
use super::map::{Count, resolve_count};
use crate::context::ExecutionInfo;
use crate::error::{Failure, names};
use crate::items::{
    ChildResult, ChildStatus, ItemError, ItemStream, ObjectFuture, PutObject, ReadApi, ReadRequest,
    ReaderConfig, ResultFiles, WriteSpec, WriterConfig,
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

/// The ResultWriter's collector for a Map Run: `Bucket` and `Prefix` from its
/// `Parameters`/`Arguments` (MAP-23).
pub(super) fn result_files(
    run: &StateRun,
    effective: &Value,
    spec: &'static WriterSpec,
    map_run_arn: String,
) -> Result<ResultFiles, Failure> {
    let (bucket, prefix) = if spec.export {
        let field = match spec.parameters {
            Some(Args::Jsonata(_)) => "Arguments",
            _ => "Parameters",
        };
        let p = args(run, effective, spec.parameters, field)?;
        let text = |k: &str| match p.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Failure::new(
                names::RESULT_WRITER_FAILED,
                format!("The ResultWriter field {k} must be a string, but was: {other}"),
            )),
        };
        let bucket = text("Bucket")?.ok_or_else(|| {
            Failure::new(
                names::RESULT_WRITER_FAILED,
                "The ResultWriter's Parameters must name a Bucket",
            )
        })?;
        (Some(bucket), text("Prefix")?)
    } else {
        (None, None)
    };
    Ok(ResultFiles::new(
        WriteSpec {
            bucket,
            prefix,
            config: spec.config,
        },
        &map_run_arn,
    ))
}

/// Adds a child's end to the ResultWriter's files.
pub(super) fn push_child(
    files: &std::sync::Mutex<ResultFiles>,
    index: usize,
    info: &ExecutionInfo,
    input: std::sync::Arc<Value>,
    result: &Result<Value, Failure>,
    started: chrono::DateTime<chrono::Utc>,
) {
    let (status, output, error, cause) = match result {
        Ok(v) => (ChildStatus::Succeeded, Some(v.clone()), None, None),
        Err(f) => (
            if f.error == names::TIMEOUT {
                ChildStatus::TimedOut
            } else {
                ChildStatus::Failed
            },
            None,
            Some(f.error.clone()),
            f.cause.clone(),
        ),
    };
    let child = ChildResult {
        index,
        name: info.name().to_string(),
        execution_arn: info.id().to_string(),
        state_machine_arn: info.state_machine_id().to_string(),
        status,
        input,
        output,
        error,
        cause,
        start_date: Some(started),
        stop_date: Some(chrono::Utc::now()),
        redrive_count: 0,
    };
    files.lock().unwrap_or_else(|e| e.into_inner()).push(child);
}

/// Writes the Map Run's result files through the workflow's `write_<state>` method and
/// returns the Map's output (MAP-23).
pub(super) async fn finish_files<T: ?Sized>(
    files: ResultFiles,
    io: &ItemIo<'_, T>,
) -> Result<Value, Failure> {
    let tasks = io.tasks;
    let write = io.write;
    files
        .finish(|object| async move {
            match write {
                Some(w) => w(tasks, object).await,
                None => Err(crate::items::ObjectError::new(
                    "NotImplemented",
                    "this workflow has no write method for its ResultWriter",
                    None,
                )),
            }
        })
        .await
        .map_err(failure)
}

/// A started child for the ResultWriter: one dropped before it ended (the Map Run failed or
/// was stopped while it ran) is written as `ABORTED` (MAP-23).
pub(super) struct ChildEntry<'f> {
    pub(super) files: &'f std::sync::Mutex<ResultFiles>,
    pub(super) index: usize,
    pub(super) info: std::sync::Arc<ExecutionInfo>,
    /// The child's input: its execution's `info.input`, shared (a Distributed Map may have
    /// 10,000 children running, each with a batch of items).
    pub(super) input: Option<std::sync::Arc<Value>>,
    pub(super) started: chrono::DateTime<chrono::Utc>,
}

impl ChildEntry<'_> {
    /// The child ended with `result`.
    pub(super) fn ended(mut self, result: &Result<Value, Failure>) {
        if let Some(input) = self.input.take() {
            push_child(
                self.files,
                self.index,
                &self.info,
                input,
                result,
                self.started,
            );
        }
    }
}

impl Drop for ChildEntry<'_> {
    fn drop(&mut self) {
        if let Some(input) = self.input.take() {
            let child = ChildResult {
                index: self.index,
                name: self.info.name().to_string(),
                execution_arn: self.info.id().to_string(),
                state_machine_arn: self.info.state_machine_id().to_string(),
                status: ChildStatus::Aborted,
                input,
                output: None,
                error: None,
                cause: None,
                start_date: Some(self.started),
                stop_date: Some(chrono::Utc::now()),
                redrive_count: 0,
            };
            self.files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(child);
        }
    }
}
