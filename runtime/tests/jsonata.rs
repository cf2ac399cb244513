//! JSONata states and workflow variables (JSONATA-*, VAR-*), through generated code.

use std::time::Duration;

use asl_runtime::{TaskContext, TaskError, Value};
use serde_json::json;

asl_runtime::asl!(mod order_of_evaluation {
    "QueryLanguage": "JSONata",
    "StartAt": "Init",
    "States": {
        "Init": { "Type": "Pass", "Assign": { "a": 1, "b": "{% $states.input.b %}" }, "Next": "Swap" },
        "Swap": {
            "Type": "Pass",
            "Assign": { "a": "{% $b %}", "b": "{% $a %}", "sum": "{% $a + $b %}" },
            "Output": { "seenA": "{% $a %}", "input": "{% $states.input %}" },
            "Next": "Read"
        },
        "Read": {
            "Type": "Pass",
            "Output": "{% $merge([$states.input, {'a': $a, 'b': $b, 'sum': $sum}]) %}",
            "End": true
        }
    }
});

struct NoTasks;
impl order_of_evaluation::Tasks for NoTasks {}

#[tokio::test]
async fn assign_and_output_see_the_variables_from_before_the_state() {
    // VAR-3: Swap's Assign and Output both read the old a and b.
    let out = order_of_evaluation::Workflow::new(NoTasks)
        .run(json!({"b": 2}))
        .await
        .expect("ok");
    assert_eq!(
        out,
        json!({"seenA": 1, "input": {"b": 2}, "a": 2, "b": 1, "sum": 3})
    );
}

asl_runtime::asl!(mod scopes {
    "QueryLanguage": "JSONata",
    "StartAt": "Outer",
    "States": {
        "Outer": { "Type": "Pass", "Assign": { "greeting": "hello" }, "Next": "Each" },
        "Each": {
            "Type": "Map",
            "Items": "{% $states.input.names %}",
            "ItemSelector": {
                "text": "{% $greeting & ' ' & $states.context.Map.Item.Value %}",
                "index": "{% $states.context.Map.Item.Index %}"
            },
            "ItemProcessor": {
                "StartAt": "Inner",
                "States": {
                    "Inner": { "Type": "Pass", "Assign": { "inner": "{% $states.input.index %}" }, "Next": "Use" },
                    "Use": { "Type": "Pass", "Output": "{% $states.input.text & '#' & $inner %}", "End": true }
                }
            },
            "Assign": { "count": "{% $count($states.result) %}" },
            "Output": { "texts": "{% $states.result %}" },
            "Next": "Both"
        },
        "Both": {
            "Type": "Parallel",
            "Arguments": { "n": "{% $count %}" },
            "Branches": [
                { "StartAt": "B1", "States": { "B1": { "Type": "Pass", "Output": "{% $states.input.n * 10 %}", "End": true } } },
                { "StartAt": "B2", "States": { "B2": { "Type": "Pass", "Output": "{% $greeting %}", "End": true } } }
            ],
            "Output": "{% $merge([$states.input, {'branches': $states.result}]) %}",
            "Next": "After"
        },
        "After": {
            "Type": "Choice",
            "Choices": [
                { "Condition": "{% $exists($inner) %}", "Next": "Leaked" },
                { "Condition": "{% $count = 2 %}", "Assign": { "path": "rule" }, "Output": "{% $states.input %}", "Next": "Done" }
            ],
            "Default": "Leaked"
        },
        "Leaked": { "Type": "Fail", "Error": "Leaked", "Cause": "{% 'inner variable visible outside: ' & $string($inner) %}" },
        "Done": { "Type": "Pass", "Output": "{% $merge([$states.input, {'path': $path}]) %}", "End": true }
    }
});

struct ScopeTasks;
impl scopes::Tasks for ScopeTasks {}

#[tokio::test]
async fn iterations_and_branches_read_outer_variables_and_keep_their_own() {
    // VAR-6, VAR-8: Map iterations and Parallel branches see outer variables; what they
    // assign stays inside. CHOICE-35: a rule's Assign and Output.
    let out = scopes::Workflow::new(ScopeTasks)
        .run(json!({"names": ["ann", "bob"]}))
        .await
        .expect("ok");
    assert_eq!(
        out,
        json!({
            "texts": ["hello ann#0", "hello bob#1"],
            "branches": [20, "hello"],
            "path": "rule"
        })
    );
}

