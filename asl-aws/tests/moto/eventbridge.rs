//! `events:putEvents` against moto (TASK-2, TASK-3): the event reaches an SQS queue a rule
//! targets, the answer is shaped as Step Functions shapes it, and rejected entries fail the
//! state with `EventBridge.FailedEntry` and the recorded cause (put_events_malformed_detail,
//! put_events_mixed_malformed_detail, put_events_no_source).

#![cfg(feature = "sqs")]

use std::time::Duration;

use aws_sdk_eventbridge::types::Target;
use serde_json::{Value, json};

use crate::common;
use crate::sqs::{assert_metadata, queue, queue_arn, receive};

/// A fresh event bus with a rule sending events of `source` to a fresh queue: (bus, queue URL).
async fn bus_to_queue(m: &common::Moto, source: &str) -> (String, String) {
    let events = aws_sdk_eventbridge::Client::new(&m.config);
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let bus = common::unique("asl-bus");
    events.create_event_bus().name(&bus).send().await.unwrap();
    let rule = common::unique("asl-rule");
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(json!({"source": [source]}).to_string())
        .send()
        .await
        .unwrap();
    let url = queue(&sqs, false).await;
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(
            Target::builder()
                .id("queue")
                .arn(queue_arn(&sqs, &url).await)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    (bus, url)
}

asl_runtime::asl!(mod put {
    "StartAt": "PutEvents",
    "States": {
        "PutEvents": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {
                "Entries": [{
                    "Source.$": "$.source",
                    "DetailType": "OrderPlaced",
                    "Detail.$": "$.detail",
                    "EventBusName.$": "$.bus",
                    "Resources": ["arn:aws:s3:::bucket"],
                    "Time": "2024-05-01T12:00:00Z"
                }]
            },
            "End": true
        }
    }
});

#[tokio::test]
async fn put_events_reaches_a_rule_target() {
    // TASK-2: a Detail given as JSON is sent as its JSON text; the answer is Entries with the
    // EventId and FailedEntryCount 0, with the metadata.
    let Some(m) = common::moto("put_events_reaches_a_rule_target", "us-east-1").await else {
        return;
    };
    let source = common::unique("asl.test");
    let (bus, url) = bus_to_queue(&m, &source).await;
    let detail = json!({"order": 7, "items": ["a"]});
    let out = put::Workflow::from_services(m.aws.clone())
        .run(json!({"source": source, "detail": detail, "bus": bus}))
        .await
        .unwrap();
    assert_eq!(out["FailedEntryCount"], 0, "{out}");
    let entries = out["Entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{out}");
    let event_id = entries[0]["EventId"].as_str().unwrap();
    assert_eq!(entries[0].as_object().unwrap().len(), 1, "{out}");
    assert_metadata(&out);

    let sqs = aws_sdk_sqs::Client::new(&m.config);
    let got = receive(&sqs, &url, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let event: Value = serde_json::from_str(got[0].body().unwrap()).unwrap();
    assert_eq!(event["id"], event_id);
    assert_eq!(event["source"], source.as_str());
    assert_eq!(event["detail-type"], "OrderPlaced");
    assert_eq!(event["detail"], detail);
    assert_eq!(event["resources"], json!(["arn:aws:s3:::bucket"]));
}

asl_runtime::asl!(mod entries {
    "StartAt": "PutEvents",
    "States": {
        "PutEvents": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {"Entries.$": "$.Entries"},
            "End": true
        }
    }
});

/// The execution's `EventBridge.FailedEntry` cause, parsed.
async fn failed_entries(m: &common::Moto, input: Value) -> Value {
    let err = entries::Workflow::from_services(m.aws.clone())
        .run(input)
        .await
        .unwrap_err();
    assert_eq!(err.error(), Some("EventBridge.FailedEntry"), "{err}");
    let cause = err.cause().unwrap();
    // Compact JSON text, members in AWS's order.
    let parsed: Value = serde_json::from_str(cause).unwrap();
    assert_eq!(parsed.to_string(), cause);
    parsed
}

