//! The evaluator: jsonata-js's semantics (sequences, path flattening, predicates, grouping,
//! sorting, lambdas and closures, partial application, function chaining, transforms) over the
//! pre-processed tree of [`super::ast`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use super::ast::{BinOp, Node, Path, Step};
use super::functions::{self, Native};
use super::signature::Signature;
use super::value::{Array, Error, Func, Outcome, Value};

/// How deeply evaluation may nest (recursive lambdas) before failing instead of overflowing
/// the stack.
pub const MAX_DEPTH: usize = 5000;

/// How deeply values built by tail-recursive lambdas may nest.
pub const MAX_NESTING: usize = 2000;

/// How many evaluation steps one expression may take: bounds loops that tail recursion makes
/// possible (`function(){ $f() }`), which would otherwise never end.
pub const MAX_STEPS: u64 = 20_000_000;

/// A variable frame (`:=` bindings, lambda parameters), chained to the enclosing one.
#[derive(Default)]
pub struct Frame<'a> {
    /// Bindings; `None` is a name bound to undefined (it still hides outer bindings).
    vars: RefCell<Vec<(&'static str, Option<Value<'a>>)>>,
    parent: Option<Rc<Frame<'a>>>,
}

impl<'a> Frame<'a> {
    /// A frame inside `parent`.
    pub fn child(parent: &Rc<Frame<'a>>) -> Rc<Frame<'a>> {
        Rc::new(Frame {
            vars: RefCell::new(Vec::new()),
            parent: Some(Rc::clone(parent)),
        })
    }

    /// Binds `name` in this frame.
    pub fn bind(&self, name: &'static str, v: Option<Value<'a>>) {
        let mut vars = self.vars.borrow_mut();
        match vars.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = v,
            None => vars.push((name, v)),
        }
    }

    fn lookup(&self, name: &str) -> Option<Option<Value<'a>>> {
        if let Some((_, v)) = self.vars.borrow().iter().find(|(n, _)| *n == name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }
}

/// What an expression can see besides its own bindings.
pub struct Globals<'a> {
    /// `$states`.
    pub states: Option<Value<'a>>,
    /// Workflow variables.
    pub vars: Option<&'a Map<String, Json>>,
    /// `$$` and the initial `$`.
    pub root: Option<Value<'a>>,
}

/// Evaluates expressions against one set of globals.
pub struct Evaluator<'a> {
    globals: Globals<'a>,
    depth: Cell<usize>,
    steps: Cell<u64>,
    regexes: RefCell<HashMap<(&'static str, &'static str), Rc<fancy_regex::Regex>>>,
    signatures: RefCell<HashMap<&'static str, Rc<Signature>>>,
}

fn err<T>(code: &'static str, msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::new(code, msg))
}

/// `JSON.stringify` of a value for error messages.
pub(crate) fn show(v: &Option<Value<'_>>) -> String {
    match v {
        None => "undefined".into(),
        Some(v) => functions::stringify(v, false),
    }
}

/// Collapses a result sequence: empty → undefined, one item → the item.
fn collapse(v: Option<Value<'_>>) -> Option<Value<'_>> {
    match v {
        Some(Value::Array(a)) if a.sequence => match a.items.len() {
            0 => None,
            1 if !a.keep_singleton => a.items.first().cloned(),
            _ => Some(Value::Array(a)),
        },
        v => v,
    }
}

/// `fn.append`: concatenates, treating non-arrays as one-item arrays.
pub(crate) fn append<'a>(a: Option<Value<'a>>, b: Option<Value<'a>>) -> Option<Value<'a>> {
    match (a, b) {
        (None, b) => b,
        (a, None) => a,
        (Some(a), Some(b)) => {
            let mut items = a.to_items();
            items.extend(b.to_items());
            let seq = a.is_sequence();
            Some(if seq {
                Value::sequence(items)
            } else {
                Value::array(items)
            })
        }
    }
}

fn flatten_into<'a>(v: Value<'a>, out: &mut Vec<Value<'a>>) {
    match v.items() {
        Some(items) => {
            for i in items {
                flatten_into(i, out);
            }
        }
        None => out.push(v),
    }
}

fn is_integer(n: f64) -> bool {
    n.is_finite() && n.fract() == 0.0
}

