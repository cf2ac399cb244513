//! A state's `Credentials.RoleArn` (TASK-10) through STS `AssumeRole`: the call is made with
//! the assumed role's credentials, and the role is assumed once, not once per call (moto's
//! own record of the roles it handed out tells).

use serde_json::json;

use crate::common;

asl_runtime::asl!(mod as_role {
    "StartAt": "Save",
    "States": {
        "Save": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Credentials": { "RoleArn.$": "$.role" },
            "Parameters": { "TableName.$": "$.table", "Item": { "id": { "S.$": "$.id" } } },
            "End": true
        }
    }
});

/// The `AssumedRole` records moto holds for `role`.
async fn assumed(url: &str, role: &str) -> Vec<serde_json::Value> {
    let data = common::moto_get_json(url, "/moto-api/data.json").await;
    data["sts"]["AssumedRole"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["role_arn"] == role)
        .collect()
}

#[tokio::test]
async fn role_arn_is_assumed_once_and_used() {
    let Some(m) = common::moto("role_arn_is_assumed_once_and_used", "us-east-1").await else {
        return;
    };
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let table = common::unique("asl-creds");
    let dynamodb = aws_sdk_dynamodb::Client::new(&m.config);
    dynamodb
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let role = format!(
        "arn:aws:iam::123456789012:role/{}",
        common::unique("asl-writer")
    );
    let workflow = as_role::Workflow::from_services(m.aws.clone());
    for id in ["a", "b"] {
        let out = workflow
            .run(json!({"role": role, "table": table, "id": id}))
            .await
            .unwrap();
        assert_eq!(out, json!({}));
    }
    let records = assumed(&m.url, &role).await;
    assert_eq!(records.len(), 1, "assumed once for two calls: {records:?}");
    assert_eq!(records[0]["session_name"], "asl-rs");
    let items = dynamodb.scan().table_name(&table).send().await.unwrap();
    assert_eq!(items.count(), 2);
}
