//! JSONPath evaluation in the dialect AWS Step Functions uses (Jayway-style), over paths the
//! compiler parsed at build time and wrote into the generated code as `static` [`Path`]s.
//!
//! Written by hand because JSONPath crates implement RFC 9535, whose results differ from AWS's
//! (indefinite paths always yield an array, even empty; definite paths that match nothing are
//! errors the caller reports; `$$` and `$var` roots; Jayway's `.length()` and script indexes).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::lang::lit::Lit;

/// Where a path starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Root {
    /// `$`
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(&'static str),
}

/// What one step selects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selector {
    /// `.name`, `['name']`
    Field(&'static str),
    /// `['a','b']`
    Fields(&'static [&'static str]),
    /// `[i]` (negative counts from the end)
    Index(i64),
    /// `[i,j]`
    Indexes(&'static [i64]),
    /// `*`
    Wildcard,
    /// `[start:end:step]`
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `[?(…)]`
    Filter(&'static Filter),
    /// `[(…)]`: Jayway's script index, e.g. `@.length-1`.
    Script(&'static str),
    /// `.length()` and friends.
    Function(&'static str),
}

/// A step: a selector on children, or on all descendants (`..`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// `..`
    pub descendant: bool,
    /// What it selects.
    pub selector: Selector,
}

/// A compiled path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Path {
    /// The text as written in the definition (for error messages).
    pub text: &'static str,
    /// The root.
    pub root: Root,
    /// The steps.
    pub steps: &'static [Step],
}

/// A filter expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Filter {
    /// `a || b`
    Or(&'static Filter, &'static Filter),
    /// `a && b`
    And(&'static Filter, &'static Filter),
    /// `!a`
    Not(&'static Filter),
    /// `a op b`
    Compare(Operand, CompareOp, Operand),
    /// `@.a` exists
    Exists(Operand),
}

/// Filter comparison operators (Jayway's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`
    Matches,
    /// `in`
    In,
    /// `nin`
    Nin,
    /// `subsetof`
    SubsetOf,
    /// `anyof`
    AnyOf,
    /// `noneof`
    NoneOf,
    /// `size`
    Size,
    /// `empty`
    Empty,
    /// `contains`
    Contains,
}

/// One side of a filter comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    /// `@…`
    Current(&'static [Step]),
    /// `$…`, `$$…`, `$var…`
    Path(&'static Path),
    /// A literal.
    Literal(Lit),
    /// `/regex/flags`
    Regex(&'static str, &'static str),
}

impl Path {
    /// `true` if the path may select several nodes: its result is then always an array.
    pub fn is_indefinite(&self) -> bool {
        self.steps.iter().any(|s| {
            s.descendant
                || matches!(
                    s.selector,
                    Selector::Fields(_)
                        | Selector::Indexes(_)
                        | Selector::Wildcard
                        | Selector::Slice(..)
                        | Selector::Filter(_)
                )
        })
    }

    /// Jayway's normalized form, used in AWS's messages: `$['a'][0]`.
    pub fn normalized(&self) -> String {
        self.normalized_prefix(self.steps.len())
    }

    /// The normalized form of the root and the first `n` steps.
    pub fn normalized_prefix(&self, n: usize) -> String {
        let mut s = String::from(match self.root {
            Root::Input => "$",
            Root::Context => "$$",
            Root::Variable(v) => return format!("${v}"),
        });
        for step in &self.steps[..n.min(self.steps.len())] {
            if step.descendant {
                s.push_str("..");
            }
            match step.selector {
                Selector::Field(f) => s.push_str(&format!("['{f}']")),
                Selector::Fields(fs) => {
                    let parts: Vec<String> = fs.iter().map(|f| format!("'{f}'")).collect();
                    s.push_str(&format!("[{}]", parts.join(",")));
                }
                Selector::Index(i) => s.push_str(&format!("[{i}]")),
                Selector::Indexes(is) => {
                    let parts: Vec<String> = is.iter().map(i64::to_string).collect();
                    s.push_str(&format!("[{}]", parts.join(",")));
                }
                Selector::Wildcard => s.push_str("[*]"),
                Selector::Slice(a, b, _) => s.push_str(&format!(
                    "[{}:{}]",
                    a.map(|v| v.to_string()).unwrap_or_default(),
                    b.map(|v| v.to_string()).unwrap_or_default()
                )),
                Selector::Filter(_) => s.push_str("[?]"),
                Selector::Script(t) => s.push_str(&format!("[({t})]")),
                Selector::Function(f) => s.push_str(&format!(".{f}()")),
            }
        }
        s
    }
}

/// The context object (`$$`), built only when a path reads it: it holds the execution input,
/// which can be large.
pub trait Context: Sync {
    /// The context object.
    fn get(&self) -> &Value;
}

impl Context for Value {
    fn get(&self) -> &Value {
        self
    }
}

/// The documents a path can start from.
#[derive(Clone, Copy)]
pub struct Roots<'a> {
    /// `$`
    pub input: &'a Value,
    /// `$$`
    pub context: &'a dyn Context,
    /// Variables visible to the state.
    pub variables: Option<&'a Map<String, Value>>,
    /// `$$.Map.Item` inside a Map's `ItemSelector`, kept apart from `context` so an
    /// iteration copies neither the context object nor its item (CTX-7).
    pub map: Option<MapItem<'a>>,
}