impl<'a> Evaluator<'a> {
    /// An evaluator with `globals`.
    pub fn new(globals: Globals<'a>) -> Self {
        Evaluator {
            globals,
            depth: Cell::new(0),
            steps: Cell::new(0),
            regexes: RefCell::new(HashMap::new()),
            signatures: RefCell::new(HashMap::new()),
        }
    }

    /// Evaluates `node` with the root input as context.
    pub fn run(&self, node: &'static Node) -> Outcome<'a> {
        let frame = Rc::new(Frame::default());
        // An array input is wrapped so that paths see it as one context item (jsonata-js's
        // "outer wrapper"); `$` and `*` unwrap it.
        let input = match &self.globals.root {
            Some(v) if v.is_array() && !v.is_sequence() => Some(Value::Array(Rc::new(Array {
                items: vec![v.clone()],
                sequence: true,
                outer_wrapper: true,
                ..Array::default()
            }))),
            v => v.clone(),
        };
        self.eval(node, &input, &frame)
    }

    fn lookup(&self, name: &str, frame: &Rc<Frame<'a>>) -> Option<Value<'a>> {
        if let Some(v) = frame.lookup(name) {
            return v;
        }
        match name {
            "$" => return self.globals.root.clone(),
            "states" => {
                if let Some(s) = &self.globals.states {
                    return Some(s.clone());
                }
            }
            _ => {}
        }
        if let Some(v) = self.globals.vars.and_then(|m| m.get(name)) {
            return Some(Value::from_json(v));
        }
        functions::lookup(name).map(|n| Value::Func(Rc::new(Func::Native(n))))
    }

    /// Evaluates `node` with context `input`.
    pub fn eval(
        &self,
        node: &'static Node,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Outcome<'a> {
        let d = self.depth.get() + 1;
        if d > MAX_DEPTH {
            return err(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider \
                 rewriting as tail-recursive.",
            );
        }
        let steps = self.steps.get() + 1;
        if steps > MAX_STEPS {
            return err(
                "U1001",
                "Expression evaluation timeout: Check for infinite loop",
            );
        }
        self.steps.set(steps);
        self.depth.set(d);
        // Deep recursion grows the stack on the heap instead of overflowing a worker
        // thread's.
        let r = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            self.eval_inner(node, input, frame)
        });
        self.depth.set(d - 1);
        Ok(collapse(r?))
    }

    fn eval_inner(
        &self,
        node: &'static Node,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Outcome<'a> {
        Ok(match node {
            Node::Str(s) => Some(Value::str(*s)),
            Node::Num(n) => Some(Value::Num(*n)),
            Node::Bool(b) => Some(Value::Bool(*b)),
            Node::Null => Some(Value::Null),
            Node::Regex(p, f) => Some(Value::Func(Rc::new(Func::Regex(self.regex(p, f)?)))),
            Node::Name(n) => input.as_ref().and_then(|i| lookup_field(i, n)),
            Node::Var(v) => {
                if v.is_empty() {
                    unwrap_outer(input)
                } else {
                    self.lookup(v, frame)
                }
            }
            Node::Wildcard => {
                let mut out = Vec::new();
                // Arrays count as objects keyed by index, as in JavaScript.
                let values = unwrap_outer(input).and_then(|i| {
                    i.entries()
                        .map(|e| e.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
                        .or_else(|| i.items())
                });
                if let Some(values) = values {
                    for v in values {
                        if v.is_array() {
                            flatten_into(v, &mut out);
                        } else {
                            out.push(v);
                        }
                    }
                }
                Some(Value::sequence(out))
            }
            Node::Descendants => match input {
                None => None,
                Some(i) => {
                    let mut out = Vec::new();
                    descendants(i, &mut out);
                    if out.len() == 1 {
                        out.pop()
                    } else {
                        Some(Value::sequence(out))
                    }
                }
            },
            Node::Neg(e) => match self.eval(e, input, frame)? {
                None => None,
                Some(Value::Num(n)) => Some(Value::Num(-n)),
                Some(v) => {
                    return err(
                        "D1002",
                        format!("Cannot negate a non-numeric value: {}", show(&Some(v))),
                    );
                }
            },
            Node::Binary(op, l, r) => self.binary(*op, l, r, input, frame)?,
            Node::Path(p) => self.path(p, input, frame)?,
            Node::Filtered(e, preds) => {
                let mut v = self.eval(e, input, frame)?;
                for p in *preds {
                    v = Some(self.filter(p, v, frame)?);
                }
                v
            }
            Node::Group(e, pairs) => {
                let v = self.eval(e, input, frame)?;
                Some(self.group(pairs, v, frame)?)
            }
            Node::Array(items) => {
                let mut out: Vec<Value<'a>> = Vec::new();
                for item in *items {
                    match self.eval(item, input, frame)? {
                        None => {}
                        // A nested array constructor (even with predicates) stays one item.
                        Some(v)
                            if matches!(
                                item,
                                Node::Array(_) | Node::Filtered(Node::Array(_), _)
                            ) =>
                        {
                            out.push(v)
                        }
                        Some(v) => match v.items() {
                            Some(vs) => out.extend(vs),
                            None => out.push(v),
                        },
                    }
                }
                Some(Value::array(out))
            }
            Node::Object(pairs) => Some(self.group(pairs, input.clone(), frame)?),
            Node::Condition(c, t, e) => {
                let cond = self.eval(c, input, frame)?;
                if cond.as_ref().is_some_and(Value::truthy) {
                    self.eval(t, input, frame)?
                } else if let Some(e) = e {
                    self.eval(e, input, frame)?
                } else {
                    None
                }
            }
            Node::Bind(name, e) => {
                let v = self.eval(e, input, frame)?;
                frame.bind(name, v.clone());
                v
            }
            Node::Block(items) => {
                let inner = Frame::child(frame);
                let mut last = None;
                for i in *items {
                    last = self.eval(i, input, &inner)?;
                }
                last
            }
            Node::Call(f, args) => self.call(f, args, input, frame, None)?,
            Node::Placeholder => None,
            Node::Lambda(def) => Some(Value::Func(Rc::new(Func::Lambda {
                def,
                frame: Rc::clone(frame),
                input: input.clone(),
            }))),
            Node::Apply(l, r) => {
                let lhs = self.eval(l, input, frame)?;
                if let Node::Call(f, args) = r
                    && !args.iter().any(|a| matches!(a, Node::Placeholder))
                {
                    self.call(f, args, input, frame, Some(lhs))?
                } else {
                    let func = self.eval(r, input, frame)?;
                    let Some(func @ Value::Func(_)) = func else {
                        return err(
                            "T2006",
                            "The right side of the function application operator ~> must be a \
                             function",
                        );
                    };
                    match lhs {
                        Some(f @ Value::Func(_)) => {
                            Some(Value::Func(Rc::new(Func::Chain(f, func))))
                        }
                        lhs => self.apply(&func, vec![lhs], &None)?,
                    }
                }
            }
            Node::Transform(pattern, update, delete) => Some(Value::Func(Rc::new(
                Func::Transform(pattern, update, *delete, Rc::clone(frame)),
            ))),
            Node::Sort(terms) => {
                let items = input.as_ref().map(Value::to_items).unwrap_or_default();
                Some(Value::sequence(self.sort(terms, items, frame)?))
            }
        })
    }

    /// A lambda's parsed signature (parsed once per evaluation).
    fn signature(&self, text: &'static str) -> Result<Rc<Signature>, Error> {
        if let Some(s) = self.signatures.borrow().get(text) {
            return Ok(Rc::clone(s));
        }
        let s = Rc::new(Signature::parse(text)?);
        self.signatures.borrow_mut().insert(text, Rc::clone(&s));
        Ok(s)
    }

    fn regex(&self, p: &'static str, f: &'static str) -> Result<Rc<fancy_regex::Regex>, Error> {
        if let Some(r) = self.regexes.borrow().get(&(p, f)) {
            return Ok(Rc::clone(r));
        }
        let r = Rc::new(functions::compile_regex(p, f)?);
        self.regexes.borrow_mut().insert((p, f), Rc::clone(&r));
        Ok(r)
    }

    // ----- paths ---------------------------------------------------------------------

    fn path(
        &self,
        p: &'static Path,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Outcome<'a> {
        // The common `$var.a.b` over objects: walked directly, without sequences.
        if let Some(v) = self.simple_path(p, frame) {
            return Ok(v);
        }
        let first_is_var = matches!(
            p.steps.first(),
            Some(Step {
                node: Node::Var(_),
                ..
            })
        );
        // A path starting with a variable, or without a context, evaluates its first step
        // once (against the whole context).
        let whole_first = first_is_var || input.is_none();
        let mut seq: Vec<Value<'a>> = match input {
            Some(v) if !first_is_var && v.is_array() => v.to_items(),
            Some(v) => vec![v.clone()],
            None => vec![],
        };
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
        let mut out = match result_value {
            Some(v) => v,
            None => Value::sequence(result),
        };
        if p.keep_singleton {
            out = match out {
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
            };
        }
        Ok(Some(out))
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
    fn step(
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
    fn filter(
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
            let res = match res {
                Some(Value::Num(n)) => Some(Value::array(vec![Value::Num(n)])),
                r => r,
            };
            let nums = res.as_ref().and_then(|r| {
                let items = r.items()?;
                (!items.is_empty() && items.iter().all(|i| i.as_num().is_some())).then_some(items)
            });
            if let Some(nums) = nums {
                // Once per matching index, as jsonata-js does (`[1,2][[0,0]]` is `[1,1]`).
                for n in &nums {
                    if index_of(n.as_num().unwrap_or(-1.0)) == idx as f64 {
                        out.push(item.clone());
                    }
                }
            } else if res.as_ref().is_some_and(Value::truthy) {
                out.push(item.clone());
            }
        }
        Ok(Value::sequence(out))
    }

    /// Group-by / object constructor over `input`.
    fn group(
        &self,
        pairs: &'static [(Node, Node)],
        input: Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Value<'a>, Error> {
        let items: Vec<Option<Value<'a>>> = match input {
            None => vec![None],
            Some(v) if v.is_array() => {
                let items = v.to_items();
                if items.is_empty() {
                    vec![None]
                } else {
                    items.into_iter().map(Some).collect()
                }
            }
            Some(v) => vec![Some(v)],
        };
        let mut groups: IndexMap<String, (Option<Value<'a>>, usize)> = IndexMap::new();
        for item in &items {
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = self.eval(k, item, frame)?;
                let key = match key {
                    None => continue,
                    Some(k) => match k.as_str() {
                        Some(s) => s.to_string(),
                        None => {
                            return err(
                                "T1003",
                                format!(
                                    "Key in object structure must evaluate to a string; got: {}",
                                    show(&Some(k))
                                ),
                            );
                        }
                    },
                };
                match groups.get_mut(&key) {
                    Some((data, idx)) => {
                        if *idx != pi {
                            return err(
                                "D1009",
                                format!(
                                    "Multiple key definitions evaluate to same key: {}",
                                    show(&Some(Value::str(key.as_str())))
                                ),
                            );
                        }
                        *data = append(data.take(), item.clone());
                    }
                    None => {
                        groups.insert(key, (item.clone(), pi));
                    }
                }
            }
        }
        let mut out = IndexMap::with_capacity(groups.len());
        for (key, (data, pi)) in groups {
            if let Some(v) = self.eval(&pairs[pi].1, &data, frame)? {
                out.insert(key, v);
            }
        }
        Ok(Value::object(out))
    }

    fn sort(
        &self,
        terms: &'static [(bool, Node)],
        items: Vec<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Vec<Value<'a>>, Error> {
        let compare = |a: &Value<'a>, b: &Value<'a>| -> Result<bool, Error> {
            for (desc, term) in terms {
                let aa = self.eval(term, &Some(a.clone()), frame)?;
                let bb = self.eval(term, &Some(b.clone()), frame)?;
                let comp = match (&aa, &bb) {
                    (None, None) => 0,
                    (None, _) => 1,
                    (_, None) => -1,
                    (Some(x), Some(y)) => {
                        let ok = |v: &Value| v.as_num().is_some() || v.as_str().is_some();
                        if !ok(x) || !ok(y) {
                            return err(
                                "T2008",
                                "The expressions within an order-by clause must evaluate to \
                                 numeric or string values",
                            );
                        }
                        let c = compare_values(x, y).ok_or_else(|| {
                            Error::new(
                                "T2007",
                                format!(
                                    "Type mismatch when comparing values {} and {} in order-by \
                                     clause",
                                    show(&aa),
                                    show(&bb)
                                ),
                            )
                        })?;
                        let c = c as i32;
                        if *desc { -c } else { c }
                    }
                };
                if comp != 0 {
                    return Ok(comp == 1);
                }
            }
            Ok(false)
        };
        functions::merge_sort(items, &compare)
    }

    /// Applies a transform `| pattern | update, delete |` to a copy of `obj`.
    fn transform(
        &self,
        pattern: &'static Node,
        update: &'static Node,
        delete: Option<&'static Node>,
        frame: &Rc<Frame<'a>>,
        obj: Option<Value<'a>>,
    ) -> Outcome<'a> {
        let Some(obj) = obj else { return Ok(None) };
        let copy = functions::deep_own(&obj);
        let matches = self.eval(pattern, &Some(copy.clone()), frame)?;
        // Edits by the identity of the matched object in the copy.
        type Edit<'a> = (Vec<(String, Value<'a>)>, Vec<String>);
        let mut edits: HashMap<usize, Edit<'a>> = HashMap::new();
        for m in matches.map(|m| m.to_items()).unwrap_or_default() {
            let upd = self.eval(update, &Some(m.clone()), frame)?;
            let mut sets = Vec::new();
            if let Some(u) = upd {
                match u.entries() {
                    Some(e) if !u.is_func() => sets = e,
                    _ => {
                        return err(
                            "T2011",
                            format!(
                                "The insert/update clause of the transform expression must \
                                 evaluate to an object: {}",
                                show(&Some(u))
                            ),
                        );
                    }
                }
            }
            let mut dels = Vec::new();
            // The delete clause sees the match with the update applied.
            let updated = match (&m, sets.is_empty()) {
                (Value::Object(rc), false) => {
                    let mut merged = (**rc).clone();
                    for (k, v) in &sets {
                        merged.insert(k.clone(), v.clone());
                    }
                    Value::object(merged)
                }
                _ => m.clone(),
            };
            if let Some(d) = delete
                && let Some(dv) = self.eval(d, &Some(updated), frame)?
            {
                for item in dv.to_items() {
                    match item.as_str() {
                        Some(s) => dels.push(s.to_string()),
                        None => {
                            return err(
                                "T2012",
                                format!(
                                    "The delete clause of the transform expression must \
                                     evaluate to a string or array of strings: {}",
                                    show(&Some(dv))
                                ),
                            );
                        }
                    }
                }
            }
            if let Value::Object(rc) = &m {
                let e = edits.entry(Rc::as_ptr(rc) as usize).or_default();
                e.0.extend(sets);
                e.1.extend(dels);
            }
        }
        fn rebuild<'a>(v: &Value<'a>, edits: &HashMap<usize, Edit<'a>>) -> Value<'a> {
            match v {
                Value::Object(rc) => {
                    let mut m: IndexMap<String, Value<'a>> = rc
                        .iter()
                        .map(|(k, c)| (k.clone(), rebuild(c, edits)))
                        .collect();
                    if let Some((sets, dels)) = edits.get(&(Rc::as_ptr(rc) as usize)) {
                        for (k, val) in sets {
                            m.insert(k.clone(), val.clone());
                        }
                        for k in dels {
                            m.shift_remove(k);
                        }
                    }
                    Value::object(m)
                }
                Value::Array(a) => {
                    let mut a2 = (**a).clone();
                    a2.items = a.items.iter().map(|i| rebuild(i, edits)).collect();
                    Value::Array(Rc::new(a2))
                }
                v => v.clone(),
            }
        }
        Ok(Some(rebuild(&copy, &edits)))
    }

