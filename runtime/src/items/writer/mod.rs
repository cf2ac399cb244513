//! A Distributed Map's `ResultWriter` (MAP-23): the results of its child executions, exported to
//! S3 as Step Functions lays them out, or transformed into the state's output (`WriterConfig`
//! alone).
//!
//! The Map runtime creates a [`ResultFiles`] when the Map Run starts, [pushes](ResultFiles::push)
//! each child's [`ChildResult`] as the child ends (in any order), and calls
//! [`finish`](ResultFiles::finish) when the Map Run ends, whether it succeeded or failed (a failed
//! run still exports its `FAILED` and `PENDING` children; the runtime then raises the run's own
//! error and drops the output).
//!
//! Memory does not grow with the results: each child is kept as the bytes it contributes to
//! its file, never as a `Value`, in a [`spool`] that moves to a temporary file past a few
//! MiB (a million-item run's entries are ~85 MB); `finish` reads them back in item order
//! into one file body at a time, allocated at its exact size (known from the spool's
//! index), and hands it to the store by value. The largest allocation is thus one result
//! file's body: a store API taking a stream would remove that too, but it would change
//! every [`ObjectStore`](super::ObjectStore) for a body that is written once, at the end,
//! and that AWS caps at 5 GB per file anyway.
//!
//! # AWS's behaviour, as found
//!
//! From the developer guide, "ResultWriter (Map)"
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html>):
//!
//! - `WriterConfig.Transformation`: `NONE` (each child's metadata with its output unchanged; the
//!   default when exporting without `WriterConfig`), `COMPACT` (the children's outputs; the
//!   default without `ResultWriter`), `FLATTEN` (the outputs, a child's array output spread
//!   into the result array). "If a child workflow execution fails, Step Functions returns its
//!   execution result unchanged", as with `NONE`. `OutputType`: `JSON` (a JSON array) or
//!   `JSONL` (JSON Lines).
//! - `WriterConfig` alone previews: the transformed results are the state's output, nothing is
//!   written. `Resource` and `Parameters` (`Bucket`, `Prefix`) export.
//! - Exported, the Map's output is `{"MapRunArn": …, "ResultWriterDetails": {"Bucket": …,
//!   "Key": "<Prefix>/<map run id>/manifest.json"}}`, where the id is the Map Run ARN's last
//!   `:`-separated part (`…:mapRun:csvProcess/Map:ad9b5f27-…` → `ad9b5f27-…`).
//! - Files under `<Prefix>/<map run id>/`: `manifest.json` (the Map Run ARN, the bucket and the
//!   result files), `SUCCEEDED_<n>.json` (succeeded children), `FAILED_<n>.json` (failed, timed
//!   out and aborted children), `PENDING_<n>.json` (children not started because the Map Run
//!   failed or was aborted); `n` counts from 0. A status without children has no file ("500
//!   success and 200 failure results … creates two files"). A file holds up to 5 GB; past that
//!   the rest goes to the next index (`SUCCEEDED_1.json`).
//! - A `NONE` entry, as the guide shows it: `ExecutionArn`, `Input` and `Output` as JSON text,
//!   `InputDetails`/`OutputDetails` `{"Included": true}`, `Name`, `RedriveCount`,
//!   `RedriveStatus` `NOT_REDRIVABLE` with `RedriveStatusReason` `Execution is SUCCEEDED and
//!   cannot be redriven`, `StartDate`/`StopDate` as `2025-02-04T01:49:50.099Z`,
//!   `StateMachineArn`, `Status`: `DescribeExecution`'s members, PascalCase, in name order.
//! - A bucket in another account or region fails the execution with
//!   `States.ResultWriterFailed`.
//!
//! The manifest's shape — `{"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED": [],
//! "PENDING": [], "SUCCEEDED": [{"Key": "<full key>", "Size": <bytes>}]}}` — is the one AWS wrote
//! as quoted in the description of <https://github.com/localstack/localstack/pull/11381> (its
//! first members also in
//! <https://sigpwned.com/2023/04/27/aws-step-functions-distributed-map-resultwriter-example>,
//! with an output key `garbage/<id>/manifest.json` for the prefix `garbage`). LocalStack
//! (`state_map/result_writer/resource_eval/resource_eval_s3.py`) writes only that manifest,
//! with empty lists, at `<Prefix>/<id>/manifest.json`, adding a `/` after a non-empty prefix
//! that lacks one (an empty prefix puts the id at the bucket's root); its test's empty
//! `SUCCEEDED` list is its own simplification (the PR shows AWS's with `SUCCEEDED_0.json`).
//!
//! Inferred where nothing says more (kept in one place each, to change if a recording shows
//! otherwise):
//!
//! - A failed entry is `DescribeExecution`'s: `Cause` and `Error` when the child has them, no
//!   `Output`, `RedriveStatus` `REDRIVABLE` without a reason (as `DescribeExecution` answers
//!   for a failed execution). A pending entry is `{"Input", "InputDetails", "Status":
//!   "PENDING"}` (no execution exists), as a public emulator's replay of captured AWS results
//!   expects.
//! - Files are compact JSON (no whitespace); JSONL writes each entry on its own line, ending
//!   in a newline; file names keep `.json` for both output types. Dates always carry
//!   milliseconds, as in the guide's examples.
//! - In a preview, failed children keep their `NONE` entry in the array, at their item's
//!   place; pending children have no result.
//! - AWS documents no cause for a failed `PutObject`; the cause is S3's message as the Java
//!   SDK words it elsewhere (`<message> (Service: S3, Status Code: 403)`), see
//!   [`write_failure`].
//! - Redriven Map Runs (whose manifest spans attempts) are not modelled.

