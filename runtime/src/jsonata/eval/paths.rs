//! Path evaluation: each step mapped over the sequence of the previous one and flattened,
//! predicates, array constructors kept whole, field lookup, wildcards and descendants.

use std::rc::Rc;

use serde_json::Value as Json;

use super::tuples::selections;
use super::{Evaluator, Frame};
use crate::jsonata::ast::{Node, Path, Step};
use crate::jsonata::value::{Array, Error, Outcome, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn path(
        &self,
        p: &'static Path,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Outcome<'a> {
        // The common `$var.a.b` over objects: walked directly, without sequences.
        if let Some(v) = self.simple_path(p, frame) {
            return Ok(v);
        }
        if p.steps.iter().any(Step::binds) {
            let items = self.tuple_path(p, input, frame)?;
            let items = items.into_iter().filter_map(|t| t.into_item()).collect();
            return Ok(Some(keep_singleton(p, Value::sequence(items))));
        }
        let (mut seq, whole_first) = start(p, input);
        let mut result: Vec<Value<'a>> = Vec::new();
        let mut result_value: Option<Value<'a>> = None;
        let n = p.steps.len();
        for (i, step) in p.steps.iter().enumerate() {
            if i == 0 && step.cons_array {
                let ctx = Some(Value::sequence(seq.clone()));
                let v = self.eval(&step.node, &ctx, frame)?;
                let v = v.map(|v| mark_cons(v));
                result = match &v {
                    Some(v) => vec![v.clone()],
                    None => vec![],
                };
                result_value = v;
            } else {
                let (items, whole) =
                    self.step(step, &seq, i + 1 == n, frame, whole_first && i == 0, input)?;
                result = items;
                result_value = whole;
            }
            if result.is_empty() && result_value.is_none() {
                break;
            }
            if let Some(w) = &result_value {
                seq = w.to_items();
            } else {
                seq = result.clone();
            }
        }
        let out = match result_value {
            Some(v) => v,
            None => Value::sequence(result),
        };
        Ok(Some(keep_singleton(p, out)))
    }

    /// `$var.name.name…` without predicates where every value on the way is an object (or
    /// the walk ends early): the same result as the general path evaluation, computed without
    /// building sequences. `None` when the general evaluation is needed.
    fn simple_path(&self, p: &'static Path, frame: &Rc<Frame<'a>>) -> Option<Option<Value<'a>>> {
        if p.keep_singleton {
            return None;
        }
        let (first, rest) = p.steps.split_first()?;
        let Node::Var(name) = &first.node else {
            return None;
        };
        if !first.stages.is_empty() || first.cons_array || name.is_empty() {
            return None;
        }
        let names: Option<Vec<&str>> = rest
            .iter()
            .map(|s| match &s.node {
                Node::Name(n) if s.stages.is_empty() && !s.cons_array => Some(*n),
                _ => None,
            })
            .collect();
        let names = names?;
        let mut current = self.lookup(name, frame);
        for n in names {
            match current {
                None => return Some(None),
                // A step over an array maps over its items: the general rules.
                Some(v) if v.is_array() => return None,
                Some(v) => current = v.field(n),
            }
        }
        // A sequence-valued result still needs the general collapse rules; a plain array at
        // the end is returned whole, as the general evaluation does.
        match &current {
            Some(v) if v.is_sequence() => None,
            _ => Some(current),
        }
    }

    /// One step over every item of `seq`. Returns the flattened items, or (for the last
    /// step yielding a single non-sequence array) that array whole.
    #[allow(clippy::type_complexity)]
    pub(super) fn step(
        &self,
        step: &'static Step,
        seq: &[Value<'a>],
        last: bool,
        frame: &Rc<Frame<'a>>,
        first_var: bool,
        input: &Option<Value<'a>>,
    ) -> Result<(Vec<Value<'a>>, Option<Value<'a>>), Error> {
        if let Node::Sort(terms) = &step.node {
            let mut v = Some(Value::sequence(self.sort(terms, seq.to_vec(), frame)?));
            for s in step.stages {
                v = Some(self.filter(s, v, frame)?);
            }
            return Ok((v.map(|v| v.to_items()).unwrap_or_default(), None));
        }
        let mut results: Vec<Value<'a>> = Vec::new();
        // A variable as first step is evaluated against the whole context, once.
        let contexts: Vec<Option<Value<'a>>> = if first_var {
            vec![input.clone()]
        } else {
            seq.iter().cloned().map(Some).collect()
        };
        for ctx in &contexts {
            let mut res = self.eval(&step.node, ctx, frame)?;
            if step.cons_array {
                res = res.map(mark_cons);
            }
            for s in step.stages {
                res = Some(self.filter(s, res, frame)?);
            }
            if let Some(r) = res {
                results.push(r);
            }
        }
        if last && results.len() == 1 && results[0].is_array() && !results[0].is_sequence() {
            let whole = results.pop();
            return Ok((Vec::new(), whole));
        }
        let mut out = Vec::new();
        for r in results {
            let cons = matches!(&r, Value::Array(a) if a.cons);
            match r.items() {
                Some(items) if !cons => out.extend(items),
                _ => out.push(r),
            }
        }
        Ok((out, None))
    }

    /// A predicate `[expr]` over `input`.
    pub(super) fn filter(
        &self,
        pred: &'static Node,
        input: Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Value<'a>, Error> {
        let items = match input {
            None => Vec::new(),
            Some(v) => v.to_items(),
        };
        let len = items.len() as f64;
        let index_of = |n: f64| -> f64 {
            let i = n.floor();
            if i < 0.0 { len + i } else { i }
        };
        if let Node::Num(n) = pred {
            let i = index_of(*n);
            let mut out = Vec::new();
            if i >= 0.0
                && let Some(item) = items.get(i as usize)
            {
                if item.is_array() {
                    return Ok(item.clone());
                }
                out.push(item.clone());
            }
            return Ok(Value::sequence(out));
        }
        let mut out = Vec::new();
        for (idx, item) in items.iter().enumerate() {
            let res = self.eval(pred, &Some(item.clone()), frame)?;
            // Once per matching index, as jsonata-js does (`[1,2][[0,0]]` is `[1,1]`).
            for _ in 0..selections(&res, idx, items.len()) {
                out.push(item.clone());
            }
        }
        Ok(Value::sequence(out))
    }
}

