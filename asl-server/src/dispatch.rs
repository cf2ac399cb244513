//! The door: every request passes the host check, the body limit, authentication and the
//! protocol checks here, then goes to its action. Nothing a client sends makes this panic or
//! answer 500: each failure is the AWS-shaped error a client expects.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::FutureExt;
use http::{HeaderMap, Method, StatusCode, header};
use http_body_util::BodyExt;

use crate::Config;
use crate::error::ApiError;

/// The default body limit: 1 MiB, AWS's quota on one Step Functions request.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The `X-Amz-Target` prefix of the Step Functions API.
const TARGET_PREFIX: &str = "AWSStepFunctions.";

/// What every request of one router shares.
pub(crate) struct Server {
    pub(crate) engine: asl_runtime::Engine,
    pub(crate) config: Config,
    hosts: Arc<HashSet<String>>,
    /// `RedriveExecution` client tokens already served (execution ARN, token) → redrive date,
    /// so that an SDK's retry of a redrive is answered as the first call was.
    pub(crate) redrives: Mutex<HashMap<(String, String), chrono::DateTime<chrono::Utc>>>,
    /// SigV4 signing keys derived from the configured secrets, by credential scope.
    signing_keys: crate::auth::SigningKeys,
    /// The console's sessions, flash messages and CSRF token.
    pub(crate) sessions: crate::console::Sessions,
}

/// The router for `engine`, answering `bound` as a host name too.
pub(crate) fn router(
    engine: asl_runtime::Engine,
    config: Config,
    bound: Option<IpAddr>,
) -> axum::Router {
    let server = Arc::new(Server {
        hosts: crate::allowed_hosts(&config, bound),
        engine,
        config,
        redrives: Mutex::new(HashMap::new()),
        signing_keys: crate::auth::SigningKeys::default(),
        sessions: crate::console::Sessions::new(),
    });
    axum::Router::new().fallback(handle).with_state(server)
}

async fn handle(State(server): State<Arc<Server>>, request: Request) -> Response {
    // A bug in an action must not take the connection (or the process) down with it.
    let served = std::panic::AssertUnwindSafe(serve(&server, request))
        .catch_unwind()
        .await;
    match served {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            tracing::error!("an action panicked while serving a request");
            ApiError::coral("InternalFailure", "The request processing has failed")
                .with_status(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response()
        }
    }
}

async fn serve(server: &Server, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    check_host(server, &parts.uri, &parts.headers)?;
    // The console, on the same port: never a request carrying `X-Amz-Target`.
    if let Some(mount) = server.config.console_mount() {
        match crate::console::route(&mount, &parts) {
            Some(crate::console::Routed::Console) => {
                return Ok(crate::console::serve(server, &mount, parts, body).await);
            }
            Some(crate::console::Routed::Redirect) => {
                return Ok(crate::console::see_other(&format!("{mount}/")));
            }
            None => {}
        }
    }
    if parts.method != Method::POST {
        return Err(ApiError::unknown_operation().with_status(StatusCode::NOT_FOUND));
    }
    let body = read_body(server, &parts.headers, body).await?;
    authenticate(server, &parts.method, &parts.uri, &parts.headers, &body)?;
    check_content_type(&parts.headers)?;
    let action = target(&parts.headers)?;
    let input = crate::input::Input::parse(&body)?;
    crate::actions::call(server, action, input).await
}

/// Only the configured host names are answered: a browser page whose own name was rebound
/// to this address (DNS rebinding) sends its name as `Host` and is refused.
fn check_host(server: &Server, uri: &http::Uri, headers: &HeaderMap) -> Result<(), ApiError> {
    let host = match headers.get(header::HOST) {
        Some(h) => h.to_str().ok().map(str::to_string),
        None => uri.authority().map(|a| a.as_str().to_string()),
    };
    let forbidden = |message: String| {
        Err(ApiError::coral("AccessDeniedException", message).with_status(StatusCode::FORBIDDEN))
    };
    match host {
        None => forbidden("The request has no Host header".into()),
        Some(h) => {
            let name = crate::normalize_host(&h);
            if server.hosts.contains(&name) {
                Ok(())
            } else {
                let mut known: Vec<&str> = server
                    .hosts
                    .iter()
                    .map(String::as_str)
                    .filter(|h| !h.starts_with("sync-"))
                    .collect();
                known.sort_unstable();
                forbidden(format!(
                    "Host '{}' is not served here (it answers {}; add names with Config::host)",
                    h.chars().take(256).collect::<String>(),
                    known.join(", ")
                ))
            }
        }
    }
}

/// Reads the body, refusing more than the limit (413) before reading it when the length
/// is declared, and as soon as it is exceeded otherwise.
pub(crate) async fn read_body(
    server: &Server,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Bytes, ApiError> {
    let limit = server.config.body_limit();
    let too_large = |n: Option<u64>| {
        let size = n.map(|n| format!(" of {n} bytes")).unwrap_or_default();
        ApiError::coral(
            "RequestEntityTooLargeException",
            format!("Request body{size} exceeds the maximum request size of {limit} bytes"),
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = declared
        && n > limit as u64
    {
        return Err(too_large(Some(n)));
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(None)),
        Err(e) => Err(ApiError::serialization(format!(
            "The request body could not be read: {e}"
        ))),
    }
}

/// Checks the caller when credentials are configured: the request must be signed (SigV4) with
/// a configured access key and its secret (see [`crate::auth`] for the errors).
fn authenticate(
    server: &Server,
    method: &Method,
    uri: &http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let credentials = &server.config.credentials;
    if credentials.is_empty() {
        return Ok(());
    }
    crate::auth::verify(
        credentials,
        &server.signing_keys,
        method,
        uri,
        headers,
        body,
        std::time::SystemTime::now(),
    )
    .map_err(|e| ApiError::coral(e.error_type(), e.message()))
}

/// AWS's JSON protocol content types (1.0 is Step Functions'; 1.1 and plain JSON are
/// accepted too, as AWS does); a missing content type is read as JSON.
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let value = value.to_str().unwrap_or_default().to_ascii_lowercase();
    let essence = value.split(';').next().unwrap_or_default().trim();
    match essence {
        "application/x-amz-json-1.0" | "application/x-amz-json-1.1" | "application/json" => Ok(()),
        other => Err(ApiError::coral(
            "UnknownOperationException",
            format!(
                "Unsupported content type '{}': use application/x-amz-json-1.0",
                other.chars().take(128).collect::<String>()
            ),
        )),
    }
}

/// The action named by `X-Amz-Target: AWSStepFunctions.<Action>`.
fn target(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .ok_or_else(ApiError::unknown_operation)
}
