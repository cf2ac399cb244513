//! State machines, validation, Map Runs (MAP-17) and credentials driven by the AWS SDK for
//! Rust (`aws-sdk-sfn`), with the errors AWS defines for each.

mod common;

use aws_sdk_sfn::types::{
    ExecutionStatus, StateMachineType, ValidateStateMachineDefinitionResultCode,
    ValidateStateMachineDefinitionSeverity,
};
use common::{code, eventually, machine};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_machines_are_listed_described_and_not_changed() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    let all = c.list_state_machines().send().await.unwrap();
    let names: Vec<&str> = all.state_machines().iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        vec!["callback", "failing", "fan", "flaky", "quick", "waiter"]
    );
    let quick = &all.state_machines()[4];
    assert_eq!(quick.r#type(), &StateMachineType::Express);
    assert_eq!(quick.state_machine_arn(), machine("quick"));
    let first = c.list_state_machines().max_results(4).send().await.unwrap();
    assert_eq!(first.state_machines().len(), 4);
    let rest = c
        .list_state_machines()
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.state_machines().len(), 2);
    let e = c
        .list_state_machines()
        .next_token("bogus")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidToken");

    let d = c
        .describe_state_machine()
        .state_machine_arn(machine("quick"))
        .send()
        .await
        .unwrap();
    assert_eq!(d.definition(), common::quick::DEFINITION);
    assert_eq!(d.r#type(), &StateMachineType::Express);
    assert_eq!(d.status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(
        d.role_arn(),
        "arn:aws:iam::123456789012:role/StepFunctionsRole"
    );
    assert_eq!(d.creation_date(), quick.creation_date());
    let e = c
        .describe_state_machine()
        .state_machine_arn(machine("nothing"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "StateMachineDoesNotExist");
    let e = c
        .describe_state_machine()
        .state_machine_arn("arn:aws:lambda:x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidArn");

    // The compiled definition, reformatted: the compiled state machine.
    let same: Value = serde_json::from_str(common::waiter::DEFINITION).unwrap();
    let created = c
        .create_state_machine()
        .name("waiter")
        .definition(serde_json::to_string_pretty(&same).unwrap())
        .role_arn("arn:aws:iam::123456789012:role/any")
        .send()
        .await
        .unwrap();
    assert_eq!(created.state_machine_arn(), machine("waiter"));
    let e = c
        .create_state_machine()
        .name("waiter")
        .definition(common::quick::DEFINITION)
        .role_arn("arn:aws:iam::123456789012:role/any")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "StateMachineAlreadyExists");
    assert!(code(&e).1.contains("compiled into this server"));
    let e = c
        .create_state_machine()
        .name("brand-new")
        .definition(common::quick::DEFINITION)
        .role_arn("arn:aws:iam::123456789012:role/any")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ValidationException");
    assert!(code(&e).1.contains("quick (EXPRESS)"), "{:?}", code(&e));
    let e = c
        .delete_state_machine()
        .state_machine_arn(machine("waiter"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ValidationException");
    assert!(code(&e).1.contains("waiter (STANDARD)"));
    let e = c
        .update_state_machine()
        .state_machine_arn(machine("waiter"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ConflictException");
    let e = c.list_activities().send().await.unwrap_err();
    assert_eq!(code(&e).0, "UnknownOperationException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_state_machine_definition_reports_aws_diagnostics() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    let ok = c
        .validate_state_machine_definition()
        .definition(common::waiter::DEFINITION)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.result(), &ValidateStateMachineDefinitionResultCode::Ok);
    assert!(ok.diagnostics().is_empty());
    let bad = c
        .validate_state_machine_definition()
        .definition(r#"{"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": true}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad.result(),
        &ValidateStateMachineDefinitionResultCode::Fail
    );
    let codes: Vec<&str> = bad.diagnostics().iter().map(|d| d.code()).collect();
    assert!(codes.contains(&"MISSING_TRANSITION_TARGET"), "{codes:?}");
    assert!(
        bad.diagnostics()
            .iter()
            .all(|d| d.severity().as_str() == "ERROR")
    );
    // Express rules apply with type EXPRESS.
    let wftt = c
        .validate_state_machine_definition()
        .definition(common::callback::DEFINITION)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap();
    assert_eq!(
        wftt.result(),
        &ValidateStateMachineDefinitionResultCode::Fail
    );
    assert_eq!(
        wftt.diagnostics()[0].location(),
        Some("/States/Ask/Resource")
    );
    // Warnings only with severity WARNING; maxResults truncates.
    let warn = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass",
        "Parameters": {"x": "$.y", "z": "$.w"}, "End": true}}}"#;
    let none = c
        .validate_state_machine_definition()
        .definition(warn)
        .send()
        .await
        .unwrap();
    assert_eq!(none.result(), &ValidateStateMachineDefinitionResultCode::Ok);
    assert!(none.diagnostics().is_empty());
    let warnings = c
        .validate_state_machine_definition()
        .definition(warn)
        .severity(ValidateStateMachineDefinitionSeverity::Warning)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(warnings.diagnostics().len(), 1);
    assert_eq!(warnings.truncated(), Some(true));
    assert_eq!(warnings.diagnostics()[0].severity().as_str(), "WARNING");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_runs_are_described_and_listed() {
    // MAP-17
    let s = common::serve().await;
    let c = common::client(s.addr);
    let arn = c
        .start_execution()
        .state_machine_arn(machine("fan"))
        .input(r#"{"items": [1, 2, 3]}"#)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    eventually(|| async {
        let d = c
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        d.status() == &ExecutionStatus::Succeeded
    })
    .await;
    let runs = c.list_map_runs().execution_arn(&arn).send().await.unwrap();
    assert_eq!(runs.map_runs().len(), 1);
    let run = &runs.map_runs()[0];
    assert_eq!(run.execution_arn(), arn);
    assert_eq!(run.state_machine_arn(), format!("{}/Items", machine("fan")));
    let d = c
        .describe_map_run()
        .map_run_arn(run.map_run_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(d.status().as_str(), "SUCCEEDED");
    assert_eq!(d.item_counts().map(|i| i.total()), Some(3));
    assert_eq!(d.execution_counts().map(|i| i.succeeded()), Some(3));
    let children = c
        .list_executions()
        .map_run_arn(run.map_run_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(children.executions().len(), 3);
    assert!(
        children
            .executions()
            .iter()
            .all(|e| e.map_run_arn() == Some(run.map_run_arn()))
    );
    let child = children.executions()[0].execution_arn();
    let d = c
        .describe_execution()
        .execution_arn(child)
        .send()
        .await
        .unwrap();
    assert_eq!(d.map_run_arn(), Some(run.map_run_arn()));
    let sm = c
        .describe_state_machine_for_execution()
        .execution_arn(child)
        .send()
        .await
        .unwrap();
    assert_eq!(sm.label(), Some("Items"));
    assert_eq!(sm.map_run_arn(), Some(run.map_run_arn()));

    let e = c
        .describe_map_run()
        .map_run_arn("arn:aws:states:us-east-1:123456789012:execution:fan:x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidArn");
    let unknown = format!("{}x", run.map_run_arn());
    let e = c
        .describe_map_run()
        .map_run_arn(&unknown)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ResourceNotFound");
    let e = c
        .list_executions()
        .map_run_arn(&unknown)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ResourceNotFound");
    let e = c
        .list_map_runs()
        .execution_arn(arn.replace(":fan:", ":fan:x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ExecutionDoesNotExist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_admit_only_known_access_keys() {
    let s = common::serve_with(asl_server::Config::new().credential("AKIDSERVER", "s3cret")).await;
    let known = common::client_as(s.addr, "AKIDSERVER", "s3cret");
    known.list_state_machines().send().await.unwrap();
    let stranger = common::client_as(s.addr, "AKIDOTHER", "s3cret");
    let e = stranger.list_state_machines().send().await.unwrap_err();
    assert_eq!(code(&e).0, "UnrecognizedClientException");
}
