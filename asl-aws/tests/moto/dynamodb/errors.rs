//! Failing calls: the error names and causes of each flavor, seen by Catch and Retry, and the
//! parameters rejected with `States.Runtime` before anything is sent.

use asl_runtime::Value;
use serde_json::json;

use super::{check_cause, keys, seed, table};
use crate::common::{self, Moto};

asl_runtime::asl!(mod conditional {
    "StartAt": "Optimized",
    "States": {
        "Optimized": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S": "taken"}},
                "ConditionExpression": "attribute_not_exists(id)"},
            "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                "ResultPath": "$.optimized", "Next": "Sdk"}],
            "Next": "Sdk"},
        "Sdk": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S": "taken"}},
                "ConditionExpression": "attribute_not_exists(id)"},
            "Catch": [{"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
                "ResultPath": "$.sdk", "Next": "Legacy"}],
            "Next": "Legacy"},
        "Legacy": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S": "taken"}},
                "Expected": {"id": {"Exists": false}}},
            "Catch": [{"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
                "ResultPath": "$.legacy", "Next": "Done"}],
            "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn a_failed_condition_is_caught_by_its_name_in_either_flavor() {
    // TASK-7: the optimized integration names errors after the SDK for Java v1, the AWS SDK
    // integration after v2, each with its cause format; `Expected` (legacy) maps too.
    let Some(m) = common::moto("dynamodb_conditional_catch", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    seed(&m, &table, "taken", None, 1).await;
    let out = conditional::Workflow::from_services(m.aws.clone())
        .run(json!({ "table": table }))
        .await
        .expect("runs");
    assert_eq!(
        out["optimized"]["Error"],
        "DynamoDB.ConditionalCheckFailedException"
    );
    check_cause(
        out["optimized"]["Cause"].as_str().expect("cause"),
        "The conditional request failed",
        "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: \
         ConditionalCheckFailedException; Request ID: ",
        "; Proxy: null)",
    );
    for member in ["sdk", "legacy"] {
        assert_eq!(
            out[member]["Error"],
            "DynamoDb.ConditionalCheckFailedException"
        );
        check_cause(
            out[member]["Cause"].as_str().expect("cause"),
            "The conditional request failed",
            "(Service: DynamoDb, Status Code: 400, Request ID: ",
            ")",
        );
    }
}

asl_runtime::asl!(mod retried {
    "StartAt": "Put",
    "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S": "taken"}},
                "ConditionExpression": "attribute_not_exists(id)"},
            "Retry": [{"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
                "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
            "End": true},
        "Done": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn a_failed_condition_is_retried_by_its_name() {
    // ERR-*, TASK-7: a Retrier naming the error retries the call (three attempts in all),
    // then the Catcher gets the last error.
    let Some(m) = common::moto("dynamodb_conditional_retry", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    seed(&m, &table, "taken", None, 1).await;
    let recorded = retried::Workflow::from_services(m.aws.clone())
        .run_recorded(json!({ "table": table }), Default::default())
        .await;
    let out = recorded.result.expect("runs");
    assert_eq!(
        out["error"]["Error"],
        "DynamoDb.ConditionalCheckFailedException"
    );
    let count = |kind: &str| recorded.history.iter().filter(|e| e.kind == kind).count();
    assert_eq!(count("TaskScheduled"), 3);
    assert_eq!(count("TaskFailed"), 3);
}

asl_runtime::asl!(mod missing {
    "StartAt": "Optimized",
    "States": {
        "Optimized": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S": "x"}}},
            "Catch": [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"],
                "ResultPath": "$.optimized", "Next": "Sdk"}],
            "Next": "Sdk"},
        "Sdk": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S": "x"}}},
            "End": true}
    }
});

#[tokio::test]
async fn a_missing_table_is_resource_not_found_in_either_flavor() {
    // As recorded on AWS (`dynamodb_put_item_no_such_table`): `DynamoDb.ResourceNotFoundException`,
    // cause `Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: …)`.
    let Some(m) = common::moto("dynamodb_missing_table", "us-east-1").await else {
        return;
    };
    let recorded = missing::Workflow::from_services(m.aws.clone())
        .run_recorded(
            json!({ "table": common::unique("asl-ddb-missing") }),
            Default::default(),
        )
        .await;
    let err = recorded.result.expect_err("fails");
    assert_eq!(err.error(), Some("DynamoDb.ResourceNotFoundException"));
    check_cause(
        err.cause().expect("cause"),
        "Requested resource not found",
        "(Service: DynamoDb, Status Code: 400, Request ID: ",
        ")",
    );
    // The optimized state's error, caught on the way, is in its TaskFailed event.
    let failed = recorded
        .history
        .iter()
        .find(|e| e.kind == "TaskFailed" && e.state == Some("Optimized"))
        .and_then(|e| e.details.clone())
        .expect("TaskFailed");
    assert_eq!(failed["error"], "DynamoDB.ResourceNotFoundException");
    check_cause(
        failed["cause"].as_str().expect("cause"),
        "Requested resource not found",
        "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; \
         Request ID: ",
        "; Proxy: null)",
    );
}

