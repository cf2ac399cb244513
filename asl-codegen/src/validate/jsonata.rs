//! Syntax checking of JSONata expressions (VAL-28) and the `$states` rules (VAL-29).
//!
//! The expression is parsed with the parser of the `jsonata-rs` crate, the Rust JSONata
//! implementation with the most complete grammar; the JSONata issue (#5) evaluates engines
//! for *running* expressions, this module only needs to know whether one parses and where it
//! does not.

/// Why an expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset inside the expression.
    pub offset: usize,
    /// JSONata's error code (`S0201`, …) and message.
    pub message: String,
}

/// Parses `expr` and reports the first syntax error.
pub fn check(expr: &str) -> Result<(), SyntaxError> {
    if expr.trim().is_empty() {
        return Err(SyntaxError {
            offset: 0,
            message: "the expression is empty".to_string(),
        });
    }
    if let Some(offset) = dangling_decimal_point(expr) {
        return Err(SyntaxError {
            offset,
            message: "S0201: a number cannot end with `.`: write `420` or `420.0`".to_string(),
        });
    }
    if let Some(offset) = leading_zero(expr) {
        return Err(SyntaxError {
            offset,
            message: "S0201: a number cannot start with `0` followed by digits".to_string(),
        });
    }
    if let Some(offset) = too_deep(expr) {
        return Err(SyntaxError {
            offset,
            message: format!("the expression nests brackets more than {MAX_NESTING} deep"),
        });
    }
    let arena = bumpalo::Bump::new();
    // The parser is third-party code run on user input: a panic there must become a
    // diagnostic, never a crashed build.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        jsonata_rs::JsonAta::new(expr, &arena)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }));
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(text)) => Err(parse_message(&text, expr.len())),
        // jsonata-rs panics on some valid syntax (the parent operator `%`, an immediately
        // called lambda): not a verdict on the expression, so it is accepted.
        Err(_) => Ok(()),
    }
}

/// Deepest bracket nesting accepted: the parser recurses per level.
pub const MAX_NESTING: usize = 100;

/// Byte ranges of `expr` that are code: outside string literals, backquoted names and
/// comments.
fn code_ranges(expr: &str) -> Vec<std::ops::Range<usize>> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                out.push(start..i);
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                start = i.min(b.len());
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                out.push(start..i);
                i = expr[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push(start.min(b.len())..b.len());
    out.retain(|r| r.start < r.end);
    out
}

fn too_deep(expr: &str) -> Option<usize> {
    let mut depth = 0usize;
    for r in code_ranges(expr) {
        for (i, c) in expr[r.clone()].char_indices() {
            match c {
                '(' | '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(r.start + i);
                    }
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

fn leading_zero(expr: &str) -> Option<usize> {
    for r in code_ranges(expr) {
        let b = &expr.as_bytes()[r.clone()];
        for i in 0..b.len() {
            let starts_number = b[i] == b'0'
                && !(i > 0
                    && (b[i - 1].is_ascii_alphanumeric()
                        || matches!(b[i - 1], b'_' | b'$' | b'.')));
            if starts_number && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                return Some(r.start + i);
            }
        }
    }
    None
}

/// jsonata-rs lexes `420.` as a number where JSONata (and AWS) reject it: the JavaScript
/// grammar requires digits after a decimal point. Finds such a literal, skipping strings and
/// comments, when nothing can follow the dot.
fn dangling_decimal_point(expr: &str) -> Option<usize> {
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = expr[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            }
            c if c.is_ascii_digit()
                && !(i > 0
                    && (b[i - 1].is_ascii_alphanumeric()
                        || matches!(b[i - 1], b'_' | b'$' | b'.'))) =>
            {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if b.get(i) == Some(&b'.') && b.get(i + 1) != Some(&b'.') {
                    let rest = expr[i + 1..].trim_start();
                    if rest.is_empty() || rest.starts_with([')', ']', '}', ',', ';']) {
                        return Some(i);
                    }
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// `"S0201 @ 5: Syntax error `x`"` → offset 5, message `"S0201: Syntax error `x`"`.
fn parse_message(text: &str, len: usize) -> SyntaxError {
    if let Some((code, rest)) = text.split_once(" @ ")
        && let Some((pos, msg)) = rest.split_once(": ")
        && let Ok(pos) = pos.trim().parse::<usize>()
    {
        // jsonata-rs reports the position *after* the offending token; point at its start
        // when the message quotes the token.
        return SyntaxError {
            offset: pos.min(len),
            message: format!("{code}: {msg}"),
        };
    }
    SyntaxError {
        offset: 0,
        message: text.to_string(),
    }
}

/// Splits a `{% … %}` string into its expression. `None` if the string is not delimited.
pub fn expression(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}

/// `true` if the string has only one of the two delimiters (JSONATA-2): almost certainly a
/// mistyped expression.
pub fn half_delimited(s: &str) -> bool {
    // AWS takes `" {% x %} "` as a plain string: only the exact first and last characters
    // count, so no trimming here.
    let opens = s.starts_with("{%");
    let closes = s.ends_with("%}");
    (opens != closes) || ((opens && closes) && expression(s).is_none())
}

/// Byte offsets in `expr` where `$states.<field>` is read (not mentioned in a string or a
/// comment).
pub fn states_field_uses(expr: &str, field: &str) -> Vec<usize> {
    let needle = format!("$states.{field}");
    let mut out = Vec::new();
    for r in code_ranges(expr) {
        let code = &expr[r.clone()];
        for (i, _) in code.match_indices(&needle) {
            let after = code[i + needle.len()..].chars().next();
            if !after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                out.push(r.start + i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        assert!(check(" $states.input.a + 1 ").is_ok());
        assert!(check("$sum([1,2])").is_ok());
        assert!(check(" 10 + * 2 ").is_err());
        assert!(check(" $sum( ").is_err());
        assert!(check(" 420. ").is_err());
        assert!(check("   ").is_err());
        assert!(check(" 01 ").is_err());
        assert!(check(" 10 ").is_ok());
        assert!(check(&format!("{}1{}", "(".repeat(500), ")".repeat(500))).is_err());
        assert!(check(" '((((' ").is_ok());
        let e = check("1 + * 2").expect_err("error");
        assert!(e.message.starts_with('S'), "{}", e.message);
    }

    #[test]
    fn delimiters() {
        assert_eq!(expression("{% 1 %}"), Some(" 1 "));
        assert_eq!(expression(" {% 1 %}"), None);
        assert!(half_delimited("{% 10 %"));
        assert!(half_delimited("10 %}"));
        assert!(!half_delimited("{% 10 %}"));
        assert!(!half_delimited("plain"));
        assert!(!half_delimited(" {% states.input %} "));
    }

    #[test]
    fn states_fields() {
        assert_eq!(
            states_field_uses("$states.result.x + $states.resultX", "result"),
            vec![0]
        );
    }
}
