//! Intrinsic function calls (`States.Format('{}', $.name)`, INTR-*), parsed once into an AST.
//!
//! The grammar (INTR-2, INTR-3): a name `States.<Name>` immediately followed by `(`, arguments
//! separated by commas, `)`. An argument is a `'…'` string (escapes `\'`, `\{`, `\}`, `\\` only),
//! a number, `true`/`false`/`null`, a Path (`$…`, `$$…`, `$var…`) or a nested call.

use std::fmt;

use crate::path::{Path, PathError, parse_path};

/// Maximum nesting of calls in one field (INTR-4).
pub const MAX_NESTING: usize = 10;

macro_rules! functions {
    ($( $(#[doc = $doc:literal])* $name:ident = $text:literal, $min:literal, $max:expr; )*) => {
        /// The 18 intrinsic functions (INTR-6).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Function {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Function {
            /// Every function.
            pub const ALL: &'static [Function] = &[$(Function::$name),*];

            /// The full name, e.g. `"States.Format"`.
            pub fn name(self) -> &'static str {
                match self { $(Function::$name => $text,)* }
            }

            /// Minimum and maximum number of arguments (`None` = unbounded).
            pub fn arity(self) -> (usize, Option<usize>) {
                match self { $(Function::$name => ($min, $max),)* }
            }

            /// Looks a function up by its full name (case-sensitive).
            pub fn from_name(name: &str) -> Option<Function> {
                match name { $($text => Some(Function::$name),)* _ => None }
            }
        }
    };
}

functions! {
    /// `States.Format(template, args…)` (INTR-8).
    Format = "States.Format", 1, None;
    /// `States.StringToJson(string)` (INTR-9).
    StringToJson = "States.StringToJson", 1, Some(1);
    /// `States.JsonToString(path)` (INTR-10).
    JsonToString = "States.JsonToString", 1, Some(1);
    /// `States.Array(args…)` (INTR-11).
    Array = "States.Array", 0, None;
    /// `States.ArrayPartition(array, size)` (INTR-12).
    ArrayPartition = "States.ArrayPartition", 2, Some(2);
    /// `States.ArrayContains(array, value)` (INTR-13).
    ArrayContains = "States.ArrayContains", 2, Some(2);
    /// `States.ArrayRange(first, last, step)` (INTR-14).
    ArrayRange = "States.ArrayRange", 3, Some(3);
    /// `States.ArrayGetItem(array, index)` (INTR-15).
    ArrayGetItem = "States.ArrayGetItem", 2, Some(2);
    /// `States.ArrayLength(array)` (INTR-16).
    ArrayLength = "States.ArrayLength", 1, Some(1);
    /// `States.ArrayUnique(array)` (INTR-17).
    ArrayUnique = "States.ArrayUnique", 1, Some(1);
    /// `States.Base64Encode(string)` (INTR-18).
    Base64Encode = "States.Base64Encode", 1, Some(1);
    /// `States.Base64Decode(string)` (INTR-19).
    Base64Decode = "States.Base64Decode", 1, Some(1);
    /// `States.Hash(data, algorithm)` (INTR-20).
    Hash = "States.Hash", 2, Some(2);
    /// `States.JsonMerge(a, b, deep)` (INTR-21).
    JsonMerge = "States.JsonMerge", 3, Some(3);
    /// `States.MathRandom(start, end[, seed])` (INTR-22).
    MathRandom = "States.MathRandom", 2, Some(3);
    /// `States.MathAdd(a, b)` (INTR-23).
    MathAdd = "States.MathAdd", 2, Some(2);
    /// `States.StringSplit(string, delimiters)` (INTR-24).
    StringSplit = "States.StringSplit", 2, Some(2);
    /// `States.UUID()` (INTR-25).
    Uuid = "States.UUID", 0, Some(0);
}

impl Function {
    /// `true` for functions whose result is always a string (allowed in Fail
    /// `ErrorPath`/`CausePath`, STATE-FAIL-3). `ArrayGetItem` may return a string and AWS
    /// accepts it there.
    pub fn may_return_string(self) -> bool {
        matches!(
            self,
            Function::Format
                | Function::JsonToString
                | Function::ArrayGetItem
                | Function::Base64Encode
                | Function::Base64Decode
                | Function::Hash
                | Function::Uuid
        )
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Which function.
    pub function: Function,
    /// The arguments, in order.
    pub args: Vec<Arg>,
    /// Byte range of the call in the field's string.
    pub range: std::ops::Range<usize>,
}

/// A string argument: the decoded value and, for `States.Format`, which `{`/`}` were escaped.
#[derive(Debug, Clone, PartialEq)]
pub struct StringArg {
    /// The text with escapes resolved.
    pub value: String,
    /// The text between the quotes as written (escapes kept), so `States.Format` can tell
    /// `\{` (a literal brace) from `{` (a placeholder).
    pub raw: String,
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `'text'`
    String(StringArg),
    /// A number literal (binary64).
    Number(f64),
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
    /// A path on the input, the context object or a variable.
    Path(Path),
    /// A nested call.
    Call(Call),
}

impl Arg {
    /// The kind of the argument for diagnostics.
    pub fn kind(&self) -> &'static str {
        match self {
            Arg::String(_) => "a string",
            Arg::Number(_) => "a number",
            Arg::Bool(_) => "a boolean",
            Arg::Null => "null",
            Arg::Path(_) => "a path",
            Arg::Call(_) => "a function call",
        }
    }
}