asl_runtime::asl!(mod errors {
    "QueryLanguage": "JSONata",
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
            "Arguments": { "amount": "{% $states.input.amount * 100 %}" },
            "TimeoutSeconds": "{% $states.input.timeout %}",
            "Catch": [{
                "ErrorEquals": ["States.ALL"],
                "Assign": { "failedWith": "{% $states.errorOutput.Error %}" },
                "Output": { "error": "{% $states.errorOutput %}", "input": "{% $states.input %}" },
                "Next": "Report"
            }],
            "Output": "{% $states.result.receipt %}",
            "End": true
        },
        "Report": {
            "Type": "Fail",
            "Error": "{% $failedWith %}",
            "Cause": "{% $states.input.error.Cause & ' for ' & $string($states.input.input.amount) %}"
        }
    }
});

struct Charge;
impl errors::Tasks for Charge {
    async fn call(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        assert_eq!(ctx.timeout_seconds, Some(5));
        match input["amount"].as_i64() {
            Some(n) if n > 0 => Ok(json!({"receipt": {"cents": n}})),
            _ => Err(TaskError::new("Declined", "amount must be positive")),
        }
    }
}

#[tokio::test]
async fn arguments_output_and_catch_with_error_output() {
    // TASK-11, JSONATA-10: Arguments and Output; CATCH-6: Output and Assign of a Catcher see
    // `$states.errorOutput`; STATE-FAIL-6: JSONata Error and Cause.
    let ok = errors::Workflow::new(Charge)
        .run(json!({"amount": 1.5, "timeout": 5}))
        .await
        .expect("ok");
    assert_eq!(ok, json!({"cents": 150}));
    let err = errors::Workflow::new(Charge)
        .run(json!({"amount": 0, "timeout": 5}))
        .await
        .expect_err("fails");
    assert_eq!(err.error(), Some("Declined"));
    assert_eq!(err.cause(), Some("amount must be positive for 0"));
}

asl_runtime::asl!(mod evaluation_errors {
    "QueryLanguage": "JSONata",
    "StartAt": "Wait",
    "States": {
        "Wait": { "Type": "Wait", "Seconds": "{% $states.input.delay %}", "Next": "Check" },
        "Check": { "Type": "Pass", "Output": { "value": "{% $states.input.missing %}" }, "End": true }
    }
});

struct Nothing;
impl evaluation_errors::Tasks for Nothing {}

#[tokio::test(start_paused = true)]
async fn waits_on_expressions_and_reports_undefined_results() {
    // WAIT-8: JSONata Seconds; JSONATA-9: an expression that yields nothing fails with
    // States.QueryEvaluationError naming the field.
    let started = tokio::time::Instant::now();
    let err = evaluation_errors::Workflow::new(Nothing)
        .run(json!({"delay": 30}))
        .await
        .expect_err("fails");
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert_eq!(err.error(), Some("States.QueryEvaluationError"));
    assert_eq!(
        err.cause(),
        Some(
            "An error occurred while executing the state 'Check' (entered at the event id #4). \
             The JSONata expression '$states.input.missing' specified for the field \
             'Output/value' returned nothing (undefined)."
        )
    );
}

asl_runtime::asl!(mod limits {
    "QueryLanguage": "JSONata",
    "StartAt": "Outer",
    "States": {
        "Outer": { "Type": "Pass", "Assign": { "outer": 1 }, "Next": "Each" },
        "Each": {
            "Type": "Map",
            "Items": [1, 2],
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Look",
                "States": { "Look": { "Type": "Pass", "Output": "{% $exists($outer) %}", "End": true } }
            },
            "Assign": { "seen": "{% $states.result %}" },
            "Next": "Isolated?"
        },
        "Isolated?": {
            "Type": "Choice",
            "Choices": [{ "Condition": "{% $seen = [false, false] %}", "Next": "Big" }],
            "Default": "Leaked"
        },
        "Leaked": { "Type": "Fail", "Error": "Leaked" },
        "Big": { "Type": "Pass", "Assign": { "blob": "{% $pad('', 300000, 'x') %}" }, "End": true }
    }
});

struct NoLimitsTasks;
impl limits::Tasks for NoLimitsTasks {}

#[tokio::test]
async fn distributed_iterations_do_not_see_outer_variables_and_assign_is_bounded() {
    // VAR-9: a Distributed Map's iterations cannot read outer variables; VAR-10: a variable
    // above 256 KiB fails the state with States.DataLimitExceeded.
    let (result, history) = {
        let r = limits::Workflow::new(NoLimitsTasks)
            .run_recorded(json!({}), Default::default())
            .await;
        (r.result, r.history)
    };
    let err = result.expect_err("the blob is too large");
    assert_eq!(err.error(), Some("States.DataLimitExceeded"));
    assert!(
        history
            .iter()
            .any(|e| e.kind == "PassStateEntered" && e.state == Some("Big")),
        "the Map finished before the failing state"
    );
}

