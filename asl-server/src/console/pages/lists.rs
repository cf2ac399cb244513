//! The list pages: the state machines with their executions counted by status, the
//! executions of one machine or of one Map Run (filter by status, search by name, pages), and
//! the sign-in form. They work without JavaScript: filters are a GET form, pages are links.

use std::collections::BTreeMap;

use asl_runtime::Status;
use asl_runtime::durable::{Description, WorkflowInfo};
use maud::{Markup, html};

use super::{Ctx, badge, between, date, enc, layout, query};

/// The statuses an execution can have, as the filters and counts list them.
pub(crate) const STATUSES: [Status; 5] = [
    Status::Running,
    Status::Succeeded,
    Status::Failed,
    Status::TimedOut,
    Status::Aborted,
];

/// The state machines page.
pub(crate) fn machines(
    ctx: &Ctx,
    rows: &[(WorkflowInfo, Option<BTreeMap<Status, u64>>)],
) -> Markup {
    layout(
        ctx,
        "State machines",
        html! {
            h1 { "State machines" }
            @if rows.is_empty() {
                p.note { "This engine has no workflows registered." }
            } @else {
                table {
                    caption.muted { "Executions by status (Express executions are not stored)." }
                    thead { tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Type" }
                        @for s in STATUSES { th.num scope="col" { (s.as_str()) } }
                        th.num scope="col" { "Total" }
                    } }
                    tbody {
                        @for (info, counts) in rows {
                            tr data-machine=(info.name) {
                                th scope="row" {
                                    a href=(ctx.url(&format!("/machines/{}", enc(&info.name)))) { (info.name) }
                                }
                                td { (info.kind.as_str()) }
                                @for s in STATUSES {
                                    td.num data-count=(s.as_str()) {
                                        @match counts.as_ref().map(|c| c.get(&s).copied().unwrap_or(0)) {
                                            Some(0) => "0",
                                            Some(n) => {
                                                a href=(ctx.url(&format!("/machines/{}{}", enc(&info.name), query(&[("status", s.as_str())])))) { (n) }
                                            }
                                            None => "–",
                                        }
                                    }
                                }
                                td.num { @if let Some(c) = counts { (c.values().sum::<u64>()) } @else { "–" } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// What an executions page shows.
pub(crate) struct ListView {
    /// The heading.
    pub(crate) title: String,
    /// A line under it (the Map Run's parent, the machine's type).
    pub(crate) intro: Markup,
    /// The page's path (under the mount), which its links and filter form go to.
    pub(crate) path: String,
    /// The status filter.
    pub(crate) status: Option<Status>,
    /// The name search.
    pub(crate) name: String,
    /// This page's token (`None`: the first page).
    pub(crate) token: Option<String>,
    /// The tokens of the pages before this one (`-` for the first page), for "Previous".
    pub(crate) back: Vec<String>,
    /// The executions, newest first.
    pub(crate) rows: Vec<Description>,
    /// The next page's token.
    pub(crate) next: Option<String>,
    /// Counts by status, when known.
    pub(crate) counts: Option<BTreeMap<Status, u64>>,
    /// A page size other than the default (kept by the page links).
    pub(crate) size: Option<String>,
}

/// An executions page (of a machine or of a Map Run).
pub(crate) fn executions(ctx: &Ctx, v: &ListView) -> Markup {
    let status = v.status.map(Status::as_str).unwrap_or("");
    let link = |token: Option<&str>, back: &[String]| {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("status", status),
            ("name", &v.name),
            ("size", v.size.as_deref().unwrap_or("")),
        ];
        for b in back {
            pairs.push(("back", b));
        }
        if let Some(t) = token {
            pairs.push(("token", t));
        }
        ctx.url(&format!("{}{}", v.path, query(&pairs)))
    };
    let now = chrono::Utc::now();
    let prev = v
        .back
        .split_last()
        .map(|(last, rest)| link((last != "-").then_some(last.as_str()), rest));
    let next = v.next.as_deref().map(|next| {
        let mut back = v.back.clone();
        back.push(v.token.clone().unwrap_or_else(|| "-".into()));
        link(Some(next), &back)
    });
    layout(
        ctx,
        &v.title,
        html! {
            nav aria-label="Breadcrumb" { a href=(ctx.url("/")) { "State machines" } }
            h1 { (v.title) }
            (v.intro)
            @if let Some(counts) = &v.counts {
                ul.legend aria-label="Executions by status" {
                    @for s in STATUSES {
                        li { (badge(s.as_str())) " " (counts.get(&s).copied().unwrap_or(0)) }
                    }
                }
            }
            form.filters method="get" action=(ctx.url(&v.path)) role="search" {
                label { "Status"
                    select name="status" {
                        option value="" selected[v.status.is_none()] { "Any" }
                        @for s in STATUSES {
                            option value=(s.as_str()) selected[v.status == Some(s)] { (s.as_str()) }
                        }
                    }
                }
                label { "Name contains"
                    input type="search" name="name" value=(v.name) maxlength="80";
                }
                button type="submit" { "Filter" }
                @if v.status.is_some() || !v.name.is_empty() {
                    a href=(ctx.url(&v.path)) { "Clear" }
                }
            }
            @if v.rows.is_empty() {
                p.note { "No executions match." }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { "Status" }
                        th scope="col" { "Name" }
                        th scope="col" { "Start" }
                        th scope="col" { "Stop" }
                        th.num scope="col" { "Duration" }
                    } }
                    tbody {
                        @for d in &v.rows {
                            tr data-execution=(d.name) data-status=(d.status.as_str()) {
                                td { (badge(d.status.as_str())) }
                                td { a href=(ctx.url(&format!("/executions/{}", enc(d.execution_id.as_str())))) { (d.name) } }
                                td { (date(d.start_date)) }
                                td { @if let Some(s) = d.stop_date { (date(s)) } @else { "–" } }
                                td.num { (between(d.start_date, d.stop_date.unwrap_or(now))) }
                            }
                        }
                    }
                }
            }
            nav.pager aria-label="Pages" {
                @if let Some(prev) = &prev {
                    a rel="prev" href=(prev) { "← Previous page" }
                    a href=(link(None, &[])) { "First page" }
                }
                @if let Some(next) = &next {
                    a rel="next" href=(next) { "Next page →" }
                }
            }
        },
    )
}

/// Why the sign-in page is shown again.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginProblem {
    /// It is not: the first visit.
    None,
    /// The access key id and secret match no configured pair.
    Credentials,
    /// The form failed the CSRF or same-origin check (an old page, another site).
    FormRefused,
    /// Too many failed sign-ins lately.
    TooMany,
}

/// The sign-in page; `next` is the page to go to after it (empty: the first page).
pub(crate) fn login(ctx: &Ctx, problem: LoginProblem, next: &str) -> Markup {
    let message = match problem {
        LoginProblem::None => None,
        LoginProblem::Credentials => Some("Those credentials are not accepted."),
        LoginProblem::FormRefused => Some(
            "The sign-in form was refused: it is out of date or came from another site. \
             Reload this page and try again.",
        ),
        LoginProblem::TooMany => {
            Some("Too many failed sign-ins: sign-in is paused for a minute. Try again later.")
        }
    };
    layout(
        ctx,
        "Sign in",
        html! {
            h1 { "Sign in" }
            p { "This server requires AWS credentials: sign in with one of its access keys." }
            @if let Some(message) = message {
                p.flash.error role="alert" data-problem=(match problem {
                    LoginProblem::Credentials => "credentials",
                    LoginProblem::FormRefused => "form-refused",
                    _ => "too-many",
                }) { (message) }
            }
            form.stack method="post" action=(ctx.url("/login")) {
                (ctx.csrf_field())
                @if !next.is_empty() {
                    input type="hidden" name="next" value=(next);
                }
                label { "Access key ID"
                    input type="text" name="access_key" autocomplete="username" required autofocus;
                }
                label { "Secret access key"
                    input type="password" name="secret" autocomplete="current-password" required;
                }
                div { button.primary type="submit" { "Sign in" } }
            }
        },
    )
}