#[tokio::test]
async fn a_malformed_detail_fails_the_state_with_failed_entry() {
    // put_events_malformed_detail: the cause is EventBridge's answer as JSON text.
    let Some(m) = common::moto(
        "a_malformed_detail_fails_the_state_with_failed_entry",
        "us-east-1",
    )
    .await
    else {
        return;
    };
    let cause = failed_entries(
        &m,
        json!({"Entries": [{"Detail": "{not json", "DetailType": "t", "Source": "some.source"}]}),
    )
    .await;
    assert_eq!(
        cause,
        json!({"Entries": [{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}],
               "FailedEntryCount": 1})
    );
}

#[tokio::test]
async fn mixed_entries_report_every_entry() {
    // put_events_mixed_malformed_detail and put_events_no_source: the accepted entries appear
    // with their EventId beside the rejected ones; an entry without Source goes to
    // EventBridge, which rejects it (InvalidArgument).
    let Some(m) = common::moto("mixed_entries_report_every_entry", "us-east-1").await else {
        return;
    };
    let cause = failed_entries(
        &m,
        json!({"Entries": [
            {"Detail": {"Message": "HelloWorld1"}, "DetailType": "t", "Source": "some.source"},
            {"Detail": {"Message": "HelloWorld"}, "DetailType": "t"},
            {"Detail": "{not json", "DetailType": "t", "Source": "some.source"}
        ]}),
    )
    .await;
    assert_eq!(cause["FailedEntryCount"], 2);
    let entries = cause["Entries"].as_array().unwrap();
    assert!(entries[0]["EventId"].is_string(), "{cause}");
    assert_eq!(
        entries[1],
        json!({"ErrorCode": "InvalidArgument",
               "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."})
    );
    assert_eq!(entries[2]["ErrorCode"], "MalformedDetail");
}

asl_runtime::asl!(mod caught {
    "StartAt": "PutEvents",
    "States": {
        "PutEvents": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {"Entries.$": "$.Entries"},
            "Catch": [{"ErrorEquals": ["EventBridge.FailedEntry"], "ResultPath": "$.failed",
                       "Next": "Failed"}],
            "End": true
        },
        "Failed": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn failed_entry_is_caught_by_name() {
    let Some(m) = common::moto("failed_entry_is_caught_by_name", "us-east-1").await else {
        return;
    };
    let out = caught::Workflow::from_services(m.aws.clone())
        .run(json!({"Entries": [{"Detail": "{", "DetailType": "t", "Source": "s"}]}))
        .await
        .unwrap();
    assert_eq!(out["failed"]["Error"], "EventBridge.FailedEntry", "{out}");
    let cause: Value = serde_json::from_str(out["failed"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["FailedEntryCount"], 1);
}

#[tokio::test]
async fn bad_parameters_are_errors() {
    // A member PutEvents lacks, and a Time that is not a date-time: States.Runtime, nothing
    // sent.
    let Some(m) = common::moto("bad_parameters_are_errors", "us-east-1").await else {
        return;
    };
    let source = common::unique("asl.test");
    let (bus, url) = bus_to_queue(&m, &source).await;
    let entry = json!({"Source": source, "DetailType": "t", "Detail": "{}", "EventBusName": bus});
    for bad in [
        json!({"Priority": 1}),
        json!({"Time": "yesterday"}),
        json!({"Time": 1714564800}),
    ] {
        let mut e = entry.clone();
        e.as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        let err = entries::Workflow::from_services(m.aws.clone())
            .run(json!({"Entries": [e]}))
            .await
            .unwrap_err();
        assert_eq!(err.error(), Some("States.Runtime"), "{bad}: {err}");
    }
    let sqs = aws_sdk_sqs::Client::new(&m.config);
    assert!(receive(&sqs, &url, Duration::ZERO).await.is_empty());
}