asl_runtime::asl!(mod choice_fields {
    "QueryLanguage": "JSONata",
    "StartAt": "Pick",
    "States": {
        "Pick": {
            "Type": "Choice",
            "Choices": [{ "Condition": "{% $states.input.n > 0 %}", "Next": "Done" }],
            "Default": "Done",
            "Assign": { "path": "default" },
            "Output": { "fromDefault": true }
        },
        "Done": { "Type": "Pass", "Output": "{% $merge([$states.input, {'path': $exists($path) ? $path : 'none'}]) %}", "End": true }
    }
});

struct ChoiceTasks;
impl choice_fields::Tasks for ChoiceTasks {}

#[tokio::test]
async fn state_level_output_and_assign_apply_only_on_the_default_path() {
    // CHOICE-36: a chosen rule without Output passes the input through and assigns nothing.
    let ruled = choice_fields::Workflow::new(ChoiceTasks)
        .run(json!({"n": 1}))
        .await
        .expect("ok");
    assert_eq!(ruled, json!({"n": 1, "path": "none"}));
    let defaulted = choice_fields::Workflow::new(ChoiceTasks)
        .run(json!({"n": 0}))
        .await
        .expect("ok");
    assert_eq!(defaulted, json!({"fromDefault": true, "path": "default"}));
}

asl_runtime::asl!(mod semantics {
    "QueryLanguage": "JSONata",
    "StartAt": "Eval",
    "States": {
        "Eval": {
            "Type": "Pass",
            "Output": {
                "nestedFiltered": "{% [[1,2,3][$ > 1]] %}",
                "repeatedIndex": "{% [1,2,3][[0,0]] %}",
                "deleteAfterUpdate": "{% {'a': 1} ~> |$|{'x': 1}, $keys($)| %}",
                "contextArgument": "{% ( $f := function($s)<s-:s>{ $uppercase($s) }; ['a','b'].$f() ) %}"
            },
            "End": true
        }
    }
});

struct SemanticsTasks;
impl semantics::Tasks for SemanticsTasks {}

#[tokio::test]
async fn jsonata_edge_semantics_follow_jsonata_js() {
    // Found by review against jsonata-js 2.0.6.
    let out = semantics::Workflow::new(SemanticsTasks)
        .run(json!({}))
        .await
        .expect("ok");
    assert_eq!(
        out,
        json!({
            "nestedFiltered": [[2, 3]],
            "repeatedIndex": [1, 1],
            "deleteAfterUpdate": {},
            "contextArgument": ["A", "B"]
        })
    );
}

asl_runtime::asl!(mod pass_paths {
    "StartAt": "P",
    "States": {
        "P": { "Type": "Pass", "InputPath": "$.missing", "Result": {"x": 1}, "End": true }
    }
});

struct PassPathTasks;
impl pass_paths::Tasks for PassPathTasks {}

#[tokio::test]
async fn a_pass_with_result_still_resolves_its_input_path() {
    // DATA-6: InputPath runs (and fails) even though Result replaces the effective input.
    let err = pass_paths::Workflow::new(PassPathTasks)
        .run(json!({"a": 1}))
        .await
        .expect_err("InputPath fails");
    assert_eq!(err.error(), Some("States.Runtime"));
}

asl_runtime::asl!(mod big_key {
    "QueryLanguage": "JSONata",
    "StartAt": "A",
    "States": {
        "A": { "Type": "Pass", "Assign": { "big": "{% {$pad('', 300000, 'x'): 1} %}" }, "End": true }
    }
});

struct BigKeyTasks;
impl big_key::Tasks for BigKeyTasks {}

#[tokio::test]
async fn object_keys_count_toward_the_variable_quota() {
    // VAR-10.
    let err = big_key::Workflow::new(BigKeyTasks)
        .run(json!({}))
        .await
        .expect_err("too large");
    assert_eq!(err.error(), Some("States.DataLimitExceeded"));
}

asl_runtime::asl!(mod deep_values {
    "QueryLanguage": "JSONata",
    "StartAt": "Deep",
    "States": {
        "Deep": {
            "Type": "Pass",
            "Output": "{% ( $f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, {'a': $acc}) }; $f(200000, {}); 'done' ) %}",
            "End": true
        }
    }
});

struct DeepTasks;
impl deep_values::Tasks for DeepTasks {}

#[tokio::test]
async fn a_tail_recursive_lambda_cannot_build_values_deep_enough_to_overflow() {
    // Found by review: 200,000 nested objects used to overflow the stack when dropped.
    let err = deep_values::Workflow::new(DeepTasks)
        .run(json!({}))
        .await
        .expect_err("too deep");
    assert_eq!(err.error(), Some("States.QueryEvaluationError"));
    assert!(err.cause().is_some_and(|c| c.contains("U1001")), "{err:?}");
}

