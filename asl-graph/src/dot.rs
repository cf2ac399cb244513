//! The DOT writer (Graphviz), for embedding a definition's picture in documents: one
//! cluster per compound state with a sub-cluster per branch (or the Map's processor), shapes
//! and colours by type, dashed Catch edges, labelled Choice and Catch edges.
//!
//! Node ids are generated (`n0`, `n1`, …, `asl_start`, `asl_end`); every text from the definition
//! appears only inside double-quoted strings, escaped by [`quote`].

use std::fmt::Write;

use crate::scene::small_lines;
use crate::style::{self, CATCH, EDGE, MARKER, TEXT};
use crate::{EdgeKind, Graph, Kind, Node};

/// `text` as a DOT double-quoted string: `"` and `\` escaped (so `\N`, `\l` and friends stay
/// literal), control characters replaced by spaces.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lines joined by DOT's centered line break `\n`.
fn lines(parts: &[String]) -> String {
    let quoted: Vec<String> = parts
        .iter()
        .map(|p| {
            let q = quote(p);
            q[1..q.len() - 1].to_string()
        })
        .collect();
    format!("\"{}\"", quoted.join("\\n"))
}

fn label_of(node: &Node) -> String {
    let mut parts = vec![node.name.to_string()];
    parts.extend(small_lines(node));
    lines(&parts)
}

struct Writer {
    out: String,
    next_id: usize,
}

/// The graph as a DOT `digraph`.
pub(crate) fn render(graph: &Graph) -> String {
    let mut w = Writer {
        out: String::new(),
        next_id: 0,
    };
    w.out.push_str("digraph asl {\n");
    w.out.push_str(
        "  graph [rankdir=TB, compound=true, fontname=\"Helvetica\", fontsize=11, \
         nodesep=0.35, ranksep=0.45];\n",
    );
    let _ = writeln!(
        w.out,
        "  node [fontname=\"Helvetica\", fontsize=11, fontcolor=\"{TEXT}\", style=\"filled\"];"
    );
    let _ = writeln!(
        w.out,
        "  edge [fontname=\"Helvetica\", fontsize=10, color=\"{EDGE}\", fontcolor=\"#37474f\"];"
    );
    let ids = w.scope(graph, 1);
    if !graph.nodes.is_empty() {
        let _ = writeln!(
            w.out,
            "  asl_start [label=\"Start\", shape=box, style=\"rounded,filled\", fillcolor=\"{MARKER}\", \
             fontcolor=\"#ffffff\", color=\"{MARKER}\"];"
        );
        let start = graph
            .nodes
            .iter()
            .position(|n| n.name == graph.start)
            .unwrap_or(0);
        w.out.push_str(&edge_line(
            "  ",
            &marker("asl_start"),
            &ids[start],
            Vec::new(),
        ));
        if graph.nodes.iter().any(|n| n.end) {
            let _ = writeln!(
                w.out,
                "  asl_end [label=\"End\", shape=box, style=\"rounded,filled\", \
                 fillcolor=\"{MARKER}\", fontcolor=\"#ffffff\", color=\"{MARKER}\"];"
            );
            for (i, n) in graph.nodes.iter().enumerate() {
                if n.end {
                    w.out
                        .push_str(&edge_line("  ", &ids[i], &marker("asl_end"), Vec::new()));
                }
            }
        }
    }
    w.out.push_str("}\n");
    w.out
}

/// A state's id, and its cluster when it is a compound state (edges then use
/// `lhead`/`ltail` to stop at the cluster's border).
struct Id {
    node: String,
    cluster: Option<String>,
}

/// An edge statement `a -> b [attrs];` between two ids, clipped at their clusters.
fn edge_line(indent: &str, from: &Id, to: &Id, mut attrs: Vec<String>) -> String {
    if let Some(c) = &from.cluster {
        attrs.insert(0, format!("ltail={c}"));
    }
    if let Some(c) = &to.cluster
        && from.node != to.node
    {
        attrs.insert(usize::from(from.cluster.is_some()), format!("lhead={c}"));
    }
    let attrs = if attrs.is_empty() {
        String::new()
    } else {
        format!(" [{}]", attrs.join(", "))
    };
    format!("{indent}{} -> {}{attrs};\n", from.node, to.node)
}

