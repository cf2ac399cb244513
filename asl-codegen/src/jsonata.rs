//! A JSONata parser (the grammar of jsonata-js 2.0, the version AWS Step Functions runs), used
//! to reject malformed expressions at compile time with the position of the problem.
//!
//! Why our own: the Rust JSONata crates we tried either reject valid syntax AWS accepts (type
//! signatures `function($x)<n:n>`), accept invalid syntax (`420.`), or panic on valid input
//! (the parent operator `%`, immediately-called lambdas). This is a Pratt parser with
//! jsonata-js's binding powers; it produces an AST that code generation can build on.

use std::fmt;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string literal.
    Str(String),
    /// A number literal.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A field name (or backquoted name).
    Name(String),
    /// `$name` (`$` alone is the context value, `$$` the root).
    Var(String),
    /// `/re/flags`.
    Regex(String, String),
    /// `*`
    Wildcard,
    /// `**`
    Descendants,
    /// `%`
    Parent,
    /// A prefix operator (`-`).
    Unary(String, Box<Expr>),
    /// A binary operator: arithmetic, comparison, `and`/`or`, `&`, `.`, `..`, `in`, `~>`.
    Binary(Box<Expr>, String, Box<Expr>),
    /// `a[b]`: a predicate or index (`a[]` keeps an array).
    Filter(Box<Expr>, Option<Box<Expr>>),
    /// `a{k: v}`: group-by.
    Group(Box<Expr>, Vec<(Expr, Expr)>),
    /// `a^(<b, >c)`: order-by.
    Sort(Box<Expr>, Vec<(bool, Expr)>),
    /// `c ? a : b`.
    Condition(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    /// `$x := e`.
    Bind(String, Box<Expr>),
    /// `a@$x` / `a#$x`.
    Focus(Box<Expr>, char, String),
    /// `f(args)`; `?` arguments make a partial application.
    Call(Box<Expr>, Vec<Expr>),
    /// `?` as an argument.
    Placeholder,
    /// `function($a, $b)<sig> { body }`.
    Lambda(Vec<String>, Option<String>, Box<Expr>),
    /// `(a; b; c)`.
    Block(Vec<Expr>),
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `{k: v, …}`.
    Object(Vec<(Expr, Expr)>),
    /// `| location | update (, delete)? |`.
    Transform(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
}

/// Names of the workflow variables an expression reads: `$name` references that are not
/// `$states`, the context value `$`/`$$`, a function called by name (JSONata's library), or
/// bound inside the expression (`:=`, lambda parameters, `@`/`#` bindings).
pub fn free_variables(e: &Expr) -> Vec<String> {
    fn walk(e: &Expr, bound: &mut Vec<String>, out: &mut Vec<String>) {
        match e {
            Expr::Var(v) => {
                if !(v.is_empty()
                    || v == "$"
                    || v == "states"
                    || bound.contains(v)
                    || out.contains(v))
                {
                    out.push(v.clone());
                }
            }
            Expr::Call(f, args) => {
                if !matches!(**f, Expr::Var(_)) {
                    walk(f, bound, out);
                }
                for a in args {
                    walk(a, bound, out);
                }
            }
            Expr::Bind(name, value) => {
                walk(value, bound, out);
                bound.push(name.clone());
            }
            Expr::Lambda(params, _, body) => {
                let before = bound.len();
                bound.extend(params.iter().cloned());
                walk(body, bound, out);
                bound.truncate(before);
            }
            Expr::Block(items) => {
                let before = bound.len();
                for i in items {
                    walk(i, bound, out);
                }
                bound.truncate(before);
            }
            Expr::Focus(inner, _, name) => {
                walk(inner, bound, out);
                bound.push(name.clone());
            }
            Expr::Unary(_, a) => walk(a, bound, out),
            Expr::Binary(a, _, b) => {
                walk(a, bound, out);
                walk(b, bound, out);
            }
            Expr::Filter(a, b) => {
                walk(a, bound, out);
                if let Some(b) = b {
                    walk(b, bound, out);
                }
            }
            Expr::Condition(a, b, c) => {
                walk(a, bound, out);
                walk(b, bound, out);
                if let Some(c) = c {
                    walk(c, bound, out);
                }
            }
            Expr::Transform(a, b, c) => {
                walk(a, bound, out);
                walk(b, bound, out);
                if let Some(c) = c {
                    walk(c, bound, out);
                }
            }
            Expr::Group(a, pairs) => {
                walk(a, bound, out);
                for (k, v) in pairs {
                    walk(k, bound, out);
                    walk(v, bound, out);
                }
            }
            Expr::Object(pairs) => {
                for (k, v) in pairs {
                    walk(k, bound, out);
                    walk(v, bound, out);
                }
            }
            Expr::Sort(a, terms) => {
                walk(a, bound, out);
                for (_, t) in terms {
                    walk(t, bound, out);
                }
            }
            Expr::Array(items) => {
                for i in items {
                    walk(i, bound, out);
                }
            }
            Expr::Str(_)
            | Expr::Num(_)
            | Expr::Bool(_)
            | Expr::Null
            | Expr::Name(_)
            | Expr::Regex(..)
            | Expr::Wildcard
            | Expr::Descendants
            | Expr::Parent
            | Expr::Placeholder => {}
        }
    }
    let mut out = Vec::new();
    walk(e, &mut Vec::new(), &mut out);
    out
}

/// A syntax error at a byte offset of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// JSONata's error code (`S0201`, …).
    pub code: &'static str,
    /// Byte offset.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Deepest nesting the parser follows (it recurses per level).
pub const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Op(&'static str),
    Str(String),
    Num(f64),
    Name(String),
    Var(String),
    Regex(String, String),
    End,
}

struct Token {
    tok: Tok,
    at: usize,
}

const OPERATORS: &[&str] = &[
    "**", "..", ":=", "!=", "<=", ">=", "~>", "?:", "??", ".", "[", "]", "{", "}", "(", ")", ",",
    "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&", "!", "~",
];

fn err<T>(code: &'static str, offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        code,
        offset,
        message: message.into(),
    })
}

fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let b = src.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if src[i..].starts_with("/*") {
            match src[i + 2..].find("*/") {
                Some(e) => i = i + 2 + e + 2,
                None => return err("S0106", i, "comment has no closing `*/`"),
            }
            continue;
        }
        let start = i;
        // A `/` where an operand is expected starts a regular expression.
        let prefix_position = match out.last().map(|t| &t.tok) {
            None => true,
            Some(Tok::Op(op)) => !matches!(*op, ")" | "]" | "}" | "%" | "*" | "**"),
            Some(_) => false,
        };
        if c == b'/' && prefix_position {
            let mut j = i + 1;
            let mut depth = 0i32;
            loop {
                match b.get(j) {
                    None => return err("S0302", i, "regular expression has no closing `/`"),
                    Some(b'\\') => j += 2,
                    Some(b'[') => {
                        depth += 1;
                        j += 1;
                    }
                    Some(b']') => {
                        depth -= 1;
                        j += 1;
                    }
                    Some(b'/') if depth <= 0 => break,
                    Some(_) => j += 1,
                }
            }
            let pattern = src[i + 1..j].to_string();
            if pattern.is_empty() {
                return err("S0301", i, "empty regular expression");
            }
            j += 1;
            let fstart = j;
            while b.get(j).is_some_and(|c| matches!(c, b'i' | b'm')) {
                j += 1;
            }
            out.push(Token {
                tok: Tok::Regex(pattern, src[fstart..j].to_string()),
                at: start,
            });
            i = j;
            continue;
        }
        if c == b'"' || c == b'\'' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                let Some(ch) = src[j.min(src.len())..].chars().next() else {
                    return err(
                        "S0101",
                        i,
                        "string literal must be terminated by a matching quote",
                    );
                };
                j += ch.len_utf8();
                if ch as u32 == u32::from(c) {
                    break;
                }
                if ch == '\\' {
                    let Some(e) = src[j.min(src.len())..].chars().next() else {
                        return err(
                            "S0101",
                            i,
                            "string literal must be terminated by a matching quote",
                        );
                    };
                    j += e.len_utf8();
                    match e {
                        '"' | '\\' | '/' | '\'' => s.push(e),
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        'n' => s.push('\n'),
                        'r' => s.push('\r'),
                        't' => s.push('\t'),
                        'u' => {
                            let hex = src.get(j..j + 4).unwrap_or("");
                            let cp = u32::from_str_radix(hex, 16).ok().filter(|_| hex.len() == 4);
                            let Some(cp) = cp else {
                                return err("S0104", j, "`\\u` must be followed by 4 hex digits");
                            };
                            j += 4;
                            // A UTF-16 surrogate pair written as two escapes is one character.
                            let mut c = char::from_u32(cp);
                            if (0xD800..0xDC00).contains(&cp)
                                && src.get(j..j + 2) == Some("\\u")
                                && let Some(low) = src
                                    .get(j + 2..j + 6)
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                                    .filter(|l| (0xDC00..0xE000).contains(l))
                            {
                                c = char::from_u32(
                                    0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00),
                                );
                                j += 6;
                            }
                            s.push(c.unwrap_or('\u{fffd}'));
                        }
                        other => {
                            return err(
                                "S0103",
                                j - 1,
                                format!("unsupported escape sequence `\\{other}`"),
                            );
                        }
                    }
                } else {
                    s.push(ch);
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                at: start,
            });
            i = j;
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i;
            if b[j] == b'0' {
                j += 1;
            } else {
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
            }
            if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
                j += 1;
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
            }
            if matches!(b.get(j), Some(b'e' | b'E')) {
                let mut k = j + 1;
                if matches!(b.get(k), Some(b'+' | b'-')) {
                    k += 1;
                }
                if b.get(k).is_some_and(u8::is_ascii_digit) {
                    while b.get(k).is_some_and(u8::is_ascii_digit) {
                        k += 1;
                    }
                    j = k;
                }
            }
            let n: f64 = src[i..j].parse().unwrap_or(f64::NAN);
            if !n.is_finite() {
                return err("S0102", i, format!("number out of range: {}", &src[i..j]));
            }
            out.push(Token {
                tok: Tok::Num(n),
                at: start,
            });
            i = j;
            continue;
        }
        if c == b'`' {
            match src[i + 1..].find('`') {
                Some(e) => {
                    out.push(Token {
                        tok: Tok::Name(src[i + 1..i + 1 + e].to_string()),
                        at: start,
                    });
                    i = i + 1 + e + 1;
                    continue;
                }
                None => {
                    return err(
                        "S0105",
                        i,
                        "quoted property name must be terminated with a backquote",
                    );
                }
            }
        }
        if let Some(op) = OPERATORS.iter().find(|op| src[i..].starts_with(**op)) {
            // `?:` and `??` are JSONata 2.1, which AWS does not run: lex them as two tokens.
            let op: &'static str = if matches!(*op, "?:" | "??") { "?" } else { op };
            out.push(Token {
                tok: Tok::Op(op),
                at: start,
            });
            i += op.len();
            continue;
        }
        // A name or variable: everything up to whitespace or an operator character.
        let mut j = i;
        let is_var = c == b'$';
        if is_var {
            j += 1;
        }
        while let Some(ch) = src[j..].chars().next() {
            if ch.is_whitespace() || "[]{}().,;:?+-*/%|=<>^&!~@#\"'`$".contains(ch) {
                break;
            }
            j += ch.len_utf8();
        }
        if is_var && src[j..].starts_with('$') && j == i + 1 {
            j += 1; // `$$`
        }
        let word = &src[i..j];
        if word.is_empty() {
            return err("S0204", i, format!("unknown operator `{}`", &src[i..i + 1]));
        }
        let tok = if is_var {
            Tok::Var(word[1..].to_string())
        } else {
            match word {
                "and" | "or" | "in" => Tok::Op(match word {
                    "and" => "and",
                    "or" => "or",
                    _ => "in",
                }),
                _ => Tok::Name(word.to_string()),
            }
        };
        out.push(Token { tok, at: start });
        i = j;
    }
    out.push(Token {
        tok: Tok::End,
        at: src.len(),
    });
    Ok(out)
}

