//! One execution: its summary, its graph coloured by what happened to each state (with a
//! legend and a table of the same, for readers that do not see the drawing), the visits of
//! the state asked for, Map and Parallel drill-down, the event table, and the actions
//! (Stop, Redrive, Send success / Send failure for each state waiting on a task token).
//!
//! The part that changes while the execution runs is `<div id="live">`, which the script
//! fetches again a second after each answer (`…/live?known=<version>`) until the execution
//! ends; it carries `data-version` (what it shows: the server answers 204 while that is
//! current, so nothing is swapped and focus, scroll and screen readers are left alone) and
//! `data-tokens` (the waiting tokens: when they change the script reloads the page, whose
//! Send success / Send failure forms sit outside the live part so typing is never lost).
//!
//! A long history is paged (the newest [`super::history::EVENTS_PAGE`] events by default)
//! and long payloads are cut (saying so, with a link to the whole event), so a page stays
//! small whatever the execution did.

use asl_runtime::durable::{Description, HistoryEvent, RedriveStatus};
use asl_runtime::graph::{Graph, Kind, Marks, Status};
use asl_runtime::store::WaitingToken;
use asl_runtime::{MapRun, Status as ExecutionStatus};
use maud::{Markup, PreEscaped, html};

use super::{Ctx, badge, between, date, enc, layout, pretty, query};
use crate::console::marks::Visit;

/// Everything the execution page shows.
pub(crate) struct ExecutionView {
    /// DescribeExecution.
    pub(crate) description: Description,
    /// The history.
    pub(crate) history: Vec<HistoryEvent>,
    /// Every state's visits.
    pub(crate) visits: Vec<Visit>,
    /// The marks drawn.
    pub(crate) marks: Marks,
    /// The workflow's graph, when its module carries one.
    pub(crate) graph: Option<&'static Graph>,
    /// The Map Runs it started.
    pub(crate) map_runs: Vec<MapRun>,
    /// The execution whose Map Run this one is a child of.
    pub(crate) parent: Option<String>,
    /// Tokens waiting for an answer.
    pub(crate) tokens: Vec<WaitingToken>,
    /// The state whose visits are shown (`?state=`).
    pub(crate) selected: Option<String>,
    /// The first event id of the event table's page (`?events=`; `None`: the newest).
    pub(crate) events_from: Option<u64>,
    /// What the live part shows, as [`version`] gives it.
    pub(crate) version: String,
}

/// A short fingerprint of what the live part shows: the history's length, the status and
/// redrives, the waiting tokens and the Map Runs' counts (children run without the parent's
/// history growing).
pub(crate) fn version(
    d: &Description,
    history: &[HistoryEvent],
    tokens: &[WaitingToken],
    map_runs: &[MapRun],
) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    history.last().map(|e| e.id).hash(&mut h);
    history.len().hash(&mut h);
    d.status.as_str().hash(&mut h);
    d.redrive_count.hash(&mut h);
    tokens_fingerprint(tokens).hash(&mut h);
    for run in map_runs {
        run.map_run_arn.hash(&mut h);
        run.status.as_str().hash(&mut h);
        for c in [&run.item_counts, &run.execution_counts] {
            [
                c.pending,
                c.running,
                c.succeeded,
                c.failed,
                c.timed_out,
                c.aborted,
                c.total,
            ]
            .hash(&mut h);
        }
    }
    format!("{:016x}", h.finish())
}

