//! The execution page's graph (issue 18): the workflow's graph drawn by `asl_graph::to_svg`
//! with each state's `data-status` from the execution's history.
//!
//! The workflow is a compiled one: its generated module carries its `GRAPH`.

mod common;
mod console_support;

use asl_runtime::Engine;
use asl_runtime::store::SqliteStore;
use console_support::{Handlers, guarded};
use http::StatusCode;
use serde_json::json;

/// ERR-5, PAR-1: the failed branch's state is drawn failed, the Parallel caught, the state
/// caught into succeeded, the state never entered not reached; the legend lists every
/// status; the nodes' names are escaped by the drawing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graph_is_coloured_by_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::builder()
        .store(SqliteStore::open(dir.path().join("g.db")).await.unwrap())
        .workflow("guarded", guarded::Workflow::new(Handlers))
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
        // Nested states (the branch's Broken) are drawn too, with the same markers.
        let node = body
            .split(r#"<g class="state" "#)
            .find(|g| g.starts_with(&format!(r#"data-state="{state}" "#)))
            .unwrap_or_else(|| panic!("{state} is drawn"));
        let attributes = &node[..node.find('>').unwrap()];
        assert!(
            attributes.contains(&format!(r#"data-status="{status}""#)),
            "{state}: {attributes}"
        );
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
