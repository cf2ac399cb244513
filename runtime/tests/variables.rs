//! Workflow variables in JSONPath states (VAR-*), through generated code.

use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod order_of_evaluation {
    "StartAt": "Init",
    "States": {
        "Init": { "Type": "Pass", "Assign": { "a": 1, "b": 2 }, "Next": "Swap" },
        "Swap": {
            "Type": "Pass",
            "Assign": { "a.$": "$b", "b.$": "$a", "sum.$": "States.MathAdd($a, $b)" },
            "Next": "Read"
        },
        "Read": {
            "Type": "Pass",
            "Parameters": { "a.$": "$a", "b.$": "$b", "sum.$": "$sum", "input.$": "$" },
            "End": true
        }
    }
});

struct NoTasks;
impl order_of_evaluation::Tasks for NoTasks {}

#[tokio::test]
async fn every_assign_sees_the_values_from_before_the_state() {
    // VAR-3: the swap reads the old a and b; VAR-7: Assign does not change the output.
    let out = order_of_evaluation::Workflow::new(NoTasks)
        .run(json!({"x": 1}))
        .await
        .expect("ok");
    assert_eq!(out, json!({"a": 2, "b": 1, "sum": 3, "input": {"x": 1}}));
}

asl_runtime::asl!(mod scopes {
    "StartAt": "Outer",
    "States": {
        "Outer": { "Type": "Pass", "Assign": { "greeting": "hello" }, "Next": "Each" },
        "Each": {
            "Type": "Map",
            "ItemSelector": { "text.$": "States.Format('{} {}', $greeting, $$.Map.Item.Value)" },
            "ItemProcessor": {
                "StartAt": "Inner",
                "States": {
                    "Inner": { "Type": "Pass", "Assign": { "inner": "x" }, "Next": "Use" },
                    "Use": { "Type": "Pass", "Parameters": { "text.$": "$.text", "inner.$": "$inner", "outer.$": "$greeting" }, "End": true }
                }
            },
            "Next": "After"
        },
        "After": {
            "Type": "Choice",
            "Choices": [
                { "Variable": "$inner", "IsPresent": true, "Next": "Leaked" },
                { "Variable": "$greeting", "StringEquals": "hello", "Assign": { "path": "rule" }, "Next": "Done" }
            ],
            "Default": "Leaked",
            "Assign": { "path": "default" }
        },
        "Leaked": { "Type": "Fail", "Error": "Leaked" },
        "Done": { "Type": "Pass", "Parameters": { "items.$": "$", "path.$": "$path" }, "End": true }
    }
});

impl scopes::Tasks for NoTasks {}

#[tokio::test]
async fn iterations_read_outer_variables_and_their_own_vanish() {
    // VAR-8: iterations read `greeting`; `inner` does not leak out; CHOICE-4: a matched
    // rule's Assign replaces the state's.
    let out = scopes::Workflow::new(NoTasks)
        .run(json!(["a", "b"]))
        .await
        .expect("ok");
    assert_eq!(
        out,
        json!({
            "items": [
                {"text": "hello a", "inner": "x", "outer": "hello"},
                {"text": "hello b", "inner": "x", "outer": "hello"}
            ],
            "path": "rule"
        })
    );
}

asl_runtime::asl!(mod caught {
    "StartAt": "Try",
    "States": {
        "Try": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Assign": { "outcome": "success" },
            "Catch": [ { "ErrorEquals": ["States.ALL"], "Assign": { "outcome": "caught", "error.$": "$.Error" }, "Next": "Report" } ],
            "Next": "Report"
        },
        "Report": { "Type": "Pass", "Parameters": { "outcome.$": "$outcome", "error.$": "$error" }, "End": true }
    }
});

struct Fails;

impl caught::Tasks for Fails {
    async fn try_(&self, _input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        Err(TaskError::new("Oops", "failed"))
    }
}

#[tokio::test]
async fn a_catcher_assigns_instead_of_the_state() {
    // CATCH-5, VAR-5: `$` in the Catcher's Assign is the Error Output.
    let out = caught::Workflow::new(Fails)
        .run(json!({}))
        .await
        .expect("caught");
    assert_eq!(out, json!({"outcome": "caught", "error": "Oops"}));
}
