//! Random graphs for the property tests: scopes with cycles, self-loops, labelled edges,
//! Retry rules, and Parallel/Map states nesting further scopes.

#![allow(dead_code)]

use std::borrow::Cow;

use asl_graph::{Edge, EdgeKind, Graph, Kind, Node, Retry};
use proptest::prelude::*;

/// A scope before names are given: states (kind, detail, retries, nested scopes) and edges.
#[derive(Debug, Clone)]
pub struct Shape {
    pub nodes: Vec<(u8, String, u8, Vec<Shape>)>,
    pub edges: Vec<(usize, usize, u8, String)>,
    pub start: usize,
    pub ends: Vec<bool>,
}

fn scope(children: BoxedStrategy<Vec<Shape>>) -> BoxedStrategy<Shape> {
    (1usize..9)
        .prop_flat_map(move |n| {
            (
                prop::collection::vec(
                    (0u8..8, "[a-zA-Z0-9:$. <&é]{0,40}", 0u8..5, children.clone()),
                    n,
                ),
                prop::collection::vec((0..n, 0..n, 0u8..4, "[a-z0-9 =$.<>\"]{0,50}"), 0..2 * n + 1),
                0..n,
                prop::collection::vec(any::<bool>(), n),
            )
        })
        .prop_map(|(nodes, edges, start, ends)| Shape {
            nodes,
            edges,
            start,
            ends,
        })
        .boxed()
}

/// Scopes nested up to three deep.
pub fn shape() -> impl Strategy<Value = Shape> {
    let leaf = scope(Just(Vec::new()).boxed());
    leaf.prop_recursive(3, 40, 3, |inner| {
        scope(prop::collection::vec(inner, 0..3).boxed())
    })
}

/// The graph of a shape, with unique names (some long, some with markup characters).
pub fn graph(shape: &Shape) -> Graph {
    let mut counter = 0;
    build(shape, &mut counter)
}

fn build(shape: &Shape, counter: &mut usize) -> Graph {
    let mut nodes = Vec::new();
    for (i, (kind, detail, retries, children)) in shape.nodes.iter().enumerate() {
        *counter += 1;
        let kind = match (children.len(), *kind) {
            (0, k) => [
                Kind::Task,
                Kind::Choice,
                Kind::Wait,
                Kind::Pass,
                Kind::Succeed,
                Kind::Fail,
                Kind::Task,
                Kind::Choice,
            ][k as usize % 8],
            (1, k) if k % 2 == 0 => Kind::Map,
            _ => Kind::Parallel,
        };
        let name = if (*counter).is_multiple_of(5) {
            format!("State <{counter}> & a long name that does not fit in any box at all")
        } else {
            format!("S{counter} {detail}")
        };
        nodes.push(Node {
            name: Cow::Owned(name),
            kind,
            end: shape.ends[i],
            detail: Cow::Owned(detail.clone()),
            retries: Cow::Owned(
                (0..*retries)
                    .map(|r| Retry {
                        errors: Cow::Owned(vec![Cow::Borrowed("States.ALL")]),
                        max_attempts: r as u32,
                        interval_seconds: 1,
                        backoff_rate: 2.0,
                    })
                    .collect(),
            ),
            children: Cow::Owned(children.iter().map(|c| build(c, counter)).collect()),
        });
    }
    let edges = shape
        .edges
        .iter()
        .map(|(from, to, kind, label)| {
            let kind = [
                EdgeKind::Next,
                EdgeKind::Choice,
                EdgeKind::Default,
                EdgeKind::Catch,
            ][*kind as usize];
            Edge {
                from: *from,
                to: *to,
                kind,
                label: Cow::Owned(if kind == EdgeKind::Next {
                    String::new()
                } else {
                    label.clone()
                }),
            }
        })
        .collect::<Vec<_>>();
    Graph {
        start: nodes[shape.start].name.clone(),
        nodes: Cow::Owned(nodes),
        edges: Cow::Owned(edges),
    }
}
