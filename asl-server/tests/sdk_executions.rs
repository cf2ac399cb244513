//! Executions driven by the AWS SDK for Rust (`aws-sdk-sfn`) as it drives AWS: start,
//! describe, stop, callbacks, history, redrive, lists, Express (EXEC-2, EXEC-3, EXEC-4,
//! EXEC-6, EXEC-10, EXEC-13, TASK-4), with the errors AWS defines for each. Each test serves
//! its own engine on SQLite on an ephemeral port.

mod common;

use std::sync::atomic::Ordering;

use aws_sdk_sfn::types::{ExecutionRedriveFilter, ExecutionStatus, IncludedData};
use common::{code, eventually, machine};
use serde_json::{Value, json};

fn parse(s: Option<&str>) -> Value {
    serde_json::from_str(s.expect("a JSON member")).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_describe_stop_with_idempotency_and_errors() {
    // EXEC-3, EXEC-4, EXEC-6
    let s = common::serve().await;
    let c = common::client(s.addr);
    let started = c
        .start_execution()
        .state_machine_arn(machine("waiter"))
        .name("w-1")
        .input(r#"{"a": 1}"#)
        .trace_header("Root=1-5759e988-bd862e3fe1be46a994272793")
        .send()
        .await
        .unwrap();
    let arn = started.execution_arn().to_string();
    assert_eq!(
        arn,
        "arn:aws:states:us-east-1:123456789012:execution:waiter:w-1"
    );
    // The same name and input while it runs: the same execution, the same start date.
    let again = c
        .start_execution()
        .state_machine_arn(machine("waiter"))
        .name("w-1")
        .input(r#"{"a":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(again.execution_arn(), arn);
    assert_eq!(again.start_date(), started.start_date());
    let e = c
        .start_execution()
        .state_machine_arn(machine("waiter"))
        .name("w-1")
        .input(r#"{"a": 2}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            "ExecutionAlreadyExists".into(),
            format!("Execution Already Exists: '{arn}'")
        )
    );
    let e = c
        .start_execution()
        .state_machine_arn(machine("waiter"))
        .name("no spaces")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        ("InvalidName".into(), "Invalid Name: 'no spaces'".into())
    );
    let e = c
        .start_execution()
        .state_machine_arn(machine("waiter"))
        .input("not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidExecutionInput");
    assert!(
        code(&e)
            .1
            .starts_with("Invalid State Machine Execution Input: '")
    );
    let big = format!("\"{}\"", "é".repeat(140_000));
    let e = c
        .start_execution()
        .state_machine_arn(machine("waiter"))
        .input(big)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidExecutionInput", "{:?}", code(&e));
    let e = c
        .start_execution()
        .state_machine_arn(machine("nothing"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            "StateMachineDoesNotExist".into(),
            format!("State Machine Does Not Exist: '{}'", machine("nothing"))
        )
    );
    let e = c
        .start_execution()
        .state_machine_arn("waiter")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            "InvalidArn".into(),
            "Invalid Arn: 'Invalid ARN prefix: waiter'".into()
        )
    );
    let e = c
        .start_execution()
        .state_machine_arn(format!("{}/Items", machine("fan")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ValidationException");

    let d = c
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), &ExecutionStatus::Running);
    assert_eq!(d.name(), Some("w-1"));
    assert_eq!(d.state_machine_arn(), machine("waiter"));
    assert_eq!(parse(d.input()), json!({"a": 1}));
    assert_eq!(d.input_details().map(|i| i.included()), Some(true));
    assert_eq!(d.redrive_count(), Some(0));
    assert_eq!(
        d.redrive_status().map(|s| s.as_str()),
        Some("NOT_REDRIVABLE")
    );
    assert!(d.stop_date().is_none() && d.output().is_none());
    let meta = c
        .describe_execution()
        .execution_arn(&arn)
        .included_data(IncludedData::MetadataOnly)
        .send()
        .await
        .unwrap();
    assert!(meta.input().is_none());
    assert_eq!(meta.input_details().map(|i| i.included()), Some(false));

    let sm = c
        .describe_state_machine_for_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(sm.definition(), common::waiter::DEFINITION);
    assert_eq!(sm.name(), "waiter");
    assert_eq!(sm.state_machine_arn(), machine("waiter"));

    let stopped = c
        .stop_execution()
        .execution_arn(&arn)
        .error("Halt")
        .cause("by the test")
        .send()
        .await
        .unwrap();
    let d = c
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), &ExecutionStatus::Aborted);
    assert_eq!((d.error(), d.cause()), (Some("Halt"), Some("by the test")));
    assert_eq!(d.stop_date(), Some(stopped.stop_date()));
    assert_eq!(d.redrive_status().map(|s| s.as_str()), Some("REDRIVABLE"));

    let missing = arn.replace("w-1", "w-2");
    let e = c
        .describe_execution()
        .execution_arn(&missing)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            "ExecutionDoesNotExist".into(),
            format!("Execution Does Not Exist: '{missing}'")
        )
    );
    for e in [
        code(
            &c.describe_execution()
                .execution_arn("bad")
                .send()
                .await
                .unwrap_err(),
        ),
        code(
            &c.stop_execution()
                .execution_arn("bad")
                .send()
                .await
                .unwrap_err(),
        ),
        code(
            &c.describe_state_machine_for_execution()
                .execution_arn("bad")
                .send()
                .await
                .unwrap_err(),
        ),
    ] {
        assert_eq!(e.0, "InvalidArn");
    }
    let e = c
        .stop_execution()
        .execution_arn(&missing)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ExecutionDoesNotExist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_succeed_fail_and_report_aws_errors() {
    // TASK-4
    let s = common::serve().await;
    let c = common::client(s.addr);
    let arn = c
        .start_execution()
        .state_machine_arn(machine("callback"))
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    let token = s.tokens.lock().await.recv().await.unwrap();
    c.send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap();
    let e = c
        .send_task_success()
        .task_token(&token)
        .output("{oops")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidOutput");
    c.send_task_success()
        .task_token(&token)
        .output(r#"{"ok": true}"#)
        .send()
        .await
        .unwrap();
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
    let d = c
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(parse(d.output()), json!({"ok": true}));
    assert_eq!(d.output_details().map(|o| o.included()), Some(true));
    let e = c
        .send_task_success()
        .task_token(&token)
        .output("1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            "TaskTimedOut".into(),
            "Task Timed Out: 'Provided task does not exist anymore'".into()
        )
    );
    let e = c
        .send_task_heartbeat()
        .task_token("NoSuchToken")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            "InvalidToken".into(),
            "Invalid Token: 'Invalid token'".into()
        )
    );
    let e = c
        .send_task_failure()
        .task_token("0".repeat(64))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidToken");

    let arn = c
        .start_execution()
        .state_machine_arn(machine("callback"))
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    let token = s.tokens.lock().await.recv().await.unwrap();
    c.send_task_failure()
        .task_token(&token)
        .error("Rejected")
        .cause("no")
        .send()
        .await
        .unwrap();
    eventually(|| async {
        let d = c
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        d.status() == &ExecutionStatus::Failed
    })
    .await;
    let d = c
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!((d.error(), d.cause()), (Some("Rejected"), Some("no")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_in_both_orders_with_or_without_data() {
    let s = common::serve().await;
    let c = common::client(s.addr);
    let arn = c
        .start_execution()
        .state_machine_arn(machine("callback"))
        .input(r#"{"secret": 42}"#)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    let token = s.tokens.lock().await.recv().await.unwrap();
    c.send_task_success()
        .task_token(&token)
        .output(r#"{"answer": 1}"#)
        .send()
        .await
        .unwrap();
    let id: asl_runtime::ExecutionId = arn.parse().unwrap();
    eventually(|| async {
        s.engine.describe(&id).await.unwrap().status == asl_runtime::Status::Succeeded
    })
    .await;
    let expected: Vec<Value> = s
        .engine
        .history(&id)
        .await
        .unwrap()
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "previousEventId": e.previous_event_id,
                "timestamp": e.timestamp.timestamp_millis(),
                "type": e.kind,
            })
        })
        .collect();
    assert!(expected.len() >= 6, "{expected:?}");

    // Pages of 3, through the SDK's own paginator and by hand.
    let mut got = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = c
            .get_execution_history()
            .execution_arn(&arn)
            .max_results(3)
            .set_next_token(next.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.events().len() <= 3);
        got.extend(page.events().iter().map(event_json));
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(pages, expected.len().div_ceil(3));
    assert_eq!(within_a_millisecond(got, &expected), expected);

    let reversed = c
        .get_execution_history()
        .execution_arn(&arn)
        .reverse_order(true)
        .send()
        .await
        .unwrap();
    let mut back: Vec<Value> = reversed.events().iter().map(event_json).collect();
    back.reverse();
    assert_eq!(within_a_millisecond(back, &expected), expected);

    // A token belongs to its listing: not to the reversed one.
    let first = c
        .get_execution_history()
        .execution_arn(&arn)
        .max_results(2)
        .send()
        .await
        .unwrap();
    let e = c
        .get_execution_history()
        .execution_arn(&arn)
        .reverse_order(true)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidToken");

    let bare = c
        .get_execution_history()
        .execution_arn(&arn)
        .include_execution_data(false)
        .send()
        .await
        .unwrap();
    let started = bare.events()[0].execution_started_event_details().unwrap();
    assert!(started.input().is_none());
    assert!(started.role_arn().is_some());
    assert!(
        bare.events()
            .iter()
            .filter_map(|e| e.state_exited_event_details())
            .all(|d| d.output().is_none())
    );
    let with = c
        .get_execution_history()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let input = with.events()[0]
        .execution_started_event_details()
        .and_then(|d| d.input());
    assert_eq!(parse(input), json!({"secret": 42}));

    let e = c
        .get_execution_history()
        .execution_arn(arn.replace("execution:callback:", "execution:callback:x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ExecutionDoesNotExist");
    let e = c
        .get_execution_history()
        .execution_arn("arn:nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidArn");
}

/// `got` with each timestamp that is within a millisecond of `expected`'s replaced by it:
/// dates travel as epoch seconds in a float, which the SDK may read one millisecond less.
fn within_a_millisecond(mut got: Vec<Value>, expected: &[Value]) -> Vec<Value> {
    for (g, e) in got.iter_mut().zip(expected) {
        if let (Some(a), Some(b)) = (g["timestamp"].as_i64(), e["timestamp"].as_i64())
            && (a - b).abs() <= 1
        {
            g["timestamp"] = e["timestamp"].clone();
        }
    }
    got
}

/// An SDK history event's id, link, date (in milliseconds) and type.
fn event_json(e: &aws_sdk_sfn::types::HistoryEvent) -> Value {
    json!({
        "id": e.id(),
        "previousEventId": e.previous_event_id(),
        "timestamp": e.timestamp().to_millis().unwrap(),
        "type": e.r#type().as_str(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_and_list_with_filters_and_paging() {
    // EXEC-10, EXEC-13
    let s = common::serve().await;
    let c = common::client(s.addr);
    let arn = c
        .start_execution()
        .state_machine_arn(machine("flaky"))
        .name("f-1")
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
        d.status() == &ExecutionStatus::Failed
    })
    .await;
    let d = c
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.error(), Some("Flaky"));
    assert_eq!(d.redrive_status().map(|s| s.as_str()), Some("REDRIVABLE"));
    let list = |status: Option<ExecutionStatus>, redrive: Option<ExecutionRedriveFilter>| {
        let c = c.clone();
        async move {
            c.list_executions()
                .state_machine_arn(machine("flaky"))
                .set_status_filter(status)
                .set_redrive_filter(redrive)
                .send()
                .await
                .unwrap()
                .executions()
                .iter()
                .map(|e| e.name().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(Some(ExecutionStatus::Failed), None).await, vec!["f-1"]);
    assert!(list(Some(ExecutionStatus::Running), None).await.is_empty());
    assert!(
        list(Some(ExecutionStatus::PendingRedrive), None)
            .await
            .is_empty()
    );
    assert_eq!(
        list(None, Some(ExecutionRedriveFilter::NotRedriven)).await,
        vec!["f-1"]
    );
    assert!(
        list(None, Some(ExecutionRedriveFilter::Redriven))
            .await
            .is_empty()
    );

    s.flaky.store(false, Ordering::SeqCst);
    let redriven = c
        .redrive_execution()
        .execution_arn(&arn)
        .client_token("retry-1")
        .send()
        .await
        .unwrap();
    // The same client token again: the same answer, not a second redrive.
    let repeated = c
        .redrive_execution()
        .execution_arn(&arn)
        .client_token("retry-1")
        .send()
        .await
        .unwrap();
    assert_eq!(repeated.redrive_date(), redriven.redrive_date());
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
    let d = c
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.redrive_count(), Some(1));
    assert_eq!(d.redrive_date(), Some(redriven.redrive_date()));
    assert_eq!(
        d.redrive_status_reason(),
        Some("Execution is SUCCEEDED and cannot be redriven")
    );
    assert_eq!(
        list(None, Some(ExecutionRedriveFilter::Redriven)).await,
        vec!["f-1"]
    );
    let e = c
        .redrive_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ExecutionNotRedrivable");
    let e = c
        .redrive_execution()
        .execution_arn(arn.replace("f-1", "f-9"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "ExecutionDoesNotExist");

    // Paging: 3 executions by 2.
    for n in 0..3 {
        c.start_execution()
            .state_machine_arn(machine("failing"))
            .name(format!("x-{n}"))
            .send()
            .await
            .unwrap();
    }
    let first = c
        .list_executions()
        .state_machine_arn(machine("failing"))
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.executions().len(), 2);
    let token = first.next_token().unwrap().to_string();
    let second = c
        .list_executions()
        .state_machine_arn(machine("failing"))
        .max_results(2)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.executions().len(), 1);
    assert!(second.next_token().is_none());
    let mut names: Vec<String> = first
        .executions()
        .iter()
        .chain(second.executions())
        .map(|e| e.name().to_string())
        .collect();
    names.sort();
    assert_eq!(names, vec!["x-0", "x-1", "x-2"]);
    // A token of one listing is not valid for another.
    let e = c
        .list_executions()
        .state_machine_arn(machine("flaky"))
        .next_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidToken");
    let e = c.list_executions().send().await.unwrap_err();
    assert_eq!(code(&e).0, "ValidationException");
    let e = c
        .list_executions()
        .state_machine_arn(machine("quick"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "StateMachineTypeNotSupported");
    let e = c
        .list_executions()
        .state_machine_arn(machine("nothing"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "StateMachineDoesNotExist");
    let e = c
        .list_executions()
        .state_machine_arn(machine("flaky"))
        .max_results(5000)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            "ValidationException".into(),
            "1 validation error detected: Value '5000' at 'maxResults' failed to satisfy \
             constraint: Member must have value less than or equal to 1000"
                .into()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn express_workflows_run_synchronously_on_the_sync_host() {
    // EXEC-2
    let s = common::serve().await;
    let c = common::client(s.addr);
    let ok = c
        .start_sync_execution()
        .state_machine_arn(machine("quick"))
        .name("q-1")
        .input("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.status(),
        &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded
    );
    assert_eq!(parse(ok.output()), json!({"ok": true}));
    assert!(ok.execution_arn().contains(":express:quick:q-1:"));
    assert_eq!(ok.name(), Some("q-1"));
    let billing = ok.billing_details().unwrap();
    assert_eq!(billing.billed_memory_used_in_mb(), 64);
    assert!(billing.billed_duration_in_milliseconds() >= 100);
    let failed = c
        .start_sync_execution()
        .state_machine_arn(machine("quick"))
        .input(r#"{"fail": true}"#)
        .included_data(IncludedData::MetadataOnly)
        .send()
        .await
        .unwrap();
    assert_eq!(
        failed.status(),
        &aws_sdk_sfn::types::SyncExecutionStatus::Failed
    );
    assert_eq!(
        (failed.error(), failed.cause()),
        (Some("Nope"), Some("asked to fail"))
    );
    assert!(failed.input().is_none());
    let e = c
        .start_sync_execution()
        .state_machine_arn(machine("waiter"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "StateMachineTypeNotSupported");
    let e = c
        .start_sync_execution()
        .state_machine_arn(machine("quick"))
        .name("a/b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, "InvalidName");

    // StartExecution on an Express workflow runs an Express execution.
    let started = c
        .start_execution()
        .state_machine_arn(machine("quick"))
        .send()
        .await
        .unwrap();
    assert!(started.execution_arn().contains(":express:quick:"));
}
