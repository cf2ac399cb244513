//! A compact diff of two JSON values, for test failure messages: only the paths that differ,
//! each on one line, with values cut short and at most [`MAX_LINES`] lines.

use std::fmt::Write as _;

use serde_json::Value;

/// The most differences listed (the rest are counted).
pub const MAX_LINES: usize = 20;
/// The longest a value is shown, in characters.
const MAX_VALUE: usize = 80;
/// The longest a line is shown, in characters (a deep path with two values).
const MAX_LINE: usize = 300;

/// The differences between `expected` and `actual`, one per line, or `None` when they are
/// equal; at most [`MAX_LINES`] lines, then a count of those left out.
///
/// Each line names a path in JSONPath form (`$.order.items[2].sku`, `$["odd key"]`):
/// `expected 12, got 13`; `missing (expected …)` for a key or item `actual` lacks;
/// `unexpected (got …)` for one it has too many; `expected 3 items, got 2` for arrays of
/// different lengths. Values are shown as compact JSON cut at 80 characters (two long strings
/// are shown from a little before where they first differ).
///
/// Numbers compare by value, as JSON does not tell `1` from `1.0`: they are equal here (use
/// `assert_eq!` on the values to compare their representation too). Object keys compare
/// regardless of order.
///
/// ```
/// use serde_json::json;
/// use asl_runtime::testing::json_diff;
///
/// let expected = json!({ "order": { "total": 12, "items": ["a", "b"] }, "id": 1 });
/// let actual = json!({ "order": { "total": 13, "items": ["a"] }, "id": 1.0, "extra": true });
/// assert_eq!(
///     json_diff(&expected, &actual).unwrap(),
///     "$.order.total: expected 12, got 13\n\
///      $.order.items: expected 2 items, got 1\n\
///      $.order.items[1]: missing (expected \"b\")\n\
///      $.extra: unexpected (got true)"
/// );
/// assert_eq!(json_diff(&json!({ "a": [1, 2.5] }), &json!({ "a": [1.0, 2.5] })), None);
/// ```
pub fn json_diff(expected: &Value, actual: &Value) -> Option<String> {
    let mut diffs = Diffs::default();
    let mut path = String::from("$");
    walk(&mut path, expected, actual, &mut diffs);
    if diffs.count == 0 {
        return None;
    }
    let mut out = diffs.lines.join("\n");
    if diffs.count > diffs.lines.len() {
        let _ = write!(
            out,
            "\n… and {} more difference{}",
            diffs.count - diffs.lines.len(),
            if diffs.count - diffs.lines.len() == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    Some(out)
}

#[derive(Default)]
struct Diffs {
    lines: Vec<String>,
    count: usize,
}

impl Diffs {
    fn push(&mut self, line: impl FnOnce() -> String) {
        self.count += 1;
        if self.lines.len() < MAX_LINES {
            self.lines.push(cut(&line(), MAX_LINE));
        }
    }
}

fn walk(path: &mut String, expected: &Value, actual: &Value, diffs: &mut Diffs) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let len = path.len();
                push_key(path, key);
                match a.get(key) {
                    Some(av) => walk(path, ev, av, diffs),
                    None => diffs.push(|| format!("{path}: missing (expected {})", show(ev))),
                }
                path.truncate(len);
            }
            for (key, av) in a.iter().filter(|(k, _)| !e.contains_key(*k)) {
                let len = path.len();
                push_key(path, key);
                diffs.push(|| format!("{path}: unexpected (got {})", show(av)));
                path.truncate(len);
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                diffs.push(|| {
                    format!(
                        "{path}: expected {} item{}, got {}",
                        e.len(),
                        if e.len() == 1 { "" } else { "s" },
                        a.len()
                    )
                });
            }
            for i in 0..e.len().max(a.len()) {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                match (e.get(i), a.get(i)) {
                    (Some(ev), Some(av)) => walk(path, ev, av, diffs),
                    (Some(ev), None) => {
                        diffs.push(|| format!("{path}: missing (expected {})", show(ev)))
                    }
                    (None, Some(av)) => {
                        diffs.push(|| format!("{path}: unexpected (got {})", show(av)))
                    }
                    (None, None) => {}
                }
                path.truncate(len);
            }
        }
        (Value::Number(e), Value::Number(a)) if numbers_equal(e, a) => {}
        (Value::String(e), Value::String(a)) if e != a => {
            let (e, a) = strings_apart(e, a);
            diffs.push(|| format!("{path}: expected {e}, got {a}"));
        }
        _ if expected == actual => {}
        _ => diffs.push(|| format!("{path}: expected {}, got {}", show(expected), show(actual))),
    }
}