asl_runtime::asl!(mod invalid {
    "StartAt": "Optimized",
    "States": {
        "Optimized": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S": "x"}},
                "AttributesToGet": ["id"], "ProjectionExpression": "id"},
            "Catch": [{"ErrorEquals": ["DynamoDB.AmazonDynamoDBException"],
                "ResultPath": "$.optimized", "Next": "Sdk"}],
            "Next": "Sdk"},
        "Sdk": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S": "x"}},
                "AttributesToGet": ["id"], "ProjectionExpression": "id"},
            "Catch": [{"ErrorEquals": ["DynamoDb.DynamoDbException"],
                "ResultPath": "$.sdk", "Next": "Done"}],
            "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn a_validation_error_is_the_service_exception() {
    // An error the API does not model (ValidationException) is the service's base exception:
    // `DynamoDB.AmazonDynamoDBException` with the Java v1 cause naming the error code, as
    // recorded on AWS (`put_item_invalid_table_name`), or `DynamoDb.DynamoDbException`.
    // (moto rejects AttributesToGet beside ProjectionExpression: both were sent.)
    let Some(m) = common::moto("dynamodb_validation", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    let out = invalid::Workflow::from_services(m.aws.clone())
        .run(json!({ "table": table }))
        .await
        .expect("runs");
    let message = "Can not use both expression and non-expression parameters in the same \
        request: Non-expression parameters: {AttributesToGet} Expression parameters: \
        {ProjectionExpression}";
    assert_eq!(
        out["optimized"]["Error"],
        "DynamoDB.AmazonDynamoDBException"
    );
    check_cause(
        out["optimized"]["Cause"].as_str().expect("cause"),
        message,
        "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; \
         Request ID: ",
        "; Proxy: null)",
    );
    assert_eq!(out["sdk"]["Error"], "DynamoDb.DynamoDbException");
    check_cause(
        out["sdk"]["Cause"].as_str().expect("cause"),
        message,
        "(Service: DynamoDb, Status Code: 400, Request ID: ",
        ")",
    );
}

asl_runtime::asl!(mod put_any {
    "StartAt": "Put",
    "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item.$": "$.item"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": true},
        "Caught": {"Type": "Pass", "End": true}
    }
});

asl_runtime::asl!(mod transact_any {
    "StartAt": "Write",
    "States": {
        "Write": {"Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
            "Parameters": {"TransactItems.$": "$.items"}, "End": true}
    }
});

/// The cause of the execution's error for `put_any` with `item`, which must be
/// `States.Runtime`.
async fn runtime_error(m: &Moto, table: &str, item: Value) -> String {
    let err = put_any::Workflow::from_services(m.aws.clone())
        .run(json!({"table": table, "item": item}))
        .await
        .expect_err("fails");
    assert_eq!(err.error(), Some("States.Runtime"), "{err}");
    err.cause().expect("cause").to_owned()
}

#[tokio::test]
async fn a_malformed_attribute_value_is_a_runtime_error_naming_the_field() {
    // ERR-17: parameters the API cannot take fail the execution with States.Runtime, which
    // no Catcher catches; nothing is sent.
    let Some(m) = common::moto("dynamodb_malformed_value", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    let cases = [
        (
            json!({"id": {"S": "k"}, "count": {"N": 1}}),
            "'Item.count.N'",
        ),
        (json!({"id": {"S": "k", "N": "1"}}), "'Item.id'"),
        (json!({"id": {"X": "k"}}), "'Item.id'"),
        (json!({"id": "k"}), "'Item.id'"),
        (
            json!({"id": {"S": "k"}, "b": {"B": "not base64!"}}),
            "'Item.b.B'",
        ),
        (
            json!({"id": {"S": "k"}, "l": {"L": [{"S": "ok"}, {"SS": [1]}]}}),
            "'Item.l.L[1].SS[0]'",
        ),
        (
            json!({"id": {"S": "k"}, "m": {"M": {"x": {}}}}),
            "'Item.m.M.x'",
        ),
    ];
    for (item, field) in cases {
        let cause = runtime_error(&m, &table, item.clone()).await;
        assert!(cause.contains(field), "{item}: {cause}");
    }
    let err = transact_any::Workflow::from_services(m.aws.clone())
        .run(json!({"items": [{"Put": {"TableName": table, "Item": {"id": {"BOOL": "yes"}}}}]}))
        .await
        .expect_err("fails");
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(
        err.cause()
            .expect("cause")
            .contains("'TransactItems[0].Put.Item.id.BOOL'"),
        "{err}"
    );
    assert!(keys(&m, &table).await.is_empty());
}

asl_runtime::asl!(mod unknown_member {
    "StartAt": "Put",
    "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S": "k"}},
                "ReturnValue": "ALL_OLD"},
            "End": true}
    }
});

#[tokio::test]
async fn an_unknown_parameter_is_rejected_not_dropped() {
    let Some(m) = common::moto("dynamodb_unknown_parameter", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    let err = unknown_member::Workflow::from_services(m.aws.clone())
        .run(json!({ "table": table }))
        .await
        .expect_err("fails");
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(
        err.cause().expect("cause").contains("'ReturnValue'"),
        "{err}"
    );
    // In nested objects too.
    let err = transact_any::Workflow::from_services(m.aws.clone())
        .run(
            json!({"items": [{"Delete": {"TableName": table, "Key": {"id": {"S": "k"}},
            "Condition": "attribute_exists(id)"}}]}),
        )
        .await
        .expect_err("fails");
    assert_eq!(err.error(), Some("States.Runtime"));
    assert!(
        err.cause()
            .expect("cause")
            .contains("'TransactItems[0].Delete.Condition'"),
        "{err}"
    );
    assert!(keys(&m, &table).await.is_empty());
}
