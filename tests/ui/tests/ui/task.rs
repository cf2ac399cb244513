// VAL-18: a Resource AWS does not recognize; HeartbeatSeconds not below TimeoutSeconds.
asl_runtime::asl!(mod broken {
    "StartAt": "T",
    "States": {
        "T": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:query",
               "TimeoutSeconds": 10, "HeartbeatSeconds": 10, "End": true }
    }
});

fn main() {}
