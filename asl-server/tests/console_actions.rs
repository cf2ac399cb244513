//! The web console's actions and its sign-in (issue 18): Stop, Redrive, Send success / Send
//! failure through the forms, refused without a session or a valid CSRF token when the
//! server has credentials; Map Runs and their child executions.

mod common;
mod console_support;

use asl_runtime::Status;
use console_support::{app, execution_path};
use http::StatusCode;
use serde_json::json;

const KEY: &str = "AKIDCONSOLE";
const SECRET: &str = "console-secret";

/// Issue 18 security, EXEC-6: with credentials, pages without a session lead to the sign-in
/// and show no data; Stop without a session, without a CSRF token, with a wrong one or from
/// another site is refused and the execution runs on; wrong credentials are refused; signed
/// in with the form's token, Stop aborts it; signed out, the session is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_needs_a_session_and_its_csrf_token() {
    let mut app = app(asl_server::Config::new().credential(KEY, SECRET)).await;
    let id = app
        .start("waiter", "guarded-stop", json!({"secret": "s3cr3t"}))
        .await;
    app.has_event(&id, "WaitStateEntered").await;
    let path = execution_path(&id);

    for p in [
        "/console/".to_string(),
        path.clone(),
        format!("{path}/live"),
        "/console/machines/waiter".into(),
    ] {
        let page = app.get(&p).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{p}");
        // Back to the page after signing in (not to the script's live part).
        let back: String = form_urlencoded::byte_serialize(p.as_bytes()).collect();
        let want = if p.ends_with("/live") {
            "/console/login".to_string()
        } else {
            format!("/console/login?next={back}")
        };
        assert_eq!(page.location(), want, "{p}");
        assert!(!page.body.contains("s3cr3t"));
    }
    let login = app.get("/console/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login
            .body
            .contains(r#"<input type="password" name="secret""#)
    );
    let anonymous_csrf = login.csrf();

    // No session: refused, whatever the token.
    let stop = format!("{path}/stop");
    let refused = app.post(&stop, &[("csrf", &anonymous_csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("s3cr3t"));

    // Wrong credentials: no session.
    let wrong = app.login(KEY, "not-the-secret").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.body.contains("Those credentials are not accepted."));
    assert!(app.cookie.is_none());

    let ok = app.login(KEY, SECRET).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let set = ok.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(set.starts_with("asl_console_session="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(set.contains("Path=/console;"), "{set}");
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("s3cr3t"));
    assert!(page.body.contains("Sign out"));
    let csrf = page.csrf();
    assert_ne!(csrf, anonymous_csrf);

    // Signed in, but without the token, with the anonymous one, a wrong one, or cross-site.
    for form in [
        vec![],
        vec![("csrf", anonymous_csrf.as_str())],
        vec![("csrf", "0000")],
    ] {
        let page = app.post(&stop, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{form:?}");
    }
    let cross_site = http::Request::post(stop.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site");
    let page = app
        .send(cross_site, axum::body::Body::from(format!("csrf={csrf}")))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let d = app.engine.describe(&id).await.unwrap();
    assert_eq!(d.status, Status::Running, "nothing refused stopped it");

    let stopped = app.post(&stop, &[("csrf", &csrf)]).await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    assert!(stopped.location().starts_with(&format!("{path}?flash=")));
    let d = app.engine.describe(&id).await.unwrap();
    assert_eq!(d.status, Status::Aborted);
    let after = app.get(stopped.location()).await;
    assert!(after.body.contains("Execution stopped."), "the flash");
    assert!(
        after
            .body
            .contains(r#"<tr data-state-row="Pause" data-status="aborted">"#)
    );
    assert!(
        after.body.contains(r#"data-action="redrive""#),
        "redrivable"
    );

    let out = app.post("/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(app.get(&path).await.status, StatusCode::SEE_OTHER);
}

/// Without credentials the console is open, but its forms still need the CSRF token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_console_still_checks_csrf() {
    let app = app(asl_server::Config::new()).await;
    let id = app.start("waiter", "open-stop", json!({})).await;
    app.has_event(&id, "WaitStateEntered").await;
    let path = execution_path(&id);
    let refused = app.post(&format!("{path}/stop"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.engine.describe(&id).await.unwrap().status,
        Status::Running
    );
    let csrf = app.get(&path).await.csrf();
    let ok = app.post(&format!("{path}/stop"), &[("csrf", &csrf)]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.engine.describe(&id).await.unwrap().status,
        Status::Aborted
    );
    // A second Stop: the engine's answer is shown, not a 500.
    let again = app.post(&format!("{path}/stop"), &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    // The login page of an open console leads to the console.
    assert_eq!(app.get("/console/login").await.location(), "/console/");
}

/// TASK-4: a state waiting on a task token shows Send success / Send failure (and the live
/// part counts the waiting tokens); success with
/// JSON output through the form completes the execution with it; output that is not JSON is
/// refused with a message and the task keeps waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_success_through_the_form_completes_the_execution() {
    let mut app = app(asl_server::Config::new()).await;
    let id = app.start("callback", "cb-1", json!({})).await;
    let token = app.tokens.recv().await.unwrap();
    let path = execution_path(&id);
    let engine = app.engine.clone();
    let waiting = id.clone();
    common::eventually(|| {
        let (engine, id) = (engine.clone(), waiting.clone());
        async move { !engine.waiting_tokens(&id).await.unwrap().is_empty() }
    })
    .await;
    let page = app.get(&path).await;
    assert!(
        page.body
            .contains(r#"<div class="panel" data-token-state="Ask">"#)
    );
    // The live part tells the script a token waits (it reloads the page to show the forms
    // when this changes, for a token that starts waiting after the page loaded).
    let live = app.get(&format!("{path}/live")).await;
    assert!(live.body.contains(r#"data-tokens="1-"#), "{}", live.body);
    assert!(page.body.contains(r#"data-action="send-success""#));
    assert!(
        page.body
            .contains(r#"<label for="output-0">Output (JSON)</label>"#)
    );
    let csrf = page.csrf();

    let bad = app
        .post(
            &format!("{path}/task-success"),
            &[("csrf", &csrf), ("token", &token), ("output", "{not json")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let shown = app.get(bad.location()).await;
    assert!(
        shown
            .body
            .contains(r#"<div class="flash error" role="status">The output is not JSON"#)
    );
    assert_eq!(app.engine.waiting_tokens(&id).await.unwrap().len(), 1);

    let other = app
        .post(
            &format!("{path}/task-success"),
            &[
                ("csrf", &csrf),
                ("token", &"ab".repeat(32)),
                ("output", "{}"),
            ],
        )
        .await;
    let shown = app.get(other.location()).await;
    assert!(shown.body.contains("no longer waiting"));

    let sent = app
        .post(
            &format!("{path}/task-success"),
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("output", r#"{"approved": true}"#),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.engine.wait(&id).await.unwrap(),
        json!({"approved": true})
    );
    let done = app.get(sent.location()).await;
    assert!(done.body.contains("Sent success to state 'Ask'."));
    assert!(!done.body.contains("data-token-state"));
}

/// TASK-4, EXEC-10: Send failure fails the execution with the error and cause typed; it is
/// then redrivable, and Redrive runs it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_failure_then_redrive() {
    let mut app = app(asl_server::Config::new()).await;
    let id = app.start("callback", "cb-2", json!({})).await;
    let token = app.tokens.recv().await.unwrap();
    let path = execution_path(&id);
    let engine = app.engine.clone();
    let waiting = id.clone();
    common::eventually(|| {
        let (engine, id) = (engine.clone(), waiting.clone());
        async move { !engine.waiting_tokens(&id).await.unwrap().is_empty() }
    })
    .await;
    let csrf = app.get(&path).await.csrf();
    let sent = app
        .post(
            &format!("{path}/task-failure"),
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("error", "Rejected"),
                ("cause", "<b>no</b>"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let _ = app.engine.wait(&id).await;
    let d = app.engine.describe(&id).await.unwrap();
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.error.as_deref(), Some("Rejected"));
    let page = app.get(&path).await;
    assert!(
        page.body
            .contains(r#"<dd id="cause">&lt;b&gt;no&lt;/b&gt;</dd>"#)
    );
    assert!(
        page.body
            .contains(r#"<tr data-state-row="Ask" data-status="failed">"#)
    );
    let redrive = app
        .post(&format!("{path}/redrive"), &[("csrf", &csrf)])
        .await;
    assert_eq!(redrive.status, StatusCode::SEE_OTHER);
    let d = app.engine.describe(&id).await.unwrap();
    assert_eq!(d.redrive_count, 1);
    let token = app.tokens.recv().await.unwrap();
    app.engine
        .send_task_success(&token, json!(1))
        .await
        .unwrap();
    assert_eq!(app.engine.wait(&id).await.unwrap(), json!(1));
    let page = app.get(&path).await;
    assert!(
        page.body
            .contains(r#"<tr data-state-row="Ask" data-status="succeeded">"#)
    );
    assert!(
        page.body
            .contains(r#"<tr data-event-type="ExecutionRedriven""#)
    );
}

/// MAP-17: a Distributed Map's execution lists its Map Run with counts and a link to the
/// child executions, which link back to their parent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_runs_link_to_their_children() {
    let app = app(asl_server::Config::new()).await;
    let id = app.start("fan", "fan-1", json!({"items": [1, 2, 3]})).await;
    app.finished(&id).await;
    let page = app.get(&execution_path(&id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let re =
        regex::Regex::new(r#"<a href="(/console/map-runs/[^"]+)">Child executions</a>"#).unwrap();
    let children = re.captures(&page.body).expect("a Map Run link")[1].to_string();
    let list = app.get(&children).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let rows = regex::Regex::new(r#"<tr data-execution="[^"]+" data-status="SUCCEEDED">"#).unwrap();
    assert_eq!(rows.find_iter(&list.body).count(), 3);
    assert!(
        list.body
            .contains(&format!("Started by <a href=\"{}\">", execution_path(&id)))
    );
    let child = regex::Regex::new(r#"<a href="(/console/executions/[^"]+)">"#).unwrap();
    let child = child
        .captures_iter(&list.body)
        .map(|c| c[1].to_string())
        .find(|p| !p.ends_with("fan-1"))
        .unwrap();
    let child_page = app.get(&child).await;
    assert_eq!(child_page.status, StatusCode::OK, "{child}");
    assert!(child_page.body.contains("Parent execution"));
    assert!(child_page.body.contains(">Map Run</dt>"));
    // The child's workflow is `fan#Fan` (no machine of its own): its breadcrumb and "State
    // machine" link go to the parent machine, and every console link on it answers.
    assert!(
        !child_page.body.contains("/machines/fan%23"),
        "no link to a '#' machine"
    );
    assert!(
        child_page
            .body
            .contains(r#"<a href="/console/machines/fan">fan</a> (the processor of its Map state <code>Fan</code>)"#)
    );
    let links = regex::Regex::new(r##"href="(/console/[^"#]*)""##).unwrap();
    for link in links.captures_iter(&child_page.body) {
        let link = link[1].replace("&amp;", "&");
        if link.ends_with("/logout") || link.contains("/assets/") {
            continue;
        }
        assert_eq!(app.get(&link).await.status, StatusCode::OK, "{link}");
    }
    // The parent's graph says the Distributed Map's states run as child executions, with a
    // link to the Map Run.
    assert!(
        page.body
            .contains(r#"<p class="note" id="distributed-note">Distributed Map <code>Fan</code>"#)
    );
    assert!(
        page.body
            .contains(&format!(r#"<a href="{children}">Map Run Items</a>"#))
    );
    let filtered = app.get(&format!("{children}?status=FAILED")).await;
    assert_eq!(rows.find_iter(&filtered.body).count(), 0);
}
