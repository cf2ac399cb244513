//! Map states (MAP-*): items, concurrency, tolerated failures, batching, durable progress.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use futures_util::stream::{self, BoxStream, StreamExt as _};
use serde_json::Value;

use super::items::{self, ItemIo, ReaderSpec, WriterSpec};
use super::map_run::{MapRun, MapRunStatus, Tracker};
use super::{
    BoxFuture, Catcher, Exec, INLINE_CONCURRENCY, Io, Outcome, PathField, Progress, Retrier,
    StateRun, apply_result_ref, json_len, select_io,
};
use crate::error::{Failure, names};
use crate::jsonata;
use crate::lang::jsonpath::{self, Path, Roots};
use crate::lang::template::{self, Template};

/// The bytes of input a durable Map's unfinished iterations may hold (see `map_attempt`).
const DURABLE_INFLIGHT_BYTES: usize = 4 * 1024 * 1024;

/// A number given literally or by a Reference Path (`MaxConcurrency`, tolerances).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Count {
    /// Not given.
    Default,
    /// A literal.
    Literal(f64),
    /// A path.
    Path(&'static Path),
    /// A JSONata expression.
    Expr(&'static jsonata::Expr),
}

/// A Map's `ItemBatcher` (MAP-22): iterations get `{"BatchInput": …, "Items": [...]}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batcher {
    /// `MaxItemsPerBatch(Path)`.
    pub max_items: Count,
    /// `MaxInputBytesPerBatch(Path)`.
    pub max_bytes: Count,
    /// `BatchInput`.
    pub batch_input: Option<BatchInput>,
}

/// `BatchInput`, in the state's query language.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchInput {
    /// A JSONPath template.
    Template(&'static Template),
    /// A JSONata value.
    Jsonata(&'static jsonata::Template),
}

/// A compiled Map state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapSpec {
    /// Data flow (`Parameters` is not used: see `item_selector`).
    pub io: Io,
    /// `ItemsPath`.
    pub items_path: Option<&'static Path>,
    /// `ItemSelector` / `Parameters`.
    pub item_selector: Option<&'static Template>,
    /// JSONata `Items` (MAP-4).
    pub items: Option<&'static jsonata::Template>,
    /// JSONata `ItemSelector`.
    pub item_selector_jsonata: Option<&'static jsonata::Template>,
    /// `ItemBatcher` (MAP-22).
    pub batcher: Option<&'static Batcher>,
    /// `MaxConcurrency(Path)`.
    pub max_concurrency: Count,
    /// `ToleratedFailureCount(Path)`.
    pub tolerated_failure_count: Count,
    /// `ToleratedFailurePercentage(Path)`.
    pub tolerated_failure_percentage: Count,
    /// `Retry`.
    pub retry: &'static [Retrier],
    /// `Catch`.
    pub catch: &'static [Catcher],
    /// `ProcessorConfig.Mode: DISTRIBUTED` (iterations run as a Map Run).
    pub distributed: bool,
    /// `ProcessorConfig.ExecutionType: EXPRESS`: child executions are Express ones.
    pub child_express: bool,
    /// `Label` (MAP-18): names the Map Run in its ARN in place of the state's name.
    pub label: Option<&'static str>,
    /// `ItemReader` (MAP-19).
    pub reader: Option<&'static ReaderSpec>,
    /// `ResultWriter` (MAP-23).
    pub writer: Option<&'static WriterSpec>,
}

pub(super) fn resolve_count(
    run: &StateRun,
    input: &Value,
    c: Count,
    field: &str,
    integer: bool,
) -> Result<Option<f64>, Failure> {
    match c {
        Count::Default => Ok(None),
        Count::Literal(n) => Ok(Some(n)),
        Count::Expr(e) => {
            let field = field.trim_end_matches("Path");
            let v = jsonata::typed(e, &run.scope(input), field, "number")?;
            let n = v.as_f64().unwrap_or(0.0);
            if integer && n.fract() != 0.0 {
                return Err(Failure::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!(
                        "The JSONata expression '{}' specified for the field '{field}' returned \
                         an unexpected result type. Expected 'integer', but was 'number' for \
                         value: {v}",
                        e.text
                    ),
                ));
            }
            Ok(Some(n))
        }
        Count::Path(p) => {
            let v = template::path_value(p, &run.roots(input), field)?;
            // AWS also reads numbers written as strings ("1").
            let number = match &v {
                Value::String(text) => text.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            };
            let n = if integer {
                number.filter(|n| n.fract() == 0.0)
            } else {
                number
            };
            n.map(Some).ok_or_else(|| {
                Failure::runtime(format!(
                    "The {field} field refers to value \"{}\" which is not a valid {}: {}",
                    match &v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                    if integer { "integer" } else { "float" },
                    p.text
                ))
            })
        }
    }
}

