//! Mock test cases over the HTTP API, driven by the AWS SDK for Rust as Step Functions Local
//! users drive it: with a mock file (`Config::mock_file`), `StartExecution` on
//! `<state machine ARN>#<test case>` runs that test case (AWS's `LambdaSQSIntegration`
//! example: `HappyPath`, `HybridPath`), `StartSyncExecution` too; unknown test cases and
//! test cases naming states the workflow lacks get a `ValidationException`.

mod common;

use std::sync::{Arc, Mutex};

use asl_runtime::store::SqliteStore;
use asl_runtime::testing::MockFile;
use asl_runtime::{Engine, TaskContext, TaskError, Value};
use aws_sdk_sfn::types::ExecutionStatus;
use common::{code, machine};
use serde_json::json;

asl_runtime::asl!(mod lambda_sqs from "../runtime/tests/mock_files/LambdaSQSIntegration.asl.json");

/// AWS's documented mock file.
const MOCK_FILE: &str = include_str!("../../runtime/tests/mock_files/MockConfigFile.json");

/// The real services: SQS records what it was sent; Lambda must not be called.
#[derive(Clone, Default)]
struct Services {
    sent: Arc<Mutex<Vec<Value>>>,
}

impl lambda_sqs::Tasks for Services {
    async fn lambda_state(&self, _: Value, _: TaskContext) -> Result<Value, TaskError> {
        Err(TaskError::new("Test.Unexpected", "LambdaState is mocked"))
    }

    async fn sqs_state(&self, input: Value, _: TaskContext) -> Result<Value, TaskError> {
        self.sent.lock().expect("lock").push(input);
        Ok(json!({"MessageId": "real-message"}))
    }
}

struct Served {
    client: aws_sdk_sfn::Client,
    services: Services,
    _dir: tempfile::TempDir,
}

/// AWS's file, with its test cases also for the Express copy of the machine and a test case
/// naming a state the machine lacks.
fn mock_file() -> MockFile {
    let mut doc: Value = serde_json::from_str(MOCK_FILE).expect("JSON");
    let cases = doc["StateMachines"]["LambdaSQSIntegration"].clone();
    doc["StateMachines"]["LambdaSQSExpress"] = cases;
    doc["StateMachines"]["LambdaSQSIntegration"]["TestCases"]["Typo"] =
        json!({"LambdaStat": "MockedLambdaSuccess"});
    MockFile::from_value(&doc, "MockConfigFile.json").expect("valid")
}

async fn serve(config: asl_server::Config) -> Served {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("server.db"))
        .await
        .expect("SQLite store");
    let services = Services::default();
    let engine = Engine::builder()
        .store(store)
        .workflow(
            "LambdaSQSIntegration",
            lambda_sqs::Workflow::new(services.clone()),
        )
        .express_workflow(
            "LambdaSQSExpress",
            lambda_sqs::Workflow::new(services.clone()),
        )
        .poll_interval(std::time::Duration::from_millis(20))
        .build()
        .await
        .expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { asl_server::serve_with(engine, config, listener).await });
    Served {
        client: common::client(addr),
        services,
        _dir: dir,
    }
}

