//! The graph of a definition ([`asl_graph::Graph`]): what `asl graph` draws and what every
//! generated module carries as `GRAPH`, so a server draws a compiled workflow without
//! reading its JSON at run time.
//!
//! Nodes carry a short detail line (a Task's resource shortened, a Wait's duration, a Fail's
//! error, a Map's mode, a Parallel's branch count) and their Retry rules; edges are `Next`,
//! each Choice rule (labelled with a short rendering of its condition), `Default` and each
//! Catch (labelled with its error names).
//!
//! ```
//! let graph = asl_codegen::graph_of(asl_codegen::Source::new(
//!     "hi.asl.json",
//!     r#"{ "StartAt": "Hi", "States": { "Hi": { "Type": "Pass", "End": true } } }"#,
//! ), &asl_codegen::Options::default()).map_err(|r| r.render(false))?;
//! assert_eq!(graph.start, "Hi");
//! assert!(asl_graph::to_svg(&graph, None).contains("data-state=\"Hi\""));
//! # Ok::<(), String>(())
//! ```

use std::borrow::Cow;

use asl_graph::{Edge, EdgeKind, Graph, Kind, Node, Retry};

use crate::model::*;
use crate::validate::Options;
use crate::{Report, Source};

/// Longest edge label, in characters (a longer one is cut with `…`).
const MAX_LABEL: usize = 40;

/// Checks a definition and builds its graph; an invalid definition gives the report `asl
/// check` prints for it (every diagnostic, warnings included).
pub fn graph_of(source: Source, options: &Options) -> Result<Graph, Box<Report>> {
    let checked = crate::check(source, options);
    match checked.machine {
        Some(machine) if !checked.report.has_errors() => Ok(graph(&machine)),
        _ => Err(Box::new(checked.report)),
    }
}

/// The graph of a validated definition.
pub fn graph(machine: &StateMachine) -> Graph {
    scope_graph(&machine.states)
}

fn scope_graph(scope: &Scope) -> Graph {
    let index = |name: &str| scope.states.iter().position(|s| s.name == name);
    let mut edges = Vec::new();
    let mut edge = |from: usize, to: &str, kind: EdgeKind, label: String| {
        if let Some(to) = index(to) {
            edges.push(Edge {
                from,
                to,
                kind,
                label: Cow::Owned(label),
            });
        }
    };
    for (i, state) in scope.states.iter().enumerate() {
        if let Some(Transition::Next(next)) = state.kind.transition() {
            edge(i, &next.value, EdgeKind::Next, String::new());
        }
        match &state.kind {
            StateKind::Choice(c) => {
                for rule in &c.choices {
                    if let Some(next) = &rule.next {
                        edge(
                            i,
                            &next.value,
                            EdgeKind::Choice,
                            short(&condition(&rule.condition)),
                        );
                    }
                }
                if let Some(d) = &c.default {
                    edge(i, &d.value, EdgeKind::Default, "Default".to_string());
                }
            }
            StateKind::Task(t) => catches(i, &t.catch, &mut edge),
            StateKind::Parallel(p) => catches(i, &p.catch, &mut edge),
            StateKind::Map(m) => catches(i, &m.catch, &mut edge),
            _ => {}
        }
    }
    Graph {
        start: Cow::Owned(scope.start_at.value.clone()),
        nodes: Cow::Owned(scope.states.iter().map(node).collect()),
        edges: Cow::Owned(edges),
    }
}

fn catches(from: usize, catch: &[Catcher], edge: &mut impl FnMut(usize, &str, EdgeKind, String)) {
    for c in catch {
        let errors: Vec<&str> = c.error_equals.iter().map(|e| e.value.as_str()).collect();
        // Error names in full: the drawing cuts long labels and keeps them whole in a tooltip.
        edge(from, &c.next.value, EdgeKind::Catch, errors.join(", "));
    }
}

