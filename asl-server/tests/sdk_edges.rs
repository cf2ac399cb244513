//! Edges of the API driven by the AWS SDK for Rust, where a reviewer found the server unlike
//! AWS: history pages of a running execution (EXEC-6, TASK-4), Express execution ARNs where AWS
//! refuses them (EXEC-2), malformed ARNs and names, and the errors each action models.

mod common;

use aws_sdk_sfn::types::ExecutionStatus;
use common::{code, eventually, machine};

/// Waits until the execution `arn` has `status`.
async fn wait_for(c: &aws_sdk_sfn::Client, arn: &str, status: ExecutionStatus) {
    eventually(|| async {
        let d = c
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        d.status() == &status
    })
    .await;
}

/// Pages the history of `arn` from `token` to the end: the event ids.
async fn rest_of_history(
    c: &aws_sdk_sfn::Client,
    arn: &str,
    reverse: bool,
    mut token: Option<String>,
) -> Vec<i64> {
    let mut ids = Vec::new();
    while token.is_some() {
        let page = c
            .get_execution_history()
            .execution_arn(arn)
            .reverse_order(reverse)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        ids.extend(page.events().iter().map(|e| e.id()));
        token = page.next_token().map(str::to_string);
    }
    ids
}

/// A history that grows between pages (the callback answered after the first page) is
/// listed with each event once: a token continues after the last event it returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_of_a_running_execution_list_each_event_once() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    for reverse in [true, false] {
        let arn = c
            .start_execution()
            .state_machine_arn(machine("callback"))
            .send()
            .await
            .unwrap()
            .execution_arn()
            .to_string();
        let token = s.tokens.lock().await.recv().await.unwrap();
        // The events up to the waiting Task are recorded (more than one page of 2).
        let id: asl_runtime::ExecutionId = arn.parse().unwrap();
        eventually(|| async { s.engine.history(&id).await.unwrap().len() >= 3 }).await;
        let first = c
            .get_execution_history()
            .execution_arn(&arn)
            .reverse_order(reverse)
            .max_results(2)
            .send()
            .await
            .unwrap();
        let mut ids: Vec<i64> = first.events().iter().map(|e| e.id()).collect();
        assert!(first.next_token().is_some(), "{ids:?}");
        c.send_task_heartbeat()
            .task_token(&token)
            .send()
            .await
            .unwrap();
        c.send_task_success()
            .task_token(&token)
            .output("{}")
            .send()
            .await
            .unwrap();
        wait_for(&c, &arn, ExecutionStatus::Succeeded).await;
        let top = ids[0];
        ids.extend(
            rest_of_history(&c, &arn, reverse, first.next_token().map(str::to_string)).await,
        );
        if reverse {
            // From the newest event of the first page down to the first: the events
            // appended since belong to a new listing.
            assert_eq!(ids, (1..=top).rev().collect::<Vec<_>>(), "reverse");
        } else {
            let all = c
                .get_execution_history()
                .execution_arn(&arn)
                .send()
                .await
                .unwrap();
            let last = all.events().last().unwrap();
            assert_eq!(last.r#type().as_str(), "ExecutionSucceeded");
            assert_eq!(ids, (1..=last.id()).collect::<Vec<_>>(), "forward");
        }
    }
}

/// DescribeExecution, GetExecutionHistory and StopExecution do not take an Express
/// execution's ARN: `InvalidArn`, as AWS answers (EXEC-2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn express_execution_arns_are_refused_where_aws_refuses_them() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    let arn = c
        .start_execution()
        .state_machine_arn(machine("quick"))
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    assert!(arn.contains(":express:quick:"), "{arn}");
    let refused = (
        "InvalidArn".to_string(),
        "Invalid Arn: 'Resource type not valid in this context: express'".to_string(),
    );
    let e = c
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), refused);
    let e = c
        .get_execution_history()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), refused);
    let e = c
        .stop_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), refused);
    // A Map Run's Express child is one DescribeExecution takes (none such here).
    let child = "arn:aws:states:us-east-1:123456789012:express:fan/Items:c-1:5a1e";
    let e = c
        .describe_execution()
        .execution_arn(child)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ExecutionDoesNotExist");
}

/// ListExecutions with a `mapRunArn` that is not a Map Run ARN: `InvalidArn`, as
/// DescribeMapRun answers it (MAP-17).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_executions_refuses_a_malformed_map_run_arn() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    for bad in [
        "arn::mapRun:",
        "arn:aws:states:us-east-1:123456789012:mapRun:fan",
        "arn:aws:states:us-east-1:123456789012:execution:fan:x",
    ] {
        let e = c
            .list_executions()
            .map_run_arn(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            code(&e),
            (
                "InvalidArn".to_string(),
                format!("Invalid Arn: 'Invalid ARN prefix: {bad}'")
            ),
            "{bad}"
        );
    }
    // Well formed but unknown: the Map Run does not exist.
    let e = c
        .list_executions()
        .map_run_arn("arn:aws:states:us-east-1:123456789012:mapRun:fan/Items:none")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ResourceNotFound");
}

