//! Comparing our results with AWS's recordings, with the masking rules of
//! `corpus/README.md`.

use regex::Regex;
use serde_json::Value;

/// Rule 1: ISO-8601 date-times anywhere in a string become `date`.
pub fn mask_dates(s: &str) -> String {
    date_re().replace_all(s, "date").into_owned()
}

fn date_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-][01]\d:?([0-5]\d)?)",
        )
        .unwrap_or_else(|e| panic!("date regex: {e}"))
    })
}

/// Applies rule 1 to every string and rule 7 (`masked_paths`, matched by their last key) to
/// a value of ours.
pub fn mask(v: &mut Value, masked_last_keys: &[(String, Value)]) {
    match v {
        Value::String(s) => *s = mask_dates(s),
        Value::Array(a) => a.iter_mut().for_each(|x| mask(x, masked_last_keys)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if let Some((_, r)) = masked_last_keys.iter().find(|(key, _)| key == k) {
                    *x = r.clone();
                } else {
                    mask(x, masked_last_keys);
                }
            }
        }
        _ => {}
    }
}

/// Placeholder tokens such as `<ArnPart_0idx>`, `<region>`, `<json-input:1>`.
fn placeholder_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"<[A-Za-z][A-Za-z0-9_:-]*>")
            .unwrap_or_else(|e| panic!("placeholder regex: {e}"))
    })
}

/// Whether our string matches AWS's, placeholders acting as wildcards.
pub fn str_matches(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    if !placeholder_re().is_match(expected) {
        return false;
    }
    let mut pattern = String::from("^");
    let mut last = 0;
    for m in placeholder_re().find_iter(expected) {
        pattern.push_str(&regex::escape(&expected[last..m.start()]));
        pattern.push_str("(?s:.+?)");
        last = m.end();
    }
    pattern.push_str(&regex::escape(&expected[last..]));
    pattern.push('$');
    Regex::new(&pattern).is_ok_and(|re| re.is_match(actual))
}

/// Whether our JSON value matches AWS's.
pub fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => str_matches(e, a),
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, x)| a.get(k).is_some_and(|y| matches(x, y)))
        }
        _ => expected == actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_and_dates() {
        assert!(str_matches(
            "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>",
            "arn:aws:states:us-east-1:111111111111:execution:m:e-1"
        ));
        assert!(!str_matches("a<x>b", "acd"));
        assert_eq!(mask_dates("at 2024-01-02T03:04:05.123Z!"), "at date!");
        assert!(matches(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
    }
}
