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