fn node(state: &State) -> Node {
    let (kind, detail, retries, children): (Kind, String, &[Retrier], Vec<Graph>) =
        match &state.kind {
            StateKind::Pass(_) => (Kind::Pass, String::new(), &[], Vec::new()),
            StateKind::Task(t) => (
                Kind::Task,
                shorten_resource(&t.resource.value),
                &t.retry,
                Vec::new(),
            ),
            StateKind::Choice(_) => (Kind::Choice, String::new(), &[], Vec::new()),
            StateKind::Wait(w) => (Kind::Wait, wait_detail(w), &[], Vec::new()),
            StateKind::Succeed => (Kind::Succeed, String::new(), &[], Vec::new()),
            StateKind::Fail(f) => (
                Kind::Fail,
                f.error.as_ref().map(fail_text).unwrap_or_default(),
                &[],
                Vec::new(),
            ),
            StateKind::Parallel(p) => (
                Kind::Parallel,
                match p.branches.len() {
                    1 => "1 branch".to_string(),
                    n => format!("{n} branches"),
                },
                &p.retry,
                p.branches.iter().map(scope_graph).collect(),
            ),
            StateKind::Map(m) => (
                Kind::Map,
                match m.mode {
                    MapMode::Inline => "Inline".to_string(),
                    MapMode::Distributed => "Distributed".to_string(),
                },
                &m.retry,
                vec![scope_graph(&m.processor)],
            ),
        };
    Node {
        name: Cow::Owned(state.name.clone()),
        kind,
        end: state.kind.is_terminal(),
        detail: Cow::Owned(detail),
        retries: Cow::Owned(retries.iter().map(retry).collect()),
        children: Cow::Owned(children),
    }
}

fn retry(r: &Retrier) -> Retry {
    Retry {
        errors: Cow::Owned(
            r.error_equals
                .iter()
                .map(|e| Cow::Owned(e.value.clone()))
                .collect(),
        ),
        max_attempts: u32::try_from(r.max_attempts).unwrap_or(u32::MAX),
        interval_seconds: u32::try_from(r.interval_seconds).unwrap_or(u32::MAX),
        backoff_rate: r.backoff_rate,
    }
}

/// A Task's resource, shortened: `arn:aws:states:::lambda:invoke` → `lambda:invoke`, a
/// Lambda function's ARN → its name (with its version or alias), an activity's ARN →
/// `activity:Name`.
pub fn shorten_resource(resource: &str) -> String {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    match parts.as_slice() {
        // arn:partition:states:::service:api[.pattern]
        ["arn", _, "states", "", "", rest @ ..] if !rest.is_empty() => rest.join(":"),
        ["arn", _, "lambda", _, _, "function", name] => name.to_string(),
        ["arn", _, "states", _, _, "activity", name] => format!("activity:{name}"),
        _ => resource.to_string(),
    }
}

fn jsonata(j: &Jsonata) -> String {
    format!("{{% {} %}}", j.expr.trim())
}

fn wait_detail(w: &Wait) -> String {
    match &w.until {
        Some(WaitFor::Seconds(s)) => format!("{}s", s.value),
        Some(WaitFor::SecondsPath(p)) => format!("{} s", p.value),
        Some(WaitFor::Timestamp(t)) => format!("until {}", t.value),
        Some(WaitFor::TimestampPath(p)) => format!("until {}", p.value),
        Some(WaitFor::SecondsExpr(j)) => format!("{} s", jsonata(j)),
        Some(WaitFor::TimestampExpr(j)) => format!("until {}", jsonata(j)),
        None => String::new(),
    }
}

fn fail_text(t: &FailText) -> String {
    match t {
        FailText::Literal(s) => s.value.clone(),
        FailText::Path(p) => p.value.to_string(),
        FailText::Intrinsic(c) => format!("{}(…)", c.value.function),
        FailText::Expr(j) => jsonata(j),
    }
}

/// `text` cut to [`MAX_LABEL`] characters, with `…`.
fn short(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_LABEL - 1).collect();
    out.push('…');
    out
}

