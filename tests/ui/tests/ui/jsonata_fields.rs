// JSONATA-1, VAL-29: JSONPath fields in a JSONata state, and `$states.result` where a state
// has no result.
asl_runtime::asl!(mod broken {
    "QueryLanguage": "JSONata",
    "StartAt": "A",
    "States": {
        "A": { "Type": "Pass", "InputPath": "$.a", "Next": "B" },
        "B": { "Type": "Pass", "Output": "{% $states.result %}", "End": true }
    }
});

fn main() {}
