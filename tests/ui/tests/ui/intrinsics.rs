// VAL-22, INTR-6, INTR-23: unknown function; literal argument of the wrong type.
asl_runtime::asl!(mod broken {
    "StartAt": "A",
    "States": {
        "A": { "Type": "Pass", "Parameters": {
            "a.$": "States.Concat($.x)",
            "b.$": "States.MathAdd(1, 'two')"
        }, "End": true }
    }
});

fn main() {}
