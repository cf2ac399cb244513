//! The evaluator: jsonata-js's semantics (sequences, path flattening, predicates, grouping,
//! sorting, lambdas and closures, partial application, function chaining, transforms) over the
//! pre-processed tree of [`super::ast`].
//!
//! This module holds the evaluator's state (globals, variable frames, the depth and step
//! limits) and the dispatch over node kinds; the submodules implement the node kinds.

mod calls;
mod group;
mod operators;
mod order;
mod paths;
mod transform;
mod tuples;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value as Json};

use super::ast::Node;
use super::functions;
use super::signature::Signature;
use super::value::{Array, Error, Func, Outcome, Value};
use paths::{descendants, flatten_into, lookup_field};

pub use calls::NativeCall;
pub(crate) use operators::compare_values;

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

/// The context item and variable frame an item of a sequence (or a tuple of a tuple stream)
/// is evaluated in: what sort terms and group keys see.
pub(super) type Scope<'s, 'a, T> = &'s dyn Fn(&T) -> (Option<Value<'a>>, Rc<Frame<'a>>);

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
            // A stream's predicates see each tuple's variables (see `tuples`).
            Node::Filtered(Node::Tuples(_), _) => Some(Value::sequence(
                self.eval_tuples(node, input, frame)?
                    .into_iter()
                    .filter_map(|t| t.into_item())
                    .collect(),
            )),
            Node::Filtered(e, preds) => {
                let mut v = self.eval(e, input, frame)?;
                for p in *preds {
                    v = Some(self.filter(p, v, frame)?);
                }
                v
            }
            // A group-by over a path with bindings sees each item's variables.
            Node::Group(Node::Path(p), pairs) if p.steps.iter().any(|s| s.binds()) => {
                let stream = self.stream(p, input, frame)?;
                Some(self.group_tuples(pairs, stream, frame)?)
            }
            Node::Group(e, pairs) => {
                let v = self.eval(e, input, frame)?;
                Some(self.group(pairs, v, frame)?)
            }
            // A binding step evaluated alone (not in a path): its node.
            Node::Bound(b) => self.eval(&b.node, input, frame)?,
            // Only ever a stage of a step, which binds it (see `tuples`).
            Node::Position(_) => None,
            // Bound by the step it names, in the tuple stream of its path (see `tuples`).
            Node::Parent(label) => frame.lookup(label).flatten(),
            // Outside a tuple stream, its items.
            Node::Tuples(inner) => self.eval(inner, input, frame)?,
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
}

/// The value inside an outer wrapper (see [`Evaluator::run`]).
fn unwrap_outer<'a>(v: &Option<Value<'a>>) -> Option<Value<'a>> {
    match v {
        Some(Value::Array(a)) if a.outer_wrapper => a.items.first().cloned(),
        v => v.clone(),
    }
}
