//! The graphs of definitions, drawn (issue 18):
//! - golden files: six definitions under `tests/graphs/` × SVG, DOT and Mermaid (and one
//!   SVG with an execution's marks); `EXPECTORATE=overwrite cargo test -p asl-codegen --test
//!   graph` refreshes them;
//! - the 100-state machine's layout has no overlapping states;
//! - every definition of the conformance corpus AWS accepted gets a graph whose SVG is
//!   well-formed XML; every definition AWS rejected gets the check's report, never a panic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use asl_codegen::{MachineType, Options, Source, graph_of};
use asl_graph::{Graph, Mark, Marks, Status, layout, to_dot, to_mermaid, to_svg};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn graph_file(path: &Path) -> Graph {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    graph_of(
        Source::new(path.display().to_string(), text),
        &Options::default(),
    )
    .unwrap_or_else(|r| panic!("{}", r.render(false)))
}

const GOLDEN: [&str; 7] = [
    // A Choice with several rules (And, Not, Or, IsPresent, …Path) and a Default (CHOICE-*).
    "choice",
    // Retry rules on the state, dashed Catch edges labelled with their errors (RETRY-*, CATCH-*).
    "retry_catch",
    // A Map (with a polling loop in its processor) inside a Parallel branch (PAR-*, MAP-*).
    "nested",
    // A Distributed Map with an ItemReader, an ItemBatcher and a ResultWriter (MAP-19..23).
    "distributed",
    // JSONata conditions, Wait seconds and Fail error from expressions (JSONATA-*).
    "jsonata",
    // 100 states: four tracks of stages with retries, catches and loops.
    "hundred_states",
    // State names and a condition full of markup and syntax characters (`<script>`, `"]`,
    // `;`, `%%`, backticks, `end`, `subgraph`): text in every format, never syntax.
    "markup_names",
];

/// Whether a test that needs an outside program must fail rather than skip without it.
fn required() -> bool {
    std::env::var("ASL_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// Graphviz accepts every golden DOT file, and draws the markup names as text.
#[test]
fn dot_files_are_valid_graphviz() {
    let dot_available = std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !dot_available {
        assert!(
            !required(),
            "Graphviz `dot` is missing (ASL_REQUIRE_SERVICES=1)"
        );
        println!("skipped: Graphviz `dot` is not installed");
        return;
    }
    let dir = root().join("tests/graphs");
    for name in GOLDEN {
        let path = dir.join(format!("{name}.dot"));
        let out = std::process::Command::new("dot")
            .arg("-Tsvg")
            .arg(&path)
            .output()
            .expect("run dot");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{name}.dot: {stderr}"
        );
        let svg = String::from_utf8_lossy(&out.stdout);
        if name == "markup_names" {
            assert!(
                svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{svg}"
            );
            assert!(!svg.contains("<script"), "{svg}");
        }
    }
}

#[test]
fn golden_drawings() {
    let dir = root().join("tests/graphs");
    for name in GOLDEN {
        let graph = graph_file(&dir.join(format!("{name}.asl.json")));
        let svg = to_svg(&graph, None);
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        expectorate::assert_contents(dir.join(format!("{name}.svg")), &svg);
        expectorate::assert_contents(dir.join(format!("{name}.dot")), &to_dot(&graph));
        expectorate::assert_contents(dir.join(format!("{name}.mmd")), &to_mermaid(&graph));
    }
}

/// An execution's view: a retried-then-caught Task, the Fail it went to, the rest not
/// reached (what the console draws).
#[test]
fn golden_marked_drawing() {
    let dir = root().join("tests/graphs");
    let graph = graph_file(&dir.join("retry_catch.asl.json"));
    let mut marks = Marks::new();
    marks.insert(
        "Charge card".into(),
        Mark {
            last: Some(Status::Caught),
            visits: 3,
            outcomes: BTreeMap::from([(Status::Retried, 2), (Status::Caught, 1)]),
        },
    );
    marks.insert(
        "Notify declined".into(),
        Mark {
            last: Some(Status::Succeeded),
            visits: 1,
            outcomes: BTreeMap::from([(Status::Succeeded, 1)]),
        },
    );
    marks.insert(
        "Declined".into(),
        Mark {
            last: Some(Status::Failed),
            visits: 1,
            outcomes: BTreeMap::from([(Status::Failed, 1)]),
        },
    );
    let svg = to_svg(&graph, Some(&marks));
    let doc = roxmltree::Document::parse(&svg).expect("well-formed");
    let status = |name: &str| {
        doc.descendants()
            .find(|n| n.attribute("data-state") == Some(name))
            .and_then(|n| n.attribute("data-status"))
    };
    assert_eq!(status("Charge card"), Some("caught"));
    assert_eq!(status("Declined"), Some("failed"));
    assert_eq!(status("Send receipt"), Some("not-reached"));
    expectorate::assert_contents(dir.join("retry_catch.marked.svg"), &svg);
}

/// The 100-state machine is drawn without two states overlapping, and every state is in
/// the drawing.
#[test]
fn hundred_states_do_not_overlap() {
    let graph = graph_file(&root().join("tests/graphs/hundred_states.asl.json"));
    assert_eq!(graph.nodes.len(), 100);
    let l = layout(&graph);
    assert_eq!(l.states.len(), 100);
    for (i, a) in l.states.iter().enumerate() {
        for b in &l.states[i + 1..] {
            let (ra, rb) = (&a.rect, &b.rect);
            let apart = ra.x + ra.width <= rb.x
                || rb.x + rb.width <= ra.x
                || ra.y + ra.height <= rb.y
                || rb.y + rb.height <= ra.y;
            assert!(apart, "{} {ra:?} overlaps {} {rb:?}", a.name, b.name);
        }
        assert!(a.rect.x >= 0.0 && a.rect.x + a.rect.width <= l.width);
        assert!(a.rect.y >= 0.0 && a.rect.y + a.rect.height <= l.height);
    }
    // Readable: no wider than a few screens, states no narrower than their minimum.
    assert!(
        l.width < 4000.0 && l.height < 6000.0,
        "{} × {}",
        l.width,
        l.height
    );
}

/// Files matching `<dir>/<pattern…>` (`*` matches any one name), sorted.
fn files(dir: &Path, pattern: &[&str]) -> Vec<PathBuf> {
    let Some((first, rest)) = pattern.split_first() else {
        return vec![dir.to_path_buf()];
    };
    let mut out = Vec::new();
    if *first == "*" {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            out.extend(files(&e, rest));
        }
    } else if first.starts_with("*.") {
        let ext = &first[1..];
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        out.extend(
            entries
                .into_iter()
                .filter(|p| p.to_string_lossy().ends_with(ext)),
        );
    } else {
        let p = dir.join(first);
        if p.exists() {
            out.extend(files(&p, rest));
        }
    }
    out
}

