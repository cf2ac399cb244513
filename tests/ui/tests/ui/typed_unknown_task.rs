// Typed handlers name Task states of the definition.
asl_runtime::asl!(mod broken {
    "StartAt": "A",
    "States": { "A": { "Type": "Pass", "End": true } }
} where {
    "A": String -> String,
});

fn main() {}