// JSONata's variable bindings in paths (jsonata-js 2.0, which Step Functions runs): `@$v`
// binds each item of a step for the steps after it (a join), `#$i` its position, and `%` is
// the item a step's item came from (JSONATA-3, JSONATA-10: expressions in an `Output`).
asl_runtime::asl!(mod bindings {
    "QueryLanguage": "JSONata",
    "StartAt": "Join",
    "States": {
        "Join": {
            "Type": "Pass",
            "Output": {
                "loans": "{% $states.input.loans@$l.books@$b[$l.isbn = $b.isbn].{ 'title': $b.title, 'customer': $l.customer } %}",
                "numbered": "{% $states.input.books#$i.{ 'n': $i + 1, 'title': title } %}",
                "firstTwo": "{% $states.input.books#$i[$i < 2].isbn %}",
                "byCustomer": "{% $states.input.loans@$l.books@$b[$l.isbn = $b.isbn]{ $l.customer: $b.title[] } %}",
                "lines": "{% $states.input.orders.lines.{ 'sku': sku, 'order': %.id } %}",
                "bigOrders": "{% $states.input.orders.lines[qty > 1].%.id %}",
                "firstStepPredicate": "{% ($xs := [{'n': 1}, {'n': 5}]; $xs@$o[n > 2].$o.n) %}",
                "noMatch": "{% $states.input.loans@$l.books@$b[$l.isbn = 'none']{'matches': $count($b)} %}",
                "constructed": "{% [{'items': [1, 2]}, {'items': [3]}].items#$i.$i %}",
                "firstOfEach": "{% $states.input.matrix.($#$i[$i = 0]) %}",
                "parentFiltered": "{% $states.input.orders.lines.(%[id = 'o2'].id) %}",
                "barePredicate": "{% $count($states.input.orders.lines[%]) %}",
                "keptParent": "{% $states.input.orders.lines.{'o': (%.id)[]} %}",
                "blockPredicate": "{% $states.input.$count((orders.lines)[%.id = 'o1']) %}",
                "boundBlock": "{% $states.input.orders.(lines)#$i.%.id %}"
            },
            "End": true
        }
    }
});

struct BindingTasks;
impl bindings::Tasks for BindingTasks {}

#[tokio::test]
async fn path_bindings_join_number_and_reach_parents() {
    let input = json!({
        "books": [
            { "isbn": "a", "title": "Alpha" },
            { "isbn": "b", "title": "Beta" },
            { "isbn": "c", "title": "Gamma" }
        ],
        "loans": [
            { "isbn": "b", "customer": "ann" },
            { "isbn": "a", "customer": "bob" },
            { "isbn": "c", "customer": "ann" }
        ],
        "orders": [
            { "id": "o1", "lines": [{ "sku": "x", "qty": 1 }, { "sku": "y", "qty": 2 }] },
            { "id": "o2", "lines": [{ "sku": "z", "qty": 3 }] }
        ],
        "matrix": [[1, 2], [3, 4]]
    });
    let out = bindings::Workflow::new(BindingTasks)
        .run(input)
        .await
        .expect("runs");
    assert_eq!(
        out,
        json!({
            "loans": [
                { "title": "Beta", "customer": "ann" },
                { "title": "Alpha", "customer": "bob" },
                { "title": "Gamma", "customer": "ann" }
            ],
            "numbered": [
                { "n": 1, "title": "Alpha" },
                { "n": 2, "title": "Beta" },
                { "n": 3, "title": "Gamma" }
            ],
            "firstTwo": ["a", "b"],
            "byCustomer": { "ann": ["Beta", "Gamma"], "bob": ["Alpha"] },
            "lines": [
                { "sku": "x", "order": "o1" },
                { "sku": "y", "order": "o1" },
                { "sku": "z", "order": "o2" }
            ],
            "bigOrders": ["o1", "o2"],
            // A first step's own predicate filters before its binding (as jsonata-js keeps it
            // on the variable); a join that matches nothing groups to `{}`; an array
            // constructor's items are the stream; a variable first step is evaluated once per
            // context item.
            "firstStepPredicate": 5,
            "noMatch": {},
            "constructed": [0, 1, 0],
            "firstOfEach": [1, 3],
            // A `%` keeps its parent with a predicate of its own; a bare `%` predicate names
            // no step (jsonata-js leaves it undefined); `[]` keeps what a `%` seeks; a
            // predicate on a block sees its parents; a bound block hands on its stream.
            "parentFiltered": "o2",
            "barePredicate": 0,
            "keptParent": [{ "o": ["o1"] }, { "o": ["o1"] }, { "o": ["o2"] }],
            "blockPredicate": 2,
            "boundBlock": ["o1", "o1", "o2"]
        })
    );
}
