//! Every text from a definition is user data: state names, details, error names and
//! condition labels holding markup or syntax characters come out as text in SVG, DOT and
//! Mermaid, never as markup or syntax.

use std::borrow::Cow;
use std::collections::BTreeMap;

use asl_graph::{
    Edge, EdgeKind, Graph, Kind, Mark, Marks, Node, Retry, Status, to_dot, to_mermaid, to_svg,
};

const NASTY: [&str; 6] = [
    "<script>alert(1)</script>",
    "a&b\"c'd]]>",
    "x\"] --> evil[\"y",
    "semi;colon|pipe`tick`{brace}#35;",
    "back\\slash\\N \\l %% comment\nnewline",
    "end",
];

fn node(name: &str, kind: Kind, children: Vec<Graph>) -> Node {
    Node {
        name: Cow::Owned(name.to_string()),
        kind,
        end: false,
        detail: Cow::Owned(format!("detail {name}")),
        retries: Cow::Owned(vec![Retry {
            errors: Cow::Owned(vec![Cow::Owned(format!("E<{name}>"))]),
            max_attempts: 3,
            interval_seconds: 1,
            backoff_rate: 2.0,
        }]),
        children: Cow::Owned(children),
    }
}

/// A Parallel holding the nasty names, reached from a Choice whose rule labels are nasty.
fn nasty_graph() -> Graph {
    let inner = Graph {
        start: Cow::Borrowed(NASTY[0]),
        nodes: Cow::Owned(
            NASTY
                .iter()
                .map(|n| node(n, Kind::Task, Vec::new()))
                .collect(),
        ),
        edges: Cow::Owned(
            (1..NASTY.len())
                .map(|i| Edge {
                    from: i - 1,
                    to: i,
                    kind: EdgeKind::Catch,
                    label: Cow::Owned(NASTY[i].to_string()),
                })
                .collect(),
        ),
    };
    let mut par = node("Par <b>", Kind::Parallel, vec![inner]);
    par.end = true;
    Graph {
        start: Cow::Borrowed("Pick \"one\""),
        nodes: Cow::Owned(vec![node("Pick \"one\"", Kind::Choice, Vec::new()), par]),
        edges: Cow::Owned(vec![Edge {
            from: 0,
            to: 1,
            kind: EdgeKind::Choice,
            label: Cow::Borrowed("$.x == \"<&>\""),
        }]),
    }
}

/// SVG: well-formed; `data-state` and `<title>` hold each name exactly; no element or
/// attribute comes from the names; no `<style>` or `style=`, no script.
#[test]
fn svg_escapes_everything() {
    let g = nasty_graph();
    let mut marks = Marks::new();
    marks.insert(
        NASTY[0].to_string(),
        Mark {
            last: Some(Status::Failed),
            visits: 3,
            outcomes: BTreeMap::from([(Status::Retried, 2), (Status::Failed, 1)]),
        },
    );
    for svg in [to_svg(&g, None), to_svg(&g, Some(&marks))] {
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let names: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.attribute("data-state"))
            .collect();
        for name in NASTY.iter().chain(&["Pick \"one\"", "Par <b>"]) {
            assert!(names.contains(name), "{name} missing from {names:?}");
        }
        for n in doc.descendants().filter(|n| n.is_element()) {
            let tag = n.tag_name().name();
            assert!(
                [
                    "svg", "defs", "marker", "path", "rect", "g", "title", "text", "polygon"
                ]
                .contains(&tag),
                "unexpected element {tag}"
            );
            for a in n.attributes() {
                assert!(
                    a.name() != "style" && !a.name().starts_with("on"),
                    "attribute {}",
                    a.name()
                );
            }
        }
        let title = doc
            .descendants()
            .find(|n| n.attribute("data-state") == Some(NASTY[0]))
            .and_then(|g| g.children().find(|c| c.has_tag_name("title")))
            .and_then(|t| t.text())
            .expect("a title");
        assert!(title.starts_with(NASTY[0]));
        assert!(!svg.contains("<script"));
    }
    let svg = to_svg(&g, Some(&marks));
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let failed = doc
        .descendants()
        .find(|n| n.attribute("data-state") == Some(NASTY[0]))
        .expect("the marked state");
    assert_eq!(failed.attribute("data-status"), Some("failed"));
    assert_eq!(failed.attribute("data-visits"), Some("3"));
    assert_eq!(
        failed.attribute("data-outcomes"),
        Some("failed:1 retried:2")
    );
    assert_eq!(failed.attribute("tabindex"), Some("0"));
    assert_eq!(failed.attribute("role"), Some("button"));
    assert_eq!(
        failed.attribute("aria-label"),
        Some("<script>alert(1)</script>, Task, failed, 3 visits")
    );
    let unmarked = doc
        .descendants()
        .find(|n| n.attribute("data-state") == Some("Par <b>"))
        .expect("an unmarked state");
    assert_eq!(unmarked.attribute("data-status"), Some("not-reached"));
    assert_eq!(unmarked.attribute("data-visits"), None);
}