    // ----- operators -----------------------------------------------------------------

    fn binary(
        &self,
        op: BinOp,
        l: &'static Node,
        r: &'static Node,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Outcome<'a> {
        let lhs = self.eval(l, input, frame)?;
        match op {
            BinOp::And => {
                let lb = lhs.as_ref().is_some_and(Value::truthy);
                return Ok(Some(Value::Bool(
                    lb && self
                        .eval(r, input, frame)?
                        .as_ref()
                        .is_some_and(Value::truthy),
                )));
            }
            BinOp::Or => {
                let lb = lhs.as_ref().is_some_and(Value::truthy);
                return Ok(Some(Value::Bool(
                    lb || self
                        .eval(r, input, frame)?
                        .as_ref()
                        .is_some_and(Value::truthy),
                )));
            }
            _ => {}
        }
        let rhs = self.eval(r, input, frame)?;
        Ok(match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let num = |v: &Option<Value<'a>>, side: &str| -> Result<Option<f64>, Error> {
                    match v {
                        None => Ok(None),
                        Some(Value::Num(n)) => Ok(Some(*n)),
                        Some(_) => err(
                            if side == "left" { "T2001" } else { "T2002" },
                            format!(
                                "The {side} side of the \"{}\" operator must evaluate to a number",
                                op.symbol()
                            ),
                        ),
                    }
                };
                let a = num(&lhs, "left")?;
                let b = num(&rhs, "right")?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                let n = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                };
                Some(Value::Num(finite(n)?))
            }
            BinOp::Eq | BinOp::Ne => match (&lhs, &rhs) {
                (Some(a), Some(b)) => Some(Value::Bool(a.deep_eq(b) == (op == BinOp::Eq))),
                _ => Some(Value::Bool(false)),
            },
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let comparable = |v: &Option<Value<'a>>| match v {
                    None => true,
                    Some(v) => v.as_num().is_some() || v.as_str().is_some(),
                };
                if !comparable(&lhs) || !comparable(&rhs) {
                    return err(
                        "T2010",
                        format!(
                            "The expressions either side of operator \"{}\" must evaluate to \
                             numeric or string values",
                            op.symbol()
                        ),
                    );
                }
                let (Some(a), Some(b)) = (&lhs, &rhs) else {
                    return Ok(None);
                };
                let Some(c) = compare_values(a, b) else {
                    return err(
                        "T2009",
                        format!(
                            "The values {} and {} either side of operator \"{}\" must be of the \
                             same data type",
                            show(&lhs),
                            show(&rhs),
                            op.symbol()
                        ),
                    );
                };
                use std::cmp::Ordering::*;
                Some(Value::Bool(match op {
                    BinOp::Lt => c == Less,
                    BinOp::Le => c != Greater,
                    BinOp::Gt => c == Greater,
                    _ => c != Less,
                }))
            }
            BinOp::Concat => {
                let mut s = String::new();
                if let Some(a) = &lhs {
                    s.push_str(&functions::to_string(a)?);
                }
                if let Some(b) = &rhs {
                    s.push_str(&functions::to_string(b)?);
                }
                Some(Value::str(s))
            }
            BinOp::In => match (&lhs, &rhs) {
                (Some(a), Some(b)) => {
                    Some(Value::Bool(b.to_items().iter().any(|x| strict_eq(a, x))))
                }
                _ => Some(Value::Bool(false)),
            },
            BinOp::Range => {
                let int = |v: &Option<Value<'a>>, code: &'static str, side: &str| match v {
                    None => Ok(None),
                    Some(Value::Num(n)) if is_integer(*n) => Ok(Some(*n)),
                    Some(_) => err(
                        code,
                        format!(
                            "The {side} side of the range operator (..) must evaluate to an integer"
                        ),
                    ),
                };
                let a = int(&lhs, "T2003", "left")?;
                let b = int(&rhs, "T2004", "right")?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                if a > b {
                    return Ok(None);
                }
                let size = b - a + 1.0;
                if size > 1e7 {
                    return err(
                        "D2014",
                        format!(
                            "The size of the sequence allocated by the range operator (..) must \
                             not exceed 1e7.  Attempted to allocate {}.",
                            super::number::js_string(size)
                        ),
                    );
                }
                let (a, b) = (a as i64, b as i64);
                Some(Value::array(
                    (a..=b).map(|i| Value::Num(i as f64)).collect(),
                ))
            }
            BinOp::And | BinOp::Or => None,
        })
    }

    // ----- functions -----------------------------------------------------------------

    fn call(
        &self,
        f: &'static Node,
        args: &'static [Node],
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
        applied: Option<Option<Value<'a>>>,
    ) -> Outcome<'a> {
        match self.prepare_call(f, args, input, frame, applied)? {
            Prepared::Value(v) => Ok(v),
            Prepared::Call(proc, values) => self.apply(&proc, values, input),
        }
    }

    /// Evaluates a call's function and arguments: a partial application is done here, a
    /// call is returned to be applied (by the caller, or by the tail-call loop).
    fn prepare_call(
        &self,
        f: &'static Node,
        args: &'static [Node],
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
        applied: Option<Option<Value<'a>>>,
    ) -> Result<Prepared<'a>, Error> {
        let proc = self.eval(f, input, frame)?;
        let partial = args.iter().any(|a| matches!(a, Node::Placeholder));
        let mut values: Vec<Option<Value<'a>>> = Vec::with_capacity(args.len() + 1);
        if let Some(a) = applied {
            values.push(a);
        }
        let mut holes = Vec::new();
        for a in args {
            if matches!(a, Node::Placeholder) {
                holes.push(values.len());
                values.push(None);
            } else {
                values.push(self.eval(a, input, frame)?);
            }
        }
        let Some(proc @ Value::Func(_)) = proc else {
            let name = match f {
                Node::Path(p) => match p.steps.first().map(|s| &s.node) {
                    Some(Node::Name(n)) => Some(*n),
                    _ => None,
                },
                _ => None,
            };
            if let Some(n) = name
                && self.lookup(n, frame).is_some()
            {
                let code = if partial { "T1007" } else { "T1005" };
                let what = if partial { "partially apply" } else { "invoke" };
                return err(
                    code,
                    format!("Attempted to {what} a non-function. Did you mean ${n}?"),
                );
            }
            return if partial {
                err("T1008", "Attempted to partially apply a non-function")
            } else {
                err("T1006", "Attempted to invoke a non-function")
            };
        };
        if partial {
            let args = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (!holes.contains(&i)).then_some(v))
                .collect();
            return Ok(Prepared::Value(Some(Value::Func(Rc::new(Func::Partial(
                proc, args,
            ))))));
        }
        Ok(Prepared::Call(proc, values))
    }

    /// Evaluates a lambda body, returning a call in tail position unevaluated, so that
    /// tail-recursive lambdas run in constant stack (jsonata-js's tail-call optimisation).
    fn eval_tail(
        &self,
        node: &'static Node,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Prepared<'a>, Error> {
        match node {
            Node::Call(f, args) => self.prepare_call(f, args, input, frame, None),
            Node::Condition(c, t, e) => {
                let cond = self.eval(c, input, frame)?;
                if cond.as_ref().is_some_and(Value::truthy) {
                    self.eval_tail(t, input, frame)
                } else if let Some(e) = e {
                    self.eval_tail(e, input, frame)
                } else {
                    Ok(Prepared::Value(None))
                }
            }
            Node::Block(items) if !items.is_empty() => {
                let inner = Frame::child(frame);
                let (last, init) = items
                    .split_last()
                    .map_or((None, &[][..]), |(l, i)| (Some(l), i));
                for i in init {
                    self.eval(i, input, &inner)?;
                }
                match last {
                    Some(l) => self.eval_tail(l, input, &inner),
                    None => Ok(Prepared::Value(None)),
                }
            }
            _ => Ok(Prepared::Value(self.eval(node, input, frame)?)),
        }
    }

    /// Calls a function value with `args`; `focus` is the caller's context value (used by
    /// library functions whose argument defaults to the context).
    pub fn apply(
        &self,
        proc: &Value<'a>,
        args: Vec<Option<Value<'a>>>,
        focus: &Option<Value<'a>>,
    ) -> Outcome<'a> {
        let Value::Func(f) = proc else {
            return err("T1006", "Attempted to invoke a non-function");
        };
        let d = self.depth.get() + 1;
        if d > MAX_DEPTH {
            return err(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider \
                 rewriting as tail-recursive.",
            );
        }
        self.depth.set(d);
        let r = self.apply_inner(f, args, focus);
        self.depth.set(d - 1);
        r
    }

    fn apply_inner(
        &self,
        f: &Rc<Func<'a>>,
        mut args: Vec<Option<Value<'a>>>,
        focus: &Option<Value<'a>>,
    ) -> Outcome<'a> {
        match &**f {
            Func::Lambda { .. } => {
                let mut f = Rc::clone(f);
                let mut iterations = 0u64;
                loop {
                    // Only a tail-call loop can build values nested deeper than evaluation
                    // itself nests; dropping or printing such a value would overflow the
                    // stack, so the loop's arguments are checked now and then.
                    iterations += 1;
                    if iterations > MAX_NESTING as u64
                        && iterations.is_multiple_of(1024)
                        && args
                            .iter()
                            .flatten()
                            .any(|a| nested_deeper_than(a, MAX_NESTING))
                    {
                        return err(
                            "U1001",
                            "Stack overflow error: a value is nested too deeply. Check for a \
                             non-terminating recursive function.",
                        );
                    }
                    let Func::Lambda { def, frame, input } = &*f else {
                        return self.apply(&Value::Func(f), args, focus).map(collapse);
                    };
                    if let Some(sig) = def.signature {
                        // A `-` parameter takes the caller's context value.
                        args =
                            self.signature(sig)?
                                .validate(args, &unwrap_outer(focus), "lambda")?;
                    }
                    let inner = Frame::child(frame);
                    for (i, p) in def.params.iter().enumerate() {
                        inner.bind(p, args.get(i).cloned().flatten());
                    }
                    match self.eval_tail(&def.body, input, &inner)? {
                        Prepared::Value(v) => return Ok(collapse(v)),
                        Prepared::Call(Value::Func(next), next_args) => {
                            f = next;
                            args = next_args;
                        }
                        Prepared::Call(_, _) => {
                            return err("T1006", "Attempted to invoke a non-function");
                        }
                    }
                }
            }
            Func::Native(n) => {
                let focus = unwrap_outer(focus);
                (n.f)(
                    self,
                    NativeCall {
                        args,
                        focus: &focus,
                        native: n,
                    },
                )
            }
            Func::Partial(inner, fixed) => {
                let mut supplied = args.drain(..);
                let full: Vec<Option<Value<'a>>> = fixed
                    .iter()
                    .map(|a| match a {
                        Some(v) => v.clone(),
                        None => supplied.next().flatten(),
                    })
                    .collect();
                drop(supplied);
                self.apply(inner, full, focus)
            }
            Func::Regex(re) => {
                let s = args.into_iter().next().flatten();
                functions::regex_match(re, s)
            }
            Func::Transform(pattern, update, delete, frame) => {
                let obj = args.into_iter().next().flatten();
                self.transform(pattern, update, *delete, frame, obj)
            }
            Func::Chain(first, then) => {
                let v = self.apply(first, args, focus)?;
                self.apply(then, vec![v], focus)
            }
        }
    }
}

