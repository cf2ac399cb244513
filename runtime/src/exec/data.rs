//! Data flow (DATA-*): InputPath, Parameters, ResultSelector, ResultPath, OutputPath and the
//! payload quota.

use serde_json::{Map, Value};

use super::{MAX_PAYLOAD_BYTES, StateRun};
use crate::error::{Failure, names};
use crate::jsonata;
use crate::lang::jsonpath::{self, Path};
use crate::lang::template::{self, Template};

/// A JSONPath path field that may be absent (`$`) or null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathField {
    /// Absent: `$`.
    Default,
    /// `null`.
    Null,
    /// A path.
    Path(&'static Path),
}

/// A state's JSONPath input/output fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Io {
    /// `InputPath`.
    pub input_path: PathField,
    /// `Parameters` (for Map: none; its `ItemSelector` is separate).
    pub parameters: Option<&'static Template>,
    /// `ResultSelector`.
    pub result_selector: Option<&'static Template>,
    /// `ResultPath`.
    pub result_path: PathField,
    /// `OutputPath`.
    pub output_path: PathField,
    /// JSONPath `Assign` of the state (STATE-7, VAR-1).
    pub assign: Option<&'static Template>,
    /// A JSONata state: `arguments`, `output` and `assign_jsonata` apply, the JSONPath fields
    /// are unset (JSONATA-1).
    pub jsonata: bool,
    /// JSONata `Arguments` (TASK-11, JSONATA-10).
    pub arguments: Option<&'static jsonata::Template>,
    /// JSONata `Output` (JSONATA-10).
    pub output: Option<&'static jsonata::Template>,
    /// JSONata `Assign` (VAR-1).
    pub assign_jsonata: Option<&'static jsonata::Template>,
}

impl Io {
    /// All defaults.
    pub const DEFAULT: Io = Io {
        input_path: PathField::Default,
        parameters: None,
        result_selector: None,
        result_path: PathField::Default,
        output_path: PathField::Default,
        assign: None,
        jsonata: false,
        arguments: None,
        output: None,
        assign_jsonata: None,
    };
}

/// `InputPath` or `OutputPath` applied to `input` (DATA-6, DATA-17, DATA-18).
pub fn select_io(run: &StateRun, input: &Value, field: &PathField) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(input.clone()),
        PathField::Null => Ok(Value::Object(Map::new())),
        PathField::Path(p) => {
            let roots = run.roots(input);
            match jsonpath::select(p, &roots) {
                Ok(sel) => sel.into_value().ok_or_else(|| {
                    Failure::runtime(format!(
                        "Invalid path '{}' : {}",
                        p.text,
                        jsonpath::not_found_message(p, &roots)
                    ))
                }),
                Err(e) => Err(Failure::runtime(e.0)),
            }
        }
    }
}

/// `select_io` taking the value: `$` and `null` need no copy.
pub fn select_owned(run: &StateRun, input: Value, field: &PathField) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(input),
        _ => select_io(run, &input, field),
    }
}

/// A Choice or Succeed state's `InputPath` (DATA-6): [`select_owned`], which TestState
/// inspects as `afterInputPath`.
pub fn input_path(run: &StateRun, input: Value, field: &PathField) -> Result<Value, Failure> {
    let v = select_owned(run, input, field)?;
    if let Some(p) = &run.probe {
        p.after_input_path(&v);
    }
    Ok(v)
}

/// `InputPath` then `Parameters` (DATA-5, DATA-6, DATA-8).
pub fn effective_input(run: &StateRun, raw: &Value, io: &Io) -> Result<Value, Failure> {
    if io.jsonata {
        return match io.arguments {
            Some(t) => {
                let v = jsonata::template(t, &run.scope(raw), "Arguments")?;
                if let Some(p) = &run.probe {
                    p.after_arguments(&v);
                }
                Ok(v)
            }
            None => Ok(raw.clone()),
        };
    }
    let input = select_io(run, raw, &io.input_path)?;
    if let Some(p) = &run.probe {
        p.after_input_path(&input);
    }
    let v = match io.parameters {
        Some(t) => template::eval(t, &run.roots(&input))?,
        None => input,
    };
    if let Some(p) = &run.probe {
        p.after_parameters(&v);
    }
    Ok(v)
}