/// The item a Map iteration is for (`$$.Map.Item.Index`, `$$.Map.Item.Value`).
#[derive(Debug, Clone, Copy)]
pub struct MapItem<'a> {
    /// Its index in the items array.
    pub index: usize,
    /// The item.
    pub value: &'a Value,
}

impl MapItem<'_> {
    /// `{"Item": {"Index": …, "Value": …}}`.
    pub fn to_value(self) -> Value {
        let mut item = Map::new();
        item.insert("Index".into(), self.index.into());
        item.insert("Value".into(), self.value.clone());
        let mut map = Map::new();
        map.insert("Item".into(), Value::Object(item));
        Value::Object(map)
    }
}

/// The result of evaluating a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection<'v> {
    /// A definite path that matched nothing.
    Missing,
    /// A definite path's node (or a function's result).
    One(Cow<'v, Value>),
    /// An indefinite path's nodes, in document order (possibly none).
    Many(Vec<Cow<'v, Value>>),
}

impl<'v> Selection<'v> {
    /// The value: a definite match, or the array of an indefinite one; `None` when missing.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Selection::Missing => None,
            Selection::One(v) => Some(v.into_owned()),
            Selection::Many(vs) => {
                Some(Value::Array(vs.into_iter().map(Cow::into_owned).collect()))
            }
        }
    }
}

/// Jayway's message for a definite path that matched nothing, as AWS reports it (DATA-18):
/// a missing leaf is `No results for path: $['a']['b']`, a missing property on the way is
/// `Missing property in path $['a']`.
pub fn not_found_message(path: &Path, roots: &Roots<'_>) -> String {
    let start = match path.root {
        Root::Input => Some(roots.input),
        Root::Context => Some(roots.context.get()),
        Root::Variable(v) => roots.variables.and_then(|vars| vars.get(v)),
    };
    let mut node = start;
    for (i, step) in path.steps.iter().enumerate() {
        let next = match (step.descendant, step.selector, node) {
            (false, Selector::Field(f), Some(Value::Object(m))) => m.get(f),
            (false, Selector::Index(k), Some(Value::Array(a))) => {
                index_of(a.len(), k).and_then(|i| a.get(i))
            }
            _ => break,
        };
        if next.is_none() {
            if i + 1 < path.steps.len() && matches!(node, Some(Value::Object(_))) {
                return format!("Missing property in path {}", path.normalized_prefix(i + 1));
            }
            break;
        }
        node = next;
    }
    format!("No results for path: {}", path.normalized())
}

