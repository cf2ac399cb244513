//! The console's stylesheet and script, compiled into the binary (no CDN, no network) and
//! served under `<mount>/assets/`.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// The stylesheet.
const CSS: &str = include_str!("assets/console.css");
/// The script.
const JS: &str = include_str!("assets/console.js");

/// The asset named `name` (`console.css`, `console.js`), or `None`.
pub(crate) fn asset(name: &str) -> Option<Response> {
    let (body, kind) = match name {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return None,
    };
    let response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(kind))],
        body,
    )
        .into_response();
    // They change only with the binary; a browser may keep them a few minutes.
    Some(super::secure(response, "max-age=300"))
}
