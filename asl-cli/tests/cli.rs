//! The `asl` binary: exit codes, output formats, standard input.

mod common;

use common::asl;

const EXAMPLE: &str = "../examples/order/order.asl.json";
const BROKEN: &str = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#;

#[test]
fn valid_file_exits_zero() {
    let (code, out, _) = asl(&["check", EXAMPLE], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok"), "{out}");
}

#[test]
fn invalid_input_exits_one_with_rustc_style_output() {
    let (code, out, _) = asl(&["check", "--color", "never", "-"], Some(BROKEN));
    assert_eq!(code, 1);
    assert!(
        out.contains("error[ASL203]: no state is named `B`"),
        "{out}"
    );
    assert!(out.contains("<stdin>:1:"), "{out}");
    assert!(out.contains("^^^"), "{out}");
    assert!(out.contains("<stdin>: 2 errors, 0 warnings"), "{out}");
}

#[test]
fn json_format_has_one_object_per_diagnostic() {
    let (code, out, _) = asl(&["check", "--format", "json", "-"], Some(BROKEN));
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let target = lines
        .iter()
        .find(|d| d["code"] == "ASL203")
        .expect("ASL203");
    assert_eq!(target["file"], "<stdin>");
    assert_eq!(target["severity"], "error");
    assert_eq!(target["pointer"], "States.A.Next");
    assert_eq!(target["state"], "A");
    assert_eq!(target["line"], 1);
    assert_eq!(target["column"], 59);
    for key in ["message", "aws_code", "location"] {
        assert!(target.get(key).is_some(), "{key}");
    }
}

#[test]
fn unreadable_file_or_bad_arguments_exit_two() {
    let (code, _, err) = asl(&["check", "does-not-exist.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    let (code, _, _) = asl(&["check"], None);
    assert_eq!(code, 2);
    let (code, _, _) = asl(&["frobnicate"], None);
    assert_eq!(code, 2);
    // A readable invalid file and an unreadable one: the read failure wins.
    let (code, _, _) = asl(&["check", EXAMPLE, "does-not-exist.json"], None);
    assert_eq!(code, 2);
}

#[test]
fn express_rules_apply_on_request() {
    let callback = r#"{"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#;
    assert_eq!(asl(&["check", "-"], Some(callback)).0, 0);
    let (code, out, _) = asl(&["check", "--express", "-"], Some(callback));
    assert_eq!(code, 1);
    assert!(out.contains("ASL603"), "{out}");
}

#[test]
fn warnings_do_not_fail_and_quiet_hides_them() {
    let warned = r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "foo:bar", "End": true}}}"#;
    let (code, out, _) = asl(&["check", "-"], Some(warned));
    assert_eq!(code, 0);
    assert!(out.contains("warning[ASL903]"), "{out}");
    for quiet in ["--quiet", "-q"] {
        let (code, out, _) = asl(&["check", quiet, "-"], Some(warned));
        assert_eq!(code, 0);
        assert!(!out.contains("ASL903"), "{quiet}: {out}");
        assert!(out.contains("<stdin>: ok"), "{quiet}: {out}");
    }
}

/// A scratch file under Cargo's temporary directory for integration tests.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("asl-cli");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

#[test]
fn text_that_is_not_utf8_exits_two_and_is_a_json_diagnostic() {
    let file = scratch("latin1.asl.json");
    // `é` in Latin-1 (0xE9) on line 2, after 8 characters.
    std::fs::write(&file, b"{\"StartAt\": \"A\",\n  \"x\": \"\xe9\"}").expect("write");
    let path = file.to_str().expect("UTF-8 path");
    let (code, out, err) = asl(&["check", path], None);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("cannot read") && err.contains("not UTF-8"),
        "{err}"
    );

    let (code, out, err) = asl(&["check", "--format", "json", path, EXAMPLE], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not UTF-8"), "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    // The valid example has no diagnostics: the one object is the encoding problem.
    assert_eq!(lines.len(), 1, "{out}");
    let d = &lines[0];
    assert_eq!(d["file"], path);
    assert_eq!(d["code"], "ASL001");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 2);
    assert_eq!(d["column"], 9);
    assert!(
        d["message"].as_str().is_some_and(|m| m.contains("UTF-8")),
        "{d}"
    );
    for key in ["aws_code", "pointer", "location", "state", "help"] {
        assert!(d.get(key).is_some(), "{key}");
    }
}

#[test]
fn generate_prints_the_module_the_builder_writes() {
    let (code, out, err) = asl(
        &[
            "generate",
            EXAMPLE,
            "--task-type",
            "Charge card=crate::ChargeRequest -> crate::ChargeResult",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pub trait Tasks"), "{out}");
    assert!(out.contains("input: crate::ChargeRequest"), "{out}");
    syn::parse_file(&out).expect("the output is a Rust file");
    let built = asl_codegen::Builder::new()
        .emit_rerun_if_changed(false)
        .task_types("Charge card", "crate::ChargeRequest", "crate::ChargeResult")
        .compile_file(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE))
        .expect("the builder compiles the example");
    assert_eq!(out, built);
}

#[test]
fn generate_writes_a_file_with_the_module_name_and_machine_type() {
    let file = scratch("shop.rs");
    let _ = std::fs::remove_file(&file);
    let path = file.to_str().expect("UTF-8 path");
    let (code, out, err) = asl(&["generate", EXAMPLE, "-o", path, "--module", "shop"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    let written = std::fs::read_to_string(&file).expect("the module was written");
    assert!(written.contains("pub trait Tasks"), "{written}");
    assert!(written.contains("\"shop\""), "the machine's name");

    // Express rules apply with --express, and an invalid definition writes nothing.
    let callback = r#"{"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#;
    let (code, out, _) = asl(&["generate", "-"], Some(callback));
    assert_eq!(code, 0);
    assert!(out.contains("pub trait Tasks"), "{out}");
    let (code, out, err) = asl(&["generate", "--express", "-"], Some(callback));
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("ASL603") && err.contains("no code generated"),
        "{err}"
    );
}

#[test]
fn generate_rejects_bad_task_types_with_exit_two() {
    for (arg, expected) in [
        ("Charge card", "expected `STATE=INPUT->OUTPUT`"),
        ("Charge card=crate::A", "expected `STATE=INPUT->OUTPUT`"),
        ("=crate::A->crate::B", "expected `STATE=INPUT->OUTPUT`"),
        ("Charge card=crate::A->Vec<", "type `Vec<`"),
        (
            "No such state=crate::A->crate::B",
            "`No such state` is not a Task state",
        ),
    ] {
        let (code, out, err) = asl(&["generate", EXAMPLE, "--task-type", arg], None);
        assert_eq!(code, 2, "{arg}: {err}");
        assert!(out.is_empty(), "{arg}: {out}");
        assert!(err.contains(expected), "{arg}: {err}");
    }
}
