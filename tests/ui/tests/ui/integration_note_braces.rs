// Braces in a state's name or resource are printed as they are in the note rustc shows for a
// state no service runs (the note is a format string to rustc: they are escaped, not read as
// format arguments).
use asl_runtime::integration::{ServiceCall, ServiceFuture, Services};

asl_runtime::asl!(mod review {
    "StartAt": "Approve {order}",
    "States": {
        "Approve {order}": { "Type": "Task", "Resource": "arn:${Partition}:states:::sagemaker:createModel", "End": true }
    }
});

struct Fake;

impl Services for Fake {
    fn call(&self, _call: ServiceCall) -> ServiceFuture {
        Box::pin(async { Ok(serde_json::json!({})) })
    }
}

fn main() {
    let _ = review::Workflow::from_services(Fake);
}
