// A `Services` that cannot call a service the workflow uses (say, `asl-aws` built without its
// `sqs` feature) is rejected at compile time, naming the service.
use asl_runtime::integration::{Provides, ServiceCall, ServiceFuture, Services, service};

asl_runtime::asl!(mod order {
    "StartAt": "Save",
    "States": {
        "Save": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Next": "Queue" },
        "Queue": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true }
    }
});

struct OnlyDynamoDb;

impl Services for OnlyDynamoDb {
    fn call(&self, _call: ServiceCall) -> ServiceFuture {
        Box::pin(async { Ok(serde_json::json!({})) })
    }
}

impl Provides<service::DynamoDb> for OnlyDynamoDb {}

fn main() {
    let _ = order::Workflow::from_services(OnlyDynamoDb);
}
