//! Paths with variable bindings (`Employee@$e.Contact[ssn = $e.SSN]`, `Order#$i`) or parent
//! references (`Order.Product.{ 'order': %.OrderID }`): from the first step that binds a
//! variable (or a parent's label), jsonata-js evaluates the path as a *tuple stream*, each
//! item carried with the variables bound on its way, and the later steps, predicates, sorts
//! and a group-by see those variables.

use std::rc::Rc;

use super::{Evaluator, Frame, append};
use crate::jsonata::ast::{Node, Path, Step};
use crate::jsonata::value::{Error, Value};

/// What a path with bindings yields: a tuple stream once a binding step ran (even an empty
/// one), or plain items when it ended before one.
pub(super) enum Stream<'a> {
    Tuples(Vec<Tuple<'a>>),
    Items(Vec<Value<'a>>),
}

/// An item of a tuple stream: the context item (`@` in jsonata-js) and the variables bound
/// along the path.
#[derive(Clone)]
pub(super) struct Tuple<'a> {
    at: Option<Value<'a>>,
    binds: Vec<(&'static str, Option<Value<'a>>)>,
}

impl<'a> Tuple<'a> {
    fn of(at: Option<Value<'a>>) -> Tuple<'a> {
        Tuple {
            at,
            binds: Vec::new(),
        }
    }

    fn bind(&mut self, name: &'static str, v: Option<Value<'a>>) {
        match self.binds.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = v,
            None => self.binds.push((name, v)),
        }
    }

    /// A frame inside `parent` holding the tuple's variables.
    fn frame(&self, parent: &Rc<Frame<'a>>) -> Rc<Frame<'a>> {
        let frame = Frame::child(parent);
        for (name, v) in &self.binds {
            frame.bind(name, v.clone());
        }
        frame
    }

    /// The tuple's context item.
    pub(super) fn into_item(self) -> Option<Value<'a>> {
        self.at
    }
}

/// Whether a step's node yields a tuple stream of its own (a path or block that binds the
/// parent of a later `%`, with predicates or not).
pub(super) fn is_stream(node: &Node) -> bool {
    matches!(node, Node::Tuples(_) | Node::Filtered(Node::Tuples(_), _))
}

/// How many times a predicate's result selects the item at `idx` of `len` items: once if it
/// is truthy, or once per number in it that is (counting from the end when negative) `idx`.
pub(super) fn selections(res: &Option<Value<'_>>, idx: usize, len: usize) -> usize {
    let index_of = |n: f64| -> f64 {
        let i = n.floor();
        if i < 0.0 { len as f64 + i } else { i }
    };
    let nums = res.as_ref().and_then(|r| match r {
        Value::Num(n) => Some(vec![*n]),
        r => {
            let items = r.items()?;
            let nums: Option<Vec<f64>> = items.iter().map(Value::as_num).collect();
            nums.filter(|n| !n.is_empty())
        }
    });
    match nums {
        Some(nums) => nums
            .into_iter()
            .filter(|n| index_of(*n) == idx as f64)
            .count(),
        None => usize::from(res.as_ref().is_some_and(Value::truthy)),
    }
}

