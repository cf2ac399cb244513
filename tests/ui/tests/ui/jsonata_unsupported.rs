// JSONATA-3: expressions are parsed and processed at compile time; a path predicate after a
// grouping is a JSONata static error (S0209).
asl_runtime::asl!(mod broken {
    "QueryLanguage": "JSONata",
    "StartAt": "A",
    "States": {
        "A": { "Type": "Pass", "Output": "{% $states.input.a{'k': 1}[0] %}", "End": true }
    }
});

fn main() {}
