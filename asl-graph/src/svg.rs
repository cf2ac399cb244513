//! The SVG writer: draws a [`Scene`] as a standalone SVG document.
//!
//! Only presentation attributes (`fill=`, `stroke=`, `font-family=`, …): no `<style>`
//! element, no `style=` attribute and no script, so the same markup may be inlined in a page
//! served with a strict Content-Security-Policy (`style-src 'self'`). Every text from the
//! definition goes through [`escape`]. State groups are siblings (a compound state's frames
//! follow its group rather than nest in it), so `closest('.state')` finds one state.

use std::fmt::Write;

use crate::layout::Rect;
use crate::scene::{
    self, CHOICE_TIP, NAME_CHAR, NAME_LINE, NAME_SIZE, PAD, PlacedNode, SMALL_CHAR, SMALL_LINE,
    SMALL_SIZE, Scene,
};
use crate::style::{self, CATCH, EDGE, LABEL, MARKER, TEXT};
use crate::{EdgeKind, Graph, Kind, Mark, Marks, Status, escape};

const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/// A number for an attribute: one decimal, none when whole.
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some(whole) if whole != "-0" => whole.to_string(),
        Some(_) => "0".to_string(),
        None => s,
    }
}

/// The graph as an SVG document; see [`crate::to_svg`].
pub(crate) fn render(graph: &Graph, marks: Option<&Marks>) -> String {
    let scene = scene::scene(graph);
    let (w, h) = (num(scene.width), num(scene.height));
    let mut out = String::with_capacity(4096 + 1200 * scene.nodes.len());
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"asl-graph\" width=\"{w}\" \
         height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"group\" aria-label=\"State machine graph\" \
         font-family=\"{FONT}\">"
    );
    let _ = write!(
        out,
        "<defs>\n{}{}</defs>\n",
        arrow("asl-graph-arrow", EDGE),
        arrow("asl-graph-arrow-catch", CATCH)
    );
    let _ = writeln!(
        out,
        "<rect class=\"background\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
    );
    draw_scope(&scene, 0, marks, &mut out);
    for m in &scene.markers {
        let r = m.rect;
        let (which, text) = if m.start {
            ("start", "Start")
        } else {
            ("end", "End")
        };
        let _ = writeln!(
            out,
            "<g class=\"marker\" data-marker=\"{which}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\" rx=\"{}\" fill=\"{MARKER}\"/><text x=\"{}\" y=\"{}\" \
             text-anchor=\"middle\" font-size=\"{SMALL_SIZE}\" font-weight=\"600\" \
             fill=\"#ffffff\">{text}</text></g>",
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            num(r.h / 2.0),
            num(r.cx()),
            num(r.cy() + 4.0),
        );
    }
    out.push_str("</svg>\n");
    out
}

fn arrow(id: &str, colour: &str) -> String {
    format!(
        "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" \
         markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path \
         d=\"M0,0L10,5L0,10z\" fill=\"{colour}\"/></marker>\n"
    )
}

