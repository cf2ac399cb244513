//! The AWS Step Functions HTTP API for the workflows compiled into a program: serve an
//! [`asl_runtime::Engine`] so that the AWS CLI, boto3 and every AWS SDK drive its workflows
//! exactly as they drive AWS (`aws stepfunctions … --endpoint-url http://127.0.0.1:8083`).
//!
//! ```no_run
//! # async fn example(engine: asl_runtime::Engine) -> std::io::Result<()> {
//! // One call: binds 127.0.0.1:8083 and serves until the process ends.
//! asl_server::serve(engine, "127.0.0.1:8083").await
//! # }
//! ```
//!
//! Or mount [`router`] in an existing axum application, or give [`serve_with`] a listener
//! and a [`Config`] (extra host names, credentials, body limit).
//!
//! # The protocol
//! AWS's JSON 1.0 protocol: `POST /` with `X-Amz-Target: AWSStepFunctions.<Action>` and a
//! JSON body; success is HTTP 200 with the action's JSON output, errors are HTTP 400 (503
//! when the store fails) with `{"__type": "<namespace>#<Name>", "message": "…"}`, dates are
//! epoch seconds with milliseconds. ARNs carry the engine's partition, region and account
//! ([`asl_runtime::Engine::identity`]).
//!
//! The actions, the request members we accept but ignore, and the error names chosen where
//! AWS has none for our situation are listed in the crate's README.
//!
//! # The web console
//! The same port serves a web console (`GET /` redirects to it): the state machines, their
//! executions, and each execution drawn on its workflow's graph with what happened to every
//! state, its events, and buttons to stop, redrive and answer task tokens. It lives under
//! [`DEFAULT_CONSOLE_PATH`] (`/console`; [`Config::console_path`] moves it,
//! [`Config::without_console`] removes it); a request carrying `X-Amz-Target` always goes to
//! the API. With [`Config::credential`] it asks for an access key and its secret first. Its
//! URLs and DOM markers are listed in the crate's README.
//!
//! # Safety at the door
//! - Only configured `Host` values are answered (the bound address, `localhost`,
//!   `127.0.0.1`, `[::1]`, names given to [`Config::host`], and each one's `sync-` form, with
//!   or without a port): a web page that rebinds its own DNS name to 127.0.0.1 gets 403.
//! - Request bodies are limited ([`Config::max_body`], default 1 MiB as AWS's request size
//!   quota): more gets 413 before the body is read.
//! - Malformed JSON, wrong member types, missing members, unknown actions get AWS's 400
//!   errors; a panic while serving a request becomes a 500 `InternalFailure` for that
//!   request alone.
//! - With [`Config::credential`], requests must carry an AWS signature by a configured key.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod actions;
mod auth;
mod console;
mod dispatch;
mod error;
mod input;
mod paging;

use std::net::IpAddr;
use std::sync::Arc;

pub use console::DEFAULT_MOUNT as DEFAULT_CONSOLE_PATH;
/// What happened to each state of an execution, from its history (the console's graph
/// colours): [`marks::marks`], [`marks::visits`].
pub use console::marks;
pub use dispatch::DEFAULT_MAX_BODY;

/// How the server answers: extra host names, credentials, the body limit.
#[derive(Clone, Default)]
pub struct Config {
    /// Host names answered besides the defaults (lowercase, without port).
    pub(crate) hosts: Vec<String>,
    /// Access key id and secret pairs whose signatures are accepted; none: no authentication.
    pub(crate) credentials: Vec<(String, String)>,
    /// The largest request body read (`None`: [`DEFAULT_MAX_BODY`]).
    pub(crate) max_body: Option<usize>,
    /// The console's mount path (`None`: [`DEFAULT_CONSOLE_PATH`]).
    pub(crate) console_path: Option<String>,
    /// The console is switched off.
    pub(crate) console_off: bool,
    /// Mock test cases that `StartExecution` on `<state machine ARN>#<test case>` runs.
    pub(crate) mock_file: Option<asl_runtime::testing::MockFile>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of logs.
        let keys: Vec<&str> = self.credentials.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Config")
            .field("hosts", &self.hosts)
            .field("access_keys", &keys)
            .field("max_body", &self.body_limit())
            .field("console", &self.console_mount())
            .field(
                "mock_file",
                &self
                    .mock_file
                    .as_ref()
                    .map(asl_runtime::testing::MockFile::file_name),
            )
            .finish()
    }
}

impl Config {
    /// The defaults: `localhost`, `127.0.0.1` and `[::1]` (and the bound address with
    /// [`serve_with`]), no authentication, 1 MiB bodies.
    pub fn new() -> Self {
        Config::default()
    }

    /// Also answers requests for `name` and `sync-<name>` (with any port): the name clients
    /// use when the server is reached through a proxy or another host name.
    pub fn host(mut self, name: impl Into<String>) -> Self {
        let name = normalize_host(&name.into());
        if !name.is_empty() {
            self.hosts.push(name);
        }
        self
    }

