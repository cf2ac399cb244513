//! A layered (Sugiyama-style) layout of one scope: boxes of given sizes, directed edges,
//! optional edge labels; returns where each box goes and the polyline of each edge.
//!
//! Hand-written rather than taken from a crate: `layout-rs` (the only pure-Rust layered
//! layout) has no nested clusters, which Parallel branches and Map processors need, and it
//! renders its own SVG, where we need our own markup (data attributes, accessibility,
//! presentation attributes only). Nesting is done by the caller: a compound state is laid
//! out from the inside out and enters this layout as one box of its laid-out size.
//!
//! The phases, each deterministic (vectors in index order, stable sorts, no hash maps):
//! 1. cycle breaking: a depth-first search from the start box reverses back edges (loops
//!    to earlier states are common: a Choice back to a poll, a retry loop);
//! 2. longest-path layering; a labelled edge spans at least two layers, so that its label
//!    sits on a dummy box of its own and never overlaps a state or another label;
//! 3. dummy boxes on every layer a long edge crosses;
//! 4. crossing reduction: barycenter sweeps down and up, keeping the best order seen;
//! 5. coordinates: per layer, the positions closest to the neighbours' barycenters under
//!    "no two boxes closer than the gap" (an isotonic regression, solved exactly by
//!    pool-adjacent-violators), so boxes of one layer never overlap;
//! 6. routing: each edge leaves its source's bottom (a reversed edge its top) at a port
//!    spread along the side, passes through its dummies, and enters its target.

/// One edge to lay out.
#[derive(Debug, Clone)]
pub(crate) struct InEdge {
    pub from: usize,
    pub to: usize,
    /// The label's box (width, height), if the edge has one.
    pub label: Option<(f64, f64)>,
}

/// What to lay out: box sizes (width, height), edges, and the box to start from.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub sizes: Vec<(f64, f64)>,
    pub edges: Vec<InEdge>,
    pub start: usize,
}

/// A rectangle: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    pub fn translate(&self, dx: f64, dy: f64) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..*self
        }
    }
}

/// The route of one edge, from its source to its target.
#[derive(Debug, Clone, Default)]
pub(crate) struct Route {
    pub points: Vec<(f64, f64)>,
    /// Where the label goes (its box), for a labelled edge.
    pub label: Option<Rect>,
    /// A state's transition to itself: drawn as a loop on its right side.
    pub self_loop: bool,
}

/// The laid-out scope, with (0, 0) at its top-left corner.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub width: f64,
    pub height: f64,
    pub boxes: Vec<Rect>,
    pub routes: Vec<Route>,
}

/// Vertical space between layers.
const LAYER_GAP: f64 = 36.0;
/// Width a dummy box takes in its layer (the space between parallel long edges).
const DUMMY_WIDTH: f64 = 10.0;
/// Extra room beside a box that has a self-loop.
const LOOP_ROOM: f64 = 26.0;

#[derive(Debug, Clone)]
struct VNode {
    layer: usize,
    /// Width taken in the layer.
    w: f64,
    h: f64,
    /// Where edges pass, relative to the box's center (a labelled dummy's edge runs along
    /// its left side, the label beside it).
    anchor: f64,
    real: bool,
}

