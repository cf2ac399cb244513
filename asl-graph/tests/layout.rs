//! Property tests of the layout: on random graphs (cycles, self-loops, labelled edges,
//! nesting three deep), no two states of one scope overlap, every state lies inside its
//! scope's frame and every frame inside its compound state, every coordinate is finite and
//! inside the drawing, and the SVG is well-formed XML naming every state once.

mod common;

use asl_graph::{Graph, Rect, layout, to_svg};
use proptest::prelude::*;

fn overlap(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.width - 1e-6
        && b.x < a.x + a.width - 1e-6
        && a.y < b.y + b.height - 1e-6
        && b.y < a.y + a.height - 1e-6
}

fn inside(inner: &Rect, outer: &Rect) -> bool {
    inner.x >= outer.x - 1e-6
        && inner.y >= outer.y - 1e-6
        && inner.x + inner.width <= outer.x + outer.width + 1e-6
        && inner.y + inner.height <= outer.y + outer.height + 1e-6
}

fn count_states(g: &Graph) -> usize {
    g.nodes
        .iter()
        .map(|n| 1 + n.children.iter().map(count_states).sum::<usize>())
        .sum()
}

/// Checks the layout invariants; returns a message for the first one broken.
pub fn check(g: &Graph) -> Result<(), String> {
    let l = layout(g);
    if !(l.width.is_finite() && l.height.is_finite() && l.width > 0.0 && l.height > 0.0) {
        return Err(format!("size {} × {}", l.width, l.height));
    }
    if l.states.len() != count_states(g) {
        return Err(format!(
            "{} boxes for {} states",
            l.states.len(),
            count_states(g)
        ));
    }
    let whole = Rect {
        x: 0.0,
        y: 0.0,
        width: l.width,
        height: l.height,
    };
    for s in &l.states {
        let r = &s.rect;
        if ![r.x, r.y, r.width, r.height].iter().all(|v| v.is_finite()) {
            return Err(format!("{}: not finite: {r:?}", s.name));
        }
        if !inside(r, &whole) {
            return Err(format!("{}: outside the drawing: {r:?}", s.name));
        }
        let scope = &l.scopes[s.scope];
        if !inside(r, &scope.rect) {
            return Err(format!(
                "{}: outside its frame {:?}: {r:?}",
                s.name, scope.rect
            ));
        }
    }
    for (i, a) in l.states.iter().enumerate() {
        for b in &l.states[i + 1..] {
            if a.scope == b.scope && overlap(&a.rect, &b.rect) {
                return Err(format!(
                    "{} {:?} overlaps {} {:?}",
                    a.name, a.rect, b.name, b.rect
                ));
            }
        }
    }
    for (i, s) in l.scopes.iter().enumerate() {
        if let Some(p) = s.parent
            && !inside(&s.rect, &l.states[p].rect)
        {
            return Err(format!("frame {i} outside {}", l.states[p].name));
        }
    }
    // Frames of one compound state do not overlap each other.
    for (i, a) in l.scopes.iter().enumerate() {
        for b in &l.scopes[i + 1..] {
            if a.parent.is_some() && a.parent == b.parent && overlap(&a.rect, &b.rect) {
                return Err("two frames of one state overlap".into());
            }
        }
    }
    Ok(())
}

fn collect_leaves(g: &Graph, out: &mut Vec<String>) {
    for n in g.nodes.iter() {
        if n.children.is_empty() {
            out.push(n.name.to_string());
        }
        for c in n.children.iter() {
            collect_leaves(c, out);
        }
    }
}

/// Every number of every `d`, `x`, `y`, `points` attribute is finite and inside the viewBox.
fn check_svg(g: &Graph) -> Result<(), String> {
    let svg = to_svg(g, None);
    let doc = roxmltree::Document::parse(&svg).map_err(|e| format!("{e}\n{svg}"))?;
    // Edge labels never cover a state (a simple one: compound states hold their frames'
    // labels).
    let mut leaves = Vec::new();
    collect_leaves(g, &mut leaves);
    let l = layout(g);
    for label in doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge"))
        .flat_map(|e| e.children().filter(|c| c.has_tag_name("rect")))
    {
        let num = |a: &str| {
            label
                .attribute(a)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        let r = Rect {
            x: num("x"),
            y: num("y"),
            width: num("width"),
            height: num("height"),
        };
        for s in l.states.iter().filter(|s| leaves.contains(&s.name)) {
            if overlap(&r, &s.rect) {
                return Err(format!("a label {r:?} covers {} {:?}", s.name, s.rect));
            }
        }
    }
    let root = doc.root_element();
    let w: f64 = root
        .attribute("width")
        .unwrap_or("0")
        .parse()
        .map_err(|_| "width")?;
    let h: f64 = root
        .attribute("height")
        .unwrap_or("0")
        .parse()
        .map_err(|_| "height")?;
    if root.attribute("viewBox")
        != Some(&format!(
            "0 0 {} {}",
            root.attribute("width").unwrap(),
            root.attribute("height").unwrap()
        ))
    {
        return Err("viewBox".into());
    }
    let states: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("state"))
        .collect();
    if states.len() != count_states(g) {
        return Err(format!(
            "{} state groups for {}",
            states.len(),
            count_states(g)
        ));
    }
    for node in doc.descendants().filter(|n| n.is_element()) {
        if node.tag_name().name() == "marker"
            || node.ancestors().any(|a| a.tag_name().name() == "marker")
        {
            continue;
        }
        for attr in ["d", "x", "y", "points", "cx", "cy"] {
            let Some(v) = node.attribute(attr) else {
                continue;
            };
            for part in v.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')) {
                if part.is_empty() {
                    continue;
                }
                let n: f64 = part.parse().map_err(|_| format!("{attr}={v}"))?;
                // Badges sit a little above their state's corner; loops beside it.
                if !n.is_finite() || n < -10.0 || n > w.max(h) + 10.0 {
                    return Err(format!("{attr}={v} outside {w}×{h}"));
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, .. ProptestConfig::default() })]

    #[test]
    fn layouts_never_overlap(shape in common::shape()) {
        let g = common::graph(&shape);
        if let Err(e) = check(&g) {
            prop_assert!(false, "{e}");
        }
        if let Err(e) = check_svg(&g) {
            prop_assert!(false, "{e}");
        }
        // Deterministic: the same graph draws the same way.
        prop_assert_eq!(to_svg(&g, None), to_svg(&g, None));
    }
}