/// The common case without allocating: field and index steps over objects and arrays.
/// `None` when a step needs the general evaluation (anything else).
fn definite_walk<'v>(start: &'v Value, steps: &[Step]) -> Option<Option<&'v Value>> {
    let mut node = start;
    for step in steps {
        if step.descendant {
            return None;
        }
        node = match (step.selector, node) {
            (Selector::Field(f), Value::Object(m)) => match m.get(f) {
                Some(v) => v,
                None => return Some(None),
            },
            (Selector::Index(k), Value::Array(a)) => {
                match index_of(a.len(), k).and_then(|i| a.get(i)) {
                    Some(v) => v,
                    None => return Some(None),
                }
            }
            _ => return None,
        };
    }
    Some(Some(node))
}

/// Why a path could not be evaluated (distinct from "matched nothing").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(pub String);

/// Evaluates `path` against `roots`.
pub fn select<'v>(path: &Path, roots: &Roots<'v>) -> Result<Selection<'v>, EvalError> {
    let mut steps = path.steps;
    let start: &'v Value = match path.root {
        Root::Input => roots.input,
        Root::Context => match (roots.map, steps.first()) {
            (
                Some(item),
                Some(Step {
                    descendant: false,
                    selector: Selector::Field("Map"),
                }),
            ) => {
                let field = |i: usize| match steps.get(i) {
                    Some(Step {
                        descendant: false,
                        selector: Selector::Field(f),
                    }) => Some(*f),
                    _ => None,
                };
                match (field(1), field(2), steps.len()) {
                    (Some("Item"), Some("Index"), 3) => {
                        return Ok(Selection::One(Cow::Owned(item.index.into())));
                    }
                    (Some("Item"), Some("Value"), _) => {
                        steps = &steps[3..];
                        item.value
                    }
                    // Anything else under `$$.Map`: evaluate on the built object.
                    _ => {
                        let whole = item.to_value();
                        let rest = Path {
                            text: path.text,
                            root: Root::Input,
                            steps: &steps[1..],
                        };
                        let local = Roots {
                            input: &whole,
                            ..*roots
                        };
                        return Ok(match select(&rest, &local)? {
                            Selection::Missing => Selection::Missing,
                            Selection::One(v) => Selection::One(Cow::Owned(v.into_owned())),
                            Selection::Many(vs) => Selection::Many(
                                vs.into_iter().map(|v| Cow::Owned(v.into_owned())).collect(),
                            ),
                        });
                    }
                }
            }
            (Some(item), None) => {
                let mut whole = roots.context.get().clone();
                if let Value::Object(m) = &mut whole {
                    m.insert("Map".into(), item.to_value());
                }
                return Ok(Selection::One(Cow::Owned(whole)));
            }
            _ => roots.context.get(),
        },
        Root::Variable(name) => match roots.variables.and_then(|v| v.get(name)) {
            Some(v) => v,
            None => return Ok(Selection::Missing),
        },
    };
    let indefinite = path.is_indefinite();
    if !indefinite && let Some(found) = definite_walk(start, steps) {
        return Ok(found.map_or(Selection::Missing, |v| Selection::One(Cow::Borrowed(v))));
    }
    let mut current: Vec<Cow<'v, Value>> = vec![Cow::Borrowed(start)];
    for step in steps {
        let mut next = Vec::new();
        for node in current {
            apply_step(node, step, roots, &mut next)?;
        }
        current = next;
        if current.is_empty() && !indefinite {
            return Ok(Selection::Missing);
        }
    }
    if indefinite {
        Ok(Selection::Many(current))
    } else {
        Ok(current
            .into_iter()
            .next()
            .map_or(Selection::Missing, Selection::One))
    }
}

fn index_of(len: usize, i: i64) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let idx = if i < 0 { len.checked_add(i)? } else { i };
    (0..len).contains(&idx).then_some(idx as usize)
}

