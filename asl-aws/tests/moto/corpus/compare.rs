//! Comparing a value we sent or got with the corpus's recorded one: masked tokens are
//! wildcards, and the tolerances for what moto cannot reproduce are explicit.

use serde_json::Value;

/// Response members whose values are AWS's HTTP envelope (its servers' headers, its request
/// ids): moto's differ by nature, so only their presence is compared.
const ENVELOPE: [&str; 2] = ["SdkHttpMetadata", "SdkResponseMetadata"];

/// S3's extended request id in a cause: the SDK takes it from the `x-amz-id-2` header, which
/// AWS always sends and moto never does (it writes the id only into the XML body's `HostId`).
const NO_EXTENDED_ID: &str = ", Extended Request ID: <extended_request_id>";

/// Differences from AWS's answer that are moto's, not ours.
#[derive(Default)]
pub struct Tolerated {
    /// Response members AWS sends and moto does not.
    pub omits: &'static [&'static str],
    /// Response members moto sends and AWS does not.
    pub adds: &'static [&'static str],
}

/// Whether `actual` matches `expected`; the differences, with their JSON paths, go to `diffs`.
///
/// - A string holding masked tokens (`<request_id>`, `<uuid:1>`, `<m-d5-of-message-body:1>`…)
///   matches any string with the same text around the tokens (README: "treat the tokens as
///   wildcards"); the literal `date` (masking rule 1) matches any string.
/// - Members named in [`ENVELOPE`] need only be present.
/// - Members `tolerated.omits` names may be missing from `actual`, members
///   `tolerated.adds` names may be extra in it (each case says why).
/// - Objects must have the same members otherwise: an extra member is a difference.
/// - [`NO_EXTENDED_ID`] may be missing from an S3 error's cause.
pub fn diff(
    expected: &Value,
    actual: &Value,
    path: &str,
    tolerated: &Tolerated,
    diffs: &mut Vec<String>,
) {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => {
            let without_extended = e.replace(NO_EXTENDED_ID, "");
            if e != "date" && !glob(e, a) && !glob(&without_extended, a) {
                diffs.push(format!("{path}: expected {e:?}, got {a:?}"));
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(_) if ENVELOPE.contains(&k.as_str()) => {}
                    Some(av) => diff(ev, av, &p, tolerated, diffs),
                    None if tolerated.omits.contains(&k.as_str()) => {}
                    None => diffs.push(format!("{p}: missing (expected {ev})")),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) && !tolerated.adds.contains(&k.as_str()) {
                    diffs.push(format!("{path}.{k}: not expected (got {av})"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(ev, av, &format!("{path}[{i}]"), tolerated, diffs);
            }
        }
        _ if expected == actual => {}
        _ => diffs.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// Whether `actual` is `pattern` with each `<…>` token standing for any text.
pub fn glob(pattern: &str, actual: &str) -> bool {
    let mut parts = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('<') {
        match rest[start..].find('>') {
            Some(len) => {
                parts.push(&rest[..start]);
                rest = &rest[start + len + 1..];
            }
            None => break,
        }
    }
    parts.push(rest);
    if parts.len() == 1 {
        return pattern == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first)
        || actual.len() < first.len() + last.len()
        || !actual.ends_with(last)
    {
        return false;
    }
    let mut middle = &actual[first.len()..actual.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match middle.find(part) {
            Some(i) => middle = &middle[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// `value` with every occurrence of each fresh name replaced by the masked token it stands
/// for (`subs`: token, fresh name), so that what moto saw reads as the recording does.
pub fn mask(value: &Value, subs: &[(String, String)]) -> Value {
    map_strings(value, &|s| {
        subs.iter()
            .fold(s.to_owned(), |s, (token, fresh)| s.replace(fresh, token))
    })
}

/// `value` with every masked token replaced by its fresh name (the case's input for moto).
pub fn unmask(value: &Value, subs: &[(String, String)]) -> Value {
    map_strings(value, &|s| {
        subs.iter()
            .fold(s.to_owned(), |s, (token, fresh)| s.replace(token, fresh))
    })
}

fn map_strings(value: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(a) => Value::Array(a.iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (f(k), map_strings(v, f))).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn globs() {
    assert!(glob("a <x> b <y>", "a 1 b 2"));
    assert!(glob("<uuid:1>", "whatever"));
    assert!(glob("plain", "plain"));
    assert!(!glob("plain", "plain2"));
    assert!(!glob("Request ID: <id>)", "Request ID: 1, Extended: 2"));
    assert!(glob("x <a>, y <b>)", "x 1, y 2)"));
    assert!(!glob("x <a>, y <b>)", "x 1)"));
}
