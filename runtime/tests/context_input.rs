//! `$$.Execution.Input` (CTX-2) wherever a definition can read it, through `Workflow::run`:
//! an execution copies its input only when its definition reads the context object, so each
//! way of reading it must be seen by code generation.

use serde_json::json;

asl_runtime::asl!(mod by_choice {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [
                { "Variable": "$$.Execution.Input.flag", "BooleanEquals": true, "Next": "Yes" }
            ],
            "Default": "No"
        },
        "Yes": { "Type": "Pass", "Result": "yes", "End": true },
        "No": { "Type": "Pass", "Result": "no", "End": true }
    }
});

asl_runtime::asl!(mod by_intrinsic {
    "StartAt": "Read",
    "States": {
        "Read": {
            "Type": "Pass",
            "InputPath": "$.inner",
            "Parameters": { "text.$": "States.JsonToString($$.Execution.Input)" },
            "End": true
        }
    }
});

asl_runtime::asl!(mod by_jsonata {
    "QueryLanguage": "JSONata",
    "StartAt": "Read",
    "States": {
        "Read": {
            "Type": "Pass",
            "Output": "{% $states.context.Execution.Input.inner %}",
            "End": true
        }
    }
});

asl_runtime::asl!(mod by_map {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": { "whole.$": "$$.Execution.Input.tag", "item.$": "$$.Map.Item.Value" },
            "ItemProcessor": {
                "StartAt": "Keep",
                "States": { "Keep": { "Type": "Pass", "End": true } }
            },
            "End": true
        }
    }
});

// Paths ending in whitespace, as public samples write them (`"$$.Execution.Name "`): AWS
// evaluates them as Jayway does, trimmed (DATA-1).
asl_runtime::asl!(mod padded_paths {
    "StartAt": "Read",
    "States": {
        "Read": {
            "Type": "Pass",
            "InputPath": "$.inner ",
            "Parameters": { "name.$": "$$.Execution.Name ", "flag.$": "$.flag\t" },
            "ResultPath": "$.read ",
            "Next": "Check"
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{ "Variable": "$.read.flag ", "BooleanEquals": true, "Next": "Yes" }],
            "Default": "No"
        },
        "Yes": { "Type": "Pass", "OutputPath": "$.read ", "End": true },
        "No": { "Type": "Fail", "Error": "NotTrimmed" }
    }
});

asl_runtime::asl!(mod no_context {
    "StartAt": "Replace",
    "States": { "Replace": { "Type": "Pass", "Result": 1, "End": true } }
});

struct NoTasks;
impl by_choice::Tasks for NoTasks {}
impl by_intrinsic::Tasks for NoTasks {}
impl by_jsonata::Tasks for NoTasks {}
impl by_map::Tasks for NoTasks {}
impl no_context::Tasks for NoTasks {}
impl padded_paths::Tasks for NoTasks {}

#[tokio::test]
async fn every_way_of_reading_the_execution_input_sees_it() {
    let out = by_choice::Workflow::new(NoTasks)
        .run(json!({"flag": true}))
        .await
        .expect("runs");
    assert_eq!(out, json!("yes"));

    let out = by_intrinsic::Workflow::new(NoTasks)
        .run(json!({"inner": {}, "n": 1}))
        .await
        .expect("runs");
    assert_eq!(out, json!({"text": "{\"inner\":{},\"n\":1}"}));

    let out = by_jsonata::Workflow::new(NoTasks)
        .run(json!({"inner": [1, 2]}))
        .await
        .expect("runs");
    assert_eq!(out, json!([1, 2]));

    let out = by_map::Workflow::new(NoTasks)
        .run(json!({"items": [1, 2], "tag": "t"}))
        .await
        .expect("runs");
    assert_eq!(
        out,
        json!([{"whole": "t", "item": 1}, {"whole": "t", "item": 2}])
    );
}

#[tokio::test]
async fn a_recorded_execution_keeps_its_input_for_its_history() {
    // Nothing in the definition reads the context object: the input is still recorded.
    let recorded = no_context::Workflow::new(NoTasks)
        .run_recorded(json!({"a": [1]}), Default::default())
        .await;
    assert_eq!(recorded.result.expect("runs"), json!(1));
    let started = &recorded.history[0];
    assert_eq!(started.kind, "ExecutionStarted");
    let details = started.details.as_ref().expect("details");
    assert_eq!(details["input"], json!("{\"a\":[1]}"));
}

#[tokio::test]
async fn paths_ending_in_whitespace_read_as_trimmed() {
    let options = asl_runtime::RunOptions {
        name: Some("nightly".into()),
        ..Default::default()
    };
    let out = padded_paths::Workflow::new(NoTasks)
        .run_with(json!({"inner": {"flag": true}}), options)
        .await
        .expect("runs");
    assert_eq!(out, json!({"name": "nightly", "flag": true}));
}
