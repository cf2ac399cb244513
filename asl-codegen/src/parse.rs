//! JSON text → a tree that remembers where every key and value came from.
//!
//! Why a hand-written parser: `serde_json` drops positions, and the spanned JSON crates we
//! looked at either lose duplicate keys (we must report them), recurse without a depth bound, or
//! do not expose the byte span of object *keys* separately from their values. Every diagnostic of
//! the validator points at a key or a value, and later at a character *inside* a string (a path or
//! a JSONata expression), so we need all three. JSON is small enough that a direct
//! recursive-descent parser (≈300 lines, bounded depth, no allocation beyond the tree) is the
//! simplest correct answer.
//!
//! Positions are byte offsets into the text ([`Span`]); [`Source`] turns them into 1-based
//! line:column. The same tree is built for a definition read from a file and for inline JSON in
//! the `asl!` macro: the macro renders its tokens to text and keeps, next to it, the byte range
//! each token produced, so a [`Span`] maps back to the `proc_macro2::Span` of the token that
//! covers its start (see `asl-macro`).

use std::fmt;

use crate::diagnostic::{Code, Diagnostic, Pointer};

/// Maximum nesting of arrays and objects. AWS reports `TOO_DEEPLY_NESTED` past an undocumented
/// limit; a bound is also what keeps a 100,000-deep array from overflowing the stack.
pub const MAX_DEPTH: usize = 256;

/// Half-open byte range `start..end` into the definition text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span covering `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// The text of a definition plus an index of its line starts.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

impl Source {
    /// Wraps `text`; `name` is what diagnostics print as the file name.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The file name given to [`Source::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// A JSON number: its exact source text and its binary64 value.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    raw: String,
    value: f64,
}

impl Number {
    /// The number as written in the definition.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The binary64 value (ASL numbers are IEEE-754 doubles, TOP-12).
    pub fn as_f64(&self) -> f64 {
        self.value
    }

    /// The value as an integer when it has no fractional part and fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        if let Ok(i) = self.raw.parse::<i64>() {
            return Some(i);
        }
        let v = self.value;
        (v.fract() == 0.0 && v.is_finite() && v.abs() < 9.2e18).then_some(v as i64)
    }
}

/// A JSON value with the span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    /// The value.
    pub value: Value,
    /// Where the value's text is (for a string: including the quotes).
    pub span: Span,
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The decoded key.
    pub key: String,
    /// Where the key's text is, quotes included.
    pub key_span: Span,
    /// The value.
    pub value: Json,
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(Number),
    /// A decoded string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in source order (duplicates have been reported and dropped).
    Object(Vec<Member>),
}

impl Json {
    /// The member `key` if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.member(key).map(|m| &m.value)
    }

    /// The member (key and value) `key` if this is an object that has it.
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Object(members) => members.iter().find(|m| m.key == key),
            _ => None,
        }
    }

    /// The members if this is an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The elements if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The string if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The number if this is a number.
    pub fn as_number(&self) -> Option<&Number> {
        match &self.value {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// `true` for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The JSON type name used in diagnostics (`"string"`, `"object"`, …).
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Converts to a `serde_json::Value` (spans dropped, numbers kept exactly when they fit).
    pub fn to_serde(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str::<serde_json::Number>(&n.raw)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|_| {
                    serde_json::Number::from_f64(n.value)
                        .map_or(serde_json::Value::Null, serde_json::Value::Number)
                }),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Json::to_serde).collect()),
            Value::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|m| (m.key.clone(), m.value.to_serde()))
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_serde())
    }
}

/// Maps a byte index into a *decoded* string back to a byte offset in the source, given the
/// span of the string literal (quotes included). Used to point a caret at a character inside a
/// path or an expression even when the literal contains escapes.
pub fn string_offset(source: &str, literal: Span, decoded_index: usize) -> usize {
    let Some(raw) = source.get(literal.start..literal.end) else {
        return literal.start;
    };
    let bytes = raw.as_bytes();
    // Skip the opening quote; tolerate spans that are not quoted literals.
    let mut i = usize::from(bytes.first() == Some(&b'"'));
    let mut decoded = 0;
    while i < bytes.len() && decoded < decoded_index {
        if bytes[i] == b'"' {
            break;
        }
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            if bytes[i + 1] == b'u' {
                let hex = raw.get(i + 2..i + 6).unwrap_or("");
                let cp = u32::from_str_radix(hex, 16).unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&cp) && raw.get(i + 6..i + 8) == Some("\\u") {
                    decoded += 4;
                    i += 12;
                } else {
                    decoded += char::from_u32(cp).map_or(3, char::len_utf8);
                    i += 6;
                }
            } else {
                decoded += 1;
                i += 2;
            }
        } else {
            let ch_len = raw[i..].chars().next().map_or(1, char::len_utf8);
            decoded += ch_len;
            i += ch_len;
        }
    }
    literal.start + i.min(bytes.len())
}

