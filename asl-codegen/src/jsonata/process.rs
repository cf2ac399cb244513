//! jsonata-js's post-parse stage (`processAST`): location paths flattened into steps,
//! predicates attached to the step they filter, variable bindings (`@`, `#`) attached to
//! their step, and each parent reference (`%`) resolved to the step whose context it names.
//!
//! Parent resolution follows jsonata-js: every `%` gets a slot (a label and a level, how many
//! steps back it looks); a node that contains unresolved slots is *seeking* them, and each
//! time a path is assembled its last step's slots are walked back through the earlier
//! steps (`seek_parent`). The step found binds its context item under the slot's label,
//! which makes the path a tuple stream from there (see the runtime's `eval/tuples.rs`).

use std::cell::Cell;
use std::rc::Rc;

use super::{Expr, ParseError};

/// An expression after jsonata-js's post-parse stage. This is the tree generated code stores
/// (mirrored by `asl_runtime::jsonata::Node`).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A string literal.
    Str(String),
    /// A number literal.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `/re/flags`.
    Regex(String, String),
    /// A field name (only as a path step).
    Name(String),
    /// `$name`.
    Var(String),
    /// `*`
    Wildcard,
    /// `**`
    Descendants,
    /// `-x`
    Neg(Box<Node>),
    /// A binary operator (arithmetic, comparison, `and`, `or`, `&`, `in`, `..`).
    Binary(String, Box<Node>, Box<Node>),
    /// A location path.
    Path(Vec<PathStep>, bool),
    /// A non-path expression with predicates.
    Filtered(Box<Node>, Vec<Node>),
    /// Group-by.
    Group(Box<Node>, Vec<(Node, Node)>),
    /// Array constructor.
    Array(Vec<Node>),
    /// Object constructor.
    Object(Vec<(Node, Node)>),
    /// `c ? a : b`
    Condition(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// `$x := e`
    Bind(String, Box<Node>),
    /// `(a; b)`
    Block(Vec<Node>),
    /// A function call (placeholders make it partial).
    Call(Box<Node>, Vec<Node>),
    /// `?` argument.
    Placeholder,
    /// A lambda: parameters, type signature as written, body.
    Lambda(Vec<String>, Option<String>, Box<Node>),
    /// `a ~> f`
    Apply(Box<Node>, Box<Node>),
    /// `| pattern | update, delete |`
    Transform(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// An order-by step (`true` = descending).
    Sort(Vec<(bool, Node)>),
    /// A step binding variables for the steps after it.
    Bound(Box<Node>, Binds),
    /// `#$i` after a step's predicates (a stage only).
    Position(String),
    /// `%`: its slot, and the slot's label (shared, as jsonata-js relabels).
    Parent(usize, Label),
    /// A path or block step that hands its tuple stream (its items with the ancestors bound
    /// inside it) to the path it is a step of.
    Tuples(Box<Node>),
}

/// A parent slot's label, shared by the `%` and the step that binds it.
pub type Label = Rc<Cell<usize>>;

/// What a [`Node::Bound`] step binds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Binds {
    /// `@$v`: each item of the step, the context staying the previous step's item.
    pub focus: Option<String>,
    /// `#$i`: each item's position.
    pub index: Option<String>,
    /// The label a `%` reads this step's context item by.
    pub ancestor: Option<Label>,
}

impl Node {
    /// The node itself, or the one a [`Node::Bound`] binds.
    pub(crate) fn unbound(&self) -> &Node {
        match self {
            Node::Bound(inner, _) => inner,
            other => other,
        }
    }
}

/// One step of a [`Node::Path`].
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    /// What the step evaluates.
    pub node: Node,
    /// Its predicates (and [`Node::Position`] bindings).
    pub stages: Vec<Node>,
    /// An array constructor as first or last step.
    pub cons_array: bool,
    /// The parent slots the step still seeks (resolved against the steps before it).
    seeking: Vec<usize>,
}

impl PathStep {
    fn has_focus(&self) -> bool {
        matches!(&self.node, Node::Bound(_, b) if b.focus.is_some())
    }
}

/// A parent reference's slot: its label and how many steps back it still looks.
struct Slot {
    label: Label,
    level: i64,
}