/// Lays out one scope.
pub(crate) fn layout(input: &Input) -> Output {
    let n = input.sizes.len();
    if n == 0 {
        return Output {
            width: 0.0,
            height: 0.0,
            boxes: Vec::new(),
            routes: vec![Route::default(); input.edges.len()],
        };
    }
    let valid = |i: usize| i < n;
    let self_loop: Vec<bool> = input.edges.iter().map(|e| e.from == e.to).collect();
    let reversed = break_cycles(input, &self_loop);
    // Edges of the acyclic graph: (upper, lower, min span), or None for loops and edges
    // naming boxes that do not exist (the caller never builds those; skip them anyway).
    let dag: Vec<Option<(usize, usize, usize)>> = input
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if self_loop[i] || !valid(e.from) || !valid(e.to) {
                return None;
            }
            let (a, b) = if reversed[i] {
                (e.to, e.from)
            } else {
                (e.from, e.to)
            };
            Some((a, b, if e.label.is_some() { 2 } else { 1 }))
        })
        .collect();
    let layers_of = assign_layers(n, &dag);

    // The layered graph: real boxes first (same indices), then dummies.
    let mut nodes: Vec<VNode> = (0..n)
        .map(|i| {
            let (w, h) = input.sizes[i];
            // Room for self-loops on the right (and their labels), mirrored on the left so
            // the box stays centered on its slot.
            let room = input
                .edges
                .iter()
                .enumerate()
                .filter(|(k, e)| self_loop[*k] && e.from == i)
                .map(|(_, e)| LOOP_ROOM + e.label.map_or(0.0, |(lw, _)| lw + 4.0))
                .fold(0.0, f64::max);
            VNode {
                layer: layers_of[i],
                w: w + 2.0 * room,
                h,
                anchor: 0.0,
                real: true,
            }
        })
        .collect();
    // Each edge's chain of layered nodes, top to bottom.
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); input.edges.len()];
    // The dummy carrying each edge's label.
    let mut label_node: Vec<Option<usize>> = vec![None; input.edges.len()];
    for (i, d) in dag.iter().enumerate() {
        let Some((a, b, _)) = *d else { continue };
        let mut chain = vec![a];
        let (la, lb) = (layers_of[a], layers_of[b]);
        // The label sits next to the edge's source: the first dummy below a forward edge's
        // source, the last one above a reversed edge's source.
        let label_layer = if reversed[i] { lb - 1 } else { la + 1 };
        for layer in la + 1..lb {
            let mut v = VNode {
                layer,
                w: DUMMY_WIDTH,
                h: 0.0,
                anchor: 0.0,
                real: false,
            };
            if let (Some((lw, lh)), true) = (input.edges[i].label, layer == label_layer) {
                v.w = lw + 10.0;
                v.h = lh;
                v.anchor = -v.w / 2.0 + 2.0;
                label_node[i] = Some(nodes.len());
            }
            chain.push(nodes.len());
            nodes.push(v);
        }
        chain.push(b);
        chains[i] = chain;
    }
    let layer_count = nodes.iter().map(|v| v.layer).max().unwrap_or(0) + 1;
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for chain in &chains {
        for pair in chain.windows(2) {
            down[pair[0]].push(pair[1]);
            up[pair[1]].push(pair[0]);
        }
    }

    let order = reduce_crossings(&nodes, &up, &down, layer_count, input.start.min(n - 1));
    let mut xs = assign_x(&nodes, &up, &down, &order);
    straighten(&nodes, &order, &chains, &mut xs);

    // Rows: each layer as tall as its tallest box.
    let mut row_top = vec![0.0; layer_count];
    let mut row_h = vec![0.0f64; layer_count];
    for v in &nodes {
        row_h[v.layer] = row_h[v.layer].max(v.h);
    }
    let mut y = 0.0;
    for l in 0..layer_count {
        row_top[l] = y;
        y += row_h[l] + LAYER_GAP;
    }
    let height = (y - LAYER_GAP).max(0.0);
    let left = nodes
        .iter()
        .zip(&xs)
        .map(|(v, x)| x - v.w / 2.0)
        .fold(f64::INFINITY, f64::min);
    let left = if left.is_finite() { left } else { 0.0 };
    let xs: Vec<f64> = xs.iter().map(|x| x - left).collect();
    let width = nodes
        .iter()
        .zip(&xs)
        .map(|(v, x)| x + v.w / 2.0)
        .fold(0.0, f64::max);

    let boxes: Vec<Rect> = (0..n)
        .map(|i| {
            let (w, h) = input.sizes[i];
            let l = nodes[i].layer;
            Rect {
                x: xs[i] - w / 2.0,
                y: row_top[l] + (row_h[l] - h) / 2.0,
                w,
                h,
            }
        })
        .collect();

    // Ports: the edges leaving a box's bottom (or entering its top) spread along the side in
    // the order of their other ends, so they do not start on top of each other.
    let anchor_x = |v: usize| xs[v] + nodes[v].anchor;
    let mut bottom_ports: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    let mut top_ports: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    for (i, chain) in chains.iter().enumerate() {
        if chain.len() < 2 {
            continue;
        }
        let (a, b) = (chain[0], chain[chain.len() - 1]);
        bottom_ports[a].push((anchor_x(chain[1]), i));
        top_ports[b].push((anchor_x(chain[chain.len() - 2]), i));
    }
    let spread = |ports: &mut Vec<(f64, usize)>, rect: &Rect| -> Vec<(usize, f64)> {
        ports.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
        let k = ports.len() as f64;
        let step = if k > 1.0 {
            (rect.w * 0.6 / (k - 1.0)).min(14.0)
        } else {
            0.0
        };
        ports
            .iter()
            .enumerate()
            .map(|(j, p)| (p.1, rect.cx() + (j as f64 - (k - 1.0) / 2.0) * step))
            .collect()
    };
    let mut out_port = vec![0.0; input.edges.len()];
    let mut in_port = vec![0.0; input.edges.len()];
    for v in 0..n {
        for (e, x) in spread(&mut bottom_ports[v], &boxes[v]) {
            out_port[e] = x;
        }
        for (e, x) in spread(&mut top_ports[v], &boxes[v]) {
            in_port[e] = x;
        }
    }

    let routes = input
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if self_loop[i] && valid(e.from) {
                let b = boxes[e.from];
                let (x, y) = (b.right(), b.cy());
                return Route {
                    points: vec![
                        (x, y - 6.0),
                        (x + LOOP_ROOM, y - 16.0),
                        (x + LOOP_ROOM, y + 16.0),
                        (x, y + 6.0),
                    ],
                    label: e.label.map(|(lw, lh)| Rect {
                        x: x + LOOP_ROOM,
                        y: y - lh / 2.0,
                        w: lw,
                        h: lh,
                    }),
                    self_loop: true,
                };
            }
            let chain = &chains[i];
            if chain.len() < 2 {
                return Route::default();
            }
            let (a, b) = (chain[0], chain[chain.len() - 1]);
            let mut points = vec![(out_port[i], boxes[a].bottom())];
            for &d in &chain[1..chain.len() - 1] {
                let l = nodes[d].layer;
                points.push((anchor_x(d), row_top[l]));
                points.push((anchor_x(d), row_top[l] + row_h[l]));
            }
            points.push((in_port[i], boxes[b].y));
            if reversed[i] {
                points.reverse();
            }
            let label = label_node[i].and_then(|d| {
                let (lw, lh) = e.label?;
                let l = nodes[d].layer;
                Some(Rect {
                    x: anchor_x(d) + 4.0,
                    y: row_top[l] + (row_h[l] - lh) / 2.0,
                    w: lw,
                    h: lh,
                })
            });
            Route {
                points,
                label,
                self_loop: false,
            }
        })
        .collect();
    Output {
        width,
        height,
        boxes,
        routes,
    }
}

