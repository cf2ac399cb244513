//! Property tests: paths, intrinsic functions and Choice comparisons over arbitrary JSON input
//! never panic; they succeed or fail with an ASL error.

use asl_runtime::Value;
use proptest::prelude::*;

asl_runtime::asl!(mod everything {
    "StartAt": "Paths",
    "States": {
        "Paths": {
            "Type": "Pass",
            "Parameters": {
                "a.$": "$..a",
                "b.$": "$.b[*].c",
                "c.$": "$.c[1:3]",
                "d.$": "$.d[-1:]",
                "e.$": "$[?(@.x > 1)]",
                "f.$": "$.f[?(@ == 'y' || @.z)]",
                "g.$": "$.*",
                "h.$": "$.h.length()",
                "i.$": "$['a','b']",
                "j.$": "$..[0]"
            },
            "ResultPath": "$.paths",
            "Next": "Intrinsics"
        },
        "Intrinsics": {
            "Type": "Pass",
            "Parameters": {
                "format.$": "States.Format('{} and {}', $.a, $.b)",
                "json.$": "States.JsonToString($)",
                "array.$": "States.Array($.a, $.b, 1, 'x', null)",
                "length.$": "States.ArrayLength(States.Array($, $))",
                "unique.$": "States.ArrayUnique(States.Array(1, 1, $.a))",
                "hash.$": "States.Hash(States.JsonToString($), 'SHA-256')",
                "b64.$": "States.Base64Encode(States.JsonToString($))",
                "split.$": "States.StringSplit(States.JsonToString($), ',:')",
                "range.$": "States.ArrayRange(0, 10, 3)",
                "partition.$": "States.ArrayPartition(States.Array(1, 2, 3), 2)"
            },
            "ResultPath": "$.intrinsics",
            "Next": "Risky"
        },
        "Risky": {
            "Type": "Pass",
            "Parameters": {
                "add.$": "States.MathAdd($.n, $.m)",
                "item.$": "States.ArrayGetItem($.list, $.n)",
                "parse.$": "States.StringToJson($.s)",
                "merge.$": "States.JsonMerge($.o, $.p, false)",
                "random.$": "States.MathRandom($.n, $.m)",
                "decode.$": "States.Base64Decode($.s)"
            },
            "Next": "Compare"
        },
        "Compare": {
            "Type": "Choice",
            "Choices": [
                { "Variable": "$.add", "NumericGreaterThan": 0, "Next": "Done" },
                { "Variable": "$.parse", "StringLessThanEquals": "m", "Next": "Done" },
                { "Variable": "$.item", "TimestampGreaterThanPath": "$.parse", "Next": "Done" },
                { "Variable": "$.merge", "IsPresent": false, "Next": "Done" },
                { "And": [ { "Variable": "$.decode", "StringMatches": "*\\**" }, { "Variable": "$.random", "IsNumeric": true } ], "Next": "Done" }
            ],
            "Default": "Done"
        },
        "Done": { "Type": "Succeed" }
    }
});

struct NoTasks;
impl everything::Tasks for NoTasks {}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z0-9 ,:*\\\\{}'\"-]{0,12}".prop_map(Value::String),
        Just(Value::String("2024-01-01T00:00:00Z".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,2}|n|m|s|o|p|list", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(input in json()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
        let result = rt.block_on(everything::Workflow::new(NoTasks).run(input));
        if let Err(e) = result {
            prop_assert!(e.error().is_some_and(|n| n.starts_with("States.")), "{e}");
        }
    }
}
