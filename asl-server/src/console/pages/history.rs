//! An execution's event table (AWS console's "Events" view: id, type, state, time, elapsed,
//! details to expand), the visits of one state, and the Map iterations read off the history.

use asl_runtime::durable::HistoryEvent;
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::{badge, between, date, pretty, pretty_text};
use crate::console::marks::Visit;

/// The most Map iterations listed per Map state (a Map over many items records many).
const MAX_ITERATIONS: usize = 1000;

/// The event table; each row `data-event-type="<type>"`, its details in a `<details>`.
pub(crate) fn events(history: &[HistoryEvent], start: DateTime<Utc>) -> Markup {
    html! {
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
                @for e in history {
                    tr data-event-type=(e.kind) id={"event-" (e.id)} {
                        td.num { (e.id) }
                        td { (e.kind) }
                        td { @if let Some(s) = state_of(e) { (s) } }
                        td { (date(e.timestamp)) }
                        td.num { (between(start, e.timestamp)) }
                        td {
                            @if let Some(d) = &e.details {
                                details id={"event-details-" (e.id)} {
                                    summary { "Details" span.muted { " of event " (e.id) } }
                                    pre { (pretty(&expand(d))) }
                                }
                            }
                        }
                    }
                }
            }
        }
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
const MAX_VISITS: usize = 200;

/// The visits of one state: outcome, timing, input, output, failures, retries.
pub(crate) fn visits(state: &str, visits: &[&Visit], start: DateTime<Utc>) -> Markup {
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
                        @match &v.input { Some(i) => pre { (pretty_text(i)) }, None => p.note { "Not recorded." } }
                    }
                    div {
                        h4 { "Output" }
                        @match &v.output {
                            Some(o) => pre { (pretty_text(o)) },
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
            h3 { "Map " code { (map) } ": " (list.len()) " iterations" }
            table data-map=(map) {
                thead { tr {
                    th.num scope="col" { "Index" }
                    th scope="col" { "Status" }
                    th scope="col" { "Started" }
                    th.num scope="col" { "Duration" }
                } }
                tbody {
                    @for it in list.iter().take(MAX_ITERATIONS) {
                        tr data-iteration=(it.index) data-status=(it.status) {
                            td.num { (it.index) }
                            td { (badge(it.status)) }
                            td { "+" (between(start, it.started)) }
                            td.num { @if let Some(end) = it.ended { (between(it.started, end)) } @else { "–" } }
                        }
                    }
                }
            }
            @if list.len() > MAX_ITERATIONS {
                p.note { "The first " (MAX_ITERATIONS) " iterations are listed; the event table has them all." }
            }
        }
    }
}
