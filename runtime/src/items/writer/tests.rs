//! MAP-23: the files a `ResultWriter` writes and the Map's output, as the developer guide
//! describes them (<https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html>).

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::*;

const ARN: &str = "arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7";
const ID: &str = "ad9b5f27-090b-3ac6-9beb-243cd77144a7";
const SM: &str = "arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess/Map";

fn at(millis: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
}

fn child(index: usize, status: ChildStatus, output: Option<Value>) -> ChildResult {
    let name = format!("child-{index}");
    let failed = !matches!(status, ChildStatus::Succeeded);
    ChildResult {
        index,
        execution_arn: format!(
            "arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:{name}"
        ),
        name,
        state_machine_arn: SM.into(),
        status,
        input: json!({ "n": index }).into(),
        output,
        error: failed.then(|| "Boom".to_string()),
        cause: failed.then(|| "it broke".to_string()),
        start_date: at(1_738_633_790_099),
        stop_date: at(1_738_633_790_163),
        redrive_count: 0,
    }
}

fn ok(index: usize, output: Value) -> ChildResult {
    child(index, ChildStatus::Succeeded, Some(output))
}

fn spec(bucket: Option<&str>, prefix: Option<&str>, t: Transformation, o: OutputType) -> WriteSpec {
    WriteSpec {
        bucket: bucket.map(str::to_owned),
        prefix: prefix.map(str::to_owned),
        config: WriterConfig {
            output_type: o,
            transformation: t,
        },
    }
}

fn export(prefix: Option<&str>) -> WriteSpec {
    WriteSpec {
        bucket: Some("results".into()),
        prefix: prefix.map(str::to_owned),
        config: WriterConfig::default(),
    }
}

/// Finishes `files` into a vector of the objects written, in the order written.
async fn run(files: ResultFiles) -> (Result<Value, ItemError>, Vec<PutObject>) {
    let written = Mutex::new(Vec::new());
    let out = files
        .finish(|p| {
            if let Ok(mut w) = written.lock() {
                w.push(p);
            }
            async { Ok(()) }
        })
        .await;
    (out, written.into_inner().unwrap_or_default())
}

fn body(p: &PutObject) -> Value {
    serde_json::from_slice(&p.body).unwrap_or(Value::Null)
}

fn keys(written: &[PutObject]) -> Vec<&str> {
    written.iter().map(|p| p.key.as_str()).collect()
}

/// MAP-23: the output names the Map Run and `<Prefix>/<map run id>/manifest.json`; the
/// manifest lists each status's files with their full keys and sizes, written last.
#[tokio::test]
async fn manifest_layout_and_keys() {
    let mut files = ResultFiles::new(export(Some("csvProcessJobs")), ARN);
    files.push(ok(0, json!({"a": 1})));
    files.push(child(1, ChildStatus::Failed, None));
    let (out, written) = run(files).await;
    let out = out.unwrap_or_default();
    let manifest_key = format!("csvProcessJobs/{ID}/manifest.json");
    assert_eq!(
        out,
        json!({"MapRunArn": ARN, "ResultWriterDetails": {"Bucket": "results", "Key": manifest_key}})
    );
    assert_eq!(
        keys(&written),
        [
            format!("csvProcessJobs/{ID}/SUCCEEDED_0.json"),
            format!("csvProcessJobs/{ID}/FAILED_0.json"),
            manifest_key.clone(),
        ]
    );
    assert!(written.iter().all(|p| p.bucket == "results"));
    let manifest = &written[2];
    // Members in AWS's order, compact.
    let text = String::from_utf8_lossy(&manifest.body);
    assert!(text.starts_with(&format!(
        "{{\"DestinationBucket\":\"results\",\"MapRunArn\":\"{ARN}\",\"ResultFiles\":{{\"FAILED\":"
    )));
    assert_eq!(
        body(manifest),
        json!({
            "DestinationBucket": "results",
            "MapRunArn": ARN,
            "ResultFiles": {
                "FAILED": [{"Key": written[1].key, "Size": written[1].body.len()}],
                "PENDING": [],
                "SUCCEEDED": [{"Key": written[0].key, "Size": written[0].body.len()}],
            }
        })
    );
}

