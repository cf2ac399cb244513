//! The whole drawing in absolute coordinates: each scope (the machine, every Parallel
//! branch and Map processor) laid out by [`crate::layout`], innermost first, so a compound
//! state enters its scope's layout as one box of its laid-out size; then everything is
//! translated to where it ends up. The SVG writer draws a [`Scene`]; [`crate::layout()`]
//! exposes its boxes.

use crate::layout::{self, InEdge, Input, Rect};
use crate::{EdgeKind, Graph, Kind, Node, Retry};

/// Font sizes and their estimated average character widths (no font metrics here: the
/// estimates are on the generous side, so text stays inside its box).
pub(crate) const NAME_SIZE: f64 = 13.0;
pub(crate) const NAME_CHAR: f64 = 7.4;
pub(crate) const SMALL_SIZE: f64 = 11.0;
pub(crate) const SMALL_CHAR: f64 = 6.3;
/// Line heights.
pub(crate) const NAME_LINE: f64 = 18.0;
pub(crate) const SMALL_LINE: f64 = 15.0;
/// A state box's width bounds and inner padding.
const MIN_WIDTH: f64 = 120.0;
const MAX_WIDTH: f64 = 260.0;
pub(crate) const PAD: f64 = 12.0;
/// Extra width each side of a Choice's hexagon.
pub(crate) const CHOICE_TIP: f64 = 14.0;
/// At most this many Retry lines on a state; the rest are counted on one more line.
const MAX_RETRY_LINES: usize = 3;
/// Longest edge label shown, in characters (the full text is in the edge's `<title>`).
const MAX_LABEL_CHARS: usize = 44;
/// Margin around the whole drawing.
pub(crate) const MARGIN: f64 = 16.0;
/// Padding inside a compound state's box around its branch frames, and inside a frame.
const FRAME_GAP: f64 = 12.0;
const FRAME_PAD: f64 = 14.0;
/// Height of a frame's caption ("Branch 1", "Item processor").
const CAPTION: f64 = 16.0;
/// The start and end markers.
pub(crate) const MARKER_W: f64 = 56.0;
pub(crate) const MARKER_H: f64 = 24.0;

/// How many average characters wide `c` is: East Asian wide characters count double.
fn char_cells(c: char) -> f64 {
    match c as u32 {
        0x1100..=0x115f
        | 0x2e80..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1faff
        | 0x20000..=0x3fffd => 2.0,
        _ => 1.0,
    }
}

/// The estimated width of `text` in a font whose average character is `char_w` wide.
pub(crate) fn text_width(text: &str, char_w: f64) -> f64 {
    text.chars().map(char_cells).sum::<f64>() * char_w
}

