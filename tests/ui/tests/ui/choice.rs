// VAL-24: operand types and exactly one operator per rule.
asl_runtime::asl!(mod broken {
    "StartAt": "C",
    "States": {
        "C": { "Type": "Choice", "Choices": [
            { "Variable": "$.n", "NumericEquals": "1", "Next": "D" },
            { "Variable": "$.t", "TimestampEquals": "yesterday", "Next": "D" }
        ], "Default": "D" },
        "D": { "Type": "Succeed" }
    }
});

fn main() {}
