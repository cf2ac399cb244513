//! JSONPath in the dialect AWS Step Functions accepts, parsed once into an AST.
//!
//! Why hand-written: the JSONPath crates implement RFC 9535, but AWS uses Jayway-style paths
//! (`$..name`, `[?(@.price < 10)]`, `[(@.length-1)]`, `.length()`), adds roots of its own (`$$`
//! for the context object, `$name` for variables) and defines *Reference Paths* (only `.name`,
//! `['name']` and `[index]` steps) for fields that write or must select one node. No crate
//! parses that dialect, so this module does, and keeps the byte offset of every error so a
//! diagnostic can point at the exact character.
//!
//! Evaluation lives in the runtime crate; this module is syntax only.

use std::fmt;

/// Where a path starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// `$`: the state's input (or whatever the field applies paths to).
    Input,
    /// `$$`: the context object (DATA-1, CTX-1).
    Context,
    /// `$name`: a workflow variable (DATA-4, VAR-4).
    Variable(String),
}

/// What one step selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// `.name` or `['name']`.
    Field(String),
    /// `['a','b']`.
    Fields(Vec<String>),
    /// `[3]`, `[-1]`.
    Index(i64),
    /// `[0,2]`.
    Indexes(Vec<i64>),
    /// `.*` or `[*]`.
    Wildcard,
    /// `[start:end:step]`, each part optional.
    Slice {
        /// First index (inclusive).
        start: Option<i64>,
        /// Last index (exclusive).
        end: Option<i64>,
        /// Step.
        step: Option<i64>,
    },
    /// `[?(<expr>)]`.
    Filter(Filter),
    /// `[(<script>)]`, Jayway's script index (e.g. `@.length-1`), kept as text.
    Script(String),
    /// `.length()` and Jayway's other path functions, as the last step.
    Function(String),
}

/// One step of a path: a selector, applied to children (`.x`) or to all descendants (`..x`).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Byte offset of the step in the path text.
    pub offset: usize,
    /// `true` for `..` steps.
    pub descendant: bool,
    /// What the step selects.
    pub selector: Selector,
}

/// A parsed JSONPath Path (DATA-1).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// `$`, `$$` or `$name`.
    pub root: Root,
    /// The steps after the root.
    pub steps: Vec<Step>,
    /// The text it was parsed from.
    pub text: String,
}

impl Path {
    /// `true` if the path selects at most one node by construction: only `.name`, `['name']`
    /// and `[index]` steps (DATA-2).
    pub fn is_reference(&self) -> bool {
        self.steps
            .iter()
            .all(|s| !s.descendant && matches!(s.selector, Selector::Field(_) | Selector::Index(_)))
    }

    /// `true` if the path may select several nodes (its result is then an array, DATA-7).
    pub fn is_indefinite(&self) -> bool {
        self.steps.iter().any(|s| {
            s.descendant
                || matches!(
                    s.selector,
                    Selector::Fields(_)
                        | Selector::Indexes(_)
                        | Selector::Wildcard
                        | Selector::Slice { .. }
                        | Selector::Filter(_)
                )
        })
    }

