//! An order workflow whose Task states call DynamoDB, SQS and SNS through `asl-aws`, with one
//! state ("Price order", a Lambda on AWS) written by hand. Against moto:
//!
//! ```text
//! pip install 'moto[server]' && moto_server -p 5000 &
//! AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 \
//!   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing cargo run -p aws-order
//! ```
//!
//! It creates the table, queue and topic if they are missing (so it also runs against an
//! empty account), runs one order, and prints the execution's output, the stored item and
//! the queued message.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use asl_aws::Aws;
use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod order from "workflows/order.asl.json");

/// The shop's handlers: "Price order" by hand, every other state through `Aws`.
struct Shop {
    aws: Aws,
}

impl order::Integrated for Shop {
    type Services = Aws;

    fn services(&self) -> &Aws {
        &self.aws
    }

    /// Written here instead of calling Lambda: returns what the function would.
    async fn price_order(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let lines = input["Payload"]["lines"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let total: f64 = lines
            .iter()
            .map(|l| l["price"].as_f64().unwrap_or(0.0) * l["qty"].as_f64().unwrap_or(0.0))
            .sum();
        Ok(asl_runtime::lambda::invoke_response(
            json!({ "total": total }),
        ))
    }
}

/// The names of what the workflow uses.
struct Resources {
    table: String,
    queue_url: String,
    topic_arn: String,
}

/// Creates the table, queue and topic unless they exist.
async fn ensure_resources(
    config: &aws_config::SdkConfig,
) -> Result<Resources, Box<dyn std::error::Error>> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let table = "asl-orders".to_string();
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    if dynamodb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .is_err()
    {
        dynamodb
            .create_table()
            .table_name(&table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()?,
            )
            .send()
            .await?;
    }
    let sqs = aws_sdk_sqs::Client::new(config);
    let queue_url = sqs
        .create_queue()
        .queue_name("asl-fulfilment")
        .send()
        .await?
        .queue_url
        .ok_or("SQS returned no queue URL")?;
    let sns = aws_sdk_sns::Client::new(config);
    let topic_arn = sns
        .create_topic()
        .name("asl-customers")
        .send()
        .await?
        .topic_arn
        .ok_or("SNS returned no topic ARN")?;
    Ok(Resources {
        table,
        queue_url,
        topic_arn,
    })
}

/// Runs order `id` and returns the execution's output, the stored item and the message.
async fn run(
    config: &aws_config::SdkConfig,
    id: &str,
) -> Result<(Value, Value, String), Box<dyn std::error::Error>> {
    let r = ensure_resources(config).await?;
    let workflow = order::Workflow::new(Shop {
        aws: Aws::from_conf(config.clone()),
    });
    let output = workflow
        .run(json!({
            "order": {
                "id": id,
                "customer": "ada@example.com",
                "lines": [ { "sku": "tea", "qty": 2, "price": 4.5 }, { "sku": "cup", "qty": 1, "price": 12 } ]
            },
            "tables": { "orders": r.table },
            "queues": { "fulfilment": r.queue_url },
            "topics": { "customers": r.topic_arn }
        }))
        .await?;
    let item = aws_sdk_dynamodb::Client::new(config)
        .get_item()
        .table_name(&r.table)
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S(id.to_string()),
        )
        .send()
        .await?;
    let status = item
        .item()
        .and_then(|i| i.get("status"))
        .and_then(|s| s.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let messages = aws_sdk_sqs::Client::new(config)
        .receive_message()
        .queue_url(&r.queue_url)
        .max_number_of_messages(10)
        .send()
        .await?;
    let body = messages
        .messages()
        .iter()
        .filter_map(|m| m.body())
        .find(|b| b.contains(id))
        .unwrap_or_default()
        .to_string();
    Ok((output, json!({ "id": id, "status": status }), body))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let id = format!("order-{}", std::process::id());
    let (output, item, message) = run(&config, &id).await?;
    println!("output:  {output}");
    println!("item:    {item}");
    println!("message: {message}");
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The example end to end against moto (`.ci/run` starts it); skips without it.
    #[tokio::test]
    async fn runs_against_moto() {
        let Ok(url) = std::env::var("ASL_TEST_MOTO_URL") else {
            assert_ne!(
                std::env::var("ASL_REQUIRE_SERVICES").as_deref(),
                Ok("1"),
                "ASL_REQUIRE_SERVICES=1 requires ASL_TEST_MOTO_URL"
            );
            eprintln!("runs_against_moto: skipped: set ASL_TEST_MOTO_URL to a moto server");
            return;
        };
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .load()
            .await;
        let id = format!("order-test-{}", std::process::id());
        let (output, item, message) = super::run(&config, &id).await.unwrap();
        assert_eq!(output["price"]["total"], 21.0);
        assert_eq!(output["record"]["status"], "QUEUED");
        // DynamoDB answers "21", moto "21.0": numbers are text in DynamoDB JSON.
        let stored: f64 = output["record"]["total"].as_str().unwrap().parse().unwrap();
        assert_eq!(stored, 21.0);
        assert!(output["queued"]["messageId"].is_string(), "{output}");
        assert_eq!(item["status"], "QUEUED");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&message).unwrap(),
            serde_json::json!({"order": id, "total": 21.0})
        );
    }
}