/// Runs a Map state: items from `ItemsPath` (or its `ItemReader`), each through
/// `ItemSelector` and the processor (`iterate`), at most `MaxConcurrency` at once, results in
/// item order (MAP-3..14, MAP-19..24).
pub async fn map<T, I>(
    run: &mut StateRun,
    raw: Value,
    spec: &'static MapSpec,
    io: ItemIo<'_, T>,
    iterate: I,
) -> Result<Outcome, Failure>
where
    T: ?Sized + Sync,
    I: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    // AWS records the Map's failure only when its iterations failed, not when the Map could
    // not start (a bad `…Path` value).
    let iterated = std::sync::atomic::AtomicBool::new(false);
    let io = &io;
    let outcome = retrying!(
        run,
        raw,
        spec,
        map_attempt(run, &raw, spec, io, &iterate, &iterated)
    );
    // A JSONata Map also records its failure when `Items` could not be evaluated.
    if (iterated.load(std::sync::atomic::Ordering::Relaxed) || spec.io.jsonata)
        && !matches!(outcome, Ok(Outcome::Done(_)))
    {
        // A Distributed Map's Map Run recorded its own failure (`MapRunFailed`) when it ended.
        run.record("MapStateFailed");
    }
    outcome
}

/// A Map's items as they come: borrowed from the input, computed, or read by its
/// `ItemReader`; an error ends them.
type ItemSource<'a> = BoxStream<'a, Result<Cow<'a, Value>, Failure>>;

