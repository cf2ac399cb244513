//! JSONata, the query language of `"QueryLanguage": "JSONata"` states (JSONATA-*).
//!
//! Why our own evaluator: generated code stores every expression pre-parsed as a static
//! [`Node`] tree (asl-codegen parses and checks it at compile time), so the engine must walk
//! that tree rather than re-parse text. We measured the Rust crates against the corpus and
//! JSONata's own test suite before deciding: jsonata-rs parses text at run time, panics on
//! valid input (the parent operator, immediately-invoked lambdas) and lacks part of the
//! library; no crate evaluates a caller-supplied tree. The semantics follow jsonata-js 2.0
//! (the version Step Functions runs): sequences and singleton collapse, path flattening,
//! predicates, grouping, order-by, closures, partial application, `~>` chaining, transforms,
//! and JavaScript number printing and string indexing. Step Functions' additions
//! (`$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid`, `$parse`) are in
//! the `functions` module; `$eval` is absent, as on AWS.
//!
//! The focus and index bindings `@`/`#` and the parent operator `%` make a path a tuple
//! stream (the `tuples` module of the evaluator; asl-codegen resolves each `%` to its step at
//! compile time). Lambda type signatures are checked on every call.

/// The syntax tree asl-codegen emits: part of generated code's ABI (`__codegen`), not a
/// stable API.
#[doc(hidden)]
pub mod ast;
mod eval;
mod format;
mod functions;
mod number;
mod signature;
mod value;

use serde_json::{Map, Value as Json};

#[doc(hidden)]
pub use ast::{BinOp, Bound, Lambda, Node, Path, Step};
pub use value::Error;

use crate::error::{Failure, names};
use crate::lang::jsonpath::Context;
use crate::lang::lit::Lit;
use eval::{Evaluator, Globals};
use value::Value;

/// One `{% … %}` expression as generated code stores it.
#[derive(Debug, PartialEq)]
pub struct Expr {
    /// The tree.
    pub node: Node,
    /// The expression as written (for error causes).
    pub text: &'static str,
    /// Whether it may read `$states.context` (built only then).
    pub context: bool,
}

/// A JSONata-language field value: JSON whose strings may be `{% … %}` expressions.
#[derive(Debug, PartialEq)]
pub enum Template {
    /// A value without expressions.
    Lit(Lit),
    /// `"{% … %}"`.
    Expr(&'static Expr),
    /// An array with expressions inside.
    Array(&'static [Template]),
    /// An object with expressions inside.
    Object(&'static [(&'static str, Template)]),
}

/// What expressions of one state see: `$states` and the workflow variables (JSONATA-6).
pub struct Scope<'a> {
    /// `$states.input`.
    pub input: &'a Json,
    /// `$states.result`, where the field may read it.
    pub result: Option<&'a Json>,
    /// `$states.errorOutput` (a Catcher's `Output`/`Assign`).
    pub error_output: Option<&'a Json>,
    /// `$states.context`.
    pub context: Option<&'a dyn Context>,
    /// The workflow variables.
    pub vars: Option<&'a Map<String, Json>>,
    /// In a Map's `ItemSelector`: the item's index and value (`$states.context.Map.Item`).
    pub map_item: Option<(usize, &'a Json)>,
}

/// What evaluating an expression gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluated {
    /// A JSON value.
    Value(Json),
    /// Nothing (`undefined`).
    Undefined,
    /// A function, which has no JSON form.
    Function,
}