// Until the Map runtime (being written alongside) calls this module, only its tests do.

mod entry;
mod spool;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{ItemError, ObjectError, OutputType, PutObject, Transformation, WriterConfig};
use spool::{Reader, Spool};

/// The largest result file AWS writes: 5 GB (S3's limit for one `PutObject`), after which
/// the rest of a status's results go to the next file.
pub(crate) const FILE_LIMIT: usize = 5 * 1024 * 1024 * 1024;

impl Default for WriterConfig {
    /// `ResultWriter` without `WriterConfig`: `NONE` entries in JSON arrays.
    fn default() -> Self {
        WriterConfig {
            output_type: OutputType::Json,
            transformation: Transformation::None,
        }
    }
}

/// Where a Map's `ResultWriter` puts its results: `Parameters`/`Arguments` evaluated, and the
/// compiled `WriterConfig` ([`WriterConfig::default`] without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WriteSpec {
    /// `Bucket`: absent with `WriterConfig` alone (a preview: nothing is written).
    pub(crate) bucket: Option<String>,
    /// `Prefix`: the folder the Map Run's folder goes in.
    pub(crate) prefix: Option<String>,
    /// `WriterConfig`.
    pub(crate) config: WriterConfig,
}

/// How a child execution ended, as the result files group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChildStatus {
    /// `SUCCEEDED`: in `SUCCEEDED_<n>.json`.
    Succeeded,
    /// `FAILED`: in `FAILED_<n>.json`.
    Failed,
    /// `TIMED_OUT`: in `FAILED_<n>.json`.
    TimedOut,
    /// `ABORTED`: in `FAILED_<n>.json`.
    Aborted,
    /// Never started (the Map Run failed first): in `PENDING_<n>.json`.
    #[cfg_attr(not(test), allow(dead_code))]
    Pending,
}

impl ChildStatus {
    /// The status as `DescribeExecution` spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChildStatus::Succeeded => "SUCCEEDED",
            ChildStatus::Failed => "FAILED",
            ChildStatus::TimedOut => "TIMED_OUT",
            ChildStatus::Aborted => "ABORTED",
            ChildStatus::Pending => "PENDING",
        }
    }
}

