//! The example server driven by the AWS SDK for Rust, as the README drives it with the AWS
//! CLI: list the state machines, start an approval, answer its task token, stop and redrive
//! another, list by status (EXEC-1, EXEC-3, EXEC-6, EXEC-10, TASK-4).

use std::time::Duration;

use aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};

async fn serve() -> (aws_sdk_sfn::Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let engine = api_server::engine(&dir.path().join("runs.db"), &endpoint)
        .await
        .unwrap();
    let worker = engine.clone();
    tokio::spawn(async move { worker.run().await });
    tokio::spawn(asl_server::serve_with(
        engine,
        asl_server::Config::new(),
        listener,
    ));
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(endpoint)
        .build();
    (aws_sdk_sfn::Client::from_conf(config), dir)
}

const APPROVAL: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:approval";

/// The token the approval's Task sent, read from its `nth` `TaskScheduled` event (a redriven
/// execution asks again, with a new token).
async fn token(client: &aws_sdk_sfn::Client, execution: &str, nth: usize) -> String {
    for _ in 0..200 {
        let history = client
            .get_execution_history()
            .execution_arn(execution)
            .send()
            .await
            .unwrap();
        let scheduled = history
            .events()
            .iter()
            .filter(|e| *e.r#type() == HistoryEventType::TaskScheduled)
            .nth(nth);
        if let Some(e) = scheduled {
            let parameters = e.task_scheduled_event_details().unwrap().parameters();
            let parameters: serde_json::Value = serde_json::from_str(parameters).unwrap();
            return parameters["MessageBody"]["token"]
                .as_str()
                .unwrap()
                .to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no TaskScheduled event in the history of {execution}");
}

async fn status(client: &aws_sdk_sfn::Client, execution: &str, want: ExecutionStatus) {
    let mut last = None;
    for _ in 0..200 {
        let d = client
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .unwrap();
        if *d.status() == want {
            return;
        }
        last = Some(d);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last = last.map(|d| {
        (
            d.status().clone(),
            d.error().map(str::to_string),
            d.cause().map(str::to_string),
        )
    });
    panic!("{execution} never reached {want:?}: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walkthrough_with_the_aws_sdk() {
    let (client, _dir) = serve().await;
    let machines = client.list_state_machines().send().await.unwrap();
    let listed: Vec<(String, String)> = machines
        .state_machines()
        .iter()
        .map(|m| (m.name().to_string(), m.r#type().as_str().to_string()))
        .collect();
    assert_eq!(
        listed,
        [
            ("approval".to_string(), "STANDARD".to_string()),
            ("order".to_string(), "STANDARD".to_string()),
            ("quote".to_string(), "EXPRESS".to_string()),
            ("shipment".to_string(), "STANDARD".to_string())
        ]
    );

    // An approval, answered through its task token.
    let started = client
        .start_execution()
        .state_machine_arn(APPROVAL)
        .name("expense-1")
        .input(r#"{"amount": 120}"#)
        .send()
        .await
        .unwrap();
    let first = started.execution_arn().to_string();
    let answer = token(&client, &first, 0).await;
    client
        .send_task_success()
        .task_token(&answer)
        .output(r#"{"approved": true}"#)
        .send()
        .await
        .unwrap();
    status(&client, &first, ExecutionStatus::Succeeded).await;
    let done = client
        .describe_execution()
        .execution_arn(&first)
        .send()
        .await
        .unwrap();
    let output: serde_json::Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output["status"], "paid");

    // Another, stopped, then redriven: it asks again.
    let second = client
        .start_execution()
        .state_machine_arn(APPROVAL)
        .name("expense-2")
        .input(r#"{"amount": 9000}"#)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    token(&client, &second, 0).await;
    client
        .stop_execution()
        .execution_arn(&second)
        .error("Manual")
        .cause("wrong amount")
        .send()
        .await
        .unwrap();
    status(&client, &second, ExecutionStatus::Aborted).await;
    client
        .redrive_execution()
        .execution_arn(&second)
        .send()
        .await
        .unwrap();
    let d = client
        .describe_execution()
        .execution_arn(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(d.redrive_count(), Some(1));
    let answer = token(&client, &second, 1).await;
    client
        .send_task_failure()
        .task_token(&answer)
        .error("Expense.Rejected")
        .cause("too much")
        .send()
        .await
        .unwrap();
    status(&client, &second, ExecutionStatus::Failed).await;

    let succeeded = client
        .list_executions()
        .state_machine_arn(APPROVAL)
        .status_filter(ExecutionStatus::Succeeded)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = succeeded.executions().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["expense-1"]);
}

const SHIPMENT: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:shipment";

/// The shipment to debug: couriers are busy in the north, so "Book courier" is retried twice
/// (RETRY-1), then its Catch takes it to "Tell customer" (CATCH-1) and the Fail state ends
/// the execution with the Fail state's error (FAIL-1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_north_shipment_fails_after_retries_and_a_catch() {
    let (client, _dir) = serve().await;
    let run = |name: &'static str, region: &'static str| {
        let client = client.clone();
        async move {
            client
                .start_execution()
                .state_machine_arn(SHIPMENT)
                .name(name)
                .input(format!(
                    r#"{{"region": "{region}", "parcels": [{{"id": 1, "weight": 2.5}}, {{"id": 2, "weight": 1}}]}}"#
                ))
                .send()
                .await
                .unwrap()
                .execution_arn()
                .to_string()
        }
    };
    let south = run("ship-south", "south").await;
    let north = run("ship-north", "north").await;
    status(&client, &south, ExecutionStatus::Succeeded).await;
    status(&client, &north, ExecutionStatus::Failed).await;
    let d = client
        .describe_execution()
        .execution_arn(&north)
        .send()
        .await
        .unwrap();
    assert_eq!(d.error(), Some("Shipment.NotBooked"));
    let history = client
        .get_execution_history()
        .execution_arn(&north)
        .send()
        .await
        .unwrap();
    let failures = history
        .events()
        .iter()
        .filter(|e| *e.r#type() == HistoryEventType::TaskFailed)
        .count();
    assert_eq!(failures, 3, "the first call and two retries");
    let entered: Vec<&str> = history
        .events()
        .iter()
        .filter_map(|e| e.state_entered_event_details().map(|d| d.name()))
        .collect();
    assert_eq!(
        entered,
        [
            "Label parcels",
            "Print label",
            "Print label",
            "Book courier",
            "Tell customer",
            "Not shipped"
        ]
    );
}