/// A processed node and the parent slots it seeks (jsonata-js's `seekingParent`).
type Processed = (Node, Vec<usize>);

fn error(code: &'static str, message: &str) -> ParseError {
    ParseError {
        code,
        offset: 0,
        message: message.into(),
    }
}

fn cannot_derive() -> ParseError {
    error(
        "S0217",
        "the object representing the 'parent' cannot be derived from this expression",
    )
}

/// Applies jsonata-js's post-parse stage. A `%` left unresolved at the top is an error.
pub fn process(e: &Expr) -> Result<Node, ParseError> {
    let mut p = Processor { slots: Vec::new() };
    let (node, seeking) = p.node(e)?;
    // The slots sought include resolved ones (as jsonata-js's `seekingParent` does): any
    // makes the error, as there.
    if own_parent(&node).is_some() || !seeking.is_empty() {
        return Err(cannot_derive());
    }
    Ok(node)
}

struct Processor {
    slots: Vec<Slot>,
}

/// The first step of a path from a node that is not one: a bound node's predicates filter
/// its own items before the binding (jsonata-js keeps them as the node's `predicate`), where
/// a later step's are stages over the tuple stream.
fn first_step_of((n, seeking): Processed) -> PathStep {
    match n {
        Node::Filtered(inner, preds) => match *inner {
            Node::Bound(bound, binds) => step_of((
                Node::Bound(Box::new(Node::Filtered(bound, preds)), binds),
                seeking,
            )),
            inner => step_of((Node::Filtered(Box::new(inner), preds), seeking)),
        },
        n => step_of((n, seeking)),
    }
}

fn step_of((n, seeking): Processed) -> PathStep {
    match n {
        Node::Filtered(inner, preds) => PathStep {
            node: *inner,
            stages: preds,
            cons_array: false,
            seeking,
        },
        node => PathStep {
            node,
            stages: Vec::new(),
            cons_array: false,
            seeking,
        },
    }
}

/// jsonata-js's `pushAncestry`: `into` also seeks what `value` seeks, and `value` itself
/// when it is a `%`.
fn push_ancestry(into: &mut Vec<usize>, value: &Processed) {
    into.extend(&value.1);
    if let Some(slot) = own_parent(&value.0) {
        into.push(slot);
    }
}

/// The slot of a `%`, with predicates or bindings or not (jsonata-js's node is still of type
/// `parent`).
fn own_parent(n: &Node) -> Option<usize> {
    match n {
        Node::Parent(slot, _) => Some(*slot),
        Node::Filtered(inner, _) | Node::Bound(inner, _) => own_parent(inner),
        _ => None,
    }
}

/// `node` binding `focus` or `index` too (a later binding of the same kind replaces one).
fn bind(node: Node, focus: Option<String>, index: Option<String>) -> Node {
    match node {
        Node::Bound(inner, mut b) => {
            b.focus = focus.or(b.focus);
            b.index = index.or(b.index);
            Node::Bound(inner, b)
        }
        other => Node::Bound(
            Box::new(other),
            Binds {
                focus,
                index,
                ancestor: None,
            },
        ),
    }
}