/// `ResultSelector`, `ResultPath` into the raw input, then `OutputPath` (DATA-13, DATA-14,
/// DATA-17).
pub fn apply_result(run: &StateRun, raw: Value, result: Value, io: &Io) -> Result<Value, Failure> {
    if io.jsonata {
        // `Assign` and `Output` both see the variables from before the state (VAR-3).
        let scope = jsonata::Scope {
            result: Some(&result),
            ..run.scope(&raw)
        };
        run.assign_jsonata(io.assign_jsonata, &scope)?;
        let out = match io.output {
            Some(t) => Some(jsonata::template(t, &scope, "Output")?),
            None => None,
        };
        let out = out.unwrap_or(result);
        check_size(run, &out)?;
        return Ok(out);
    }
    // `Assign` sees the raw result, like `ResultSelector` (DATA-5, VAR-5).
    run.assign(io.assign, &result)?;
    let result = match io.result_selector {
        Some(t) => template::eval(t, &run.roots(&result))?,
        None => result,
    };
    if let Some(p) = &run.probe {
        p.after_result_selector(&result);
    }
    let merged = result_path(raw, result, &io.result_path)?;
    if let Some(p) = &run.probe {
        p.after_result_path(&merged);
    }
    let out = select_owned(run, merged, &io.output_path)?;
    check_size(run, &out)?;
    Ok(out)
}

/// [`apply_result`] for a caller that keeps the raw input (for retries and catchers): the raw
/// input is copied only when `ResultPath` merges the result into it.
pub fn apply_result_ref(
    run: &StateRun,
    raw: &Value,
    result: Value,
    io: &Io,
) -> Result<Value, Failure> {
    if io.jsonata {
        return apply_result(run, raw.clone(), result, io);
    }
    match io.result_path {
        // The result replaces the input, which is not needed.
        PathField::Default => apply_result(run, Value::Null, result, io),
        // The input is the output: select from it in place.
        PathField::Null => {
            run.assign(io.assign, &result)?;
            let selected = match io.result_selector {
                Some(t) => Some(template::eval(t, &run.roots(&result))?),
                None => None,
            };
            if let Some(p) = &run.probe {
                p.after_result_selector(selected.as_ref().unwrap_or(&result));
                p.after_result_path(raw);
            }
            let out = select_io(run, raw, &io.output_path)?;
            check_size(run, &out)?;
            Ok(out)
        }
        PathField::Path(_) => apply_result(run, raw.clone(), result, io),
    }
}

