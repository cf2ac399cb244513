//! `sqs:sendMessage` against moto (TASK-2, TASK-3): the message reaches the queue as Step
//! Functions sends it, the answer and the errors are shaped as recorded on AWS, FIFO queues
//! get a deduplication id per attempt, and `.waitForTaskToken` runs the callback pattern end
//! to end in a durable execution (TASK-4).

use std::time::Duration;

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, RunOptions, StartOptions, Status};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use serde_json::{Value, json};

use crate::common;

/// A fresh queue (`.fifo` when `fifo`): its URL.
pub(crate) async fn queue(client: &aws_sdk_sqs::Client, fifo: bool) -> String {
    let mut create = client.create_queue();
    if fifo {
        create = create
            .queue_name(format!("{}.fifo", common::unique("asl-q")))
            .attributes(QueueAttributeName::FifoQueue, "true");
    } else {
        create = create.queue_name(common::unique("asl-q"));
    }
    create.send().await.unwrap().queue_url().unwrap().to_owned()
}

/// The queue's ARN.
// Used by the SNS and EventBridge tests, which may be compiled out.
#[cfg_attr(not(any(feature = "sns", feature = "eventbridge")), allow(dead_code))]
pub(crate) async fn queue_arn(client: &aws_sdk_sqs::Client, url: &str) -> String {
    client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone()
}

/// The messages the queue holds (waits up to `wait` for the first).
pub(crate) async fn receive(
    client: &aws_sdk_sqs::Client,
    url: &str,
    wait: Duration,
) -> Vec<aws_sdk_sqs::types::Message> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let got = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if !got.is_empty() || tokio::time::Instant::now() >= deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asserts the optimized integration's response metadata is there.
pub(crate) fn assert_metadata(out: &Value) {
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200, "{out}");
    assert!(out["SdkHttpMetadata"]["HttpHeaders"].is_object(), "{out}");
    assert!(out["SdkResponseMetadata"]["RequestId"].is_string(), "{out}");
}

asl_runtime::asl!(mod send {
    "StartAt": "Send",
    "States": {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl.$": "$.queue",
                "MessageBody.$": "$.body",
                "MessageAttributes": {
                    "color": {"DataType": "String", "StringValue.$": "$.color"},
                    "size": {"DataType": "Number", "StringValue": "42"},
                    "blob": {"DataType": "Binary", "BinaryValue": "AAEC"}
                }
            },
            "End": true
        }
    }
});

#[tokio::test]
async fn send_message_reaches_the_queue_as_json_text() {
    // TASK-2: MessageBody given as JSON is sent as its JSON text; attributes are passed; the
    // answer is SendMessage's, with the metadata, as recorded (send_message_attributes).
    let Some(m) = common::moto("send_message_reaches_the_queue_as_json_text", "us-east-1").await
    else {
        return;
    };
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let url = queue(&sqs, false).await;
    let body = json!({"order": 7, "items": ["a", "b"]});
    let out = send::Workflow::from_services(m.aws.clone())
        .run(json!({"queue": url, "body": body, "color": "blue"}))
        .await
        .unwrap();
    assert!(out["MessageId"].is_string(), "{out}");
    assert!(out["MD5OfMessageBody"].is_string(), "{out}");
    assert!(out["MD5OfMessageAttributes"].is_string(), "{out}");
    assert!(out.get("SequenceNumber").is_none(), "{out}");
    assert_metadata(&out);

    let got = receive(&sqs, &url, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    let msg = &got[0];
    assert_eq!(msg.message_id(), out["MessageId"].as_str());
    assert_eq!(msg.body(), Some(body.to_string().as_str()));
    assert_eq!(msg.md5_of_body(), out["MD5OfMessageBody"].as_str());
    let attrs = msg.message_attributes().unwrap();
    assert_eq!(attrs["color"].string_value(), Some("blue"));
    assert_eq!(attrs["size"].data_type(), "Number");
    assert_eq!(attrs["size"].string_value(), Some("42"));
    assert_eq!(attrs["blob"].binary_value().unwrap().as_ref(), &[0, 1, 2]);
}

asl_runtime::asl!(mod plain {
    "StartAt": "Send",
    "States": {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl.$": "$.queue", "MessageBody.$": "$.body", "MessageGroupId": "g"},
            "End": true
        }
    }
});

