//! Runs every execution case of the corpus through its generated module on a paused clock and
//! compares status, output, error and cause with what AWS recorded (issue 4).
//!
//! Prints every case directory read with its count (`conformance: read
//! tests/conformance/corpus/cases (N cases)`; a missing or empty one fails the test), a
//! per-area table and `conformance: N passed, M failed, K skipped`, then `history: N matched,
//! M differ` (every event of each case's history.json against ours: type, id,
//! `previousEventId`, details), and writes `<target dir>/conformance/report.json` (a
//! `"history"` field per case). Cases listed in `known-failures.txt` (with a reason) may fail, and those in
//! `known-history-differences.txt` may differ in history; any other failure or difference fails
//! the test, and so does a listed case that passes or matches.

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
    /// `Some(true)` when AWS's recorded event types (expected.json) match ours (`None`:
    /// nothing to compare).
    types: Option<bool>,
    /// `Some(Ok)` when every event of history.json matches ours: type, id,
    /// `previousEventId` and details; `Err` names the first difference.
    history: Option<Comparison>,
}

/// Our event's details in the corpus's form: payloads decoded; dates, the case's masked
/// paths and the resource names its recording masked, masked.
fn our_details(
    e: &asl_runtime::Event,
    masked: &[(String, Value)],
    resources: &[(String, String)],
) -> Value {
    let mut d = e.details.clone().unwrap_or(Value::Null);
    decode_payloads(&mut d);
    mask(&mut d, masked);
    mask_timestamps(&mut d);
    if let Some(Value::String(r)) = d.get_mut("resource")
        && let Some((masked, _)) = resources.iter().find(|(_, full)| full == r)
    {
        *r = masked.clone();
    }
    d
}

/// Resource ARNs a test masked in its recording, as the case's notes give them:
/// `(State: <masked> -> <ARN in the definition>)`; `(masked, ARN)` pairs.
fn masked_resources(expected: &Value) -> Vec<(String, String)> {
    let Ok(re) =
        regex::Regex::new(r"\([^():]+: (\S+) -> (\S+)\); history\.json shows the masked form")
    else {
        return Vec::new();
    };
    expected["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(|n| {
            re.captures_iter(n)
                .map(|c| (c[1].to_string(), c[2].to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Decodes payloads given as JSON text: the recorder decoded objects and arrays, and some
/// scalars (`"output": 1` beside `"input": "1"`), so both sides are decoded and either form
/// compares. A cause is decoded only when it is an object or array.
fn decode_payloads(d: &mut Value) {
    let decode = |v: &mut Value| {
        if let Value::String(text) = v
            && let Ok(x) = serde_json::from_str::<Value>(text)
        {
            *v = x;
        }
    };
    if let Value::Object(m) = d {
        for key in ["input", "output", "parameters"] {
            if let Some(v) = m.get_mut(key) {
                decode(v);
            }
        }
        if let Some(Value::String(text)) = m.get("cause")
            && let Ok(x @ (Value::Object(_) | Value::Array(_))) =
                serde_json::from_str::<Value>(text)
        {
            m.insert("cause".into(), x);
        }
        if let Some(Value::Object(vars)) = m.get_mut("assignedVariables") {
            vars.values_mut().for_each(decode);
        }
    }
}

/// Rule 2: values under keys containing `timestamp` that are not dates became `timestamp`.
fn mask_timestamps(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let lower = k.to_ascii_lowercase();
                if (lower.contains("timestamp") || k == "creationTime" || k == "ingestionTime")
                    && x.as_str() != Some("date")
                {
                    *x = Value::String("timestamp".into());
                } else {
                    mask_timestamps(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_timestamps),
        _ => {}
    }
}

/// The recorded event's type and details.
fn recorded_details(e: &Value) -> (&str, Value) {
    let kind = e["type"].as_str().unwrap_or_default();
    let details = e
        .as_object()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.ends_with("EventDetails"))
                .map(|(_, v)| v.clone())
        })
        .unwrap_or(Value::Null);
    (kind, details)
}

/// One event as compared: type, details, and id and `previousEventId` where the recording
/// keeps them (the upstream normaliser replaced the ids inside Parallel branches by `[0]`).
struct Compared {
    kind: String,
    details: Value,
    link: Option<(u64, u64)>,
}

impl std::fmt::Display for Compared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.link {
            Some((id, prev)) => write!(f, "#{id}<-{prev} {} {}", self.kind, self.details),
            None => write!(f, "#? {} {}", self.kind, self.details),
        }
    }
}