/// What went wrong parsing a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntrinsicError {
    /// Malformed syntax at a byte offset.
    Syntax(PathError),
    /// A name that is not one of the 18 functions.
    UnknownFunction {
        /// The name as written.
        name: String,
        /// Byte offset of the name.
        offset: usize,
    },
    /// Calls nested more than [`MAX_NESTING`] deep.
    TooDeep {
        /// Byte offset of the call that is too deep.
        offset: usize,
    },
}

impl IntrinsicError {
    /// Byte offset of the problem.
    pub fn offset(&self) -> usize {
        match self {
            IntrinsicError::Syntax(e) => e.offset,
            IntrinsicError::UnknownFunction { offset, .. } | IntrinsicError::TooDeep { offset } => {
                *offset
            }
        }
    }
}

impl fmt::Display for IntrinsicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntrinsicError::Syntax(e) => write!(f, "{}", e.message),
            IntrinsicError::UnknownFunction { name, .. } => {
                write!(f, "`{name}` is not an intrinsic function")
            }
            IntrinsicError::TooDeep { .. } => {
                write!(f, "more than {MAX_NESTING} nested intrinsic function calls")
            }
        }
    }
}

/// `true` if the string looks like an attempt at an intrinsic call (starts with `States.`
/// after optional whitespace), so diagnostics can say "bad call" rather than "not a path".
pub fn looks_like_call(s: &str) -> bool {
    s.trim_start().starts_with("States.")
}

/// Parses a whole field value as one call.
pub fn parse_call(text: &str) -> Result<Call, IntrinsicError> {
    let mut p = CallParser { s: text, pos: 0 };
    let call = p.call(1)?;
    if p.pos < text.len() {
        return Err(p.syntax(format!(
            "unexpected `{}` after the end of the call",
            &text[p.pos..]
        )));
    }
    Ok(call)
}