/// A fingerprint of the waiting tokens (the page reloads when it changes, to show their forms).
fn tokens_fingerprint(tokens: &[WaitingToken]) -> String {
    use std::hash::{Hash, Hasher};
    if tokens.is_empty() {
        return "none".into();
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for t in tokens {
        t.token.hash(&mut h);
    }
    format!("{}-{:016x}", tokens.len(), h.finish())
}

/// The state machine a workflow name belongs to, and the Map state when it is a Map Run
/// child's processor (`<machine>#<Map state>`, which is not a machine of its own).
fn machine_of(workflow: &str) -> (&str, Option<&str>) {
    match workflow.split_once('#') {
        Some((machine, map)) => (machine, Some(map)),
        None => (workflow, None),
    }
}

fn execution_url(ctx: &Ctx, arn: &str) -> String {
    ctx.url(&format!("/executions/{}", enc(arn)))
}

/// The whole page.
pub(crate) fn page(ctx: &Ctx, v: &ExecutionView) -> Markup {
    let d = &v.description;
    let (machine, _) = machine_of(&d.workflow);
    layout(
        ctx,
        &d.name,
        html! {
            nav aria-label="Breadcrumb" {
                a href=(ctx.url("/")) { "State machines" } " › "
                a href=(ctx.url(&format!("/machines/{}", enc(machine)))) { (machine) } " › "
                @if let Some(run) = &d.map_run_arn {
                    a href=(ctx.url(&format!("/map-runs/{}", enc(run)))) { "Map Run" } " › "
                }
                span { (d.name) }
            }
            h1 { "Execution " (d.name) }
            @if d.status == ExecutionStatus::Running {
                // The one spoken region: the live part changes too much to be read out.
                p #live-status.muted role="status" {
                    "Status " (d.status.as_str()) ": this page updates while the execution runs."
                }
            }
            (actions(ctx, v))
            (live(ctx, v))
        },
    )
}

/// The live part alone (what `…/live` answers), as a document of its own.
pub(crate) fn live_document(ctx: &Ctx, v: &ExecutionView) -> Markup {
    html! { (maud::DOCTYPE) html lang="en" { head { meta charset="utf-8"; title { "live" } } body { (live(ctx, v)) } } }
}