// The `Cow` tells whether the child can be borrowed for `'v` or must be cloned.
#[allow(clippy::ptr_arg)]
fn push_at<'v, I: serde_json::value::Index>(
    node: &Cow<'v, Value>,
    at: I,
    out: &mut Vec<Cow<'v, Value>>,
) {
    match node {
        Cow::Borrowed(v) => {
            if let Some(c) = v.get(at) {
                out.push(Cow::Borrowed(c));
            }
        }
        Cow::Owned(v) => {
            if let Some(c) = v.get(at) {
                out.push(Cow::Owned(c.clone()));
            }
        }
    }
}

fn children<'v>(node: &Cow<'v, Value>) -> Vec<Cow<'v, Value>> {
    match node {
        Cow::Borrowed(Value::Array(a)) => a.iter().map(Cow::Borrowed).collect(),
        Cow::Borrowed(Value::Object(m)) => m.values().map(Cow::Borrowed).collect(),
        Cow::Owned(Value::Array(a)) => a.iter().cloned().map(Cow::Owned).collect(),
        Cow::Owned(Value::Object(m)) => m.values().cloned().map(Cow::Owned).collect(),
        _ => Vec::new(),
    }
}

fn apply_step<'v>(
    node: Cow<'v, Value>,
    step: &Step,
    roots: &Roots<'v>,
    out: &mut Vec<Cow<'v, Value>>,
) -> Result<(), EvalError> {
    if step.descendant {
        // The node itself and every descendant, in document order.
        let mut stack = vec![node];
        let mut all = Vec::new();
        while let Some(n) = stack.pop() {
            let mut kids = children(&n);
            kids.reverse();
            all.push(n);
            stack.extend(kids);
        }
        let plain = Step {
            descendant: false,
            selector: step.selector,
        };
        for n in all {
            // `..name` ignores nodes without the field; `..*` takes every child.
            apply_step(n, &plain, roots, out)?;
        }
        return Ok(());
    }
    match step.selector {
        Selector::Field(f) => push_at(&node, f, out),
        Selector::Fields(fs) => {
            for f in fs {
                push_at(&node, f, out);
            }
        }
        Selector::Index(i) => {
            if let Some(len) = node.as_array().map(Vec::len)
                && let Some(idx) = index_of(len, i)
            {
                push_at(&node, idx, out);
            }
        }
        Selector::Indexes(is) => {
            if let Some(len) = node.as_array().map(Vec::len) {
                for i in is {
                    if let Some(idx) = index_of(len, *i) {
                        push_at(&node, idx, out);
                    }
                }
            }
        }
        Selector::Wildcard => out.extend(children(&node)),
        Selector::Slice(start, end, step) => {
            if let Some(len) = node.as_array().map(Vec::len) {
                for idx in slice_indexes(len, start, end, step) {
                    push_at(&node, idx, out);
                }
            }
        }
        Selector::Filter(f) => {
            let candidates: Vec<Cow<'v, Value>> = match &*node {
                Value::Array(_) => children(&node),
                Value::Object(_) => vec![node.clone()],
                _ => Vec::new(),
            };
            for c in candidates {
                if filter_matches(f, c.as_ref(), roots)? {
                    out.push(c);
                }
            }
        }
        Selector::Script(script) => {
            if let Some(len) = node.as_array().map(Vec::len) {
                let idx = script_index(script, len)?;
                if let Some(idx) = index_of(len, idx) {
                    push_at(&node, idx, out);
                }
            }
        }
        Selector::Function(name) => out.push(Cow::Owned(function(name, &node)?)),
    }
    Ok(())
}