fn marker(id: &str) -> Id {
    Id {
        node: id.to_string(),
        cluster: None,
    }
}

impl Writer {
    /// Writes one scope's states and edges at `depth` (indentation); returns their ids.
    fn scope(&mut self, graph: &Graph, depth: usize) -> Vec<Id> {
        let indent = "  ".repeat(depth);
        let mut ids = Vec::with_capacity(graph.nodes.len());
        for node in graph.nodes.iter() {
            let id = format!("n{}", self.next_id);
            self.next_id += 1;
            let (fill, stroke) = style::kind_colours(node.kind);
            let (shape, style, width) = match node.kind {
                Kind::Choice => ("hexagon", "filled", "1.2"),
                Kind::Succeed | Kind::Fail => ("box", "rounded,filled", "2.5"),
                Kind::Wait | Kind::Pass => ("box", "rounded,filled", "1.2"),
                _ => ("box", "filled", "1.2"),
            };
            let attrs = format!(
                "label={}, shape={shape}, style=\"{style}\", fillcolor=\"{fill}\", \
                 color=\"{stroke}\", penwidth={width}",
                label_of(node)
            );
            if node.children.is_empty() {
                let _ = writeln!(self.out, "{indent}{id} [{attrs}];");
                ids.push(Id {
                    node: id,
                    cluster: None,
                });
                continue;
            }
            let cluster = format!("cluster_{id}");
            let _ = writeln!(self.out, "{indent}subgraph {cluster} {{");
            let _ = writeln!(
                self.out,
                "{indent}  label=\"\"; style=\"rounded,filled\"; fillcolor=\"{fill}\"; \
                 color=\"{stroke}\";"
            );
            let _ = writeln!(self.out, "{indent}  {id} [{attrs}];");
            let many = node.children.len() > 1 || node.kind == Kind::Parallel;
            for (b, child) in node.children.iter().enumerate() {
                let caption = if node.kind == Kind::Map {
                    "Item processor".to_string()
                } else if many {
                    format!("Branch {}", b + 1)
                } else {
                    String::new()
                };
                let _ = writeln!(self.out, "{indent}  subgraph {cluster}_{b} {{");
                let _ = writeln!(
                    self.out,
                    "{indent}    label={}; style=\"dashed,filled\"; fillcolor=\"#ffffff\"; \
                     color=\"{stroke}\";",
                    quote(&caption)
                );
                let inner = self.scope(child, depth + 2);
                let start = child
                    .nodes
                    .iter()
                    .position(|n| n.name == child.start)
                    .unwrap_or(0);
                if let Some(first) = inner.get(start) {
                    // Keeps the branch below the compound state's own node.
                    let _ = writeln!(
                        self.out,
                        "{indent}    {id} -> {} [style=invis];",
                        first.node
                    );
                }
                let _ = writeln!(self.out, "{indent}  }}");
            }
            let _ = writeln!(self.out, "{indent}}}");
            ids.push(Id {
                node: id,
                cluster: Some(cluster),
            });
        }
        for e in graph.edges.iter() {
            let (Some(from), Some(to)) = (ids.get(e.from), ids.get(e.to)) else {
                continue;
            };
            let mut attrs = Vec::new();
            let label = match (e.kind, e.label.is_empty()) {
                (EdgeKind::Default, true) => "Default".to_string(),
                _ => e.label.to_string(),
            };
            if !label.is_empty() {
                attrs.push(format!("label={}", quote(&label)));
            }
            if e.kind == EdgeKind::Catch {
                attrs.push(format!(
                    "style=dashed, color=\"{CATCH}\", fontcolor=\"{CATCH}\""
                ));
            }
            self.out.push_str(&edge_line(&indent, from, to, attrs));
        }
        ids
    }
}
