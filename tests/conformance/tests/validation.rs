//! Validation against the conformance corpus (issue 3; VAL-*; where it is read from: the
//! crate docs):
//! - every definition AWS ran (`cases/`, `tasks/`) is accepted;
//! - every definition AWS rejected (`invalid/`) is rejected, with a diagnostic naming the same
//!   problem at the same location AWS names;
//! - linters' fixtures (`validation/valid`, `validation/invalid`) are accepted / rejected, except
//!   the listed cases where AWS decides otherwise than the linter.

use std::path::Path;

use asl_codegen::{Checked, MachineType, Options, Source};
use asl_conformance::{CASES, display, files, read, report_case_dirs, root, short};

fn check(path: &Path, text: String, machine_type: MachineType) -> Checked {
    asl_codegen::check(Source::new(short(path), text), &Options { machine_type })
}

fn errors(c: &Checked) -> String {
    c.report
        .errors()
        .map(|d| c.report.plain_line(d))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Linter fixtures where AWS's own behaviour (recorded in `invalid/`, or documented) differs
/// from the linter's verdict. Each entry: file, the code we report (`None` = we accept), why.
const AWS_DIFFERS: &[(&str, Option<&str>, &str)] = &[
    (
        "valid/asl-validator-valid-map-with-item-batcher-jsonata.json",
        Some("ASL110"),
        "a JSONPath state in a JSONata machine: AWS rejects it \
         (invalid/validate_state_machine_definition_type_standard_INVALID_DOWNGRADE_QUERY_LANGUAGE)",
    ),
    (
        "valid/asl-validator-valid-task-credentials.json",
        Some("ASL102"),
        "Credentials without RoleArn: AWS rejects it (invalid/invalid_credentials_field_*)",
    ),
    (
        "valid/statelint-task-with-credentials.json",
        Some("ASL102"),
        "Credentials with `roleArn` instead of `RoleArn`: AWS rejects it \
         (invalid/invalid_credentials_field_*)",
    ),
    (
        "valid/asl-validator-valid-task-intrisic-function.json",
        Some("ASL104"),
        "CloudFormation `Fn::GetAtt` objects as Resource: AWS takes only a string",
    ),
    (
        "invalid/asl-validator-invalid-json-surround-syntax-extra-spaces.json",
        None,
        "a newline inside `{% … %}`: AWS only requires the string to start with `{%` and end \
         with `%}` (validation/INDEX.md)",
    ),
    (
        "invalid/asl-validator-invalid-jsonata-surround-syntax-no-spaces.json",
        None,
        "`{%10%}`: AWS does not require spaces inside the delimiters (validation/INDEX.md)",
    ),
];

#[test]
fn definitions_aws_ran_are_accepted() {
    // The execution cases the runner compiles (`ASL_CONFORMANCE_DIR`, default `cases/` and
    // `tasks/` of the corpus).
    report_case_dirs().unwrap_or_else(|problem| panic!("{problem}"));
    let paths: Vec<_> = CASES
        .iter()
        .map(|c| Path::new(c.dir).join("definition.asl.json"))
        .collect();
    assert!(!paths.is_empty(), "no execution cases");
    let mut failures = Vec::new();
    for path in &paths {
        let case = path.parent().expect("case dir");
        let expected = read(&case.join("expected.json"));
        let express = expected.contains("\"type\": \"EXPRESS\"");
        let c = check(
            path,
            read(path),
            if express {
                MachineType::Express
            } else {
                MachineType::Standard
            },
        );
        if !c.is_valid() {
            failures.push(errors(&c));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} definitions AWS accepted were rejected:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
    eprintln!("accepted all {} definitions AWS ran", paths.len());
}

/// Which of our codes name the problem an AWS message names.
fn codes_for(aws_message: &str) -> &'static [&'static str] {
    const TABLE: &[(&str, &[&str])] = &[
        ("INVALID_JSON_DESCRIPTION", &["ASL001"]),
        (
            "Definition must be a valid JSON object",
            &["ASL002", "ASL101"],
        ),
        ("These fields are required", &["ASL102"]),
        ("is required but was missing", &["ASL102"]),
        ("Express state machine does not support", &["ASL603"]),
        (
            "must be a valid JSONPath or a valid intrinsic function call",
            &["ASL303", "ASL305", "ASL306", "ASL307"],
        ),
        ("is not recognized", &["ASL601"]),
        ("Value cannot be empty", &["ASL108"]),
        ("should have one of these values", &["ASL105"]),
        ("can not be 'JSONPath' if set to 'JSONata'", &["ASL110"]),
        ("does not match RFC3339 timestamp", &["ASL503"]),
    ];
    TABLE
        .iter()
        .find(|(phrase, _)| aws_message.contains(phrase))
        .map_or(&[], |(_, codes)| codes)
}

#[test]
fn definitions_aws_rejected_are_rejected_for_the_same_reason() {
    let root = root();
    let cases = files(&root, &["invalid", "*", "definition.asl.json"]);
    println!(
        "conformance: read {} ({} definitions)",
        display(&root.join("invalid")),
        cases.len()
    );
    assert!(
        !cases.is_empty(),
        "no invalid definitions under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for path in &cases {
        let dir = path.parent().expect("case dir");
        let expected: serde_json::Value =
            serde_json::from_str(&read(&dir.join("expected.json"))).expect("expected.json");
        let aws_error = expected["error"].as_str().unwrap_or_default();
        let express = expected["type"] == "EXPRESS";
        let mut text = read(path);
        // TestState takes a single state and wraps it as state `StateName`.
        if expected["api"] == "TestState"
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && v.get("Type").is_some()
        {
            text =
                serde_json::json!({"StartAt": "StateName", "States": {"StateName": v}}).to_string();
        }
        let c = check(
            path,
            text,
            if express {
                MachineType::Express
            } else {
                MachineType::Standard
            },
        );
        let codes = codes_for(aws_error);
        assert!(
            !codes.is_empty(),
            "{}: no mapping for AWS message {aws_error:?}",
            short(path)
        );
        // AWS's location: `… at /States/X/Field'`, or the ValidateStateMachineDefinition one.
        let location = aws_error
            .rsplit_once(" at /")
            .map(|(_, l)| format!("/{}", l.trim_end_matches('\'')))
            .or_else(|| {
                expected["diagnostics"][0]["location"]
                    .as_str()
                    .map(str::to_string)
            })
            .filter(|l| l.starts_with('/'));
        let matched = c.report.errors().any(|d| {
            codes.contains(&d.code.id())
                && location
                    .as_ref()
                    .is_none_or(|l| l == "/" || d.pointer.aws_location().starts_with(l.as_str()))
        });
        if !matched {
            failures.push(format!(
                "{}: AWS said {aws_error:?} (location {location:?}); we said:\n{}",
                short(path),
                errors(&c)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!(
        "rejected all {} definitions AWS rejected, for AWS's reason",
        cases.len()
    );
}

#[test]
fn linter_fixtures() {
    let root = root().join("validation");
    let mut failures = Vec::new();
    let mut counted = 0;
    for (folder, valid) in [("valid", true), ("invalid", false)] {
        for path in files(&root, &[folder, "*.json"]) {
            counted += 1;
            let rel = format!(
                "{folder}/{}",
                path.file_name().expect("name").to_string_lossy()
            );
            let c = check(&path, read(&path), MachineType::Standard);
            let exception = AWS_DIFFERS.iter().find(|(f, ..)| *f == rel);
            match exception {
                Some((_, Some(code), why)) if !c.report.errors().any(|d| d.code.id() == *code) => {
                    failures.push(format!(
                        "{rel}: expected {code} ({why}); got:\n{}",
                        errors(&c)
                    ));
                }
                Some((_, None, why)) if !c.is_valid() => {
                    failures.push(format!(
                        "{rel}: expected to accept ({why}); got:\n{}",
                        errors(&c)
                    ));
                }
                Some(_) => {}
                None if valid && !c.is_valid() => {
                    failures.push(format!("{rel}: valid fixture rejected:\n{}", errors(&c)));
                }
                None if !valid && c.is_valid() => {
                    failures.push(format!("{rel}: invalid fixture accepted"));
                }
                None => {}
            }
        }
    }
    println!("conformance: read {} ({counted} fixtures)", display(&root));
    assert!(counted > 0, "no fixtures under {}", root.display());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!(
        "linter fixtures: {counted} checked, {} decided as AWS does",
        AWS_DIFFERS.len()
    );
}

#[test]
fn statelint_problem_counts() {
    // statelint's tests assert exact problem counts for two fixtures (validation/INDEX.md).
    let root = root().join("validation/invalid");
    let path = root.join("statelint-parameter-path-problems.json");
    let c = check(&path, read(&path), MachineType::Standard);
    assert_eq!(c.report.errors().count(), 5, "{}", errors(&c));
    let path = root.join("statelint-linked-parallel.json");
    let c = check(&path, read(&path), MachineType::Standard);
    let crossings = c
        .report
        .errors()
        .filter(|d| d.code.id() == "ASL204")
        .count();
    assert!(crossings >= 2, "{}", errors(&c));
}
