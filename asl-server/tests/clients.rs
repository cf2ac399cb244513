//! Real Python clients against the server: boto3 (`tests/clients/smoke.py`) and the AWS CLI
//! (`tests/clients/cli.sh`) drive compiled workflows through start → describe → history paging
//! → callback (`SendTaskSuccess` with the token read from the history) → stop → redrive → list
//! with filters, plus `StartSyncExecution` on an Express workflow, over SigV4-signed requests
//! that the server verifies (EXEC-2, EXEC-3, EXEC-10, TASK-4).
//!
//! The engine is on SQLite (a file in a temporary directory), served on an ephemeral port with
//! one configured credential. The scripts need a Python with `boto3` and `awscli` installed:
//! `ASL_TEST_PYTHON` names it (the AWS CLI is `aws` beside it, as in a virtualenv's `bin/`).
//! Without it the test skips with a message, and fails when `ASL_REQUIRE_SERVICES=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod chain {
    "StartAt": "P1",
    "States": {
        "P1": { "Type": "Pass", "Next": "P2" },
        "P2": { "Type": "Pass", "Next": "P3" },
        "P3": { "Type": "Pass", "Next": "P4" },
        "P4": { "Type": "Pass", "Next": "P5" },
        "P5": { "Type": "Pass", "Next": "P6" },
        "P6": { "Type": "Pass", "Result": 6, "ResultPath": "$.steps", "End": true }
    }
});

asl_runtime::asl!(mod callback {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                "MessageBody": { "token.$": "$$.Task.Token", "order.$": "$.order" }
            },
            "HeartbeatSeconds": 3600,
            "End": true
        }
    }
});

asl_runtime::asl!(mod sleepy {
    "StartAt": "Nap",
    "States": { "Nap": { "Type": "Wait", "Seconds": 3600, "End": true } }
});

asl_runtime::asl!(mod broken {
    "StartAt": "Break",
    "States": { "Break": { "Type": "Fail", "Error": "Oops", "Cause": "on purpose" } }
});

asl_runtime::asl!(mod echo {
    "StartAt": "Echo",
    "States": { "Echo": { "Type": "Pass", "Result": true, "ResultPath": "$.echoed", "End": true } }
});

/// Handlers of the workflows without tasks.
struct NoTasks;
impl chain::Tasks for NoTasks {}
impl sleepy::Tasks for NoTasks {}
impl broken::Tasks for NoTasks {}
impl echo::Tasks for NoTasks {}

/// The queue: sending the message is all the task does; the answer comes by SendTaskSuccess.
struct Queue;

impl callback::Tasks for Queue {
    async fn ask(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Ok(json!({ "MessageId": "m-1" }))
    }
}

const KEY: &str = "AKIDSMOKETEST";
const SECRET: &str = "smoke-test-secret";

/// The Python to run the scripts with, or `None` (with a message) when the test should skip.
fn python() -> Option<PathBuf> {
    match std::env::var("ASL_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            if std::env::var("ASL_REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!("ASL_TEST_PYTHON is not set, and ASL_REQUIRE_SERVICES=1 requires it");
            }
            eprintln!(
                "clients: skipped: set ASL_TEST_PYTHON to a python with boto3 and awscli \
                 (python3 -m venv V && V/bin/pip install boto3 awscli; ASL_TEST_PYTHON=V/bin/python)"
            );
            None
        }
    }
}

/// Runs a script to its end, failing the test with its output when it fails.
fn run(what: &str, mut command: Command) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

#[test]
fn boto3_and_the_aws_cli_drive_compiled_workflows() {
    let Some(python) = python() else { return };
    let aws = python.with_file_name("aws");
    assert!(aws.exists(), "the AWS CLI is not at {}", aws.display());

    let dir = tempfile::tempdir().expect("temporary directory");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let port = rt.block_on(async {
        let engine = Engine::builder()
            .store(
                SqliteStore::open(dir.path().join("smoke.db"))
                    .await
                    .expect("store"),
            )
            .workflow("chain", chain::Workflow::new(NoTasks))
            .workflow("callback", callback::Workflow::new(Queue))
            .workflow("sleepy", sleepy::Workflow::new(NoTasks))
            .workflow("broken", broken::Workflow::new(NoTasks))
            .express_workflow("echo", echo::Workflow::new(NoTasks))
            .build()
            .await
            .expect("engine");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let config = asl_server::Config::new().credential(KEY, SECRET);
        tokio::spawn(asl_server::serve_with(engine, config, listener));
        port
    });
    let endpoint = format!("http://127.0.0.1:{port}");
    let configure = |command: &mut Command| {
        command
            .env("ASL_SMOKE_ENDPOINT", &endpoint)
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_SFN");
    };

    let mut boto3 = Command::new(&python);
    boto3.arg(script("smoke.py"));
    configure(&mut boto3);
    run("smoke.py (boto3)", boto3);

    let mut cli = Command::new("bash");
    cli.arg(script("cli.sh"))
        .env("AWS_CLI", &aws)
        .env("PYTHON", &python);
    configure(&mut cli);
    run("cli.sh (AWS CLI)", cli);
    drop(rt);
}
