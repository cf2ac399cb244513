// VAL-4: a Next that names no state points at the misspelt name.
asl_runtime::asl!(mod broken {
    "StartAt": "Hi",
    "States": {
        "Hi": { "Type": "Pass", "Next": "Nowhere" },
        "Bye": { "Type": "Succeed" }
    }
});

fn main() {}