    /// Variable names this path reads, including those inside filters.
    pub fn variables(&self, out: &mut Vec<String>) {
        if let Root::Variable(v) = &self.root {
            out.push(v.clone());
        }
        for s in &self.steps {
            if let Selector::Filter(f) = &s.selector {
                f.variables(out);
            }
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A filter expression `?( … )`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `a || b`
    Or(Box<Filter>, Box<Filter>),
    /// `a && b`
    And(Box<Filter>, Box<Filter>),
    /// `!a`
    Not(Box<Filter>),
    /// `a <op> b`
    Compare(Operand, CompareOp, Operand),
    /// `@.x`: the operand exists (and is truthy for Jayway).
    Exists(Operand),
}

impl Filter {
    fn variables(&self, out: &mut Vec<String>) {
        match self {
            Filter::Or(a, b) | Filter::And(a, b) => {
                a.variables(out);
                b.variables(out);
            }
            Filter::Not(a) => a.variables(out),
            Filter::Compare(a, _, b) => {
                a.variables(out);
                b.variables(out);
            }
            Filter::Exists(a) => a.variables(out),
        }
    }
}

/// Comparison operators allowed in filters (Jayway's set).
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
    /// `=~` (regular expression match)
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
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `@.a.b`: relative to the element being tested.
    Current(Vec<Step>),
    /// `$.a`, `$$.a` or `$var.a`: an absolute path.
    Path(Path),
    /// A literal: string, number, boolean, null, or a JSON array/object.
    Literal(serde_json::Value),
    /// `/regex/flags`.
    Regex(String, String),
}

impl Operand {
    fn variables(&self, out: &mut Vec<String>) {
        if let Operand::Path(p) = self {
            p.variables(out);
        }
    }
}

/// A syntax error in a path, at a byte offset of the path text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// Byte offset in the path string.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

impl std::error::Error for PathError {}

/// Parses a Path (DATA-1): `$…`, `$$…` or `$name…`. Whitespace at the end is ignored, as
/// Jayway (whose paths AWS evaluates) trims it: AWS runs public samples with a path such as
/// `"$$.Execution.Name "`. The path keeps its text as written.
pub fn parse_path(text: &str) -> Result<Path, PathError> {
    let mut p = PathParser {
        s: text.trim_end(),
        pos: 0,
        depth: 0,
    };
    let mut path = p.path()?;
    path.text = text.to_string();
    Ok(path)
}

/// Parses a Reference Path (DATA-2): a path whose steps are only `.name`, `['name']`, `[n]`.
pub fn parse_reference_path(text: &str) -> Result<Path, PathError> {
    let path = parse_path(text)?;
    if let Some(step) = path
        .steps
        .iter()
        .find(|s| s.descendant || !matches!(s.selector, Selector::Field(_) | Selector::Index(_)))
    {
        return Err(PathError {
            offset: step.offset,
            message: format!(
                "`{text}` is not a Reference Path: only `.name`, `['name']` and `[index]` \
                 steps may follow the root (no wildcards, `..`, slices, unions, filters or \
                 functions)"
            ),
        });
    }
    Ok(path)
}

struct PathParser<'a> {
    s: &'a str,
    pos: usize,
    /// Nesting of filter sub-expressions, bounded so no input can overflow the stack.
    depth: usize,
}

/// Deepest nesting of parentheses and `!` in a filter.
const MAX_FILTER_DEPTH: usize = 64;

fn is_ident_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

fn is_ident_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c)
}