/// The recorded CreateStateMachine answers of AWS in the conformance corpus: each dir's
/// definition, type and expected error.
fn create_recordings() -> Vec<(String, String, bool, serde_json::Value)> {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/conformance/corpus/invalid");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let dir = entry.unwrap().path();
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        if expected["api"] != "CreateStateMachine" {
            continue;
        }
        let definition = std::fs::read_to_string(dir.join("definition.asl.json")).unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        found.push((name, definition, expected["type"] == "EXPRESS", expected));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// CreateStateMachine's modeled errors: `InvalidName` for a name AWS refuses, `InvalidArn`
/// for a role that is not an IAM role ARN, `InvalidDefinition` with AWS's message (as
/// recorded in the conformance corpus) for a definition that does not validate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_state_machine_reports_the_errors_aws_models() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    let role = "arn:aws:iam::123456789012:role/StepFunctionsRole";
    let e = c
        .create_state_machine()
        .name("a/b")
        .definition(common::waiter::DEFINITION)
        .role_arn(role)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        ("InvalidName".to_string(), "Invalid Name: 'a/b'".to_string())
    );
    for bad in [
        "arn:aws:iam::aws:policy/AWSBatchFullAccess",
        "StepFunctionsRole",
    ] {
        let e = c
            .create_state_machine()
            .name("waiter")
            .definition(common::waiter::DEFINITION)
            .role_arn(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            code(&e),
            (
                "InvalidArn".to_string(),
                format!("Invalid Role Arn: '{bad}'")
            )
        );
    }
    let e = c
        .create_state_machine()
        .name("waiter")
        .definition("not a definition")
        .role_arn(role)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidDefinition");
    assert!(
        code(&e)
            .1
            .starts_with("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "),
        "{:?}",
        code(&e)
    );
    let recordings = create_recordings();
    assert!(recordings.len() >= 5, "{} recordings", recordings.len());
    let mut differ = Vec::new();
    for (case, definition, express, expected) in recordings {
        let mut request = c
            .create_state_machine()
            .name(&case)
            .definition(definition)
            .role_arn(role);
        if express {
            request = request.r#type(aws_sdk_sfn::types::StateMachineType::Express);
        }
        let e = request.send().await.unwrap_err();
        let (name, message) = code(&e);
        assert_eq!(name, "InvalidDefinition", "{case}: {message}");
        let mut aws = expected["error"].as_str().unwrap().to_string();
        // The recording hid the partition of the ARNs it shows.
        if expected["placeholders"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p == "arn:<partition>:"))
        {
            aws = aws.replace("arn:<partition>:", "arn:aws:");
        }
        if message != aws {
            differ.push(format!("{case}: {message}\n  AWS: {}", expected["error"]));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The actions that would change what is served answer with an error they model:
/// DeleteStateMachine `ValidationException` (it has no `ConflictException`), UpdateStateMachine
/// `ConflictException`; activities are not served: `UnknownOperationException`, as
/// ListActivities.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_changes_use_errors_the_actions_model() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    let e = c
        .delete_state_machine()
        .state_machine_arn(machine("waiter"))
        .send()
        .await
        .unwrap_err();
    let (name, message) = code(&e);
    assert_eq!(name, "ValidationException");
    assert!(
        message.starts_with("DeleteStateMachine is not available"),
        "{message}"
    );
    assert!(
        e.as_service_error()
            .is_some_and(|e| e.is_validation_exception())
    );
    let e = c
        .update_state_machine()
        .state_machine_arn(machine("waiter"))
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|e| e.is_conflict_exception())
    );
    let e = c.create_activity().name("work").send().await.unwrap_err();
    assert_eq!(code(&e).0, "UnknownOperationException");
    let e = c
        .delete_activity()
        .activity_arn("arn:aws:states:us-east-1:123456789012:activity:work")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "UnknownOperationException");
}

/// A hand-written machine: the `waiter` workflow without its definition (`Machine`'s
/// default, `""`).
struct NoDefinition(common::waiter::Workflow<common::NoTasks>);

impl asl_runtime::Machine for NoDefinition {
    fn default_name(&self) -> &'static str {
        self.0.default_name()
    }
    fn timeout_seconds(&self) -> Option<u64> {
        self.0.timeout_seconds()
    }
    fn resume(
        &self,
        exec: std::sync::Arc<asl_runtime::__codegen::v9::Exec>,
        state: Option<&str>,
        input: serde_json::Value,
        vars: asl_runtime::__codegen::v9::Vars,
    ) -> Option<
        asl_runtime::__codegen::v9::BoxFuture<
            'static,
            Result<serde_json::Value, asl_runtime::__codegen::v9::Failure>,
        >,
    > {
        self.0.resume(exec, state, input, vars)
    }
    fn express(
        &self,
        input: serde_json::Value,
        options: asl_runtime::RunOptions,
    ) -> asl_runtime::__codegen::v9::BoxFuture<'static, asl_runtime::Recorded> {
        self.0.express(input, options)
    }
}

/// A machine whose definition is unknown is described with `{}`: at least one character,
/// as the model requires, and JSON a client can parse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_without_its_definition_is_described_with_an_empty_object() {
    let dir = tempfile::tempdir().unwrap();
    let store = asl_runtime::store::SqliteStore::open(dir.path().join("server.db"))
        .await
        .unwrap();
    let engine = asl_runtime::Engine::builder()
        .store(store)
        .workflow(
            "bare",
            NoDefinition(common::waiter::Workflow::new(common::NoTasks)),
        )
        .build()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let e = engine.clone();
    tokio::spawn(
        async move { asl_server::serve_with(e, asl_server::Config::new(), listener).await },
    );
    let c = common::client(addr);
    let d = c
        .describe_state_machine()
        .state_machine_arn(machine("bare"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.definition(), "{}");
    let arn = c
        .start_execution()
        .state_machine_arn(machine("bare"))
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    let d = c
        .describe_state_machine_for_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.definition(), "{}");
}
