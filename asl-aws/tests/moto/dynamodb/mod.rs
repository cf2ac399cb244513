//! DynamoDB through `asl_aws::Aws` against moto (TASK-2, TASK-3, TASK-7): workflows whose Task
//! states call `dynamodb:*` (optimized) and `aws-sdk:dynamodb:*` resources, checked for the
//! results AWS records (the response members; the SDK metadata only for optimized
//! integrations), the error names and causes Retry and Catch see, and parameters that are
//! rejected rather than sent.

mod errors;
mod items;

use asl_runtime::Value;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use serde_json::json;

use crate::common::{self, Moto};

/// A fresh table keyed by `id` (a string) and, with `sorted`, `sk` (a number).
async fn table(m: &Moto, sorted: bool) -> String {
    let name = common::unique("asl-ddb");
    let client = aws_sdk_dynamodb::Client::new(&m.config);
    let mut create = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("id", KeyType::Hash))
        .attribute_definitions(attribute("id", ScalarAttributeType::S));
    if sorted {
        create = create
            .key_schema(key("sk", KeyType::Range))
            .attribute_definitions(attribute("sk", ScalarAttributeType::N));
    }
    create.send().await.expect("create table");
    name
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("key schema")
}

fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .expect("attribute definition")
}

/// Puts `{"id": id, "sk": sk?, "val": val}` directly.
async fn seed(m: &Moto, table: &str, id: &str, sk: Option<i64>, val: i64) {
    let client = aws_sdk_dynamodb::Client::new(&m.config);
    let mut put = client
        .put_item()
        .table_name(table)
        .item("id", AttributeValue::S(id.into()))
        .item("val", AttributeValue::N(val.to_string()));
    if let Some(sk) = sk {
        put = put.item("sk", AttributeValue::N(sk.to_string()));
    }
    put.send().await.expect("seed item");
}

/// The ids (and sort keys) of every item of `table`, sorted.
async fn keys(m: &Moto, table: &str) -> Vec<String> {
    let client = aws_sdk_dynamodb::Client::new(&m.config);
    let out = client.scan().table_name(table).send().await.expect("scan");
    let mut keys: Vec<String> = out
        .items()
        .iter()
        .map(|item| {
            let id = item["id"].as_s().expect("id").clone();
            match item.get("sk") {
                Some(sk) => format!("{id}/{}", sk.as_n().expect("sk")),
                None => id,
            }
        })
        .collect();
    keys.sort();
    keys
}

/// Checks the metadata an optimized integration adds, and returns the rest of `result`.
fn without_metadata(result: &Value) -> Value {
    let mut rest = result.as_object().expect("an object").clone();
    let http = rest.remove("SdkHttpMetadata").expect("SdkHttpMetadata");
    let response = rest
        .remove("SdkResponseMetadata")
        .expect("SdkResponseMetadata");
    assert_eq!(http["HttpStatusCode"], json!(200), "{http}");
    let headers = http["HttpHeaders"].as_object().expect("HttpHeaders");
    let all = http["AllHttpHeaders"].as_object().expect("AllHttpHeaders");
    for (name, value) in headers {
        // A repeated header: every value in AllHttpHeaders, the last in HttpHeaders.
        let values = all[name].as_array().expect("AllHttpHeaders values");
        assert_eq!(values.last(), Some(value), "AllHttpHeaders.{name}");
    }
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone());
    assert_eq!(content_type, Some(json!("application/x-amz-json-1.0")));
    let id = response["RequestId"].as_str().expect("RequestId");
    assert!(!id.is_empty());
    assert!(
        headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("x-amzn-requestid") && v == id),
        "the RequestId is the x-amzn-RequestId header: {http}"
    );
    Value::Object(rest)
}

/// `result` without what moto answers unasked and AWS does not: `ConsumedCapacity` of writes
/// and empty `ItemCollectionMetrics`.
fn as_aws(mut result: Value) -> Value {
    if let Some(map) = result.as_object_mut() {
        map.remove("ConsumedCapacity");
        if map.get("ItemCollectionMetrics") == Some(&json!({})) {
            map.remove("ItemCollectionMetrics");
        }
    }
    result
}

/// The request id in a cause `<message> (Service: …, Request ID: <id>…)`, after checking the
/// cause is `<message> <before><id><after>`.
fn check_cause(cause: &str, message: &str, before: &str, after: &str) {
    let rest = cause
        .strip_prefix(&format!("{message} {before}"))
        .unwrap_or_else(|| panic!("cause {cause:?} does not start with {message:?} {before:?}"));
    let id = rest
        .strip_suffix(after)
        .unwrap_or_else(|| panic!("cause {cause:?} does not end with {after:?}"));
    assert!(
        !id.is_empty() && !id.contains(' '),
        "request id {id:?} in {cause:?}"
    );
}
