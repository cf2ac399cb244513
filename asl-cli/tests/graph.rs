//! `asl graph`: SVG (the default), DOT and Mermaid, to standard output or a file; an
//! invalid definition exits 1 with exactly what `asl check` prints for it.

mod common;

use common::asl;

const EXAMPLE: &str = "../examples/order_processing/workflows/order_processing.asl.json";
const BROKEN: &str = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#;
const NESTED: &str = r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
  "Branches": [{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
    "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}}}},
   {"StartAt": "Y <&>", "States": {"Y <&>": {"Type": "Succeed"}}}]}}}"#;

/// The default is an SVG document on standard output, naming every state once, nested
/// ones included (PAR-1, MAP-1).
#[test]
fn svg_by_default() {
    let (code, out, err) = asl(&["graph", "-"], Some(NESTED));
    assert_eq!(code, 0, "{err}");
    let doc = roxmltree::Document::parse(&out).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let mut states: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("state"))
        .filter_map(|n| n.attribute("data-state"))
        .collect();
    states.sort_unstable();
    assert_eq!(states, ["M", "P", "X", "Y <&>"]);
}

#[test]
fn dot_and_mermaid() {
    let (code, out, err) = asl(&["graph", "--format", "dot", EXAMPLE], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("digraph asl {"), "{out}");
    assert!(
        out.contains("style=dashed"),
        "the example has Catch rules: {out}"
    );
    assert!(out.trim_end().ends_with('}'));
    let (code, out, err) = asl(&["graph", "--format", "mermaid", EXAMPLE], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("flowchart TD\n"), "{out}");
    assert!(out.contains("-.->"), "{out}");
}

/// `-o` writes the file and nothing to standard output.
#[test]
fn output_file() {
    let dir = std::env::temp_dir().join(format!("asl-graph-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("order.svg");
    let path_text = path.to_str().expect("UTF-8 path");
    let (code, out, err) = asl(&["graph", EXAMPLE, "-o", path_text], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    let svg = std::fs::read_to_string(&path).expect("written");
    roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let (code, _, _) = asl(
        &["graph", "--format", "mermaid", EXAMPLE, "-o", path_text],
        None,
    );
    assert_eq!(code, 0);
    assert!(
        std::fs::read_to_string(&path)
            .expect("written")
            .starts_with("flowchart TD")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An invalid definition: exit 1, nothing on standard output, and on standard error
/// exactly what `asl check` prints for it.
#[test]
fn invalid_definition_exits_one_with_the_check_diagnostics() {
    let (code, out, err) = asl(&["graph", "-"], Some(BROKEN));
    assert_eq!(code, 1);
    assert_eq!(out, "");
    let (check_code, check_out, _) = asl(&["check", "--color", "never", "-"], Some(BROKEN));
    assert_eq!(check_code, 1);
    assert_eq!(err, check_out);
    assert!(
        err.contains("error[ASL203]: no state is named `B`"),
        "{err}"
    );
    let (code, out, err) = asl(&["graph", "--format", "dot", "-"], Some("not json"));
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("error[ASL001]"), "{err}");
}

#[test]
fn unreadable_file_or_bad_format_exit_two() {
    let (code, _, err) = asl(&["graph", "no-such-file.asl.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    let (code, _, _) = asl(&["graph", "--format", "png", EXAMPLE], None);
    assert_eq!(code, 2);
}
