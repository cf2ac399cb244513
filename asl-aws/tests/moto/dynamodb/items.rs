//! Successful calls: the item APIs in both flavors (two of them against AWS's recordings),
//! `Query`, `Scan`, `BatchWriteItem`, `TransactWriteItems` and the legacy parameters.

use asl_runtime::Value;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

use super::{as_aws, keys, seed, table, without_metadata};
use crate::common;

/// An item with every data type, as DynamoDB JSON.
fn every_type(id: &str) -> Value {
    json!({
        "id": {"S": id},
        "n": {"N": "42.5"},
        "b": {"B": "AAEC/w=="},
        "ss": {"SS": ["x"]},
        "ns": {"NS": ["7"]},
        "bs": {"BS": ["AQ=="]},
        "m": {"M": {"flag": {"BOOL": true}, "none": {"NULL": true}}},
        "l": {"L": [{"S": "first"}, {"N": "2"}, {"L": []}]},
        "data": {"S": "original"}
    })
}

asl_runtime::asl!(mod optimized_crud {
    "StartAt": "Put",
    "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item.$": "$.item"},
            "ResultPath": "$.put", "Next": "Update"},
        "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}},
                "UpdateExpression": "SET #d = :d",
                "ExpressionAttributeNames": {"#d": "data"},
                "ExpressionAttributeValues": {":d": {"S": "updated"}},
                "ReturnValues": "UPDATED_NEW"},
            "ResultPath": "$.update", "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}},
                "ConsistentRead": true},
            "ResultPath": "$.get", "Next": "Delete"},
        "Delete": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}},
                "ReturnValues": "ALL_OLD"},
            "ResultPath": "$.delete", "Next": "Gone"},
        "Gone": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}}},
            "ResultPath": "$.gone", "End": true}
    }
});

asl_runtime::asl!(mod sdk_crud {
    "StartAt": "Put",
    "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {"TableName.$": "$.table", "Item.$": "$.item",
                "ReturnConsumedCapacity": "TOTAL"},
            "ResultPath": "$.put", "Next": "Update"},
        "Update": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:updateItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}},
                "UpdateExpression": "SET #d = :d",
                "ExpressionAttributeNames": {"#d": "data"},
                "ExpressionAttributeValues": {":d": {"S": "updated"}},
                "ReturnValues": "UPDATED_NEW"},
            "ResultPath": "$.update", "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}},
                "ProjectionExpression": "id, #d, b, l, m, n, ns, bs, ss",
                "ExpressionAttributeNames": {"#d": "data"}},
            "ResultPath": "$.get", "Next": "Delete"},
        "Delete": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:deleteItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}},
                "ReturnValues": "ALL_OLD"},
            "ResultPath": "$.delete", "Next": "Gone"},
        "Gone": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S.$": "$.id"}}},
            "ResultPath": "$.gone", "End": true}
    }
});