/// Evaluates `expr` in `scope`.
pub fn evaluate(expr: &'static Expr, scope: &Scope<'_>) -> Result<Evaluated, Error> {
    let mut states = indexmap::IndexMap::new();
    states.insert("input".to_string(), Value::from_json(scope.input));
    if let Some(r) = scope.result {
        states.insert("result".to_string(), Value::from_json(r));
    }
    if let Some(e) = scope.error_output {
        states.insert("errorOutput".to_string(), Value::from_json(e));
    }
    if expr.context
        && let Some(c) = scope.context
    {
        let context = match scope.map_item {
            None => Value::from_json(c.get()),
            // The state's context plus `Map.Item`, borrowing both (no copy per item).
            Some((index, item)) => {
                let mut m: indexmap::IndexMap<String, Value<'_>> = match c.get() {
                    Json::Object(o) => o
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::from_json(v)))
                        .collect(),
                    _ => indexmap::IndexMap::new(),
                };
                let mut it = indexmap::IndexMap::new();
                it.insert("Index".to_string(), Value::Num(index as f64));
                it.insert("Value".to_string(), Value::from_json(item));
                let mut map = indexmap::IndexMap::new();
                map.insert("Item".to_string(), Value::object(it));
                m.insert("Map".to_string(), Value::object(map));
                Value::object(m)
            }
        };
        states.insert("context".to_string(), context);
    }
    let ev = Evaluator::new(Globals {
        states: Some(Value::object(states)),
        vars: scope.vars,
        root: None,
    });
    Ok(match ev.run(&expr.node)? {
        None => Evaluated::Undefined,
        Some(v) => match v.to_json() {
            Some(j) => Evaluated::Value(j),
            None => Evaluated::Function,
        },
    })
}

/// Evaluates `node` against a plain JSON `input` (`$` and `$$`) and variable `bindings`, as
/// the JSONata test suite runs expressions; `Ok(None)` is undefined.
pub fn evaluate_with(
    node: &'static Node,
    input: Option<&Json>,
    bindings: Option<&Map<String, Json>>,
) -> Result<Option<Json>, Error> {
    let ev = Evaluator::new(Globals {
        states: None,
        vars: bindings,
        root: input.map(Value::from_json),
    });
    Ok(ev.run(node)?.and_then(|v| v.to_json()))
}

/// The failure for `expr` in `field` (`Output/result`): AWS's `States.QueryEvaluationError`
/// causes.
fn failure(expr: &Expr, field: &str, what: &str) -> Failure {
    Failure::new(
        names::QUERY_EVALUATION_ERROR,
        format!(
            "The JSONata expression '{}' specified for the field '{field}' {what}",
            expr.text
        ),
    )
}

/// Evaluates an expression that must produce a JSON value.
pub fn value(expr: &'static Expr, scope: &Scope<'_>, field: &str) -> Result<Json, Failure> {
    match evaluate(expr, scope) {
        Ok(Evaluated::Value(v)) => Ok(v),
        Ok(Evaluated::Undefined) => Err(failure(expr, field, "returned nothing (undefined).")),
        Ok(Evaluated::Function) => {
            Err(failure(expr, field, "returned an unsupported result type."))
        }
        Err(e) => Err(failure(
            expr,
            field,
            &format!("threw an error during evaluation. {e}"),
        )),
    }
}

/// Evaluates an expression that must produce a value of JSON type `expected` (`array`,
/// `number`, `string`, `boolean`).
pub fn typed(
    expr: &'static Expr,
    scope: &Scope<'_>,
    field: &str,
    expected: &str,
) -> Result<Json, Failure> {
    let v = value(expr, scope, field)?;
    let actual = match &v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    if actual == expected {
        return Ok(v);
    }
    Err(failure(
        expr,
        field,
        &format!(
            "returned an unexpected result type. Expected '{expected}', but was '{actual}' for \
             value: {v}"
        ),
    ))
}

/// Evaluates a template; `field` names it in errors (`Output`, `Arguments`, `Assign`).
pub fn template(t: &'static Template, scope: &Scope<'_>, field: &str) -> Result<Json, Failure> {
    match t {
        Template::Lit(l) => Ok(l.to_value()),
        Template::Expr(e) => value(e, scope, field),
        Template::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(template(item, scope, &format!("{field}/{i}"))?);
            }
            Ok(Json::Array(out))
        }
        Template::Object(members) => {
            let mut out = Map::with_capacity(members.len());
            for (k, v) in *members {
                out.insert(
                    (*k).to_string(),
                    template(v, scope, &format!("{field}/{k}"))?,
                );
            }
            Ok(Json::Object(out))
        }
    }
}