/// Whether two numbers are the same value (`1` and `1.0` are).
fn numbers_equal(e: &serde_json::Number, a: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (e.as_i64(), a.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (e.as_u64(), a.as_u64()) {
        return x == y;
    }
    match (e.as_f64(), a.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => e == a,
    }
}

/// `.key`, or `["key"]` for a key that is not an identifier.
fn push_key(path: &mut String, key: &str) {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        path.push('.');
        path.push_str(key);
    } else {
        let _ = write!(path, "[{}]", Value::String(key.to_string()));
    }
}

/// A value as compact JSON, cut at [`MAX_VALUE`] characters.
fn show(v: &Value) -> String {
    cut(&v.to_string(), MAX_VALUE)
}

/// Two different strings shown as JSON; when they are long, from a little before the first
/// character where they differ.
fn strings_apart(e: &str, a: &str) -> (String, String) {
    let first = e.chars().zip(a.chars()).take_while(|(x, y)| x == y).count();
    let skip = first.saturating_sub(20);
    let show_from = |s: &str| {
        if skip < 10 {
            return show(&Value::String(s.to_string()));
        }
        let rest: String = s.chars().skip(skip).collect();
        let json = Value::String(rest).to_string();
        // `"…` + the rest, without its opening quote.
        cut(&format!("\"…{}", &json[1..]), MAX_VALUE)
    };
    (show_from(e), show_from(a))
}

/// `text` cut at `max` characters, with `…` where it was cut.
pub(super) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// What [`assert_json_eq!`](crate::assert_json_eq) calls: panics with the diff when the
/// values differ.
#[doc(hidden)]
#[track_caller]
pub fn __assert_json_eq<A, E>(actual: &A, expected: &E, message: Option<std::fmt::Arguments<'_>>)
where
    A: serde::Serialize + ?Sized,
    E: serde::Serialize + ?Sized,
{
    let to_json = |what: &str, v: Result<Value, serde_json::Error>| match v {
        Ok(v) => v,
        Err(e) => panic!("assert_json_eq!: the {what} value is not JSON: {e}"),
    };
    let actual = to_json("actual", serde_json::to_value(actual));
    let expected = to_json("expected", serde_json::to_value(expected));
    if let Some(diff) = json_diff(&expected, &actual) {
        let diff = diff.replace('\n', "\n  ");
        match message {
            Some(m) => panic!("assertion `actual == expected` failed (JSON): {m}\n  {diff}"),
            None => panic!("assertion `actual == expected` failed (JSON)\n  {diff}"),
        }
    }
}

/// Asserts that two values are equal as JSON (numbers by value, keys in any order); on
/// failure, panics with a compact diff of the paths that differ ([`testing::json_diff`]).
/// Either value may be a [`Value`](crate::Value) or anything `serde::Serialize`.
///
/// [`testing::json_diff`]: crate::testing::json_diff
///
/// ```
/// use serde_json::json;
///
/// let out = json!({ "order": { "id": "o-1", "total": 12.0 } });
/// asl_runtime::assert_json_eq!(out, json!({ "order": { "id": "o-1", "total": 12 } }));
/// ```
///
/// ```should_panic
/// # use serde_json::json;
/// let out = json!({ "order": { "id": "o-1", "total": 13 } });
/// // Panics with:
/// // assertion `actual == expected` failed (JSON): order total
/// //   $.order.total: expected 12, got 13
/// asl_runtime::assert_json_eq!(out, json!({ "order": { "id": "o-1", "total": 12 } }), "order total");
/// ```
#[macro_export]
macro_rules! assert_json_eq {
    ($actual:expr, $expected:expr $(,)?) => {
        $crate::testing::__assert_json_eq(&$actual, &$expected, ::core::option::Option::None)
    };
    ($actual:expr, $expected:expr, $($arg:tt)+) => {
        $crate::testing::__assert_json_eq(
            &$actual,
            &$expected,
            ::core::option::Option::Some(::core::format_args!($($arg)+)),
        )
    };
}