/// Marks the edges to reverse: those a depth-first search from `start` (then from every
/// box not reached yet, in index order) finds going back to a box on its stack.
fn break_cycles(input: &Input, self_loop: &[bool]) -> Vec<bool> {
    let n = input.sizes.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in input.edges.iter().enumerate() {
        if !self_loop[i] && e.from < n && e.to < n {
            out[e.from].push(i);
        }
    }
    let mut reversed = vec![false; input.edges.len()];
    // 0: not seen, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    let roots = std::iter::once(input.start.min(n - 1)).chain(0..n);
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        // Iterative, so deep machines do not overflow the stack: (box, next edge to try).
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(top) = stack.last_mut() {
            let (v, k) = *top;
            if k < out[v].len() {
                top.1 += 1;
                let e = out[v][k];
                let w = input.edges[e].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Longest-path layering of an acyclic graph given as (upper, lower, min span) edges.
fn assign_layers(n: usize, dag: &[Option<(usize, usize, usize)>]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for &(a, b, span) in dag.iter().flatten() {
        indegree[b] += 1;
        out[a].push((b, span));
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).rev().filter(|&v| indegree[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &(w, span) in &out[v] {
            layer[w] = layer[w].max(layer[v] + span);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                ready.push(w);
            }
        }
    }
    layer
}

/// Orders each layer to reduce edge crossings; returns the layers, left to right.
fn reduce_crossings(
    nodes: &[VNode],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    layer_count: usize,
    start: usize,
) -> Vec<Vec<usize>> {
    // Initial order: depth first from the start, so a path stays in one column.
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    let mut seen = vec![false; nodes.len()];
    for root in std::iter::once(start).chain(0..nodes.len()) {
        if seen[root] {
            continue;
        }
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            layers[nodes[v].layer].push(v);
            for &w in down[v].iter().rev().chain(up[v].iter().rev()) {
                if !seen[w] {
                    stack.push(w);
                }
            }
        }
    }
    let mut best = layers.clone();
    let mut best_crossings = crossings(&layers, down, nodes.len());
    let mut pos = vec![0usize; nodes.len()];
    for sweep in 0..16 {
        let downward = sweep % 2 == 0;
        let range: Vec<usize> = if downward {
            (1..layer_count).collect()
        } else {
            (0..layer_count.saturating_sub(1)).rev().collect()
        };
        for layer in &layers {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i;
            }
        }
        for l in range {
            let neighbours = if downward { up } else { down };
            let mut keyed: Vec<(f64, usize)> = layers[l]
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let ns = &neighbours[v];
                    let key = if ns.is_empty() {
                        i as f64
                    } else {
                        ns.iter().map(|&w| pos[w] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in layers[l].iter().enumerate() {
                pos[v] = i;
            }
        }
        let c = crossings(&layers, down, nodes.len());
        if c < best_crossings {
            best_crossings = c;
            best = layers.clone();
        }
    }
    best
}

/// How many pairs of edges between adjacent layers cross.
fn crossings(layers: &[Vec<usize>], down: &[Vec<usize>], count: usize) -> usize {
    let mut pos = vec![0usize; count];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let mut total = 0;
    for layer in layers {
        let segments: Vec<(usize, usize)> = layer
            .iter()
            .flat_map(|&v| down[v].iter().map(move |&w| (v, w)))
            .map(|(v, w)| (pos[v], pos[w]))
            .collect();
        for (i, a) in segments.iter().enumerate() {
            for b in &segments[i + 1..] {
                if (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1) {
                    total += 1;
                }
            }
        }
    }
    total
}

/// The horizontal gap between two neighbours in a layer.
fn gap(a: &VNode, b: &VNode) -> f64 {
    match (a.real, b.real) {
        (true, true) => 28.0,
        (false, false) => 4.0,
        _ => 14.0,
    }
}

/// Box centers: each layer in turn placed as close as it can to its neighbours' barycenters
/// without two boxes closer than [`gap`].
fn assign_x(
    nodes: &[VNode],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    layers: &[Vec<usize>],
) -> Vec<f64> {
    let mut x = vec![0.0; nodes.len()];
    for layer in layers {
        let mut at = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                at += gap(&nodes[layer[i - 1]], &nodes[v]);
            }
            x[v] = at + nodes[v].w / 2.0;
            at += nodes[v].w;
        }
    }
    let l = layers.len();
    let passes: Vec<(usize, u8)> = (0..6)
        .flat_map(|_| {
            (1..l)
                .map(|i| (i, 0u8))
                .chain((0..l.saturating_sub(1)).rev().map(|i| (i, 1u8)))
        })
        .chain((0..l).map(|i| (i, 2u8)))
        .collect();
    for (li, dir) in passes {
        let layer = &layers[li];
        let desired: Vec<f64> = layer
            .iter()
            .map(|&v| {
                let anchors = |ws: &[usize]| -> Vec<f64> {
                    ws.iter().map(|&w| x[w] + nodes[w].anchor).collect()
                };
                let mut ns = match dir {
                    0 => anchors(&up[v]),
                    1 => anchors(&down[v]),
                    _ => {
                        let mut a = anchors(&up[v]);
                        a.extend(anchors(&down[v]));
                        a
                    }
                };
                if ns.is_empty() {
                    return x[v];
                }
                ns.sort_by(f64::total_cmp);
                // The median keeps a box in line with most of its neighbours.
                let m = ns.len() / 2;
                let target = if ns.len() % 2 == 1 {
                    ns[m]
                } else {
                    (ns[m - 1] + ns[m]) / 2.0
                };
                target - nodes[v].anchor
            })
            .collect();
        let weights: Vec<f64> = layer
            .iter()
            .map(|&v| if nodes[v].real { 1.0 } else { 4.0 })
            .collect();
        let seps: Vec<f64> = layer
            .windows(2)
            .map(|p| nodes[p[0]].w / 2.0 + gap(&nodes[p[0]], &nodes[p[1]]) + nodes[p[1]].w / 2.0)
            .collect();
        for (v, nx) in layer.iter().zip(place_row(&desired, &weights, &seps)) {
            x[*v] = nx;
        }
    }
    x
}

/// Makes long edges straight where there is room: all dummies of a chain move to one `x`
/// (the median of theirs) when that `x` keeps every one of them clear of its neighbours.
/// A long edge through many layers otherwise wavers as each layer's placement pulls it.
fn straighten(nodes: &[VNode], layers: &[Vec<usize>], chains: &[Vec<usize>], x: &mut [f64]) {
    let mut pos = vec![(0usize, 0usize); nodes.len()];
    for (l, layer) in layers.iter().enumerate() {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = (l, i);
        }
    }
    let mut order: Vec<&Vec<usize>> = chains.iter().filter(|c| c.len() > 3).collect();
    order.sort_by_key(|c| std::cmp::Reverse(c.len()));
    for _ in 0..2 {
        for chain in &order {
            let dummies = &chain[1..chain.len() - 1];
            // The interval each dummy's anchor may take without crowding its neighbours.
            let mut lo = f64::NEG_INFINITY;
            let mut hi = f64::INFINITY;
            for &d in dummies {
                let (l, i) = pos[d];
                let layer = &layers[l];
                let v = &nodes[d];
                if i > 0 {
                    let left = layer[i - 1];
                    let bound = x[left] + nodes[left].w / 2.0 + gap(&nodes[left], v) + v.w / 2.0;
                    lo = lo.max(bound + v.anchor);
                }
                if i + 1 < layer.len() {
                    let right = layer[i + 1];
                    let bound = x[right] - nodes[right].w / 2.0 - gap(v, &nodes[right]) - v.w / 2.0;
                    hi = hi.min(bound + v.anchor);
                }
            }
            if lo > hi {
                continue;
            }
            let mut anchors: Vec<f64> = dummies.iter().map(|&d| x[d] + nodes[d].anchor).collect();
            anchors.sort_by(f64::total_cmp);
            let target = anchors[anchors.len() / 2].clamp(lo, hi);
            for &d in dummies {
                x[d] = target - nodes[d].anchor;
            }
        }
    }
}

/// Positions `p` minimizing Σ wᵢ(pᵢ − dᵢ)² subject to pᵢ₊₁ − pᵢ ≥ sepᵢ: with
/// qᵢ = pᵢ − offsetᵢ it is an isotonic regression, solved by pool-adjacent-violators.
pub(crate) fn place_row(desired: &[f64], weights: &[f64], seps: &[f64]) -> Vec<f64> {
    let mut offset = vec![0.0; desired.len()];
    for i in 1..desired.len() {
        offset[i] = offset[i - 1] + seps[i - 1];
    }
    // Blocks of pooled values: (weighted mean, total weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for i in 0..desired.len() {
        let mut b = (desired[i] - offset[i], weights[i], 1usize);
        while let Some(&last) = blocks.last() {
            if last.0 <= b.0 {
                break;
            }
            blocks.pop();
            let w = last.1 + b.1;
            b = ((last.0 * last.1 + b.0 * b.1) / w, w, last.2 + b.2);
        }
        blocks.push(b);
    }
    let mut out = Vec::with_capacity(desired.len());
    for (value, _, count) in blocks {
        for _ in 0..count {
            out.push(value + offset[out.len()]);
        }
    }
    out
}
