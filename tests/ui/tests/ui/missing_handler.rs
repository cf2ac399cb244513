// A Task without a handler does not compile: the trait method is missing.
asl_runtime::asl!(mod order {
    "StartAt": "Charge",
    "States": { "Charge": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } }
});

struct Handlers;

impl order::Tasks for Handlers {}

fn main() {
    let _ = order::Workflow::new(Handlers);
}
