//! An execution's event table (AWS console's "Events" view: id, type, state, time, elapsed,
//! details to expand), the visits of one state, and the Map iterations read off the history.

use asl_runtime::durable::HistoryEvent;
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::{badge, between, date, pretty, pretty_text};
use crate::console::marks::Visit;

/// The most Map iterations listed per Map state (a Map over many items records many).
const MAX_ITERATIONS: usize = 100;

/// Events per page of the event table.
pub(crate) const EVENTS_PAGE: usize = 200;

/// The longest payload shown in the event table's details; longer ones are cut, saying so.
const DETAILS_LIMIT: usize = 4 * 1024;

/// The longest input or output shown in a state's visits.
const VISIT_LIMIT: usize = 16 * 1024;

/// A link to the event table's page that starts at an event id (`None`: the newest events).
pub(crate) type PageLink<'a> = &'a dyn Fn(Option<u64>) -> String;
/// A link to one event's whole JSON.
pub(crate) type EventLink<'a> = &'a dyn Fn(u64) -> String;

/// `text` up to `limit` bytes (at a character boundary), and whether it was cut.
fn cut(text: &str, limit: usize) -> (&str, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// A payload in a `<pre>`, cut past `limit` with a note saying so and a link to it whole.
fn payload(text: &str, limit: usize, whole: &str) -> Markup {
    let (shown, was_cut) = cut(text, limit);
    html! {
        pre { (shown) @if was_cut { "…" } }
        @if was_cut {
            p.note data-cut=(text.len()) {
                "Cut: the first " (limit / 1024) " KiB of " (text.len()) " bytes are shown. "
                a href=(whole) { "The whole event (JSON)" }
            }
        }
    }
}

/// The bounds of the event table's page: the events from id `from`, or the newest ones.
fn window(history: &[HistoryEvent], from: Option<u64>) -> (usize, usize) {
    let n = history.len();
    let start = match from {
        None => n.saturating_sub(EVENTS_PAGE),
        Some(id) => history
            .iter()
            .position(|e| e.id >= id)
            .unwrap_or(n)
            .min(n.saturating_sub(EVENTS_PAGE)),
    };
    (start, (start + EVENTS_PAGE).min(n))
}

/// The event table's page links: oldest, older, newer, newest.
fn pager(history: &[HistoryEvent], start: usize, end: usize, link: PageLink) -> Markup {
    let n = history.len();
    let older = history.get(start.saturating_sub(EVENTS_PAGE)).map(|e| e.id);
    html! {
        @if n > EVENTS_PAGE {
            nav.pager aria-label="Event pages" {
                @if start > 0 {
                    a href=(link(history.first().map(|e| e.id))) data-page="oldest" { "⇤ Oldest events" }
                    a rel="prev" href=(link(older)) data-page="older" { "← Older events" }
                }
                @if end < n {
                    a rel="next" href=(link(history.get(end).map(|e| e.id))) data-page="newer" { "Newer events →" }
                    a href=(link(None)) data-page="newest" { "Newest events ⇥" }
                }
            }
        }
    }
}

/// The event table, a page of [`EVENTS_PAGE`] events (the newest unless `from` asks for
/// others); each row `data-event-type="<type>"`, its details in a `<details>` (payloads over
/// 4 KiB cut, with a link to the whole event).
pub(crate) fn events(
    history: &[HistoryEvent],
    start_date: DateTime<Utc>,
    from: Option<u64>,
    link: PageLink,
    whole: EventLink,
) -> Markup {
    let (start, end) = window(history, from);
    let page = &history[start..end];
    html! {
        @if let (Some(first), Some(last)) = (page.first(), page.last()) {
            p.muted #events-range {
                "Events " (first.id) "–" (last.id) " of " (history.len())
                @if end == history.len() && start > 0 { " (the newest)" }
                "."
            }
        }
        (pager(history, start, end, link))
        table.history {
            thead { tr {
                th.num scope="col" { "ID" }
                th scope="col" { "Type" }
                th scope="col" { "State" }
                th scope="col" { "Time" }
                th.num scope="col" { "Elapsed" }
                th scope="col" { "Details" }
            } }
            tbody {
                @for e in page {
                    tr data-event-type=(e.kind) id={"event-" (e.id)} {
                        td.num { (e.id) }
                        td { (e.kind) }
                        td { @if let Some(s) = state_of(e) { (s) } }
                        td { (date(e.timestamp)) }
                        td.num { (between(start_date, e.timestamp)) }
                        td {
                            @if let Some(d) = &e.details {
                                details id={"event-details-" (e.id)} {
                                    summary { "Details" span.muted { " of event " (e.id) } }
                                    (payload(&pretty(&expand(d)), DETAILS_LIMIT, &whole(e.id)))
                                }
                            }
                        }
                    }
                }
            }
        }
        (pager(history, start, end, link))
    }
}

/// The state an event is about: its own, or the `name` in its details.
fn state_of(e: &HistoryEvent) -> Option<&str> {
    e.state
        .as_deref()
        .or_else(|| e.details.as_ref()?.get("name")?.as_str())
}

/// Details with their JSON-text payloads (`input`, `output`) parsed, to read them as JSON.
fn expand(details: &serde_json::Value) -> serde_json::Value {
    let mut d = details.clone();
    if let Some(map) = d.as_object_mut() {
        for key in ["input", "output", "parameters", "result"] {
            if let Some(serde_json::Value::String(text)) = map.get(key)
                && let Ok(parsed) = serde_json::from_str::<serde_json::Value>(text)
            {
                map.insert(key.to_string(), parsed);
            }
        }
    }
    d
}

/// The most visits of one state shown (a state in a Map over many items is visited once
/// per item): the last ones.
const MAX_VISITS: usize = 100;