impl<'a> Evaluator<'a> {
    /// Evaluates `p` as jsonata-js does once a step binds a variable: the steps before the
    /// first binding one as usual, the rest over tuples.
    pub(super) fn tuple_path(
        &self,
        p: &'static Path,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        Ok(match self.stream(p, input, frame)? {
            Stream::Tuples(t) => t,
            Stream::Items(items) => items.into_iter().map(|v| Tuple::of(Some(v))).collect(),
        })
    }

    /// [`Evaluator::tuple_path`], telling a stream that started (even if empty) from a path
    /// that ended before its first binding step, or whose steps bound nothing.
    pub(super) fn stream(
        &self,
        p: &'static Path,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Stream<'a>, Error> {
        let (mut seq, whole_first) = super::paths::start(p, input);
        let mut tuples: Option<Vec<Tuple<'a>>> = None;
        let mut started = false;
        for (i, step) in p.steps.iter().enumerate() {
            // jsonata-js evaluates a first-step array constructor whole before looking at its
            // bindings: they start the stream but bind nothing (and `@` keeps the context).
            if i == 0 && step.cons_array {
                let ctx = Some(Value::sequence(seq.clone()));
                let v = self.eval(&step.node, &ctx, frame)?;
                let focus = matches!(&step.node, Node::Bound(b) if b.focus.is_some());
                if !focus {
                    seq = v.map(|v| v.to_items()).unwrap_or_default();
                }
                started = step.binds();
                if !started && seq.is_empty() {
                    return Ok(Stream::Items(Vec::new()));
                }
                continue;
            }
            if started || step.binds() {
                started = true;
                // The first binding step starts the stream from the previous step's items
                // (or, first, from the whole context).
                let start = match tuples.take() {
                    Some(t) => Some(t),
                    None if i == 0 && whole_first => Some(vec![Tuple::of(input.clone())]),
                    None => None,
                };
                tuples = Some(self.tuple_step(step, start, &seq, frame)?);
                continue;
            }
            // Not the last step: a later one binds.
            let (items, whole) =
                self.step(step, &seq, false, frame, whole_first && i == 0, input)?;
            seq = match whole {
                Some(w) => w.to_items(),
                None => items,
            };
            if seq.is_empty() {
                return Ok(Stream::Items(Vec::new()));
            }
        }
        Ok(match tuples {
            Some(t) => Stream::Tuples(t),
            // Started by a first-step array constructor, no binding step after it.
            None if started => {
                Stream::Tuples(seq.into_iter().map(|v| Tuple::of(Some(v))).collect())
            }
            // No step bound anything (a path whose parents were found elsewhere).
            None => Stream::Items(seq),
        })
    }

    /// A [`Node::Tuples`] step's stream: a path's tuples, or a block's last expression's (in
    /// the block's own frame).
    pub(super) fn eval_tuples(
        &self,
        node: &'static Node,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        match node {
            Node::Path(p) => self.tuple_path(p, input, frame),
            Node::Tuples(inner) => self.eval_tuples(inner, input, frame),
            // Predicates over a stream see each tuple's variables.
            Node::Filtered(inner @ Node::Tuples(_), preds) => {
                let mut tuples = self.eval_tuples(inner, input, frame)?;
                for pred in *preds {
                    tuples = self.filter_tuples(pred, tuples, frame)?;
                }
                Ok(tuples)
            }
            Node::Block(items) => {
                let inner = Frame::child(frame);
                let Some((last, rest)) = items.split_last() else {
                    return Ok(Vec::new());
                };
                for i in rest {
                    self.eval(i, input, &inner)?;
                }
                self.eval_tuples(last, input, &inner)
            }
            other => Ok(self
                .eval(other, input, frame)?
                .map(|v| v.to_items())
                .unwrap_or_default()
                .into_iter()
                .map(|v| Tuple::of(Some(v)))
                .collect()),
        }
    }

    /// One step over a tuple stream (`tuples`; `None` for the first binding step, which
    /// starts from `seq`): each result item extends its tuple, as the step's focus (`@`), or
    /// as the new context item, with its index (`#`); then the step's stages.
    fn tuple_step(
        &self,
        step: &'static Step,
        tuples: Option<Vec<Tuple<'a>>>,
        seq: &[Value<'a>],
        frame: &Rc<Frame<'a>>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        let (node, focus, index, ancestor) = match &step.node {
            Node::Bound(b) => (&b.node, b.focus, b.index, b.ancestor),
            other => (other, None, None, None),
        };
        let mut out = match node {
            Node::Sort(terms) => match tuples {
                // Unlike jsonata-js, whose sort of two or more tuples drops the stream's
                // bindings for the stages after it, the sorted tuples keep theirs.
                Some(ts) => {
                    self.sort_by(terms, ts, &|t: &Tuple<'a>| (t.at.clone(), t.frame(frame)))?
                }
                None => {
                    let sorted = self.sort(terms, seq.to_vec(), frame)?;
                    sorted
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let mut t = Tuple::of(Some(v));
                            if let Some(ix) = index {
                                t.bind(ix, Some(Value::Num(i as f64)));
                            }
                            t
                        })
                        .collect()
                }
            },
            node => {
                let tuples = tuples
                    .unwrap_or_else(|| seq.iter().map(|v| Tuple::of(Some(v.clone()))).collect());
                let mut out = Vec::new();
                for t in &tuples {
                    // A stream from inside the step: its tuples extend this one.
                    if is_stream(node) {
                        for inside in self.eval_tuples(node, &t.at, &t.frame(frame))? {
                            let mut next = t.clone();
                            next.at = inside.at;
                            for (name, v) in inside.binds {
                                next.bind(name, v);
                            }
                            out.push(next);
                        }
                        continue;
                    }
                    let Some(res) = self.eval(node, &t.at, &t.frame(frame))? else {
                        continue;
                    };
                    for (i, item) in res.to_items().into_iter().enumerate() {
                        let mut next = t.clone();
                        match focus {
                            Some(f) => next.bind(f, Some(item)),
                            None => next.at = Some(item),
                        }
                        if let Some(ix) = index {
                            next.bind(ix, Some(Value::Num(i as f64)));
                        }
                        if let Some(label) = ancestor {
                            next.bind(label, t.at.clone());
                        }
                        out.push(next);
                    }
                }
                out
            }
        };
        for stage in step.stages {
            match stage {
                Node::Position(name) => {
                    for (i, t) in out.iter_mut().enumerate() {
                        t.bind(name, Some(Value::Num(i as f64)));
                    }
                }
                pred => out = self.filter_tuples(pred, out, frame)?,
            }
        }
        Ok(out)
    }

    /// A predicate over a tuple stream: each tuple's item is the context, its variables in
    /// scope.
    fn filter_tuples(
        &self,
        pred: &'static Node,
        tuples: Vec<Tuple<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        let len = tuples.len();
        if let Node::Num(n) = pred {
            let i = n.floor();
            let i = if i < 0.0 { len as f64 + i } else { i };
            return Ok(if i >= 0.0 {
                tuples.into_iter().nth(i as usize).into_iter().collect()
            } else {
                Vec::new()
            });
        }
        let mut out = Vec::new();
        for (idx, t) in tuples.iter().enumerate() {
            let res = self.eval(pred, &t.at, &t.frame(frame))?;
            for _ in 0..selections(&res, idx, len) {
                out.push(t.clone());
            }
        }
        Ok(out)
    }

    /// Group-by over a tuple stream: each group's items and variables are appended together
    /// (jsonata-js's `reduceTupleStream`) and its value evaluated with them.
    ///
    /// An empty stream makes an empty object (jsonata-js 2.2); a path that ended before its
    /// first binding step is grouped as plain items (literal keys still make an entry).
    pub(super) fn group_tuples(
        &self,
        pairs: &'static [(Node, Node)],
        stream: Stream<'a>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Value<'a>, Error> {
        let tuples = match stream {
            Stream::Items(items) => {
                return self.group(pairs, Some(Value::sequence(items)), frame);
            }
            Stream::Tuples(t) if t.is_empty() => {
                return Ok(Value::object(indexmap::IndexMap::new()));
            }
            Stream::Tuples(t) => t,
        };
        let keyed = |t: &Tuple<'a>| (t.at.clone(), t.frame(frame));
        let groups = self.group_keys(pairs, &tuples, &keyed)?;
        let mut out = indexmap::IndexMap::with_capacity(groups.len());
        for (key, (members, pi)) in groups {
            let mut reduced = Tuple::of(None);
            for (n, i) in members.into_iter().enumerate() {
                let t = &tuples[i];
                if n == 0 {
                    reduced = t.clone();
                    continue;
                }
                reduced.at = append(reduced.at.take(), t.at.clone());
                for (name, v) in &t.binds {
                    let slot = reduced.binds.iter().position(|(b, _)| b == name);
                    match slot {
                        Some(s) => {
                            let prev = reduced.binds[s].1.take();
                            reduced.binds[s].1 = append(prev, v.clone());
                        }
                        None => reduced.binds.push((name, v.clone())),
                    }
                }
            }
            if let Some(v) = self.eval(&pairs[pi].1, &reduced.at, &reduced.frame(frame))? {
                out.insert(key, v);
            }
        }
        Ok(Value::object(out))
    }
}