impl Processor {
    fn node(&mut self, e: &Expr) -> Result<Processed, ParseError> {
        // Nesting is bounded by the parser's depth limit.
        Ok(match e {
            Expr::Str(s) => (Node::Str(s.clone()), vec![]),
            Expr::Num(n) => (Node::Num(*n), vec![]),
            Expr::Bool(b) => (Node::Bool(*b), vec![]),
            Expr::Null => (Node::Null, vec![]),
            Expr::Regex(r, f) => (Node::Regex(r.clone(), f.clone()), vec![]),
            Expr::Var(v) => (Node::Var(v.clone()), vec![]),
            Expr::Wildcard => (Node::Wildcard, vec![]),
            Expr::Descendants => (Node::Descendants, vec![]),
            Expr::Name(n) => (
                Node::Path(vec![step_of((Node::Name(n.clone()), vec![]))], false),
                vec![],
            ),
            Expr::Parent => {
                let label = Rc::new(Cell::new(self.slots.len()));
                self.slots.push(Slot {
                    label: Rc::clone(&label),
                    level: 1,
                });
                (Node::Parent(self.slots.len() - 1, label), vec![])
            }
            Expr::Focus(inner, '@', name) => self.focus(inner, name)?,
            Expr::Focus(inner, _, name) => self.index(inner, name)?,
            Expr::Unary(_, x) => {
                let x = self.node(x)?;
                match x.0 {
                    Node::Num(n) => (Node::Num(-n), vec![]),
                    _ => {
                        let mut seeking = vec![];
                        push_ancestry(&mut seeking, &x);
                        (Node::Neg(Box::new(x.0)), seeking)
                    }
                }
            }
            Expr::Binary(l, op, r) if op == "." => self.path(l, r)?,
            Expr::Binary(l, op, r) if op == "~>" => {
                let (l, r) = (self.node(l)?.0, self.node(r)?.0);
                (Node::Apply(Box::new(l), Box::new(r)), vec![])
            }
            Expr::Binary(l, op, r) => {
                let (l, r) = (self.node(l)?, self.node(r)?);
                let mut seeking = vec![];
                push_ancestry(&mut seeking, &l);
                push_ancestry(&mut seeking, &r);
                (
                    Node::Binary(op.clone(), Box::new(l.0), Box::new(r.0)),
                    seeking,
                )
            }
            Expr::Filter(l, None) => match self.node(l)? {
                (Node::Path(steps, _), seeking) => (Node::Path(steps, true), seeking),
                // `[]` only keeps the array: the node still seeks what it sought.
                other => {
                    let mut seeking = other.1.clone();
                    seeking.extend(own_parent(&other.0));
                    (Node::Path(vec![step_of(other)], true), seeking)
                }
            },
            Expr::Filter(l, Some(pred)) => self.predicate(l, pred)?,
            Expr::Group(l, pairs) => {
                let (inner, seeking) = self.node(l)?;
                if matches!(inner, Node::Group(..)) {
                    return Err(error(
                        "S0210",
                        "each step can only have one grouping expression",
                    ));
                }
                let pairs = self.pairs(pairs, None)?;
                (Node::Group(Box::new(inner), pairs), seeking)
            }
            Expr::Sort(l, terms) => {
                let (mut steps, keep, mut seeking) = match self.node(l)? {
                    (Node::Path(steps, keep), seeking) => (steps, keep, seeking),
                    other => (vec![first_step_of(other)], false, vec![]),
                };
                let mut sort_seeking = vec![];
                let mut processed = Vec::with_capacity(terms.len());
                for (descending, t) in terms {
                    let t = self.node(t)?;
                    push_ancestry(&mut sort_seeking, &t);
                    processed.push((*descending, t.0));
                }
                steps.push(PathStep {
                    node: Node::Sort(processed),
                    stages: Vec::new(),
                    cons_array: false,
                    seeking: sort_seeking,
                });
                self.resolve(&mut steps, &mut seeking)?;
                (Node::Path(steps, keep), seeking)
            }
            Expr::Condition(c, t, f) => {
                let mut seeking = vec![];
                let c = self.node(c)?;
                push_ancestry(&mut seeking, &c);
                let t = self.node(t)?;
                push_ancestry(&mut seeking, &t);
                let f = match f {
                    Some(f) => {
                        let f = self.node(f)?;
                        push_ancestry(&mut seeking, &f);
                        Some(Box::new(f.0))
                    }
                    None => None,
                };
                (Node::Condition(Box::new(c.0), Box::new(t.0), f), seeking)
            }
            Expr::Bind(name, v) => {
                let v = self.node(v)?;
                let mut seeking = vec![];
                push_ancestry(&mut seeking, &v);
                (Node::Bind(name.clone(), Box::new(v.0)), seeking)
            }
            // The arguments seek parents; the procedure does not (as in jsonata-js).
            Expr::Call(f, args) => {
                let (args, seeking) = self.list(args)?;
                let f = self.node(f)?.0;
                (Node::Call(Box::new(f), args), seeking)
            }
            Expr::Placeholder => (Node::Placeholder, vec![]),
            Expr::Lambda(params, sig, body) => {
                let body = self.node(body)?.0;
                (
                    Node::Lambda(params.clone(), sig.clone(), Box::new(body)),
                    vec![],
                )
            }
            Expr::Block(items) => {
                let (items, seeking) = self.list(items)?;
                (Node::Block(items), seeking)
            }
            Expr::Array(items) => {
                let (items, seeking) = self.list(items)?;
                (Node::Array(items), seeking)
            }
            Expr::Object(pairs) => {
                let mut seeking = vec![];
                let pairs = self.pairs(pairs, Some(&mut seeking))?;
                (Node::Object(pairs), seeking)
            }
            Expr::Transform(p, u, d) => {
                let (p, u) = (self.node(p)?.0, self.node(u)?.0);
                let d = match d {
                    Some(d) => Some(Box::new(self.node(d)?.0)),
                    None => None,
                };
                (Node::Transform(Box::new(p), Box::new(u), d), vec![])
            }
        })
    }