#[tokio::test]
async fn fifo_queues_deduplicate_a_repeated_attempt() {
    // A FIFO queue without content-based deduplication: the message gets a deduplication id
    // from the attempt's idempotency key, so the same attempt again (an execution of the same
    // name, as a resumed one) is dropped and another execution's message is not.
    let Some(m) = common::moto("fifo_queues_deduplicate_a_repeated_attempt", "us-east-1").await
    else {
        return;
    };
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let url = queue(&sqs, true).await;
    let wf = plain::Workflow::from_services(m.aws.clone());
    let input = json!({"queue": url, "body": "hello"});
    let name = common::unique("exec");
    let options = || RunOptions {
        name: Some(name.clone()),
        ..RunOptions::default()
    };
    let first = wf.run_with(input.clone(), options()).await.unwrap();
    assert!(first["SequenceNumber"].is_string(), "{first}");
    assert_metadata(&first);
    wf.run_with(input.clone(), options()).await.unwrap();
    wf.run(input).await.unwrap();

    let got = receive(&sqs, &url, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 2, "{got:?}");
    let dedup: Vec<String> = got
        .iter()
        .map(|msg| {
            msg.attributes().unwrap()[&MessageSystemAttributeName::MessageDeduplicationId].clone()
        })
        .collect();
    for id in &dedup {
        assert_eq!(id.len(), 64);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
    assert_ne!(dedup[0], dedup[1]);
    assert_eq!(got[0].message_id(), first["MessageId"].as_str());
}

#[tokio::test]
async fn a_missing_queue_is_queue_does_not_exist() {
    // ERR: an error SendMessage models, named after its exception (not SQS's query code).
    let Some(m) = common::moto("a_missing_queue_is_queue_does_not_exist", "us-east-1").await else {
        return;
    };
    let url = format!("{}/123456789012/{}", m.url, common::unique("gone"));
    let err = plain::Workflow::from_services(m.aws.clone())
        .run(json!({"queue": url, "body": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Status::Failed);
    assert_eq!(err.error(), Some("SQS.QueueDoesNotExistException"));
    let cause = err.cause().unwrap();
    assert!(
        cause.starts_with(
            "The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; \
             Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: "
        ),
        "{cause}"
    );
    assert!(cause.ends_with("; Proxy: null)"), "{cause}");
}

asl_runtime::asl!(mod empty_body {
    "StartAt": "Start",
    "States": {
        "Start": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl.$": "$.QueueUrl", "MessageBody.$": "$.MessageBody"},
            "Catch": [
                {"ErrorEquals": ["SQS.SdkClientException"], "Next": "EndWithClientHandler"},
                {"ErrorEquals": ["SQS.AmazonSQSException"], "Next": "EndWithSQSException"}
            ],
            "Next": "EndWithFinal"
        },
        "EndWithClientHandler": {"Type": "Pass", "ResultPath": "$.client_error", "End": true},
        "EndWithSQSException": {"Type": "Pass", "ResultPath": "$.aws_error", "End": true},
        "EndWithFinal": {"Type": "Pass", "ResultPath": "$.final", "End": true}
    }
});

/// An SQS endpoint answering one request as SQS answers a SendMessage without `MessageBody`
/// (moto cannot: it fails with a 500): its URL, and the request body it got.
fn missing_parameter_sqs() -> (String, std::sync::mpsc::Receiver<Value>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        tx.send(serde_json::from_slice(&body).unwrap()).unwrap();
        let answer = r#"{"__type":"com.amazonaws.sqs#MissingParameter","message":"The request must contain the parameter MessageBody."}"#;
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: 3b0c8a1e-req\r\n\
             x-amzn-query-error: MissingParameter;Sender\r\n\
             Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{answer}",
            answer.len()
        )
        .unwrap();
    });
    (url, rx)
}

#[tokio::test]
async fn a_null_message_body_is_caught_as_amazon_sqs_exception() {
    // The recorded send_message_empty_body: a null MessageBody is left out of the request, SQS
    // answers MissingParameter, which SendMessage does not model, so Catch sees
    // SQS.AmazonSQSException with the recorded cause. Against a stand-in for SQS that answers
    // as AWS does (moto fails on a missing body with a 500).
    let (url, requests) = missing_parameter_sqs();
    let aws = asl_aws::Aws::from_conf(common::sdk_config(&url, "us-east-1").await);
    let queue = format!("{url}/123456789012/q");
    let out = empty_body::Workflow::from_services(aws)
        .run(json!({"QueueUrl": queue, "MessageBody": null}))
        .await
        .unwrap();
    assert_eq!(requests.recv().unwrap(), json!({"QueueUrl": queue}));
    let error = json!({
        "Error": "SQS.AmazonSQSException",
        "Cause": "The request must contain the parameter MessageBody. (Service: AmazonSQS; \
                  Status Code: 400; Error Code: MissingParameter; Request ID: 3b0c8a1e-req; \
                  Proxy: null)"
    });
    assert_eq!(out["aws_error"], error, "{out}");
}