/// One child execution of a Map Run, as it ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChildResult {
    /// The item's (or batch's) index: results are written in this order.
    pub(crate) index: usize,
    /// The execution's name.
    pub(crate) name: String,
    /// The execution's ARN.
    pub(crate) execution_arn: String,
    /// The ARN of the state machine it ran (the Map Run's).
    pub(crate) state_machine_arn: String,
    /// How it ended.
    pub(crate) status: ChildStatus,
    /// Its input (shared with its running execution's context, not copied).
    pub(crate) input: Arc<Value>,
    /// Its output (succeeded children).
    pub(crate) output: Option<Value>,
    /// The error it failed with.
    pub(crate) error: Option<String>,
    /// The error's cause.
    pub(crate) cause: Option<String>,
    /// When it started (none for a pending child).
    pub(crate) start_date: Option<DateTime<Utc>>,
    /// When it ended.
    pub(crate) stop_date: Option<DateTime<Utc>>,
    /// How often it was redriven.
    pub(crate) redrive_count: u32,
}

impl ChildResult {
    /// A child the Map Run never started: only its input is known. (The Map reads its items
    /// as children start, so it knows no unstarted item when it fails; only tests write
    /// PENDING entries today.)
    #[cfg(test)]
    pub(crate) fn pending(index: usize, input: Arc<Value>) -> Self {
        ChildResult {
            index,
            name: String::new(),
            execution_arn: String::new(),
            state_machine_arn: String::new(),
            status: ChildStatus::Pending,
            input,
            output: None,
            error: None,
            cause: None,
            start_date: None,
            stop_date: None,
            redrive_count: 0,
        }
    }
}

/// The results of one Map Run, collected as its children end and written (or returned) when
/// it ends.
#[derive(Debug)]
pub(crate) struct ResultFiles {
    config: WriterConfig,
    target: Target,
    /// [`FILE_LIMIT`], smaller in tests.
    file_limit: usize,
}

/// Each status's entries are in a [`Spool`]: a child's contribution is its entries serialized,
/// joined by the file's separator (`,` in JSON arrays, a newline in JSONL), by item index.
#[derive(Debug)]
enum Target {
    /// `WriterConfig` alone: the state's output, a JSON array.
    Preview(Spool),
    /// Files in `bucket` under `dir` (`<Prefix>/<map run id>/`).
    Export(Box<Export>),
}

/// An exporting `ResultWriter`'s files in `bucket` under `dir` (`<Prefix>/<map run id>/`).
#[derive(Debug)]
struct Export {
    bucket: String,
    dir: String,
    map_run_arn: String,
    succeeded: Spool,
    failed: Spool,
    pending: Spool,
}

impl ResultFiles {
    /// Results of the Map Run `map_run_arn`, written as `spec` says.
    pub(crate) fn new(spec: WriteSpec, map_run_arn: &str) -> Self {
        let target = match spec.bucket {
            None => Target::Preview(Spool::new(spool::SPILL_AT)),
            Some(bucket) => Target::Export(Box::new(Export {
                bucket,
                dir: run_dir(spec.prefix.as_deref(), map_run_arn),
                map_run_arn: map_run_arn.to_owned(),
                succeeded: Spool::new(spool::SPILL_AT),
                failed: Spool::new(spool::SPILL_AT),
                pending: Spool::new(spool::SPILL_AT),
            })),
        };
        ResultFiles {
            config: spec.config,
            target,
            file_limit: FILE_LIMIT,
        }
    }

    /// The same, with files split past `bytes` (tests).
    #[cfg(test)]
    pub(crate) fn with_file_limit(mut self, bytes: usize) -> Self {
        self.file_limit = bytes;
        self
    }

    /// The same, keeping results in memory up to `bytes` a status, then in a temporary file
    /// (tests; before any push).
    #[cfg(test)]
    pub(crate) fn with_spill_at(mut self, bytes: usize) -> Self {
        match &mut self.target {
            Target::Preview(results) => *results = Spool::new(bytes),
            Target::Export(e) => {
                for s in [&mut e.succeeded, &mut e.failed, &mut e.pending] {
                    *s = Spool::new(bytes);
                }
            }
        }
        self
    }