/// Places `result` into `raw` at `ResultPath` (DATA-14, DATA-16).
pub fn result_path(raw: Value, result: Value, field: &PathField) -> Result<Value, Failure> {
    let p = match field {
        PathField::Default => return Ok(result),
        PathField::Null => return Ok(raw),
        PathField::Path(p) => p,
    };
    if p.steps.is_empty() {
        return Ok(result);
    }
    if !result_path_applies(&raw, p.steps) {
        return Err(Failure::new(
            names::RESULT_PATH_MATCH_FAILURE,
            format!("Unable to apply ReferencePath {} to input {raw}", p.text),
        ));
    }
    let mut doc = raw;
    // Checked above: the walk below cannot fail, but stays total rather than panicking.
    let fail = || {
        Failure::new(
            names::RESULT_PATH_MATCH_FAILURE,
            format!("Unable to apply ReferencePath {}", p.text),
        )
    };
    let mut node = &mut doc;
    let last = p.steps.len() - 1;
    for (i, step) in p.steps.iter().enumerate() {
        match step.selector {
            jsonpath::Selector::Field(f) => {
                let Value::Object(m) = node else {
                    return Err(fail());
                };
                if i == last {
                    m.insert(f.to_string(), result);
                    return Ok(doc);
                }
                let entry = m
                    .entry(f.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() && !entry.is_array() {
                    *entry = Value::Object(Map::new());
                }
                node = entry;
            }
            jsonpath::Selector::Index(idx) => {
                let Value::Array(a) = node else {
                    return Err(fail());
                };
                let len = a.len() as i64;
                let pos = if idx < 0 {
                    len.saturating_add(idx)
                } else {
                    idx
                };
                let Some(slot) = usize::try_from(pos).ok().and_then(|p| a.get_mut(p)) else {
                    return Err(fail());
                };
                if i == last {
                    *slot = result;
                    return Ok(doc);
                }
                node = slot;
            }
            _ => return Err(fail()),
        }
    }
    Ok(doc)
}

/// Whether `ResultPath` steps can be applied to `doc` without changing it first (DATA-16):
/// fields need objects (missing or scalar intermediate fields become objects), indexes need
/// an existing element.
pub(super) fn result_path_applies(doc: &Value, steps: &[jsonpath::Step]) -> bool {
    let mut node = Some(doc);
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        node = match (step.selector, node) {
            (jsonpath::Selector::Field(_), None) => None,
            (jsonpath::Selector::Field(f), Some(Value::Object(m))) => match m.get(f) {
                Some(v) if v.is_object() || v.is_array() || last => Some(v),
                _ => None,
            },
            (jsonpath::Selector::Index(idx), Some(Value::Array(a))) => {
                let len = a.len() as i64;
                let pos = if idx < 0 {
                    len.saturating_add(idx)
                } else {
                    idx
                };
                match usize::try_from(pos).ok().and_then(|p| a.get(p)) {
                    Some(v) => Some(v),
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    true
}

/// The payload quota: a state's output above 256 KiB fails with `States.DataLimitExceeded`.
pub fn check_size(run: &StateRun, v: &Value) -> Result<(), Failure> {
    if too_large(v) {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{}' returned a result with a size exceeding the maximum number \
                 of bytes service limit.",
                run.name
            ),
        ));
    }
    Ok(())
}

/// VAR-10: a variable's value, and all values of one `Assign`, are at most 256 KiB.
pub(super) fn check_assign_size(m: &Map<String, Value>) -> Result<(), Failure> {
    let mut total = 0;
    for (name, v) in m {
        let len = json_len(v, MAX_PAYLOAD_BYTES);
        if len > MAX_PAYLOAD_BYTES {
            return Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The value assigned to the variable '{name}' exceeds the maximum size of \
                     262144 bytes."
                ),
            ));
        }
        total += len;
    }
    if total > MAX_PAYLOAD_BYTES {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            "The values assigned by the state exceed the maximum total size of 262144 bytes.",
        ));
    }
    Ok(())
}

/// Whether a value is above the payload quota (EXEC-9).
pub(super) fn too_large(v: &Value) -> bool {
    // A cheap upper bound first; the exact length only near the quota.
    json_len_bound(v, MAX_PAYLOAD_BYTES) > MAX_PAYLOAD_BYTES
        && json_len(v, MAX_PAYLOAD_BYTES) > MAX_PAYLOAD_BYTES
}

/// An upper bound of [`json_len`] without formatting numbers: a float counts as 24 bytes
/// (its longest form), everything else exactly.
pub(super) fn json_len_bound(v: &Value, limit: usize) -> usize {
    pub(super) fn walk(v: &Value, acc: &mut usize, limit: usize) {
        if *acc > limit {
            return;
        }
        match v {
            Value::Number(n) if n.is_f64() => *acc += 24,
            Value::Array(a) => {
                *acc += 2 + a.len().saturating_sub(1);
                for x in a {
                    walk(x, acc, limit);
                }
            }
            Value::Object(m) => {
                *acc += 2 + m.len().saturating_sub(1);
                for (k, x) in m {
                    *acc += json_str_len(k) + 1;
                    walk(x, acc, limit);
                }
            }
            other => *acc += json_len(other, limit),
        }
    }
    let mut acc = 0;
    walk(v, &mut acc, limit);
    acc
}

/// The serialized length of a JSON string, quotes and escapes included.
pub(super) fn json_str_len(s: &str) -> usize {
    let mut n = 2;
    for b in s.bytes() {
        n += match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        };
    }
    n
}

