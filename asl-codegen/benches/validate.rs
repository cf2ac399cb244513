//! Parse + validate a generated 1,000-state definition (issue 3 target: under 20 ms).
//!
//! `cargo bench -p asl-codegen --bench validate`

fn main() {
    divan::main();
}

/// A chain of `n` states cycling through Pass (with a payload template and an intrinsic),
/// Task (Retry, Catch, timeouts), Choice (And of two comparisons), Wait and Map (with an inner
/// state), ending in Succeed, plus one Fail target for the Catchers.
pub fn definition(n: usize) -> String {
    let mut states = Vec::new();
    for i in 0..n {
        let next = if i + 1 == n {
            "\"End\": true".to_string()
        } else {
            format!("\"Next\": \"S{}\"", i + 1)
        };
        let state = match i % 5 {
            0 => format!(
                r#""S{i}": {{"Type": "Pass", "Parameters": {{"a.$": "$.a", "b.$": "States.Format('{{}}-{{}}', $.x, $$.Execution.Name)", "c": [1, 2, {{"d.$": "$.d[0]"}}]}}, "ResultPath": "$.r{i}", {next}}}"#
            ),
            1 => format!(
                r#""S{i}": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {{"FunctionName": "f", "Payload.$": "$"}}, "TimeoutSeconds": 30, "HeartbeatSeconds": 10, "Retry": [{{"ErrorEquals": ["Throttled"], "MaxAttempts": 5, "BackoffRate": 1.5}}, {{"ErrorEquals": ["States.ALL"]}}], "Catch": [{{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}}], "ResultSelector": {{"p.$": "$.Payload"}}, {next}}}"#
            ),
            2 if i + 1 < n => format!(
                r#""S{i}": {{"Type": "Choice", "Choices": [{{"And": [{{"Variable": "$.n", "NumericGreaterThan": 1}}, {{"Variable": "$.s", "StringMatches": "a*"}}], "Next": "S{}"}}], "Default": "S{}"}}"#,
                i + 1,
                i + 1
            ),
            3 => format!(r#""S{i}": {{"Type": "Wait", "SecondsPath": "$.wait", {next}}}"#),
            _ => format!(
                r#""S{i}": {{"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {{"v.$": "$$.Map.Item.Value"}}, "ItemProcessor": {{"StartAt": "M{i}", "States": {{"M{i}": {{"Type": "Pass", "End": true}}}}}}, {next}}}"#
            ),
        };
        states.push(state);
    }
    states.push(r#""Failed": {"Type": "Fail", "Error": "E"}"#.to_string());
    format!(
        "{{\"StartAt\": \"S0\", \"States\": {{\n{}\n}}}}",
        states.join(",\n")
    )
}

#[divan::bench(args = [1000])]
fn parse_and_validate(bencher: divan::Bencher, n: usize) {
    let text = definition(n);
    let checked = asl_codegen::check_str("bench.json", &text);
    assert!(checked.is_valid(), "{}", checked.report.render(false));
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| asl_codegen::check_str("bench.json", divan::black_box(&text)));
}

#[divan::bench(args = [1000])]
fn parse_only(bencher: divan::Bencher, n: usize) {
    let text = definition(n);
    bencher.bench(|| asl_codegen::parse::parse(divan::black_box(&text)));
}
