// VAL-28: a JSONata expression that does not parse.
asl_runtime::asl!(mod broken {
    "QueryLanguage": "JSONata",
    "StartAt": "A",
    "States": {
        "A": { "Type": "Pass", "Output": "{% $states.input.a + %}", "End": true }
    }
});

fn main() {}