/// Waits for the execution's end; its description.
async fn finished(
    c: &aws_sdk_sfn::Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    for _ in 0..500 {
        let d = c
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .expect("described");
        if d.status() != &ExecutionStatus::Running {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{arn} still running after 10 s");
}

fn parse(s: Option<&str>) -> Value {
    serde_json::from_str(s.expect("a JSON member")).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_execution_runs_the_test_case_after_the_hash() {
    let s = serve(asl_server::Config::new().mock_file(mock_file())).await;
    let c = &s.client;
    // AWS's documented call: `--state-machine <arn>#HappyPath --name executionWith…`.
    let started = c
        .start_execution()
        .state_machine_arn(format!("{}#HappyPath", machine("LambdaSQSIntegration")))
        .name("executionWithHappyPathMockedServices")
        .send()
        .await
        .expect("started");
    assert_eq!(
        started.execution_arn(),
        "arn:aws:states:us-east-1:123456789012:execution:LambdaSQSIntegration:executionWithHappyPathMockedServices"
    );
    let d = finished(c, started.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(d.state_machine_arn(), machine("LambdaSQSIntegration"));
    assert_eq!(
        parse(d.output()),
        json!({
            "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
            "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"
        })
    );
    // The history shows the mocked Lambda result as the documentation does.
    let history = c
        .get_execution_history()
        .execution_arn(started.execution_arn())
        .send()
        .await
        .expect("history");
    let lambda_output = history
        .events()
        .iter()
        .find_map(|e| e.task_succeeded_event_details()?.output().map(String::from));
    assert_eq!(
        parse(lambda_output.as_deref()),
        json!({"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}})
    );
    assert!(s.services.sent.lock().expect("lock").is_empty());

    // HybridPath: the SQS state calls its real handler.
    let hybrid = c
        .start_execution()
        .state_machine_arn(format!("{}#HybridPath", machine("LambdaSQSIntegration")))
        .send()
        .await
        .expect("started");
    let d = finished(c, hybrid.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(parse(d.output()), json!({"MessageId": "real-message"}));
    assert_eq!(s.services.sent.lock().expect("lock").len(), 1);

    // StartSyncExecution of the Express copy.
    let sync = c
        .start_sync_execution()
        .state_machine_arn(format!("{}#HappyPath", machine("LambdaSQSExpress")))
        .send()
        .await
        .expect("ran");
    assert_eq!(
        sync.status(),
        &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded
    );
    assert_eq!(
        parse(sync.output())["MessageId"],
        json!("3bcb6e8e-8b51-4375-b0bc-1a59812c6e51")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_test_cases_are_validation_errors() {
    let s = serve(asl_server::Config::new().mock_file(mock_file())).await;
    let c = &s.client;
    let e = c
        .start_execution()
        .state_machine_arn(format!("{}#SadPath", machine("LambdaSQSIntegration")))
        .send()
        .await
        .expect_err("no such test case");
    assert_eq!(
        code(&e),
        (
            "ValidationException".into(),
            "MockConfigFile.json: StateMachines.LambdaSQSIntegration.TestCases: no test case \
             SadPath (the state machine's test cases: HappyPath, RetryPath, HybridPath, Typo)"
                .into()
        )
    );
    let e = c
        .start_execution()
        .state_machine_arn(format!("{}#Typo", machine("LambdaSQSIntegration")))
        .send()
        .await
        .expect_err("names a missing state");
    let (name, message) = code(&e);
    assert_eq!(name, "ValidationException");
    assert!(
        message.contains("StateMachines.LambdaSQSIntegration.TestCases.Typo.LambdaStat")
            && message.contains("has no state LambdaStat"),
        "{message}"
    );
    // A workflow the file has no test cases for.
    let e = c
        .start_sync_execution()
        .state_machine_arn(format!("{}#HappyPath", machine("Nope")))
        .send()
        .await
        .expect_err("no such machine");
    assert_eq!(code(&e).0, "StateMachineDoesNotExist");
    // Nothing was started.
    let listed = c
        .list_executions()
        .state_machine_arn(machine("LambdaSQSIntegration"))
        .send()
        .await
        .expect("listed");
    assert!(listed.executions().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_mock_file_a_test_case_arn_names_no_state_machine() {
    let s = serve(asl_server::Config::new()).await;
    let arn = format!("{}#HappyPath", machine("LambdaSQSIntegration"));
    let e = s
        .client
        .start_execution()
        .state_machine_arn(&arn)
        .send()
        .await
        .expect_err("no such state machine");
    assert_eq!(
        code(&e),
        (
            "StateMachineDoesNotExist".into(),
            format!("State Machine Does Not Exist: '{arn}'")
        )
    );
}