#[tokio::test]
async fn optimized_put_update_get_delete_carry_the_sdk_metadata() {
    // TASK-2: optimized results are the API's members plus SdkHttpMetadata and
    // SdkResponseMetadata (a putItem result is only those, as recorded on AWS).
    let Some(m) = common::moto("dynamodb_optimized_crud", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    let item = every_type("k1");
    let out = optimized_crud::Workflow::from_services(m.aws.clone())
        .run(json!({"table": table, "id": "k1", "item": item}))
        .await
        .expect("runs");
    assert_eq!(without_metadata(&out["put"]), json!({}));
    assert_eq!(
        as_aws(without_metadata(&out["update"])),
        json!({"Attributes": {"data": {"S": "updated"}}})
    );
    let mut updated = item.clone();
    updated["data"] = json!({"S": "updated"});
    assert_eq!(without_metadata(&out["get"]), json!({ "Item": updated }));
    assert_eq!(
        without_metadata(&out["delete"]),
        json!({ "Attributes": updated })
    );
    assert_eq!(without_metadata(&out["gone"]), json!({}));
    assert!(keys(&m, &table).await.is_empty());
}

#[tokio::test]
async fn sdk_put_update_get_delete_answer_the_api_members_only() {
    // TASK-3: AWS SDK integrations hand the response as such: no metadata, absent members
    // left out; every data type of DynamoDB JSON comes back as it went in.
    let Some(m) = common::moto("dynamodb_sdk_crud", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    let item = every_type("k2");
    let mut out = sdk_crud::Workflow::from_services(m.aws.clone())
        .run(json!({"table": table, "id": "k2", "item": item}))
        .await
        .expect("runs");
    out["update"] = as_aws(out["update"].take());
    let mut updated = item.clone();
    updated["data"] = json!({"S": "updated"});
    assert_eq!(
        out,
        json!({
            "table": table, "id": "k2", "item": item,
            "put": {"ConsumedCapacity": {"TableName": table, "CapacityUnits": 1.0}},
            "update": {"Attributes": {"data": {"S": "updated"}}},
            "get": {"Item": updated},
            "delete": {"Attributes": updated},
            "gone": {}
        })
    );
}

asl_runtime::asl!(mod corpus_sdk from
    "../tests/conformance/corpus/tasks/services/dynamodb_put_update_get_item/definition.asl.json");
asl_runtime::asl!(mod corpus_optimized from
    "../tests/conformance/corpus/tasks/services/base_integrations_DYNAMODB_PUT_UPDATE_GET_ITEM/definition.asl.json");

/// A corpus case's file, with the masked table name replaced by `table`.
fn corpus(case: &str, file: &str, masked: &str, table: &str) -> Value {
    let path = format!(
        "{}/../tests/conformance/corpus/tasks/services/{case}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("corpus file");
    serde_json::from_str(&text.replace(masked, table)).expect("corpus JSON")
}

#[tokio::test]
async fn sdk_put_update_get_matches_the_recording() {
    // The recorded AWS execution `dynamodb_put_update_get_item`: same definition and input
    // (with a table of ours), the output AWS recorded.
    let Some(m) = common::moto("dynamodb_corpus_sdk", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    let case = "dynamodb_put_update_get_item";
    let input = corpus(case, "input.json", "<test-table>", &table);
    let expected = corpus(case, "expected.json", "<test-table>", &table);
    let mut out = corpus_sdk::Workflow::from_services(m.aws.clone())
        .run(input)
        .await
        .expect("runs");
    out["updateItemOutput"] = as_aws(out["updateItemOutput"].take());
    assert_eq!(out, expected["output"]);
}

#[tokio::test]
async fn optimized_put_update_get_matches_the_recording() {
    // The recorded AWS execution `base_integrations_DYNAMODB_PUT_UPDATE_GET_ITEM`: the same
    // output but for the masked header values of the metadata.
    let Some(m) = common::moto("dynamodb_corpus_optimized", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    let case = "base_integrations_DYNAMODB_PUT_UPDATE_GET_ITEM";
    let input = corpus(case, "input.json", "table-name", &table);
    let expected = corpus(case, "expected.json", "table-name", &table);
    let mut out = corpus_optimized::Workflow::from_services(m.aws.clone())
        .run(input)
        .await
        .expect("runs");
    let mut expected = expected["output"].clone();
    for member in ["putItemOutput", "updateItemOutput", "getItemOutput"] {
        let recorded = expected[member].as_object().expect("recorded").clone();
        assert!(recorded.contains_key("SdkHttpMetadata"));
        assert!(recorded.contains_key("SdkResponseMetadata"));
        expected[member] = Value::Object(
            recorded
                .into_iter()
                .filter(|(k, _)| !k.starts_with("Sdk"))
                .collect(),
        );
        out[member] = as_aws(without_metadata(&out[member]));
    }
    assert_eq!(out, expected);
}

asl_runtime::asl!(mod reads {
    "StartAt": "First",
    "States": {
        "First": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
            "Parameters": {"TableName.$": "$.table",
                "KeyConditionExpression": "id = :id",
                "ExpressionAttributeValues": {":id": {"S": "a"}},
                "ScanIndexForward": false, "Limit": 2, "ConsistentRead": true},
            "ResultPath": "$.first", "Next": "Rest"},
        "Rest": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
            "Parameters": {"TableName.$": "$.table",
                "KeyConditionExpression": "id = :id AND sk < :top",
                "ExpressionAttributeValues": {":id": {"S": "a"}, ":top": {"N": "3"}},
                "ScanIndexForward": false,
                "ExclusiveStartKey.$": "$.first.LastEvaluatedKey"},
            "ResultPath": "$.rest", "Next": "Scan"},
        "Scan": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:scan",
            "Parameters": {"TableName.$": "$.table",
                "FilterExpression": "#v >= :min",
                "ExpressionAttributeNames": {"#v": "val"},
                "ExpressionAttributeValues": {":min": {"N": "20"}},
                "ProjectionExpression": "id, sk"},
            "ResultPath": "$.scan", "Next": "Count"},
        "Count": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:scan",
            "Parameters": {"TableName.$": "$.table", "Select": "COUNT",
                "Segment": 0, "TotalSegments": 1},
            "ResultPath": "$.count", "End": true}
    }
});

#[tokio::test]
async fn query_and_scan_answer_items_counts_and_the_last_key() {
    let Some(m) = common::moto("dynamodb_query_scan", "us-east-1").await else {
        return;
    };
    let table = table(&m, true).await;
    for (id, sk, val) in [("a", 1, 10), ("a", 2, 20), ("a", 3, 30), ("b", 1, 40)] {
        seed(&m, &table, id, Some(sk), val).await;
    }
    let out = reads::Workflow::from_services(m.aws.clone())
        .run(json!({ "table": table }))
        .await
        .expect("runs");
    let item = |id: &str, sk: i64, val: i64| json!({"id": {"S": id}, "sk": {"N": sk.to_string()}, "val": {"N": val.to_string()}});
    assert_eq!(
        out["first"],
        json!({
            "Items": [item("a", 3, 30), item("a", 2, 20)],
            "Count": 2, "ScannedCount": 2,
            "LastEvaluatedKey": {"id": {"S": "a"}, "sk": {"N": "2"}}
        })
    );
    assert_eq!(
        out["rest"],
        json!({"Items": [item("a", 1, 10)], "Count": 1, "ScannedCount": 1})
    );
    let mut found: Vec<String> = out["scan"]["Items"]
        .as_array()
        .expect("Items")
        .iter()
        .map(|i| {
            assert_eq!(i.as_object().expect("item").len(), 2, "projected: {i}");
            format!("{}/{}", i["id"]["S"], i["sk"]["N"])
        })
        .collect();
    found.sort();
    assert_eq!(found, ["\"a\"/\"2\"", "\"a\"/\"3\"", "\"b\"/\"1\""]);
    assert_eq!(out["scan"]["Count"], json!(3));
    assert_eq!(out["scan"]["ScannedCount"], json!(4));
    assert_eq!(out["count"], json!({"Count": 4, "ScannedCount": 4}));
}

asl_runtime::asl!(mod batch {
    "StartAt": "Write",
    "States": {
        "Write": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:batchWriteItem",
            "Parameters": {"RequestItems.$": "$.requests"}, "End": true}
    }
});

