//! Runs JSONata's reference test suite (1,657 cases) through asl-rs: expressions parsed and
//! processed at build time by asl-codegen, evaluated by `asl_runtime::jsonata`.
//!
//! Prints the directory read (`jsonata-suite: read tests/jsonata-suite/suite (N cases)`), a
//! table per group and `jsonata-suite: N passed, M failed`; the report of every failure goes
//! to `<target dir>/jsonata-suite.txt`. The test fails when the directory holds no case, when
//! fewer cases pass than [`FLOOR`] (raise it as the engine improves) or when any case panics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use asl_jsonata_suite::{CASES, SUITE_DIR, WORKSPACE};
use serde_json::{Map, Value};

/// Cases that must pass (the count at the last improvement).
const FLOOR: usize = 1603;

/// The target directory this test runs from (`CARGO_TARGET_DIR` and the like included): cargo
/// puts test executables in `<target>/<profile>/deps/`. `<workspace>/target` otherwise.
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let deps = exe.parent()?;
            if deps.file_name()? != "deps" {
                return None;
            }
            Some(deps.parent()?.parent()?.to_path_buf())
        })
        .unwrap_or_else(|| Path::new(WORKSPACE).join("target"))
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || ((x - y) / y).abs() < 1e-15,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn run_case(
    case: &Value,
    node: Result<&'static asl_runtime::jsonata::Node, &str>,
    dir: &std::path::Path,
) -> Result<(), String> {
    let input: Option<Value> = if let Some(d) = case.get("data") {
        Some(d.clone())
    } else {
        match case.get("dataset").and_then(Value::as_str) {
            Some(name) => {
                let text =
                    std::fs::read_to_string(dir.join("datasets").join(format!("{name}.json")))
                        .map_err(|e| format!("dataset {name}: {e}"))?;
                Some(serde_json::from_str(&text).map_err(|e| e.to_string())?)
            }
            None => None,
        }
    };
    let bindings: Option<Map<String, Value>> =
        case.get("bindings").and_then(Value::as_object).cloned();
    let got = match node {
        Err(code) => Err(code.to_string()),
        Ok(node) => asl_runtime::jsonata::evaluate_with(node, input.as_ref(), bindings.as_ref())
            .map_err(|e| format!("{}: {}", e.code, e.message)),
    };
    let code = case
        .get("code")
        .or_else(|| case.get("error").and_then(|e| e.get("code")))
        .and_then(Value::as_str);
    if let Some(code) = code {
        return match &got {
            Err(e) if e.starts_with(code) => Ok(()),
            other => Err(format!("expected error {code}, got {other:?}")),
        };
    }
    if case
        .get("undefinedResult")
        .is_some_and(|v| v == &Value::Bool(true))
    {
        return match got {
            Ok(None) => Ok(()),
            other => Err(format!("expected undefined, got {other:?}")),
        };
    }
    let expected = case.get("result").cloned().unwrap_or(Value::Null);
    match got {
        Ok(Some(v)) if same(&v, &expected) => Ok(()),
        other => Err(format!("expected {expected}, got {other:?}")),
    }
}

#[test]
fn jsonata_suite() {
    let dir = PathBuf::from(SUITE_DIR);
    let shown = dir
        .strip_prefix(WORKSPACE)
        .unwrap_or(&dir)
        .display()
        .to_string();
    println!("jsonata-suite: read {shown} ({} cases)", CASES.len());
    assert!(
        !CASES.is_empty(),
        "no JSONata case in {shown} (ASL_JSONATA_SUITE, default tests/jsonata-suite/suite)"
    );
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut panics = Vec::new();
    for (name, text, node) in CASES {
        let case: Value = serde_json::from_str(text).expect("case JSON");
        let group = name.split('/').next().unwrap_or("").to_string();
        let entry = groups.entry(group).or_default();
        let node = *node;
        let dir2 = dir.clone();
        // Each case runs on a thread with the stack a tokio worker has (2 MiB).
        let outcome = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || run_case(&case, node, &dir2))
            .expect("thread")
            .join();
        match outcome {
            Ok(Ok(())) => entry.0 += 1,
            Ok(Err(why)) => {
                entry.1 += 1;
                failures.push(format!("{name}: {why}"));
            }
            Err(_) => {
                entry.1 += 1;
                panics.push(name.to_string());
            }
        }
    }
    let passed: usize = groups.values().map(|g| g.0).sum();
    let failed: usize = groups.values().map(|g| g.1).sum();
    for (g, (p, f)) in &groups {
        if *f > 0 {
            println!("{g:40} {p:4} passed {f:4} failed");
        }
    }
    println!("jsonata-suite: {passed} passed, {failed} failed");
    let report = target_dir().join("jsonata-suite.txt");
    let _ = std::fs::write(&report, failures.join("\n"));
    println!("jsonata-suite: failures listed in {}", report.display());
    assert!(panics.is_empty(), "cases panicked: {panics:?}");
    assert!(
        passed >= FLOOR,
        "{passed} passed, below the floor of {FLOOR}"
    );
}
