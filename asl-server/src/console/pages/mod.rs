//! The console's HTML, rendered on the server with maud (which escapes every interpolated
//! value: state names, inputs, errors are user data). No inline script, style or event
//! handler anywhere: the Content-Security-Policy allows only the console's own files.
//!
//! - [`lists`]: the state machines, the executions of one (or of a Map Run), the sign-in;
//! - [`execution`]: one execution (summary, graph, visits, drill-down, actions);
//! - [`history`]: its event table and the visits of a state.

pub(crate) mod execution;
pub(crate) mod history;
pub(crate) mod lists;

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::session::Flash;

/// What every page needs: where the console is mounted, the forms' CSRF token, whether to
/// offer a sign-out, a message from the last action.
pub(crate) struct Ctx {
    /// The mount path (`/console`).
    pub(crate) mount: String,
    /// The CSRF token of this visitor's forms.
    pub(crate) csrf: String,
    /// Signed in (credentials configured): offer a sign-out.
    pub(crate) signed_in: bool,
    /// A message from the action that redirected here.
    pub(crate) flash: Option<Flash>,
}

impl Ctx {
    /// A console URL: the mount path and `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.mount)
    }

    /// The hidden CSRF field of a form.
    pub(crate) fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }
}

/// A path segment, percent-encoded (ARNs keep their `:`).
pub(crate) fn enc(segment: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b':');
    percent_encoding::utf8_percent_encode(segment, SET).to_string()
}

/// A query string from pairs (values form-encoded), with its `?`; empty without pairs.
pub(crate) fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let s = s.finish();
    if s.is_empty() { s } else { format!("?{s}") }
}

/// A date as shown: UTC, to the millisecond.
pub(crate) fn date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string()
}

/// A duration as shown: `850 ms`, `12.345 s`, `3 min 05 s`, `2 h 04 min`.
pub(crate) fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{}.{:03} s", ms / 1000, ms % 1000)
    } else if ms < 3_600_000 {
        format!("{} min {:02} s", ms / 60_000, (ms / 1000) % 60)
    } else {
        format!("{} h {:02} min", ms / 3_600_000, (ms / 60_000) % 60)
    }
}

/// The time from `a` to `b`.
pub(crate) fn between(a: DateTime<Utc>, b: DateTime<Utc>) -> String {
    duration((b - a).num_milliseconds())
}

/// JSON text pretty-printed (as is when it is not JSON).
pub(crate) fn pretty_text(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => pretty(&v),
        Err(_) => text.to_string(),
    }
}

/// A JSON value pretty-printed.
pub(crate) fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// A status badge (`RUNNING`, `succeeded`, …): the text is the status, the class colours it.
pub(crate) fn badge(status: &str) -> Markup {
    html! { span class={"status " (status)} { (status) } }
}

/// The page around `body`.
pub(crate) fn layout(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · asl-rs console" }
                link rel="stylesheet" href=(ctx.url("/assets/console.css"));
                script src=(ctx.url("/assets/console.js")) defer {}
            }
            body {
                header.top {
                    a.brand href=(ctx.url("/")) { "asl-rs console" }
                    nav aria-label="Main" { a href=(ctx.url("/")) { "State machines" } }
                    @if ctx.signed_in {
                        form method="post" action=(ctx.url("/logout")) {
                            (ctx.csrf_field())
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main {
                    @if let Some(flash) = &ctx.flash {
                        div class={"flash" @if flash.error { " error" }} role="status" {
                            (flash.text)
                        }
                    }
                    (body)
                }
            }
        }
    }
}

/// A page that says something went wrong (unknown machine or execution, a bad query).
pub(crate) fn problem(ctx: &Ctx, title: &str, message: &str) -> Markup {
    layout(
        ctx,
        title,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href=(ctx.url("/")) { "Back to the state machines" } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_345), "12.345 s");
        assert_eq!(duration(185_000), "3 min 05 s");
        assert_eq!(duration(7_440_000), "2 h 04 min");
        assert_eq!(duration(-5), "0 ms");
    }

    #[test]
    fn urls_are_encoded() {
        assert_eq!(
            enc("arn:aws:states:us-east-1:1:execution:m:a b/<x>"),
            "arn:aws:states:us-east-1:1:execution:m:a%20b%2F%3Cx%3E"
        );
        assert_eq!(
            query(&[("status", "FAILED"), ("name", "")]),
            "?status=FAILED"
        );
        assert_eq!(query(&[("name", "a&b")]), "?name=a%26b");
        assert_eq!(query(&[]), "");
    }
}
