//! The expression tree generated code stores in statics: JSONata's syntax tree after
//! jsonata-js's post-parse stage (location paths flattened into steps, predicates attached to
//! the step they filter). asl-codegen parses and transforms every expression at compile time;
//! this crate only walks the result.

/// One expression.
#[derive(Debug, PartialEq)]
pub enum Node {
    /// A string literal.
    Str(&'static str),
    /// A number literal.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `/pattern/flags`: evaluates to a matcher function.
    Regex(&'static str, &'static str),
    /// A field name: the field of the context value.
    Name(&'static str),
    /// `$name`; `""` is the context value `$`, `"$"` the root `$$`.
    Var(&'static str),
    /// `*`: every field value of the context value.
    Wildcard,
    /// `**`: the context value and all its descendants.
    Descendants,
    /// `-x`.
    Neg(&'static Node),
    /// A binary operator (everything but `.`, `[`, `{`, `^`, `:=`, `~>`).
    Binary(BinOp, &'static Node, &'static Node),
    /// A location path.
    Path(&'static Path),
    /// An expression that is not a path, filtered by predicates (`$x[0]`, `(a)[b]`).
    Filtered(&'static Node, &'static [Node]),
    /// `e{k: v}`: group-by over `e`'s result.
    Group(&'static Node, &'static [(Node, Node)]),
    /// `[a, b, 1..3]`.
    Array(&'static [Node]),
    /// `{k: v}`.
    Object(&'static [(Node, Node)]),
    /// `c ? a : b`.
    Condition(&'static Node, &'static Node, Option<&'static Node>),
    /// `$x := e`.
    Bind(&'static str, &'static Node),
    /// `(a; b)`: a new variable scope.
    Block(&'static [Node]),
    /// `f(args)`; a [`Node::Placeholder`] argument makes a partial application.
    Call(&'static Node, &'static [Node]),
    /// `?` as an argument of a partial application.
    Placeholder,
    /// `function($a, $b) { body }`.
    Lambda(&'static Lambda),
    /// `a ~> f`: function application or composition.
    Apply(&'static Node, &'static Node),
    /// `| pattern | update, delete |`.
    Transform(&'static Node, &'static Node, Option<&'static Node>),
    /// `a ^ (<b, >c)` as a path step: sorts the input sequence. `true` means descending.
    Sort(&'static [(bool, Node)]),
    /// A path step that binds variables for the steps after it (`step@$v`, `step#$i`): the
    /// path is then evaluated as jsonata-js's tuple stream. Evaluated alone, its node.
    Bound(&'static Bound),
    /// `#$i` after a step's predicates (a stage only): binds each item's position in the
    /// filtered sequence.
    Position(&'static str),
    /// `%`: the context item of the step whose [`Bound::ancestor`] is this label.
    Parent(&'static str),
    /// A path or block step that hands its tuple stream (its items, with the parents bound
    /// inside it) to the path it is a step of.
    Tuples(&'static Node),
}

/// A path step's node with the variables it binds.
#[derive(Debug, PartialEq)]
pub struct Bound {
    /// What the step evaluates.
    pub node: Node,
    /// `@$v`: each item of the step's result is bound to `$v`, and the context stays the
    /// previous step's item.
    pub focus: Option<&'static str>,
    /// `#$i`: each item's position in its context item's result is bound to `$i`.
    pub index: Option<&'static str>,
    /// The label a later `%` reads this step's context item by.
    pub ancestor: Option<&'static str>,
}

/// A location path: steps evaluated left to right, each over every item of the previous.
#[derive(Debug, PartialEq)]
pub struct Path {
    /// The steps.
    pub steps: &'static [Step],
    /// A step ended in `[]`: a singleton result stays an array.
    pub keep_singleton: bool,
}

/// One step of a path.
#[derive(Debug, PartialEq)]
pub struct Step {
    /// What the step evaluates for each context item.
    pub node: Node,
    /// Predicates applied to the step's result for each item (`a[0]`, `a[x > 1]`), and
    /// [`Node::Position`] bindings between them.
    pub stages: &'static [Node],
    /// An array constructor as first or last step: not iterated over / not flattened.
    pub cons_array: bool,
}

/// A lambda definition.
#[derive(Debug, PartialEq)]
pub struct Lambda {
    /// Parameter names without `$`.
    pub params: &'static [&'static str],
    /// The type signature as written (`<n-n:n>`), checked on every call.
    pub signature: Option<&'static str>,
    /// The body.
    pub body: Node,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `=`
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
    /// `&`
    Concat,
    /// `and`
    And,
    /// `or`
    Or,
    /// `in`
    In,
    /// `..` (inside an array constructor)
    Range,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Concat => "&",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Range => "..",
        }
    }
}

impl Step {
    /// Whether the step binds variables (`@`, `#`): from it on, its path is a tuple stream.
    pub fn binds(&self) -> bool {
        matches!(self.node, Node::Bound(_) | Node::Tuples(_))
            || self.stages.iter().any(|s| matches!(s, Node::Position(_)))
    }
}
