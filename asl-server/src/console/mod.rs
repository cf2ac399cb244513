//! The web console: the engine's state machines, their executions, and each execution drawn
//! on its workflow's graph with every state coloured by what happened, its event history,
//! and buttons to stop, redrive and answer task tokens, served by the API server on the same
//! port (issue 18).
//!
//! It lives under a mount path ([`crate::Config::console_path`], default
//! [`DEFAULT_MOUNT`]); `GET /` redirects there. A request carrying `X-Amz-Target` always
//! goes to the API, whatever its path, so the console never shadows an API call.
//!
//! - [`routes`]: which page or action a request asks for, and the checks before it;
//! - [`pages`]: the HTML (maud);
//! - [`marks`]: what happened to each state, from the history;
//! - [`session`]: sign-in, sessions, CSRF tokens, flash messages;
//! - [`assets`]: the stylesheet and script, compiled in.
//!
//! Every response carries a strict Content-Security-Policy (only the console's own script
//! and stylesheet; no inline code), `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy: same-origin` (browsers then send the real `Origin` on the console's own
//! form posts, which the CSRF check reads; `no-referrer` would make it `null`) and `X-Frame-Options: DENY`; pages are not cached.

mod assets;
pub mod marks;
mod pages;
mod routes;
mod session;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

pub(crate) use routes::{Routed, route, serve};
pub(crate) use session::Sessions;

/// The console's default mount path.
pub const DEFAULT_MOUNT: &str = "/console";

/// The Content-Security-Policy of every console response.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

/// A mount path as used: a leading `/`, no trailing `/`; `None` when it is the root or has
/// characters a path segment cannot carry as they are (the API owns `/`).
pub(crate) fn normalize_mount(path: &str) -> Option<String> {
    let trimmed = path.trim().trim_matches('/');
    let ok = !trimmed.is_empty()
        && trimmed.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        });
    ok.then(|| format!("/{trimmed}"))
}

/// Whether `path` is the mount path or under it.
pub(crate) fn under(mount: &str, path: &str) -> bool {
    path == mount
        || path
            .strip_prefix(mount)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Adds the security headers every console response carries.
pub(crate) fn secure(mut response: Response, cache: &'static str) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// An HTML page.
pub(crate) fn html(status: StatusCode, markup: maud::Markup) -> Response {
    let response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        markup.into_string(),
    )
        .into_response();
    secure(response, "no-store")
}

/// A 303 to `location` (a console path, or one with a query).
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    secure(response, "no-store")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_paths_are_normalized() {
        assert_eq!(normalize_mount("/console").as_deref(), Some("/console"));
        assert_eq!(normalize_mount("ui/").as_deref(), Some("/ui"));
        assert_eq!(normalize_mount("/a/b").as_deref(), Some("/a/b"));
        assert_eq!(normalize_mount("/"), None);
        assert_eq!(normalize_mount(""), None);
        assert_eq!(normalize_mount("/a b"), None);
        assert_eq!(normalize_mount("/../x"), None);
        assert!(under("/console", "/console"));
        assert!(under("/console", "/console/x"));
        assert!(!under("/console", "/consoles"));
    }
}