/// Result of [`parse`]: the tree (absent when the text is not JSON) and the problems found.
#[derive(Debug)]
pub struct Parsed {
    /// The tree, when the text is well-formed JSON.
    pub json: Option<Json>,
    /// Syntax errors, duplicate keys, nesting too deep.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses JSON text. Never panics; a syntax error stops parsing and is reported at its exact
/// position; duplicate keys are reported and parsing goes on (the first occurrence is kept).
pub fn parse(text: &str) -> Parsed {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        diagnostics: Vec::new(),
        path: Vec::new(),
    };
    // A UTF-8 byte order mark is accepted, as Jackson (AWS's parser) does.
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.skip_ws();
    if p.pos >= p.bytes.len() {
        p.diagnostics.push(Diagnostic::new(
            Code::EmptyDefinition,
            Span::new(0, text.len()),
            "the definition is empty: expected a JSON object",
        ));
        return Parsed {
            json: None,
            diagnostics: p.diagnostics,
        };
    }
    let json = match p.value(0) {
        Ok(v) => {
            p.skip_ws();
            if p.pos < p.bytes.len() {
                p.error_here("unexpected text after the end of the JSON value");
                None
            } else {
                Some(v)
            }
        }
        Err(()) => None,
    };
    Parsed {
        json,
        diagnostics: p.diagnostics,
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    /// Keys and indexes from the root to the value being parsed, for diagnostics' pointers.
    path: Vec<crate::diagnostic::Segment>,
}

type PResult<T> = Result<T, ()>;

impl<'a> Parser<'a> {
    fn error_at(&mut self, span: Span, message: impl Into<String>) {
        let mut d = Diagnostic::new(Code::InvalidJson, span, message);
        d.pointer = Pointer(self.path.clone());
        self.diagnostics.push(d);
    }

    fn error_here(&mut self, message: impl Into<String>) {
        let end = self.next_char_end();
        self.error_at(Span::new(self.pos, end), message);
    }

    fn next_char_end(&self) -> usize {
        self.text
            .get(self.pos..)
            .and_then(|s| s.chars().next())
            .map_or(self.pos, |c| self.pos + c.len_utf8())
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn describe_next(&self) -> String {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => "end of input".to_string(),
            Some(c) => format!("`{}`", c.escape_debug()),
        }
    }

    fn value(&mut self, depth: usize) -> PResult<Json> {
        self.skip_ws();
        let start = self.pos;
        match self.bytes.get(self.pos) {
            None => {
                self.error_here("unexpected end of input: expected a JSON value");
                Err(())
            }
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Json {
                    value: Value::String(s),
                    span: Span::new(start, self.pos),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.text[self.pos..].starts_with(word) {
                        let end = self.pos + word.len();
                        let continues = self
                            .bytes
                            .get(end)
                            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
                        if !continues {
                            self.pos = end;
                            return Ok(Json {
                                value,
                                span: Span::new(start, end),
                            });
                        }
                    }
                }
                let word_end = self.text[self.pos..]
                    .char_indices()
                    .find(|(_, c)| !c.is_alphanumeric() && *c != '_')
                    .map_or(self.text.len(), |(i, _)| self.pos + i)
                    .max(self.next_char_end());
                let token = &self.text[self.pos..word_end];
                self.error_at(
                    Span::new(self.pos, word_end),
                    format!(
                        "unrecognized token `{token}`: expected a JSON value (string, number, \
                         object, array, true, false or null)"
                    ),
                );
                Err(())
            }
        }
    }