pub(super) async fn map_attempt<T, I>(
    run: &StateRun,
    raw: &Value,
    spec: &'static MapSpec,
    io: &ItemIo<'_, T>,
    iterate: &I,
    iterated: &std::sync::atomic::AtomicBool,
) -> Result<Value, Failure>
where
    T: ?Sized + Sync,
    I: Fn(usize, Value, Arc<Exec>) -> BoxFuture<'static, Result<Value, Failure>> + Send + Sync,
{
    // The items are read where they are: an iteration copies its own item when it starts,
    // so memory follows MaxConcurrency, not the number of items.
    let effective: Cow<'_, Value> = match spec.io.input_path {
        PathField::Default => Cow::Borrowed(raw),
        _ => Cow::Owned(select_io(run, raw, &spec.io.input_path)?),
    };
    let effective: &Value = &effective;
    let probe = run.probe.as_ref();
    if let Some(p) = probe
        && !spec.io.jsonata
    {
        p.after_input_path(effective);
    }
    // With an ItemReader the items are the reader's: AWS ignores `ItemsPath` beside it
    // (recorded: itemreader/json/map_item_reader_base_json_with_items_path_*). TestState's
    // `mapItemReaderData` stands for what the reader would read.
    let inline: Option<Items<'_>> = match (spec.reader, probe.and_then(|p| p.reader_data())) {
        (Some(_), Some(data)) => Some(Items::Owned(data.clone().into_iter())),
        (Some(_), None) => None,
        (None, _) => Some(inline_items(run, effective, spec)?),
    };
    let max = resolve_count(
        run,
        effective,
        spec.max_concurrency,
        "MaxConcurrencyPath",
        true,
    )?
    .map_or(0, |n| n.max(0.0) as usize);
    // The number of items is known up front only without a reader (AWS records 0 then).
    let known = inline.as_ref().map(ExactSizeIterator::len);
    run.record_with(
        "MapStateStarted",
        || serde_json::json!({ "length": known.unwrap_or(0) }),
    );
    let reading = match spec.reader.filter(|_| inline.is_none()) {
        Some(r) => {
            let field = match r.parameters {
                Some(items::Args::Jsonata(_)) => "Arguments",
                _ => "Parameters",
            };
            let parameters = items::args(run, effective, r.parameters, field)?;
            Some((r, parameters, items::max_items(run, effective, r)?))
        }
        None => None,
    };
    let tolerated_count = resolve_count(
        run,
        effective,
        spec.tolerated_failure_count,
        "ToleratedFailureCountPath",
        true,
    )?;
    let tolerated_pct = resolve_count(
        run,
        effective,
        spec.tolerated_failure_percentage,
        "ToleratedFailurePercentagePath",
        false,
    )?;
    if let Some(p) = tolerated_pct
        && !(0.0..=100.0).contains(&p)
    {
        return Err(Failure::runtime(
            "ToleratedFailurePercentage must be between 0 and 100.",
        ));
    }
    if let Some(c) = tolerated_count
        && c < 0.0
    {
        return Err(Failure::runtime(
            "ToleratedFailureCount cannot be negative.",
        ));
    }
    if let Some(p) = probe {
        p.map_limits(max, tolerated_count, tolerated_pct);
        // TestState with a mock: the iterations' results without running them.
        let tolerance = Some((known.unwrap_or(0), tolerated_count, tolerated_pct));
        if let Some(answer) = p.container_answer("Map", tolerance) {
            return apply_result_ref(run, raw, answer?, &spec.io);
        }
    }
    let progress = Progress::of(run);
    // A durable execution names its Map Run after the execution and the Map's visit, so a
    // resumed or redriven Map finds the Map Run (and the children) it started.
    let durable_key = progress
        .durable
        .as_ref()
        .map(|(_, scope)| format!("{}/{scope}", run.exec.info.id()));
    let uuid = |what: &str| match &durable_key {
        Some(key) => uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            format!("{key}#{what}").as_bytes(),
        ),
        None => uuid::Uuid::new_v4(),
    };
    // The Map Run's label: `Label`, or one generated (MAP-18; a UUID, as AWS's ARNs show).
    let generated_label;
    let run_label: &str = match spec.label {
        Some(l) => l,
        None => {
            generated_label = uuid("label").to_string();
            &generated_label
        }
    };
    // On a durable engine, a top-level Distributed Map's STANDARD children are stored
    // executions that any worker runs (MAP-17).
    let engine = match &run.exec.journal {
        Some(j) if spec.distributed && run.exec.durable() => j.engine(),
        _ => None,
    };
    let stored_children = engine.as_ref().filter(|e| {
        !spec.child_express && e.runs_map_children(run.exec.info.state_machine_name(), run.name)
    });
    let run_uuid = uuid("run");
    let durable = durable_key.is_some();
    let tracker = spec.distributed.then(|| {
        Tracker::start(
            &run.exec,
            run.name,
            MapRun {
                map_run_arn: map_run_arn(run, run_label, run_uuid),
                execution_arn: run.exec.info.id().to_string(),
                status: MapRunStatus::Running,
                start_date: chrono::Utc::now(),
                stop_date: None,
                max_concurrency: max as u64,
                tolerated_failure_count: tolerated_count.map_or(0, |c| c as u64),
                tolerated_failure_percentage: tolerated_pct.unwrap_or(0.0),
                item_counts: Default::default(),
                execution_counts: Default::default(),
                redrive_count: 0,
                redrive_date: None,
            },
        )
    });
    if let Some(t) = &tracker {
        // A redriven execution redrives the Map Run it had started (recorded as
        // `MapRunRedriven`); a resumed one continues it.
        let stored = match &engine {
            Some(e) => e.stored_map_run(&t.arn()).await,
            None => None,
        };
        match stored {
            Some(prev) if run.exec.info.redrive_count > prev.redrive_count => {
                let count = prev.redrive_count + 1;
                t.redriven(prev.start_date, count);
                run.record_with(
                    "MapRunRedriven",
                    || serde_json::json!({ "mapRunArn": t.arn(), "redriveCount": count }),
                );
            }
            Some(prev) => {
                t.resumed(prev.start_date, prev.redrive_count, prev.redrive_date);
                run.record_with(
                    "MapRunStarted",
                    || serde_json::json!({ "mapRunArn": t.arn() }),
                );
            }
            None => {
                run.record_with(
                    "MapRunStarted",
                    || serde_json::json!({ "mapRunArn": t.arn() }),
                );
            }
        }
        if let (Some(e), Some(snapshot)) = (&engine, t.snapshot()) {
            e.put_map_run(&snapshot, &child_machine_arn(run, run_label))
                .await;
        }
    }
    iterated.store(true, std::sync::atomic::Ordering::Relaxed);
    let tracker = tracker.as_ref();
    // A ResultWriter collects each child's result as it ends (MAP-23).
    let collected = match spec.writer {
        Some(w) => Some(Mutex::new(items::result_files(
            run,
            effective,
            w,
            tracker.map(Tracker::arn).unwrap_or_default(),
        )?)),
        None => None,
    };
    let files = collected.as_ref();
    let result = async {
        let source: ItemSource<'_> = match (inline, reading) {
            (Some(items), _) => stream::iter(items.map(Ok)).boxed(),
            (None, Some((r, parameters, max))) => items::open(run, io, r, parameters, max)?
                .map(|item| item.map(Cow::Owned).map_err(items::failure))
                .boxed(),
            (None, None) => stream::empty().boxed(),
        };
        // "No limit" runs as AWS does: an inline Map about 40 iterations at once, a distributed
        // one up to 10,000 (MAP-9); this also bounds memory by concurrency, not item count.
        let unlimited = if spec.distributed {
            10_000
        } else {
            INLINE_CONCURRENCY
        };
        let limit = if max == 0 { unlimited } else { max }.max(1);
        let name = run.name;
        let distributed = spec.distributed;
        let exec = Arc::clone(&run.exec);
        let progress = &progress;
        let span = &run.span;
        let select = move |index: usize, item: Cow<'_, Value>| -> Result<Value, Failure> {
            match (spec.item_selector_jsonata, spec.item_selector) {
                (Some(t), _) => {
                    let scope = jsonata::Scope {
                        map_item: Some((index, &item)),
                        ..run.scope(effective)
                    };
                    jsonata::template(t, &scope, "ItemSelector")
                }
                (None, Some(t)) => {
                    let roots = Roots {
                        input: effective,
                        context: run,
                        variables: Some(&run.vars),
                        map: Some(jsonpath::MapItem {
                            index,
                            value: &item,
                        }),
                    };
                    template::eval(t, &roots)
                }
                (None, None) => Ok(item.into_owned()),
            }
        };
        // Iteration inputs: built as iterations start, so memory follows MaxConcurrency; with an
        // ItemBatcher, batches of the selected items, also built as they are needed.
        let selected = source
            .enumerate()
            .map(move |(i, item)| item.and_then(|item| select(i, item)));
        let prepared: BoxStream<'_, Result<Value, Failure>> = match spec.batcher {
            None => selected.boxed(),
            Some(b) => super::batch::batches(run, effective, b, selected.boxed())?,
        };
        // How many iterations there are, counted as they are prepared (for the percentage).
        let total = std::sync::atomic::AtomicUsize::new(0);
        let total = &total;
        // A durable Map's iterations wait for their results to be committed, and commits are
        // slower than reading: the inputs of unfinished iterations are held to a byte budget,
        // so the next item is read only when one commits (memory stays bounded by the budget,
        // not by MaxConcurrency × the batch size).
        // (Stored children are not held: their inputs are in the store, and they may run long.)
        let budget = (progress.durable.is_some() && stored_children.is_none())
            .then(|| Arc::new(tokio::sync::Semaphore::new(DURABLE_INFLIGHT_BYTES)));
        let prepared = prepared.then(move |input| {
            let budget = budget.clone();
            async move {
                let permit = match (&budget, &input) {
                    (Some(b), Ok(v)) => {
                        let n =
                            json_len(v, DURABLE_INFLIGHT_BYTES).clamp(1, DURABLE_INFLIGHT_BYTES);
                        Arc::clone(b).acquire_many_owned(n as u32).await.ok()
                    }
                    _ => None,
                };
                (input, permit)
            }
        });
        let inputs = prepared.enumerate().map(|(index, (input, permit))| {
            let exec = Arc::clone(&exec);
            total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move {
                let _permit = permit;
                // An ItemSelector (or reader) that fails is the Map's own failure, not an
                // iteration's.
                let input = match input {
                    Ok(i) => i,
                    Err(f) => return (index, Err(f), false),
                };
                if let Some(v) = progress.replay(&exec, index) {
                    // A child that ended before the restart is written with the others (its
                    // name is derived from the Map Run and index, as when it ran).
                    if let Some(files) = files
                        && distributed
                    {
                        let name = uuid::Uuid::new_v5(&run_uuid, index.to_string().as_bytes());
                        let info = exec.info.map_child(
                            run_label,
                            Some(name.to_string()),
                            Arc::new(input),
                            spec.child_express,
                        );
                        let ok = Ok(v.clone());
                        items::push_child(
                            files,
                            index,
                            &info,
                            info.shared_input(),
                            &ok,
                            info.start_time(),
                        );
                    }
                    return (index, Ok(v), true);
                }
                // A batch counts its items (MAP-22).
                let items = match (&input, spec.batcher) {
                    (Value::Object(m), Some(_)) => m
                        .get("Items")
                        .and_then(Value::as_array)
                        .map_or(1, |a| a.len() as u64),
                    _ => 1,
                };
                if let Some(t) = tracker {
                    t.started(items);
                }
                let started = chrono::Utc::now();
                // A distributed iteration is a child execution with a history of its own.
                let target = if distributed {
                    // A stored child is named after its Map Run and index: found again when
                    // the Map resumes.
                    let child_name = durable.then(|| {
                        uuid::Uuid::new_v5(&run_uuid, index.to_string().as_bytes()).to_string()
                    });
                    let info = exec.info.map_child(
                        run_label,
                        child_name,
                        Arc::new(input.clone()),
                        spec.child_express,
                    );
                    exec.child_at(&progress.label(name, index), Arc::new(info))
                } else {
                    progress.target(&exec, index)
                };
                // What a ResultWriter writes of the child besides its result.
                let entry = files.map(|files| items::ChildEntry {
                    files,
                    index,
                    info: Arc::clone(&target.info),
                    input: Some(if distributed {
                        target.info.shared_input()
                    } else {
                        Arc::new(input.clone())
                    }),
                    started,
                });
                if !distributed {
                    target.record_with(
                        "MapIterationStarted",
                        Some(name),
                        || serde_json::json!({ "index": index, "name": name }),
                    );
                }
                let r = match (stored_children, tracker) {
                    // A child execution's input is at most 256 KiB (MAP-26): the child fails
                    // (its item may be larger before `ItemSelector`/`ItemBatcher` shrink it).
                    _ if distributed && super::data::too_large(&input) => Err(Failure::new(
                        names::DATA_LIMIT_EXCEEDED,
                        format!(
                            "The input of the child execution for item {index} of Map state \
                             '{name}' exceeds the maximum number of bytes service limit."
                        ),
                    )),
                    (Some(engine), Some(t)) => {
                        let child = crate::durable::map_run::MapChild {
                            workflow: exec.info.state_machine_name().to_string(),
                            scope: name,
                            map_run: t.arn(),
                            info: (*target.info).clone(),
                            items,
                            redrive_count: exec.info.redrive_count,
                        };
                        drop(input);
                        // The parent's history shows its Map Run while the children run.
                        exec.publishing(std::pin::pin!(engine.run_map_child(child)))
                            .await
                    }
                    _ => {
                        tracing::Instrument::instrument(
                            iterate(index, input, Arc::clone(&target)),
                            tracing::debug_span!(parent: span, "iteration", index),
                        )
                        .await
                    }
                };
                if !distributed {
                    target.record_with(
                        if r.is_ok() {
                            "MapIterationSucceeded"
                        } else {
                            "MapIterationFailed"
                        },
                        Some(name),
                        || serde_json::json!({ "index": index, "name": name }),
                    );
                }
                if let Some(t) = tracker {
                    let timed_out = matches!(&r, Err(f) if f.error == names::TIMEOUT);
                    t.ended(items, r.is_ok(), timed_out);
                }
                if let Some(entry) = entry {
                    entry.ended(&r);
                }
                if let Err(f) = progress.finished(index, &r, &target).await {
                    return (index, Err(f), false);
                }
                (index, r, true)
            }
        });
        // Iterations finish in any order: a slot frees as soon as one ends, the first failure in
        // time decides, and results are put back in item order (MAP-8, MAP-9, MAP-10).
        // Boxed: the stream's closure borrows the items, and an unboxed one trips the compiler's
        // proof that the workflow's future is `Send` for every lifetime (tokio::spawn needs it).
        let results: BoxStream<'_, _> = inputs.buffer_unordered(limit).boxed();
        tokio::pin!(results);
        // `"ResultPath": null` with nothing else reading the result: the iterations' outputs are
        // not kept, so memory stays bounded by the concurrency.
        let keep = files.is_none()
            && !(spec.io.result_path == PathField::Null
                && spec.io.result_selector.is_none()
                && spec.io.assign.is_none()
                && !spec.io.jsonata);
        let mut outputs: Vec<Option<Value>> = Vec::new();
        if keep && let Some(n) = known {
            outputs.reserve(n);
        }
        let mut failures = 0usize;
        let thresholds = tolerated_count.is_some() || tolerated_pct.is_some();
        let exceeded = || {
            Failure::new(
                names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold was exceeded",
            )
        };
        while let Some((index, r, iteration)) = results.next().await {
            let value = match r {
                Ok(v) => v,
                // An interruption is not the iteration's failure: nothing tolerates it.
                Err(f) if !iteration || f.is_interrupted() => return Err(f),
                Err(f) => {
                    failures += 1;
                    if !thresholds {
                        return Err(f);
                    }
                    // Either threshold exceeded fails the Map (MAP-24). The percentage is of all
                    // items: decided now when their number is known, else once all are read.
                    if tolerated_count.is_some_and(|c| failures as f64 > c)
                        || (known.is_some()
                            && tolerated_pct.is_some_and(|p| {
                                (failures as f64) * 100.0 / (known.unwrap_or(1).max(1) as f64) > p
                            }))
                    {
                        return Err(exceeded());
                    }
                    f.to_error_output()
                }
            };
            if keep {
                if outputs.len() <= index {
                    outputs.resize_with(index + 1, || None);
                }
                outputs[index] = Some(value);
            }
        }
        let total = total.load(std::sync::atomic::Ordering::Relaxed);
        if known.is_none()
            && failures > 0
            && tolerated_pct.is_some_and(|p| (failures as f64) * 100.0 / (total.max(1) as f64) > p)
        {
            return Err(exceeded());
        }
        if keep && outputs.len() < total {
            outputs.resize_with(total, || None);
        }
        Ok(outputs)
    }
    .await;
    // The writer writes what the children did even when the Map Run failed; the run's own
    // error is the Map's then. An interrupted (durable) Map writes nothing: it resumes.
    let interrupted = matches!(&result, Err(f) if f.is_interrupted());
    let written = match collected.filter(|_| !interrupted) {
        Some(f) => {
            let files = f.into_inner().unwrap_or_else(|e| e.into_inner());
            Some(items::finish_files(files, io).await)
        }
        None => None,
    };
    let output = result.and_then(|outputs| match written {
        Some(w) => w,
        None => Ok(Value::Array(
            outputs.into_iter().map(Option::unwrap_or_default).collect(),
        )),
    });
    // A Map Run whose Map fails is FAILED, with its error (recorded:
    // itemreader/csv/map_item_reader_csv_max_items_paths_-1); one dropped unfinished (a
    // stopped execution) is ABORTED by the tracker itself.
    if let Some(t) = tracker {
        match &output {
            Ok(_) => t.finish(MapRunStatus::Succeeded),
            Err(f) if f.is_interrupted() => {}
            Err(f) => {
                t.finish(MapRunStatus::Failed);
                run.record_with("MapRunFailed", || {
                    serde_json::json!({ "error": f.error, "cause": f.cause.clone().unwrap_or_default() })
                });
            }
        }
        let ended = !matches!(&output, Err(f) if f.is_interrupted());
        // A Map that ends without some of its stored children aborts them (a failure, a
        // tolerance exceeded), as AWS does.
        if let (true, Some(e), Err(_)) = (ended, stored_children, &output)
            && let Err(err) = e.stop_map_run_children(&t.arn()).await
        {
            tracing::warn!(map_run = %t.arn(), error = %err, "stopping the Map Run's children failed");
        }
        if let (true, Some(e), Some(snapshot)) = (ended, &engine, t.snapshot()) {
            e.put_map_run(&snapshot, &child_machine_arn(run, run_label))
                .await;
        }
    }
    let output = output?;
    if spec.distributed {
        run.record("MapRunSucceeded");
    }
    run.record("MapStateSucceeded");
    apply_result_ref(run, raw, output, &spec.io)
}