/// A short rendering of a Choice condition: `$.x == 3`, `$.a is present`, `And(…, …)`,
/// `Not(…)`, a JSONata condition's text.
pub fn condition(c: &Condition) -> String {
    match c {
        Condition::And(cs) => format!("And({})", join(cs)),
        Condition::Or(cs) => format!("Or({})", join(cs)),
        Condition::Not(c) => format!("Not({})", condition(c)),
        Condition::Compare(cmp) => comparison(cmp),
        Condition::Jsonata(JsonataValue::Expr(j)) => jsonata(j),
        Condition::Jsonata(JsonataValue::Literal(j)) => j.to_string(),
        Condition::Jsonata(_) => "{…}".to_string(),
    }
}

fn join(cs: &[Condition]) -> String {
    cs.iter().map(condition).collect::<Vec<_>>().join(", ")
}

fn comparison(c: &Comparison) -> String {
    use Comparator::*;
    let var = c.variable.value.to_string();
    let operand = match &c.operand {
        Operand::String(s) => serde_json::Value::String(s.value.clone()).to_string(),
        Operand::Number(n) => number(n.value),
        Operand::Bool(b) => b.value.to_string(),
        Operand::Path(p) => p.value.to_string(),
    };
    let truth = match &c.operand {
        Operand::Bool(b) => b.value,
        _ => true,
    };
    let is = |what: &str| {
        if truth {
            format!("{var} is {what}")
        } else {
            format!("{var} is not {what}")
        }
    };
    let op = match c.op {
        IsNull => return is("null"),
        IsPresent => {
            return if truth {
                format!("{var} is present")
            } else {
                format!("{var} is absent")
            };
        }
        IsNumeric => return is("numeric"),
        IsString => return is("string"),
        IsBoolean => return is("boolean"),
        IsTimestamp => return is("timestamp"),
        StringMatches => "matches",
        StringEquals | NumericEquals | BooleanEquals | TimestampEquals => "==",
        StringLessThan | NumericLessThan | TimestampLessThan => "<",
        StringGreaterThan | NumericGreaterThan | TimestampGreaterThan => ">",
        StringLessThanEquals | NumericLessThanEquals | TimestampLessThanEquals => "<=",
        StringGreaterThanEquals | NumericGreaterThanEquals | TimestampGreaterThanEquals => ">=",
    };
    format!("{var} {op} {operand}")
}