fn slice_indexes(
    len: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> Vec<usize> {
    let len = len as i64;
    let step = step.unwrap_or(1);
    let clamp = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
    let mut out = Vec::new();
    if step > 0 {
        let (mut i, e) = (clamp(start.unwrap_or(0)), clamp(end.unwrap_or(len)));
        while i < e {
            out.push(i as usize);
            i += step;
        }
    } else if step < 0 {
        let s = start.map_or(len - 1, |v| if v < 0 { len + v } else { v.min(len - 1) });
        let e = end.map_or(-1, |v| if v < 0 { (len + v).max(-1) } else { v });
        let mut i = s;
        while i > e {
            if (0..len).contains(&i) {
                out.push(i as usize);
            }
            i += step;
        }
    }
    out
}

/// Jayway's script index: `@.length-1`, `@.length - 2`, `@.length`.
fn script_index(script: &str, len: usize) -> Result<i64, EvalError> {
    let s: String = script.chars().filter(|c| !c.is_whitespace()).collect();
    let rest = s
        .strip_prefix("@.length")
        .ok_or_else(|| EvalError(format!("unsupported script expression `({script})`")))?;
    let len = len as i64;
    if rest.is_empty() {
        return Ok(len);
    }
    let (sign, num) = rest.split_at(1);
    let n: i64 = num
        .parse()
        .map_err(|_| EvalError(format!("unsupported script expression `({script})`")))?;
    match sign {
        "-" => Ok(len - n),
        "+" => Ok(len + n),
        _ => Err(EvalError(format!(
            "unsupported script expression `({script})`"
        ))),
    }
}

fn numbers(v: &Value) -> Result<Vec<f64>, EvalError> {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_f64()
                    .ok_or_else(|| EvalError("aggregation function on non-numeric values".into()))
            })
            .collect(),
        _ => Err(EvalError("aggregation function on a non-array".into())),
    }
}

fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Jayway's path functions.
fn function(name: &str, v: &Value) -> Result<Value, EvalError> {
    Ok(match name {
        "length" | "size" => match v {
            Value::Array(a) => Value::from(a.len()),
            Value::Object(m) => Value::from(m.len()),
            Value::String(s) => Value::from(s.chars().count()),
            _ => return Err(EvalError(format!("{name}() applied to a {}", type_name(v)))),
        },
        "min" | "max" | "avg" | "sum" | "stddev" => {
            let ns = numbers(v)?;
            if ns.is_empty() && name != "sum" {
                return Err(EvalError(format!("{name}() of an empty array")));
            }
            let sum: f64 = ns.iter().sum();
            match name {
                "min" => float(ns.iter().copied().fold(f64::INFINITY, f64::min)),
                "max" => float(ns.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                "sum" => float(sum),
                "avg" => float(sum / ns.len() as f64),
                _ => {
                    let mean = sum / ns.len() as f64;
                    let var = ns.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / ns.len() as f64;
                    float(var.sqrt())
                }
            }
        }
        "first" => v
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or(Value::Null),
        "last" => v
            .as_array()
            .and_then(|a| a.last())
            .cloned()
            .unwrap_or(Value::Null),
        "keys" => match v {
            Value::Object(m) => Value::Array(m.keys().cloned().map(Value::String).collect()),
            _ => return Err(EvalError("keys() applied to a non-object".into())),
        },
        other => return Err(EvalError(format!("unknown path function {other}()"))),
    })
}

/// The JSON type name AWS uses in messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn operand_values<'v>(
    op: &Operand,
    current: &Value,
    roots: &Roots<'v>,
) -> Result<Option<Value>, EvalError> {
    Ok(match op {
        Operand::Current(steps) => {
            let path = Path {
                text: "@",
                root: Root::Input,
                steps,
            };
            let local = Roots {
                input: current,
                context: roots.context,
                variables: roots.variables,
                map: roots.map,
            };
            match select(&path, &local)? {
                Selection::Missing => None,
                Selection::One(v) => Some(v.into_owned()),
                Selection::Many(vs) => {
                    Some(Value::Array(vs.into_iter().map(Cow::into_owned).collect()))
                }
            }
        }
        Operand::Path(p) => select(p, roots)?.into_value(),
        Operand::Literal(l) => Some(l.to_value()),
        Operand::Regex(..) => None,
    })
}