/// Draws one scope: its edges, then its states, each compound state followed by its frames.
fn draw_scope(scene: &Scene<'_>, scope: usize, marks: Option<&Marks>, out: &mut String) {
    for e in scene.edges.iter().filter(|e| e.scope == scope) {
        let (colour, marker, kind) = match e.kind {
            EdgeKind::Next => (EDGE, "asl-graph-arrow", "next"),
            EdgeKind::Default => (EDGE, "asl-graph-arrow", "default"),
            EdgeKind::Choice => (EDGE, "asl-graph-arrow", "choice"),
            EdgeKind::Catch => (CATCH, "asl-graph-arrow-catch", "catch"),
        };
        let dash = if e.kind == EdgeKind::Catch {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let title = match &e.label {
            Some((full, ..)) => format!("{} → {}: {}", e.from, e.to, full),
            None => format!("{} → {}", e.from, e.to),
        };
        let _ = write!(
            out,
            "<g class=\"edge\" data-kind=\"{kind}\" data-from=\"{}\" data-to=\"{}\"><title>{}</title>\
             <path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.4\"{dash} \
             marker-end=\"url(#{marker})\"/>",
            escape(&e.from),
            escape(&e.to),
            escape(&title),
            path(&e.points, e.self_loop),
        );
        if let Some((_, shown, r)) = &e.label {
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" \
                 fill-opacity=\"0.92\"/><text x=\"{}\" y=\"{}\" font-size=\"{SMALL_SIZE}\" \
                 fill=\"{}\">{}</text>",
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
                num(r.x + 3.0),
                num(r.y + r.h - 4.0),
                if e.kind == EdgeKind::Catch {
                    CATCH
                } else {
                    LABEL
                },
                escape(shown),
            );
        }
        out.push_str("</g>\n");
    }
    for (index, placed) in scene.nodes.iter().enumerate() {
        if placed.scope != scope {
            continue;
        }
        draw_node(placed, marks, out);
        for (child, frame) in scene.scopes.iter().enumerate() {
            if frame.parent != Some(index) {
                continue;
            }
            let r = frame.rect;
            let (_, stroke) = style::kind_colours(placed.node.kind);
            let _ = writeln!(
                out,
                "<g class=\"scope\" data-parent=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
                 height=\"{}\" rx=\"6\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"1\" \
                 stroke-dasharray=\"4 3\"/><text x=\"{}\" y=\"{}\" font-size=\"{SMALL_SIZE}\" \
                 fill=\"{TEXT}\">{}</text></g>",
                escape(&placed.node.name),
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
                num(r.x + 8.0),
                num(r.y + 14.0),
                escape(&frame.caption),
            );
            draw_scope(scene, child, marks, out);
        }
    }
}

/// An SVG path through the points: vertical runs straight, the rest as curves leaving and
/// entering vertically; a self-loop as one curve.
fn path(points: &[(f64, f64)], self_loop: bool) -> String {
    let mut d = String::new();
    let Some(&(x0, y0)) = points.first() else {
        return d;
    };
    let _ = write!(d, "M{},{}", num(x0), num(y0));
    if self_loop && points.len() == 4 {
        let _ = write!(
            d,
            " C{},{} {},{} {},{}",
            num(points[1].0),
            num(points[1].1),
            num(points[2].0),
            num(points[2].1),
            num(points[3].0),
            num(points[3].1)
        );
        return d;
    }
    for pair in points.windows(2) {
        let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
        if (ax - bx).abs() < 0.5 {
            let _ = write!(d, " L{},{}", num(bx), num(by));
        } else {
            let my = (ay + by) / 2.0;
            let _ = write!(
                d,
                " C{},{} {},{} {},{}",
                num(ax),
                num(my),
                num(bx),
                num(my),
                num(bx),
                num(by)
            );
        }
    }
    d
}