/// MAP-23: the Map Run's folder goes under the prefix with one `/`, or at the bucket's root
/// without a prefix; a run without children writes only the manifest, its lists empty.
#[tokio::test]
async fn prefix_forms_and_empty_run() {
    for (prefix, dir) in [
        (None, format!("{ID}/")),
        (Some(""), format!("{ID}/")),
        (Some("jobs/"), format!("jobs/{ID}/")),
        (Some("a/b"), format!("a/b/{ID}/")),
    ] {
        let (out, written) = run(ResultFiles::new(export(prefix), ARN)).await;
        let key = format!("{dir}manifest.json");
        assert_eq!(keys(&written), [key.as_str()]);
        assert_eq!(
            out.unwrap_or_default()["ResultWriterDetails"]["Key"],
            json!(key)
        );
        assert_eq!(
            body(&written[0])["ResultFiles"],
            json!({"FAILED": [], "PENDING": [], "SUCCEEDED": []})
        );
    }
}

/// MAP-23: a succeeded child's `NONE` entry is `DescribeExecution`'s, as the guide shows it
/// (input and output as JSON text, redrive members, millisecond dates); failed, timed-out and
/// aborted children go to `FAILED_0.json` with `Error`/`Cause` and no output; pending ones to
/// `PENDING_0.json` with their input only. Each file is in item order, whatever the order the
/// children ended in.
#[tokio::test]
async fn file_contents_by_status_in_item_order() {
    let mut files = ResultFiles::new(export(Some("p")), ARN);
    files.push(child(5, ChildStatus::Aborted, None));
    files.push(ok(3, json!([1, 2])));
    files.push(ChildResult::pending(7, json!("later").into()));
    files.push(child(2, ChildStatus::TimedOut, None));
    files.push(ok(0, json!({"x": "y"})));
    files.push(child(4, ChildStatus::Failed, None));
    files.push(ChildResult::pending(6, json!({"k": 1}).into()));
    let (_, written) = run(files).await;
    assert_eq!(
        keys(&written),
        [
            format!("p/{ID}/SUCCEEDED_0.json"),
            format!("p/{ID}/FAILED_0.json"),
            format!("p/{ID}/PENDING_0.json"),
            format!("p/{ID}/manifest.json"),
        ]
    );

    let succeeded = body(&written[0]);
    assert_eq!(succeeded.as_array().map(Vec::len), Some(2));
    assert_eq!(
        succeeded[0],
        json!({
            "ExecutionArn": "arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:child-0",
            "Input": "{\"n\":0}",
            "InputDetails": {"Included": true},
            "Name": "child-0",
            "Output": "{\"x\":\"y\"}",
            "OutputDetails": {"Included": true},
            "RedriveCount": 0,
            "RedriveStatus": "NOT_REDRIVABLE",
            "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
            "StartDate": "2025-02-04T01:49:50.099Z",
            "StateMachineArn": SM,
            "Status": "SUCCEEDED",
            "StopDate": "2025-02-04T01:49:50.163Z",
        })
    );
    // Members in name order, as `DescribeExecution` gives them.
    let names: Vec<&String> = succeeded[0]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(succeeded[1]["Output"], json!("[1,2]"));

    let failed = body(&written[1]);
    let statuses: Vec<&Value> = failed
        .as_array()
        .map(|a| a.iter().map(|e| &e["Status"]).collect())
        .unwrap_or_default();
    assert_eq!(
        statuses,
        [&json!("TIMED_OUT"), &json!("FAILED"), &json!("ABORTED")]
    );
    assert_eq!(
        failed[1],
        json!({
            "Cause": "it broke",
            "Error": "Boom",
            "ExecutionArn": "arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:child-4",
            "Input": "{\"n\":4}",
            "InputDetails": {"Included": true},
            "Name": "child-4",
            "RedriveCount": 0,
            "RedriveStatus": "REDRIVABLE",
            "StartDate": "2025-02-04T01:49:50.099Z",
            "StateMachineArn": SM,
            "Status": "FAILED",
            "StopDate": "2025-02-04T01:49:50.163Z",
        })
    );

    assert_eq!(
        body(&written[2]),
        json!([
            {"Input": "{\"k\":1}", "InputDetails": {"Included": true}, "Status": "PENDING"},
            {"Input": "\"later\"", "InputDetails": {"Included": true}, "Status": "PENDING"},
        ])
    );
}