/// Splits DOT text into its double-quoted strings (decoded); fails on an unterminated one.
fn dot_strings(dot: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = dot.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            assert!(c != '\\', "a backslash outside a string");
            continue;
        }
        let mut s = String::new();
        loop {
            match chars.next().expect("an unterminated DOT string") {
                '"' => break,
                '\\' => match chars.next().expect("a dangling escape") {
                    'n' => s.push('\n'),
                    c => s.push(c),
                },
                c => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

/// DOT: every name comes back intact from a quoted string; outside strings only ids.
#[test]
fn dot_escapes_everything() {
    let dot = to_dot(&nasty_graph());
    let strings = dot_strings(&dot);
    for name in NASTY {
        // Newlines in names become spaces (a DOT line break is a `\n` escape).
        let expected = name.replace('\n', " ");
        assert!(
            strings
                .iter()
                .any(|s| s.lines().next() == Some(expected.as_str())),
            "{name} missing"
        );
    }
    // Outside the strings, nothing from the names.
    let mut outside = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in dot.chars() {
        match (in_string, escaped, c) {
            (true, false, '\\') => escaped = true,
            (true, true, _) => escaped = false,
            (_, false, '"') => in_string = !in_string,
            (false, ..) => outside.push(c),
            _ => {}
        }
    }
    for word in ["script", "evil", "comment", "brace"] {
        assert!(!outside.contains(word), "{word} outside strings");
    }
}

/// Decodes Mermaid entity codes (`#60;`).
fn mermaid_decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let end = tail.find(';').expect("an entity ends with ;");
        let code: u32 = tail[..end].parse().expect("a decimal entity");
        out.push(char::from_u32(code).expect("a character"));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// `text` without its well-formed entity codes.
fn strip_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        match tail.find(';') {
            Some(end) if end > 0 && tail[..end].bytes().all(|b| b.is_ascii_digit()) => {
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('#');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Mermaid: labels hold no character that ends a label or starts markup; decoded, every
/// name is there; no name is an id.
#[test]
fn mermaid_escapes_everything() {
    let mermaid = to_mermaid(&nasty_graph());
    let mut labels = Vec::new();
    for line in mermaid.lines() {
        // Every label is between one pair of double quotes.
        let quotes = line.matches('"').count();
        assert!(quotes % 2 == 0, "unbalanced quotes: {line}");
        for (i, part) in line.split('"').enumerate() {
            if i % 2 == 1 {
                let stripped = strip_entities(&part.replace("<br/>", ""));
                for bad in [
                    '<', '>', '[', ']', '{', '}', ';', '|', '`', '\\', '%', '&', '(', ')', '#',
                ] {
                    assert!(!stripped.contains(bad), "{bad:?} in label {part:?}");
                }
                labels.push(mermaid_decode(&part.replace("<br/>", "\n")));
            } else {
                assert!(!part.contains("script") && !part.contains("evil"), "{line}");
            }
        }
    }
    for name in NASTY {
        let expected = name.replace('\n', " ");
        assert!(
            labels
                .iter()
                .any(|l| l.lines().next() == Some(expected.as_str())),
            "{name} missing from {labels:?}"
        );
    }
    assert!(mermaid.starts_with("flowchart TD\n"));
}

/// One state named `name`, with a self-loop labelled `name`.
fn named(name: &str) -> Graph {
    let mut n = node(name, Kind::Task, Vec::new());
    n.end = true;
    Graph {
        start: Cow::Owned(name.to_string()),
        nodes: Cow::Owned(vec![n]),
        edges: Cow::Owned(vec![Edge {
            from: 0,
            to: 0,
            kind: EdgeKind::Catch,
            label: Cow::Owned(name.to_string()),
        }]),
    }
}

proptest::proptest! {
    /// Any name at all: the SVG stays well-formed and holds the name exactly (control
    /// characters XML cannot hold become U+FFFD); DOT and Mermaid labels decode back to it.
    #[test]
    fn any_name_is_text(name in "\\PC*|[\\x00-\\x7f]*") {
        let g = named(&name);
        let svg = to_svg(&g, None);
        let doc = roxmltree::Document::parse(&svg).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}")))?;
        let xml_name: String = name
            .chars()
            .map(|c| if c.is_control() && (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') { '\u{fffd}' } else { c })
            .collect();
        let found = doc.descendants().find_map(|n| n.attribute("data-state"));
        proptest::prop_assert_eq!(found, Some(xml_name.as_str()));

        let plain: String = name.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let strings = dot_strings(&to_dot(&g));
        proptest::prop_assert!(strings.iter().any(|s| s.lines().next() == Some(plain.as_str()) || (plain.is_empty() && s.starts_with('\n'))));

        let mermaid = to_mermaid(&g);
        for line in mermaid.lines() {
            proptest::prop_assert!(line.matches('"').count() % 2 == 0, "{}", line);
        }
        let labels: Vec<String> = mermaid
            .lines()
            .flat_map(|l| l.split('"').skip(1).step_by(2).map(|p| mermaid_decode(&p.replace("<br/>", "\n"))).collect::<Vec<_>>())
            .collect();
        proptest::prop_assert!(labels.iter().any(|l| l.split('\n').next() == Some(plain.as_str())), "{:?}", labels);
    }
}