/// The items of a Map without a reader: `ItemsPath` or JSONata `Items` on the effective input.
fn inline_items<'a>(
    run: &'a StateRun,
    effective: &'a Value,
    spec: &MapSpec,
) -> Result<Items<'a>, Failure> {
    let items_value: Cow<'_, Value> = match (spec.items, spec.items_path) {
        (Some(jsonata::Template::Expr(e)), _) => {
            Cow::Owned(jsonata::typed(e, &run.scope(effective), "Items", "array")?)
        }
        (Some(t), _) => Cow::Owned(jsonata::template(t, &run.scope(effective), "Items")?),
        (None, Some(p)) => match jsonpath::select(p, &run.roots(effective)) {
            Ok(jsonpath::Selection::One(v)) => v,
            _ => Cow::Owned(template::path_value(p, &run.roots(effective), "ItemsPath")?),
        },
        (None, None) => Cow::Borrowed(effective),
    };
    if let Some(p) = &run.probe
        && spec.items.is_none()
    {
        match (&*items_value, spec.items_path) {
            (Value::Array(_), _) => p.after_items_path(&items_value),
            // TestState words this failure its own way (recorded:
            // teststate/context_object/state_map_context_object_ALL): the path as given, with
            // one `$` less when it reads the context object.
            (_, Some(path)) => {
                let text = path
                    .text
                    .strip_prefix("$$")
                    .map_or(path.text.to_string(), |rest| format!("${rest}"));
                return Err(Failure::runtime(format!(
                    "Reference path \"{text}\" must point to array."
                )));
            }
            _ => {}
        }
    }
    match items_value {
        Cow::Borrowed(Value::Array(a)) => Ok(Items::Borrowed(a.iter())),
        Cow::Owned(Value::Array(a)) => Ok(Items::Owned(a.into_iter())),
        other => {
            let cause = format!("Map state input must be an array but was: {other}");
            Err(if spec.io.jsonata {
                Failure::new(names::QUERY_EVALUATION_ERROR, cause)
            } else {
                Failure::runtime(cause)
            })
        }
    }
}

/// A new Map Run's ARN (MAP-17): `…:mapRun:<machine>/<label>:<uuid>`.
fn map_run_arn(run: &StateRun, label: &str, id: uuid::Uuid) -> String {
    let machine = run.exec.info.state_machine_id();
    let prefix = machine.split(":stateMachine:").next().unwrap_or_default();
    let name = run.exec.info.state_machine_name();
    format!("{prefix}:mapRun:{name}/{label}:{id}")
}

/// The state machine a Map Run's children run: `…:stateMachine:<machine>/<label>`.
fn child_machine_arn(run: &StateRun, label: &str) -> String {
    format!("{}/{label}", run.exec.info.state_machine_id())
}

/// A Map's items, borrowed from the state's input or owned (computed by `Items`).
pub(super) enum Items<'a> {
    Borrowed(std::slice::Iter<'a, Value>),
    Owned(std::vec::IntoIter<Value>),
}

impl<'a> Iterator for Items<'a> {
    type Item = Cow<'a, Value>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Items::Borrowed(it) => it.next().map(Cow::Borrowed),
            Items::Owned(it) => it.next().map(Cow::Owned),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Items::Borrowed(it) => it.size_hint(),
            Items::Owned(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for Items<'_> {}