/// A number as written: `3`, `1.5`.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_str(text: &str) -> Graph {
        graph_of(Source::new("t.asl.json", text), &Options::default())
            .unwrap_or_else(|r| panic!("{}", r.render(false)))
    }

    /// Lambda and service ARNs shorten to what a reader recognises (TASK-1).
    #[test]
    fn resources_shorten() {
        assert_eq!(
            shorten_resource("arn:aws:states:::lambda:invoke"),
            "lambda:invoke"
        );
        assert_eq!(
            shorten_resource("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            "sqs:sendMessage.waitForTaskToken"
        );
        assert_eq!(
            shorten_resource("arn:aws:states:::aws-sdk:s3:getObject"),
            "aws-sdk:s3:getObject"
        );
        assert_eq!(
            shorten_resource("arn:aws:lambda:us-east-1:123456789012:function:Charge"),
            "Charge"
        );
        assert_eq!(
            shorten_resource("arn:aws:lambda:us-east-1:123456789012:function:Charge:prod"),
            "Charge:prod"
        );
        assert_eq!(
            shorten_resource("arn:aws:states:us-east-1:123456789012:activity:Review"),
            "activity:Review"
        );
        assert_eq!(shorten_resource("something-else"), "something-else");
    }

    /// Choice rules (CHOICE-7..34) render short; Default and Catch edges are labelled
    /// (CATCH-1); Retry rules (RETRY-1) and details are carried.
    #[test]
    fn edges_and_details() {
        let g = graph_str(
            r#"{ "StartAt": "C", "States": {
              "C": { "Type": "Choice", "Choices": [
                { "Variable": "$.x", "NumericEquals": 3, "Next": "W" },
                { "Variable": "$.a", "IsPresent": false, "Next": "W" },
                { "And": [ { "Variable": "$.s", "StringEquals": "go" },
                           { "Not": { "Variable": "$.b", "BooleanEquals": true } } ], "Next": "T" },
                { "Variable": "$.t", "TimestampLessThanEqualsPath": "$.limit", "Next": "T" } ],
                "Default": "F" },
              "W": { "Type": "Wait", "Seconds": 10, "Next": "T" },
              "T": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Retry": [ { "ErrorEquals": ["States.ALL"], "MaxAttempts": 3 } ],
                     "Catch": [ { "ErrorEquals": ["A", "B"], "Next": "F" } ], "End": true },
              "F": { "Type": "Fail", "Error": "Oops" } } }"#,
        );
        let labels: Vec<(&str, EdgeKind)> = g.edges.iter().map(|e| (&*e.label, e.kind)).collect();
        assert_eq!(
            labels,
            [
                ("$.x == 3", EdgeKind::Choice),
                ("$.a is absent", EdgeKind::Choice),
                ("And($.s == \"go\", Not($.b == true))", EdgeKind::Choice),
                ("$.t <= $.limit", EdgeKind::Choice),
                ("Default", EdgeKind::Default),
                ("", EdgeKind::Next),
                ("A, B", EdgeKind::Catch),
            ]
        );
        let details: Vec<&str> = g.nodes.iter().map(|n| &*n.detail).collect();
        assert_eq!(details, ["", "10s", "lambda:invoke", "Oops"]);
        assert_eq!(g.nodes[2].retries[0].max_attempts, 3);
        assert_eq!(g.nodes[2].retries[0].backoff_rate, 2.0);
        assert!(g.nodes[2].end && g.nodes[3].end && !g.nodes[0].end);
    }

    /// A long condition is cut at 40 characters with `…`; JSONata conditions show their
    /// text (JSONATA-2, CHOICE-35).
    #[test]
    fn long_and_jsonata_conditions() {
        let g = graph_str(
            r#"{ "QueryLanguage": "JSONata", "StartAt": "C", "States": {
              "C": { "Type": "Choice", "Choices": [
                { "Condition": "{% $states.input.amount > 1000 and $states.input.country = 'FR' %}", "Next": "D" },
                { "Condition": "{% $x %}", "Next": "D" } ], "Default": "D" },
              "D": { "Type": "Wait", "Seconds": "{% $delay %}", "End": true } } }"#,
        );
        assert_eq!(g.edges[0].label.chars().count(), 40);
        assert!(
            g.edges[0]
                .label
                .starts_with("{% $states.input.amount > 1000")
        );
        assert!(g.edges[0].label.ends_with('…'));
        assert_eq!(g.edges[1].label, "{% $x %}");
        assert_eq!(g.nodes[1].detail, "{% $delay %} s");
    }

    /// Parallel branches and Map processors are nested graphs (PAR-1, MAP-1).
    #[test]
    fn nested_scopes() {
        let g = graph_str(
            r#"{ "StartAt": "P", "States": {
              "P": { "Type": "Parallel", "End": true, "Branches": [
                { "StartAt": "M", "States": { "M": { "Type": "Map", "End": true,
                  "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                    "StartAt": "X", "States": { "X": { "Type": "Pass", "End": true } } } } } },
                { "StartAt": "Y", "States": { "Y": { "Type": "Succeed" } } } ] } } }"#,
        );
        assert_eq!(g.nodes[0].detail, "2 branches");
        let branch = &g.nodes[0].children[0];
        assert_eq!(branch.nodes[0].detail, "Distributed");
        assert_eq!(branch.nodes[0].children[0].nodes[0].name, "X");
    }

    /// An invalid definition gives the check's report.
    #[test]
    fn invalid_gives_the_report() {
        let report = graph_of(
            Source::new(
                "bad.asl.json",
                r#"{ "StartAt": "A", "States": { "A": { "Type": "Pass", "Next": "Nowhere" } } }"#,
            ),
            &Options::default(),
        )
        .expect_err("invalid");
        assert!(report.diagnostics.iter().any(|d| d.code.id() == "ASL203"));
    }
}