/// Stop, Redrive, and each waiting token's Send success / Send failure.
fn actions(ctx: &Ctx, v: &ExecutionView) -> Markup {
    let d = &v.description;
    let base = execution_url(ctx, d.execution_id.as_str());
    html! {
        section.actions aria-label="Actions" {
            @if d.status == ExecutionStatus::Running {
                form.inline method="post" action={(base) "/stop"} {
                    (ctx.csrf_field())
                    button.danger type="submit" data-action="stop" { "Stop execution" }
                }
            }
            @if d.redrive_status == RedriveStatus::Redrivable {
                form.inline method="post" action={(base) "/redrive"} {
                    (ctx.csrf_field())
                    button.primary type="submit" data-action="redrive" { "Redrive" }
                }
            }
        }
        @if !v.tokens.is_empty() {
            section aria-labelledby="tokens-heading" {
                h2 #tokens-heading { "Waiting for a task token" }
                @for (i, t) in v.tokens.iter().enumerate() {
                    div.panel data-token-state=(t.state) {
                        h3 { "State " code { (t.state) } }
                        p.muted { "Waiting since " (date(t.heartbeat)) "." }
                        div.columns {
                            form.stack method="post" action={(base) "/task-success"} {
                                (ctx.csrf_field())
                                input type="hidden" name="token" value=(t.token);
                                label for={"output-" (i)} { "Output (JSON)" }
                                textarea id={"output-" (i)} name="output" { "{}" }
                                div { button.primary type="submit" data-action="send-success" { "Send success" } }
                            }
                            form.stack method="post" action={(base) "/task-failure"} {
                                (ctx.csrf_field())
                                input type="hidden" name="token" value=(t.token);
                                label for={"error-" (i)} { "Error" }
                                input id={"error-" (i)} type="text" name="error" maxlength="256";
                                label for={"cause-" (i)} { "Cause" }
                                textarea id={"cause-" (i)} name="cause" {}
                                div { button.danger type="submit" data-action="send-failure" { "Send failure" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Summary, graph, states, visits, drill-down, events.
fn live(ctx: &Ctx, v: &ExecutionView) -> Markup {
    let d = &v.description;
    let arn = d.execution_id.as_str();
    let running = d.status == ExecutionStatus::Running;
    html! {
        div #live data-running=(running) data-status=(d.status.as_str())
            data-live-url={(execution_url(ctx, arn)) "/live"} data-version=(v.version)
            data-tokens=(tokens_fingerprint(&v.tokens)) {
            (summary(ctx, v))
            h2 #graph-heading { "Graph" }
            (graph(ctx, v))
            (states(v))
            @if let Some(state) = &v.selected {
                section #visits aria-labelledby="visits-heading" {
                    h2 #visits-heading { "Visits of " code { (state) } }
                    p { a href=(execution_url(ctx, arn)) { "Close" } }
                    (super::history::visits(
                        state,
                        &v.visits.iter().filter(|x| &x.state == state).collect::<Vec<_>>(),
                        d.start_date,
                        &|id: u64| format!("{}/events/{id}", execution_url(ctx, arn)),
                    ))
                }
            }
            (drill_down(ctx, v))
            h2 #events-heading { "Events" }
            (super::history::events(
                &v.history,
                d.start_date,
                v.events_from,
                &|from: Option<u64>| {
                    let from = from.map(|n| n.to_string()).unwrap_or_default();
                    let state = v.selected.as_deref().unwrap_or("");
                    format!("{}#events-heading", query(&[("state", state), ("events", &from)]))
                },
                &|id: u64| format!("{}/events/{id}", execution_url(ctx, arn)),
            ))
        }
    }
}

fn summary(ctx: &Ctx, v: &ExecutionView) -> Markup {
    let d = &v.description;
    let end = d.stop_date.unwrap_or_else(chrono::Utc::now);
    html! {
        section.panel aria-label="Summary" {
            dl.summary {
                dt { "Status" } dd #status data-status=(d.status.as_str()) { (badge(d.status.as_str())) }
                dt { "Execution ARN" } dd { code { (d.execution_id.as_str()) } }
                dt { "State machine" } dd {
                    @let (machine, map) = machine_of(&d.workflow);
                    a href=(ctx.url(&format!("/machines/{}", enc(machine)))) { (machine) }
                    @if let Some(map) = map {
                        " (the processor of its Map state " code { (map) } ")"
                    }
                    " " span.muted { code { (d.state_machine_arn) } }
                }
                dt { "Start" } dd { (date(d.start_date)) }
                dt { "Stop" } dd { @if let Some(s) = d.stop_date { (date(s)) } @else { "–" } }
                dt { "Duration" } dd { (between(d.start_date, end)) @if d.stop_date.is_none() { " so far" } }
                dt { "Redrives" } dd {
                    (d.redrive_count)
                    @if let Some(at) = d.redrive_date { " (last " (date(at)) ")" }
                    " · " (d.redrive_status.as_str())
                    @if let Some(reason) = &d.redrive_status_reason { ": " (reason) }
                }
                @if let Some(run) = &d.map_run_arn {
                    dt { "Map Run" } dd { a href=(ctx.url(&format!("/map-runs/{}", enc(run)))) { code { (run) } } }
                }
                @if let Some(parent) = &v.parent {
                    dt { "Parent execution" } dd { a href=(execution_url(ctx, parent)) { code { (parent) } } }
                }
                @if let Some(e) = &d.error {
                    dt { "Error" } dd #error { code { (e) } }
                }
                @if let Some(c) = &d.cause {
                    dt { "Cause" } dd #cause { (c) }
                }
            }
            div.columns {
                div {
                    h2 { "Input" }
                    pre #input { (pretty(&d.input)) }
                }
                div {
                    h2 { "Output" }
                    @match &d.output {
                        Some(o) => pre #output { (pretty(o)) },
                        None => p.note { @if d.status == ExecutionStatus::Running { "Not finished yet." } @else { "No output." } },
                    }
                }
            }
        }
    }
}

/// The Distributed Map states of a graph (nested too): their processors run as child
/// executions, so the parent's history never enters the states inside.
fn distributed_maps(g: &'static Graph, out: &mut Vec<&'static str>) {
    for node in g.nodes.iter() {
        if node.kind == Kind::Map && node.detail.starts_with("Distributed") {
            out.push(&node.name);
        }
        for child in node.children.iter() {
            distributed_maps(child, out);
        }
    }
}

/// A Map Run's label or state name, read off its ARN (`…:mapRun:<machine>/<label>:<id>`).
fn run_label(arn: &str) -> &str {
    arn.rsplit_once(':')
        .and_then(|(head, _)| head.rsplit_once('/'))
        .map(|(_, label)| label)
        .unwrap_or(arn)
}

/// The note under the graph for Distributed Map states, with links to their Map Runs.
fn distributed_note(ctx: &Ctx, v: &ExecutionView) -> Markup {
    let mut maps = Vec::new();
    if let Some(g) = v.graph {
        distributed_maps(g, &mut maps);
    }
    html! {
        @if !maps.is_empty() {
            p.note #distributed-note {
                "Distributed Map "
                @for (i, m) in maps.iter().enumerate() { @if i > 0 { ", " } code { (m) } }
                ": its processor runs as child executions, so the states inside it stay \
                 grey (not reached) on this graph; the Map Run shows how the children did. "
                @if v.map_runs.is_empty() {
                    "No Map Run has started yet."
                } @else {
                    @for run in &v.map_runs {
                        a href=(ctx.url(&format!("/map-runs/{}", enc(&run.map_run_arn)))) {
                            "Map Run " (run_label(&run.map_run_arn))
                        }
                        " (" (run.status.as_str()) ", " (run.execution_counts.total) " child executions) "
                    }
                }
            }
        }
    }
}

/// The drawing with its legend, or a note when the workflow carries no graph.
fn graph(ctx: &Ctx, v: &ExecutionView) -> Markup {
    html! {
        ul.legend aria-label="Legend" {
            @for s in Status::ALL {
                li { (badge(s.as_str())) }
            }
        }
        @match v.graph {
            Some(g) => {
                // Shown at its natural size, scrolled in its box; the script offers "Fit to
                // width" (the button is hidden without it).
                div.graph #graph-box role="group" aria-labelledby="graph-heading" {
                    // The SVG escapes every name itself (asl_graph::escape).
                    (PreEscaped(asl_runtime::graph::to_svg(g, Some(&v.marks))))
                }
                p.muted.graph-help {
                    "Select a state (click, or Tab then Enter) to see its visits. "
                    button #graph-fit type="button" data-action="graph-fit" aria-pressed="false"
                        aria-controls="graph-box" hidden { "Fit to width" }
                }
                (distributed_note(ctx, v))
            }
            None => {
                p.note #graph-unavailable {
                    "Graph not available: this workflow's compiled module carries no graph. "
                    "The states below show what happened."
                }
            }
        }
    }
}

/// Every state with its outcome (the graph's content as a table, with links to visits).
fn states(v: &ExecutionView) -> Markup {
    let mut names: Vec<(String, Option<&'static str>)> = Vec::new();
    if let Some(g) = v.graph {
        collect(g, &mut names);
    }
    // Without a graph (or for states it lacks), in the order they were first entered.
    for visit in &v.visits {
        if !names.iter().any(|(n, _)| *n == visit.state) {
            names.push((visit.state.clone(), None));
        }
    }
    html! {
        h2 #states-heading { "States" }
        table aria-labelledby="states-heading" {
            thead { tr {
                th scope="col" { "State" }
                th scope="col" { "Type" }
                th scope="col" { "Last outcome" }
                th.num scope="col" { "Visits" }
                th scope="col" { "Outcomes" }
            } }
            tbody {
                @for (name, kind) in &names {
                    @let mark = v.marks.get(name);
                    @let status = mark.map(|m| m.status()).unwrap_or(Status::NotReached);
                    tr data-state-row=(name) data-status=(status.as_str()) {
                        th scope="row" {
                            a href=(visits_link(name)) { (name) }
                        }
                        td { (kind.or_else(|| v.visits.iter().find(|x| &x.state == name).map(|x| x.kind.as_str())).unwrap_or("")) }
                        td { (badge(status.as_str())) }
                        td.num { (mark.map(|m| m.visits).unwrap_or(0)) }
                        td { @if let Some(m) = mark {
                            @for (s, n) in &m.outcomes { span.muted { (s.as_str()) " × " (n) "  " } }
                        } }
                    }
                }
            }
        }
    }
}

/// The link that opens a state's visits (the page itself, with `?state=`).
fn visits_link(state: &str) -> String {
    format!("{}#visits", query(&[("state", state)]))
}

/// The states of a graph and its nested ones, in order.
fn collect(g: &'static Graph, out: &mut Vec<(String, Option<&'static str>)>) {
    for node in g.nodes.iter() {
        out.push((node.name.to_string(), Some(node.kind.as_str())));
        for child in node.children.iter() {
            collect(child, out);
        }
    }
}

/// Map iterations, Map Runs and Parallel branches.
fn drill_down(ctx: &Ctx, v: &ExecutionView) -> Markup {
    let has_iterations = v.history.iter().any(|e| e.kind == "MapIterationStarted");
    // One section per Parallel state (its last visit), however often a loop entered it.
    let mut parallels: Vec<&Visit> = Vec::new();
    for x in v.visits.iter().filter(|x| x.kind == "Parallel") {
        match parallels.iter_mut().find(|p| p.state == x.state) {
            Some(p) => *p = x,
            None => parallels.push(x),
        }
    }
    let branches = v.graph.map(parallel_nodes).unwrap_or_default();
    html! {
        @if has_iterations || !v.map_runs.is_empty() || !parallels.is_empty() {
            h2 #drill-heading { "Map and Parallel" }
        }
        @if has_iterations {
            (super::history::iterations(&v.history, v.description.start_date))
        }
        @for run in &v.map_runs {
            section.panel data-map-run=(run.map_run_arn) {
                h3 { "Map Run " (run_label(&run.map_run_arn)) " " (badge(run.status.as_str())) }
                p.note { "Its items run as child executions (a Distributed Map)." }
                p { code { (run.map_run_arn) } }
                table {
                    thead { tr {
                        th scope="col" { "" }
                        @for h in ["Pending", "Running", "Succeeded", "Failed", "Timed out", "Aborted", "Total"] { th.num scope="col" { (h) } }
                    } }
                    tbody {
                        @for (label, c) in [("Items", &run.item_counts), ("Executions", &run.execution_counts)] {
                            tr { th scope="row" { (label) }
                                @for n in [c.pending, c.running, c.succeeded, c.failed, c.timed_out, c.aborted, c.total] { td.num { (n) } }
                            }
                        }
                    }
                }
                p { a href=(ctx.url(&format!("/map-runs/{}", enc(&run.map_run_arn)))) { "Child executions" } }
            }
        }
        @for p in &parallels {
            @let inside: Vec<&Visit> = v.visits.iter().filter(|x| x.entered.0 > p.entered.0 && p.ended.is_none_or(|e| x.entered.0 < e.0)).take(100).collect();
            @let mark = v.marks.get(&p.state);
            section data-parallel=(p.state) {
                h3 { "Parallel " code { (p.state) } " " (badge(p.status.as_str())) }
                @if let Some(m) = mark.filter(|m| m.visits > 1) {
                    p.muted {
                        (m.visits) " visits: "
                        @for (s, n) in &m.outcomes { (s.as_str()) " × " (n) " " }
                        "(the last one below; " a href=(visits_link(&p.state)) { "all visits" } ")"
                    }
                }
                @if let Some(node) = branches.iter().find(|n| n.0 == p.state) {
                    ol {
                        @for (i, branch) in node.1.iter().enumerate() {
                            li { "Branch " (i + 1) ": "
                                @for name in branch {
                                    @let s = v.marks.get(name).map(|m| m.status()).unwrap_or(Status::NotReached);
                                    a href=(visits_link(name)) { (name) } " " (badge(s.as_str())) " "
                                }
                            }
                        }
                    }
                } @else {
                    p { "States run inside: "
                        @for x in &inside { a href=(visits_link(&x.state)) { (x.state) } " " (badge(x.status.as_str())) " " }
                    }
                }
            }
        }
    }
}

/// Each Parallel state of a graph (nested too) with its branches' state names.
fn parallel_nodes(g: &'static Graph) -> Vec<(String, Vec<Vec<String>>)> {
    let mut out = Vec::new();
    for node in g.nodes.iter() {
        if node.kind == Kind::Parallel {
            let branches = node
                .children
                .iter()
                .map(|b| {
                    let mut names = Vec::new();
                    collect(b, &mut names);
                    names.into_iter().map(|(n, _)| n).collect()
                })
                .collect();
            out.push((node.name.to_string(), branches));
        }
        for child in node.children.iter() {
            out.extend(parallel_nodes(child));
        }
    }
    out
}
