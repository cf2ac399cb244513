// VAL-19: InputPath must be a Path; ResultPath a Reference Path on the input.
asl_runtime::asl!(mod broken {
    "StartAt": "A",
    "States": {
        "A": { "Type": "Pass", "InputPath": "$.a[", "ResultPath": "$$.x", "End": true }
    }
});

fn main() {}