fn filter_matches<'v>(f: &Filter, current: &Value, roots: &Roots<'v>) -> Result<bool, EvalError> {
    Ok(match f {
        Filter::Or(a, b) => {
            filter_matches(a, current, roots)? || filter_matches(b, current, roots)?
        }
        Filter::And(a, b) => {
            filter_matches(a, current, roots)? && filter_matches(b, current, roots)?
        }
        Filter::Not(a) => !filter_matches(a, current, roots)?,
        Filter::Exists(op) => operand_values(op, current, roots)?.is_some(),
        Filter::Compare(l, op, r) => {
            let left = operand_values(l, current, roots)?;
            if let (CompareOp::Matches, Operand::Regex(re, flags)) = (op, r) {
                let Some(Value::String(s)) = left else {
                    return Ok(false);
                };
                return regex_match(re, flags, &s);
            }
            let right = operand_values(r, current, roots)?;
            let (Some(left), Some(right)) = (left, right) else {
                return Ok(false);
            };
            compare(&left, *op, &right)?
        }
    })
}

fn regex_match(re: &str, flags: &str, s: &str) -> Result<bool, EvalError> {
    let mut b = regex::RegexBuilder::new(re);
    b.case_insensitive(flags.contains('i'));
    b.multi_line(flags.contains('m'));
    b.dot_matches_new_line(flags.contains('s'));
    let re = b
        .build()
        .map_err(|e| EvalError(format!("invalid regular expression /{re}/: {e}")))?;
    // Jayway matches the whole string.
    Ok(re
        .find(s)
        .is_some_and(|m| m.start() == 0 && m.end() == s.len()))
}