fn infix_power(op: &str) -> u8 {
    match op {
        "." => 75,
        "[" | "(" | "@" | "#" => 80,
        "{" => 70,
        "*" | "/" | "%" => 60,
        "+" | "-" | "&" => 50,
        "=" | "<" | ">" | "!=" | "<=" | ">=" | "in" | "~>" => 40,
        "^" => 40,
        "and" => 30,
        "or" => 25,
        "?" | ".." => 20,
        ":=" => 10,
        _ => 0,
    }
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// The expression (signatures are kept as written).
    src: String,
}

/// Parses an expression (the text between `{%` and `%}`).
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        src: src.to_string(),
    };
    if matches!(p.peek(), Tok::End) {
        return err("S0207", src.len(), "the expression is empty");
    }
    let e = p.expr(0)?;
    if !matches!(p.peek(), Tok::End) {
        let at = p.at();
        return err(
            "S0201",
            at,
            format!("syntax error: unexpected {}", p.describe()),
        );
    }
    Ok(e)
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }

    fn at(&self) -> usize {
        self.toks[self.pos.min(self.toks.len() - 1)].at
    }

    fn describe(&self) -> String {
        match self.peek() {
            Tok::End => "end of expression".into(),
            Tok::Op(o) => format!("`{o}`"),
            Tok::Str(s) => format!("string \"{s}\""),
            Tok::Num(n) => format!("number {n}"),
            Tok::Name(n) => format!("`{n}`"),
            Tok::Var(v) => format!("`${v}`"),
            Tok::Regex(r, _) => format!("regex /{r}/"),
        }
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn expect(&mut self, op: &'static str) -> Result<(), ParseError> {
        if self.is_op(op) {
            self.next();
            Ok(())
        } else if matches!(self.peek(), Tok::End) {
            err(
                "S0203",
                self.at(),
                format!("expected `{op}` before end of expression"),
            )
        } else {
            err(
                "S0202",
                self.at(),
                format!("expected `{op}`, got {}", self.describe()),
            )
        }
    }

    fn expr(&mut self, rbp: u8) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err("S0201", self.at(), "the expression is nested too deeply");
        }
        let mut left = self.prefix()?;
        while let Tok::Op(op) = self.peek().clone() {
            let bp = infix_power(op);
            if bp <= rbp {
                break;
            }
            self.next();
            left = self.infix(left, op, bp)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn list(&mut self, close: &'static str) -> Result<Vec<Expr>, ParseError> {
        let mut items = Vec::new();
        if self.is_op(close) {
            self.next();
            return Ok(items);
        }
        loop {
            items.push(self.expr(0)?);
            if self.is_op(",") {
                self.next();
                continue;
            }
            self.expect(close)?;
            return Ok(items);
        }
    }

    fn pairs(&mut self) -> Result<Vec<(Expr, Expr)>, ParseError> {
        let mut pairs = Vec::new();
        if self.is_op("}") {
            self.next();
            return Ok(pairs);
        }
        loop {
            let k = self.expr(0)?;
            self.expect(":")?;
            let v = self.expr(0)?;
            pairs.push((k, v));
            if self.is_op(",") {
                self.next();
                continue;
            }
            self.expect("}")?;
            return Ok(pairs);
        }
    }

    fn prefix(&mut self) -> Result<Expr, ParseError> {
        let at = self.at();
        Ok(match self.next() {
            Tok::Str(s) => Expr::Str(s),
            Tok::Num(n) => Expr::Num(n),
            Tok::Regex(r, f) => Expr::Regex(r, f),
            Tok::Var(v) => Expr::Var(v),
            Tok::Name(n) => match n.as_str() {
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                "null" => Expr::Null,
                "function" | "λ" if self.is_op("(") => self.lambda()?,
                _ => Expr::Name(n),
            },
            // `and`, `or` and `in` are field names where an operand is expected.
            Tok::Op(op @ ("and" | "or" | "in")) => Expr::Name(op.to_string()),
            Tok::Op("-") => Expr::Unary("-".into(), Box::new(self.expr(70)?)),
            Tok::Op("*") => Expr::Wildcard,
            Tok::Op("**") => Expr::Descendants,
            Tok::Op("%") => Expr::Parent,
            Tok::Op("(") => {
                let mut items = Vec::new();
                if !self.is_op(")") {
                    loop {
                        items.push(self.expr(0)?);
                        if self.is_op(";") {
                            self.next();
                            if self.is_op(")") {
                                break;
                            }
                            continue;
                        }
                        break;
                    }
                }
                self.expect(")")?;
                Expr::Block(items)
            }
            Tok::Op("[") => Expr::Array(self.list("]")?),
            Tok::Op("{") => Expr::Object(self.pairs()?),
            Tok::Op("|") => {
                let location = self.expr(0)?;
                self.expect("|")?;
                let update = self.expr(0)?;
                let delete = if self.is_op(",") {
                    self.next();
                    Some(Box::new(self.expr(0)?))
                } else {
                    None
                };
                self.expect("|")?;
                Expr::Transform(Box::new(location), Box::new(update), delete)
            }
            Tok::End => return err("S0207", at, "unexpected end of expression"),
            Tok::Op(op) => {
                return err(
                    "S0211",
                    at,
                    format!("the symbol `{op}` cannot be used as a unary operator"),
                );
            }
        })
    }

    fn lambda(&mut self) -> Result<Expr, ParseError> {
        self.expect("(")?;
        let mut params = Vec::new();
        if !self.is_op(")") {
            loop {
                let at = self.at();
                match self.next() {
                    Tok::Var(v) => params.push(v),
                    _ => {
                        return err(
                            "S0208",
                            at,
                            "a parameter of a function definition must be a variable name (start with $)",
                        );
                    }
                }
                if self.is_op(",") {
                    self.next();
                    continue;
                }
                break;
            }
        }
        self.expect(")")?;
        // A type signature `<…>`: kept as text.
        let mut signature = None;
        if self.is_op("<") {
            let from = self.at();
            let mut depth = 0;
            loop {
                let at = self.at();
                match self.next() {
                    Tok::Op("<") => depth += 1,
                    Tok::Op(">") => {
                        depth -= 1;
                        if depth == 0 {
                            signature = self.src.get(from..at + 1).map(str::to_string);
                            break;
                        }
                    }
                    Tok::End => return err("S0401", self.at(), "unterminated type signature"),
                    _ => {}
                }
            }
        }
        self.expect("{")?;
        let body = self.expr(0)?;
        self.expect("}")?;
        Ok(Expr::Lambda(params, signature, Box::new(body)))
    }

    fn infix(&mut self, left: Expr, op: &'static str, bp: u8) -> Result<Expr, ParseError> {
        let at = self.at();
        Ok(match op {
            "(" => {
                let mut args = Vec::new();
                if !self.is_op(")") {
                    loop {
                        if self.is_op("?") {
                            self.next();
                            args.push(Expr::Placeholder);
                        } else {
                            args.push(self.expr(0)?);
                        }
                        if self.is_op(",") {
                            self.next();
                            continue;
                        }
                        break;
                    }
                }
                self.expect(")")?;
                Expr::Call(Box::new(left), args)
            }
            "[" => {
                if self.is_op("]") {
                    self.next();
                    Expr::Filter(Box::new(left), None)
                } else {
                    let e = self.expr(0)?;
                    self.expect("]")?;
                    Expr::Filter(Box::new(left), Some(Box::new(e)))
                }
            }
            "{" => Expr::Group(Box::new(left), self.pairs()?),
            "^" => {
                self.expect("(")?;
                let mut terms = Vec::new();
                loop {
                    let descending = if self.is_op(">") {
                        self.next();
                        true
                    } else {
                        if self.is_op("<") {
                            self.next();
                        }
                        false
                    };
                    terms.push((descending, self.expr(0)?));
                    if self.is_op(",") {
                        self.next();
                        continue;
                    }
                    break;
                }
                self.expect(")")?;
                Expr::Sort(Box::new(left), terms)
            }
            "?" => {
                let then = self.expr(0)?;
                let otherwise = if self.is_op(":") {
                    self.next();
                    Some(Box::new(self.expr(0)?))
                } else {
                    None
                };
                Expr::Condition(Box::new(left), Box::new(then), otherwise)
            }
            ":=" => {
                let Expr::Var(name) = left else {
                    return err(
                        "S0212",
                        at,
                        "the left side of `:=` must be a variable name (start with $)",
                    );
                };
                // Right-associative.
                Expr::Bind(name, Box::new(self.expr(bp - 1)?))
            }
            "@" | "#" => {
                let vat = self.at();
                let Tok::Var(v) = self.next() else {
                    return err(
                        "S0214",
                        vat,
                        format!("the right side of `{op}` must be a variable name (start with $)"),
                    );
                };
                Expr::Focus(Box::new(left), op.chars().next().unwrap_or('@'), v)
            }
            _ if bp > 0 => Expr::Binary(Box::new(left), op.to_string(), Box::new(self.expr(bp)?)),
            _ => return err("S0201", at, format!("syntax error: unexpected `{op}`")),
        })
    }
}