#[tokio::test]
async fn batch_write_item_puts_and_deletes() {
    let Some(m) = common::moto("dynamodb_batch", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    seed(&m, &table, "old", None, 1).await;
    let requests = json!({ table.clone(): [
        {"PutRequest": {"Item": {"id": {"S": "new1"}}}},
        {"PutRequest": {"Item": {"id": {"S": "new2"}, "tags": {"SS": ["t"]}}}},
        {"DeleteRequest": {"Key": {"id": {"S": "old"}}}}
    ]});
    let out = batch::Workflow::from_services(m.aws.clone())
        .run(json!({ "requests": requests }))
        .await
        .expect("runs");
    assert_eq!(as_aws(out), json!({"UnprocessedItems": {}}));
    assert_eq!(keys(&m, &table).await, ["new1", "new2"]);
}

asl_runtime::asl!(mod transact {
    "StartAt": "Write",
    "States": {
        "Write": {"Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
            "Parameters": {"TransactItems": [
                {"Put": {"TableName.$": "$.table", "Item": {"id": {"S": "p"}, "val": {"N": "1"}},
                    "ConditionExpression": "attribute_not_exists(id)"}},
                {"Update": {"TableName.$": "$.table", "Key": {"id": {"S": "u"}},
                    "UpdateExpression": "SET val = val + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"Delete": {"TableName.$": "$.table", "Key": {"id": {"S": "d"}}}},
                {"ConditionCheck": {"TableName.$": "$.table", "Key": {"id": {"S": "c"}},
                    "ConditionExpression": "attribute_exists(id)"}}
            ]},
            "ResultPath": "$.written", "Next": "Again"},
        "Again": {"Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
            "Parameters": {"ClientRequestToken": "asl-explicit-token",
                "TransactItems": [
                {"Put": {"TableName.$": "$.table", "Item": {"id": {"S": "p"}},
                    "ConditionExpression": "attribute_not_exists(id)"}}
            ]},
            "Catch": [{"ErrorEquals": ["DynamoDb.TransactionCanceledException"],
                "ResultPath": "$.cancelled", "Next": "Done"}],
            "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}
    }
});

#[tokio::test]
async fn transact_write_items_applies_all_or_nothing() {
    let Some(m) = common::moto("dynamodb_transact", "us-east-1").await else {
        return;
    };
    let table = table(&m, false).await;
    for id in ["u", "d", "c"] {
        seed(&m, &table, id, None, 5).await;
    }
    let out = transact::Workflow::from_services(m.aws.clone())
        .run(json!({ "table": table }))
        .await
        .expect("runs");
    assert_eq!(as_aws(out["written"].clone()), json!({}));
    assert_eq!(
        out["cancelled"]["Error"],
        "DynamoDb.TransactionCanceledException"
    );
    let cause = out["cancelled"]["Cause"].as_str().expect("cause");
    assert!(
        cause.contains("(Service: DynamoDb, Status Code: 400, Request ID: "),
        "{cause}"
    );
    assert_eq!(keys(&m, &table).await, ["c", "p", "u"]);
    let client = aws_sdk_dynamodb::Client::new(&m.config);
    let u = client
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S("u".into()))
        .send()
        .await
        .expect("get");
    assert_eq!(u.item().expect("u")["val"], AttributeValue::N("6".into()));
}

asl_runtime::asl!(mod legacy {
    "StartAt": "Update",
    "States": {
        "Update": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:updateItem",
            "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S": "a"}, "sk": {"N": "1"}},
                "AttributeUpdates": {"val": {"Value": {"N": "5"}, "Action": "ADD"}},
                "Expected": {"val": {"ComparisonOperator": "EQ",
                    "AttributeValueList": [{"N": "10"}]}},
                "ReturnValues": "ALL_NEW"},
            "ResultPath": "$.update", "Next": "Query"},
        "Query": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
            "Parameters": {"TableName.$": "$.table",
                "KeyConditions": {
                    "id": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                    "sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}}},
            "ResultPath": "$.query", "End": true}
    }
});

#[tokio::test]
async fn legacy_parameters_are_mapped() {
    // AttributeUpdates, Expected (with a comparison) and KeyConditions (moto ignores
    // AttributesToGet: see `errors::a_validation_error_is_the_service_exception`).
    let Some(m) = common::moto("dynamodb_legacy", "us-east-1").await else {
        return;
    };
    let table = table(&m, true).await;
    seed(&m, &table, "a", Some(1), 10).await;
    seed(&m, &table, "a", Some(2), 20).await;
    let out = legacy::Workflow::from_services(m.aws.clone())
        .run(json!({ "table": table }))
        .await
        .expect("runs");
    assert_eq!(
        as_aws(out["update"].clone()),
        json!({"Attributes": {"id": {"S": "a"}, "sk": {"N": "1"}, "val": {"N": "15"}}})
    );
    assert_eq!(
        out["query"],
        json!({"Items": [{"id": {"S": "a"}, "sk": {"N": "2"}, "val": {"N": "20"}}],
            "Count": 1, "ScannedCount": 1})
    );
}
