//! One test per rule family: a small definition, the codes and pointers it must produce.
//! Spec IDs from `shared/spec/ASL-FEATURES.md` are named per case.

use asl_codegen::{MachineType, Options, Source, check};

/// Wraps states into a machine that starts at the first one.
fn machine(states: &str) -> String {
    let start = states
        .split('"')
        .nth(1)
        .expect("states start with a quoted name");
    format!(r#"{{"StartAt": "{start}", "States": {{ {states} }} }}"#)
}

fn diags(text: &str) -> Vec<(String, String)> {
    diags_with(text, MachineType::Standard)
}

fn diags_with(text: &str, machine_type: MachineType) -> Vec<(String, String)> {
    let c = check(Source::new("t.json", text), &Options { machine_type });
    c.report
        .diagnostics
        .iter()
        .map(|d| (d.code.id().to_string(), d.pointer.to_string()))
        .collect()
}

/// Asserts the exact set of errors (warnings ignored) as `CODE@pointer`.
#[track_caller]
fn errors(text: &str, expected: &[&str]) {
    let c = asl_codegen::check_str("t.json", text);
    let mut got: Vec<String> = c
        .report
        .errors()
        .map(|d| format!("{}@{}", d.code.id(), d.pointer))
        .collect();
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "\n{}", c.report.render(false));
}

#[track_caller]
fn valid(text: &str) {
    errors(text, &[]);
}

#[test]
fn top_level_fields() {
    // TOP-1, VAL-2, VAL-31
    errors("{}", &["ASL102@(root)"]);
    errors("[]", &["ASL101@(root)"]);
    errors(
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "Version": "2.0"}"#,
        &["ASL105@Version"],
    );
    errors(
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "TimeoutSeconds": -1}"#,
        &["ASL106@TimeoutSeconds"],
    );
    errors(
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "Extra": 1}"#,
        &["ASL103@Extra"],
    );
    errors(
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "QueryLanguage": "XPath"}"#,
        &["ASL105@QueryLanguage"],
    );
    errors(
        r#"{"StartAt": 3, "States": {"A": {"Type": "Succeed"}}}"#,
        &["ASL104@StartAt"],
    );
}

