//! The web console's pages (issue 18), through the server's router on a real engine (SQLite
//! in a temporary directory): snapshots of the execution page, user data rendered as text,
//! the security headers, the routing beside the API, and the lists (counts, filters, search,
//! pages).

mod common;
mod console_support;

use console_support::{App, app, execution_path, normalize};
use http::StatusCode;
use serde_json::json;

/// Checks a page against `tests/snapshots/<name>.html` (dates, durations, tokens
/// normalized); `EXPECTORATE=overwrite` rewrites it.
fn snapshot(name: &str, body: &str) {
    expectorate::assert_contents(format!("tests/snapshots/{name}.html"), &normalize(body));
}

async fn page(app: &App, path: &str) -> String {
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}:\n{}", page.body);
    page.body
}

/// EXEC-5, TASK-1, MAP-1: a succeeded execution: summary, states all succeeded, the Map's
/// iterations, the event table; and the visits of a state (`?state=`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_succeeded_execution_page() {
    let app = app(asl_server::Config::new()).await;
    let id = app
        .start("shop", "order-1", json!({"items": ["a", "b"]}))
        .await;
    app.finished(&id).await;
    let body = page(&app, &execution_path(&id)).await;
    assert!(body.contains(r#"data-status="SUCCEEDED""#));
    assert!(body.contains(r#"<tr data-state-row="Charge" data-status="succeeded">"#));
    assert!(body.contains(r#"<tr data-event-type="TaskSucceeded""#));
    assert!(body.contains(r#"<tr data-iteration="1" data-status="succeeded">"#));
    // The drawing (the module's GRAPH) has every state, marked.
    assert!(body.contains(r#"class="asl-graph""#));
    assert!(!body.contains(r#"id="graph-unavailable""#));
    assert!(body.contains(r#"data-state="Charge" data-kind="Task" data-status="succeeded""#));
    snapshot("console_succeeded", &body);

    let visits = page(&app, &format!("{}?state=Charge", execution_path(&id))).await;
    assert!(visits.contains(r#"<section id="visits""#));
    assert!(visits.contains(r#"data-visit="1" data-status="succeeded""#));
    assert!(
        visits.contains("&quot;charged&quot;: 42"),
        "the visit's output"
    );
}

/// ERR-5, PAR-1: a branch's Fail state failed, the Parallel caught it, the execution went on
/// and succeeded: the states table shows failed and caught; the event table has
/// `ParallelStateFailed` then `ParallelStateExited`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_and_caught_execution_page() {
    let app = app(asl_server::Config::new()).await;
    let id = app.start("guarded", "caught-1", json!({})).await;
    app.finished(&id).await;
    let body = page(&app, &execution_path(&id)).await;
    assert!(body.contains(r#"<tr data-state-row="Both" data-status="caught">"#));
    assert!(body.contains(r#"<tr data-state-row="Broken" data-status="failed">"#));
    assert!(body.contains(r#"<tr data-state-row="Recover" data-status="succeeded">"#));
    // A state never entered is listed (and drawn) as not reached.
    assert!(body.contains(r#"<tr data-state-row="Unreached" data-status="not-reached">"#));
    assert!(
        body.contains(r#"data-state="Unreached" data-kind="Succeed" data-status="not-reached""#)
    );
    assert!(body.contains(r#"<tr data-event-type="ParallelStateFailed""#));
    assert!(
        body.contains(r#"data-parallel="Both""#),
        "Parallel drill-down"
    );
    snapshot("console_caught", &body);

    let visits = page(&app, &format!("{}?state=Both", execution_path(&id))).await;
    assert!(visits.contains(r#"data-visit="1" data-status="caught""#));
    assert!(visits.contains("Out.Of.Stock"));
}

/// EXEC-6: a running execution: Stop offered, the state running, the live part polled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_execution_page() {
    let app = app(asl_server::Config::new()).await;
    let id = app.start("waiter", "running-1", json!({"n": 1})).await;
    app.has_event(&id, "WaitStateEntered").await;
    let body = page(&app, &execution_path(&id)).await;
    assert!(body.contains(r#"data-running="true""#));
    assert!(body.contains(r#"<tr data-state-row="Pause" data-status="running">"#));
    assert!(body.contains(r#"data-action="stop""#));
    snapshot("console_running", &body);

    let live = page(&app, &format!("{}/live", execution_path(&id))).await;
    assert!(live.contains(r#"<div id="live" data-running="true" data-status="RUNNING""#));
    assert!(
        !live.contains("data-action=\"stop\""),
        "the live part has no forms"
    );
}

/// Issue 18 security: an input holding `<script>`, a state name, an error and a cause with
/// markup are shown as text; the page has no script but the console's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_data_is_rendered_as_text() {
    let app = app(asl_server::Config::new()).await;
    let id = app
        .start(
            "markup",
            "xss-1",
            json!({"comment": "<script>alert(1)</script>", "q": "\"'&"}),
        )
        .await;
    app.finished(&id).await;
    for path in [
        execution_path(&id),
        format!(
            "{}?state=%3Cb%3EBold%3C%2Fb%3E+%22step%22",
            execution_path(&id)
        ),
        "/console/machines/markup".into(),
    ] {
        let body = page(&app, &path).await;
        assert_eq!(
            body.matches("<script").count(),
            1,
            "{path}: only the console's script"
        );
        assert!(!body.contains("<img"), "{path}");
        assert!(!body.contains("<b>"), "{path}");
    }
    let body = page(&app, &execution_path(&id)).await;
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(body.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(body.contains("&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(body.contains("&lt;b&gt;Bold&lt;/b&gt; &quot;step&quot;"));
}

/// Issue 18: a Content-Security-Policy and the other headers on pages, assets, redirects and
/// errors; pages not cached; no inline script or style in any page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_response_carries_the_security_headers() {
    let app = app(asl_server::Config::new()).await;
    let id = app.start("shop", "headers-1", json!({"items": []})).await;
    app.finished(&id).await;
    let paths = [
        "/console/".to_string(),
        "/console".to_string(),
        "/console/machines/shop".to_string(),
        execution_path(&id),
        "/console/assets/console.css".to_string(),
        "/console/assets/console.js".to_string(),
        "/console/nowhere".to_string(),
        "/console/executions/not-an-arn".to_string(),
        "/".to_string(),
    ];
    for path in &paths {
        let page = app.get(path).await;
        let h = &page.headers;
        assert_eq!(
            h["content-security-policy"],
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let html = page
            .headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
        if html {
            assert_eq!(h["cache-control"], "no-store", "{path}");
            assert!(!page.body.contains("<style"), "{path}");
            assert!(!page.body.contains(" style="), "{path}");
            assert!(!page.body.contains(" onclick="), "{path}");
            assert_eq!(page.body.matches("<script").count(), 1, "{path}");
            assert!(page.body.contains(r#"<html lang="en">"#), "{path}");
        }
    }
    assert_eq!(
        app.get("/console/nowhere").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/console/executions/not-an-arn").await.status,
        StatusCode::BAD_REQUEST
    );
    let missing = "/console/executions/arn:aws:states:us-east-1:123456789012:execution:shop:none";
    assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/console/machines/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/console/machines/shop?status=BOGUS").await.status,
        StatusCode::BAD_REQUEST
    );
    let css = app.get("/console/assets/console.css").await;
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    let js = app.get("/console/assets/console.js").await;
    assert_eq!(js.headers["content-type"], "text/javascript; charset=utf-8");
}

/// The API keeps `/`: a request with `X-Amz-Target` reaches it whatever its path; `GET /`
/// redirects to the console; the host check covers the console; the mount path moves and
/// the console can be switched off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_is_never_shadowed() {
    let app = app(asl_server::Config::new()).await;
    for path in ["/", "/console/", "/console/machines/shop"] {
        let request = http::Request::post(path)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", "AWSStepFunctions.ListStateMachines");
        let page = app.send(request, axum::body::Body::from("{}")).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let v: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        assert!(v["stateMachines"].is_array(), "{path}");
    }
    let root = app.get("/").await;
    assert_eq!(root.status, StatusCode::SEE_OTHER);
    assert_eq!(root.location(), "/console/");
    // The host check (DNS rebinding) applies to the console too.
    let request = http::Request::get("/console/").header("host", "evil.example");
    let response = tower::ServiceExt::oneshot(
        app.router.clone(),
        request.body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let moved = console_support::app(asl_server::Config::new().console_path("/ui/")).await;
    assert_eq!(moved.get("/ui/").await.status, StatusCode::OK);
    assert_eq!(moved.get("/").await.location(), "/ui/");
    assert_eq!(moved.get("/console/").await.status, StatusCode::NOT_FOUND);
    let refused = console_support::app(asl_server::Config::new().console_path("/")).await;
    assert_eq!(refused.get("/console/").await.status, StatusCode::OK);
    let off = console_support::app(asl_server::Config::new().without_console()).await;
    assert_eq!(off.get("/console/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(off.get("/").await.status, StatusCode::NOT_FOUND);
}

/// EXEC-5: the machines page counts executions by status; a machine's executions are
/// filtered by status, searched by name and paged (next, previous), newest first; each row
/// carries `data-execution` and `data-status`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_count_filter_search_and_page() {
    let app = app(asl_server::Config::new()).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(app.start("failing", &format!("f-{i:03}"), json!({})).await);
    }
    let running = app.start("waiter", "w-1", json!({})).await;
    for id in &ids {
        app.finished(id).await;
    }
    let machines = page(&app, "/console/").await;
    assert!(machines.contains(r#"<tr data-machine="failing">"#));
    let row = machines
        .split(r#"<tr data-machine="failing">"#)
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains(r#"<td class="num" data-count="FAILED"><a href="/console/machines/failing?status=FAILED">25</a>"#), "{row}");
    assert!(
        row.contains(r#"<td class="num" data-count="RUNNING">0</td>"#),
        "{row}"
    );
    let waiter = machines
        .split(r#"<tr data-machine="waiter">"#)
        .nth(1)
        .unwrap();
    assert!(waiter.contains(
        r#"data-count="RUNNING"><a href="/console/machines/waiter?status=RUNNING">1</a>"#
    ));
    assert!(
        machines.contains(r#"<tr data-machine="quick">"#),
        "Express listed"
    );

    let rows = |body: &str| -> Vec<String> {
        let re =
            regex::Regex::new(r#"<tr data-execution="([^"]+)" data-status="([A-Z_]+)">"#).unwrap();
        re.captures_iter(body)
            .map(|c| format!("{}:{}", &c[1], &c[2]))
            .collect()
    };
    let first = page(&app, "/console/machines/failing?size=10").await;
    let expected: Vec<String> = (15..25).rev().map(|i| format!("f-{i:03}:FAILED")).collect();
    assert_eq!(rows(&first), expected);
    let next = regex::Regex::new(r#"<a rel="next" href="([^"]+)">"#).unwrap();
    let second_url = next.captures(&first).unwrap()[1].replace("&amp;", "&");
    let second = page(&app, &second_url).await;
    let expected: Vec<String> = (5..15).rev().map(|i| format!("f-{i:03}:FAILED")).collect();
    assert_eq!(rows(&second), expected);
    let third_url = next.captures(&second).unwrap()[1].replace("&amp;", "&");
    let third = page(&app, &third_url).await;
    assert_eq!(rows(&third).len(), 5);
    assert!(!third.contains(r#"rel="next""#), "the last page");
    let prev = regex::Regex::new(r#"<a rel="prev" href="([^"]+)">"#).unwrap();
    let back_url = prev.captures(&third).unwrap()[1].replace("&amp;", "&");
    assert_eq!(rows(&page(&app, &back_url).await), rows(&second));
    let back_url = prev.captures(&second).unwrap()[1].replace("&amp;", "&");
    assert_eq!(rows(&page(&app, &back_url).await), rows(&first));
    assert!(!first.contains(r#"rel="prev""#), "the first page");

    let search = page(&app, "/console/machines/failing?name=f-01").await;
    let expected: Vec<String> = (10..20).rev().map(|i| format!("f-{i:03}:FAILED")).collect();
    assert_eq!(rows(&search), expected);
    assert!(search.contains(r#"<input type="search" name="name" value="f-01""#));
    let none = page(&app, "/console/machines/failing?status=RUNNING").await;
    assert!(rows(&none).is_empty());
    assert!(none.contains("No executions match."));
    let filtered = page(&app, "/console/machines/waiter?status=RUNNING").await;
    assert_eq!(rows(&filtered), ["w-1:RUNNING"]);
    assert!(filtered.contains(r#"<option value="RUNNING" selected>"#));
    let _ = running;
}
