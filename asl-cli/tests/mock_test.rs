//! `asl test MockConfigFile.json --definition FILE`: the test cases of AWS's Step Functions
//! Local documentation example (`LambdaSQSIntegration` with `HappyPath`, `RetryPath`,
//! `HybridPath`), run by a test runner crate built for the definition; and the errors found
//! before anything is built.
//!
//! The runner builds in `CARGO_TARGET_DIR` when set (the workspace's: only the runner's own
//! crate compiles), else in the cache; the cache is under this package's test directory.

mod common;

use common::asl;

const MOCK: &str = "tests/fixtures/mock/MockConfigFile.json";
const DEFINITION: &str = "tests/fixtures/mock/LambdaSQSIntegration.asl.json";

fn cache() -> String {
    format!("{}/asl-test-cache", env!("CARGO_TARGET_TMPDIR"))
}

fn asl_test(extra: &[&str]) -> (i32, String, String) {
    let cache = cache();
    let mut args = vec![
        "test",
        MOCK,
        "--definition",
        DEFINITION,
        "--cache-dir",
        &cache,
    ];
    args.extend_from_slice(extra);
    asl(&args, None)
}

/// The documentation's three cases: the happy path; the retry path (three failed calls of
/// `LambdaState` retried, its fourth answer a success); the hybrid path, where `SQSState` is
/// not mocked: with no service to call, the execution fails naming the state and the case.
#[test]
fn runs_every_case_of_the_documentation_example() {
    let (code, out, err) = asl_test(&["--input", r#"{"name": "Ada"}"#]);
    assert_eq!(code, 0, "{out}\n{err}");
    let sqs = r#"{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}"#;
    let expected = format!(
        "HappyPath: SUCCEEDED\n  path: LambdaState → SQSState\n  output: {sqs}\n\
         RetryPath: SUCCEEDED\n  path: LambdaState → SQSState\n\
         \x20 retried: LambdaState 3× (Lambda.ResourceNotReadyException, Lambda.TimeoutException)\n\
         \x20 output: {sqs}\n\
         HybridPath: FAILED\n  path: LambdaState → SQSState\n\
         \x20 error: States.Runtime: An error occurred while executing the state 'SQSState' (entered at the event id #7). \
         test case `HybridPath` of state machine `LambdaSQSIntegration` mocks no response for Task state `SQSState` (asl tes…\n\
         3 cases: 2 succeeded, 1 did not\n"
    );
    assert_eq!(out, expected);
}

/// One JSON object per case; `--case` picks cases; `--machine` names the machine.
#[test]
fn json_format_for_the_chosen_cases() {
    let (code, out, err) = asl_test(&[
        "--format",
        "json",
        "--machine",
        "LambdaSQSIntegration",
        "--case",
        "RetryPath",
        "--case",
        "HybridPath",
    ]);
    assert_eq!(code, 0, "{err}");
    let cases: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(cases.len(), 2, "{out}");
    assert_eq!(cases[0]["case"], "RetryPath");
    assert_eq!(cases[0]["status"], "SUCCEEDED");
    assert_eq!(
        cases[0]["retries"]["LambdaState"],
        serde_json::json!([
            "Lambda.ResourceNotReadyException",
            "Lambda.TimeoutException",
            "Lambda.TimeoutException"
        ])
    );
    assert_eq!(
        cases[0]["path"],
        serde_json::json!(["LambdaState", "SQSState"])
    );
    assert_eq!(cases[1]["case"], "HybridPath");
    assert_eq!(cases[1]["status"], "FAILED");
    assert_eq!(cases[1]["error"], "States.Runtime");
    assert_eq!(cases[1]["output"], serde_json::Value::Null);
}

/// A case or machine the file does not have: exit 1, naming what it has.
#[test]
fn an_unknown_case_or_machine_exits_one() {
    let (code, out, err) = asl_test(&["--case", "SadPath"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("SadPath"), "{err}");
    assert!(err.contains("HappyPath"), "{err}");
    let (code, _, err) = asl_test(&["--machine", "Other"]);
    assert_eq!(code, 1);
    assert!(err.contains("Other"), "{err}");
}

/// The runner is built once per definition: a second run says nothing about building.
#[test]
fn a_second_run_reuses_the_runner() {
    let (code, _, err) = asl_test(&["--case", "HappyPath"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = asl_test(&["--case", "HappyPath"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("building the test runner"), "{err}");
    assert!(out.starts_with("HappyPath: SUCCEEDED\n"), "{out}");
}

// Errors found before anything is built.

#[test]
fn an_invalid_definition_exits_one_with_its_diagnostics() {
    let dir = format!("{}/asl-test-invalid", env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let def = format!("{dir}/broken.asl.json");
    std::fs::write(
        &def,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#,
    )
    .unwrap();
    let cache = cache();
    let (code, out, err) = asl(
        &["test", MOCK, "--definition", &def, "--cache-dir", &cache],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("ASL203"), "{err}");
    assert!(err.contains("is invalid: no test run"), "{err}");
}

#[test]
fn unreadable_files_and_bad_input_exit_two() {
    let cache = cache();
    let (code, _, err) = asl(
        &[
            "test",
            "nope.json",
            "--definition",
            DEFINITION,
            "--cache-dir",
            &cache,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot read `nope.json`"), "{err}");
    let (code, _, err) = asl(
        &[
            "test",
            MOCK,
            "--definition",
            "nope.asl.json",
            "--cache-dir",
            &cache,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot read `nope.asl.json`"), "{err}");
    let (code, _, err) = asl_test(&["--input", "{not json"]);
    assert_eq!(code, 2);
    assert!(err.contains("--input is not JSON"), "{err}");
    let (code, _, _) = asl(&["test", MOCK], None);
    assert_eq!(code, 2, "--definition is required");
}

#[test]
fn runtime_sources_that_cannot_be_found_exit_two_with_help() {
    let (code, _, err) = asl_test(&["--runtime", "/no/such/runtime"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`/no/such/runtime` (given) holds none"),
        "{err}"
    );
    assert!(err.contains("ASL_RUNTIME_DIR"), "{err}");
}