#[test]
fn state_names_and_transitions() {
    // VAL-3, VAL-4, VAL-8, TOP-8, TOP-10
    errors(
        &machine(r#""A": {"Type": "Pass", "Next": "B"}"#),
        &["ASL203@States.A.Next", "ASL206@States"],
    );
    let long = "x".repeat(81);
    errors(
        &machine(&format!(r#""{long}": {{"Type": "Succeed"}}"#)),
        &[&format!("ASL202@States.{long}")],
    );
    // 80 characters, counted as characters not bytes
    valid(&machine(&format!(
        r#""{}": {{"Type": "Succeed"}}"#,
        "é".repeat(80)
    )));
    errors(
        r#"{"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}"#,
        &["ASL203@StartAt"],
    );
    // Duplicate across scopes (VAL-8)
    errors(
        &machine(
            r#""P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}]}"#,
        ),
        &["ASL201@States.P.Branches[0].States.P"],
    );
    // Case-sensitive names (TOP-10); the likely intended target is not also reported as
    // unreachable.
    errors(
        &machine(r#""A": {"Type": "Pass", "Next": "b"}, "B": {"Type": "Succeed"}"#),
        &["ASL203@States.A.Next"],
    );
}

#[test]
fn scopes_are_closed() {
    // VAL-5, PAR-4, MAP-12
    errors(
        &machine(
            r#""P": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Done"}}}]},
               "Done": {"Type": "Succeed"}"#,
        ),
        &[
            "ASL204@States.P.Branches[0].States.In.Next",
            "ASL206@States.P.Branches[0].States",
        ],
    );
    errors(
        &machine(
            r#""Out": {"Type": "Pass", "Next": "In"},
               "M": {"Type": "Map", "End": true, "ItemProcessor":
                {"StartAt": "In", "States": {"In": {"Type": "Succeed"}}}}"#,
        ),
        &["ASL204@States.Out.Next", "ASL205@States.M"],
    );
}

#[test]
fn reachability_and_terminals() {
    // VAL-6, VAL-7, VAL-10, STATE-4, CATCH-8
    errors(
        &machine(r#""A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}"#),
        &["ASL205@States.B"],
    );
    valid(&machine(
        r#""A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "B"}]},
           "B": {"Type": "Fail"}"#,
    ));
    errors(
        &machine(r#""A": {"Type": "Pass"}"#),
        &["ASL207@States.A", "ASL206@States"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "Next": "B", "End": true}, "B": {"Type": "Succeed"}"#),
        &["ASL208@States.A.Next"],
    );
    errors(
        &machine(r#""A": {"Type": "Succeed", "Next": "A"}"#),
        &["ASL103@States.A.Next"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "End": "yes"}"#),
        &["ASL104@States.A.End"],
    );
}

#[test]
fn fields_per_type_and_query_language() {
    // VAL-9, VAL-11, VAL-12, STATE-5, STATE-6, STATE-7, STATE-FAIL-6, JSONATA-4
    errors(&machine(r#""A": {"End": true}"#), &["ASL102@States.A"]);
    errors(
        &machine(r#""A": {"Type": "Nope", "End": true}"#),
        &["ASL105@States.A.Type"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "ResultSelector": {}, "End": true}"#),
        &["ASL103@States.A.ResultSelector"],
    );
    errors(
        &machine(r#""A": {"Type": "Fail", "Assign": {"x": 1}}"#),
        &["ASL103@States.A.Assign"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "Output": 1, "End": true}"#),
        &["ASL109@States.A.Output"],
    );
    errors(
        &machine(
            r#""A": {"Type": "Pass", "QueryLanguage": "JSONata", "InputPath": "$", "End": true}"#,
        ),
        &["ASL109@States.A.InputPath"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "InptPath": "$", "End": true}"#),
        &["ASL103@States.A.InptPath"],
    );
    // TOP-6: no JSONPath states in a JSONata machine
    errors(
        r#"{"QueryLanguage": "JSONata", "StartAt": "A",
            "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}"#,
        &["ASL110@States.A.QueryLanguage"],
    );
    // STATE-3: JSONata states in a JSONPath machine are fine
    valid(&machine(
        r#""A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input %}", "End": true}"#,
    ));
}

#[test]
fn paths() {
    // VAL-19, DATA-1, DATA-2, DATA-6, DATA-15, DATA-19
    valid(&machine(
        r#""A": {"Type": "Pass", "InputPath": "$.a[-2:]", "OutputPath": null,
                 "ResultPath": "$.b['c d'][0]", "End": true}"#,
    ));
    errors(
        &machine(r#""A": {"Type": "Pass", "InputPath": "a.b", "End": true}"#),
        &["ASL301@States.A.InputPath"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "ResultPath": "$.a[*]", "End": true}"#),
        &["ASL302@States.A.ResultPath"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "ResultPath": "$$.Execution", "End": true}"#),
        &["ASL308@States.A.ResultPath"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "ResultPath": "$v", "End": true}"#),
        &["ASL308@States.A.ResultPath"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "OutputPath": "States.Array($)", "End": true}"#),
        &["ASL301@States.A.OutputPath"],
    );
}

#[test]
fn payload_templates() {
    // VAL-20, VAL-21, DATA-9, DATA-10, DATA-11
    valid(&machine(
        r#""A": {"Type": "Pass", "Parameters": {
            "a.$": "$.x", "b.$": "$$.Execution.Id", "c": [{"d.$": "States.UUID()"}],
            "e": "literal", "f": 1}, "End": true}"#,
    ));
    errors(
        &machine(r#""A": {"Type": "Pass", "Parameters": {"a.$": 1}, "End": true}"#),
        &["ASL303@States.A.Parameters[\"a.$\"]"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "Parameters": {"a.$": "x"}, "End": true}"#),
        &["ASL303@States.A.Parameters[\"a.$\"]"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "Parameters": {"a": 1, "a.$": "$"}, "End": true}"#),
        &["ASL304@States.A.Parameters[\"a.$\"]"],
    );
    // NO_DOLLAR is a warning, not an error (VAL-33)
    let d = diags(&machine(
        r#""A": {"Type": "Pass", "Parameters": {"a": "$.x"}, "End": true}"#,
    ));
    assert_eq!(d, vec![("ASL901".into(), "States.A.Parameters.a".into())]);
    let d = diags(&machine(
        r#""A": {"Type": "Pass", "Result": {"a.$": "$.x"}, "End": true}"#,
    ));
    assert_eq!(
        d,
        vec![("ASL902".into(), "States.A.Result[\"a.$\"]".into())]
    );
}

#[test]
fn intrinsic_functions() {
    // VAL-22, INTR-2, INTR-3, INTR-4, INTR-6, INTR-23, INTR-25
    valid(&machine(
        r#""A": {"Type": "Pass", "Parameters": {
            "a.$": "States.Format('{} \\{\\} {}', $.x, States.MathAdd(1, $.n))",
            "b.$": "States.Hash($.x, 'SHA-256')",
            "c.$": "States.ArrayRange(1, 9, 2)",
            "d.$": "States.JsonMerge($.a, $.b, false)"}, "End": true}"#,
    ));
    for (call, code) in [
        ("States.Nope($)", "ASL306"),
        ("States.MathAdd(1, '2')", "ASL307"),
        ("States.UUID(1)", "ASL307"),
        ("States.ArrayLength('abc')", "ASL307"),
        ("States.Hash($.x, 'SHA-999')", "ASL307"),
        ("States.JsonToString('x')", "ASL307"),
        ("States.Format('a', $.x", "ASL305"),
        (r#"States.Format('a\\\"b')"#, "ASL305"),
    ] {
        let text = machine(&format!(
            r#""A": {{"Type": "Pass", "Parameters": {{"a.$": "{call}"}}, "End": true}}"#
        ));
        errors(&text, &[&format!("{code}@States.A.Parameters[\"a.$\"]")]);
    }
    let deep = "States.Array(".repeat(11) + &")".repeat(11);
    errors(
        &machine(&format!(
            r#""A": {{"Type": "Pass", "Parameters": {{"a.$": "{deep}"}}, "End": true}}"#
        )),
        &["ASL309@States.A.Parameters[\"a.$\"]"],
    );
}

#[test]
fn retry_and_catch() {
    // VAL-15, VAL-16, VAL-17, RETRY-*, CATCH-*
    let task = |extra: &str| {
        machine(&format!(
            r#""T": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, {extra}}},
               "F": {{"Type": "Fail"}}"#
        ))
    };
    valid(&task(
        r#""Retry": [{"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 0,
                      "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL",
                      "Comment": "c"},
                     {"ErrorEquals": ["States.ALL"]}],
           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.e"}]"#,
    ));
    errors(
        &task(
            r#""Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["A"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]"#,
        ),
        &["ASL401@States.T.Retry[0].ErrorEquals"],
    );
    errors(
        &task(
            r#""Retry": [{"ErrorEquals": ["States.ALL", "A"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]"#,
        ),
        &["ASL401@States.T.Retry[0].ErrorEquals"],
    );
    errors(
        &task(
            r#""Retry": [{"ErrorEquals": ["A"], "BackoffRate": 0.5, "IntervalSeconds": 0, "MaxAttempts": -1, "MaxDelaySeconds": 0, "JitterStrategy": "HALF"}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]"#,
        ),
        &[
            "ASL106@States.T.Retry[0].BackoffRate",
            "ASL106@States.T.Retry[0].IntervalSeconds",
            "ASL106@States.T.Retry[0].MaxAttempts",
            "ASL106@States.T.Retry[0].MaxDelaySeconds",
            "ASL105@States.T.Retry[0].JitterStrategy",
        ],
    );
    errors(
        &task(r#""Catch": [{"ErrorEquals": []}]"#),
        &[
            "ASL108@States.T.Catch[0].ErrorEquals",
            "ASL102@States.T.Catch[0]",
        ],
    );
}

#[test]
fn choice_rules() {
    // VAL-24, CHOICE-1..35
    let choice = |rules: &str| {
        machine(&format!(
            r#""C": {{"Type": "Choice", "Choices": [{rules}], "Default": "D"}}, "D": {{"Type": "Succeed"}}"#
        ))
    };
    valid(&choice(
        r#"{"Not": {"Variable": "$.a", "StringMatches": "a\\*b*"}, "Next": "D"},
           {"Or": [{"Variable": "$$.Execution.Name", "IsPresent": true},
                   {"Variable": "$.t", "TimestampLessThan": "2020-01-01T00:00:00Z"},
                   {"Variable": "$.n", "NumericEqualsPath": "$.m"}], "Next": "D", "Comment": "x"}"#,
    ));
    errors(
        &choice(r#"{"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "D"}"#),
        &["ASL501@States.C.Choices[0]"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "Next": "D"}"#),
        &["ASL501@States.C.Choices[0]"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "StringEquals": 1, "Next": "D"}"#),
        &["ASL104@States.C.Choices[0].StringEquals"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "TimestampEquals": "2020-01-01", "Next": "D"}"#),
        &["ASL503@States.C.Choices[0].TimestampEquals"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "StringEqualsPath": "$.b[*]", "Next": "D"}"#),
        &["ASL302@States.C.Choices[0].StringEqualsPath"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "StringEquals": "x"}"#),
        &["ASL502@States.C.Choices[0]"],
    );
    errors(
        &choice(r#"{"And": [{"Variable": "$.a", "IsNull": true, "Next": "D"}], "Next": "D"}"#),
        &["ASL502@States.C.Choices[0].And[0].Next"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "IsNull": true, "Next": "D", "Comment": 5}"#),
        &["ASL104@States.C.Choices[0].Comment"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "IsNull": true, "Next": 7}"#),
        &["ASL104@States.C.Choices[0].Next"],
    );
    errors(
        &choice(r#"{"And": [], "Next": "D"}"#),
        &["ASL108@States.C.Choices[0].And"],
    );
    errors(
        &choice(r#"{"Variable": "$.a", "StringMatches": "a\\b", "Next": "D"}"#),
        &["ASL105@States.C.Choices[0].StringMatches"],
    );
    errors(
        &machine(r#""C": {"Type": "Choice", "Choices": []}"#),
        &["ASL108@States.C.Choices", "ASL206@States"],
    );
}

#[test]
fn wait_forms() {
    // WAIT-1..5, VAL-25, TOP-11
    valid(&machine(
        r#""W": {"Type": "Wait", "Seconds": 0, "End": true}"#,
    ));
    valid(&machine(
        r#""W": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "End": true}"#,
    ));
    valid(&machine(
        r#""W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}"#,
    ));
    errors(
        &machine(r#""W": {"Type": "Wait", "End": true}"#),
        &["ASL102@States.W"],
    );
    errors(
        &machine(r#""W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}"#),
        &["ASL107@States.W.SecondsPath"],
    );
    errors(
        &machine(r#""W": {"Type": "Wait", "Seconds": 100000000, "End": true}"#),
        &["ASL106@States.W.Seconds"],
    );
    errors(
        &machine(r#""W": {"Type": "Wait", "Timestamp": "2016-03-14", "End": true}"#),
        &["ASL503@States.W.Timestamp"],
    );
}

#[test]
fn fail_state() {
    // STATE-FAIL-2..6, VAL-23
    valid(&machine(r#""F": {"Type": "Fail"}"#));
    valid(&machine(
        r#""F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('x{}', $.c)"}"#,
    ));
    errors(
        &machine(r#""F": {"Type": "Fail", "CausePath": "States.MathAdd(1, 2)"}"#),
        &["ASL307@States.F.CausePath"],
    );
    errors(
        &machine(r#""F": {"Type": "Fail", "ErrorPath": "$.e[*]"}"#),
        &["ASL302@States.F.ErrorPath"],
    );
    errors(
        &machine(r#""F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}"#),
        &["ASL107@States.F.ErrorPath"],
    );
}

#[test]
fn task_fields() {
    // TASK-1..9, VAL-18, VAL-34
    let task = |extra: &str| {
        machine(&format!(
            r#""T": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true{extra}}}"#
        ))
    };
    valid(&task(r#", "TimeoutSeconds": 10, "HeartbeatSeconds": 5"#));
    valid(&task(
        r#", "TimeoutSecondsPath": "$.t", "Credentials": {"RoleArn.$": "$.role"}"#,
    ));
    errors(
        &task(r#", "TimeoutSeconds": 5, "HeartbeatSeconds": 5"#),
        &["ASL602@States.T.HeartbeatSeconds"],
    );
    errors(
        &task(r#", "TimeoutSeconds": 0"#),
        &["ASL106@States.T.TimeoutSeconds"],
    );
    errors(
        &task(r#", "Credentials": {}"#),
        &["ASL102@States.T.Credentials"],
    );
    errors(
        &machine(r#""T": {"Type": "Task", "End": true}"#),
        &["ASL102@States.T"],
    );
    errors(
        &machine(
            r#""T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true}"#,
        ),
        &["ASL601@States.T.Resource"],
    );
    let callback = machine(
        r#""T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}"#,
    );
    assert!(diags(&callback).is_empty());
    assert_eq!(
        diags_with(&callback, MachineType::Express),
        vec![("ASL603".to_string(), "States.T.Resource".to_string())]
    );
    // A URI that is not an ARN is valid ASL (for local runs) but warned about.
    let d = diags(&machine(
        r#""T": {"Type": "Task", "Resource": "foo:bar", "End": true}"#,
    ));
    assert_eq!(
        d,
        vec![("ASL903".to_string(), "States.T.Resource".to_string())]
    );
    // TASK-1: an integration with region and account filled in is the same integration, as
    // AWS runs it: SDK integrations without a word, optimized ones with a warning (AWS's guide
    // shows them only without region and account); their rules still apply.
    let task = |resource: &str| {
        machine(&format!(
            r#""T": {{"Type": "Task", "Resource": "{resource}", "End": true}}"#
        ))
    };
    assert!(
        diags(&task(
            "arn:aws:states:us-east-1:123456789012:aws-sdk:dynamodb:putItem"
        ))
        .is_empty()
    );
    for optimized in [
        "arn:aws:states:us-east-1:123456789012:lambda:invoke",
        "arn:aws:states:eu-west-1:123456789012:states:startExecution.sync:2",
    ] {
        assert_eq!(
            diags(&task(optimized)),
            vec![("ASL903".to_string(), "States.T.Resource".to_string())],
            "{optimized}"
        );
    }
    errors(
        &task("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject.sync"),
        &["ASL601@States.T.Resource"],
    );
    errors(
        &task("arn:aws:states:us-east-1:123456789012:dynamodb:query"),
        &["ASL601@States.T.Resource"],
    );
    assert_eq!(
        diags_with(
            &task("arn:aws:states:us-east-1:123456789012:aws-sdk:sqs:sendMessage.waitForTaskToken"),
            MachineType::Express
        ),
        vec![("ASL603".to_string(), "States.T.Resource".to_string())]
    );
}

#[test]
fn map_state() {
    // MAP-1..27, VAL-13, VAL-27
    let map = |extra: &str| {
        machine(&format!(
            r#""M": {{"Type": "Map", "End": true, "ItemProcessor": {{"StartAt": "I",
                 "States": {{"I": {{"Type": "Succeed"}}}}}}{extra}}}"#
        ))
    };
    valid(&map(
        r#", "ItemsPath": "$.items", "MaxConcurrency": 0, "ItemSelector": {"v.$": "$$.Map.Item.Value"}"#,
    ));
    valid(&map(
        r#", "ToleratedFailurePercentage": 12.5, "Label": "my-label""#,
    ));
    errors(
        &map(r#", "ItemsPath": null"#),
        &["ASL302@States.M.ItemsPath"],
    );
    errors(
        &map(r#", "MaxConcurrency": 1, "MaxConcurrencyPath": "$.m""#),
        &["ASL107@States.M.MaxConcurrencyPath"],
    );
    errors(
        &map(r#", "MaxConcurrency": -1"#),
        &["ASL106@States.M.MaxConcurrency"],
    );
    errors(
        &map(r#", "Label": "has space""#),
        &["ASL604@States.M.Label"],
    );
    errors(
        &machine(r#""M": {"Type": "Map", "End": true}"#),
        &["ASL102@States.M"],
    );
    errors(
        &map(r#", "ItemBatcher": {"BatchInput": {}}"#),
        &["ASL102@States.M.ItemBatcher"],
    );
    // MAP-19, MAP-22, MAP-23, VAL-27
    valid(&map(
        r#", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
              "Parameters": {"Bucket.$": "$.bucket", "Key": "k.csv"},
              "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN",
                               "CSVHeaders": ["a", "b"], "MaxItems": 10}},
            "ItemBatcher": {"MaxItemsPerBatch": 5, "BatchInput": {"x.$": "$.x"}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket": "b", "Prefix": "p"},
                             "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"}}"#,
    ));
    errors(
        &map(
            r#", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "XML", "MaxItems": 0}}"#,
        ),
        &["ASL105@States.M.ItemReader.ReaderConfig.InputType"],
    );
    // VAL-27: AWS accepts `"MaxItems": 0` (no limit), as recorded; a negative one is out of range.
    valid(&map(
        r#", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": 0}}"#,
    ));
    errors(
        &map(
            r#", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": -1}}"#,
        ),
        &["ASL106@States.M.ItemReader.ReaderConfig.MaxItems"],
    );
    errors(
        &map(
            r#", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"CSVHeaderLocation": "GIVEN"}}"#,
        ),
        &["ASL102@States.M.ItemReader.ReaderConfig"],
    );
    errors(
        &map(r#", "ItemBatcher": {"MaxInputBytesPerBatch": 300000}"#),
        &["ASL106@States.M.ItemBatcher.MaxInputBytesPerBatch"],
    );
    errors(
        &map(r#", "ResultWriter": {}"#),
        &["ASL108@States.M.ResultWriter"],
    );
    let distributed = machine(
        r#""M": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
             "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}"#,
    );
    assert!(diags(&distributed).is_empty());
    assert_eq!(diags_with(&distributed, MachineType::Express).len(), 1);
}

#[test]
fn jsonata() {
    // VAL-28, VAL-29, JSONATA-2, JSONATA-5, CHOICE-35
    let jsonata = |states: &str| {
        let m = machine(states);
        m.replacen('{', r#"{"QueryLanguage": "JSONata", "#, 1)
    };
    valid(&jsonata(
        r#""T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Arguments": {"x": "{% $states.input.x %}"}, "Output": "{% $states.result %}",
                 "TimeoutSeconds": "{% 3 %}", "End": true,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "C"}]},
           "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.x > 1 %}", "Next": "S"}], "Default": "S"},
           "S": {"Type": "Succeed"}"#,
    ));
    errors(
        &jsonata(r#""P": {"Type": "Pass", "Output": "{% 1 + * 2 %}", "End": true}"#),
        &["ASL701@States.P.Output"],
    );
    errors(
        &jsonata(r#""P": {"Type": "Pass", "Output": "{% 1 %", "End": true}"#),
        &["ASL702@States.P.Output"],
    );
    errors(
        &jsonata(r#""P": {"Type": "Pass", "Output": "{% $states.result %}", "End": true}"#),
        &["ASL703@States.P.Output"],
    );
    errors(
        &jsonata(
            r#""T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": "{% $states.result %}", "End": true}"#,
        ),
        &["ASL703@States.T.Arguments"],
    );
    errors(
        &jsonata(
            r#""C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": true, "Next": "S"}]}, "S": {"Type": "Succeed"}"#,
        ),
        &[
            "ASL103@States.C.Choices[0].Variable",
            "ASL103@States.C.Choices[0].IsNull",
            "ASL102@States.C.Choices[0]",
        ],
    );
    // A string that merely contains the delimiters is a literal (AWS, JSONATA-2).
    valid(&jsonata(
        r#""P": {"Type": "Pass", "Output": " {% 1 %} ", "End": true}"#,
    ));
}

#[test]
fn variables() {
    // VAL-30, VAR-2, VAR-4, VAR-8
    valid(&machine(
        r#""A": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.y"}, "Next": "B"},
           "B": {"Type": "Pass", "Parameters": {"v.$": "$x"}, "End": true}"#,
    ));
    errors(
        &machine(r#""A": {"Type": "Pass", "Assign": {"states": 1}, "End": true}"#),
        &["ASL704@States.A.Assign.states"],
    );
    errors(
        &machine(r#""A": {"Type": "Pass", "Assign": {"a.b": 1}, "End": true}"#),
        &["ASL704@States.A.Assign[\"a.b\"]"],
    );
    errors(
        &machine(
            r#""A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
               "P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {
                 "B": {"Type": "Pass", "Assign": {"x": 2}, "End": true}}}]}"#,
        ),
        &["ASL705@States.P.Branches[0].States.B.Assign.x"],
    );
    let d = diags(&machine(
        r#""A": {"Type": "Pass", "Parameters": {"v.$": "$nope"}, "End": true}"#,
    ));
    assert_eq!(
        d,
        vec![("ASL904".into(), "States.A.Parameters[\"v.$\"]".into())]
    );
    // Assigned, but only after the read: no path to `A` assigns `x`.
    let d = diags(&machine(
        r#""A": {"Type": "Pass", "Parameters": {"v.$": "$x"}, "Next": "B"},
           "B": {"Type": "Pass", "Assign": {"x": 1}, "End": true}"#,
    ));
    assert_eq!(
        d,
        vec![("ASL904".into(), "States.A.Parameters[\"v.$\"]".into())]
    );
    // A loop back to the read, and a Map iteration reading what came before its Map.
    valid(&machine(
        r#""A": {"Type": "Choice", "Choices": [{"Variable": "$x", "IsPresent": true, "Next": "Done"}], "Default": "B"},
           "B": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
           "M": {"Type": "Map", "Next": "A", "ItemProcessor": {"StartAt": "I", "States": {
             "I": {"Type": "Pass", "Parameters": {"v.$": "$x"}, "End": true}}}},
           "Done": {"Type": "Succeed"}"#,
    ));
}

#[test]
fn json_problems_are_diagnostics() {
    // VAL-1, VAL-32
    errors("{\"StartAt\": ", &["ASL001@StartAt"]);
    errors(
        r#"{"StartAt": "A", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#,
        &["ASL003@StartAt"],
    );
    errors("", &["ASL002@(root)"]);
}

#[test]
fn every_problem_is_reported_and_sorted() {
    let text = machine(
        r#""A": {"Type": "Pass", "InputPath": "x", "Next": "Z"},
           "B": {"Type": "Wait", "Seconds": -1, "End": true}"#,
    );
    let c = asl_codegen::check_str("t.json", &text);
    let starts: Vec<usize> = c.report.diagnostics.iter().map(|d| d.span.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    assert!(c.report.diagnostics.len() >= 3);
    for d in &c.report.diagnostics {
        let (line, col) = c.report.source.line_col(d.span.start);
        assert!(line >= 1 && col >= 1);
    }
}
