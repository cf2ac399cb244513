//! One execution: its summary, its graph coloured by what happened to each state (with a
//! legend and a table of the same, for readers that do not see the drawing), the visits of
//! the state asked for, Map and Parallel drill-down, the event table, and the actions
//! (Stop, Redrive, Send success / Send failure for each state waiting on a task token).
//!
//! The part that changes while the execution runs is `<div id="live">`, which the script
//! fetches again every second (`…/live`) until the execution ends.

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
}

fn execution_url(ctx: &Ctx, arn: &str) -> String {
    ctx.url(&format!("/executions/{}", enc(arn)))
}

/// The whole page.
pub(crate) fn page(ctx: &Ctx, v: &ExecutionView) -> Markup {
    let d = &v.description;
    layout(
        ctx,
        &d.name,
        html! {
            nav aria-label="Breadcrumb" {
                a href=(ctx.url("/")) { "State machines" } " › "
                a href=(ctx.url(&format!("/machines/{}", enc(&d.workflow)))) { (d.workflow) } " › "
                span { (d.name) }
            }
            h1 { "Execution " (d.name) }
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
            data-live-url={(execution_url(ctx, arn)) "/live"} aria-live="polite" {
            (summary(ctx, v))
            h2 #graph-heading { "Graph" }
            (graph(v))
            (states(v))
            @if let Some(state) = &v.selected {
                section #visits aria-labelledby="visits-heading" {
                    h2 #visits-heading { "Visits of " code { (state) } }
                    p { a href=(execution_url(ctx, arn)) { "Close" } }
                    (super::history::visits(
                        state,
                        &v.visits.iter().filter(|x| &x.state == state).collect::<Vec<_>>(),
                        d.start_date,
                    ))
                }
            }
            (drill_down(ctx, v))
            h2 #events-heading { "Events" }
            (super::history::events(&v.history, d.start_date))
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
                    a href=(ctx.url(&format!("/machines/{}", enc(&d.workflow)))) { (d.workflow) }
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

/// The drawing with its legend, or a note when the workflow carries no graph.
fn graph(v: &ExecutionView) -> Markup {
    html! {
        ul.legend aria-label="Legend" {
            @for s in Status::ALL {
                li { (badge(s.as_str())) }
            }
        }
        @match v.graph {
            Some(g) => {
                div.graph role="group" aria-labelledby="graph-heading" {
                    // The SVG escapes every name itself (asl_graph::escape).
                    (PreEscaped(asl_runtime::graph::to_svg(g, Some(&v.marks))))
                }
                p.muted { "Select a state (click, or Tab then Enter) to see its visits." }
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
    let parallels: Vec<&Visit> = v.visits.iter().filter(|x| x.kind == "Parallel").collect();
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
                h3 { "Map Run " (badge(run.status.as_str())) }
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
            @let inside: Vec<&Visit> = v.visits.iter().filter(|x| x.entered.0 > p.entered.0 && p.ended.is_none_or(|e| x.entered.0 < e.0)).collect();
            section data-parallel=(p.state) {
                h3 { "Parallel " code { (p.state) } " " (badge(p.status.as_str())) }
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