impl<'a> PathParser<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.s[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, PathError> {
        Err(PathError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn path(&mut self) -> Result<Path, PathError> {
        let root = self.root()?;
        let steps = self.steps(false)?;
        if self.pos < self.s.len() {
            return self.err(format!(
                "unexpected `{}` in the path",
                self.peek().map(|c| c.to_string()).unwrap_or_default()
            ));
        }
        Ok(Path {
            root,
            steps,
            text: self.s.to_string(),
        })
    }

    fn root(&mut self) -> Result<Root, PathError> {
        if !self.eat('$') {
            return self.err("a path must start with `$`");
        }
        if self.eat('$') {
            return Ok(Root::Context);
        }
        match self.peek() {
            Some(c) if is_ident_start(c) => {
                let start = self.pos;
                while self.peek().is_some_and(is_ident_continue) {
                    self.bump();
                }
                Ok(Root::Variable(self.s[start..self.pos].to_string()))
            }
            _ => Ok(Root::Input),
        }
    }

    /// Steps until the end of input (or, inside a filter, until a character that cannot
    /// continue a path).
    fn steps(&mut self, in_filter: bool) -> Result<Vec<Step>, PathError> {
        let mut steps = Vec::new();
        loop {
            let offset = self.pos;
            match self.peek() {
                None => break,
                Some('.') => {
                    self.bump();
                    let descendant = self.eat('.');
                    match self.peek() {
                        Some('[') if descendant => {
                            self.bump();
                            let selector = self.bracket()?;
                            steps.push(Step {
                                offset,
                                descendant,
                                selector,
                            });
                        }
                        // AWS accepts `$.abc.['def ghi']` (DATA-3): a dot before a bracket.
                        Some('[') => {
                            self.bump();
                            let selector = self.bracket()?;
                            steps.push(Step {
                                offset,
                                descendant,
                                selector,
                            });
                        }
                        Some('*') => {
                            self.bump();
                            steps.push(Step {
                                offset,
                                descendant,
                                selector: Selector::Wildcard,
                            });
                        }
                        Some(_) => {
                            let name = self.dot_name(in_filter)?;
                            if self.peek() == Some('(') {
                                self.bump();
                                self.skip_ws();
                                if !self.eat(')') {
                                    return self.err(format!(
                                        "expected `)`: path function `{name}()` takes no arguments"
                                    ));
                                }
                                steps.push(Step {
                                    offset,
                                    descendant,
                                    selector: Selector::Function(name),
                                });
                                if self.pos < self.s.len() && !in_filter {
                                    return self
                                        .err("a path function must be the last step of a path");
                                }
                            } else {
                                steps.push(Step {
                                    offset,
                                    descendant,
                                    selector: Selector::Field(name),
                                });
                            }
                        }
                        None => {
                            return self.err(if descendant {
                                "expected a name, `*` or `[` after `..`"
                            } else {
                                "expected a name, `*` or `[` after `.`"
                            });
                        }
                    }
                }
                Some('[') => {
                    self.bump();
                    let selector = self.bracket()?;
                    steps.push(Step {
                        offset,
                        descendant: false,
                        selector,
                    });
                }
                Some(_) if in_filter => break,
                Some(c) => return self.err(format!("unexpected `{c}`: expected `.` or `[`")),
            }
        }
        Ok(steps)
    }

    fn dot_name(&mut self, in_filter: bool) -> Result<String, PathError> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            match c {
                '.' | '[' | '(' => break,
                '\\' => {
                    self.bump();
                    match self.bump() {
                        Some(e) => name.push(e),
                        None => return self.err("a `\\` at the end of the path escapes nothing"),
                    }
                }
                ']' | ')' | ',' | '\'' | '"' | '=' | '!' | '<' | '>' | '&' | '|' | '+' | '-'
                | '*' | '/' | '~'
                    if in_filter =>
                {
                    break;
                }
                c if c.is_whitespace() => {
                    if in_filter {
                        break;
                    }
                    return self.err(
                        "whitespace in a field name: use bracket notation, e.g. `['my field']`",
                    );
                }
                ']' | ')' | '\'' | '"' => {
                    return self.err(format!(
                        "unexpected `{c}` in a field name: use bracket notation, e.g. `['a{c}b']`"
                    ));
                }
                _ => {
                    name.push(c);
                    self.bump();
                }
            }
        }
        if name.is_empty() {
            return self.err("expected a field name");
        }
        Ok(name)
    }

    fn quoted(&mut self) -> Result<String, PathError> {
        let Some(q) = self.bump() else {
            return self.err("expected a quoted name");
        };
        let start = self.pos;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    self.pos = start - 1;
                    return self.err(format!("unterminated quoted name: missing closing {q}"));
                }
                // Only the quote character itself is escaped; any other backslash is kept, as
                // Jayway (and AWS) read `$['a\"b']` as the name `a\"b`.
                Some('\\') if self.peek() == Some(q) => {
                    self.bump();
                    out.push(q);
                }
                Some(c) if c == q => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn int(&mut self) -> Result<i64, PathError> {
        let start = self.pos;
        self.eat('-');
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        match self.s[start..self.pos].parse() {
            Ok(n) => Ok(n),
            Err(_) => {
                self.pos = start;
                self.err("expected an integer")
            }
        }
    }

    /// After `[`: a name list, index list, wildcard, slice, filter or script; consumes `]`.
    fn bracket(&mut self) -> Result<Selector, PathError> {
        self.skip_ws();
        let sel = match self.peek() {
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('\'' | '"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.skip_ws();
                    if !self.eat(',') {
                        break;
                    }
                    self.skip_ws();
                    if !matches!(self.peek(), Some('\'' | '"')) {
                        return self.err("expected a quoted name after `,`");
                    }
                    names.push(self.quoted()?);
                }
                if names.len() == 1 {
                    Selector::Field(names.remove(0))
                } else {
                    Selector::Fields(names)
                }
            }
            Some('?') => {
                self.bump();
                self.skip_ws();
                if !self.eat('(') {
                    return self.err("expected `(` after `?` in a filter");
                }
                let f = self.filter_or()?;
                self.skip_ws();
                if !self.eat(')') {
                    return self.err("expected `)` to close the filter");
                }
                Selector::Filter(f)
            }
            Some('(') => {
                self.bump();
                let start = self.pos;
                let mut depth = 1;
                while depth > 0 {
                    match self.bump() {
                        None => {
                            self.pos = start - 1;
                            return self.err("unterminated script expression: missing `)`");
                        }
                        Some('(') => depth += 1,
                        Some(')') => depth -= 1,
                        _ => {}
                    }
                }
                Selector::Script(self.s[start..self.pos - 1].trim().to_string())
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.index_or_slice()?,
            Some(c) => return self.err(format!("unexpected `{c}` after `[`")),
            None => return self.err("unterminated `[`"),
        };
        self.skip_ws();
        if !self.eat(']') {
            return self.err("expected `]`");
        }
        Ok(sel)
    }

    fn index_or_slice(&mut self) -> Result<Selector, PathError> {
        let opt_int = |p: &mut Self| -> Result<Option<i64>, PathError> {
            p.skip_ws();
            if p.peek().is_some_and(|c| c == '-' || c.is_ascii_digit()) {
                p.int().map(Some)
            } else {
                Ok(None)
            }
        };
        let first = opt_int(self)?;
        self.skip_ws();
        if self.eat(':') {
            let end = opt_int(self)?;
            self.skip_ws();
            let step = if self.eat(':') { opt_int(self)? } else { None };
            if step == Some(0) {
                return self.err("a slice step must not be 0");
            }
            return Ok(Selector::Slice {
                start: first,
                end,
                step,
            });
        }
        let Some(first) = first else {
            return self.err("expected an index");
        };
        let mut idx = vec![first];
        loop {
            self.skip_ws();
            if !self.eat(',') {
                break;
            }
            self.skip_ws();
            idx.push(self.int()?);
        }
        Ok(if idx.len() == 1 {
            Selector::Index(first)
        } else {
            Selector::Indexes(idx)
        })
    }

    fn filter_or(&mut self) -> Result<Filter, PathError> {
        let mut left = self.filter_and()?;
        loop {
            self.skip_ws();
            if self.s[self.pos..].starts_with("||") {
                self.pos += 2;
                let right = self.filter_and()?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn filter_and(&mut self) -> Result<Filter, PathError> {
        let mut left = self.filter_unary()?;
        loop {
            self.skip_ws();
            if self.s[self.pos..].starts_with("&&") {
                self.pos += 2;
                let right = self.filter_unary()?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn filter_unary(&mut self) -> Result<Filter, PathError> {
        self.depth += 1;
        let r = self.filter_unary_inner();
        self.depth -= 1;
        r
    }

    fn filter_unary_inner(&mut self) -> Result<Filter, PathError> {
        if self.depth > MAX_FILTER_DEPTH {
            return self.err("the filter is nested too deeply");
        }
        self.skip_ws();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.bump();
            let inner = self.filter_unary()?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            self.bump();
            let inner = self.filter_or()?;
            self.skip_ws();
            if !self.eat(')') {
                return self.err("expected `)`");
            }
            return Ok(inner);
        }
        let left = self.operand()?;
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let ops: [(&str, CompareOp); 15] = [
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("=~", CompareOp::Matches),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
            ("nin ", CompareOp::Nin),
            ("in ", CompareOp::In),
            ("subsetof ", CompareOp::SubsetOf),
            ("anyof ", CompareOp::AnyOf),
            ("noneof ", CompareOp::NoneOf),
            ("size ", CompareOp::Size),
            ("empty ", CompareOp::Empty),
            ("contains ", CompareOp::Contains),
        ];
        for (text, op) in ops {
            if rest.starts_with(text) {
                self.pos += text.len();
                let right = self.operand()?;
                return Ok(Filter::Compare(left, op, right));
            }
        }
        Ok(Filter::Exists(left))
    }

    fn operand(&mut self) -> Result<Operand, PathError> {
        self.skip_ws();
        match self.peek() {
            Some('@') => {
                self.bump();
                Ok(Operand::Current(self.steps(true)?))
            }
            Some('$') => {
                let start = self.pos;
                let root = self.root()?;
                let steps = self.steps(true)?;
                Ok(Operand::Path(Path {
                    root,
                    steps,
                    text: self.s[start..self.pos].to_string(),
                }))
            }
            Some('\'' | '"') => Ok(Operand::Literal(serde_json::Value::String(self.quoted()?))),
            Some('/') => {
                self.bump();
                let mut re = String::new();
                loop {
                    match self.bump() {
                        None => return self.err("unterminated regular expression"),
                        Some('\\') => {
                            re.push('\\');
                            if let Some(c) = self.bump() {
                                re.push(c);
                            }
                        }
                        Some('/') => break,
                        Some(c) => re.push(c),
                    }
                }
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.bump();
                }
                Ok(Operand::Regex(re, self.s[start..self.pos].to_string()))
            }
            Some('[' | '{') => {
                // A JSON array/object literal: find its end by bracket matching outside strings.
                let start = self.pos;
                let mut depth = 0i32;
                let mut quote: Option<char> = None;
                while let Some(c) = self.bump() {
                    match (quote, c) {
                        (Some(q), '\\') => {
                            let _ = q;
                            self.bump();
                        }
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => {}
                        (None, '\'' | '"') => quote = Some(c),
                        (None, '[' | '{') => depth += 1,
                        (None, ']' | '}') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let text = self.s[start..self.pos].replace('\'', "\"");
                match serde_json::from_str(&text) {
                    Ok(v) => Ok(Operand::Literal(v)),
                    Err(_) => {
                        self.pos = start;
                        self.err("invalid JSON literal in a filter")
                    }
                }
            }
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let start = self.pos;
                self.bump();
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
                {
                    self.bump();
                }
                let text = &self.s[start..self.pos];
                match serde_json::from_str::<serde_json::Number>(text) {
                    Ok(n) => Ok(Operand::Literal(serde_json::Value::Number(n))),
                    Err(_) => {
                        self.pos = start;
                        self.err(format!("invalid number `{text}` in a filter"))
                    }
                }
            }
            Some(c) if c.is_alphanumeric() || c == '_' => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
                {
                    self.bump();
                }
                let word = &self.s[start..self.pos];
                Ok(Operand::Literal(match word {
                    "true" => serde_json::Value::Bool(true),
                    "false" => serde_json::Value::Bool(false),
                    "null" => serde_json::Value::Null,
                    // Jayway reads an unquoted word as a string; asl-validator accepts it too.
                    _ => serde_json::Value::String(word.to_string()),
                }))
            }
            Some(c) => self.err(format!("unexpected `{c}` in a filter")),
            None => self.err("unexpected end of the path inside a filter"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Path {
        parse_path(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn roots() {
        assert_eq!(ok("$").root, Root::Input);
        assert_eq!(ok("$$").root, Root::Context);
        assert_eq!(ok("$$.Execution.Id").steps.len(), 2);
        assert_eq!(ok("$counter").root, Root::Variable("counter".into()));
        assert_eq!(ok("$x.a[0]").steps.len(), 2);
        assert_eq!(ok("$ünï.a").root, Root::Variable("ünï".into()));
    }

    #[test]
    fn aws_dialect_steps() {
        for p in [
            "$.a.b",
            "$['a']['b c']",
            "$.abc.['def ghi']",
            "$.a[0]",
            "$.vals[-3:]",
            "$.books[-2]",
            "$.a[1:3]",
            "$.a[::2]",
            "$..name",
            "$..[0]",
            "$.a[*].b",
            "$.a.*",
            "$[*][*]",
            "$.a[0,1]",
            "$['a','b']",
            "$.a[?(@.price < 10)]",
            "$.a[?(@.isbn)]",
            "$.a[?(@.OutputKey == FooBar)].OutputValue",
            "$.a[?(@.x == 'a' && !(@.y > 2) || @.z =~ /ab.*/i)]",
            "$.a[?(@.x in ['a','b'])]",
            "$[(@.length-1)]",
            "$.a.length()",
            "$.foo-bar",
            "$.store\\.book",
        ] {
            ok(p);
        }
        assert_eq!(
            ok("$.store\\.book").steps[0].selector,
            Selector::Field("store.book".into())
        );
    }

    #[test]
    fn errors_have_offsets() {
        let e = parse_path("bug$.library").expect_err("not a path");
        assert_eq!(e.offset, 0);
        let e = parse_path("$.a[").expect_err("unterminated");
        assert_eq!(e.offset, 4);
        let e = parse_path("$...x").expect_err("three dots");
        assert_eq!(e.offset, 3);
        assert!(parse_path("$.").is_err());
        assert!(parse_path("$.a b").is_err());
        // Trailing whitespace is trimmed (as Jayway does); leading whitespace is not.
        assert_eq!(ok("$$.Execution.Name ").steps.len(), 2);
        assert_eq!(ok("$.a \t\n").text, "$.a \t\n");
        assert!(parse_path(" $.a").is_err());
        assert!(parse_path("$.a. ").is_err());
        assert!(parse_path("$.a[0").is_err());
        assert!(parse_path("$.a['x").is_err());
        assert!(parse_path("$.a[?(@.x ==)]").is_err());
        assert!(parse_path("()").is_err());
        assert!(parse_path(".guid").is_err());
        // Non-ASCII whitespace is skipped by characters, not bytes.
        assert!(parse_path("$.a[\u{a0}0]").is_ok());
        let deep = format!("$.a[?({}@.x{})]", "(".repeat(5000), ")".repeat(5000));
        assert!(parse_path(&deep).is_err());
    }

    #[test]
    fn reference_paths() {
        assert!(parse_reference_path("$.a['b'][0]").is_ok());
        assert!(parse_reference_path("$$.Execution.Input").is_ok());
        assert!(parse_reference_path("$.a[*]").is_err());
        assert!(parse_reference_path("$..a").is_err());
        assert!(parse_reference_path("$.a[0:1]").is_err());
        assert!(ok("$.a[0:1]").is_indefinite());
        assert!(!ok("$.a[0]").is_indefinite());
    }
}