// ----- post-parse processing: see `process` ---------------------------------------------

mod process;

pub use process::{Binds, Label, Node, PathStep, process, reads_context};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_grammar() {
        for e in [
            "$states.input.a + 1",
            "$sum([1,2])",
            "Account.Order.Product[Price > 30].Description",
            "$states.input.a.b.{ 'p': %.id }",
            "(function($x){$x+1})(2)",
            "λ($x){$x*2}(3)",
            "$map($states.input.a, function($v)<n:n>{$v})",
            "$x := 5",
            "( $a := 1; $b := $a + 1; [$a, $b] )",
            "Account.Order^(>Price, <Quantity).Product",
            "$exists(a) ? 'yes' : 'no'",
            "[1..5]",
            "$string(10) & 'x' ~> $uppercase()",
            "Phone{type: $.number}",
            "Order@$o.Product#$i",
            "$contains(name, /^a.*z$/i)",
            "| $ | {'x': 1}, ['y'] |",
            "$states.input.a[]",
            "** .name",
            "`weird name`.x",
            "/* comment */ 1",
            "$.a in [1, 2] and not(false) or $b != 3",
            "-$x",
            "$f(?, 2)",
            "\"\\u00e9\\n\"",
            "a.(b; c)",
        ] {
            assert!(parse(e).is_ok(), "{e}: {:?}", parse(e));
        }
    }

    #[test]
    fn free_variables_skip_bound_names_and_functions() {
        let e = parse("( $x := $a; $map($b, function($v){ $v + $x + $c }) ) & $states.input & $")
            .expect("parses");
        assert_eq!(free_variables(&e), ["a", "b", "c"]);
    }

    #[test]
    fn rejects_errors_with_positions() {
        for (e, code) in [
            (" 10 + * 2 ", "S0201"),
            (" $sum( ", "S0207"),
            (" 420. ", "S0207"),
            ("$states.input[?(@.x)]", "S0211"),
            ("01", "S0201"),
            ("'open", "S0101"),
            ("", "S0207"),
            ("1 := 2", "S0212"),
            ("function(x){x}", "S0208"),
            ("[1, 2", "S0203"),
            ("{'a' 1}", "S0202"),
        ] {
            let got = parse(e).expect_err(e);
            assert_eq!(got.code, code, "{e}: {got}");
        }
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).is_err());
        let e = parse("1 + * 2").expect_err("error");
        assert_eq!(e.offset, 6);
    }
}
