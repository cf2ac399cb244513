// A state whose resource has no service integration (an activity) is not run by a `Services`
// value: the workflow does not take one, and the error names the state to write.
use asl_runtime::integration::{Provides, ServiceCall, ServiceFuture, Services, service};

asl_runtime::asl!(mod review {
    "StartAt": "Approve",
    "States": {
        "Approve": { "Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:approve", "Next": "Save" },
        "Save": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true }
    }
});

struct Fake;

impl Services for Fake {
    fn call(&self, _call: ServiceCall) -> ServiceFuture {
        Box::pin(async { Ok(serde_json::json!({})) })
    }
}

impl Provides<service::DynamoDb> for Fake {}

// Implementing `Integrated` without the activity's method: rustc names the missing method.
struct Partial;

impl review::Integrated for Partial {
    type Services = Fake;

    fn services(&self) -> &Fake {
        &Fake
    }
}

fn main() {
    let _ = review::Workflow::from_services(Fake);
}