/// `text` cut to fit `width` (an ellipsis marks the cut).
pub(crate) fn fit(text: &str, width: f64, char_w: f64) -> String {
    // The slack absorbs rounding: a box is sized from the same estimate.
    if text_width(text, char_w) <= width + 0.5 {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = char_w; // the ellipsis
    for c in text.chars() {
        let cw = char_cells(c) * char_w;
        if used + cw > width {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// One Retry rule as shown on its state: `↻ States.ALL ×3 · 1s · ×2.0`.
pub(crate) fn retry_line(r: &Retry) -> String {
    let errors = r.errors.join(", ");
    format!(
        "↻ {errors} ×{} · {}s · ×{:?}",
        r.max_attempts, r.interval_seconds, r.backoff_rate
    )
}

/// The text lines of a state: name, then the small lines (type and detail, retries).
pub(crate) fn small_lines(node: &Node) -> Vec<String> {
    let mut lines = Vec::new();
    let kind = node.kind.as_str();
    if node.detail.is_empty() {
        lines.push(kind.to_string());
    } else {
        lines.push(format!("{kind} · {}", node.detail));
    }
    for r in node.retries.iter().take(MAX_RETRY_LINES) {
        lines.push(retry_line(r));
    }
    if node.retries.len() > MAX_RETRY_LINES {
        let more = node.retries.len() - MAX_RETRY_LINES;
        lines.push(format!(
            "↻ +{more} more retr{}",
            if more == 1 { "y" } else { "ies" }
        ));
    }
    lines
}

/// A state's own box (for a compound state: its header) before nesting.
fn header_size(node: &Node) -> (f64, f64) {
    let lines = small_lines(node);
    let text_w = lines
        .iter()
        .map(|l| text_width(l, SMALL_CHAR))
        .fold(text_width(&node.name, NAME_CHAR), f64::max);
    let tips = if node.kind == Kind::Choice {
        2.0 * CHOICE_TIP
    } else {
        0.0
    };
    let w = (text_w + 2.0 * PAD + tips).clamp(MIN_WIDTH, MAX_WIDTH + tips);
    let h = 10.0 + NAME_LINE + SMALL_LINE * lines.len() as f64 + 6.0;
    (w, h)
}

/// A state placed in the drawing.
#[derive(Debug, Clone)]
pub(crate) struct PlacedNode<'g> {
    pub node: &'g Node,
    /// Its box (for a compound state: the whole box, frames included).
    pub rect: Rect,
    /// The height of its header (the whole box for a simple state).
    pub header_h: f64,
    /// The scope it is in.
    pub scope: usize,
}

/// A scope placed in the drawing: the top level, or one frame inside a compound state.
#[derive(Debug, Clone)]
pub(crate) struct PlacedScope {
    /// The frame (for the top level: the whole drawing).
    pub rect: Rect,
    /// The caption: "Branch 1", "Item processor" (empty at the top level).
    pub caption: String,
    /// The compound state it belongs to (an index into [`Scene::nodes`]).
    pub parent: Option<usize>,
}

/// An edge placed in the drawing.
#[derive(Debug, Clone)]
pub(crate) struct PlacedEdge {
    pub scope: usize,
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub points: Vec<(f64, f64)>,
    pub self_loop: bool,
    /// The full label, the label as shown, and its box.
    pub label: Option<(String, String, Rect)>,
}

/// A start or end marker (top level only).
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    pub rect: Rect,
    pub start: bool,
}

/// Everything to draw, in absolute coordinates. Nodes are listed scope by scope, each
/// compound state before the states of its frames.
#[derive(Debug, Clone)]
pub(crate) struct Scene<'g> {
    pub width: f64,
    pub height: f64,
    pub scopes: Vec<PlacedScope>,
    pub nodes: Vec<PlacedNode<'g>>,
    pub edges: Vec<PlacedEdge>,
    pub markers: Vec<Marker>,
}

/// A scope laid out relative to its own top-left corner, with its compound states' scopes.
struct Laid<'g> {
    graph: &'g Graph,
    out: layout::Output,
    /// Per state: its header height and its frames (caption, frame size, inner layout).
    inner: Vec<(f64, Vec<Frame<'g>>)>,
    /// With start/end markers (the top level): how many extra boxes follow the states.
    markers: usize,
}

struct Frame<'g> {
    caption: String,
    /// Offset of the frame inside its compound state's box, and its size.
    rect: Rect,
    laid: Laid<'g>,
}

/// The label of an edge as shown.
pub(crate) fn shown_label(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        return label.to_string();
    }
    let mut out: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
    out.push('…');
    out
}

fn lay<'g>(graph: &'g Graph, top: bool, depth: usize) -> Laid<'g> {
    let n = graph.nodes.len();
    let mut sizes = Vec::with_capacity(n + 2);
    let mut inner = Vec::with_capacity(n);
    for node in graph.nodes.iter() {
        let (hw, hh) = header_size(node);
        // Deeply nested definitions stop nesting frames past a sane depth (the header
        // still says how many branches there are).
        if node.children.is_empty() || depth > 16 {
            sizes.push((hw, hh));
            inner.push((hh, Vec::new()));
            continue;
        }
        let many = node.children.len() > 1;
        let mut frames = Vec::new();
        let mut x = FRAME_GAP;
        let mut tallest: f64 = 0.0;
        for (i, child) in node.children.iter().enumerate() {
            let laid = lay(child, false, depth + 1);
            let caption = match (node.kind, many) {
                (Kind::Map, _) => "Item processor".to_string(),
                (_, true) | (Kind::Parallel, false) => format!("Branch {}", i + 1),
                _ => String::new(),
            };
            let w = (laid.out.width + 2.0 * FRAME_PAD).max(text_width(&caption, SMALL_CHAR) + 16.0);
            let h = laid.out.height + 2.0 * FRAME_PAD + CAPTION;
            frames.push(Frame {
                caption,
                rect: Rect { x, y: hh, w, h },
                laid,
            });
            x += w + FRAME_GAP;
            tallest = tallest.max(h);
        }
        let w = x.max(hw);
        // Center the frames when the header is wider.
        let shift = (w - x) / 2.0;
        for f in &mut frames {
            f.rect.x += shift;
        }
        sizes.push((w, hh + tallest + FRAME_GAP));
        inner.push((hh, frames));
    }
    let mut edges: Vec<InEdge> = graph
        .edges
        .iter()
        .filter(|e| e.from < n && e.to < n)
        .map(|e| InEdge {
            from: e.from,
            to: e.to,
            label: label_box(e.kind, &e.label),
        })
        .collect();
    let start = graph
        .nodes
        .iter()
        .position(|s| s.name == graph.start)
        .unwrap_or(0);
    let mut markers = 0;
    if top && n > 0 {
        sizes.push((MARKER_W, MARKER_H));
        edges.push(InEdge {
            from: n,
            to: start,
            label: None,
        });
        markers = 1;
        let ends: Vec<usize> = (0..n).filter(|&i| graph.nodes[i].end).collect();
        if !ends.is_empty() {
            sizes.push((MARKER_W, MARKER_H));
            edges.extend(ends.into_iter().map(|i| InEdge {
                from: i,
                to: n + 1,
                label: None,
            }));
            markers = 2;
        }
    }
    let out = layout::layout(&Input {
        sizes,
        edges,
        start: if markers > 0 { n } else { start },
    });
    Laid {
        graph,
        out,
        inner,
        markers,
    }
}