    /// Accepts requests signed (AWS Signature Version 4) with this access key id and secret;
    /// once any credential is configured, unsigned requests are refused
    /// (`MissingAuthenticationTokenException`), as are unknown keys
    /// (`UnrecognizedClientException`) and bad signatures (`InvalidSignatureException`).
    pub fn credential(mut self, access_key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials.push((access_key.into(), secret.into()));
        self
    }

    /// The largest request body read, in bytes (default [`DEFAULT_MAX_BODY`], 1 MiB: AWS's
    /// quota on a Step Functions request; a 256 KiB input escaped into JSON fits in it).
    /// Larger requests get HTTP 413 without their body being read.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// Serves the web console under `path` (default [`DEFAULT_CONSOLE_PATH`], `/console`):
    /// its pages are `<path>/`, `<path>/machines/<name>`, `<path>/executions/<arn>`, … and
    /// `GET /` redirects to it. `/` itself is the API's and is not accepted, nor are paths
    /// with characters other than letters, digits, `-`, `_`, `.`, `~` and `/`: the default
    /// stays in force then (and a warning is logged).
    pub fn console_path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        match console::normalize_mount(&path) {
            Some(p) => self.console_path = Some(p),
            None => tracing::warn!(
                path = %path.chars().take(100).collect::<String>(),
                "console path refused (the API owns `/`; use letters, digits, -, _, ., ~): \
                 keeping {}",
                self.console_mount().unwrap_or_else(|| DEFAULT_CONSOLE_PATH.into())
            ),
        }
        self
    }

    /// Runs the test cases of `file` (Step Functions Local's `MockConfigFile.json`, loaded with
    /// [`MockFile::load`](asl_runtime::testing::MockFile::load)) as Step Functions Local does:
    /// `StartExecution` (and `StartSyncExecution`) with `stateMachineArn` set to
    /// `<state machine ARN>#<test case>` runs that test case of the state machine of that name
    /// in the file; its Task states answer from their mocked responses, the others call their
    /// handlers. An unknown test case, or one naming a state that is not a Task state of the
    /// workflow, is a `ValidationException`. The test case lives in this process: an
    /// execution resumed by another process, or redriven, calls its handlers.
    pub fn mock_file(mut self, file: asl_runtime::testing::MockFile) -> Self {
        self.mock_file = Some(file);
        self
    }

    /// Serves no console: every request goes to the API (`GET /` gets its 404).
    pub fn without_console(mut self) -> Self {
        self.console_off = true;
        self
    }

    /// The console's mount path, `None` when it is switched off.
    pub(crate) fn console_mount(&self) -> Option<String> {
        if self.console_off {
            return None;
        }
        Some(
            self.console_path
                .clone()
                .unwrap_or_else(|| DEFAULT_CONSOLE_PATH.to_string()),
        )
    }

    /// The body limit in force.
    pub(crate) fn body_limit(&self) -> usize {
        self.max_body.unwrap_or(DEFAULT_MAX_BODY)
    }
}

/// A host name as compared: lowercase, without port or trailing dot.
fn normalize_host(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let host = strip_port(&host);
    host.trim_end_matches('.').to_string()
}

/// `name:port` → `name`; `[::1]:port` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The Step Functions API for `engine` as an axum router (every path and method goes to
/// it), to mount in an existing application. It answers the default host names and those of
/// `config`; [`serve_with`] adds the address it is bound to.
pub fn router(engine: asl_runtime::Engine, config: Config) -> axum::Router {
    dispatch::router(engine, config, None)
}

/// Serves the Step Functions API for `engine` on `addr` (e.g. `"127.0.0.1:8083"`) until the
/// process ends, with the default [`Config`].
pub async fn serve(
    engine: asl_runtime::Engine,
    addr: impl tokio::net::ToSocketAddrs,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_with(engine, Config::default(), listener).await
}

/// Serves the Step Functions API for `engine` on `listener` with `config`; the listener's
/// address is answered as a host name too.
pub async fn serve_with(
    engine: asl_runtime::Engine,
    config: Config,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let bound = listener.local_addr()?.ip();
    let app = dispatch::router(engine, config, Some(bound));
    axum::serve(listener, app).await
}

/// The host names answered: the defaults, the configured ones, the bound address.
fn allowed_hosts(config: &Config, bound: Option<IpAddr>) -> Arc<std::collections::HashSet<String>> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()];
    names.extend(config.hosts.iter().cloned());
    match bound {
        Some(ip) if !ip.is_unspecified() => names.push(match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        }),
        _ => {}
    }
    let mut set = std::collections::HashSet::new();
    for n in names {
        set.insert(format!("sync-{n}"));
        set.insert(n);
    }
    Arc::new(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_compared_without_port_and_case() {
        assert_eq!(normalize_host("LocalHost:8083"), "localhost");
        assert_eq!(normalize_host("[::1]:80"), "[::1]");
        assert_eq!(normalize_host("example.com."), "example.com");
        let hosts = allowed_hosts(&Config::new().host("Box.Lan"), "10.1.2.3".parse().ok());
        for h in [
            "localhost",
            "sync-localhost",
            "box.lan",
            "sync-box.lan",
            "10.1.2.3",
        ] {
            assert!(hosts.contains(h), "{h}");
        }
        assert!(!hosts.contains("evil.example"));
    }
}
