//! The Mermaid writer (`flowchart TD`), for Markdown documents: compound states as
//! subgraphs with a subgraph per branch (or the Map's processor), shapes and colours by type
//! (`classDef`), dashed Catch edges, labelled Choice and Catch edges.
//!
//! Ids are generated (`s0`, `s1`, …, `asl_start`, `asl_stop`): no state name is ever an id.
//! Every text from the definition is a double-quoted label whose characters other than
//! letters, digits, spaces and harmless punctuation are written as Mermaid entity codes
//! (`#34;`, `#60;`, …), so quotes, brackets, `;`, `|`, backticks, `<` and `%` cannot end the
//! label or start markup.

use std::fmt::Write;

use crate::scene::small_lines;
use crate::style::{self, CATCH, MARKER, TEXT};
use crate::{EdgeKind, Graph, Kind, Node};

/// `text` as the inside of a Mermaid double-quoted label.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_alphanumeric() && !c.is_control() => out.push(c),
            ' ' | '.' | ',' | ':' | '_' | '-' | '/' | '+' | '*' | '?' | '!' | '@' | '$' | '\''
            | '~' | '^' | '=' => out.push(c),
            c if c.is_control() => out.push(' '),
            c => {
                let _ = write!(out, "#{};", c as u32);
            }
        }
    }
    out
}

fn label_of(node: &Node) -> String {
    let mut parts = vec![escape(&node.name)];
    parts.extend(small_lines(node).iter().map(|l| escape(l)));
    parts.join("<br/>")
}

fn class_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Task => "task",
        Kind::Choice => "choice",
        Kind::Parallel => "parallel",
        Kind::Map => "map",
        Kind::Wait => "wait",
        Kind::Pass => "pass",
        Kind::Succeed => "succeed",
        Kind::Fail => "fail",
    }
}

struct Writer {
    out: String,
    edges: String,
    next_id: usize,
    /// How many edges are written so far, and the indices of the Catch edges.
    links: usize,
    catch_links: Vec<usize>,
    /// Ids by class, for the `class` lines at the end.
    classes: Vec<(Kind, Vec<String>)>,
}

/// The graph as a Mermaid flowchart.
pub(crate) fn render(graph: &Graph) -> String {
    let mut w = Writer {
        out: String::from("flowchart TD\n"),
        edges: String::new(),
        next_id: 0,
        links: 0,
        catch_links: Vec::new(),
        classes: Kind::ALL.iter().map(|k| (*k, Vec::new())).collect(),
    };
    let ids = w.scope(graph, 1);
    if !graph.nodes.is_empty() {
        w.out.push_str("  asl_start([\"Start\"])\n");
        let start = graph
            .nodes
            .iter()
            .position(|n| n.name == graph.start)
            .unwrap_or(0);
        let _ = writeln!(w.edges, "  asl_start --> {}", ids[start]);
        w.links += 1;
        if graph.nodes.iter().any(|n| n.end) {
            w.out.push_str("  asl_stop([\"End\"])\n");
            for (i, n) in graph.nodes.iter().enumerate() {
                if n.end {
                    let _ = writeln!(w.edges, "  {} --> asl_stop", ids[i]);
                    w.links += 1;
                }
            }
        }
    }
    let mut out = w.out;
    out.push_str(&w.edges);
    for kind in Kind::ALL {
        let (fill, stroke) = style::kind_colours(kind);
        let width = if matches!(kind, Kind::Succeed | Kind::Fail) {
            "2.5px"
        } else {
            "1.5px"
        };
        let _ = writeln!(
            out,
            "  classDef {} fill:{fill},stroke:{stroke},stroke-width:{width},color:{TEXT}",
            class_of(kind)
        );
    }
    let _ = writeln!(
        out,
        "  classDef marker fill:{MARKER},stroke:{MARKER},color:#ffffff"
    );
    for (kind, ids) in &w.classes {
        if !ids.is_empty() {
            let _ = writeln!(out, "  class {} {}", ids.join(","), class_of(*kind));
        }
    }
    if !graph.nodes.is_empty() {
        out.push_str("  class asl_start marker\n");
        if graph.nodes.iter().any(|n| n.end) {
            out.push_str("  class asl_stop marker\n");
        }
    }
    // Catch edges in red: Mermaid styles edges by their index in order of appearance.
    if !w.catch_links.is_empty() {
        let list: Vec<String> = w.catch_links.iter().map(|i| i.to_string()).collect();
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{CATCH},color:{CATCH}",
            list.join(",")
        );
    }
    out
}

impl Writer {
    fn scope(&mut self, graph: &Graph, depth: usize) -> Vec<String> {
        let indent = "  ".repeat(depth);
        let mut ids = Vec::with_capacity(graph.nodes.len());
        for node in graph.nodes.iter() {
            let id = format!("s{}", self.next_id);
            self.next_id += 1;
            let label = label_of(node);
            if node.children.is_empty() {
                let shape = match node.kind {
                    Kind::Choice => format!("{id}{{\"{label}\"}}"),
                    Kind::Succeed | Kind::Fail => format!("{id}([\"{label}\"])"),
                    Kind::Wait | Kind::Pass => format!("{id}(\"{label}\")"),
                    _ => format!("{id}[\"{label}\"]"),
                };
                let _ = writeln!(self.out, "{indent}{shape}");
                if let Some((_, list)) = self.classes.iter_mut().find(|(k, _)| *k == node.kind) {
                    list.push(id.clone());
                }
                ids.push(id);
                continue;
            }
            let _ = writeln!(self.out, "{indent}subgraph {id} [\"{label}\"]");
            let _ = writeln!(self.out, "{indent}  direction TB");
            let many = node.children.len() > 1 || node.kind == Kind::Parallel;
            for (b, child) in node.children.iter().enumerate() {
                let caption = if node.kind == Kind::Map {
                    "Item processor".to_string()
                } else if many {
                    format!("Branch {}", b + 1)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    self.out,
                    "{indent}  subgraph {id}_b{b} [\"{}\"]",
                    escape(&caption)
                );
                let _ = writeln!(self.out, "{indent}    direction TB");
                self.scope(child, depth + 2);
                let _ = writeln!(self.out, "{indent}  end");
            }
            let _ = writeln!(self.out, "{indent}end");
            if let Some((_, list)) = self.classes.iter_mut().find(|(k, _)| *k == node.kind) {
                list.push(id.clone());
            }
            ids.push(id);
        }
        for e in graph.edges.iter() {
            let (Some(from), Some(to)) = (ids.get(e.from), ids.get(e.to)) else {
                continue;
            };
            let arrow = if e.kind == EdgeKind::Catch {
                "-.->"
            } else {
                "-->"
            };
            let label = match (e.kind, e.label.is_empty()) {
                (EdgeKind::Default, true) => "Default".to_string(),
                _ => e.label.to_string(),
            };
            if e.kind == EdgeKind::Catch {
                self.catch_links.push(self.links);
            }
            self.links += 1;
            if label.is_empty() {
                let _ = writeln!(self.edges, "  {from} {arrow} {to}");
            } else {
                let _ = writeln!(self.edges, "  {from} {arrow}|\"{}\"| {to}", escape(&label));
            }
        }
        ids
    }
}
