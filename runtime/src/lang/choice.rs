//! Choice comparisons (CHOICE-9..34). Generated code turns each Choice rule into a Rust
//! expression over these functions; a value of the wrong type makes a comparison false
//! (CHOICE-9), a `Variable` that selects nothing is an error except for `IsPresent` (CHOICE-10).

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::error::Failure;
use crate::lang::jsonpath::{self, Path, Roots};

/// The value a `Variable` (or `…Path` operand) selects; an error when it selects nothing.
pub fn value<'v>(path: &Path, roots: &Roots<'v>) -> Result<Cow<'v, Value>, Failure> {
    match jsonpath::select(path, roots) {
        Ok(jsonpath::Selection::One(v)) => Ok(v),
        Ok(jsonpath::Selection::Many(vs)) => Ok(Cow::Owned(Value::Array(
            vs.into_iter().map(Cow::into_owned).collect(),
        ))),
        Ok(jsonpath::Selection::Missing) => Err(Failure::runtime(format!(
            "Invalid path '{}' : {}",
            path.text,
            jsonpath::not_found_message(path, roots)
        ))),
        Err(e) => Err(Failure::runtime(e.0)),
    }
}

/// `IsPresent`: whether the path selects anything (CHOICE-30).
pub fn is_present(path: &Path, roots: &Roots<'_>) -> bool {
    match jsonpath::select(path, roots) {
        Ok(jsonpath::Selection::Missing) | Err(_) => false,
        Ok(jsonpath::Selection::One(_)) => true,
        Ok(jsonpath::Selection::Many(vs)) => !vs.is_empty(),
    }
}

/// Java's `String.compareTo`: UTF-16 code units (CHOICE-13).
pub fn compare_strings(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn strings(v: &Value, s: &Value) -> Option<Ordering> {
    match (v, s) {
        (Value::String(a), Value::String(b)) => Some(compare_strings(a, b)),
        _ => None,
    }
}

fn numbers(v: &Value, n: &Value) -> Option<Ordering> {
    match (v, n) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        _ => None,
    }
}

fn timestamps(v: &Value, t: &Value) -> Option<Ordering> {
    match (v, t) {
        (Value::String(a), Value::String(b)) => Some(parse_timestamp(a)?.cmp(&parse_timestamp(b)?)),
        _ => None,
    }
}

/// A timestamp in the ASL profile of RFC 3339 (TOP-11): uppercase `T`, `Z` or an offset.
pub fn parse_timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() < 20 || b[10] != b'T' || s.ends_with('z') {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok()
}

/// Kinds of comparison, for [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `String*`
    String,
    /// `Numeric*`
    Numeric,
    /// `Timestamp*`
    Timestamp,
    /// `BooleanEquals`
    Boolean,
}

/// Relations, for [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `…Equals`
    Eq,
    /// `…LessThan`
    Lt,
    /// `…GreaterThan`
    Gt,
    /// `…LessThanEquals`
    Le,
    /// `…GreaterThanEquals`
    Ge,
}

/// `<Kind><Relation>` between the variable's value and the operand (a literal or a `…Path`
/// value). False when either side is not of the kind.
pub fn compare(kind: Kind, rel: Relation, v: &Value, operand: &Value) -> bool {
    let ord = match kind {
        Kind::String => strings(v, operand),
        Kind::Numeric => numbers(v, operand),
        Kind::Timestamp => timestamps(v, operand),
        Kind::Boolean => match (v, operand) {
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        },
    };
    ord.is_some_and(|o| holds(rel, o))
}

/// `Numeric<Relation>` against a literal (CHOICE-18..22).
pub fn numeric(rel: Relation, v: &Value, n: f64) -> bool {
    let Some(x) = v.as_f64().filter(|_| v.is_number()) else {
        return false;
    };
    let Some(ord) = x.partial_cmp(&n) else {
        return false;
    };
    holds(rel, ord)
}

/// `String<Relation>` against a literal (CHOICE-12..16).
pub fn string(rel: Relation, v: &Value, s: &str) -> bool {
    match v {
        Value::String(x) => holds(rel, compare_strings(x, s)),
        _ => false,
    }
}

/// `Timestamp<Relation>` against a literal (CHOICE-24..28).
pub fn timestamp(rel: Relation, v: &Value, t: &str) -> bool {
    let (Some(a), Some(b)) = (v.as_str().and_then(parse_timestamp), parse_timestamp(t)) else {
        return false;
    };
    holds(rel, a.cmp(&b))
}

/// `BooleanEquals` against a literal (CHOICE-23).
pub fn boolean(v: &Value, b: bool) -> bool {
    v.as_bool() == Some(b)
}

fn holds(rel: Relation, ord: Ordering) -> bool {
    match rel {
        Relation::Eq => ord == Ordering::Equal,
        Relation::Lt => ord == Ordering::Less,
        Relation::Gt => ord == Ordering::Greater,
        Relation::Le => ord != Ordering::Greater,
        Relation::Ge => ord != Ordering::Less,
    }
}

/// `StringMatches` (CHOICE-17): `*` matches any run of characters, `\*` and `\\` are literal.
pub fn string_matches(v: &Value, pattern: &str) -> bool {
    let Value::String(s) = v else { return false };
    // Tokenize the pattern into literal characters and wildcards.
    let mut tokens: Vec<Option<char>> = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) => tokens.push(Some(e)),
                None => return false,
            },
            '*' => tokens.push(None),
            c => tokens.push(Some(c)),
        }
    }
    let text: Vec<char> = s.chars().collect();
    // Classic wildcard matching with backtracking on the last `*`.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Some(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(None) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(Option::is_none)
}

/// `IsNull`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp` (CHOICE-29..34).
pub fn is_type(v: &Value, ty: &str) -> bool {
    match ty {
        "IsNull" => v.is_null(),
        "IsNumeric" => v.is_number(),
        "IsString" => v.is_string(),
        "IsBoolean" => v.is_boolean(),
        "IsTimestamp" => v.as_str().and_then(parse_timestamp).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards() {
        assert!(string_matches(&json!("log-2020.txt"), "log-*.txt"));
        assert!(string_matches(&json!("a*b"), "a\\*b"));
        assert!(!string_matches(&json!("axb"), "a\\*b"));
        assert!(string_matches(&json!(""), "*"));
        assert!(string_matches(&json!("abcabc"), "*abc"));
        assert!(!string_matches(&json!(1), "*"));
    }

    #[test]
    fn comparisons() {
        assert!(compare(Kind::Numeric, Relation::Lt, &json!(1), &json!(1.5)));
        assert!(!compare(
            Kind::Numeric,
            Relation::Lt,
            &json!("1"),
            &json!(2)
        ));
        assert!(compare(
            Kind::String,
            Relation::Lt,
            &json!("a"),
            &json!("b")
        ));
        // UTF-16 order: U+FF61 sorts after U+1F600's high surrogate (0xD83D).
        assert!(compare(
            Kind::String,
            Relation::Gt,
            &json!("\u{ff61}"),
            &json!("😀")
        ));
        assert!(compare(
            Kind::Timestamp,
            Relation::Eq,
            &json!("2016-03-14T01:59:00Z"),
            &json!("2016-03-14T02:59:00+01:00")
        ));
        assert!(!compare(
            Kind::Timestamp,
            Relation::Eq,
            &json!("x"),
            &json!("2016-03-14T01:59:00Z")
        ));
        assert!(is_type(&json!("2016-03-14T01:59:00Z"), "IsTimestamp"));
        assert!(!is_type(&json!("2016-03-14"), "IsTimestamp"));
    }
}
