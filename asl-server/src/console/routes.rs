//! Which page or action a console request asks for, and the checks before it: a session
//! when credentials are configured (otherwise the sign-in page, never data), a CSRF token
//! and a same-origin POST for every action. Actions answer with a 303 back to the page and a
//! message; an engine error becomes that message, never a 500.
//!
//! URLs under the mount path `M`:
//! - `GET M/`: the state machines;
//! - `GET M/machines/<name>?status=&name=&token=&back=…`: its executions;
//! - `GET M/map-runs/<arn>?status=&name=&token=`: a Map Run's child executions;
//! - `GET M/executions/<arn>?state=<name>&events=<id>#visits`: one execution (and a state's
//!   visits; the event table from that event id, else the newest events);
//!   `GET …/live?known=<version>`: its live part alone, for the script's polling (204 when
//!   the version the script shows is still current); `GET …/events/<id>`: one event as JSON;
//! - `POST M/executions/<arn>/stop`, `…/redrive`, `…/task-success` (`token`, `output`),
//!   `…/task-failure` (`token`, `error`, `cause`): the actions (each with `csrf`);
//! - `GET|POST M/login` (`access_key`, `secret`, `csrf`, `next`: the page to go back to),
//!   `POST M/logout` (`csrf`);
//! - `GET M/assets/console.css`, `M/assets/console.js`.

use asl_runtime::durable::{EngineError, ExecutionId, ListFilter};
use asl_runtime::{Engine, Status};
use axum::response::Response;
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};

use super::pages::execution::ExecutionView;
use super::pages::lists::ListView;
use super::pages::{Ctx, enc, query};
use super::session::{COOKIE, Flash, SESSION_LIFETIME, Visitor, same_origin};
use super::{html, marks, pages, see_other};
use crate::dispatch::Server;

/// Executions per list page.
const PAGE_SIZE: usize = 100;