/// Compares every event of history.json with ours: type, details, id and `previousEventId`,
/// in order, or, where concurrent Map iterations and Parallel branches may interleave
/// differently, as multisets (an event whose id the recording keeps still has to carry it).
/// `loose` recordings (`history_exact: false`) lost events upstream (`ParallelStateSucceeded`,
/// `ParallelStateFailed`, a nested Parallel's exit): there every recorded event must match one
/// of ours, and ours may have more of those kinds. Returns the first difference.
fn details_match(
    expected: &[Value],
    ours: &[asl_runtime::Event],
    masked: &[(String, Value)],
    resources: &[(String, String)],
    loose: bool,
) -> Result<(), String> {
    let exp: Vec<Compared> = expected
        .iter()
        .map(|e| {
            let (k, mut d) = recorded_details(e);
            decode_payloads(&mut d);
            let link = e["id"]
                .as_u64()
                .map(|id| (id, e["previousEventId"].as_u64().unwrap_or(0)));
            Compared {
                kind: k.to_string(),
                details: d,
                link,
            }
        })
        .collect();
    let got: Vec<Compared> = ours
        .iter()
        .map(|e| Compared {
            kind: e.kind.to_string(),
            details: our_details(e, masked, resources),
            link: Some((e.id, e.previous_event_id)),
        })
        .collect();
    let same = |e: &Compared, g: &Compared| {
        e.kind == g.kind
            && e.link.is_none_or(|l| Some(l) == g.link)
            && (e.details.is_null() && (g.details.is_null() || g.details == serde_json::json!({}))
                || matches(&e.details, &g.details))
    };
    if loose {
        let mut used = vec![false; got.len()];
        for e in &exp {
            match (0..got.len()).find(|&j| !used[j] && same(e, &got[j])) {
                Some(j) => used[j] = true,
                None => return Err(format!("no event of ours matches {e}")),
            }
        }
        let lost = [
            "ParallelStateSucceeded",
            "ParallelStateFailed",
            "ParallelStateExited",
        ];
        return match got
            .iter()
            .zip(&used)
            .find(|(g, used)| !**used && !lost.contains(&g.kind.as_str()))
        {
            Some((g, _)) => Err(format!("ours has {g}, not recorded")),
            None => Ok(()),
        };
    }
    if exp.len() != got.len() {
        return Err(format!("{} events recorded, {} ours", exp.len(), got.len()));
    }
    let concurrent = exp
        .iter()
        .any(|e| e.kind.starts_with("Map") || e.kind.starts_with("Parallel"));
    let first_difference = exp.iter().zip(&got).position(|(e, g)| !same(e, g));
    let Some(i) = first_difference else {
        return Ok(());
    };
    let in_order = format!("event {}: expected {}, ours {}", i + 1, exp[i], got[i]);
    if !concurrent {
        return Err(in_order);
    }
    let mut used = vec![false; got.len()];
    for e in &exp {
        match (0..got.len()).find(|&j| !used[j] && same(e, &got[j])) {
            Some(j) => used[j] = true,
            None => return Err(format!("{in_order}; no event of ours matches {e}")),
        }
    }
    Ok(())
}