/// A call evaluated up to the point of applying it.
enum Prepared<'a> {
    /// Already a value (a partial application, or a body that was not a call).
    Value(Option<Value<'a>>),
    /// A function and its arguments, still to apply.
    Call(Value<'a>, Vec<Option<Value<'a>>>),
}

/// The arguments of a library-function call.
pub struct NativeCall<'c, 'a> {
    /// The evaluated arguments (`None` = undefined).
    pub args: Vec<Option<Value<'a>>>,
    /// The caller's context value.
    pub focus: &'c Option<Value<'a>>,
    /// The function.
    pub native: &'static Native,
}

/// Whether `v` nests arrays and objects more than `limit` levels deep (without recursion).
fn nested_deeper_than(v: &Value<'_>, limit: usize) -> bool {
    let mut stack: Vec<(Value<'_>, usize)> = vec![(v.clone(), 0)];
    while let Some((v, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        match &v {
            Value::Array(a) => stack.extend(a.items.iter().map(|x| (x.clone(), depth + 1))),
            Value::Object(m) => stack.extend(m.values().map(|x| (x.clone(), depth + 1))),
            // Input documents come from serde_json, whose parser bounds their depth.
            _ => {}
        }
    }
    false
}

/// The value inside an outer wrapper (see [`Evaluator::run`]).
fn unwrap_outer<'a>(v: &Option<Value<'a>>) -> Option<Value<'a>> {
    match v {
        Some(Value::Array(a)) if a.outer_wrapper => a.items.first().cloned(),
        v => v.clone(),
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

fn finite(n: f64) -> Result<f64, Error> {
    if n.is_finite() {
        Ok(n)
    } else {
        err(
            "D1001",
            format!("Number out of range: {}", super::number::js_string(n)),
        )
    }
}

/// `===` for `in`: primitives by value, everything else by identity (never equal here).
fn strict_eq(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Orders two numbers or two strings (strings by UTF-16 code units, as JavaScript does);
/// `None` when the types differ or are not comparable.
pub(crate) fn compare_values(a: &Value<'_>, b: &Value<'_>) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(y),
        _ => {
            let (x, y) = (a.as_str()?, b.as_str()?);
            Some(x.encode_utf16().cmp(y.encode_utf16()))
        }
    }
}

/// A field of an object, mapped over arrays (flattening nested results).
fn lookup_field<'a>(input: &Value<'a>, name: &str) -> Option<Value<'a>> {
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

fn descendants<'a>(v: &Value<'a>, out: &mut Vec<Value<'a>>) {
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