    /// Records one child's result; a second result for the same index replaces the first.
    pub(crate) fn push(&mut self, child: ChildResult) {
        let transformation = self.config.transformation;
        match &mut self.target {
            Target::Preview(results) => {
                if child.status == ChildStatus::Pending {
                    return;
                }
                let entries = entry::entries(&child, transformation);
                results.put(child.index, &entries, b',');
            }
            Target::Export(e) => {
                let spool = match child.status {
                    ChildStatus::Succeeded => &mut e.succeeded,
                    ChildStatus::Failed | ChildStatus::TimedOut | ChildStatus::Aborted => {
                        &mut e.failed
                    }
                    ChildStatus::Pending => &mut e.pending,
                };
                let separator = match self.config.output_type {
                    OutputType::Json => b',',
                    OutputType::Jsonl => b'\n',
                };
                let entries = entry::entries(&child, transformation);
                spool.put(child.index, &entries, separator);
            }
        }
    }

    /// Ends the Map Run's results: writes the result files and `manifest.json` through `put`
    /// (a generated `write_<state>` method) and returns the Map's output before
    /// `ResultSelector`/`ResultPath`: `{"MapRunArn", "ResultWriterDetails": {"Bucket",
    /// "Key"}}`, or, with `WriterConfig` alone, the transformed results (nothing written).
    ///
    /// A failed write is `States.ResultWriterFailed`; later files are not written.
    pub(crate) async fn finish<F, Fut>(self, put: F) -> Result<Value, ItemError>
    where
        F: Fn(PutObject) -> Fut,
        Fut: Future<Output = Result<(), ObjectError>>,
    {
        match self.target {
            Target::Preview(results) => {
                let (spans, mut results) = results.into_reader().map_err(ItemError::writer)?;
                let body = body(&mut results, &spans, OutputType::Json)?;
                // The bytes are this module's own serialization, so this cannot fail; a
                // failure is still an error, not a panic.
                serde_json::from_slice(&body)
                    .map_err(|e| ItemError::writer(format!("invalid result: {e}")))
            }
            Target::Export(e) => {
                let Export {
                    bucket,
                    dir,
                    map_run_arn,
                    succeeded,
                    failed,
                    pending,
                } = *e;
                let files = Files {
                    bucket: &bucket,
                    dir: &dir,
                    output_type: self.config.output_type,
                    limit: self.file_limit,
                    put: &put,
                };
                let succeeded = files.write("SUCCEEDED", succeeded).await?;
                let failed = files.write("FAILED", failed).await?;
                let pending = files.write("PENDING", pending).await?;
                let manifest = json!({
                    "DestinationBucket": bucket,
                    "MapRunArn": map_run_arn,
                    "ResultFiles": {
                        "FAILED": failed,
                        "PENDING": pending,
                        "SUCCEEDED": succeeded,
                    },
                });
                let key = format!("{dir}manifest.json");
                put(PutObject {
                    bucket: bucket.clone(),
                    key: key.clone(),
                    body: manifest.to_string().into_bytes(),
                })
                .await
                .map_err(|e| write_failure(&e))?;
                Ok(json!({
                    "MapRunArn": map_run_arn,
                    "ResultWriterDetails": { "Bucket": bucket, "Key": key },
                }))
            }
        }
    }
}

/// `<Prefix>/<map run id>/`: the id is the ARN's last `:`-separated part; a `/` is added
/// after a prefix that lacks one, and an empty prefix puts the folder at the bucket's root.
fn run_dir(prefix: Option<&str>, map_run_arn: &str) -> String {
    let id = map_run_arn.rsplit(':').next().unwrap_or(map_run_arn);
    match prefix {
        None | Some("") => format!("{id}/"),
        Some(p) if p.ends_with('/') => format!("{p}{id}/"),
        Some(p) => format!("{p}/{id}/"),
    }
}