    fn enter(&mut self, depth: usize) -> PResult<()> {
        if depth > MAX_DEPTH {
            let mut d = Diagnostic::new(
                Code::TooDeeplyNested,
                Span::new(self.pos, self.pos + 1),
                format!("the definition nests arrays and objects more than {MAX_DEPTH} deep"),
            );
            d.pointer = Pointer(self.path.clone());
            self.diagnostics.push(d);
            return Err(());
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> PResult<Json> {
        self.enter(depth)?;
        let start = self.pos;
        self.pos += 1; // '{'
        let mut members: Vec<Member> = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Json {
                value: Value::Object(members),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                let msg = format!(
                    "expected a string key in double quotes, found {}",
                    self.describe_next()
                );
                self.error_here(msg);
                return Err(());
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                let msg = format!("expected `:` after the key, found {}", self.describe_next());
                self.error_here(msg);
                return Err(());
            }
            self.pos += 1;
            self.path.push(crate::diagnostic::Segment::Key(key.clone()));
            let value = self.value(depth);
            self.path.pop();
            let value = value?;
            if let Some(first) = members.iter().find(|m| m.key == key) {
                let (first_span, mut d) = (
                    first.key_span,
                    Diagnostic::new(
                        Code::DuplicateKey,
                        key_span,
                        format!("duplicate key `{key}` in one object"),
                    ),
                );
                d.pointer = Pointer(self.path.clone());
                d.pointer
                    .0
                    .push(crate::diagnostic::Segment::Key(key.clone()));
                d.related
                    .push((first_span, "first defined here".to_string()));
                d.help = Some("remove one of the two members".to_string());
                self.diagnostics.push(d);
            } else {
                members.push(Member {
                    key,
                    key_span,
                    value,
                });
            }
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json {
                        value: Value::Object(members),
                        span: Span::new(start, self.pos),
                    });
                }
                _ => {
                    let msg = format!(
                        "expected `,` or `}}` after an object member, found {}",
                        self.describe_next()
                    );
                    self.error_here(msg);
                    return Err(());
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> PResult<Json> {
        self.enter(depth)?;
        let start = self.pos;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Json {
                value: Value::Array(items),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.path
                .push(crate::diagnostic::Segment::Index(items.len()));
            let item = self.value(depth);
            self.path.pop();
            items.push(item?);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json {
                        value: Value::Array(items),
                        span: Span::new(start, self.pos),
                    });
                }
                _ => {
                    let msg = format!(
                        "expected `,` or `]` after an array element, found {}",
                        self.describe_next()
                    );
                    self.error_here(msg);
                    return Err(());
                }
            }
        }
    }

    fn number(&mut self) -> PResult<Json> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = self.pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - s
        };
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => {
                self.pos = i;
                self.error_here("invalid number: expected a digit after `-`");
                return Err(());
            }
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                self.pos = i;
                self.error_here("invalid number: expected a digit after the decimal point");
                return Err(());
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                self.pos = i;
                self.error_here("invalid number: expected a digit in the exponent");
                return Err(());
            }
        }
        if b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            // Only reachable after a leading zero: `01` is not JSON.
            self.pos = i;
            self.error_here("invalid number: leading zeros are not allowed");
            return Err(());
        }
        let raw = &self.text[start..i];
        let value: f64 = raw.parse().unwrap_or(f64::NAN);
        if !value.is_finite() {
            self.error_at(
                Span::new(start, i),
                format!("number `{raw}` is out of the range of a 64-bit float"),
            );
            return Err(());
        }
        self.pos = i;
        Ok(Json {
            value: Value::Number(Number {
                raw: raw.to_string(),
                value,
            }),
            span: Span::new(start, i),
        })
    }

    /// Parses a string literal at `self.pos` (which is `"`), leaving `pos` after the closing
    /// quote.
    fn string(&mut self) -> PResult<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&c) = self.bytes.get(self.pos) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                None => {
                    self.error_at(
                        Span::new(start, self.pos),
                        "unterminated string: expected a closing `\"`",
                    );
                    return Err(());
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc_start = self.pos;
                    let Some(&e) = self.bytes.get(self.pos + 1) else {
                        self.error_at(
                            Span::new(start, self.pos + 1),
                            "unterminated string: expected a closing `\"`",
                        );
                        return Err(());
                    };
                    self.pos += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let c = self.unicode_escape(esc_start)?;
                            out.push(c);
                        }
                        _ => {
                            self.pos = esc_start;
                            let end = self.pos
                                + 1
                                + self.text[self.pos + 1..]
                                    .chars()
                                    .next()
                                    .map_or(0, char::len_utf8);
                            self.error_at(
                                Span::new(esc_start, end),
                                format!(
                                    "invalid escape `{}` in a string",
                                    &self.text[esc_start..end]
                                ),
                            );
                            return Err(());
                        }
                    }
                }
                Some(_) => {
                    self.error_here(
                        "control character in a string: write it as an escape such as `\\n`",
                    );
                    return Err(());
                }
            }
        }
    }

    fn hex4(&mut self, esc_start: usize) -> PResult<u32> {
        let hex = self.text.get(self.pos..self.pos + 4).unwrap_or("");
        if hex.len() != 4 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let end = (self.pos + 4).min(self.text.len());
            let end = (end..=self.text.len())
                .find(|&e| self.text.is_char_boundary(e))
                .unwrap_or(self.text.len());
            self.error_at(
                Span::new(esc_start, end),
                "invalid unicode escape: expected four hex digits after `\\u`",
            );
            return Err(());
        }
        self.pos += 4;
        u32::from_str_radix(hex, 16).map_err(|_| ())
    }

    fn unicode_escape(&mut self, esc_start: usize) -> PResult<char> {
        let hi = self.hex4(esc_start)?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.text[self.pos..].starts_with("\\u") {
                self.pos += 2;
                let lo = self.hex4(esc_start)?;
                if (0xDC00..0xE000).contains(&lo) {
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    if let Some(c) = char::from_u32(cp) {
                        return Ok(c);
                    }
                }
            }
            self.error_at(
                Span::new(esc_start, self.pos),
                "unpaired UTF-16 surrogate in a `\\u` escape",
            );
            return Err(());
        }
        match char::from_u32(hi) {
            Some(c) => Ok(c),
            None => {
                self.error_at(
                    Span::new(esc_start, self.pos),
                    "unpaired UTF-16 surrogate in a `\\u` escape",
                );
                Err(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Json {
        let p = parse(text);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        p.json.expect("parsed")
    }

    fn err(text: &str) -> Diagnostic {
        let p = parse(text);
        assert!(p.json.is_none() || !p.diagnostics.is_empty());
        p.diagnostics.into_iter().next().expect("a diagnostic")
    }

    #[test]
    fn spans_of_keys_and_values() {
        let text = r#"{ "a": [1, "x\n"], "b": null }"#;
        let j = ok(text);
        let a = j.member("a").expect("a");
        assert_eq!(&text[a.key_span.start..a.key_span.end], "\"a\"");
        assert_eq!(&text[a.value.span.start..a.value.span.end], r#"[1, "x\n"]"#);
        assert_eq!(a.value.as_array().expect("array")[1].as_str(), Some("x\n"));
        assert!(j.get("b").expect("b").is_null());
    }

    #[test]
    fn line_and_column_count_characters() {
        let s = Source::new("t", "{\n  \"é\": tru }");
        assert_eq!(s.line_col(0), (1, 1));
        // `tru` starts after `  "é": ` on line 2
        let off = s.text().find("tru").expect("tru");
        assert_eq!(s.line_col(off), (2, 8));
    }

    #[test]
    fn malformed_json_points_at_the_problem() {
        let text = "{\"a\": tru}";
        let d = err(text);
        assert_eq!(d.code, Code::InvalidJson);
        assert_eq!(d.span.start, 6);
        assert!(d.message.contains("tru"), "{}", d.message);
        let d = err("{\"a\": 1,}");
        assert_eq!(d.span.start, 8);
        let d = err("[1 2]");
        assert_eq!(d.span.start, 3);
        let d = err("\"abc");
        assert!(d.message.contains("unterminated"));
        assert_eq!(err("01").code, Code::InvalidJson);
        assert_eq!(err("1e999").code, Code::InvalidJson);
        assert_eq!(err("\"\\x\"").code, Code::InvalidJson);
        assert_eq!(err("\"\\ud800\"").code, Code::InvalidJson);
        assert_eq!(err("{} x").code, Code::InvalidJson);
        assert_eq!(err("   ").code, Code::EmptyDefinition);
        assert_eq!(err("").code, Code::EmptyDefinition);
    }

    #[test]
    fn duplicate_keys_are_reported_and_first_kept() {
        let p = parse(r#"{"a": 1, "b": 2, "a": 3}"#);
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].code, Code::DuplicateKey);
        assert_eq!(p.diagnostics[0].span.start, 17);
        let j = p.json.expect("tree");
        assert_eq!(
            j.get("a").and_then(Json::as_number).map(Number::as_f64),
            Some(1.0)
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let d = err(&text);
        assert_eq!(d.code, Code::TooDeeplyNested);
        let ok_text = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        ok(&ok_text);
    }

    #[test]
    fn unicode_escapes_and_surrogate_pairs() {
        let j = ok(r#""\u00e9\ud83d\ude00\/""#);
        assert_eq!(j.as_str(), Some("é😀/"));
    }

    #[test]
    fn string_offsets_map_through_escapes() {
        let text = r#"{"k": "a\"b\u00e9c"}"#;
        let j = ok(text);
        let v = j.get("k").expect("k");
        let s = v.as_str().expect("str");
        let c = s.find('c').expect("c");
        let off = string_offset(text, v.span, c);
        assert_eq!(&text[off..off + 1], "c");
    }

    #[test]
    fn numbers_keep_their_text() {
        let j = ok("[1, -0.5, 2e3, 12345678901234567890]");
        let a = j.as_array().expect("array");
        assert_eq!(a[0].as_number().and_then(Number::as_i64), Some(1));
        assert_eq!(a[1].as_number().map(Number::as_f64), Some(-0.5));
        assert_eq!(a[2].as_number().and_then(Number::as_i64), Some(2000));
        assert_eq!(
            a[3].as_number().map(Number::raw),
            Some("12345678901234567890")
        );
    }
}