asl_runtime::asl!(mod retried {
    "StartAt": "Send",
    "States": {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": "x"},
            "Retry": [{"ErrorEquals": ["SQS.QueueDoesNotExistException"], "IntervalSeconds": 1,
                       "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Gone"}],
            "End": true
        },
        "Gone": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn retry_then_catch_see_the_error_name() {
    // ERR/RETRY: Retry matches the error by name, then Catch takes it.
    let Some(m) = common::moto("retry_then_catch_see_the_error_name", "us-east-1").await else {
        return;
    };
    let url = format!("{}/123456789012/{}", m.url, common::unique("gone"));
    let recorded = retried::Workflow::from_services(m.aws.clone())
        .run_recorded(json!({"queue": url}), RunOptions::default())
        .await;
    let out = recorded.result.unwrap();
    assert_eq!(out["caught"]["Error"], "SQS.QueueDoesNotExistException");
    let failures = recorded
        .history
        .iter()
        .filter(|e| e.kind == "TaskFailed")
        .count();
    assert_eq!(failures, 2);
}

asl_runtime::asl!(mod unknown_member {
    "StartAt": "Send",
    "States": {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": "x", "Priority": 1},
            "End": true
        }
    }
});

#[tokio::test]
async fn a_member_send_message_lacks_is_an_error() {
    let Some(m) = common::moto("a_member_send_message_lacks_is_an_error", "us-east-1").await else {
        return;
    };
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let url = queue(&sqs, false).await;
    let err = unknown_member::Workflow::from_services(m.aws.clone())
        .run(json!({"queue": url}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(err.cause().unwrap().contains("'Priority'"), "{err}");
    assert!(receive(&sqs, &url, Duration::ZERO).await.is_empty());
}

asl_runtime::asl!(mod callback {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl.$": "$.queue",
                "MessageBody": {"Order.$": "$.order", "TaskToken.$": "$$.Task.Token"}
            },
            "TimeoutSeconds": 60,
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejected", "Next": "Refused"}],
            "End": true
        },
        "Refused": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn wait_for_task_token_needs_a_durable_execution() {
    // Outside an Engine nobody could complete the token: refused before sending.
    let Some(m) = common::moto("wait_for_task_token_needs_a_durable_execution", "us-east-1").await
    else {
        return;
    };
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let url = queue(&sqs, false).await;
    let err = callback::Workflow::from_services(m.aws.clone())
        .run(json!({"queue": url, "order": 1}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(receive(&sqs, &url, Duration::ZERO).await.is_empty());
}

/// An engine running `callback` on a fresh SQLite file, and the file's folder (to remove).
async fn engine(m: &common::Moto) -> (Engine, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(common::unique("asl-aws-callback"));
    std::fs::create_dir_all(&dir).unwrap();
    let engine = Engine::builder()
        .store(SqliteStore::open(dir.join("runs.db")).await.unwrap())
        .workflow("callback", callback::Workflow::from_services(m.aws.clone()))
        .poll_interval(Duration::from_millis(50))
        .build()
        .await
        .unwrap();
    (engine, dir)
}

/// What a worker reads from the queue: the message body, which carries the task token.
async fn next_request(sqs: &aws_sdk_sqs::Client, url: &str) -> Value {
    let got = receive(sqs, url, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "{got:?}");
    serde_json::from_str(got[0].body().unwrap()).unwrap()
}

#[tokio::test]
async fn callback_succeeds_with_what_the_worker_sends() {
    // TASK-4: the execution sends the token through SQS, waits, and ends with the output a
    // worker hands to send_task_success; TaskSubmitted holds SQS's answer.
    let Some(m) = common::moto("callback_succeeds_with_what_the_worker_sends", "us-east-1").await
    else {
        return;
    };
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let url = queue(&sqs, false).await;
    let (engine, dir) = engine(&m).await;
    let id = engine
        .start(
            "callback",
            json!({"queue": url, "order": {"id": 7}}),
            StartOptions::default(),
        )
        .await
        .unwrap();

    let request = next_request(&sqs, &url).await;
    assert_eq!(request["Order"], json!({"id": 7}));
    let token = request["TaskToken"].as_str().unwrap();
    assert!(!token.is_empty());
    engine
        .send_task_success(token, json!({"approved": true, "by": "worker"}))
        .await
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), engine.wait(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out, json!({"approved": true, "by": "worker"}));

    let history = engine.history(&id).await.unwrap();
    let submitted = history
        .iter()
        .find(|e| e.kind == "TaskSubmitted")
        .expect("TaskSubmitted");
    let answer: Value = serde_json::from_str(
        submitted.details.as_ref().unwrap()["output"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert!(answer["MessageId"].is_string(), "{answer}");
    assert_metadata(&answer);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn callback_failure_reaches_the_catch() {
    // TASK-4: send_task_failure fails the state with the worker's error; Catch takes it.
    let Some(m) = common::moto("callback_failure_reaches_the_catch", "us-east-1").await else {
        return;
    };
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let url = queue(&sqs, false).await;
    let (engine, dir) = engine(&m).await;
    let id = engine
        .start(
            "callback",
            json!({"queue": url, "order": 8}),
            StartOptions::default(),
        )
        .await
        .unwrap();
    let request = next_request(&sqs, &url).await;
    let token = request["TaskToken"].as_str().unwrap();
    engine
        .send_task_failure(token, Some("Rejected"), Some("out of stock"))
        .await
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), engine.wait(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        out,
        json!({"queue": url, "order": 8,
               "rejected": {"Error": "Rejected", "Cause": "out of stock"}})
    );
    let _ = std::fs::remove_dir_all(dir);
}