/// A request's query parameters (a repeated one keeps every value).
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(text: &str) -> Params {
        Params(
            form_urlencoded::parse(text.as_bytes())
                .into_owned()
                .collect(),
        )
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// Serves a console request (the host check has passed).
pub(crate) async fn serve(
    server: &Server,
    mount: &str,
    parts: Parts,
    body: axum::body::Body,
) -> Response {
    let path = parts.uri.path();
    let rest = path.strip_prefix(mount).unwrap_or_default();
    let rest = if rest.is_empty() { "/" } else { rest };
    let is_get = parts.method == Method::GET || parts.method == Method::HEAD;
    let is_post = parts.method == Method::POST;
    if is_get
        && let Some(name) = rest.strip_prefix("/assets/")
        && let Some(response) = super::assets::asset(name)
    {
        return response;
    }
    let sessions = &server.sessions;
    let open = server.config.credentials.is_empty();
    let visitor = sessions.visitor(open, &parts.headers);
    let params = Params::parse(parts.uri.query().unwrap_or_default());
    let flash = params.get("flash").and_then(|id| sessions.take_flash(id));
    let ctx = Ctx {
        mount: mount.to_string(),
        csrf: sessions.csrf(&visitor),
        signed_in: matches!(visitor, Visitor::Session(_)),
        flash,
    };
    let form = if is_post {
        match crate::dispatch::read_body(server, &parts.headers, body).await {
            Ok(bytes) => Params(
                form_urlencoded::parse(&bytes)
                    .into_owned()
                    .collect::<Vec<_>>(),
            ),
            Err(_) => {
                return html(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    pages::problem(&ctx, "Too large", "The form sent is too large."),
                );
            }
        }
    } else {
        Params(Vec::new())
    };

    if rest == "/login" {
        return login(server, &ctx, &visitor, is_post, &parts, &form);
    }
    if matches!(visitor, Visitor::Anonymous) {
        return if is_get {
            // Back to this page after signing in (not to the script's live part).
            let next = match parts.uri.path_and_query() {
                Some(pq) if !path.ends_with("/live") => pq.as_str(),
                _ => "",
            };
            see_other(&ctx.url(&format!("/login{}", query(&[("next", next)]))))
        } else {
            html(
                StatusCode::FORBIDDEN,
                pages::problem(&ctx, "Sign in first", "Sign in to use the console."),
            )
        };
    }
    if is_post {
        let token = form.get("csrf").unwrap_or_default();
        if !same_origin(&parts.headers, &parts.uri) || !sessions.check_csrf(&visitor, token) {
            return html(
                StatusCode::FORBIDDEN,
                pages::problem(
                    &ctx,
                    "Form refused",
                    "The form is out of date or came from another site: reload the page and \
                     try again.",
                ),
            );
        }
        if rest == "/logout" {
            sessions.sign_out(&visitor);
            let mut response = see_other(&ctx.url("/login"));
            set_cookie(&mut response, mount, "", 0);
            return response;
        }
        if let Some(tail) = rest.strip_prefix("/executions/") {
            return action(server, &ctx, tail, &form).await;
        }
        return not_found(&ctx);
    }
    if !is_get {
        return html(
            StatusCode::METHOD_NOT_ALLOWED,
            pages::problem(&ctx, "Not allowed", "This page answers GET only."),
        );
    }
    if rest == "/" {
        return machines(&server.engine, &ctx).await;
    }
    if let Some(name) = rest.strip_prefix("/machines/") {
        return executions(&server.engine, &ctx, &decode(name), &params).await;
    }
    if let Some(arn) = rest.strip_prefix("/map-runs/") {
        return map_run(&server.engine, &ctx, &decode(arn), &params).await;
    }
    if let Some(tail) = rest.strip_prefix("/executions/") {
        let (arn, part) = match tail.split_once('/') {
            Some((arn, "live")) => (arn, Part::Live),
            Some((arn, event)) => match event.strip_prefix("events/").map(str::parse) {
                Some(Ok(id)) => (arn, Part::Event(id)),
                _ => return not_found(&ctx),
            },
            None => (tail, Part::Page),
        };
        return execution(&server.engine, &ctx, &decode(arn), part, &params).await;
    }
    not_found(&ctx)
}

fn not_found(ctx: &Ctx) -> Response {
    html(
        StatusCode::NOT_FOUND,
        pages::problem(ctx, "Not found", "There is no such page in the console."),
    )
}

/// The page of an engine error met while reading (404 for what does not exist, 503 when
/// the store failed, 400 otherwise).
fn engine_problem(ctx: &Ctx, e: &EngineError) -> Response {
    let status = match e {
        EngineError::ExecutionDoesNotExist(_)
        | EngineError::StateMachineDoesNotExist(_)
        | EngineError::ResourceNotFound(_) => StatusCode::NOT_FOUND,
        EngineError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    html(status, pages::problem(ctx, e.name(), &e.to_string()))
}

fn set_cookie(response: &mut Response, mount: &str, value: &str, max_age: u64) {
    let cookie =
        format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path={mount}; Max-Age={max_age}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
}

/// Where to go after signing in: the `next` asked for when it is a console page (the mount
/// path then `/`; no `//`, backslash or control character, so never another site), else the
/// first page.
fn next_page(ctx: &Ctx, next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.strip_prefix(ctx.mount.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
                && !n.contains("//")
                && !n.contains('\\')
                && n.chars().all(|c| c.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => ctx.url("/"),
    }
}

fn login(
    server: &Server,
    ctx: &Ctx,
    visitor: &Visitor,
    is_post: bool,
    parts: &Parts,
    form: &Params,
) -> Response {
    use pages::lists::LoginProblem;
    let asked = Params::parse(parts.uri.query().unwrap_or_default());
    let next_asked = if is_post {
        form.get("next")
    } else {
        asked.get("next")
    };
    let next = next_page(ctx, next_asked);
    // The form keeps only a `next` that will be followed.
    let keep = if next_asked == Some(next.as_str()) {
        next.as_str()
    } else {
        ""
    };
    if !matches!(visitor, Visitor::Anonymous) && !is_post {
        return see_other(&next);
    }
    let page = |status, problem| html(status, pages::lists::login(ctx, problem, keep));
    if !is_post {
        return page(StatusCode::OK, LoginProblem::None);
    }
    let sessions = &server.sessions;
    let token = form.get("csrf").unwrap_or_default();
    // The sign-in form's token is the process's (there is no session yet).
    if !same_origin(&parts.headers, &parts.uri) || !sessions.check_csrf(&Visitor::Anonymous, token)
    {
        return page(StatusCode::FORBIDDEN, LoginProblem::FormRefused);
    }
    let key = form.get("access_key").unwrap_or_default();
    let secret = form.get("secret").unwrap_or_default();
    let now = std::time::Instant::now();
    if !sessions.throttle().allows(key, now) {
        return page(StatusCode::TOO_MANY_REQUESTS, LoginProblem::TooMany);
    }
    match sessions.sign_in(&server.config.credentials, key, secret) {
        Some(id) => {
            let mut response = see_other(&next);
            set_cookie(&mut response, &ctx.mount, &id, SESSION_LIFETIME.as_secs());
            response
        }
        None => {
            sessions.throttle().failed(key, now);
            page(StatusCode::FORBIDDEN, LoginProblem::Credentials)
        }
    }
}

async fn machines(engine: &Engine, ctx: &Ctx) -> Response {
    let mut rows = Vec::new();
    for info in engine.workflows() {
        let counts = match info.kind {
            asl_runtime::durable::WorkflowType::Standard => {
                match engine.execution_counts(&info.name).await {
                    Ok(c) => Some(c),
                    Err(e) => return engine_problem(ctx, &e),
                }
            }
            asl_runtime::durable::WorkflowType::Express => None,
        };
        rows.push((info, counts));
    }
    html(StatusCode::OK, pages::lists::machines(ctx, &rows))
}

/// The list filter of a page's query: status, name, token, page size.
fn filter(params: &Params) -> Result<ListFilter, String> {
    let mut filter = ListFilter {
        max_results: PAGE_SIZE,
        next_token: params.get("token").map(str::to_string),
        ..ListFilter::default()
    };
    if let Some(s) = params.get("status") {
        filter.status = Some(
            s.parse::<Status>()
                .map_err(|_| format!("Unknown status '{s}'"))?,
        );
    }
    // Control characters cannot be in a name (and PostgreSQL refuses NUL in text): the
    // search ignores them.
    if let Some(n) = params.get("name") {
        let n: String = n.chars().filter(|c| !c.is_control()).take(80).collect();
        filter.name_contains = (!n.is_empty()).then_some(n);
    }
    if let Some(t) = &filter.next_token
        && t.chars().any(char::is_control)
    {
        return Err("The page token is not valid".into());
    }
    if let Some(size) = params.get("size") {
        filter.max_results = size
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| format!("Page size '{size}' is not between 1 and 1000"))?;
    }
    Ok(filter)
}

fn list_view(params: &Params, filter: &ListFilter, title: String, path: String) -> ListView {
    ListView {
        title,
        intro: maud::html! {},
        path,
        status: filter.status,
        name: filter.name_contains.clone().unwrap_or_default(),
        token: filter.next_token.clone(),
        back: params.all("back"),
        rows: Vec::new(),
        next: None,
        counts: None,
        size: params.get("size").map(str::to_string),
    }
}

async fn executions(engine: &Engine, ctx: &Ctx, name: &str, params: &Params) -> Response {
    let Some(info) = engine.workflow(name) else {
        return html(
            StatusCode::NOT_FOUND,
            pages::problem(
                ctx,
                "Not found",
                &format!("No state machine is named '{name}'."),
            ),
        );
    };
    let filter = match filter(params) {
        Ok(f) => f,
        Err(message) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::problem(ctx, "Bad filter", &message),
            );
        }
    };
    let mut view = list_view(
        params,
        &filter,
        info.name.clone(),
        format!("/machines/{}", enc(&info.name)),
    );
    view.intro = maud::html! {
        p.muted { (info.kind.as_str()) " · " code { (info.arn) } }
        @if info.kind == asl_runtime::durable::WorkflowType::Express {
            p.note { "Express executions run in memory and are not stored: none are listed." }
        }
    };
    match engine.execution_counts(name).await {
        Ok(c) => view.counts = Some(c),
        Err(e) => return engine_problem(ctx, &e),
    }
    match engine.list_executions(name, filter).await {
        Ok(list) => {
            view.rows = list.executions;
            view.next = list.next_token;
        }
        Err(e) => return engine_problem(ctx, &e),
    }
    html(StatusCode::OK, pages::lists::executions(ctx, &view))
}