struct CallParser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> CallParser<'a> {
    fn syntax(&self, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError::Syntax(PathError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn call(&mut self, depth: usize) -> Result<Call, IntrinsicError> {
        let start = self.pos;
        if depth > MAX_NESTING {
            return Err(IntrinsicError::TooDeep { offset: start });
        }
        let name_len = self.s[self.pos..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(self.s.len() - self.pos);
        let name = &self.s[self.pos..self.pos + name_len];
        if name.is_empty() {
            return Err(self.syntax(
                "expected an intrinsic function name such as `States.Format` (no leading \
                 whitespace)",
            ));
        }
        let Some(function) = Function::from_name(name) else {
            return Err(IntrinsicError::UnknownFunction {
                name: name.to_string(),
                offset: start,
            });
        };
        self.pos += name_len;
        if self.peek() != Some('(') {
            return Err(self.syntax(format!("expected `(` right after `{name}`")));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(Call {
                function,
                args,
                range: start..self.pos,
            });
        }
        loop {
            self.skip_ws();
            args.push(self.arg(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Call {
                        function,
                        args,
                        range: start..self.pos,
                    });
                }
                Some(c) => {
                    return Err(self.syntax(format!(
                        "unexpected `{c}` in the arguments of `{name}`: expected `,` or `)`"
                    )));
                }
                None => {
                    return Err(self.syntax(format!("missing `)` to close `{name}(`")));
                }
            }
        }
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, IntrinsicError> {
        let rest = &self.s[self.pos..];
        match self.peek() {
            Some('\'') => self.string().map(Arg::String),
            Some('$') => {
                let start = self.pos;
                let end = self.path_end();
                let text = self.s[start..end].trim_end();
                let path = parse_path(text).map_err(|mut e| {
                    e.offset += start;
                    IntrinsicError::Syntax(e)
                })?;
                self.pos = end;
                Ok(Arg::Path(path))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let len = rest
                    .find(|c: char| {
                        !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
                    })
                    .unwrap_or(rest.len());
                let text = &rest[..len];
                match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => {
                        self.pos += len;
                        Ok(Arg::Number(n))
                    }
                    _ => Err(self.syntax(format!("invalid number `{text}`"))),
                }
            }
            _ if rest.starts_with("States.") => self.call(depth + 1).map(Arg::Call),
            _ => {
                for (word, arg) in [
                    ("true", Arg::Bool(true)),
                    ("false", Arg::Bool(false)),
                    ("null", Arg::Null),
                ] {
                    if let Some(after) = rest.strip_prefix(word)
                        && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                    {
                        self.pos += word.len();
                        return Ok(arg);
                    }
                }
                Err(self.syntax(
                    "expected an argument: a 'string', a number, true, false, null, a path \
                     starting with `$`, or a `States.` call",
                ))
            }
        }
    }

    /// End of a path argument: the first `,` or `)` outside brackets and quotes.
    fn path_end(&self) -> usize {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut escaped = false;
        for (i, c) in self.s[self.pos..].char_indices() {
            if escaped {
                escaped = false;
                continue;
            }
            match (quote, c) {
                (_, '\\') => escaped = true,
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') if depth > 0 => quote = Some(c),
                (None, '[' | '(') => depth += 1,
                (None, ']') => depth = depth.saturating_sub(1),
                (None, ')') if depth > 0 => depth -= 1,
                (None, ',' | ')') if depth == 0 => return self.pos + i,
                _ => {}
            }
        }
        self.s.len()
    }

    fn string(&mut self) -> Result<StringArg, IntrinsicError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        let mut value = String::new();
        loop {
            let Some(c) = self.peek() else {
                self.pos = open;
                return Err(self.syntax("unterminated string argument: missing closing `'`"));
            };
            self.pos += c.len_utf8();
            match c {
                '\'' => {
                    return Ok(StringArg {
                        value,
                        raw: self.s[start..self.pos - 1].to_string(),
                    });
                }
                '\\' => match self.peek() {
                    Some(e @ ('\'' | '{' | '}' | '\\')) => {
                        value.push(e);
                        self.pos += 1;
                    }
                    Some(e) => {
                        self.pos -= 1;
                        return Err(self.syntax(format!(
                            "invalid escape `\\{e}` in an intrinsic string: only `\\'`, `\\{{`, \
                             `\\}}` and `\\\\` are allowed"
                        )));
                    }
                    None => {
                        self.pos -= 1;
                        return Err(self.syntax("a `\\` at the end escapes nothing"));
                    }
                },
                c => value.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_calls_and_all_argument_kinds() {
        let c = parse_call(
            "States.Format('{} \\{x\\} \\'q\\' {}', $.a['b,c'][0], States.MathAdd(1, -2.5))",
        )
        .expect("parses");
        assert_eq!(c.function, Function::Format);
        assert_eq!(c.args.len(), 3);
        let Arg::String(s) = &c.args[0] else {
            panic!("string")
        };
        assert_eq!(s.value, "{} {x} 'q' {}");
        assert!(s.raw.contains("\\{"));
        assert!(matches!(&c.args[1], Arg::Path(p) if p.text == "$.a['b,c'][0]"));
        assert!(matches!(&c.args[2], Arg::Call(inner) if inner.function == Function::MathAdd));
        let c = parse_call("States.JsonMerge($.a, $$.Execution.Input, false)").expect("parses");
        assert_eq!(c.args[2], Arg::Bool(false));
        let c = parse_call("States.Array($x, null, true)").expect("parses");
        assert_eq!(c.args[1], Arg::Null);
        assert!(parse_call("States.UUID()").is_ok());
        assert!(
            parse_call("States.Format('{}', $.list[?(@.OutputKey == FooBar)].OutputValue)").is_ok()
        );
    }

    #[test]
    fn rejects_bad_calls() {
        assert!(matches!(
            parse_call("States.Xyz($.a)"),
            Err(IntrinsicError::UnknownFunction { .. })
        ));
        assert!(parse_call(" States.Array(1)").is_err());
        assert!(parse_call("States.Array(1").is_err());
        assert!(parse_call("States.Array (1)").is_err());
        assert!(parse_call("States.Format('a \\\"b')").is_err());
        assert!(parse_call("States.Format('abc)").is_err());
        assert!(parse_call("States.Array(1) x").is_err());
        assert!(parse_call("States.Array(foo)").is_err());
        let deep = "States.Array(".repeat(11) + &")".repeat(11);
        assert!(matches!(
            parse_call(&deep),
            Err(IntrinsicError::TooDeep { .. })
        ));
        assert!(parse_call("States.Array(\u{a0}1)").is_ok());
        let ok_deep = "States.Array(".repeat(10) + &")".repeat(10);
        assert!(parse_call(&ok_deep).is_ok());
    }
}
