//! Step Functions integrations (TASK-2, TASK-3, TASK-4, EXEC-12): `states:startExecution`
//! (request-response, `.sync`, `.sync:2`, `.waitForTaskToken`) and `aws-sdk:sfn:*` run child
//! executions of the workflows registered on the same durable `Engine` (SQLite), with AWS's
//! answers and errors as recorded in the conformance corpus; other state machines are called
//! on AWS Step Functions, here moto.

use std::time::Duration;

use asl_runtime::durable::ListFilter;
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, ExecutionId, StartOptions, Status};
use serde_json::{Value, json};

use crate::common;

/// The ARN the engines here (default identity) give the state machine `name`.
fn machine(name: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}")
}

asl_runtime::asl!(mod child {
    "StartAt": "Double",
    "States": {"Double": {"Type": "Pass",
        "Parameters": {"doubled.$": "States.MathAdd($.x, $.x)", "by.$": "$.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"},
        "End": true}}
});

asl_runtime::asl!(mod failing {
    "StartAt": "Fail",
    "States": {"Fail": {"Type": "Fail", "Error": "SomeFailure",
        "Cause": "This state machines raises a 'SomeFailure' failure."}}
});

asl_runtime::asl!(mod slow {
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
               "Done": {"Type": "Pass", "Result": {"slept": true}, "End": true}}
});

asl_runtime::asl!(mod completer {
    "StartAt": "Complete",
    "States": {"Complete": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
        "Parameters": {"TaskToken.$": "$.token", "Output": "{\"approved\":true}"},
        "End": true}}
});

asl_runtime::asl!(mod sync2 {
    "StartAt": "Run",
    "States": {"Run": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn.$": "$.arn",
            "Input": {"x.$": "$.x", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
        "End": true}}
});

asl_runtime::asl!(mod sync1 {
    "StartAt": "Run",
    "States": {"Run": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync",
        "Parameters": {"StateMachineArn.$": "$.arn", "Name.$": "$.name", "Input.$": "$.input"},
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failed", "Next": "Caught"}],
        "End": true},
        "Caught": {"Type": "Pass", "End": true}}
});

asl_runtime::asl!(mod request_response {
    "StartAt": "Start",
    "States": {"Start": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn.$": "$.arn", "Input.$": "$.input"},
        "End": true}}
});

asl_runtime::asl!(mod callback {
    "StartAt": "Ask",
    "States": {"Ask": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
        "Parameters": {"StateMachineArn.$": "$.arn", "Input": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 30,
        "End": true}}
});

asl_runtime::asl!(mod bad_token {
    "StartAt": "Fail",
    "States": {"Fail": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskFailure",
        "Parameters": {"TaskToken": "NoSuchTaskToken"},
        "End": true}}
});

asl_runtime::asl!(mod impatient {
    "StartAt": "Run",
    "States": {"Run": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn.$": "$.arn", "Input": {"seconds": 60}},
        "TimeoutSeconds": 2,
        "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Gave up"}],
        "End": true},
        "Gave up": {"Type": "Pass", "End": true}}
});

asl_runtime::asl!(mod resumed {
    "StartAt": "Run",
    "States": {"Run": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn.$": "$.arn", "Input": {"seconds": 2}},
        "End": true}}
});

asl_runtime::asl!(mod patient {
    "StartAt": "Run",
    "States": {"Run": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync",
        "Parameters": {"StateMachineArn.$": "$.arn", "Input": {"seconds": 60}},
        "End": true}}
});