/// MAP-23: `OutputType: JSONL` writes one entry per line (each line ending in a newline),
/// still in `.json` files, and the manifest's sizes are the bytes written.
#[tokio::test]
async fn jsonl_output_type() {
    let s = spec(
        Some("results"),
        Some("p"),
        Transformation::Flatten,
        OutputType::Jsonl,
    );
    let mut files = ResultFiles::new(s, ARN);
    files.push(ok(1, json!(["c"])));
    files.push(ok(0, json!(["a", {"b": 1}])));
    files.push(child(2, ChildStatus::Failed, None));
    let (_, written) = run(files).await;
    assert_eq!(written[0].key, format!("p/{ID}/SUCCEEDED_0.json"));
    assert_eq!(
        String::from_utf8_lossy(&written[0].body),
        "\"a\"\n{\"b\":1}\n\"c\"\n"
    );
    let failed = String::from_utf8_lossy(&written[1].body).into_owned();
    assert_eq!(failed.lines().count(), 1);
    assert!(failed.ends_with("\"Status\":\"FAILED\",\"StopDate\":\"2025-02-04T01:49:50.163Z\"}\n"));
    let manifest = body(&written[2]);
    assert_eq!(
        manifest["ResultFiles"]["SUCCEEDED"][0]["Size"],
        json!(written[0].body.len())
    );
}

/// MAP-23: `COMPACT` writes the succeeded children's outputs as they are (arrays kept);
/// `FLATTEN` spreads array outputs into one array (other outputs kept, an empty array adding
/// nothing); a failed child's entry stays unchanged in `FAILED_0.json` either way.
#[tokio::test]
async fn compact_and_flatten_files() {
    let children = || {
        vec![
            ok(
                0,
                json!([{"customer_id": "145538"}, {"customer_id": "898037"}]),
            ),
            ok(1, json!([])),
            ok(2, json!({"single": true})),
            ok(3, json!([{"customer_id": "169881"}])),
            child(4, ChildStatus::Failed, None),
        ]
    };
    let mut compact = ResultFiles::new(
        spec(Some("b"), None, Transformation::Compact, OutputType::Json),
        ARN,
    );
    let mut flatten = ResultFiles::new(
        spec(Some("b"), None, Transformation::Flatten, OutputType::Json),
        ARN,
    );
    for c in children() {
        compact.push(c.clone());
        flatten.push(c);
    }
    let (_, compact) = run(compact).await;
    let (_, flatten) = run(flatten).await;
    assert_eq!(
        body(&compact[0]),
        json!([
            [{"customer_id": "145538"}, {"customer_id": "898037"}],
            [],
            {"single": true},
            [{"customer_id": "169881"}],
        ])
    );
    assert_eq!(
        body(&flatten[0]),
        json!([
            {"customer_id": "145538"},
            {"customer_id": "898037"},
            {"single": true},
            {"customer_id": "169881"},
        ])
    );
    for written in [&compact, &flatten] {
        assert_eq!(body(&written[1])[0]["Error"], json!("Boom"));
        assert_eq!(body(&written[1])[0]["Status"], json!("FAILED"));
    }
}

