//! Runs every execution case of the corpus through its generated module on a paused clock and
//! compares status, output, error and cause with what AWS recorded (issue 4).
//!
//! Prints a per-area table and `conformance: N passed, M failed, K skipped`, and writes
//! `target/conformance/report.json`. Cases listed in `known-failures.txt` (with a reason) may
//! fail; any other failure fails the test, and so does a listed case that passes.

use std::collections::BTreeMap;
use std::path::Path;

use asl_conformance::compare::{mask, mask_dates, matches, str_matches};
use asl_conformance::{CASES, Case};
use asl_runtime::{RunOptions, Value};

struct Row {
    case: String,
    area: &'static str,
    result: &'static str,
    reason: String,
    /// `Some(true)` when AWS's recorded event types match ours (`None`: nothing to compare).
    history: Option<bool>,
}

/// Compares event types: in order, or as multisets where concurrent Map iterations and
/// Parallel branches may interleave differently (README of the corpus).
fn history_matches(expected: &[Value], ours: &[asl_runtime::engine::Event]) -> bool {
    let exp: Vec<&str> = expected.iter().filter_map(Value::as_str).collect();
    let got: Vec<&str> = ours.iter().map(|e| e.kind).collect();
    if exp == got {
        return true;
    }
    let concurrent = exp
        .iter()
        .any(|k| k.starts_with("Map") || k.starts_with("Parallel"));
    if !concurrent {
        return false;
    }
    let (mut a, mut b) = (exp.clone(), got.clone());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn run_case(case: &Case, rt: &tokio::runtime::Runtime) -> (Result<(), String>, Option<bool>) {
    let mut history = None;
    let r = run_case_inner(case, rt, &mut history);
    (r, history)
}

fn run_case_inner(
    case: &Case,
    rt: &tokio::runtime::Runtime,
    history: &mut Option<bool>,
) -> Result<(), String> {
    let dir = Path::new(case.dir);
    let expected = read_json(&dir.join("expected.json")).ok_or("unreadable expected.json")?;
    let input_text = std::fs::read_to_string(dir.join("input.json")).unwrap_or_default();
    let input: Value = if input_text.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&input_text).map_err(|e| format!("input.json: {e}"))?
    };
    let express = expected["type"] == "EXPRESS";
    let options = RunOptions {
        name: Some(
            if express {
                "<SyncExecArn_Part1_0idx>"
            } else {
                "<ExecArnPart_0idx>"
            }
            .into(),
        ),
        state_machine_name: Some("<ArnPart_0idx>".into()),
        partition: "<partition>".into(),
        region: "<region>".into(),
        account: "111111111111".into(),
        role_arn: Some(
            if express {
                "sfn_role_arn"
            } else {
                "snf_role_arn"
            }
            .into(),
        ),
        start_time: None,
        express,
    };
    let run = case.run.ok_or("not compiled")?;
    let tasks = read_json(&dir.join("tasks.json"));
    let replay = std::sync::Arc::new(asl_conformance::replay::Replay::new(tasks.as_ref()));
    let recorded = rt.block_on(run(input, options, std::sync::Arc::clone(&replay)));
    let mismatches = replay.mismatches();
    if !mismatches.is_empty() {
        return Err(format!(
            "task input differs from the recording:\n  {}",
            mismatches.join("\n  ")
        ));
    }
    if let Some(h) = expected["history"].as_array()
        && expected["history_exact"] != false
    {
        let ok = history_matches(h, &recorded.history);
        *history = Some(ok);
        if !ok && std::env::var_os("ASL_CONFORMANCE_DEBUG").is_some() {
            let ours: Vec<&str> = recorded.history.iter().map(|e| e.kind).collect();
            eprintln!(
                "{}\n  aws: {}\n  us:  {}",
                case.name,
                h.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                ours.join(" ")
            );
        }
    }
    let result = recorded.result;
    let masked: Vec<(String, Value)> = expected["masked_paths"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    let path = m["jsonpath"].as_str()?;
                    let key = path
                        .rsplit(['.', '['])
                        .next()?
                        .trim_matches(|c| c == '\'' || c == ']');
                    Some((key.to_string(), m["replacement"].clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    let status = expected["status"].as_str().unwrap_or_default();
    match result {
        Ok(mut out) => {
            if status != "SUCCEEDED" {
                return Err(format!("expected {status}, got SUCCEEDED with {out}"));
            }
            mask(&mut out, &masked);
            if !matches(&expected["output"], &out) {
                return Err(format!(
                    "output differs:\n  expected {}\n  actual   {out}",
                    expected["output"]
                ));
            }
            Ok(())
        }
        Err(e) => {
            if e.status().as_str() != status {
                return Err(format!(
                    "expected {status}, got {} ({:?}: {:?})",
                    e.status().as_str(),
                    e.error(),
                    e.cause()
                ));
            }
            let exp_error = expected["error"].as_str();
            if exp_error != e.error()
                && !(exp_error.is_none() && expected["error"].is_null() && e.error().is_none())
            {
                return Err(format!(
                    "error differs: expected {exp_error:?}, got {:?} (cause {:?})",
                    e.error(),
                    e.cause()
                ));
            }
            let cause_ok = match (&expected["cause"], e.cause()) {
                (Value::Null, None) => true,
                (Value::String(x), Some(a)) => str_matches(x, &mask_dates(a)),
                (x @ (Value::Object(_) | Value::Array(_)), Some(a)) => {
                    serde_json::from_str::<Value>(a).is_ok_and(|mut v| {
                        mask(&mut v, &masked);
                        matches(x, &v)
                    })
                }
                _ => false,
            };
            if !cause_ok {
                return Err(format!(
                    "cause differs:\n  expected {}\n  actual   {:?}",
                    expected["cause"],
                    e.cause()
                ));
            }
            Ok(())
        }
    }
}

fn known_failures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("known-failures.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (case, reason) = l.split_once(' ').unwrap_or((l, ""));
            (case.trim().to_string(), reason.trim().to_string())
        })
        .collect()
}