/// The sequence a path's first step runs over, and whether that step is evaluated once
/// against the whole context: a path starting with a variable, or without a context.
pub(super) fn start<'a>(p: &Path, input: &Option<Value<'a>>) -> (Vec<Value<'a>>, bool) {
    // A variable, with predicates or bindings or not.
    fn is_var(n: &Node) -> bool {
        match n {
            Node::Var(_) => true,
            Node::Filtered(inner, _) => is_var(inner),
            Node::Bound(b) => is_var(&b.node),
            _ => false,
        }
    }
    let first_is_var = p.steps.first().is_some_and(|s| is_var(&s.node));
    let seq = match input {
        Some(v) if !first_is_var && v.is_array() => v.to_items(),
        Some(v) => vec![v.clone()],
        None => vec![],
    };
    (seq, first_is_var || input.is_none())
}

/// A path's result, kept an array when a step ended in `[]`.
fn keep_singleton<'a>(p: &Path, out: Value<'a>) -> Value<'a> {
    if !p.keep_singleton {
        return out;
    }
    match out {
        Value::Array(a) => {
            let mut a = (*a).clone();
            if a.cons && !a.sequence {
                a = Array {
                    items: vec![Value::Array(Rc::new(a))],
                    sequence: true,
                    ..Array::default()
                };
            }
            a.keep_singleton = true;
            Value::Array(Rc::new(a))
        }
        v => v,
    }
}

pub(super) fn flatten_into<'a>(v: Value<'a>, out: &mut Vec<Value<'a>>) {
    match v.items() {
        Some(items) => {
            for i in items {
                flatten_into(i, out);
            }
        }
        None => out.push(v),
    }
}

fn mark_cons(v: Value<'_>) -> Value<'_> {
    match v {
        Value::Array(a) if !a.cons => {
            let mut a = (*a).clone();
            a.cons = true;
            Value::Array(Rc::new(a))
        }
        Value::Json(j @ Json::Array(_)) => {
            let mut a = Array {
                items: Value::Json(j).to_items(),
                ..Array::default()
            };
            a.cons = true;
            Value::Array(Rc::new(a))
        }
        v => v,
    }
}

/// A field of an object, mapped over arrays (flattening nested results).
pub(super) fn lookup_field<'a>(input: &Value<'a>, name: &str) -> Option<Value<'a>> {
    if input.is_array() {
        let mut out = Vec::new();
        for item in input.to_items() {
            if let Some(v) = lookup_field(&item, name) {
                match v.items() {
                    Some(items) => out.extend(items),
                    None => out.push(v),
                }
            }
        }
        return Some(Value::sequence(out));
    }
    input.field(name)
}

pub(super) fn descendants<'a>(v: &Value<'a>, out: &mut Vec<Value<'a>>) {
    if let Some(items) = v.items() {
        for i in &items {
            descendants(i, out);
        }
        return;
    }
    out.push(v.clone());
    if let Some(entries) = v.entries() {
        for (_, c) in &entries {
            descendants(c, out);
        }
    }
}