/// The length of `v` serialized as compact JSON (as serde_json writes it), computed without
/// serializing; stops counting once past `limit`.
pub fn json_len(v: &Value, limit: usize) -> usize {
    use json_str_len as str_len;
    pub(super) fn walk(v: &Value, acc: &mut usize, limit: usize) {
        if *acc > limit {
            return;
        }
        match v {
            Value::Null => *acc += 4,
            Value::Bool(b) => *acc += if *b { 4 } else { 5 },
            Value::Number(n) => {
                *acc += if let Some(i) = n.as_i64() {
                    i.unsigned_abs()
                        .checked_ilog10()
                        .map_or(1, |d| d as usize + 1)
                        + usize::from(i < 0)
                } else if let Some(u) = n.as_u64() {
                    u.checked_ilog10().map_or(1, |d| d as usize + 1)
                } else {
                    n.to_string().len()
                }
            }
            Value::String(s) => *acc += str_len(s),
            Value::Array(a) => {
                *acc += 2 + a.len().saturating_sub(1);
                for x in a {
                    walk(x, acc, limit);
                }
            }
            Value::Object(m) => {
                *acc += 2 + m.len().saturating_sub(1);
                for (k, x) in m {
                    *acc += str_len(k) + 1;
                    walk(x, acc, limit);
                }
            }
        }
    }
    let mut acc = 0;
    walk(v, &mut acc, limit);
    acc
}

#[cfg(test)]
mod json_len_tests {
    use super::json_len;

    #[test]
    pub(super) fn matches_serde_json() {
        for v in [
            serde_json::json!(null),
            serde_json::json!({"a": [1, -20, 3.5, 1e300, true, false, null], "b\"\n": "x\u{1}y\\"}),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!(u64::MAX),
            serde_json::json!(i64::MIN),
            serde_json::json!(0),
            serde_json::json!("é😀"),
        ] {
            let exact = serde_json::to_vec(&v).expect("serializes").len();
            assert_eq!(json_len(&v, usize::MAX), exact, "{v}");
        }
        let big = serde_json::Value::from(vec!["x".repeat(1000); 1000]);
        assert!(json_len(&big, 10_000) > 10_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::jsonpath::{Root, Selector, Step};
    use serde_json::json;

    static A_B: Path = Path {
        text: "$.a.b",
        root: Root::Input,
        steps: &[
            Step {
                descendant: false,
                selector: Selector::Field("a"),
            },
            Step {
                descendant: false,
                selector: Selector::Field("b"),
            },
        ],
    };
    static X_9: Path = Path {
        text: "$.x[9]",
        root: Root::Input,
        steps: &[
            Step {
                descendant: false,
                selector: Selector::Field("x"),
            },
            Step {
                descendant: false,
                selector: Selector::Index(9),
            },
        ],
    };

    #[test]
    pub(super) fn result_path_places_and_reports() {
        // DATA-14: intermediate objects are created.
        let out = result_path(json!({"k": 1}), json!(2), &PathField::Path(&A_B)).expect("ok");
        assert_eq!(out, json!({"k": 1, "a": {"b": 2}}));
        assert_eq!(
            result_path(json!({}), json!(2), &PathField::Null).expect("ok"),
            json!({})
        );
        assert_eq!(
            result_path(json!({}), json!(2), &PathField::Default).expect("ok"),
            json!(2)
        );
        // DATA-16: not applicable to a string input, or an index past the end.
        let err = result_path(json!("text"), json!(2), &PathField::Path(&A_B)).expect_err("string");
        assert_eq!(err.error, names::RESULT_PATH_MATCH_FAILURE);
        assert_eq!(
            err.cause.as_deref(),
            Some("Unable to apply ReferencePath $.a.b to input \"text\"")
        );
        let err =
            result_path(json!({"x": [1]}), json!(2), &PathField::Path(&X_9)).expect_err("index");
        assert_eq!(err.error, names::RESULT_PATH_MATCH_FAILURE);
    }
}