async fn map_run(engine: &Engine, ctx: &Ctx, arn: &str, params: &Params) -> Response {
    let run = match engine.describe_map_run(arn).await {
        Ok(r) => r,
        Err(e) => return engine_problem(ctx, &e),
    };
    let filter = match filter(params) {
        Ok(f) => f,
        Err(message) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::problem(ctx, "Bad filter", &message),
            );
        }
    };
    let mut view = list_view(
        params,
        &filter,
        "Map Run".into(),
        format!("/map-runs/{}", enc(arn)),
    );
    let parent = ctx.url(&format!("/executions/{}", enc(&run.execution_arn)));
    view.intro = maud::html! {
        p { code { (run.map_run_arn) } " " (pages::badge(run.status.as_str())) }
        p { "Started by " a href=(parent) { code { (run.execution_arn) } } }
    };
    let c = &run.execution_counts;
    view.counts = Some(
        [
            (Status::Running, c.running),
            (Status::Succeeded, c.succeeded),
            (Status::Failed, c.failed),
            (Status::TimedOut, c.timed_out),
            (Status::Aborted, c.aborted),
        ]
        .into_iter()
        .collect(),
    );
    match engine.list_map_run_executions(arn, filter).await {
        Ok(list) => {
            view.rows = list.executions;
            view.next = list.next_token;
        }
        Err(e) => return engine_problem(ctx, &e),
    }
    html(StatusCode::OK, pages::lists::executions(ctx, &view))
}