/// An engine with every workflow here on the SQLite file `db`, as worker `worker`.
async fn engine_on(m: &common::Moto, db: &std::path::Path, worker: &str) -> Engine {
    let aws = m.aws.clone();
    Engine::builder()
        .store(SqliteStore::open(db).await.unwrap())
        .workflow("child", child::Workflow::from_services(aws.clone()))
        .workflow("failing", failing::Workflow::from_services(aws.clone()))
        .workflow("slow", slow::Workflow::from_services(aws.clone()))
        .workflow("completer", completer::Workflow::from_services(aws.clone()))
        .workflow("sync2", sync2::Workflow::from_services(aws.clone()))
        .workflow("sync1", sync1::Workflow::from_services(aws.clone()))
        .workflow(
            "request_response",
            request_response::Workflow::from_services(aws.clone()),
        )
        .workflow("callback", callback::Workflow::from_services(aws.clone()))
        .workflow("bad_token", bad_token::Workflow::from_services(aws.clone()))
        .workflow("impatient", impatient::Workflow::from_services(aws.clone()))
        .workflow("resumed", resumed::Workflow::from_services(aws.clone()))
        .workflow("patient", patient::Workflow::from_services(aws))
        .poll_interval(Duration::from_millis(50))
        .worker_id(worker)
        .build()
        .await
        .unwrap()
}

/// A fresh engine on its own SQLite file, and the file's folder (to remove).
async fn engine(m: &common::Moto) -> (Engine, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(common::unique("asl-aws-sfn"));
    std::fs::create_dir_all(&dir).unwrap();
    let engine = engine_on(m, &dir.join("runs.db"), &common::unique("worker")).await;
    (engine, dir)
}

/// Runs `workflow` with `input` on `engine` to its end.
async fn run(
    engine: &Engine,
    workflow: &str,
    input: Value,
) -> (ExecutionId, Result<Value, asl_runtime::ExecutionError>) {
    let id = engine
        .start(workflow, input, StartOptions::default())
        .await
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(60), engine.wait(&id))
        .await
        .unwrap();
    (id, out)
}

/// The executions of `workflow`.
async fn executions(engine: &Engine, workflow: &str) -> Vec<asl_runtime::durable::Description> {
    engine
        .list_executions(workflow, ListFilter::default())
        .await
        .unwrap()
        .executions
}