/// The definition text and machine type a corpus case was sent with: a TestState case's
/// single state becomes a machine of that state (as the conformance tests do).
fn corpus_definition(path: &Path) -> (String, MachineType) {
    let mut text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let expected: serde_json::Value = path
        .parent()
        .and_then(|d| std::fs::read_to_string(d.join("expected.json")).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && v.get("Type").is_some()
        && v.get("States").is_none()
    {
        text = serde_json::json!({"StartAt": "StateName", "States": {"StateName": v}}).to_string();
    }
    let express = expected["type"] == "EXPRESS";
    (
        text,
        if express {
            MachineType::Express
        } else {
            MachineType::Standard
        },
    )
}

#[test]
fn corpus_valid_definitions_draw() {
    let corpus = root().join("../tests/conformance/corpus");
    let mut paths = Vec::new();
    for area in ["cases", "tasks", "teststate", "itemreader"] {
        paths.extend(files(
            &corpus.join(area),
            &["*", "*", "definition.asl.json"],
        ));
    }
    paths.extend(files(&corpus.join("validation/valid"), &["*.json"]));
    assert!(
        paths.len() > 1000,
        "the corpus has {} definitions",
        paths.len()
    );
    let mut failures = Vec::new();
    let mut drawn = 0;
    for path in &paths {
        let (text, machine_type) = corpus_definition(path);
        let options = Options { machine_type };
        let graph = match graph_of(
            Source::new(path.display().to_string(), text.clone()),
            &options,
        ) {
            Ok(g) => g,
            Err(report) => {
                // A TestState case may be a lone state AWS tested rather than a machine it
                // created, and a few linter fixtures are ones AWS rejects (listed by the
                // validation suite): the check's verdict on those is that suite's business.
                let lenient = ["teststate", "validation"]
                    .iter()
                    .any(|area| path.to_string_lossy().contains(&format!("corpus/{area}/")));
                if asl_codegen::check(Source::new("x", text), &options).is_valid() {
                    failures.push(format!(
                        "{}: no graph for a valid definition",
                        path.display()
                    ));
                } else if !lenient {
                    failures.push(format!(
                        "{}: rejected:\n{}",
                        path.display(),
                        report.render(false)
                    ));
                }
                continue;
            }
        };
        let svg = to_svg(&graph, None);
        if let Err(e) = roxmltree::Document::parse(&svg) {
            failures.push(format!("{}: SVG not well-formed: {e}", path.display()));
        }
        if to_dot(&graph).len() < 20 || to_mermaid(&graph).len() < 20 {
            failures.push(format!("{}: empty DOT or Mermaid", path.display()));
        }
        drawn += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("drew {drawn} corpus definitions");
}

#[test]
fn corpus_invalid_definitions_give_the_report() {
    let corpus = root().join("../tests/conformance/corpus");
    let mut paths = files(&corpus.join("invalid"), &["*", "definition.asl.json"]);
    paths.extend(files(&corpus.join("validation/invalid"), &["*.json"]));
    assert!(paths.len() > 40);
    let mut accepted = Vec::new();
    for path in &paths {
        let (text, machine_type) = corpus_definition(path);
        let options = Options { machine_type };
        let checked = asl_codegen::check(Source::new("x", text.clone()), &options);
        match graph_of(Source::new(path.display().to_string(), text), &options) {
            Ok(_) if !checked.is_valid() => accepted.push(path.display().to_string()),
            Ok(_) => {
                // A linter fixture AWS accepts (the validation suite lists them): drawn.
            }
            Err(report) => assert_eq!(
                report.diagnostics.len(),
                checked.report.diagnostics.len(),
                "{}",
                path.display()
            ),
        }
    }
    assert!(accepted.is_empty(), "drawn though invalid: {accepted:?}");
}
