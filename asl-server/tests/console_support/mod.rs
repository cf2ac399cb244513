//! What the console tests share: workflows whose executions the pages show, an engine on
//! SQLite (a temporary file) with them and the server tests' own, the router, and a browser
//! of sorts (GET and POST with a cookie, the forms' CSRF token read off the page).
#![allow(dead_code)]

use std::time::Duration;

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, TaskContext, TaskError, Value};
use axum::body::Body;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::common;

// Succeeds: a Pass, a Task, an inline Map over the items (MAP-1), a Succeed.
asl_runtime::asl!(pub mod shop {
    "StartAt": "Validate",
    "States": {
        "Validate": { "Type": "Pass", "Next": "Charge" },
        "Charge": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "ResultPath": "$.charge", "Next": "Pack" },
        "Pack": { "Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.packed",
                  "ItemProcessor": { "StartAt": "Box",
                                     "States": { "Box": { "Type": "Pass", "End": true } } },
                  "Next": "Done" },
        "Done": { "Type": "Succeed" }
    }
});

// A branch fails (its Fail state); the Parallel's Catch takes over (ERR-5, PAR-1).
asl_runtime::asl!(pub mod guarded {
    "StartAt": "Both",
    "States": {
        "Both": { "Type": "Parallel",
                  "Branches": [{ "StartAt": "Broken",
                                 "States": { "Broken": { "Type": "Fail", "Error": "Out.Of.Stock",
                                                         "Cause": "no <b>widgets</b> left" } } }],
                  "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                              "Next": "Recover" }],
                  "Next": "Unreached" },
        "Recover": { "Type": "Pass", "End": true },
        "Unreached": { "Type": "Succeed" }
    }
});

// User data with markup: a state name and a Fail's error and cause.
asl_runtime::asl!(pub mod markup {
    "StartAt": "<b>Bold</b> \"step\"",
    "States": {
        "<b>Bold</b> \"step\"": { "Type": "Pass", "Next": "Explode" },
        "Explode": { "Type": "Fail", "Error": "<img src=x onerror=alert(1)>",
                     "Cause": "</pre><script>alert(2)</script>" }
    }
});

/// Task handlers of the console's workflows.
pub struct Handlers;
impl shop::Tasks for Handlers {
    async fn charge(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({ "charged": 42 }))
    }
}
impl guarded::Tasks for Handlers {}
impl markup::Tasks for Handlers {}

/// A served engine (through its router, no socket), with a cookie jar of one.
pub struct App {
    pub engine: Engine,
    pub router: axum::Router,
    pub tokens: tokio::sync::mpsc::UnboundedReceiver<String>,
    pub cookie: Option<String>,
    _dir: tempfile::TempDir,
}

/// A page as received.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        let re = regex::Regex::new(r#"name="csrf" value="([0-9a-f]{64})""#).unwrap();
        re.captures(&self.body)
            .map(|c| c[1].to_string())
            .unwrap_or_else(|| panic!("no CSRF token in:\n{}", self.body))
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// The engine, with the console's workflows and the server tests' callback and waiter.
pub async fn app(config: asl_server::Config) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("console.db"))
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::builder()
        .store(store)
        .workflow("shop", shop::Workflow::new(Handlers))
        .workflow("guarded", guarded::Workflow::new(Handlers))
        .workflow("markup", markup::Workflow::new(Handlers))
        .workflow(
            "callback",
            common::callback::Workflow::new(common::Asker(tx)),
        )
        .workflow("waiter", common::waiter::Workflow::new(common::NoTasks))
        .workflow("failing", common::failing::Workflow::new(common::NoTasks))
        .workflow("fan", common::fan::Workflow::new(common::NoTasks))
        .express_workflow("quick", common::quick::Workflow::new(common::NoTasks))
        .poll_interval(Duration::from_millis(20))
        .build()
        .await
        .unwrap();
    App {
        router: asl_server::router(engine.clone(), config),
        engine,
        tokens: rx,
        cookie: None,
        _dir: dir,
    }
}

impl App {
    /// Sends a request (host `localhost`, the cookie if any).
    pub async fn send(&self, request: http::request::Builder, body: Body) -> Page {
        let mut request = request.header("host", "localhost");
        if let Some(c) = &self.cookie {
            request = request.header("cookie", c.as_str());
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Posts a form, as a browser on the console's page does.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form {
            s.append_pair(k, v);
        }
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "http://localhost")
            .header("sec-fetch-site", "same-origin");
        self.send(request, Body::from(s.finish())).await
    }

    /// Signs in with the form; keeps the session cookie.
    pub async fn login(&mut self, key: &str, secret: &str) -> Page {
        let form = self.get("/console/login").await;
        let csrf = form.csrf();
        let page = self
            .post(
                "/console/login",
                &[("access_key", key), ("secret", secret), ("csrf", &csrf)],
            )
            .await;
        if let Some(set) = page.headers.get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = Some(pair);
        }
        page
    }

    /// Starts `workflow` with a fixed name.
    pub async fn start(
        &self,
        workflow: &str,
        name: &str,
        input: Value,
    ) -> asl_runtime::ExecutionId {
        self.engine
            .start(
                workflow,
                input,
                asl_runtime::StartOptions::default().name(name),
            )
            .await
            .unwrap()
    }

    /// Waits until the execution has ended.
    pub async fn finished(&self, id: &asl_runtime::ExecutionId) {
        let _ = self.engine.wait(id).await;
    }

    /// Waits until its history has an event of `kind`.
    pub async fn has_event(&self, id: &asl_runtime::ExecutionId, kind: &str) {
        let engine = self.engine.clone();
        let kind = kind.to_string();
        common::eventually(|| {
            let (engine, kind, id) = (engine.clone(), kind.clone(), id.clone());
            async move {
                engine
                    .history(&id)
                    .await
                    .map(|h| h.iter().any(|e| e.kind == kind))
                    .unwrap_or(false)
            }
        })
        .await;
    }
}

/// The console URL of an execution.
pub fn execution_path(id: &asl_runtime::ExecutionId) -> String {
    format!("/console/executions/{}", id.as_str())
}

/// A page with what changes from run to run replaced: dates, durations, tokens, the live
/// part's version (a hash).
pub fn normalize(html: &str) -> String {
    let rules: [(&str, &str); 5] = [
        (
            r#"data-version="[0-9a-f]{16}""#,
            r#"data-version="<VERSION>""#,
        ),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC", "<DATE>"),
        (
            r"\b\d+ ms\b|\b\d+\.\d{3} s\b|\b\d+ min \d\d s\b|\b\d+ h \d\d min\b",
            "<DURATION>",
        ),
        (r"[0-9a-f]{64}", "<TOKEN>"),
        (r"flash=[0-9a-f]+", "flash=<ID>"),
    ];
    let mut out = html.to_string();
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    // One element per line: diffs of a snapshot stay readable.
    out.replace("><", ">\n<")
}