/// The graph of a workflow, or of a Map Run child's processor (`<machine>#<Map state>`).
fn graph_of(engine: &Engine, workflow: &str) -> Option<&'static asl_runtime::graph::Graph> {
    match workflow.split_once('#') {
        None => engine.workflow(workflow)?.graph,
        Some((machine, map)) => {
            let graph = engine.workflow(machine)?.graph?;
            processor(graph, map)
        }
    }
}

fn processor(
    graph: &'static asl_runtime::graph::Graph,
    map: &str,
) -> Option<&'static asl_runtime::graph::Graph> {
    for node in graph.nodes.iter() {
        if node.name == map && node.kind == asl_runtime::graph::Kind::Map {
            return node.children.first();
        }
        for child in node.children.iter() {
            if let Some(g) = processor(child, map) {
                return Some(g);
            }
        }
    }
    None
}

/// Which part of an execution a GET asks for.
enum Part {
    /// The whole page.
    Page,
    /// The live part (`…/live`), for the script's polling.
    Live,
    /// One event's details as JSON (`…/events/<id>`), whole, however large.
    Event(u64),
}

async fn execution(engine: &Engine, ctx: &Ctx, arn: &str, part: Part, params: &Params) -> Response {
    let id: ExecutionId = match arn.parse() {
        Ok(id) => id,
        Err(e) => return engine_problem(ctx, &e),
    };
    let description = match engine.describe(&id).await {
        Ok(d) => d,
        Err(e) => return engine_problem(ctx, &e),
    };
    let history = match engine.history(&id).await {
        Ok(h) => h,
        Err(e) => return engine_problem(ctx, &e),
    };
    if let Part::Event(event) = part {
        return match history.iter().find(|e| e.id == event) {
            Some(e) => event_json(e),
            None => not_found(ctx),
        };
    }
    let tokens = if description.status == Status::Running {
        match engine.waiting_tokens(&id).await {
            Ok(t) => t,
            Err(e) => return engine_problem(ctx, &e),
        }
    } else {
        Vec::new()
    };
    let map_runs = if id.is_express() {
        Vec::new()
    } else {
        match engine.list_map_runs(&id).await {
            Ok(r) => r,
            Err(e) => return engine_problem(ctx, &e),
        }
    };
    let version = pages::execution::version(&description, &history, &tokens, &map_runs);
    // The script sends the version it shows: nothing changed, nothing to draw.
    if matches!(part, Part::Live) && params.get("known") == Some(version.as_str()) {
        return super::secure(
            axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT),
            "no-store",
        );
    }
    let parent = match &description.map_run_arn {
        Some(run) => engine
            .describe_map_run(run)
            .await
            .ok()
            .map(|r| r.execution_arn),
        None => None,
    };
    let events_from = match params.get("events").map(str::parse::<u64>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::problem(ctx, "Bad event id", "The events parameter is an event id."),
            );
        }
    };
    let graph = graph_of(engine, &description.workflow);
    let visits = marks::visits_in(&history, description.status, graph);
    let view = ExecutionView {
        marks: marks::fold(&visits),
        graph,
        selected: params.get("state").map(str::to_string),
        events_from,
        version,
        description,
        history,
        visits,
        map_runs,
        parent,
        tokens,
    };
    let page = if matches!(part, Part::Live) {
        pages::execution::live_document(ctx, &view)
    } else {
        pages::execution::page(ctx, &view)
    };
    html(StatusCode::OK, page)
}