#[tokio::test]
async fn sync2_returns_the_child_description_with_json_output() {
    // EXEC-12: `.sync:2` runs the registered child here and answers DescribeExecution with
    // Input and Output as JSON; the started-by id reaches the child's input.
    let Some(m) = common::moto("sync2_returns_the_child_description", "us-east-1").await else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let (id, out) = run(&engine, "sync2", json!({"arn": machine("child"), "x": 21})).await;
    let out = out.unwrap();
    assert_eq!(out["Status"], "SUCCEEDED", "{out}");
    assert_eq!(out["Output"]["doubled"], 42);
    assert_eq!(out["Output"]["by"], id.as_str());
    assert_eq!(out["Input"]["x"], 21);
    assert_eq!(out["InputDetails"], json!({"Included": true}));
    assert_eq!(out["OutputDetails"], json!({"Included": true}));
    assert_eq!(out["StateMachineArn"], machine("child"));
    assert_eq!(out["RedriveCount"], 0);
    assert_eq!(out["RedriveStatus"], "NOT_REDRIVABLE");
    assert_eq!(
        out["RedriveStatusReason"],
        "Execution is SUCCEEDED and cannot be redriven"
    );
    assert!(
        out["StartDate"].is_i64() && out["StopDate"].is_i64(),
        "{out}"
    );
    let arn = out["ExecutionArn"].as_str().unwrap();
    assert!(arn.starts_with("arn:aws:states:us-east-1:123456789012:execution:child:"));
    let name = out["Name"].as_str().unwrap();
    assert!(arn.ends_with(name) && name.len() == 64, "{name}");
    // The child is an execution of the engine like any other.
    let child = engine.describe(&arn.parse().unwrap()).await.unwrap();
    assert_eq!(child.status, Status::Succeeded);
    // TaskSubmitted holds StartExecution's answer.
    let history = engine.history(&id).await.unwrap();
    let submitted = history.iter().find(|e| e.kind == "TaskSubmitted").unwrap();
    let answer: Value = serde_json::from_str(
        submitted.details.as_ref().unwrap()["output"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(answer["ExecutionArn"], arn);
    assert_eq!(answer["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert!(answer["SdkResponseMetadata"]["RequestId"].is_string());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sync_returns_output_as_json_text_and_a_failed_child_as_task_failed() {
    // EXEC-12, ERR-*: `.sync` gives Input and Output as JSON text; a failing child fails the
    // state with States.TaskFailed and the recorded cause (its description with Error/Cause).
    let Some(m) = common::moto("sync_returns_output_as_json_text", "us-east-1").await else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let name = common::unique("named");
    let input = json!({"arn": machine("child"), "name": name,
                       "input": "{\"x\":2,\"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID\":\"me\"}"});
    let (_, out) = run(&engine, "sync1", input).await;
    let out = out.unwrap();
    assert_eq!(out["Name"], name.as_str());
    assert_eq!(out["Output"], "{\"doubled\":4,\"by\":\"me\"}");
    assert_eq!(
        out["Input"],
        "{\"x\":2,\"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID\":\"me\"}"
    );

    let name = common::unique("fails");
    let (_, out) = run(
        &engine,
        "sync1",
        json!({"arn": machine("failing"), "name": name, "input": null}),
    )
    .await;
    let out = out.unwrap();
    let failed = &out["failed"];
    assert_eq!(failed["Error"], "States.TaskFailed");
    let cause: Value = serde_json::from_str(failed["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["Error"], "SomeFailure");
    assert_eq!(
        cause["Cause"],
        "This state machines raises a 'SomeFailure' failure."
    );
    assert_eq!(cause["Status"], "FAILED");
    assert_eq!(cause["Input"], "{}");
    assert_eq!(cause["Name"], name.as_str());
    assert_eq!(cause["StateMachineArn"], machine("failing"));
    assert!(cause.get("Output").is_none());
    // Members in AWS's (alphabetical) order, as recorded.
    let keys: Vec<&str> = cause
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn request_response_returns_the_arn_and_start_date() {
    // TASK-2: request-response answers {ExecutionArn, StartDate} with the HTTP metadata, and
    // the child runs on its own.
    let Some(m) = common::moto("request_response_returns_the_arn", "us-east-1").await else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let (_, out) = run(
        &engine,
        "request_response",
        json!({"arn": machine("child"), "input": {"x": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": "p"}}),
    )
    .await;
    let out = out.unwrap();
    assert!(out["StartDate"].is_i64(), "{out}");
    let headers = &out["SdkHttpMetadata"]["HttpHeaders"];
    assert_eq!(headers["Content-Type"], "application/x-amz-json-1.0");
    assert_eq!(
        headers["x-amzn-RequestId"],
        out["SdkResponseMetadata"]["RequestId"]
    );
    let child: ExecutionId = out["ExecutionArn"].as_str().unwrap().parse().unwrap();
    let done = tokio::time::timeout(Duration::from_secs(30), engine.wait(&child))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done, json!({"doubled": 2, "by": "p"}));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_unregistered_state_machine_does_not_exist() {
    // ERR-*: the engine's region and account but no such workflow: as recorded on AWS.
    let Some(m) = common::moto("an_unregistered_state_machine_does_not_exist", "us-east-1").await
    else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let arn = machine("nosuch");
    let (_, out) = run(
        &engine,
        "request_response",
        json!({"arn": arn, "input": null}),
    )
    .await;
    let err = out.unwrap_err();
    assert_eq!(
        err.error(),
        Some("StepFunctions.StateMachineDoesNotExistException")
    );
    let cause = err.cause().unwrap();
    let prefix = format!(
        "State Machine Does Not Exist: '{arn}' (Service: AWSStepFunctions; Status Code: 400; \
         Error Code: StateMachineDoesNotExist; Request ID: "
    );
    assert!(cause.starts_with(&prefix), "{cause}");
    assert!(cause.ends_with("; Proxy: null)"), "{cause}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn send_task_success_completes_a_local_token() {
    // TASK-4: `.waitForTaskToken` hands the token to a child, whose
    // aws-sdk:sfn:sendTaskSuccess completes it on the engine.
    let Some(m) = common::moto("send_task_success_completes_a_local_token", "us-east-1").await
    else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let (_, out) = run(&engine, "callback", json!({"arn": machine("completer")})).await;
    assert_eq!(out.unwrap(), json!({"approved": true}));
    let done = executions(&engine, "completer").await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].output, Some(json!({})));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn send_task_failure_with_an_unknown_token_is_invalid_token() {
    // As recorded (sfn_send_task_outcome_with_no_such_token).
    let Some(m) = common::moto("send_task_failure_with_an_unknown_token", "us-east-1").await else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let (_, out) = run(&engine, "bad_token", json!({})).await;
    let err = out.unwrap_err();
    assert_eq!(err.error(), Some("Sfn.InvalidTokenException"));
    let cause = err.cause().unwrap();
    assert!(
        cause.starts_with(
            "Invalid Token: 'Invalid token' (Service: Sfn, Status Code: 400, Request ID: "
        ),
        "{cause}"
    );
    assert!(cause.ends_with(") (SDK Attempt Count: 1)"), "{cause}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_state_timeout_stops_the_sync_child() {
    // EXEC-12: the parent's Task times out (States.Timeout, caught); its `.sync` child, still
    // waiting, is stopped (ABORTED).
    let Some(m) = common::moto("a_state_timeout_stops_the_sync_child", "us-east-1").await else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let (_, out) = run(&engine, "impatient", json!({"arn": machine("slow")})).await;
    let out = out.unwrap();
    assert_eq!(out["timeout"]["Error"], "States.Timeout", "{out}");
    let mut status = None;
    for _ in 0..100 {
        let children = executions(&engine, "slow").await;
        assert_eq!(children.len(), 1);
        status = Some(children[0].status);
        if status == Some(Status::Aborted) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, Some(Status::Aborted));
    let _ = std::fs::remove_dir_all(dir);
}

/// Waits until `workflow` has an execution with `status`; the last status seen.
async fn until_status(engine: &Engine, workflow: &str, status: Status) -> Option<Status> {
    let mut seen = None;
    for _ in 0..100 {
        seen = executions(engine, workflow).await.first().map(|d| d.status);
        if seen == Some(status) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

#[tokio::test]
async fn stopping_the_parent_stops_the_sync_child() {
    // EXEC-6, EXEC-12: a stopped parent stops the `.sync` child it waits for.
    let Some(m) = common::moto("stopping_the_parent_stops_the_sync_child", "us-east-1").await
    else {
        return;
    };
    let (engine, dir) = engine(&m).await;
    let parent = engine
        .start(
            "patient",
            json!({"arn": machine("slow")}),
            StartOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        until_status(&engine, "slow", Status::Running).await,
        Some(Status::Running)
    );
    engine.stop(&parent, Some("Enough"), None).await.unwrap();
    assert_eq!(
        until_status(&engine, "slow", Status::Aborted).await,
        Some(Status::Aborted)
    );
    assert_eq!(
        engine.describe(&parent).await.unwrap().status,
        Status::Aborted
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_resumed_parent_finds_its_child_again() {
    // At least once: the engine running parent and child halts (a crash) once the child has
    // started; another engine on the same store resumes both, and the parent's repeated
    // StartExecution gets the same child: one child execution, both succeed.
    let Some(m) = common::moto("a_resumed_parent_finds_its_child_again", "us-east-1").await else {
        return;
    };
    let dir = std::env::temp_dir().join(common::unique("asl-aws-sfn-crash"));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("runs.db");
    let worker = common::unique("worker");
    let first = engine_on(&m, &db, &worker).await;
    let parent = first
        .start(
            "resumed",
            json!({"arn": machine("slow")}),
            StartOptions::default(),
        )
        .await
        .unwrap();
    let mut started = false;
    for _ in 0..100 {
        if !executions(&first, "slow").await.is_empty() {
            started = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(started, "the child did not start");
    first.halt();
    drop(first);

    let second = engine_on(&m, &db, &worker).await;
    let worker_loop = tokio::spawn({
        let second = second.clone();
        async move { second.run().await }
    });
    let out = tokio::time::timeout(Duration::from_secs(60), second.wait(&parent))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out["Status"], "SUCCEEDED", "{out}");
    assert_eq!(out["Output"], json!({"slept": true}));
    let children = executions(&second, "slow").await;
    assert_eq!(children.len(), 1, "{children:?}");
    assert_eq!(children[0].status, Status::Succeeded);
    second.shutdown();
    let _ = worker_loop.await;
    let _ = std::fs::remove_dir_all(dir);
}

asl_runtime::asl!(mod remote_start {
    "StartAt": "Start",
    "States": {"Start": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn.$": "$.arn", "Input": {"hello": "world"}},
        "ResultPath": "$.started",
        "Next": "Describe"},
        "Describe": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
        "Parameters": {"ExecutionArn.$": "$.started.ExecutionArn"},
        "ResultPath": "$.described",
        "Next": "Stop"},
        "Stop": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sfn:stopExecution",
        "Parameters": {"ExecutionArn.$": "$.started.ExecutionArn", "Error": "Enough", "Cause": "test"},
        "ResultPath": "$.stopped",
        "End": true}}
});

asl_runtime::asl!(mod remote_missing {
    "StartAt": "Start",
    "States": {"Start": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
        "Parameters": {"StateMachineArn.$": "$.arn"},
        "End": true}}
});

/// A state machine created in moto (which does not run definitions: its executions stay
/// RUNNING until stopped).
async fn moto_machine(m: &common::Moto) -> String {
    let sfn = aws_sdk_sfn::Client::new(&m.config);
    sfn.create_state_machine()
        .name(common::unique("remote"))
        .definition(r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        .role_arn("arn:aws:iam::123456789012:role/sfn-role")
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned()
}

#[tokio::test]
async fn remote_start_describe_and_stop() {
    // Outside an engine, Step Functions itself (moto) is called: StartExecution answers the
    // ARN and start date with HTTP metadata, DescribeExecution and StopExecution as the SDK
    // integration returns them.
    let Some(m) = common::moto("remote_start_describe_and_stop", "us-east-1").await else {
        return;
    };
    let arn = moto_machine(&m).await;
    let out = remote_start::Workflow::from_services(m.aws.clone())
        .run(json!({"arn": arn}))
        .await
        .unwrap();
    let started = &out["started"];
    let execution = started["ExecutionArn"].as_str().unwrap();
    assert!(execution.contains(":execution:"), "{out}");
    assert!(started["StartDate"].is_i64(), "{out}");
    assert_eq!(started["SdkHttpMetadata"]["HttpStatusCode"], 200);
    let described = &out["described"];
    assert_eq!(described["ExecutionArn"], execution);
    assert_eq!(described["StateMachineArn"], arn.as_str());
    assert_eq!(described["Status"], "RUNNING");
    assert_eq!(described["Input"], "{\"hello\":\"world\"}");
    assert!(
        described["StartDate"].as_str().unwrap().ends_with('Z'),
        "{out}"
    );
    assert!(described.get("SdkHttpMetadata").is_none());
    assert!(
        out["stopped"]["StopDate"].as_str().unwrap().ends_with('Z'),
        "{out}"
    );
    let sfn = aws_sdk_sfn::Client::new(&m.config);
    let after = sfn
        .describe_execution()
        .execution_arn(execution)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_str(), "ABORTED");
}

#[tokio::test]
async fn remote_errors_are_named_as_the_sdk_integration_names_them() {
    // A state machine moto does not have: Sfn.StateMachineDoesNotExistException.
    let Some(m) = common::moto("remote_errors_are_named", "us-east-1").await else {
        return;
    };
    let err = remote_missing::Workflow::from_services(m.aws.clone())
        .run(json!({"arn": machine(&common::unique("missing"))}))
        .await
        .unwrap_err();
    assert_eq!(
        err.error(),
        Some("Sfn.StateMachineDoesNotExistException"),
        "{err}"
    );
    assert!(
        err.cause()
            .unwrap()
            .contains("(Service: Sfn, Status Code: 400"),
        "{err}"
    );
}
