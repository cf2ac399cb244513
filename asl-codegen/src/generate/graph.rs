//! The module's `GRAPH`: the definition's [`asl_graph::Graph`] as a `static` built from
//! `Cow::Borrowed` literals, so a compiled workflow is drawn without parsing anything.

use asl_graph::{EdgeKind, Graph, Kind, Node, Retry};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The `Graph { … }` expression (the ABI module is `rt`).
pub(super) fn graph_expr(graph: &Graph, rt: &TokenStream) -> TokenStream {
    let start = Literal::string(&graph.start);
    let nodes = graph.nodes.iter().map(|n| node_expr(n, rt));
    let edges = graph.edges.iter().map(|e| {
        let (from, to) = (
            Literal::usize_unsuffixed(e.from),
            Literal::usize_unsuffixed(e.to),
        );
        let kind = match e.kind {
            EdgeKind::Next => quote!(Next),
            EdgeKind::Default => quote!(Default),
            EdgeKind::Choice => quote!(Choice),
            EdgeKind::Catch => quote!(Catch),
        };
        let label = Literal::string(&e.label);
        quote! {
            #rt::GraphEdge {
                from: #from,
                to: #to,
                kind: #rt::EdgeKind::#kind,
                label: #rt::Cow::Borrowed(#label),
            }
        }
    });
    quote! {
        #rt::Graph {
            start: #rt::Cow::Borrowed(#start),
            nodes: #rt::Cow::Borrowed(&[#(#nodes),*]),
            edges: #rt::Cow::Borrowed(&[#(#edges),*]),
        }
    }
}

fn node_expr(node: &Node, rt: &TokenStream) -> TokenStream {
    let name = Literal::string(&node.name);
    let kind = match node.kind {
        Kind::Task => quote!(Task),
        Kind::Choice => quote!(Choice),
        Kind::Parallel => quote!(Parallel),
        Kind::Map => quote!(Map),
        Kind::Wait => quote!(Wait),
        Kind::Pass => quote!(Pass),
        Kind::Succeed => quote!(Succeed),
        Kind::Fail => quote!(Fail),
    };
    let end = node.end;
    let detail = Literal::string(&node.detail);
    let retries = node.retries.iter().map(|r| retry_expr(r, rt));
    let children = node.children.iter().map(|g| graph_expr(g, rt));
    quote! {
        #rt::GraphNode {
            name: #rt::Cow::Borrowed(#name),
            kind: #rt::GraphKind::#kind,
            end: #end,
            detail: #rt::Cow::Borrowed(#detail),
            retries: #rt::Cow::Borrowed(&[#(#retries),*]),
            children: #rt::Cow::Borrowed(&[#(#children),*]),
        }
    }
}

fn retry_expr(r: &Retry, rt: &TokenStream) -> TokenStream {
    let errors = r.errors.iter().map(|e| {
        let e = Literal::string(e);
        quote!(#rt::Cow::Borrowed(#e))
    });
    let max = Literal::u32_unsuffixed(r.max_attempts);
    let interval = Literal::u32_unsuffixed(r.interval_seconds);
    let backoff = Literal::f64_unsuffixed(if r.backoff_rate.is_finite() {
        r.backoff_rate
    } else {
        2.0
    });
    quote! {
        #rt::GraphRetry {
            errors: #rt::Cow::Borrowed(&[#(#errors),*]),
            max_attempts: #max,
            interval_seconds: #interval,
            backoff_rate: #backoff,
        }
    }
}
