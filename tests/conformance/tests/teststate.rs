//! Runs every TestState call of the corpus (`teststate/<group>/<case>/`, recorded on AWS)
//! through the public `Workflow::test_state` of its compiled definition and compares status,
//! output, error, cause, nextState and inspectionData with the recorded response (issue 19).
//!
//! Prints the directories read (`teststate: read … (N calls)`), every failure and
//! `teststate: N passed, M failed, K skipped`. Calls listed in `known-teststate-failures.txt`
//! (with a reason) may fail; any other failure fails the test, and so does a listed call that
//! passes.
//!
//! How our response is compared (corpus README, "Masked values"): ISO-8601 date-times become
//! `date`; `arn:aws:` becomes `arn:<partition>:`, our region `us-east-1` `<region>` and our
//! account `123456789012` `111111111111`; the recording's `<…>` tokens (`<resource:N>`,
//! `<region>`, …) match any text. The request's `roleArn` is not in request.json (the recorder
//! masked and dropped it): the runner passes one when the recorded context object shows one
//! (`$$.Execution.RoleArn` is `null` without it).

use std::collections::BTreeMap;
use std::path::Path;

use asl_conformance::compare::{mask_dates, matches, str_matches};
use asl_conformance::{TESTSTATE_CASES, TestCase};
use asl_runtime::Value;
use asl_runtime::testing::{TestResult, TestState};

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Our value in the recording's masked form (rules 1 and 4 of the corpus README).
fn mask(v: &mut Value) {
    match v {
        Value::String(s) => {
            *s = mask_dates(s)
                .replace("arn:aws:", "arn:<partition>:")
                .replace("us-east-1", "<region>")
                .replace("123456789012", "111111111111");
        }
        Value::Array(a) => a.iter_mut().for_each(mask),
        Value::Object(m) => m.values_mut().for_each(mask),
        _ => {}
    }
}

/// Whether a recorded value holds `"RoleArn": "<a string>"` anywhere.
fn shows_role(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| (k == "RoleArn" && x.is_string()) || shows_role(x)),
        Value::Array(a) => a.iter().any(shows_role),
        _ => false,
    }
}

/// Our response as the recorder stored AWS's: `to_json()` with its JSON texts decoded.
fn decoded(result: &TestResult) -> Value {
    let mut wire = result.to_json();
    let decode = |v: &mut Value| {
        if let Value::String(text) = v
            && let Ok(x) = serde_json::from_str::<Value>(text)
        {
            *v = x;
        }
    };
    if let Some(o) = wire.get_mut("output") {
        decode(o);
    }
    if let Some(Value::Object(d)) = wire.get_mut("inspectionData") {
        for (k, v) in d.iter_mut() {
            if k != "errorDetails" {
                decode(v);
            }
        }
    }
    mask(&mut wire);
    wire
}

fn run_case(case: &TestCase, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let dir = Path::new(case.dir);
    let expected = read_json(&dir.join("expected.json"))?;
    let request_json = read_json(&dir.join("request.json"))?;
    let mut request = TestState::from_request_json(&request_json).map_err(|e| e.to_string())?;
    if request_json.get("roleArn").is_none() && shows_role(&expected) {
        request = request.role_arn("arn:aws:iam::123456789012:role/teststate");
    }
    let state = request_json["stateName"].as_str().unwrap_or("StateName");
    let test = case.test.ok_or("not compiled")?;
    let result = rt.block_on(test(state, request))?;
    let ours = decoded(&result);
    let mut differences = Vec::new();
    for key in ["status", "error", "nextState"] {
        if expected.get(key) != ours.get(key) {
            differences.push(format!(
                "{key}: expected {}, ours {}",
                expected.get(key).unwrap_or(&Value::Null),
                ours.get(key).unwrap_or(&Value::Null)
            ));
        }
    }
    let cause_ok = match (expected.get("cause"), ours.get("cause")) {
        (None, None) => true,
        (Some(Value::String(e)), Some(Value::String(o))) => str_matches(e, o),
        _ => false,
    };
    if !cause_ok {
        differences.push(format!(
            "cause: expected {}, ours {}",
            expected.get("cause").unwrap_or(&Value::Null),
            ours.get("cause").unwrap_or(&Value::Null)
        ));
    }
    for key in ["output", "inspectionData"] {
        let same = match (expected.get(key), ours.get(key)) {
            (None, None) => true,
            (Some(e), Some(o)) => matches(e, o),
            _ => false,
        };
        if !same {
            differences.push(format!(
                "{key}:\n    expected {}\n    ours     {}",
                expected.get(key).unwrap_or(&Value::Null),
                ours.get(key).unwrap_or(&Value::Null)
            ));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(differences.join("\n  "))
    }
}

/// `<group>/<case> <reason>` lines of `known-teststate-failures.txt`.
fn known_failures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("known-teststate-failures.txt");
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
fn teststate() {
    let total = match asl_conformance::report_teststate_dirs() {
        Ok(n) => n,
        Err(problem) => panic!("{problem}"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let known = known_failures();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    for case in TESTSTATE_CASES {
        let id = format!("{}/{}", case.group, case.name);
        if let Some(why) = case.skip {
            skipped += 1;
            println!("SKIP {id}: {why}");
            continue;
        }
        match run_case(case, &rt) {
            Ok(()) => {
                passed += 1;
                if known.contains_key(&id) {
                    fixed.push(id);
                }
            }
            Err(why) => {
                failed += 1;
                match known.get(&id) {
                    Some(reason) => println!("fail (known) {id}: {reason}"),
                    None => {
                        println!("FAIL {id}:\n  {why}");
                        unexpected.push(id);
                    }
                }
            }
        }
    }
    println!("teststate: {passed} passed, {failed} failed, {skipped} skipped");
    assert_eq!(passed + failed + skipped, total, "every call found is run");
    assert!(
        unexpected.is_empty(),
        "{} unexpected failures: {unexpected:?}",
        unexpected.len()
    );
    assert!(
        fixed.is_empty(),
        "listed in known-teststate-failures.txt but pass now: {fixed:?}"
    );
}
