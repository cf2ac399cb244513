//! The `asl` binary: exit codes, output formats, standard input.

use std::io::Write;
use std::process::{Command, Stdio};

fn asl(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_asl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn asl");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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
    let (code, out, _) = asl(&["check", "--quiet", "-"], Some(warned));
    assert_eq!(code, 0);
    assert!(!out.contains("ASL903"), "{out}");
}