/// MAP-23: `WriterConfig` without a bucket writes nothing and returns the transformed results
/// in item order; a failed child keeps its `NONE` entry there; pending children add nothing.
#[tokio::test]
async fn writer_config_without_bucket_is_the_output() {
    let mut files = ResultFiles::new(
        spec(None, None, Transformation::Flatten, OutputType::Json),
        ARN,
    );
    files.push(ok(2, json!([3, 4])));
    files.push(ChildResult::pending(3, json!(9).into()));
    files.push(child(1, ChildStatus::Failed, None));
    files.push(ok(0, json!([1, [2]])));
    let (out, written) = run(files).await;
    assert!(written.is_empty());
    let out = out.unwrap_or_default();
    assert_eq!(out.as_array().map(Vec::len), Some(5));
    assert_eq!(out[0], json!(1));
    assert_eq!(out[1], json!([2]));
    assert_eq!(out[2]["Status"], json!("FAILED"));
    assert_eq!(out[2]["Error"], json!("Boom"));
    assert_eq!(out[3], json!(3));
    assert_eq!(out[4], json!(4));

    let mut compact = ResultFiles::new(
        spec(None, None, Transformation::Compact, OutputType::Jsonl),
        ARN,
    );
    compact.push(ok(1, json!({"b": 2})));
    compact.push(ok(0, json!([1])));
    assert_eq!(run(compact).await.0, Ok(json!([[1], {"b": 2}])));

    let mut none = ResultFiles::new(
        spec(None, None, Transformation::None, OutputType::Json),
        ARN,
    );
    none.push(ok(0, json!("x")));
    let out = run(none).await.0.unwrap_or_default();
    assert_eq!(out[0]["Output"], json!("\"x\""));
    assert_eq!(out[0]["Status"], json!("SUCCEEDED"));

    let empty = ResultFiles::new(
        spec(None, None, Transformation::Compact, OutputType::Json),
        ARN,
    );
    assert_eq!(run(empty).await.0, Ok(json!([])));
}

/// MAP-23: a `PutObject` that fails is `States.ResultWriterFailed` with S3's message; nothing
/// is written after it (no manifest).
#[tokio::test]
async fn put_failure_is_result_writer_failed() {
    let mut files = ResultFiles::new(export(Some("p")), ARN);
    files.push(ok(0, json!(1)));
    let attempts = Mutex::new(Vec::new());
    let out = files
        .finish(|p| {
            if let Ok(mut a) = attempts.lock() {
                a.push(p.key);
            }
            async { Err(ObjectError::new("AccessDenied", "Access Denied", Some(403))) }
        })
        .await;
    assert_eq!(
        out,
        Err(ItemError {
            error: "States.ResultWriterFailed".into(),
            cause: "Access Denied (Service: S3, Status Code: 403)".into(),
        })
    );
    assert_eq!(
        attempts.into_inner().unwrap_or_default(),
        [format!("p/{ID}/SUCCEEDED_0.json")]
    );

    // The manifest's own write failing fails the same way; a store without HTTP statuses
    // names its error.
    let files = ResultFiles::new(export(None), ARN);
    let out = files
        .finish(|_| async { Err(ObjectError::new("NotFound", "no such directory", None)) })
        .await;
    assert_eq!(
        out.map_err(|e| e.cause),
        Err("NotFound: no such directory".to_string())
    );
}

/// MAP-23: past the file limit (5 GB on AWS; small here) a status's results continue in the
/// next file (`SUCCEEDED_1.json`, …), never splitting one child's entries, each file within
/// the limit unless one child alone exceeds it; the manifest lists them all in order.
#[tokio::test]
async fn files_split_at_the_limit() {
    for output_type in [OutputType::Json, OutputType::Jsonl] {
        let s = spec(Some("b"), Some("p"), Transformation::Compact, output_type);
        let mut files = ResultFiles::new(s, ARN).with_file_limit(40);
        // Each output serializes to 10 bytes: "xxxxxxxx" with its quotes.
        for i in (0..7).rev() {
            files.push(ok(i, json!(format!("{i:0>8}"))));
        }
        files.push(ok(7, json!("y".repeat(60))));
        let (_, written) = run(files).await;
        let names: Vec<String> = written
            .iter()
            .map(|p| p.key.rsplit('/').next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "SUCCEEDED_0.json",
                "SUCCEEDED_1.json",
                "SUCCEEDED_2.json",
                "SUCCEEDED_3.json",
                "manifest.json"
            ],
            "{output_type:?}"
        );
        // JSON: "[" + 3 × 10 + 2 commas + "]" = 34 (a 4th would make 45); JSONL: 3 × 11 = 33
        // (a 4th would make 44). The 62-byte output goes alone in the last file.
        let mut items = Vec::new();
        for p in &written[..3] {
            assert!(p.body.len() <= 40, "{output_type:?}: {}", p.body.len());
        }
        assert!(written[3].body.len() > 40);
        for p in &written[..4] {
            match output_type {
                OutputType::Json => items.extend(body(p).as_array().cloned().unwrap_or_default()),
                OutputType::Jsonl => {
                    for line in String::from_utf8_lossy(&p.body).lines() {
                        items.push(serde_json::from_str(line).unwrap_or(Value::Null));
                    }
                }
            }
        }
        let mut expected: Vec<Value> = (0..7).map(|i| json!(format!("{i:0>8}"))).collect();
        expected.push(json!("y".repeat(60)));
        assert_eq!(items, expected, "{output_type:?}");
        let manifest = body(&written[4]);
        let listed: Vec<Value> = written[..4]
            .iter()
            .map(|p| json!({"Key": p.key, "Size": p.body.len()}))
            .collect();
        assert_eq!(manifest["ResultFiles"]["SUCCEEDED"], json!(listed));
    }
}

