asl_runtime::asl!(pub mod hello {
    "Comment": "inline JSON with every JSON value kind",
    "StartAt": "Hi",
    "States": {
        "Hi": { "Type": "Pass", "Result": { "n": -1.5e3, "b": true, "z": null, "a": [1, "x"] }, "End": true }
    }
});

asl_runtime::asl!(pub(crate) mod order from "defs/order.asl.json");

fn main() {}
