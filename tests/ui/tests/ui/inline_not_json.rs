// Inline JSON is JSON: identifiers other than true/false/null are rejected where they are.
asl_runtime::asl!(mod broken {
    "StartAt": "Hi",
    "States": { "Hi": { "Type": Pass, "End": true } }
});

fn main() {}
