//! The web console with long executions (issue 18): the event table is paged (the newest
//! events first, links to older and newer pages), long payloads are cut saying so with a
//! link to the whole event, the Map drill-down stays compact; the live part answers 204
//! while nothing changed; control characters in a list's filters never reach the store.

mod common;
mod console_support;

use console_support::{App, app, execution_path};
use http::StatusCode;
use serde_json::json;

async fn page(app: &App, path: &str) -> String {
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}:\n{}", page.body);
    page.body
}

fn rows(body: &str) -> usize {
    body.matches("<tr data-event-type=").count()
}

/// MAP-1, EXEC-5: a Map over 150 items records 600-odd events: the page shows the newest
/// 200 (the execution's end, not its start), says which, and links to older pages; the
/// oldest page has the start; a 10 KB input is cut to 4 KiB in the table with a note giving
/// its size and a link to the whole event, which has it all; the Map drill-down lists 100 of
/// the 150 iterations and counts them all by status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_history_is_paged_and_long_payloads_are_cut() {
    let app = app(asl_server::Config::new()).await;
    let blob = "x".repeat(10_000);
    let items: Vec<u32> = (0..150).collect();
    let id = app
        .start("shop", "long-1", json!({"items": items, "blob": blob}))
        .await;
    app.finished(&id).await;
    let total = app.engine.history(&id).await.unwrap().len();
    assert!(total > 600, "{total} events");
    let path = execution_path(&id);

    let newest = page(&app, &path).await;
    assert!(newest.len() < 1_000_000, "{} bytes", newest.len());
    assert_eq!(rows(&newest), 200);
    assert!(newest.contains(r#"<tr data-event-type="ExecutionSucceeded""#));
    assert!(!newest.contains(r#"<tr data-event-type="ExecutionStarted""#));
    assert!(newest.contains(&format!(
        "Events {}–{total} of {total} (the newest).",
        total - 199
    )));
    assert!(newest.contains(r#"data-page="older""#));
    assert!(!newest.contains(r#"data-page="newer""#));
    // The Map drill-down: 100 of 150 listed, all counted.
    assert!(newest.contains("100 of 150 iterations"));
    assert!(newest.contains(r#"<span class="status succeeded">succeeded</span> 150"#));
    assert_eq!(newest.matches("<tr data-iteration=").count(), 100);

    let oldest = page(&app, &format!("{path}?events=1")).await;
    assert_eq!(rows(&oldest), 200);
    assert!(oldest.contains(r#"<tr data-event-type="ExecutionStarted" id="event-1">"#));
    assert!(oldest.contains("Events 1–200 of"));
    assert!(oldest.contains(r#"data-page="newer""#));
    assert!(oldest.contains(r#"data-page="newest""#));
    assert!(!oldest.contains(r#"data-page="older""#));
    assert!(oldest.contains("Cut: the first 4 KiB of "));
    assert_eq!(
        oldest.matches(&blob).count(),
        2,
        "whole in the summary's input and output only: cut in the table"
    );
    let whole = format!("{path}/events/1");
    assert!(oldest.contains(&format!(r#"<a href="{whole}">The whole event (JSON)</a>"#)));
    let event = app.get(&whole).await;
    assert_eq!(event.status, StatusCode::OK);
    assert_eq!(
        event.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert!(event.headers.contains_key("content-security-policy"));
    let event: serde_json::Value = serde_json::from_str(&event.body).unwrap();
    assert_eq!(event["type"], "ExecutionStarted");
    assert!(event["details"]["input"].as_str().unwrap().contains(&blob));

    // The middle page links both ways; a page past the end is the newest.
    let middle = page(&app, &format!("{path}?events=250")).await;
    assert!(middle.contains(r#"<tr data-event-type=""#));
    assert!(middle.contains(r#"id="event-250""#));
    assert!(middle.contains(r#"data-page="older""#) && middle.contains(r#"data-page="newer""#));
    let past = page(&app, &format!("{path}?events=999999")).await;
    assert!(past.contains(r#"<tr data-event-type="ExecutionSucceeded""#));
    assert_eq!(
        app.get(&format!("{path}?events=abc")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get(&format!("{path}/events/999999")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{path}/events/x")).await.status,
        StatusCode::NOT_FOUND
    );
}

/// EXEC-6: the live part carries its version; asked with the version it shows, the server
/// answers 204 (nothing to swap); with an older one, the part. Only the small status line is
/// an ARIA live region, not the whole part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_part_answers_204_while_nothing_changed() {
    let app = app(asl_server::Config::new()).await;
    let id = app.start("waiter", "live-1", json!({})).await;
    app.has_event(&id, "WaitStateEntered").await;
    let path = execution_path(&id);
    let body = page(&app, &path).await;
    assert!(
        !body.contains("aria-live"),
        "no region re-read every second"
    );
    assert!(body.contains(r#"<p class="muted" id="live-status" role="status">"#));
    let version = regex::Regex::new(r#"data-version="([0-9a-f]{16})""#)
        .unwrap()
        .captures(&body)
        .expect("a version")[1]
        .to_string();
    let same = app.get(&format!("{path}/live?known={version}")).await;
    assert_eq!(same.status, StatusCode::NO_CONTENT);
    assert!(same.body.is_empty());
    let other = app
        .get(&format!("{path}/live?known=0000000000000000"))
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(other.body.contains(&format!(r#"data-version="{version}""#)));
    assert!(other.body.contains(r#"data-tokens="none""#));

    // Stopped: a new version, so the script sees the change.
    app.engine.stop(&id, None, None).await.unwrap();
    let after = app.get(&format!("{path}/live?known={version}")).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(
        after
            .body
            .contains(r#"data-running="false" data-status="ABORTED""#)
    );
}

/// EXEC-5: control characters in the name search are dropped before the store sees them
/// (PostgreSQL refuses NUL in text: this was a 503); a page token with one is refused with
/// 400, never a store error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_filters_never_reach_the_store() {
    let app = app(asl_server::Config::new()).await;
    let id = app.start("failing", "nul-search-1", json!({})).await;
    app.finished(&id).await;
    let all = page(&app, "/console/machines/failing?name=%00").await;
    assert!(all.contains(r#"<tr data-execution="nul-search-1""#));
    let found = page(&app, "/console/machines/failing?name=nul%00-search%0A").await;
    assert!(found.contains(r#"<tr data-execution="nul-search-1""#));
    assert!(found.contains(r#"name="name" value="nul-search""#));
    let bad = app.get("/console/machines/failing?token=a%00b").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("The page token is not valid"));
}
