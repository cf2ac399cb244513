// The main of a test runner `asl test` generates for one definition (see asl-cli's
// `mock_test`): it runs the test cases of a Step Functions Local mock file
// (`MockConfigFile.json`) on the workflow compiled into `workflow.rs`, each Task answering
// from the case's mocked responses, and prints each case's path and result.
//
// Arguments: MOCK_FILE MACHINE DEFAULT_MACHINE INPUT_JSON FORMAT [CASE...] (MACHINE empty:
// the file's only machine, else DEFAULT_MACHINE). Exit status: 0 when every case ran
// (whatever its execution's status), 1 when the mock file, a machine or a case is wrong.

#![allow(dead_code, unused_imports, clippy::all)]

mod handlers;
#[rustfmt::skip]
mod workflow;

use std::process::ExitCode;

use asl_runtime::testing::{MockFile, Trace};
use asl_runtime::{RunOptions, Status, Value};

/// What is printed of a payload or a cause, at most.
const SHOWN: usize = 200;

fn cut(text: &str) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, machine, default_machine, input, format, cases @ ..] = args.as_slice() else {
        eprintln!("error: usage: MOCK_FILE MACHINE DEFAULT_MACHINE INPUT FORMAT [CASE...]");
        return ExitCode::from(2);
    };
    let json = format == "json";
    let input: Value = match asl_runtime::serde_json::from_str(input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: --input is not JSON: {e}");
            return ExitCode::from(2);
        }
    };
    let file = match MockFile::load(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let machines: Vec<String> = file
        .state_machines()
        .into_iter()
        .map(|m| m.to_string())
        .collect();
    let machine = if !machine.is_empty() {
        machine.clone()
    } else if machines.len() == 1 {
        machines[0].clone()
    } else if machines.iter().any(|m| m == default_machine) {
        default_machine.clone()
    } else {
        eprintln!(
            "error: {path}: which state machine? The file has {}; pass --machine NAME",
            if machines.is_empty() {
                "none".to_string()
            } else {
                machines.join(", ")
            }
        );
        return ExitCode::from(1);
    };
    let cases: Vec<String> = if cases.is_empty() {
        file.test_cases(&machine)
            .into_iter()
            .map(|c| c.to_string())
            .collect()
    } else {
        cases.to_vec()
    };
    if cases.is_empty() {
        eprintln!("error: {path}: state machine `{machine}` has no test cases");
        return ExitCode::from(1);
    }
    let runtime = match asl_runtime::tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let mut counts = [0usize; 2];
    for case in &cases {
        let mock = match file.test_case(&machine, case) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        // Every state the case mocks must be a Task state of the workflow.
        if let Err(e) = mock.check_graph(&workflow::GRAPH) {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
        let handlers = handlers::Unmocked::new(&machine, case);
        // Retry intervals and Wait states pass on a paused clock: a case runs at once.
        let recorded = runtime.block_on(
            workflow::Workflow::new(handlers)
                .run_recorded(input.clone(), RunOptions::default().mock(mock)),
        );
        let trace = Trace::of(&recorded.history);
        counts[usize::from(trace.status() != Status::Succeeded)] += 1;
        if json {
            println!("{}", case_json(&machine, case, &trace));
        } else {
            print!("{}", case_text(case, &trace));
        }
    }
    if !json {
        println!(
            "{} case{}: {} succeeded, {} did not",
            cases.len(),
            if cases.len() == 1 { "" } else { "s" },
            counts[0],
            counts[1]
        );
    }
    ExitCode::SUCCESS
}

/// Each retried or caught state, with its errors (a caught state's, when the history has it:
/// a Parallel failed by a Fail state inside records none).
type Caught = Vec<(String, Option<String>)>;

fn retries_and_catches(trace: &Trace) -> (Vec<(String, Vec<String>)>, Caught) {
    let mut retried: Vec<(String, Vec<String>)> = Vec::new();
    let mut caught = Vec::new();
    for v in trace.visits() {
        if !v.retries.is_empty() {
            let errors = v.retries.iter().map(|r| r.error.clone().unwrap_or_default());
            match retried.iter_mut().find(|(s, _)| *s == v.state) {
                Some((_, e)) => e.extend(errors),
                None => retried.push((v.state.clone(), errors.collect())),
            }
        }
        if let Some(c) = v.caught() {
            caught.push((v.state.clone(), c.error.clone()));
        }
    }
    (retried, caught)
}

fn case_text(case: &str, trace: &Trace) -> String {
    let mut out = format!("{case}: {}\n", trace.status().as_str());
    out.push_str(&format!("  path: {}\n", trace.states_entered().join(" → ")));
    let (retried, caught) = retries_and_catches(trace);
    for (state, errors) in retried {
        let mut distinct = errors.clone();
        distinct.dedup();
        out.push_str(&format!(
            "  retried: {state} {}× ({})\n",
            errors.len(),
            distinct.join(", ")
        ));
    }
    for (state, error) in caught {
        match error {
            Some(error) => out.push_str(&format!("  caught: {state} ({error})\n")),
            None => out.push_str(&format!("  caught: {state}\n")),
        }
    }
    match trace.ending() {
        Some(e) if e.status == Status::Succeeded => {
            let output = e.output.as_ref().map(|o| o.to_string()).unwrap_or_default();
            out.push_str(&format!("  output: {}\n", cut(&output)));
        }
        Some(e) => {
            let mut line = e.error.clone().unwrap_or_default();
            if let Some(c) = &e.cause {
                line.push_str(&format!(": {}", cut(c)));
            }
            out.push_str(&format!("  error: {line}\n"));
        }
        None => {}
    }
    out
}

fn case_json(machine: &str, case: &str, trace: &Trace) -> Value {
    let (retried, caught) = retries_and_catches(trace);
    let ending = trace.ending();
    asl_runtime::serde_json::json!({
        "machine": machine,
        "case": case,
        "status": trace.status().as_str(),
        "path": trace.states_entered(),
        "output": ending.and_then(|e| e.output.clone()),
        "error": ending.and_then(|e| e.error.clone()),
        "cause": ending.and_then(|e| e.cause.clone()),
        "retries": retried.into_iter().map(|(s, e)| (s, Value::from(e))).collect::<asl_runtime::serde_json::Map<_, _>>(),
        "caught": caught.into_iter().map(|(s, e)| (s, Value::from(e))).collect::<asl_runtime::serde_json::Map<_, _>>(),
    })
}