fn compare(l: &Value, op: CompareOp, r: &Value) -> Result<bool, EvalError> {
    use std::cmp::Ordering;
    let ord = match (l, r) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    Ok(match op {
        CompareOp::Eq => ord.map_or(l == r, |o| o == Ordering::Equal),
        CompareOp::Ne => !ord.map_or(l == r, |o| o == Ordering::Equal),
        CompareOp::Lt => ord == Some(Ordering::Less),
        CompareOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => ord == Some(Ordering::Greater),
        CompareOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        CompareOp::Matches => match (l, r) {
            (Value::String(s), Value::String(re)) => regex_match(re, "", s)?,
            _ => false,
        },
        CompareOp::In => r.as_array().is_some_and(|a| a.contains(l)),
        CompareOp::Nin => !r.as_array().is_some_and(|a| a.contains(l)),
        CompareOp::SubsetOf => match (l, r) {
            (Value::Array(a), Value::Array(b)) => a.iter().all(|x| b.contains(x)),
            _ => false,
        },
        CompareOp::AnyOf => match (l, r) {
            (Value::Array(a), Value::Array(b)) => a.iter().any(|x| b.contains(x)),
            _ => false,
        },
        CompareOp::NoneOf => match (l, r) {
            (Value::Array(a), Value::Array(b)) => !a.iter().any(|x| b.contains(x)),
            _ => false,
        },
        CompareOp::Size => {
            let n = r.as_u64();
            match l {
                Value::Array(a) => n == Some(a.len() as u64),
                Value::String(s) => n == Some(s.chars().count() as u64),
                _ => false,
            }
        }
        CompareOp::Empty => {
            let empty = match l {
                Value::Array(a) => a.is_empty(),
                Value::String(s) => s.is_empty(),
                _ => return Ok(false),
            };
            r.as_bool() == Some(empty)
        }
        CompareOp::Contains => match l {
            Value::Array(a) => a.contains(r),
            Value::String(s) => r.as_str().is_some_and(|x| s.contains(x)),
            _ => false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roots<'a>(input: &'a Value, ctx: &'a Value) -> Roots<'a> {
        Roots {
            input,
            context: ctx,
            variables: None,
            map: None,
        }
    }

    fn step(selector: Selector) -> Step {
        Step {
            descendant: false,
            selector,
        }
    }

    #[test]
    fn definite_and_indefinite() {
        let input = json!({"items": [{"v": 1}, {"v": 2}, {"v": 3}], "a": {"b": "c"}});
        let ctx = json!({"Execution": {"Id": "x"}});
        let r = roots(&input, &ctx);
        static P1: Path = Path {
            text: "$.a.b",
            root: Root::Input,
            steps: &[
                Step {
                    descendant: false,
                    selector: Selector::Field("a"),
                },
                Step {
                    descendant: false,
                    selector: Selector::Field("b"),
                },
            ],
        };
        assert_eq!(select(&P1, &r).expect("ok").into_value(), Some(json!("c")));
        static P2: Path = Path {
            text: "$.items[*].v",
            root: Root::Input,
            steps: &[
                Step {
                    descendant: false,
                    selector: Selector::Field("items"),
                },
                Step {
                    descendant: false,
                    selector: Selector::Wildcard,
                },
                Step {
                    descendant: false,
                    selector: Selector::Field("v"),
                },
            ],
        };
        assert_eq!(
            select(&P2, &r).expect("ok").into_value(),
            Some(json!([1, 2, 3]))
        );
        static P3: Path = Path {
            text: "$.nope[*]",
            root: Root::Input,
            steps: &[
                Step {
                    descendant: false,
                    selector: Selector::Field("nope"),
                },
                Step {
                    descendant: false,
                    selector: Selector::Wildcard,
                },
            ],
        };
        assert_eq!(select(&P3, &r).expect("ok").into_value(), Some(json!([])));
        static P4: Path = Path {
            text: "$.items[10]",
            root: Root::Input,
            steps: &[
                Step {
                    descendant: false,
                    selector: Selector::Field("items"),
                },
                Step {
                    descendant: false,
                    selector: Selector::Index(10),
                },
            ],
        };
        assert_eq!(select(&P4, &r).expect("ok"), Selection::Missing);
        assert_eq!(P4.normalized(), "$['items'][10]");
        static P5: Path = Path {
            text: "$$.Execution.Id",
            root: Root::Context,
            steps: &[
                Step {
                    descendant: false,
                    selector: Selector::Field("Execution"),
                },
                Step {
                    descendant: false,
                    selector: Selector::Field("Id"),
                },
            ],
        };
        assert_eq!(select(&P5, &r).expect("ok").into_value(), Some(json!("x")));
    }

    #[test]
    fn slices_filters_functions() {
        let input = json!([0, 1, 2, 3, 4, 5]);
        let ctx = Value::Null;
        let r = roots(&input, &ctx);
        let sel = |s: Selector| {
            let steps: &'static [Step] = Box::leak(vec![step(s)].into_boxed_slice());
            let p = Path {
                text: "$",
                root: Root::Input,
                steps,
            };
            select(&p, &r).expect("ok").into_value()
        };
        assert_eq!(
            sel(Selector::Slice(Some(1), Some(3), None)),
            Some(json!([1, 2]))
        );
        assert_eq!(
            sel(Selector::Slice(Some(-2), None, None)),
            Some(json!([4, 5]))
        );
        assert_eq!(
            sel(Selector::Slice(None, None, Some(2))),
            Some(json!([0, 2, 4]))
        );
        assert_eq!(sel(Selector::Index(-1)), Some(json!(5)));
        assert_eq!(sel(Selector::Script("@.length-1")), Some(json!(5)));
        assert_eq!(sel(Selector::Function("length")), Some(json!(6)));
        static F: Filter = Filter::Compare(
            Operand::Current(&[]),
            CompareOp::Gt,
            Operand::Literal(Lit::Int(3)),
        );
        assert_eq!(sel(Selector::Filter(&F)), Some(json!([4, 5])));
    }

    #[test]
    fn descendants() {
        let input = json!({"a": {"name": 1, "b": [{"name": 2}]}, "name": 0});
        let ctx = Value::Null;
        let r = roots(&input, &ctx);
        static P: Path = Path {
            text: "$..name",
            root: Root::Input,
            steps: &[Step {
                descendant: true,
                selector: Selector::Field("name"),
            }],
        };
        assert_eq!(
            select(&P, &r).expect("ok").into_value(),
            Some(json!([0, 1, 2]))
        );
    }
}