#[test]
fn conformance() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let known = known_failures();
    let mut rows = Vec::new();
    for case in CASES {
        let id = format!("{}/{}", case.area, case.name);
        let row = match case.skip {
            Some(reason) => Row {
                case: id,
                area: case.area,
                result: "skip",
                reason: reason.into(),
                history: None,
            },
            None => {
                let (result, history) = run_case(case, &rt);
                let (result, reason) = match result {
                    Ok(()) => ("pass", String::new()),
                    Err(reason) => ("fail", reason),
                };
                Row {
                    case: id,
                    area: case.area,
                    result,
                    reason,
                    history,
                }
            }
        };
        rows.push(row);
    }
    let mut areas: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for r in &rows {
        let e = areas.entry(r.area).or_default();
        match r.result {
            "pass" => e.0 += 1,
            "fail" => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    println!("{:<30} {:>6} {:>6} {:>6}", "area", "pass", "fail", "skip");
    for (area, (p, f, s)) in &areas {
        println!("{area:<30} {p:>6} {f:>6} {s:>6}");
    }
    let unexpected: Vec<&Row> = rows
        .iter()
        .filter(|r| r.result == "fail" && !known.contains_key(&r.case))
        .collect();
    let fixed: Vec<&String> = known
        .keys()
        .filter(|k| rows.iter().any(|r| &r.case == *k && r.result == "pass"))
        .collect();
    for r in &unexpected {
        println!("FAIL {}: {}", r.case, r.reason);
    }
    let report: Vec<Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "case": r.case,
                "area": r.area,
                "result": r.result,
                "reason": r.reason,
                "history": match r.history { Some(true) => "match", Some(false) => "differ", None => "none" },
            })
        })
        .collect();
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/conformance");
    let _ = std::fs::create_dir_all(&target);
    let _ = std::fs::write(
        target.join("report.json"),
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    );
    let (p, f, s) = areas
        .values()
        .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let matched = rows.iter().filter(|r| r.history == Some(true)).count();
    let differ: Vec<&Row> = rows.iter().filter(|r| r.history == Some(false)).collect();
    for r in &differ {
        println!("history differs: {}", r.case);
    }
    println!("history: {matched} matched, {} differ", differ.len());
    println!("conformance: {p} passed, {f} failed, {s} skipped");
    assert!(!rows.is_empty(), "no cases found");
    assert!(
        unexpected.is_empty(),
        "{} unexpected failures",
        unexpected.len()
    );
    assert!(
        fixed.is_empty(),
        "listed as known failures but pass now: {fixed:?}"
    );
}
