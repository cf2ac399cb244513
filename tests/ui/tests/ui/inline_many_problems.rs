// All problems are reported, each on its own token.
asl_runtime::asl!(mod broken {
    "StartAt": "A",
    "States": {
        "A": { "Type": "Wait", "Seconds": -5, "Next": "B" },
        "B": { "Type": "Pass", "InputPath": "not a path", "ResultSelector": {}, "End": true }
    }
});

fn main() {}