/// The visits of one state: outcome, timing, input, output, failures, retries.
pub(crate) fn visits(
    state: &str,
    visits: &[&Visit],
    start: DateTime<Utc>,
    whole: EventLink,
) -> Markup {
    let skipped = visits.len().saturating_sub(MAX_VISITS);
    html! {
        @if visits.is_empty() {
            p.note { "State " code { (state) } " was not reached in this execution." }
        }
        @if skipped > 0 {
            p.note { "The last " (MAX_VISITS) " of " (visits.len()) " visits are shown." }
        }
        @for (n, v) in visits.iter().enumerate().skip(skipped) {
            section.visit.panel data-visit=(n + 1) data-status=(v.status.as_str()) {
                h3 { "Visit " (n + 1) " " (badge(v.status.as_str())) }
                dl.summary {
                    dt { "Type" } dd { (v.kind) }
                    dt { "Entered" } dd { (date(v.entered.1)) " (+" (between(start, v.entered.1)) ", event " (v.entered.0) ")" }
                    @if let Some((id, at)) = v.ended {
                        dt { "Ended" } dd { (date(at)) " (event " (id) ")" }
                        dt { "Duration" } dd { (between(v.entered.1, at)) }
                    }
                    dt { "Retries" } dd { (v.retries) }
                }
                @for f in &v.failures {
                    div.failure {
                        h4 { (f.kind) " (event " (f.event) ")" }
                        dl.summary {
                            dt { "Error" } dd { code { (f.error.as_deref().unwrap_or("–")) } }
                            dt { "Cause" } dd { (f.cause.as_deref().unwrap_or("–")) }
                        }
                    }
                }
                div.columns {
                    div {
                        h4 { "Input" }
                        @match &v.input {
                            Some(i) => (payload(&pretty_text(i), VISIT_LIMIT, &whole(v.entered.0))),
                            None => p.note { "Not recorded." },
                        }
                    }
                    div {
                        h4 { "Output" }
                        @match &v.output {
                            Some(o) => (payload(&pretty_text(o), VISIT_LIMIT, &whole(v.ended.map(|e| e.0).unwrap_or(v.entered.0)))),
                            None => p.note { @if v.ended.is_some() { "None." } @else { "None yet." } },
                        }
                    }
                }
            }
        }
    }
}

/// One Map iteration as the history records it.
struct Iteration {
    index: u64,
    status: &'static str,
    started: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
}

/// The inline Map iterations of each Map state: index, status, timing.
pub(crate) fn iterations(history: &[HistoryEvent], start: DateTime<Utc>) -> Markup {
    let mut maps: Vec<(String, Vec<Iteration>)> = Vec::new();
    for e in history {
        let Some(rest) = e.kind.strip_prefix("MapIteration") else {
            continue;
        };
        let Some(map) = state_of(e).map(str::to_string) else {
            continue;
        };
        let index = e
            .details
            .as_ref()
            .and_then(|d| d.get("index"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        let pos = match maps.iter().position(|(m, _)| *m == map) {
            Some(p) => p,
            None => {
                maps.push((map, Vec::new()));
                maps.len() - 1
            }
        };
        let list = &mut maps[pos].1;
        if rest == "Started" {
            list.push(Iteration {
                index,
                status: "running",
                started: e.timestamp,
                ended: None,
            });
        } else if let Some(it) = list
            .iter_mut()
            .rev()
            .find(|it| it.index == index && it.ended.is_none())
        {
            it.ended = Some(e.timestamp);
            it.status = match rest {
                "Succeeded" => "succeeded",
                "Failed" => "failed",
                _ => "aborted",
            };
        }
    }
    html! {
        @for (map, list) in &maps {
            @let counts = by_status(list);
            section.map-iterations data-map=(map) {
                h3 { "Map " code { (map) } ": " (list.len()) " iterations" }
                ul.legend aria-label="Iterations by status" {
                    @for (status, n) in &counts { li { (badge(status)) " " (n) } }
                }
                @let listed = listed(list);
                details id={"iterations-" (map)} open[list.len() <= 20] {
                    summary {
                        @if listed.len() < list.len() {
                            (listed.len()) " of " (list.len()) " iterations: the ones that did not succeed first"
                        } @else {
                            "Every iteration"
                        }
                    }
                    table {
                        thead { tr {
                            th.num scope="col" { "Index" }
                            th scope="col" { "Status" }
                            th scope="col" { "Started" }
                            th.num scope="col" { "Duration" }
                        } }
                        tbody {
                            @for it in &listed {
                                tr data-iteration=(it.index) data-status=(it.status) {
                                    td.num { (it.index) }
                                    td { (badge(it.status)) }
                                    td { "+" (between(start, it.started)) }
                                    td.num { @if let Some(end) = it.ended { (between(it.started, end)) } @else { "–" } }
                                }
                            }
                        }
                    }
                    @if listed.len() < list.len() {
                        p.note { (list.len() - listed.len()) " more are not listed here; the event table has them all." }
                    }
                }
            }
        }
    }
}

/// How many iterations ended each way, in the order first met.
fn by_status(list: &[Iteration]) -> Vec<(&'static str, usize)> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for it in list {
        match counts.iter_mut().find(|c| c.0 == it.status) {
            Some(c) => c.1 += 1,
            None => counts.push((it.status, 1)),
        }
    }
    counts
}

/// The iterations listed (at most [`MAX_ITERATIONS`]): the ones that did not succeed first,
/// each group by index.
fn listed(list: &[Iteration]) -> Vec<&Iteration> {
    let mut out: Vec<&Iteration> = list.iter().filter(|it| it.status != "succeeded").collect();
    out.extend(list.iter().filter(|it| it.status == "succeeded"));
    out.truncate(MAX_ITERATIONS);
    out
}