/// 10,000 children ending in reverse order: one file in item order, each child kept as its
/// bytes.
#[tokio::test]
async fn ten_thousand_children() {
    let mut files = ResultFiles::new(
        spec(Some("b"), None, Transformation::Compact, OutputType::Jsonl),
        ARN,
    );
    for i in (0..10_000).rev() {
        files.push(ok(i, json!(i)));
    }
    let (_, written) = run(files).await;
    assert_eq!(written.len(), 2);
    let text = String::from_utf8_lossy(&written[0].body);
    assert!(
        text.lines()
            .map(str::to_owned)
            .eq((0..10_000).map(|i| i.to_string()))
    );
}

/// A second result for the same item (a child run again) replaces the first.
#[tokio::test]
async fn a_later_result_for_an_item_replaces_it() {
    let mut files = ResultFiles::new(
        spec(None, None, Transformation::Compact, OutputType::Json),
        ARN,
    );
    files.push(ok(0, json!("first")));
    files.push(ok(0, json!("second")));
    assert_eq!(run(files).await.0, Ok(json!(["second"])));
}

/// Children of every kind, ending out of order, a replaced result and an empty array
/// flattened: results kept in a temporary file (spilled from the first byte) are written
/// exactly as results kept in memory, in files of their exact size, and leave no file
/// behind.
#[tokio::test]
async fn spilled_results_match_results_in_memory() {
    let pushes = || {
        let mut children = Vec::new();
        for i in (0..300).rev() {
            let child = match i % 5 {
                0 => child(i, ChildStatus::Failed, None),
                1 => ok(i, json!([])),
                2 => ok(i, json!([i, {"text": "a \"quoted\" line\n"}])),
                3 => child(i, ChildStatus::TimedOut, None),
                _ => ok(i, json!({"n": i})),
            };
            children.push(child);
        }
        children.push(ok(4, json!("again")));
        children.push(ChildResult::pending(300, json!({"p": 1}).into()));
        children
    };
    let pattern = format!("asl-results-{}-", std::process::id());
    for transformation in [
        Transformation::None,
        Transformation::Compact,
        Transformation::Flatten,
    ] {
        for output_type in [OutputType::Json, OutputType::Jsonl] {
            for bucket in [Some("b"), None] {
                let s = spec(bucket, Some("p"), transformation, output_type);
                let mut kept = ResultFiles::new(s.clone(), ARN).with_file_limit(2000);
                let mut spilled = ResultFiles::new(s, ARN)
                    .with_file_limit(2000)
                    .with_spill_at(0);
                for c in pushes() {
                    kept.push(c.clone());
                    spilled.push(c);
                }
                let what = format!("{transformation:?} {output_type:?} {bucket:?}");
                let (kept_out, kept_written) = run(kept).await;
                let (spilled_out, spilled_written) = run(spilled).await;
                assert!(kept_out.is_ok(), "{what}: {kept_out:?}");
                assert_eq!(spilled_out, kept_out, "{what}");
                assert_eq!(spilled_written, kept_written, "{what}");
                if bucket.is_some() {
                    assert!(kept_written.len() > 3, "{what}: {}", kept_written.len());
                }
                for p in spilled_written
                    .iter()
                    .filter(|p| !p.key.ends_with("manifest.json"))
                {
                    assert_eq!(p.body.capacity(), p.body.len(), "{what}: {}", p.key);
                }
            }
        }
    }
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(&pattern))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}