/// The size of a file of these items' entries: a JSON array's brackets and commas, or a
/// newline after each JSONL entry.
fn file_size(spans: &[spool::Span], output_type: OutputType) -> usize {
    framed(
        spans.iter().map(|s| s.len()).sum(),
        spans.len(),
        output_type,
    )
}

/// The size of a file of `count` items whose entries take `bytes`.
fn framed(bytes: usize, count: usize, output_type: OutputType) -> usize {
    match output_type {
        OutputType::Json => bytes + count.saturating_sub(1) + 2,
        OutputType::Jsonl => bytes + count,
    }
}

/// The body of a file of these items' entries, read from `results` into a buffer of its
/// exact size.
fn body(
    results: &mut Reader,
    spans: &[spool::Span],
    output_type: OutputType,
) -> Result<Vec<u8>, ItemError> {
    let mut body = Vec::with_capacity(file_size(spans, output_type));
    if output_type == OutputType::Json {
        body.push(b'[');
    }
    for (n, span) in spans.iter().enumerate() {
        if n > 0 && output_type == OutputType::Json {
            body.push(b',');
        }
        results
            .read_into(*span, &mut body)
            .map_err(|e| ItemError::writer(format!("could not read the results back: {e}")))?;
        if output_type == OutputType::Jsonl {
            body.push(b'\n');
        }
    }
    if output_type == OutputType::Json {
        body.push(b']');
    }
    Ok(body)
}

/// `States.ResultWriterFailed` for a `PutObject` that failed. AWS documents no cause text;
/// this is S3's message in the Java SDK's words (without the request ids a store does not
/// give), or the store's code and message without an HTTP status.
pub(crate) fn write_failure(e: &ObjectError) -> ItemError {
    match e.status {
        Some(status) => ItemError::writer(format!(
            "{} (Service: S3, Status Code: {status})",
            e.message
        )),
        None => ItemError::writer(format!("{}: {}", e.code, e.message)),
    }
}

/// Writes one status's result files.
struct Files<'a, F> {
    bucket: &'a str,
    dir: &'a str,
    output_type: OutputType,
    limit: usize,
    put: &'a F,
}

impl<F, Fut> Files<'_, F>
where
    F: Fn(PutObject) -> Fut,
    Fut: Future<Output = Result<(), ObjectError>>,
{
    /// Writes `results` (in index order) to `<STATUS>_0.json`, `<STATUS>_1.json`, …, a new
    /// file when the next child's entries would take one past the limit; returns the
    /// manifest's list of them (`[]` for no results: no file).
    async fn write(&self, status: &str, results: Spool) -> Result<Vec<Value>, ItemError> {
        let (spans, mut results) = results.into_reader().map_err(ItemError::writer)?;
        let mut files = Vec::new();
        for range in self.split(&spans) {
            let body = body(&mut results, &spans[range], self.output_type)?;
            files.push(self.flush(status, files.len(), body).await?);
        }
        Ok(files)
    }

    /// The items of each file: a new file when the next child's entries would take the
    /// current one past the limit (a child alone in its file is written whatever its size).
    fn split(&self, spans: &[spool::Span]) -> Vec<Range<usize>> {
        let mut files = Vec::new();
        let mut start = 0;
        // The entries' bytes in the current file.
        let mut bytes = 0;
        for (i, span) in spans.iter().enumerate() {
            let count = i - start;
            if count > 0 && framed(bytes + span.len(), count + 1, self.output_type) > self.limit {
                files.push(start..i);
                start = i;
                bytes = 0;
            }
            bytes += span.len();
        }
        if start < spans.len() {
            files.push(start..spans.len());
        }
        files
    }

    /// Writes file `n`; its manifest entry.
    async fn flush(&self, status: &str, n: usize, body: Vec<u8>) -> Result<Value, ItemError> {
        let key = format!("{}{status}_{n}.json", self.dir);
        let size = body.len();
        (self.put)(PutObject {
            bucket: self.bucket.to_owned(),
            key: key.clone(),
            body,
        })
        .await
        .map_err(|e| write_failure(&e))?;
        Ok(json!({ "Key": key, "Size": size }))
    }
}