/// "succeeded:2 failed:1".
fn outcomes(mark: &Mark) -> String {
    mark.outcomes
        .iter()
        .map(|(s, n)| format!("{}:{n}", s.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn draw_node(placed: &PlacedNode<'_>, marks: Option<&Marks>, out: &mut String) {
    let node = placed.node;
    let r = placed.rect;
    let mark = marks.map(|m| m.get(&*node.name).cloned().unwrap_or_default());
    let _ = write!(
        out,
        "<g class=\"state\" data-state=\"{}\" data-kind=\"{}\"",
        escape(&node.name),
        node.kind.as_str()
    );
    let (type_fill, stroke) = style::kind_colours(node.kind);
    let (fill, text) = match &mark {
        Some(m) => style::status_colours(m.status()),
        None => (type_fill, TEXT),
    };
    if let Some(m) = &mark {
        let status = m.status();
        let visits = match m.visits {
            1 => "1 visit".to_string(),
            v => format!("{v} visits"),
        };
        let _ = write!(
            out,
            " data-status=\"{}\" tabindex=\"0\" role=\"button\" aria-label=\"{}\"",
            status.as_str(),
            escape(&format!(
                "{}, {}, {}, {visits}",
                node.name,
                node.kind.as_str(),
                status_words(status)
            )),
        );
        // Every marked state tells its visits and outcomes (a state entered once may still
        // have been retried).
        if m.visits > 0 {
            let _ = write!(
                out,
                " data-visits=\"{}\" data-outcomes=\"{}\"",
                m.visits,
                outcomes(m)
            );
        }
    }
    out.push('>');
    let mut title = node.name.to_string();
    for line in scene::small_lines(node) {
        title.push('\n');
        title.push_str(&line);
    }
    let _ = write!(out, "<title>{}</title>", escape(&title));

    let compound = !node.children.is_empty() && placed.header_h < r.h;
    let thick = matches!(node.kind, Kind::Succeed | Kind::Fail);
    let width = if thick { "2.5" } else { "1.5" };
    match node.kind {
        Kind::Choice => {
            let (x, y, w, h) = (r.x, r.y, r.w, r.h);
            let t = CHOICE_TIP;
            let _ = write!(
                out,
                "<polygon points=\"{},{} {},{} {},{} {},{} {},{} {},{}\" fill=\"{fill}\" \
                 stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
                num(x + t),
                num(y),
                num(x + w - t),
                num(y),
                num(x + w),
                num(y + h / 2.0),
                num(x + w - t),
                num(y + h),
                num(x + t),
                num(y + h),
                num(x),
                num(y + h / 2.0),
            );
        }
        _ if compound => {
            // The whole box in the type's colour; the header in the status colour.
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"{type_fill}\" \
                 stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
            );
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"{fill}\" \
                 stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
                num(r.x),
                num(r.y),
                num(r.w),
                num(placed.header_h),
            );
        }
        _ => {
            let rx = match node.kind {
                Kind::Succeed | Kind::Fail => r.h.min(40.0) / 2.0,
                Kind::Wait | Kind::Pass => 12.0,
                _ => 5.0,
            };
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" \
                 stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
                num(rx),
            );
        }
    }
    // Text: centered in the header (the whole box for a simple state).
    let inner = if node.kind == Kind::Choice {
        r.w - 2.0 * PAD - 2.0 * CHOICE_TIP
    } else {
        r.w - 2.0 * PAD
    };
    let cx = r.cx();
    let mut y = r.y + 10.0 + NAME_SIZE;
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{NAME_SIZE}\" \
         font-weight=\"600\" fill=\"{text}\">{}</text>",
        num(cx),
        num(y),
        escape(&scene::fit(&node.name, inner, NAME_CHAR)),
    );
    y += NAME_LINE - NAME_SIZE + SMALL_SIZE + 1.0;
    for line in scene::small_lines(node) {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{SMALL_SIZE}\" \
             fill=\"{text}\">{}</text>",
            num(cx),
            num(y),
            escape(&scene::fit(&line, inner, SMALL_CHAR)),
        );
        y += SMALL_LINE;
    }
    if let Some(m) = &mark {
        badge(&r, m, out);
    }
    out.push_str("</g>\n");
}

/// The visit count (`×3`, when more than one) and the retries (`↻2`), as a pill on the
/// top-right corner; nothing for a state entered once and never retried.
fn badge(r: &Rect, m: &Mark, out: &mut String) {
    let mut parts = Vec::new();
    if m.visits > 1 {
        parts.push(format!("×{}", m.visits));
    }
    match m.outcomes.get(&Status::Retried) {
        Some(&retries) if retries > 0 => parts.push(format!("↻{retries}")),
        _ => {}
    }
    if parts.is_empty() {
        return;
    }
    let text = parts.join(" ");
    let w = scene::text_width(&text, SMALL_CHAR) + 10.0;
    let (x, y) = (r.right() - w + 6.0, r.y - 8.0);
    let _ = write!(
        out,
        "<g class=\"visits\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"8\" \
         fill=\"#263238\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" \
         font-size=\"{SMALL_SIZE}\" font-weight=\"600\" fill=\"#ffffff\">{text}</text></g>",
        num(x),
        num(y),
        num(w),
        num(x + w / 2.0),
        num(y + 12.0),
    );
}

/// A status in words, for screen readers.
fn status_words(status: Status) -> &'static str {
    match status {
        Status::Succeeded => "succeeded",
        Status::Failed => "failed",
        Status::Caught => "caught",
        Status::Retried => "retried",
        Status::Running => "running",
        Status::Aborted => "aborted",
        Status::NotReached => "not reached",
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_are_short_and_finite() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(2.26), "2.3");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(12.5), "12.5");
    }
}