/// Compares event types: in order, or as multisets where concurrent Map iterations and
/// Parallel branches may interleave differently (README of the corpus).
fn history_matches(expected: &[Value], ours: &[asl_runtime::Event]) -> bool {
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

/// A comparison: `Err` names the first difference.
type Comparison = Result<(), String>;

/// Starts the case on an [`asl_runtime::Engine`] (SQLite in memory), lets it enter its first
/// state, stops it (StopExecution without error or cause) and returns its end and history.
async fn stop_through_engine(
    machine: Box<dyn asl_runtime::durable::Machine>,
    input: Value,
    options: RunOptions,
) -> Result<asl_runtime::Recorded, String> {
    use asl_runtime::{Engine, StartOptions, store::SqliteStore};
    let engine = Engine::builder()
        .store(SqliteStore::memory().await.map_err(|e| e.to_string())?)
        .workflow("machine", machine)
        .identity(options)
        .build()
        .await
        .map_err(|e| e.to_string())?;
    let id = engine
        .start("machine", input, StartOptions::default().name("stopped"))
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    engine
        .stop(&id, None, None)
        .await
        .map_err(|e| e.to_string())?;
    let result = engine.wait(&id).await;
    let history = engine
        .history(&id)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|e| asl_runtime::Event {
            id: e.id,
            previous_event_id: e.previous_event_id,
            // Test code: a handful of names, leaked to fit `Event`'s static strings.
            kind: Box::leak(e.kind.into_boxed_str()),
            state: e.state.map(|s| &*Box::leak(s.into_boxed_str())),
            timestamp: e.timestamp,
            details: e.details,
        })
        .collect();
    Ok(asl_runtime::Recorded {
        result,
        history,
        map_runs: Vec::new(),
    })
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn run_case(
    case: &Case,
    rt: &tokio::runtime::Runtime,
) -> (Result<(), String>, Option<bool>, Option<Comparison>) {
    let mut types = None;
    let mut history = None;
    let r = run_case_inner(case, rt, &mut types, &mut history);
    (r, types, history)
}

fn run_case_inner(
    case: &Case,
    rt: &tokio::runtime::Runtime,
    types: &mut Option<bool>,
    history: &mut Option<Comparison>,
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
        execution_arn: None,
        mock: None,
    };
    // The role as the recording names it (some recordings mask it differently).
    let recorded_history = read_json(&dir.join("history.json"));
    let mut options = options;
    if let Some(role) = recorded_history
        .as_ref()
        .and_then(|h| h[0]["executionStartedEventDetails"]["roleArn"].as_str())
    {
        options.role_arn = Some(role.to_string());
    }
    let stops = expected["notes"].as_array().is_some_and(|n| {
        n.iter().any(|t| {
            t.as_str()
                .is_some_and(|t| t.contains("called StopExecution"))
        })
    });
    let run = case.run.ok_or("not compiled")?;
    let tasks = read_json(&dir.join("tasks.json"));
    let s3 = read_json(&dir.join("s3.json"));
    let replay = std::sync::Arc::new(
        asl_conformance::replay::Replay::new(tasks.as_ref()).with_objects(s3.as_ref()),
    );
    let recorded = match (stops, case.machine) {
        // The test stopped the execution through the API: so do we, on a durable engine.
        (true, Some(machine)) => rt.block_on(stop_through_engine(
            machine(std::sync::Arc::clone(&replay)),
            input,
            options,
        ))?,
        _ => rt.block_on(run(input, options, std::sync::Arc::clone(&replay))),
    };
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
        *types = Some(ok);
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
    if let Some(Value::Array(h)) = recorded_history {
        let loose = expected["history_exact"] == false;
        let resources = masked_resources(&expected);
        *history = Some(details_match(
            &h,
            &recorded.history,
            &masked,
            &resources,
            loose,
        ));
    }
    // A `map_run` case recorded only DescribeMapRun of the Map Run the execution started.
    if let Some(expected_run) = expected.get("map_run") {
        let run = recorded
            .map_runs
            .first()
            .ok_or("the execution started no Map Run")?;
        let mut actual = run.to_json();
        mask(&mut actual, &masked);
        if !matches(expected_run, &actual) {
            return Err(format!(
                "Map Run differs:\n  expected {expected_run}\n  actual   {actual}"
            ));
        }
        return Ok(());
    }
    let result = recorded.result;
    let status = expected["status"].as_str().unwrap_or_default();
    match result {
        Ok(mut out) => {
            if status != "SUCCEEDED" {
                return Err(format!("expected {status}, got SUCCEEDED with {out}"));
            }
            mask(&mut out, &masked);
            wildcards(&expected["output"], &mut out, &expected["placeholders"]);
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

/// Values the recording replaced by a token named in its `placeholders` (e.g. `"<date>"`,
/// `"<Etag-KEY>"`, KEY standing for any text) match any value of ours, whatever its type:
/// the recording kept neither the value nor its type (corpus README, itemreader section).
fn wildcards(expected: &Value, actual: &mut Value, placeholders: &Value) {
    let Some(tokens) = placeholders.as_array() else {
        return;
    };
    let is_token = |s: &str| {
        tokens.iter().filter_map(Value::as_str).any(|t| {
            let (head, tail) = t.split_once("KEY").unwrap_or((t, ""));
            if tail.is_empty() && !t.contains("KEY") {
                s == t
            } else {
                s.starts_with(head) && s.ends_with(tail) && s.len() >= head.len() + tail.len()
            }
        })
    };
    match (expected, actual) {
        (Value::String(e), a) if is_token(e) => *a = Value::String(e.clone()),
        (Value::Array(e), Value::Array(a)) => {
            for (e, a) in e.iter().zip(a.iter_mut()) {
                wildcards(e, a, placeholders);
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, e) in e {
                if let Some(a) = a.get_mut(k) {
                    wildcards(e, a, placeholders);
                }
            }
        }
        _ => {}
    }
}

fn known_failures() -> BTreeMap<String, String> {
    listed("known-failures.txt")
}

/// `<area>/<case> <reason>` lines of a file beside this crate's manifest.
fn listed(file: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
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
    if let Err(problem) = asl_conformance::report_case_dirs() {
        panic!("{problem}");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let known = known_failures();
    let known_history = listed("known-history-differences.txt");
    let mut rows = Vec::new();
    for case in CASES {
        let id = format!("{}/{}", case.area, case.name);
        let row = match case.skip {
            Some(reason) => Row {
                case: id,
                area: case.area,
                result: "skip",
                reason: reason.into(),
                types: None,
                history: None,
            },
            None => {
                let (result, types, history) = run_case(case, &rt);
                let (result, reason) = match result {
                    Ok(()) => ("pass", String::new()),
                    Err(reason) => ("fail", reason),
                };
                Row {
                    case: id,
                    area: case.area,
                    result,
                    reason,
                    types,
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
                "history": match &r.history { Some(Ok(())) => "match", Some(Err(_)) => "differ", None => "none" },
                "history_difference": match &r.history { Some(Err(why)) => Value::from(why.as_str()), _ => Value::Null },
                "history_types": match r.types { Some(true) => "match", Some(false) => "differ", None => "none" },
            })
        })
        .collect();
    let target = asl_conformance::target_dir().join("conformance");
    let _ = std::fs::create_dir_all(&target);
    let report_path = target.join("report.json");
    match std::fs::write(
        &report_path,
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    ) {
        Ok(()) => println!("conformance: report in {}", report_path.display()),
        Err(e) => println!("conformance: cannot write {}: {e}", report_path.display()),
    }
    let (p, f, s) = areas
        .values()
        .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    println!("conformance: {p} passed, {f} failed, {s} skipped");
    let matched = rows
        .iter()
        .filter(|r| matches!(r.history, Some(Ok(()))))
        .count();
    let mut differ = 0;
    let mut unexpected_history = Vec::new();
    for r in &rows {
        if let Some(Err(why)) = &r.history {
            differ += 1;
            match known_history.get(&r.case) {
                Some(reason) => println!("history differs (known): {}: {reason}", r.case),
                None => {
                    println!("history differs: {}: {why}", r.case);
                    unexpected_history.push(r.case.clone());
                }
            }
        }
    }
    let history_fixed: Vec<&String> = known_history
        .keys()
        .filter(|k| {
            rows.iter()
                .any(|r| &r.case == *k && matches!(r.history, Some(Ok(()))))
        })
        .collect();
    println!("history: {matched} matched, {differ} differ");
    let t_matched = rows.iter().filter(|r| r.types == Some(true)).count();
    let t_differ = rows.iter().filter(|r| r.types == Some(false)).count();
    println!("history event types (expected.json): {t_matched} matched, {t_differ} differ");
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
    assert!(
        unexpected_history.is_empty(),
        "histories differ: {unexpected_history:?}"
    );
    assert!(
        history_fixed.is_empty(),
        "listed in known-history-differences.txt but match now: {history_fixed:?}"
    );
}
