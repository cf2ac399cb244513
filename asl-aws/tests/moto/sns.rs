//! `sns:publish` against moto (TASK-2, TASK-3): the message reaches an SQS queue subscribed to
//! the topic as Step Functions publishes it, the answer and the errors are shaped as recorded
//! on AWS (publish_base_HelloWorld, publish_base_error_topic_arn), and `.waitForTaskToken`
//! completes a durable execution (TASK-4).

#![cfg(feature = "sqs")]

use std::time::Duration;

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, RunOptions, StartOptions};
use serde_json::{Value, json};

use crate::common;
use crate::sqs::{assert_metadata, queue, queue_arn, receive};

/// A fresh topic (`.fifo` when `fifo`) and a queue subscribed to it: (topic ARN, queue URL).
async fn topic_with_queue(m: &common::Moto, fifo: bool) -> (String, String) {
    let sns = aws_sdk_sns::Client::new(&m.config);
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let mut create = sns.create_topic();
    if fifo {
        create = create
            .name(format!("{}.fifo", common::unique("asl-t")))
            .attributes("FifoTopic", "true");
    } else {
        create = create.name(common::unique("asl-t"));
    }
    let topic = create.send().await.unwrap().topic_arn().unwrap().to_owned();
    let url = queue(&sqs, fifo).await;
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(queue_arn(&sqs, &url).await)
        .send()
        .await
        .unwrap();
    (topic, url)
}

/// The SNS notifications the queue received (the JSON envelopes).
async fn notifications(m: &common::Moto, url: &str) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    receive(&sqs, url, Duration::from_secs(10))
        .await
        .iter()
        .map(|msg| serde_json::from_str(msg.body().unwrap()).unwrap())
        .collect()
}

asl_runtime::asl!(mod publish {
    "StartAt": "Publish",
    "States": {
        "Publish": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn.$": "$.TopicArn",
                "Message.$": "$.Message",
                "Subject": "greeting",
                "MessageAttributes": {
                    "my_attribute_no_1": {"DataType": "String", "StringValue.$": "$.Value"},
                    "Version": {"DataType": "Number", "StringValue": "2"}
                }
            },
            "End": true
        }
    }
});

#[tokio::test]
async fn publish_reaches_subscribers_as_json_text() {
    // TASK-2: a Message given as JSON is published as its JSON text, with the subject and the
    // attributes; the answer is MessageId with the metadata, as recorded.
    let Some(m) = common::moto("publish_reaches_subscribers_as_json_text", "us-east-1").await
    else {
        return;
    };
    let (topic, url) = topic_with_queue(&m, false).await;
    let message = json!({"Message": "HelloWorld!"});
    let out = publish::Workflow::from_services(m.aws.clone())
        .run(json!({"TopicArn": topic, "Message": message, "Value": "Hello"}))
        .await
        .unwrap();
    assert!(out["MessageId"].is_string(), "{out}");
    assert!(out.get("SequenceNumber").is_none(), "{out}");
    assert_metadata(&out);

    let got = notifications(&m, &url).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let n = &got[0];
    assert_eq!(n["MessageId"], out["MessageId"]);
    assert_eq!(n["TopicArn"], topic.as_str());
    assert_eq!(n["Message"], message.to_string());
    assert_eq!(n["Subject"], "greeting");
    assert_eq!(
        n["MessageAttributes"]["my_attribute_no_1"],
        json!({"Type": "String", "Value": "Hello"})
    );
    assert_eq!(
        n["MessageAttributes"]["Version"],
        json!({"Type": "Number", "Value": "2"})
    );
}

asl_runtime::asl!(mod plain {
    "StartAt": "Publish",
    "States": {
        "Publish": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn.$": "$.TopicArn", "Message.$": "$.Message"},
            "End": true
        }
    }
});

