//! The console's sign-in (issue 18 security): back to the page that asked for it (never to
//! another site), a refused form told apart from refused credentials, failed sign-ins
//! throttled.

mod common;
mod console_support;

use console_support::app;
use http::StatusCode;
use serde_json::json;

const KEY: &str = "AKIDSIGNIN";
const SECRET: &str = "sign-in-secret";

/// Signs in through the form with `next` as the page to go back to; the response.
async fn sign_in_to(app: &console_support::App, next: &str) -> console_support::Page {
    let form = app.get("/console/login").await;
    app.post(
        "/console/login",
        &[
            ("access_key", KEY),
            ("secret", SECRET),
            ("csrf", &form.csrf()),
            ("next", next),
        ],
    )
    .await
}

/// A page that sent to the sign-in is where it leads back; `next` that is not a console page
/// (another site, `//host`, a backslash, outside the mount path) leads to the first page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_returns_to_the_page_asked_for() {
    let app = app(asl_server::Config::new().credential(KEY, SECRET)).await;
    let asked = "/console/machines/waiter?status=RUNNING";
    let redirect = app.get(asked).await;
    assert_eq!(redirect.status, StatusCode::SEE_OTHER);
    let login = app.get(redirect.location()).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains(
        r#"<input type="hidden" name="next" value="/console/machines/waiter?status=RUNNING">"#
    ));
    let ok = sign_in_to(&app, asked).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), asked);

    for evil in [
        "https://evil.example",
        "//evil",
        "/console//evil.example",
        "/console/\\evil.example",
        "/elsewhere",
        "/consolex/",
        "/console",
    ] {
        let page = sign_in_to(&app, evil).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{evil}");
        assert_eq!(page.location(), "/console/", "{evil}");
        let login = app
            .get(&format!(
                "/console/login?next={}",
                form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
            ))
            .await;
        assert!(!login.body.contains(r#"name="next""#), "{evil}");
    }
}

/// A sign-in form refused by the CSRF or same-origin check says so (reload and try again),
/// not that the credentials are wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_is_told_apart_from_wrong_credentials() {
    let app = app(asl_server::Config::new().credential(KEY, SECRET)).await;
    let stale = app
        .post(
            "/console/login",
            &[("access_key", KEY), ("secret", SECRET), ("csrf", "0000")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert!(stale.body.contains(r#"data-problem="form-refused""#));
    assert!(stale.body.contains("Reload this page and try again."));
    assert!(!stale.body.contains("Those credentials are not accepted."));
    assert!(!stale.headers.contains_key("set-cookie"));

    let csrf = app.get("/console/login").await.csrf();
    let cross = http::Request::post("/console/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://evil.example");
    let body = format!("access_key={KEY}&secret={SECRET}&csrf={csrf}");
    let page = app.send(cross, axum::body::Body::from(body.clone())).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains(r#"data-problem="form-refused""#));

    // The same host with its default port made explicit is the same origin.
    let same = http::Request::post("/console/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://LOCALHOST:80");
    let page = app.send(same, axum::body::Body::from(body)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let mut app = app;
    let wrong = app.login(KEY, "wrong").await;
    assert!(wrong.body.contains(r#"data-problem="credentials""#));
}

/// Ten failed sign-ins with an access key id pause it: the right secret is then refused
/// with 429 "too many" too (so guessing cannot go on); another key id is not paused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_throttled() {
    let mut app = app(asl_server::Config::new()
        .credential(KEY, SECRET)
        .credential("AKIDOTHER", "other-secret"))
    .await;
    let id = app
        .start("waiter", "throttled", json!({"secret": "s3cr3t"}))
        .await;
    for i in 0..10 {
        let page = app.login(KEY, &format!("guess-{i}")).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "guess {i}");
    }
    let paused = app.login(KEY, SECRET).await;
    assert_eq!(paused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(paused.body.contains(r#"data-problem="too-many""#));
    assert!(paused.body.contains("Too many failed sign-ins"));
    assert!(app.cookie.is_none());
    let other = app.login("AKIDOTHER", "other-secret").await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    let page = app.get(&console_support::execution_path(&id)).await;
    assert!(page.body.contains("s3cr3t"));
}
