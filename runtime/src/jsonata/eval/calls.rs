//! Function calls: argument evaluation, partial application, applying lambdas (with
//! signatures and tail calls in constant stack), library functions, regexes, chains and
//! transforms.

use std::rc::Rc;

use super::{Evaluator, Frame, MAX_DEPTH, MAX_NESTING, collapse, err, unwrap_outer};
use crate::jsonata::ast::Node;
use crate::jsonata::functions::{self, Native};
use crate::jsonata::value::{Error, Func, Outcome, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn call(
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
