//! Property tests: no input makes the parser or the validator panic, and every diagnostic
//! points inside the text.

use proptest::prelude::*;
use serde_json::Value;

const SEEDS: &[&str] = &[
    include_str!("../../examples/order/order.asl.json"),
    r#"{"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Arguments": {"x": "{% $states.input.x %}"}, "Output": "{% $states.result %}",
              "Assign": {"v": "{% $states.result.v %}"}, "TimeoutSeconds": "{% 3 %}",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "C"}],
              "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% $v > 1 %}", "Next": "W", "Output": {"a": 1}}], "Default": "P"},
        "W": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "P"},
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "{% 'E' %}"}}}], "Next": "S"},
        "S": {"Type": "Succeed"}}}"#,
    r#"{"StartAt": "M", "TimeoutSeconds": 10, "States": {
        "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ToleratedFailureCount": 1,
              "ItemSelector": {"i.$": "$$.Map.Item.Index", "f.$": "States.Format('{}', $.a)"},
              "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "X", "States": {
                  "X": {"Type": "Pass", "Parameters": {"a.$": "States.Array($.a, $$.Map.Item.Value)"}, "End": true}}},
              "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], "ResultPath": "$.out", "Next": "Choose"},
        "Choose": {"Type": "Choice", "Choices": [
              {"And": [{"Variable": "$.a", "StringMatches": "x*"}, {"Not": {"Variable": "$.b", "IsNull": true}}], "Next": "Done"},
              {"Variable": "$.t", "TimestampLessThanEqualsPath": "$.u", "Next": "Done"}], "Default": "Fail"},
        "Done": {"Type": "Succeed", "OutputPath": "$.out"},
        "Fail": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.JsonToString($)"}}}"#,
];

fn check_invariants(text: &str) {
    let c = asl_codegen::check_str("fuzz.json", text);
    for d in &c.report.diagnostics {
        assert!(d.span.start <= d.span.end, "{d:?}");
        assert!(d.span.end <= text.len().max(1), "{d:?}");
        let _ = c.report.source.line_col(d.span.start);
    }
    let _ = c.report.render(false);
}

/// Every path to a value (keys and indexes).
fn paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                prefix.push(k.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(i.to_string());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    Replace(Value),
    Rename(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[$.a-zA-Z0-9\\[\\]'(){}%*,: ]{0,16}".prop_map(Value::String),
        Just(Value::String("States.Format('{}', $.a".into())),
        Just(Value::String("{% $states.result %}".into())),
        Just(Value::Array(vec![])),
        Just(Value::Object(Default::default())),
    ];
    prop_oneof![
        Just(Mutation::Delete),
        scalar.prop_map(Mutation::Replace),
        "[A-Za-z .$]{0,12}".prop_map(Mutation::Rename),
    ]
}

fn apply(v: &mut Value, path: &[String], m: &Mutation) {
    let Some((last, parent_path)) = path.split_last() else {
        if let Mutation::Replace(r) = m {
            *v = r.clone();
        }
        return;
    };
    let Some(parent) = get_mut(v, parent_path) else {
        return;
    };
    match (parent, m) {
        (Value::Object(obj), Mutation::Delete) => {
            obj.remove(last);
        }
        (Value::Object(obj), Mutation::Rename(new)) => {
            if let Some(val) = obj.remove(last) {
                obj.insert(new.clone(), val);
            }
        }
        (Value::Object(obj), Mutation::Replace(r)) => {
            obj.insert(last.clone(), r.clone());
        }
        (Value::Array(a), Mutation::Delete) => {
            if let Ok(i) = last.parse::<usize>()
                && i < a.len()
            {
                a.remove(i);
            }
        }
        (Value::Array(a), Mutation::Replace(r)) => {
            if let Some(slot) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *slot = r.clone();
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check_invariants(&text);
    }

    #[test]
    fn json_like_text_never_panics(text in "[\\[\\]{}\",:0-9a-z\\\\. $%-]{0,120}") {
        check_invariants(&text);
    }

    #[test]
    fn mutated_definitions_never_panic(
        seed in 0..SEEDS.len(),
        picks in proptest::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4),
    ) {
        let mut v: Value = serde_json::from_str(SEEDS[seed]).expect("seed is JSON");
        for (index, m) in &picks {
            let mut all = Vec::new();
            paths(&v, &mut Vec::new(), &mut all);
            let path = index.get(&all).clone();
            apply(&mut v, &path, m);
        }
        let text = serde_json::to_string_pretty(&v).expect("serialize");
        check_invariants(&text);
    }

    #[test]
    fn jsonata_parser_never_panics(text in "[$a-z0-9 .\\[\\]{}()'\"`,;:?+*/%|=<>^&!~@#λ-]{0,60}") {
        let _ = asl_codegen::jsonata::parse(&text);
    }

    #[test]
    fn truncated_definitions_never_panic(seed in 0..SEEDS.len(), cut in any::<prop::sample::Index>()) {
        let text = SEEDS[seed];
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        check_invariants(&text[..at]);
    }
}

#[test]
fn seeds_are_valid() {
    for seed in SEEDS {
        let c = asl_codegen::check_str("seed.json", seed);
        assert!(c.is_valid(), "{}", c.report.render(false));
    }
}