    fn list(&mut self, items: &[Expr]) -> Result<(Vec<Node>, Vec<usize>), ParseError> {
        let mut seeking = vec![];
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            let i = self.node(i)?;
            push_ancestry(&mut seeking, &i);
            out.push(i.0);
        }
        Ok((out, seeking))
    }

    /// Key-value pairs; an object constructor's (`seeking` given) seek what they seek, a
    /// group-by's do not (as in jsonata-js).
    fn pairs(
        &mut self,
        pairs: &[(Expr, Expr)],
        mut seeking: Option<&mut Vec<usize>>,
    ) -> Result<Vec<(Node, Node)>, ParseError> {
        let mut out = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let (k, v) = (self.node(k)?, self.node(v)?);
            if let Some(s) = seeking.as_deref_mut() {
                push_ancestry(s, &k);
                push_ancestry(s, &v);
            }
            out.push((k.0, v.0));
        }
        Ok(out)
    }

    /// `l.r`: one path of both sides' steps, its parents resolved as far as it reaches.
    fn path(&mut self, l: &Expr, r: &Expr) -> Result<Processed, ParseError> {
        let l = self.node(l)?;
        let parent = own_parent(&l.0);
        let (mut steps, mut keep, mut seeking) = match l {
            (Node::Path(steps, keep), seeking) => (steps, keep, seeking),
            other => (vec![first_step_of(other)], false, vec![]),
        };
        if let Some(slot) = parent {
            seeking = vec![slot];
        }
        match self.node(r)? {
            (Node::Path(rest, k), _) => {
                steps.extend(rest);
                keep |= k;
            }
            other => steps.push(step_of(other)),
        }
        for s in &mut steps {
            if let Node::Bound(inner, _) = &mut s.node
                && let Node::Str(name) = &**inner
            {
                **inner = Node::Name(name.clone());
            }
            match s.node.unbound() {
                Node::Str(name) => s.node = Node::Name(name.clone()),
                Node::Num(_) | Node::Bool(_) | Node::Null => {
                    return Err(error(
                        "S0213",
                        "a literal value cannot be used as a step within a path expression",
                    ));
                }
                _ => {}
            }
        }
        if let Some(first) = steps.first_mut()
            && matches!(first.node.unbound(), Node::Array(_))
        {
            first.cons_array = true;
        }
        if let Some(last) = steps.last_mut()
            && matches!(last.node.unbound(), Node::Array(_))
        {
            last.cons_array = true;
        }
        self.resolve(&mut steps, &mut seeking)?;
        Ok((Node::Path(steps, keep), seeking))
    }

    /// `l[pred]`: a predicate on the last step of a path (or on a node that is not one).
    fn predicate(&mut self, l: &Expr, pred: &Expr) -> Result<Processed, ParseError> {
        let pred = self.node(pred)?;
        Ok(match self.node(l)? {
            (Node::Path(mut steps, keep), seeking) => {
                if let Some(last) = steps.last_mut() {
                    self.seek_from_predicate(&mut last.node, &pred)?;
                    // What the predicate seeks (a bare `%` predicate is not resolved here).
                    last.seeking.extend(&pred.1);
                    last.stages.push(pred.0);
                }
                (Node::Path(steps, keep), seeking)
            }
            (Node::Group(..), _) => {
                return Err(error(
                    "S0209",
                    "a predicate cannot follow a grouping expression in a step",
                ));
            }
            (Node::Filtered(mut inner, mut preds), mut seeking) => {
                self.seek_from_predicate(&mut inner, &pred)?;
                seeking.extend(&pred.1);
                preds.push(pred.0);
                (Node::Filtered(inner, preds), seeking)
            }
            (mut other, mut seeking) => {
                self.seek_from_predicate(&mut other, &pred)?;
                seeking.extend(&pred.1);
                (Node::Filtered(Box::new(other), vec![pred.0]), seeking)
            }
        })
    }

    /// A predicate's parents one level up are the filtered step's own context.
    fn seek_from_predicate(&mut self, step: &mut Node, pred: &Processed) -> Result<(), ParseError> {
        for &slot in &pred.1 {
            if self.slots[slot].level == 1 {
                self.seek_parent(step, slot)?;
            } else {
                self.slots[slot].level -= 1;
            }
        }
        Ok(())
    }

    /// `l@$name`: binds the focus of the last step (before any predicate or order-by).
    fn focus(&mut self, inner: &Expr, name: &str) -> Result<Processed, ParseError> {
        let before_predicates = || {
            error(
                "S0215",
                "a context variable binding must precede any predicates on a step",
            )
        };
        Ok(match self.node(inner)? {
            (Node::Path(mut steps, keep), seeking) => {
                if let Some(last) = steps.last_mut() {
                    if !last.stages.is_empty() {
                        return Err(before_predicates());
                    }
                    if matches!(last.node.unbound(), Node::Sort(_)) {
                        return Err(error(
                            "S0216",
                            "a context variable binding must precede the 'order-by' clause on \
                             a step",
                        ));
                    }
                    let node = std::mem::replace(&mut last.node, Node::Null);
                    last.node = bind(node, Some(name.to_string()), None);
                }
                (Node::Path(steps, keep), seeking)
            }
            (Node::Filtered(..), _) => return Err(before_predicates()),
            // Not a path: the binding waits for a path this node becomes a step of.
            (other, seeking) => (bind(other, Some(name.to_string()), None), seeking),
        })
    }

    /// `l#$name`: binds the position of the last step's items (after its predicates: a
    /// stage of its own).
    fn index(&mut self, inner: &Expr, name: &str) -> Result<Processed, ParseError> {
        let (mut steps, keep, seeking) = match self.node(inner)? {
            (Node::Path(steps, keep), seeking) => (steps, keep, seeking),
            other => (vec![step_of(other)], false, vec![]),
        };
        if let Some(last) = steps.last_mut() {
            if last.stages.is_empty() {
                let node = std::mem::replace(&mut last.node, Node::Null);
                last.node = bind(node, None, Some(name.to_string()));
            } else {
                last.stages.push(Node::Position(name.to_string()));
            }
        }
        Ok((Node::Path(steps, keep), seeking))
    }

    /// jsonata-js's `resolveAncestry`: the last step's slots looked for among the steps
    /// before it; those reaching past the first step are what the path seeks.
    fn resolve(
        &mut self,
        steps: &mut [PathStep],
        seeking: &mut Vec<usize>,
    ) -> Result<(), ParseError> {
        let Some(last) = steps.last() else {
            return Ok(());
        };
        let mut slots = last.seeking.clone();
        if let Some(slot) = own_parent(&last.node) {
            slots.push(slot);
        }
        for slot in slots {
            let mut index = steps.len() as isize - 2;
            while self.slots[slot].level > 0 {
                if index < 0 {
                    seeking.push(slot);
                    break;
                }
                let mut i = index as usize;
                index -= 1;
                // Contiguous steps that bind a focus keep the same context: skipped as one.
                while index >= 0 && steps[i].has_focus() && steps[index as usize].has_focus() {
                    i = index as usize;
                    index -= 1;
                }
                self.seek_parent(&mut steps[i].node, slot)?;
            }
        }
        Ok(())
    }

    /// jsonata-js's `seekParent`: whether `node` (a step) is the one `slot` names, one level
    /// further back; a path or block looks into its last steps, and becomes a tuple stream.
    fn seek_parent(&mut self, node: &mut Node, slot: usize) -> Result<(), ParseError> {
        match node {
            Node::Name(_) | Node::Wildcard => {
                let inner = std::mem::replace(node, Node::Null);
                *node = Node::Bound(Box::new(inner), Binds::default());
                self.seek_parent(node, slot)
            }
            Node::Bound(inner, binds) if matches!(**inner, Node::Name(_) | Node::Wildcard) => {
                self.slots[slot].level -= 1;
                if self.slots[slot].level == 0 {
                    let label = Rc::clone(&self.slots[slot].label);
                    if let Some(existing) = &binds.ancestor {
                        // Two parents of one step share its label.
                        label.set(existing.get());
                    }
                    binds.ancestor = Some(label);
                }
                Ok(())
            }
            Node::Parent(..) => {
                self.slots[slot].level += 1;
                Ok(())
            }
            // A `%`, block or path with predicates or bindings of its own is still one.
            Node::Bound(inner, _) | Node::Filtered(inner, _)
                if matches!(
                    **inner,
                    Node::Parent(..) | Node::Block(_) | Node::Path(..) | Node::Tuples(_)
                ) =>
            {
                self.seek_parent(inner, slot)
            }
            Node::Tuples(inner) => self.seek_inside(inner, slot),
            Node::Block(items) if items.is_empty() => Ok(()),
            Node::Block(_) | Node::Path(..) => {
                let inner = std::mem::replace(node, Node::Null);
                *node = Node::Tuples(Box::new(inner));
                match node {
                    Node::Tuples(inner) => self.seek_inside(inner, slot),
                    _ => Ok(()),
                }
            }
            _ => Err(cannot_derive()),
        }
    }

    /// Looks for `slot` inside a block (its last expression) or a path (its steps, last
    /// first).
    fn seek_inside(&mut self, node: &mut Node, slot: usize) -> Result<(), ParseError> {
        match node {
            Node::Block(items) => match items.last_mut() {
                Some(last) => self.seek_parent(last, slot),
                None => Ok(()),
            },
            Node::Path(steps, _) => {
                let mut index = steps.len();
                while index > 0 {
                    index -= 1;
                    self.seek_parent(&mut steps[index].node, slot)?;
                    if self.slots[slot].level == 0 {
                        break;
                    }
                }
                Ok(())
            }
            _ => Err(cannot_derive()),
        }
    }
}

