//! Sending the HTTP Task's request and shaping the answer as Step Functions does.
//!
//! One process-wide client: hyper with rustls on aws-lc-rs (the TLS stack the AWS SDK already
//! uses, so no second crypto backend) trusting the platform's root certificates. HTTPS is
//! what AWS allows; plain `http://` is accepted too, for local servers in tests and
//! development. Redirects are not followed (a 3xx fails as its status code does).
//!
//! The request gets at most 60 seconds, AWS's HTTP Task limit, whatever the state's
//! `TimeoutSeconds`: beyond, or when the endpoint cannot be reached, the state fails with
//! `States.Http.Socket` (TASK-13, ERR-19). A response body over 256 KiB fails with
//! `States.DataLimitExceeded` without being read further.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use asl_runtime::TaskError;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Map, Value, json};

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// AWS's limit on an HTTP Task's request.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The payload quota; AWS also asks the endpoint for no more (`Range: bytes=0-262144`).
pub(crate) const MAX_BODY: usize = 262_144;

/// The shared client, or why TLS could not be set up.
fn client() -> Result<&'static HttpClient, TaskError> {
    static CLIENT: OnceLock<Result<HttpClient, String>> = OnceLock::new();
    CLIENT
        .get_or_init(build)
        .as_ref()
        .map_err(|e| TaskError::new("States.Runtime", e.clone()))
}

fn build() -> Result<HttpClient, String> {
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable certificates are skipped: HTTPS to hosts they would vouch for then fails
    // certificate verification, with that message.
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup for HTTP Tasks failed: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

/// Sends `request`; its answer shaped as the state's result (2xx) or error.
pub(crate) async fn send(request: http::Request<Full<Bytes>>) -> Result<Value, TaskError> {
    let client = client()?;
    // Causes name the endpoint without its query: a connection's query parameters may be
    // secrets (an API key), and causes reach the history.
    let target = {
        let uri = request.uri();
        format!(
            "{}://{}{}",
            uri.scheme_str().unwrap_or("https"),
            uri.authority().map_or("", |a| a.as_str()),
            uri.path()
        )
    };
    let exchange = async {
        let response = client.request(request).await.map_err(|e| {
            TaskError::new(
                "States.Http.Socket",
                format!("Unable to reach {target}: {}", chain(&e)),
            )
        })?;
        let (head, body) = response.into_parts();
        let body = Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    TaskError::new(
                        "States.DataLimitExceeded",
                        format!(
                            "The response of {target} is larger than {MAX_BODY} bytes, the \
                             maximum payload size of a state"
                        ),
                    )
                } else {
                    TaskError::new(
                        "States.Http.Socket",
                        format!("Reading the response of {target} failed: {e}"),
                    )
                }
            })?
            .to_bytes();
        Ok::<_, TaskError>((head, body))
    };
    let (head, body) = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| {
            TaskError::new(
                "States.Http.Socket",
                format!(
                    "The HTTP request to {target} did not complete within {} seconds",
                    TIMEOUT.as_secs()
                ),
            )
        })??;
    let status = head.status;
    let result = shape(&head, &body);
    if status.is_success() {
        Ok(result)
    } else {
        Err(TaskError::new(
            format!("States.Http.StatusCode.{}", status.as_u16()),
            result.to_string(),
        ))
    }
}

/// `{"Headers": {name: [values]}, "ResponseBody", "StatusCode", "StatusText"}`.
fn shape(head: &http::response::Parts, body: &[u8]) -> Value {
    let mut headers = Map::new();
    for name in head.headers.keys() {
        let values = head
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        headers.insert(name.as_str().to_owned(), Value::Array(values));
    }
    let text = String::from_utf8_lossy(body).into_owned();
    let is_json = head
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let media = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json" || media.ends_with("+json")
        })
        .unwrap_or(false);
    // A body that says it is JSON but is not stays text rather than failing the state.
    let body = if is_json {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    } else {
        Value::String(text)
    };
    let reason = head
        .extensions
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .or_else(|| head.status.canonical_reason().map(str::to_owned))
        .unwrap_or_default();
    json!({
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": head.status.as_u16(),
        "StatusText": reason,
    })
}

/// An error and its sources, for causes.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