#[tokio::test]
async fn a_missing_topic_is_not_found() {
    // The recorded publish_base_error_topic_arn: SNS.NotFoundException, 404, NotFound.
    let Some(m) = common::moto("a_missing_topic_is_not_found", "us-east-1").await else {
        return;
    };
    let topic = format!(
        "arn:aws:sns:us-east-1:123456789012:{}",
        common::unique("gone")
    );
    let err = plain::Workflow::from_services(m.aws.clone())
        .run(json!({"TopicArn": topic, "Message": {"Message": "HelloWorld!"}}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("SNS.NotFoundException"));
    let cause = err.cause().unwrap();
    // AWS says "Topic does not exist", moto "Endpoint does not exist".
    assert!(
        cause.contains(
            " does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; \
             Request ID: "
        ),
        "{cause}"
    );
    assert!(cause.ends_with("; Proxy: null)"), "{cause}");
}

asl_runtime::asl!(mod grouped {
    "StartAt": "Publish",
    "States": {
        "Publish": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn.$": "$.TopicArn", "Message": "m", "MessageGroupId": "g"},
            "Retry": [{"ErrorEquals": ["SNS.InvalidParameterException"], "IntervalSeconds": 1,
                       "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["SNS.InvalidParameterException"], "ResultPath": "$.caught",
                       "Next": "Caught"}],
            "End": true
        },
        "Caught": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn invalid_parameter_is_retried_then_caught() {
    // A FIFO topic without content-based deduplication rejects a message without
    // MessageDeduplicationId: SNS.InvalidParameterException (InvalidParameter), which Retry
    // and then Catch match by name.
    let Some(m) = common::moto("invalid_parameter_is_retried_then_caught", "us-east-1").await
    else {
        return;
    };
    let (topic, _) = topic_with_queue(&m, true).await;
    let recorded = grouped::Workflow::from_services(m.aws.clone())
        .run_recorded(json!({"TopicArn": topic}), RunOptions::default())
        .await;
    let out = recorded.result.unwrap();
    assert_eq!(
        out["caught"]["Error"], "SNS.InvalidParameterException",
        "{out}"
    );
    let cause = out["caught"]["Cause"].as_str().unwrap();
    assert!(
        cause.contains("(Service: AmazonSNS; Status Code: 400; Error Code: InvalidParameter; "),
        "{cause}"
    );
    let failures = recorded
        .history
        .iter()
        .filter(|e| e.kind == "TaskFailed")
        .count();
    assert_eq!(failures, 2);
}

asl_runtime::asl!(mod fifo {
    "StartAt": "Publish",
    "States": {
        "Publish": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn.$": "$.TopicArn", "Message": "m", "MessageGroupId": "g",
                           "MessageDeduplicationId": "d-1"},
            "End": true
        }
    }
});

#[tokio::test]
async fn fifo_topics_take_group_and_deduplication_ids() {
    // (AWS also answers a SequenceNumber on FIFO topics, which moto does not.)
    let Some(m) = common::moto("fifo_topics_take_group_and_deduplication_ids", "us-east-1").await
    else {
        return;
    };
    let (topic, url) = topic_with_queue(&m, true).await;
    let out = fifo::Workflow::from_services(m.aws.clone())
        .run(json!({"TopicArn": topic}))
        .await
        .unwrap();
    assert!(out["MessageId"].is_string(), "{out}");
    assert_metadata(&out);
    assert_eq!(notifications(&m, &url).await.len(), 1);
}

asl_runtime::asl!(mod unknown_member {
    "StartAt": "Publish",
    "States": {
        "Publish": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn.$": "$.TopicArn", "Message": "m", "Body": "m"},
            "End": true
        }
    }
});

#[tokio::test]
async fn a_member_publish_lacks_is_an_error() {
    let Some(m) = common::moto("a_member_publish_lacks_is_an_error", "us-east-1").await else {
        return;
    };
    let (topic, url) = topic_with_queue(&m, false).await;
    let err = unknown_member::Workflow::from_services(m.aws.clone())
        .run(json!({"TopicArn": topic}))
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(err.cause().unwrap().contains("'Body'"), "{err}");
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    assert!(receive(&sqs, &url, Duration::ZERO).await.is_empty());
}

asl_runtime::asl!(mod callback {
    "StartAt": "Publish",
    "States": {
        "Publish": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
            "Parameters": {
                "TopicArn.$": "$.TopicArn",
                "Message": {"TaskToken.$": "$$.Task.Token", "arg1.$": "$.body.arg1"}
            },
            "TimeoutSeconds": 60,
            "End": true
        }
    }
});

#[tokio::test]
async fn publish_wait_for_task_token_completes_with_the_token() {
    // TASK-4, as the recorded sns_publish_wait_for_task_token: the subscriber reads the token
    // from the message and completes the durable execution with send_task_success.
    let Some(m) = common::moto(
        "publish_wait_for_task_token_completes_with_the_token",
        "us-east-1",
    )
    .await
    else {
        return;
    };
    let (topic, url) = topic_with_queue(&m, false).await;
    let dir = std::env::temp_dir().join(common::unique("asl-aws-sns"));
    std::fs::create_dir_all(&dir).unwrap();
    let engine = Engine::builder()
        .store(SqliteStore::open(dir.join("runs.db")).await.unwrap())
        .workflow("callback", callback::Workflow::from_services(m.aws.clone()))
        .poll_interval(Duration::from_millis(50))
        .build()
        .await
        .unwrap();
    let id = engine
        .start(
            "callback",
            json!({"TopicArn": topic, "body": {"arg1": "Hello"}}),
            StartOptions::default(),
        )
        .await
        .unwrap();
    let got = notifications(&m, &url).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let message: Value = serde_json::from_str(got[0]["Message"].as_str().unwrap()).unwrap();
    assert_eq!(message["arg1"], "Hello");
    let token = message["TaskToken"].as_str().unwrap();
    engine.send_task_success(token, json!({})).await.unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), engine.wait(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out, json!({}));
    let _ = std::fs::remove_dir_all(dir);
}