/// One event as JSON: its details whole (the table cuts long ones).
fn event_json(e: &asl_runtime::durable::HistoryEvent) -> Response {
    let value = serde_json::json!({
        "id": e.id,
        "previousEventId": e.previous_event_id,
        "timestamp": e.timestamp.to_rfc3339(),
        "type": e.kind,
        "state": e.state,
        "details": e.details,
    });
    let response = axum::response::IntoResponse::into_response((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        pages::pretty(&value),
    ));
    super::secure(response, "no-store")
}

/// Stop, redrive, send success, send failure: 303 back to the execution with a message.
async fn action(server: &Server, ctx: &Ctx, tail: &str, form: &Params) -> Response {
    let engine = &server.engine;
    let Some((arn, verb)) = tail.rsplit_once('/') else {
        return not_found(ctx);
    };
    let arn = decode(arn);
    let back = ctx.url(&format!("/executions/{}", enc(&arn)));
    let id: ExecutionId = match arn.parse() {
        Ok(id) => id,
        Err(e) => return engine_problem(ctx, &e),
    };
    let outcome: Result<String, String> = match verb {
        "stop" => engine
            .stop(&id, None, None)
            .await
            .map(|_| "Execution stopped.".to_string())
            .map_err(|e| e.to_string()),
        "redrive" => engine
            .redrive(&id)
            .await
            .map(|_| "Execution redriven.".to_string())
            .map_err(|e| e.to_string()),
        "task-success" | "task-failure" => answer(engine, &id, verb, form).await,
        _ => return not_found(ctx),
    };
    let flash = match outcome {
        Ok(text) => Flash { error: false, text },
        Err(text) => Flash { error: true, text },
    };
    let id = server.sessions.put_flash(flash);
    see_other(&format!("{back}{}", query(&[("flash", &id)])))
}

/// Answers a task token of this execution.
async fn answer(
    engine: &Engine,
    id: &ExecutionId,
    verb: &str,
    form: &Params,
) -> Result<String, String> {
    let token = form.get("token").unwrap_or_default();
    let waiting = engine.waiting_tokens(id).await.map_err(|e| e.to_string())?;
    let Some(waiting) = waiting.iter().find(|t| t.token == token) else {
        return Err("This task is no longer waiting for its token.".into());
    };
    if verb == "task-success" {
        let text = form.get("output").unwrap_or("{}");
        let output: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("The output is not JSON: {e}"))?;
        engine
            .send_task_success(token, output)
            .await
            .map_err(|e| e.to_string())?;
        Ok(format!("Sent success to state '{}'.", waiting.state))
    } else {
        engine
            .send_task_failure(token, form.get("error"), form.get("cause"))
            .await
            .map_err(|e| e.to_string())?;
        Ok(format!("Sent failure to state '{}'.", waiting.state))
    }
}

/// Whether a request goes to the console rather than the API (which also answers `GET /`
/// with a redirect to it): never with `X-Amz-Target`.
pub(crate) fn route(mount: &str, parts: &Parts) -> Option<Routed> {
    if parts.headers.contains_key("x-amz-target") {
        return None;
    }
    let path = parts.uri.path();
    if super::under(mount, path) {
        return Some(Routed::Console);
    }
    if path == "/" && (parts.method == Method::GET || parts.method == Method::HEAD) {
        return Some(Routed::Redirect);
    }
    None
}

/// Where [`route`] sends a request.
pub(crate) enum Routed {
    /// A console page, asset or action.
    Console,
    /// `GET /`: to the console's first page.
    Redirect,
}