/// The size of an edge's label box, if it has a label.
fn label_box(kind: EdgeKind, label: &str) -> Option<(f64, f64)> {
    let text = match (kind, label.is_empty()) {
        (EdgeKind::Default, true) => "Default".to_string(),
        (_, true) => return None,
        (_, false) => shown_label(label),
    };
    Some((text_width(&text, SMALL_CHAR) + 6.0, SMALL_LINE))
}

/// Lays out the whole graph.
pub(crate) fn scene(graph: &Graph) -> Scene<'_> {
    let laid = lay(graph, true, 0);
    let mut scene = Scene {
        width: laid.out.width + 2.0 * MARGIN,
        height: laid.out.height + 2.0 * MARGIN,
        scopes: Vec::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
        markers: Vec::new(),
    };
    scene.scopes.push(PlacedScope {
        rect: Rect {
            x: 0.0,
            y: 0.0,
            w: scene.width,
            h: scene.height,
        },
        caption: String::new(),
        parent: None,
    });
    place(&laid, MARGIN, MARGIN, 0, &mut scene);
    scene
}

fn place<'g>(laid: &Laid<'g>, dx: f64, dy: f64, scope: usize, scene: &mut Scene<'g>) {
    let g = laid.graph;
    let n = g.nodes.len();
    let name_of = |i: usize| -> String {
        match g.nodes.get(i) {
            Some(node) => node.name.to_string(),
            None if i == n => "(start)".to_string(),
            None => "(end)".to_string(),
        }
    };
    // The layout's edges: the graph's (valid ones, in order), then the markers'.
    let mut routes = laid.out.routes.iter();
    for e in g.edges.iter().filter(|e| e.from < n && e.to < n) {
        let Some(route) = routes.next() else { break };
        let label = route.label.map(|r| {
            let full = if e.label.is_empty() && e.kind == EdgeKind::Default {
                "Default".to_string()
            } else {
                e.label.to_string()
            };
            let shown = shown_label(&full);
            (full, shown, r.translate(dx, dy))
        });
        scene.edges.push(PlacedEdge {
            scope,
            from: name_of(e.from),
            to: name_of(e.to),
            kind: e.kind,
            points: route.points.iter().map(|(x, y)| (x + dx, y + dy)).collect(),
            self_loop: route.self_loop,
            label,
        });
    }
    // Marker edges: the start's, then each end state's.
    let marker_edges: Vec<(usize, usize)> = if laid.markers > 0 {
        let start = g.nodes.iter().position(|s| s.name == g.start).unwrap_or(0);
        std::iter::once((n, start))
            .chain((0..n).filter(|&i| g.nodes[i].end).map(|i| (i, n + 1)))
            .collect()
    } else {
        Vec::new()
    };
    for ((from, to), route) in marker_edges.into_iter().zip(routes) {
        scene.edges.push(PlacedEdge {
            scope,
            from: name_of(from),
            to: name_of(to),
            kind: EdgeKind::Next,
            points: route.points.iter().map(|(x, y)| (x + dx, y + dy)).collect(),
            self_loop: false,
            label: None,
        });
    }
    for m in 0..laid.markers {
        if let Some(r) = laid.out.boxes.get(n + m) {
            scene.markers.push(Marker {
                rect: r.translate(dx, dy),
                start: m == 0,
            });
        }
    }
    for (i, node) in g.nodes.iter().enumerate() {
        let Some(rect) = laid.out.boxes.get(i) else {
            continue;
        };
        let rect = rect.translate(dx, dy);
        let (header_h, frames) = &laid.inner[i];
        let index = scene.nodes.len();
        scene.nodes.push(PlacedNode {
            node,
            rect,
            header_h: *header_h,
            scope,
        });
        for f in frames {
            let frame = f.rect.translate(rect.x, rect.y);
            let child_scope = scene.scopes.len();
            scene.scopes.push(PlacedScope {
                rect: frame,
                caption: f.caption.clone(),
                parent: Some(index),
            });
            place(
                &f.laid,
                frame.x + (frame.w - f.laid.out.width) / 2.0,
                frame.y + FRAME_PAD + CAPTION,
                child_scope,
                scene,
            );
        }
    }
}