/// Whether a processed expression may read `$states.context` (anything but
/// `$states.input`, `$states.result` and `$states.errorOutput`).
pub fn reads_context(n: &Node) -> bool {
    fn any<'a>(mut it: impl Iterator<Item = &'a Node>) -> bool {
        it.any(reads_context)
    }
    match n {
        Node::Var(v) => v == "states",
        Node::Path(steps, _) => {
            let direct = matches!(
                (steps.first().map(|s| &s.node), steps.get(1).map(|s| &s.node)),
                (Some(Node::Var(v)), Some(Node::Name(f)))
                    if v == "states" && matches!(f.as_str(), "input" | "result" | "errorOutput")
            );
            steps.iter().enumerate().any(|(i, s)| {
                (!(direct && i == 0) && reads_context(&s.node)) || any(s.stages.iter())
            })
        }
        Node::Neg(a) | Node::Bind(_, a) | Node::Lambda(_, _, a) => reads_context(a),
        Node::Binary(_, a, b) | Node::Apply(a, b) => reads_context(a) || reads_context(b),
        Node::Filtered(a, preds) => reads_context(a) || any(preds.iter()),
        Node::Group(a, pairs) => {
            reads_context(a)
                || pairs
                    .iter()
                    .any(|(k, v)| reads_context(k) || reads_context(v))
        }
        Node::Object(pairs) => pairs
            .iter()
            .any(|(k, v)| reads_context(k) || reads_context(v)),
        Node::Array(items) | Node::Block(items) => any(items.iter()),
        Node::Call(f, args) => reads_context(f) || any(args.iter()),
        Node::Condition(a, b, c) | Node::Transform(a, b, c) => {
            reads_context(a) || reads_context(b) || c.as_deref().is_some_and(reads_context)
        }
        Node::Sort(terms) => terms.iter().any(|(_, t)| reads_context(t)),
        Node::Bound(inner, _) | Node::Tuples(inner) => reads_context(inner),
        Node::Str(_)
        | Node::Position(_)
        | Node::Parent(..)
        | Node::Num(_)
        | Node::Bool(_)
        | Node::Null
        | Node::Regex(..)
        | Node::Name(_)
        | Node::Wildcard
        | Node::Descendants
        | Node::Placeholder => false,
    }
}
