//! Syntax checking of JSONata expressions (VAL-28) and the `$states` rules (VAL-29), with
//! the parser of [`crate::jsonata`].

use super::{ExprCtx, Validator};
use crate::diagnostic::{Code, Pointer};
use crate::model::{Jsonata, JsonataValue, QueryLanguage, Spanned};
use crate::parse::{Json, Value};

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
    crate::jsonata::parse(expr)
        .map(|_| ())
        .map_err(|e| SyntaxError {
            offset: e.offset,
            message: e.to_string(),
        })
}

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

impl Validator<'_> {
    fn jsonata_expr(&mut self, s: &str, j: &Json, ptr: &Pointer, ctx: ExprCtx) -> Option<Jsonata> {
        let expr = expression(s)?;
        let ast = match crate::jsonata::parse(expr) {
            Ok(ast) => ast,
            Err(e) => {
                let span = self.inner_span(j.span, 2 + e.offset, 1);
                let msg = format!("invalid JSONata expression: {e}");
                self.report(Code::JsonataSyntax, span, ptr, msg);
                return None;
            }
        };
        if let Err(e) = crate::jsonata::process(&ast) {
            let msg = format!("invalid JSONata expression: {e}");
            self.report(Code::JsonataSyntax, j.span, ptr, msg);
            return None;
        }
        // Workflow variables the expression reads (VAR-4), for the undefined-variable warning.
        for name in crate::jsonata::free_variables(&ast) {
            self.var_reads
                .push((name, j.span, ptr.clone(), self.state.clone()));
        }
        for (field, allowed, help) in [
            (
                "result",
                ctx.result,
                "`$states.result` exists only in `Output` and `Assign` of Task, Map and Parallel",
            ),
            (
                "errorOutput",
                ctx.error_output,
                "`$states.errorOutput` exists only in a Catcher's `Output` and `Assign`",
            ),
        ] {
            if allowed {
                continue;
            }
            for off in states_field_uses(expr, field) {
                let span = self.inner_span(j.span, 2 + off, 8 + field.len());
                let msg = format!("`$states.{field}` is not available here");
                self.help(Code::StatesFieldNotAvailable, span, ptr, msg, help);
            }
        }
        Some(Jsonata {
            expr: expr.to_string(),
            span: j.span,
        })
    }

    /// A value in a JSONata field: `{% … %}` strings anywhere inside are expressions.
    pub(super) fn jsonata_value(&mut self, j: &Json, ptr: &Pointer, ctx: ExprCtx) -> JsonataValue {
        match &j.value {
            Value::String(s) => {
                if expression(s).is_some() {
                    return match self.jsonata_expr(s, j, ptr, ctx) {
                        Some(e) => JsonataValue::Expr(e),
                        None => JsonataValue::Literal(j.clone()),
                    };
                }
                if half_delimited(s) {
                    let msg = format!(
                        "`{s}` looks like a JSONata expression but is not delimited by `{{%` \
                         and `%}}`"
                    );
                    self.help(
                        Code::JsonataDelimiters,
                        j.span,
                        ptr,
                        msg,
                        "a JSONata string starts with `{%` and ends with `%}`, with no \
                         whitespace outside them",
                    );
                }
                JsonataValue::Literal(j.clone())
            }
            Value::Object(members) => JsonataValue::Object(
                members
                    .iter()
                    .map(|m| {
                        (
                            Spanned::new(m.key.clone(), m.key_span),
                            self.jsonata_value(&m.value, &ptr.key(&m.key), ctx),
                        )
                    })
                    .collect(),
            ),
            Value::Array(items) => JsonataValue::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.jsonata_value(item, &ptr.index(i), ctx))
                    .collect(),
            ),
            _ => JsonataValue::Literal(j.clone()),
        }
    }

    /// A field that is either a literal of some type or a JSONata string.
    pub(super) fn jsonata_or<T>(
        &mut self,
        ql: QueryLanguage,
        j: &Json,
        ptr: &Pointer,
        ctx: ExprCtx,
        literal: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Result<T, Jsonata>> {
        if ql == QueryLanguage::Jsonata
            && let Some(s) = j.as_str()
            && expression(s).is_some()
        {
            return self.jsonata_expr(s, j, ptr, ctx).map(Err);
        }
        literal(self).map(Ok)
    }
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
