//! What the server tests share: an engine on SQLite (a temporary file) with a workflow for
//! each behaviour under test, served on an ephemeral port, and an AWS SDK client for it.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, TaskContext, TaskError, Value};
use aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns};
use serde_json::json;

// A callback: its handler hands the token to the test (TASK-4).
asl_runtime::asl!(pub mod callback {
    "StartAt": "Ask",
    "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "HeartbeatSeconds": 3600, "End": true }
    }
});

// An execution that stays RUNNING (a one-hour Wait), to stop.
asl_runtime::asl!(pub mod waiter {
    "StartAt": "Pause",
    "States": {
        "Pause": { "Type": "Wait", "Seconds": 3600, "Next": "Done" },
        "Done": { "Type": "Succeed" }
    }
});

// A Task that fails while the test says so: FAILED, then redriven to success (EXEC-10).
asl_runtime::asl!(pub mod flaky {
    "StartAt": "Work",
    "States": {
        "Work": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "ResultPath": "$.work", "End": true }
    }
});

// Fails at once (EXEC-13).
asl_runtime::asl!(pub mod failing {
    "StartAt": "Boom",
    "States": { "Boom": { "Type": "Fail", "Error": "Boom", "Cause": "it failed" } }
});

// An Express workflow: succeeds, or fails when the input has `fail` (EXEC-2).
asl_runtime::asl!(pub mod quick {
    "StartAt": "Check",
    "States": {
        "Check": { "Type": "Choice",
                   "Choices": [{ "Variable": "$.fail", "IsPresent": true, "Next": "No" }],
                   "Default": "Yes" },
        "Yes": { "Type": "Pass", "Result": { "ok": true }, "End": true },
        "No": { "Type": "Fail", "Error": "Nope", "Cause": "asked to fail" }
    }
});

// A Distributed Map whose children are stored executions (MAP-17).
asl_runtime::asl!(pub mod fan {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map", "Label": "Items", "ItemsPath": "$.items",
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Double",
                "States": { "Double": { "Type": "Pass", "End": true } }
            },
            "End": true
        }
    }
});

/// Task handlers without tasks.
pub struct NoTasks;
impl waiter::Tasks for NoTasks {}
impl failing::Tasks for NoTasks {}
impl quick::Tasks for NoTasks {}
impl fan::Tasks for NoTasks {}

/// Hands each callback token to the test.
pub struct Asker(pub tokio::sync::mpsc::UnboundedSender<String>);

impl callback::Tasks for Asker {
    async fn ask(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        let _ = self
            .0
            .send(ctx.task_token().unwrap_or_default().to_string());
        Ok(json!({ "MessageId": "m-1" }))
    }
}

/// Fails while `failing` is set.
pub struct Flaky(pub Arc<AtomicBool>);

impl flaky::Tasks for Flaky {
    async fn work(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        if self.0.load(Ordering::SeqCst) {
            Err(TaskError::new("Flaky", "not yet"))
        } else {
            Ok(json!("done"))
        }
    }
}

/// A served engine.
pub struct Served {
    pub engine: Engine,
    pub addr: SocketAddr,
    pub tokens: tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<String>>,
    pub flaky: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

/// Builds the engine on a fresh SQLite file.
pub async fn engine() -> (
    Engine,
    tokio::sync::mpsc::UnboundedReceiver<String>,
    Arc<AtomicBool>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("server.db"))
        .await
        .expect("SQLite store");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let flag = Arc::new(AtomicBool::new(true));
    let engine = Engine::builder()
        .store(store)
        .workflow("callback", callback::Workflow::new(Asker(tx)))
        .workflow("waiter", waiter::Workflow::new(NoTasks))
        .workflow("flaky", flaky::Workflow::new(Flaky(Arc::clone(&flag))))
        .workflow("failing", failing::Workflow::new(NoTasks))
        .workflow("fan", fan::Workflow::new(NoTasks))
        .express_workflow("quick", quick::Workflow::new(NoTasks))
        .poll_interval(Duration::from_millis(20))
        .build()
        .await
        .expect("engine");
    (engine, rx, flag, dir)
}

/// Serves a fresh engine on 127.0.0.1 (an ephemeral port).
pub async fn serve() -> Served {
    serve_with(asl_server::Config::new()).await
}

/// Serves a fresh engine with `config`.
pub async fn serve_with(config: asl_server::Config) -> Served {
    let (engine, tokens, flaky, dir) = engine().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let addr = listener.local_addr().expect("address");
    let e = engine.clone();
    tokio::spawn(async move { asl_server::serve_with(e, config, listener).await });
    Served {
        engine,
        addr,
        tokens: tokio::sync::Mutex::new(tokens),
        flaky,
        _dir: dir,
    }
}

/// Resolves every name to 127.0.0.1: the SDK calls StartSyncExecution on
/// `sync-localhost`, which no system resolver knows.
#[derive(Debug, Clone)]
struct Loopback;

impl ResolveDns for Loopback {
    fn resolve_dns<'a>(&'a self, _name: &'a str) -> DnsFuture<'a> {
        DnsFuture::ready(Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]))
    }
}

/// An AWS SDK client for the server at `addr`, through `http://localhost:<port>`.
pub fn client(addr: SocketAddr) -> aws_sdk_sfn::Client {
    client_as(addr, "AKIDEXAMPLE", "secret")
}

/// The same, signing with the given key.
pub fn client_as(addr: SocketAddr, key: &str, secret: &str) -> aws_sdk_sfn::Client {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .build_with_resolver(Loopback);
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .endpoint_url(format!("http://localhost:{}", addr.port()))
        .http_client(http)
        .build();
    aws_sdk_sfn::Client::from_conf(config)
}

/// The state machine ARN of `name` (the engine's default identity).
pub fn machine(name: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}")
}

/// The error code of an SDK error (`ExecutionDoesNotExist`, …) and its message.
pub fn code<E, R>(e: &aws_sdk_sfn::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_sfn::error::ProvideErrorMetadata,
{
    use aws_sdk_sfn::error::ProvideErrorMetadata;
    (
        e.code().unwrap_or("<none>").to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

/// Waits until `check` holds (at most 10 s).
pub async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not reached within 10 s");
}
