//! Unit tests of the mock file rules: each error names the file, the JSON path and the
//! problem; call numbering, inclusive ranges and counters; property tests (no JSON text or
//! value makes loading panic; any partition of calls into ranges answers each call from its
//! range).

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::error::TaskError;

/// The error of parsing `doc` (as `f.json`).
fn err(doc: Value) -> MockFileError {
    MockFile::from_value(&doc, "f.json").expect_err("refused")
}

/// A file with one state machine `M`, test case `T` mocking state `S` with response `R`
/// whose invocation entries are `entries`.
fn with_response(entries: Value) -> Value {
    json!({
        "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
        "MockedResponses": {"R": entries}
    })
}

fn assert_err(e: &MockFileError, path: &str, problem: &str) {
    assert_eq!(e.file(), "f.json", "{e}");
    assert_eq!(e.path(), path, "{e}");
    assert!(
        e.problem().contains(problem),
        "{:?} does not contain {problem:?}",
        e.problem()
    );
}

#[test]
fn invalid_json_names_the_line_and_column() {
    let e = MockFile::parse("{\n  \"StateMachines\": {,\n}", "bad.json").expect_err("invalid");
    assert_eq!(e.file(), "bad.json");
    assert_eq!(e.position(), Some((2, 21)));
    assert!(e.problem().starts_with("invalid JSON: "), "{e}");
    assert!(!e.problem().contains(" at line "), "{e}");
    assert!(
        e.to_string().starts_with("bad.json:2:21: invalid JSON: "),
        "{e}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let e = MockFile::load("/nonexistent/MockConfigFile.json").expect_err("missing");
    assert_eq!(e.file(), "/nonexistent/MockConfigFile.json");
    assert!(e.problem().starts_with("cannot read the file"), "{e}");
}

#[test]
fn the_document_must_be_an_object_with_both_sections() {
    assert_err(
        &err(json!([])),
        "",
        "a mock file must be a JSON object, not an array",
    );
    assert_err(
        &err(json!({"MockedResponses": {}})),
        "",
        "missing field `StateMachines`",
    );
    assert_err(
        &err(json!({"StateMachines": {}})),
        "",
        "missing field `MockedResponses`",
    );
    assert_err(
        &err(json!({"StateMachines": {}, "MockedResponses": {}, "Mocks": {}})),
        "Mocks",
        "unknown field (expected `StateMachines` or `MockedResponses`)",
    );
    assert_err(
        &err(json!({"StateMachines": [], "MockedResponses": {}})),
        "StateMachines",
        "`StateMachines` must be a JSON object, not an array",
    );
    assert_err(
        &err(json!({"StateMachines": {}, "MockedResponses": 3})),
        "MockedResponses",
        "must be a JSON object, not a number",
    );
}

#[test]
fn state_machines_hold_test_cases_of_state_names_and_response_names() {
    let base = |machines: Value| json!({"StateMachines": machines, "MockedResponses": {"R": {"0": {"Return": 1}}}});
    assert_err(
        &err(base(json!({"M": {}}))),
        "StateMachines.M",
        "missing field `TestCases`",
    );
    assert_err(
        &err(base(json!({"M": {"TestCases": {}, "Comment": "x"}}))),
        "StateMachines.M.Comment",
        "unknown field (expected `TestCases`)",
    );
    assert_err(
        &err(base(json!({"M": {"TestCases": {"T": []}}}))),
        "StateMachines.M.TestCases.T",
        "a test case must be a JSON object, not an array",
    );
    assert_err(
        &err(base(json!({"M": {"TestCases": {"T": {"Call it": 7}}}}))),
        "StateMachines.M.TestCases.T.\"Call it\"",
        "must be the name of a mocked response (a string), not a number",
    );
}

#[test]
fn an_unknown_mocked_response_is_an_error_at_the_state() {
    let e = err(json!({
        "StateMachines": {"LambdaSQSIntegration": {"TestCases": {"HappyPath": {"LambdaState": "MockedLambdaSucess"}}}},
        "MockedResponses": {"MockedLambdaSuccess": {"0": {"Return": {}}}}
    }));
    assert_err(
        &e,
        "StateMachines.LambdaSQSIntegration.TestCases.HappyPath.LambdaState",
        "unknown mocked response MockedLambdaSucess: `MockedResponses` defines MockedLambdaSuccess",
    );
}

#[test]
fn a_response_has_exactly_one_of_return_and_throw() {
    assert_err(
        &err(with_response(
            json!({"0": {"Return": 1, "Throw": {"Error": "E", "Cause": "c"}}}),
        )),
        "MockedResponses.R.\"0\"",
        "has both `Return` and `Throw`",
    );
    assert_err(
        &err(with_response(json!({"0": {}}))),
        "MockedResponses.R.\"0\"",
        "has neither `Return` nor `Throw`",
    );
    assert_err(
        &err(with_response(json!({"0": {"Returns": 1}}))),
        "MockedResponses.R.\"0\".Returns",
        "unknown field (expected `Return` or `Throw`)",
    );
    assert_err(
        &err(with_response(json!({"0": "ok"}))),
        "MockedResponses.R.\"0\"",
        "a response must be a JSON object, not a string",
    );
    assert_err(
        &err(with_response(json!([]))),
        "MockedResponses.R",
        "a mocked response must be a JSON object, not an array",
    );
}

#[test]
fn throw_has_string_error_and_cause() {
    assert_err(
        &err(with_response(json!({"0": {"Throw": {"Error": "E"}}}))),
        "MockedResponses.R.\"0\".Throw",
        "missing field `Cause`",
    );
    assert_err(
        &err(with_response(
            json!({"0": {"Throw": {"Error": 5, "Cause": "c"}}}),
        )),
        "MockedResponses.R.\"0\".Throw.Error",
        "must be a string, not a number",
    );
    assert_err(
        &err(with_response(json!({"0": {"Throw": "E"}}))),
        "MockedResponses.R.\"0\".Throw",
        "`Throw` must be a JSON object, not a string",
    );
    assert_err(
        &err(with_response(
            json!({"0": {"Throw": {"Error": "E", "Cause": "c", "Code": 1}}}),
        )),
        "MockedResponses.R.\"0\".Throw.Code",
        "unknown field (expected `Error` or `Cause`)",
    );
}

#[test]
fn invocation_keys_are_numbers_or_inclusive_ranges() {
    for bad in ["a", "1-", "-1", "1-2-3", " 1", "+1", "1.5", "", "0x1"] {
        assert_err(
            &err(with_response(json!({ bad: {"Return": 1} }))),
            &format!("MockedResponses.R.{}", error::quoted(bad)),
            "invalid invocation key",
        );
    }
    assert_err(
        &err(with_response(json!({"2-1": {"Return": 1}}))),
        "MockedResponses.R.\"2-1\"",
        "its start is after its end",
    );
    assert_err(
        &err(with_response(
            json!({"99999999999999999999": {"Return": 1}}),
        )),
        "MockedResponses.R.\"99999999999999999999\"",
        "the number is too large",
    );
}

#[test]
fn ranges_start_at_zero() {
    assert_err(
        &err(with_response(json!({"1": {"Return": 1}}))),
        "MockedResponses.R.\"1\"",
        "calls are numbered from 0, but the first key starts at 1: call 0 has no response",
    );
    assert_err(
        &err(with_response(json!({"3-4": {"Return": 1}}))),
        "MockedResponses.R.\"3-4\"",
        "calls 0-2 have no response",
    );
}

#[test]
fn ranges_do_not_overlap() {
    assert_err(
        &err(with_response(
            json!({"0-2": {"Return": 1}, "2": {"Return": 2}}),
        )),
        "MockedResponses.R.\"2\"",
        "overlaps \"0-2\": call 2 has two responses",
    );
    assert_err(
        &err(with_response(
            json!({"0": {"Return": 1}, "0-1": {"Return": 2}}),
        )),
        "MockedResponses.R.\"0-1\"",
        "overlaps \"0\": call 0 has two responses",
    );
}

#[test]
fn ranges_are_contiguous() {
    assert_err(
        &err(with_response(
            json!({"0": {"Return": 1}, "2": {"Return": 2}}),
        )),
        "MockedResponses.R.\"2\"",
        "not contiguous with \"0\": call 1 has no response",
    );
    assert_err(
        &err(with_response(
            json!({"0-1": {"Return": 1}, "5-6": {"Return": 2}}),
        )),
        "MockedResponses.R.\"5-6\"",
        "calls 2-4 have no response",
    );
}

#[test]
fn keys_in_any_order_answer_in_call_order() {
    let file = MockFile::from_value(
        &with_response(json!({
            "3": {"Return": "d"},
            "1-2": {"Throw": {"Error": "E", "Cause": "c"}},
            "0": {"Return": "a"}
        })),
        "f.json",
    )
    .expect("valid");
    let case = file.test_case("M", "T").expect("case");
    assert_eq!(case.answer_call("S"), Some(Ok(json!("a"))));
    for _ in 1..=2 {
        assert_eq!(case.answer_call("S"), Some(Err(TaskError::new("E", "c"))));
    }
    assert_eq!(case.answer_call("S"), Some(Ok(json!("d"))));
    let past = case
        .answer_call("S")
        .expect("mocked")
        .expect_err("past the end");
    assert_eq!(past.error, "States.Runtime");
    let cause = past.cause.unwrap_or_default();
    assert!(
        cause.contains("call 4 of Task state S") && cause.contains("answers calls 0-3"),
        "{cause}"
    );
    // Each call past the end is counted and reported, never answered by a repeat.
    assert!(
        case.answer_call("S")
            .and_then(|r| r.err())
            .and_then(|e| e.cause)
            .is_some_and(|c| c.contains("call 5 of"))
    );
    assert_eq!(case.calls("S"), 6);
    // States the case does not name run their handlers.
    assert_eq!(case.answer_call("Other"), None);
    assert_eq!(case.calls("Other"), 0);
}

#[test]
fn an_empty_mocked_response_answers_no_call() {
    // Step Functions Local accepts it and fails the state when it is called.
    let file = MockFile::from_value(&with_response(json!({})), "f.json").expect("valid");
    let e = file
        .test_case("M", "T")
        .expect("case")
        .answer_call("S")
        .expect("mocked")
        .expect_err("no response");
    assert!(
        e.cause
            .is_some_and(|c| c.contains("call 0") && c.contains("answers no call"))
    );
}

#[test]
fn test_cases_are_fresh_and_clones_share_counters() {
    let file = MockFile::from_value(
        &with_response(json!({"0": {"Return": 1}, "1": {"Return": 2}})),
        "f.json",
    )
    .expect("valid");
    let a = file.test_case("M", "T").expect("case");
    let shared = a.clone();
    assert_eq!(a.answer_call("S"), Some(Ok(json!(1))));
    assert_eq!(shared.answer_call("S"), Some(Ok(json!(2))));
    let fresh = file.test_case("M", "T").expect("case");
    assert_eq!(fresh.answer_call("S"), Some(Ok(json!(1))));
    assert_eq!((a.calls("S"), fresh.calls("S")), (2, 1));
    assert_eq!(fresh.states(), vec![("S", "R")]);
    assert_eq!((fresh.machine(), fresh.name()), ("M", "T"));
}

#[test]
fn unknown_machines_and_test_cases_are_named_with_what_exists() {
    let file = MockFile::from_value(
        &json!({
            "StateMachines": {
                "Orders": {"TestCases": {"HappyPath": {}, "Sad Path": {}}},
                "Billing": {"TestCases": {}}
            },
            "MockedResponses": {}
        }),
        "f.json",
    )
    .expect("valid");
    assert_eq!(file.state_machines(), vec!["Orders", "Billing"]);
    assert_eq!(file.test_cases("Orders"), vec!["HappyPath", "Sad Path"]);
    assert!(file.test_cases("Nope").is_empty());
    let e = file.test_case("Orders", "Happy").expect_err("unknown case");
    assert_err(
        &e,
        "StateMachines.Orders.TestCases",
        "no test case Happy (the state machine's test cases: HappyPath, \"Sad Path\")",
    );
    let e = file
        .test_case("Order", "HappyPath")
        .expect_err("unknown machine");
    assert_err(
        &e,
        "StateMachines",
        "no state machine Order (the file has test cases for: Orders, Billing)",
    );
    assert_eq!(
        e.to_string(),
        "f.json: StateMachines: no state machine Order (the file has test cases for: Orders, Billing)"
    );
}

#[test]
fn task_state_names_check() {
    let file =
        MockFile::from_value(&with_response(json!({"0": {"Return": 1}})), "f.json").expect("valid");
    let case = file.test_case("M", "T").expect("case");
    case.check_task_states(&["S", "Other"])
        .expect("S is a Task");
    let e = case.check_task_states(&["A", "B"]).expect_err("no S");
    assert_err(
        &e,
        "StateMachines.M.TestCases.T.S",
        "has no Task state S (its Task states: A, B)",
    );
}

/// Map iterations call concurrently: every call gets its own number.
#[test]
fn counters_are_exact_across_threads() {
    let entries: serde_json::Map<String, Value> = (0..200)
        .map(|n| (n.to_string(), json!({"Return": n})))
        .collect();
    let file =
        MockFile::from_value(&with_response(Value::Object(entries)), "f.json").expect("valid");
    let case = file.test_case("M", "T").expect("case");
    let mut answers: Vec<i64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let case = case.clone();
                s.spawn(move || {
                    (0..25)
                        .map(|_| {
                            case.answer_call("S")
                                .and_then(|r| r.ok())
                                .and_then(|v| v.as_i64())
                                .unwrap_or(-1)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    answers.sort_unstable();
    assert_eq!(answers, (0..200).collect::<Vec<i64>>());
}

/// JSON values built from the words of mock files, so that generated documents get deep
/// into the checks.
fn mockish_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("StateMachines".to_string()),
        Just("MockedResponses".to_string()),
        Just("TestCases".to_string()),
        Just("Return".to_string()),
        Just("Throw".to_string()),
        Just("Error".to_string()),
        Just("Cause".to_string()),
        Just("M".to_string()),
        Just("T".to_string()),
        Just("S".to_string()),
        Just("R".to_string()),
        "[0-9]{1,2}",
        "[0-9]{1,2}-[0-9]{1,2}",
        "[0-9-]{0,25}",
        ".{0,4}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![Just("R".to_string()), Just("S".to_string()), ".{0,6}"].prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No text makes parsing panic.
    #[test]
    fn any_text_parses_or_fails_cleanly(text in ".{0,200}") {
        let _ = MockFile::parse(&text, "any.json").map_err(|e| e.to_string());
    }

    /// No JSON value makes checking panic; whatever is accepted answers calls without
    /// panicking either.
    #[test]
    fn any_json_value_checks_or_fails_cleanly(doc in mockish_value()) {
        if let Ok(file) = MockFile::from_value(&doc, "any.json") {
            for m in file.state_machines() {
                for c in file.test_cases(m) {
                    let case = file.test_case(m, c).expect("listed");
                    for (state, _) in case.states() {
                        for _ in 0..3 {
                            let _ = case.answer_call(state);
                        }
                    }
                }
            }
        } else {
            let e = MockFile::from_value(&doc, "any.json").expect_err("refused");
            prop_assert_eq!(e.file(), "any.json");
            prop_assert!(!e.problem().is_empty());
        }
    }

    /// Any partition of calls 0..n into ranges, in any key order, is accepted and answers
    /// each call from the range holding it.
    #[test]
    fn partitions_answer_each_call_from_its_range(
        lengths in prop::collection::vec(1u64..5, 1..8),
        seed in any::<u64>(),
    ) {
        let mut entries = Vec::new();
        let mut first = 0;
        for (i, len) in lengths.iter().enumerate() {
            let last = first + len - 1;
            let key = if first == last { first.to_string() } else { format!("{first}-{last}") };
            entries.push((key, json!({"Return": i})));
            first = last + 1;
        }
        let k = entries.len();
        entries.rotate_left((seed as usize) % k);
        let doc = with_response(Value::Object(entries.into_iter().collect()));
        let file = MockFile::from_value(&doc, "p.json").expect("a partition is valid");
        let case = file.test_case("M", "T").expect("case");
        for (i, len) in lengths.iter().enumerate() {
            for _ in 0..*len {
                prop_assert_eq!(case.answer_call("S"), Some(Ok(json!(i))));
            }
        }
        let past = case.answer_call("S").expect("mocked").expect_err("past the end");
        prop_assert_eq!(past.error.as_str(), "States.Runtime");
    }
}
