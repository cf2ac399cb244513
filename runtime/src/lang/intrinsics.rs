//! The 18 intrinsic functions (INTR-*), evaluated over calls the compiler parsed at build time.
//!
//! Integer arguments are rounded as AWS does (Java's `Math.round`: halves go up, INTR-7);
//! failures are `States.IntrinsicFailure` (INTR-5), except arguments whose path matches nothing,
//! which AWS reports as `States.Runtime` like any other path (INTR-26).

use base64::Engine as _;
use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::error::Failure;
use crate::lang::jsonpath::{self, Path, Roots};

/// The intrinsic functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `States.Format`
    Format,
    /// `States.StringToJson`
    StringToJson,
    /// `States.JsonToString`
    JsonToString,
    /// `States.Array`
    Array,
    /// `States.ArrayPartition`
    ArrayPartition,
    /// `States.ArrayContains`
    ArrayContains,
    /// `States.ArrayRange`
    ArrayRange,
    /// `States.ArrayGetItem`
    ArrayGetItem,
    /// `States.ArrayLength`
    ArrayLength,
    /// `States.ArrayUnique`
    ArrayUnique,
    /// `States.Base64Encode`
    Base64Encode,
    /// `States.Base64Decode`
    Base64Decode,
    /// `States.Hash`
    Hash,
    /// `States.JsonMerge`
    JsonMerge,
    /// `States.MathRandom`
    MathRandom,
    /// `States.MathAdd`
    MathAdd,
    /// `States.StringSplit`
    StringSplit,
    /// `States.UUID`
    Uuid,
}

/// An argument of a compiled call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg {
    /// A string literal: its value, and its text with escapes (for `States.Format`).
    Str(&'static str, &'static str),
    /// A number literal.
    Num(f64),
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
    /// A path.
    Path(&'static Path),
    /// A nested call.
    Call(&'static Call),
}

/// A compiled call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    /// Which function.
    pub function: Function,
    /// Its arguments.
    pub args: &'static [Arg],
}

/// Largest input AWS accepts for the string functions (INTR-18..20).
const MAX_STRING_INPUT: usize = 10_000;

/// Evaluates a call. `field` is the template key (`"x.$"`) for AWS's messages.
pub fn eval(call: &Call, roots: &Roots<'_>, field: &str) -> Result<Value, Failure> {
    // Arguments borrow what paths select: `States.ArrayLength($.items)` copies nothing.
    let mut args: Vec<Cow<'_, Value>> = Vec::with_capacity(call.args.len());
    for arg in call.args {
        args.push(match arg {
            Arg::Str(s, _) => Cow::Owned(Value::String((*s).to_string())),
            Arg::Num(n) => Cow::Owned(number(*n)),
            Arg::Bool(b) => Cow::Owned(Value::Bool(*b)),
            Arg::Null => Cow::Owned(Value::Null),
            Arg::Path(p) => match jsonpath::select(p, roots) {
                Ok(jsonpath::Selection::One(v)) => v,
                Ok(sel) => match sel.into_value() {
                    Some(v) => Cow::Owned(v),
                    None => {
                        return Err(Failure::runtime(format!(
                            "The JSONPath '{}' specified for the field '{field}' could not be \
                             found in the input '{}'",
                            p.text, roots.input
                        )));
                    }
                },
                Err(e) => return Err(Failure::runtime(e.0)),
            },
            Arg::Call(inner) => Cow::Owned(eval(inner, roots, field)?),
        });
    }
    apply(call, &args)
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

fn fail(function: &str, msg: impl std::fmt::Display) -> Failure {
    Failure::intrinsic(format!("Invalid arguments in States.{function}: {msg}"))
}

/// Java's `Math.round`: the nearest integer, halves rounded up.
fn round(v: &Value, function: &str, what: &str) -> Result<i64, Failure> {
    let n = v
        .as_f64()
        .ok_or_else(|| fail(function, format!("{what} must be a number, found {v}")))?;
    let r = (n + 0.5).floor();
    if !r.is_finite() || r.abs() > 9.2e18 {
        return Err(fail(function, format!("{what} is out of range: {v}")));
    }
    Ok(r as i64)
}

fn string<'a>(v: &'a Value, function: &str, what: &str) -> Result<&'a str, Failure> {
    v.as_str()
        .ok_or_else(|| fail(function, format!("{what} must be a string, found {v}")))
}

fn array<'a>(v: &'a Value, function: &str, what: &str) -> Result<&'a Vec<Value>, Failure> {
    v.as_array()
        .ok_or_else(|| fail(function, format!("{what} must be an array, found {v}")))
}

/// Text of a value inside `States.Format` as AWS renders it (Java's `toString`): strings bare,
/// objects `{k=v, …}`, arrays `[a, b]` (INTR-8).
fn format_arg(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(format_arg).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}={}", format_arg(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn apply(call: &Call, args: &[Cow<'_, Value>]) -> Result<Value, Failure> {
    use Function::*;
    let name = function_name(call.function);
    let arg = |i: usize| args.get(i).map_or(&Value::Null, |a| &**a);
    Ok(match call.function {
        Format => {
            // The template's escapes decide what is a placeholder: `\{` is a literal brace.
            let raw = match call.args.first() {
                Some(Arg::Str(_, raw)) => (*raw).to_string(),
                _ => escape_template(string(arg(0), name, "the template")?),
            };
            let mut out = String::new();
            let mut values = args.iter().skip(1);
            let mut chars = raw.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            out.push(n);
                        }
                    }
                    '{' if chars.peek() == Some(&'}') => {
                        chars.next();
                        let v = values.next().ok_or_else(|| {
                            fail(name, "the number of arguments does not match the number of {} in the template")
                        })?;
                        out.push_str(&format_arg(v));
                    }
                    c => out.push(c),
                }
            }
            if values.next().is_some() {
                return Err(fail(
                    name,
                    "the number of arguments does not match the number of {} in the template",
                ));
            }
            Value::String(out)
        }
        StringToJson => {
            let s = string(arg(0), name, "the argument")?;
            if s.trim().is_empty() {
                // Jackson reads blank text as no value: AWS returns null.
                Value::Null
            } else {
                serde_json::from_str(s).map_err(|e| fail(name, format!("not valid JSON: {e}")))?
            }
        }
        JsonToString => Value::String(arg(0).to_string()),
        Array => Value::Array(args.iter().map(|a| a.clone().into_owned()).collect()),
        ArrayPartition => {
            let a = array(arg(0), name, "the first argument")?;
            let size = round(arg(1), name, "the chunk size")?;
            if size <= 0 {
                return Err(fail(name, "the chunk size must be a positive integer"));
            }
            Value::Array(
                a.chunks(usize::try_from(size).unwrap_or(usize::MAX))
                    .map(|c| Value::Array(c.to_vec()))
                    .collect(),
            )
        }
        ArrayContains => Value::Bool(array(arg(0), name, "the first argument")?.contains(arg(1))),
        ArrayRange => {
            let first = round(arg(0), name, "the first argument")?;
            let last = round(arg(1), name, "the second argument")?;
            let step = round(arg(2), name, "the step")?;
            if step == 0 {
                return Err(fail(name, "the step must not be 0"));
            }
            let mut out = Vec::new();
            let mut i = first;
            while (step > 0 && i <= last) || (step < 0 && i >= last) {
                if out.len() == 1000 {
                    return Err(fail(name, "the result has more than 1000 elements"));
                }
                out.push(Value::from(i));
                i += step;
            }
            Value::Array(out)
        }
        ArrayGetItem => {
            let a = array(arg(0), name, "the first argument")?;
            let i = round(arg(1), name, "the index")?;
            usize::try_from(i)
                .ok()
                .and_then(|i| a.get(i))
                .cloned()
                .ok_or_else(|| fail(name, format!("index {i} is out of bounds")))?
        }
        ArrayLength => Value::from(array(arg(0), name, "the argument")?.len()),
        ArrayUnique => {
            let mut out: Vec<Value> = Vec::new();
            for v in array(arg(0), name, "the argument")? {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Value::Array(out)
        }
        Base64Encode => {
            let s = string(arg(0), name, "the argument")?;
            if s.chars().count() > MAX_STRING_INPUT {
                return Err(fail(name, "the input is longer than 10000 characters"));
            }
            Value::String(base64::engine::general_purpose::STANDARD.encode(s))
        }
        Base64Decode => {
            let s = string(arg(0), name, "the argument")?;
            if s.chars().count() > MAX_STRING_INPUT {
                return Err(fail(name, "the input is longer than 10000 characters"));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|e| fail(name, format!("not valid Base64: {e}")))?;
            Value::String(
                String::from_utf8(bytes)
                    .map_err(|_| fail(name, "the decoded data is not UTF-8"))?,
            )
        }
        Hash => {
            let data = match arg(0) {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if data.chars().count() > MAX_STRING_INPUT {
                return Err(fail(name, "the input is longer than 10000 characters"));
            }
            let alg = string(arg(1), name, "the algorithm")?;
            Value::String(hash(alg, data.as_bytes()).ok_or_else(|| {
                fail(
                    name,
                    format!(
                        "unsupported algorithm '{alg}' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)"
                    ),
                )
            })?)
        }
        JsonMerge => {
            let (Value::Object(a), Value::Object(b)) = (arg(0), arg(1)) else {
                return Err(fail(name, "both values to merge must be JSON objects"));
            };
            if arg(2) != &Value::Bool(false) {
                return Err(fail(name, "only a shallow merge (false) is supported"));
            }
            let mut m: Map<String, Value> = a.clone();
            for (k, v) in b {
                m.insert(k.clone(), v.clone());
            }
            Value::Object(m)
        }
        MathRandom => {
            use rand::{Rng, SeedableRng};
            let start = round(arg(0), name, "the start")?;
            let end = round(arg(1), name, "the end")?;
            if start >= end {
                return Err(fail(name, "the start must be smaller than the end"));
            }
            let n = match args.get(2) {
                Some(seed) => {
                    let seed = round(seed, name, "the seed")?;
                    rand::rngs::StdRng::seed_from_u64(seed as u64).random_range(start..end)
                }
                None => rand::rng().random_range(start..end),
            };
            Value::from(n)
        }
        MathAdd => {
            let a = round(arg(0), name, "the first argument")?;
            let b = round(arg(1), name, "the second argument")?;
            let range = i64::from(i32::MIN)..=i64::from(i32::MAX);
            if !range.contains(&a) || !range.contains(&b) {
                return Err(fail(
                    name,
                    "operands must be between -2147483648 and 2147483647",
                ));
            }
            Value::from(a + b)
        }
        StringSplit => {
            let s = string(arg(0), name, "the first argument")?;
            let delims = string(arg(1), name, "the delimiters")?;
            Value::Array(
                s.split(|c| delims.contains(c))
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            )
        }
        Uuid => Value::String(uuid::Uuid::new_v4().to_string()),
    })
}

/// Re-escapes a template that came from a path, so its braces are placeholders only as `{}`.
fn escape_template(s: &str) -> String {
    s.replace('\\', "\\\\")
}

fn hash(alg: &str, data: &[u8]) -> Option<String> {
    use sha2::Digest;
    let bytes: Vec<u8> = match alg {
        "MD5" => md5::Md5::digest(data).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    };
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The function's name without `States.`.
pub fn function_name(f: Function) -> &'static str {
    use Function::*;
    match f {
        Format => "Format",
        StringToJson => "StringToJson",
        JsonToString => "JsonToString",
        Array => "Array",
        ArrayPartition => "ArrayPartition",
        ArrayContains => "ArrayContains",
        ArrayRange => "ArrayRange",
        ArrayGetItem => "ArrayGetItem",
        ArrayLength => "ArrayLength",
        ArrayUnique => "ArrayUnique",
        Base64Encode => "Base64Encode",
        Base64Decode => "Base64Decode",
        Hash => "Hash",
        JsonMerge => "JsonMerge",
        MathRandom => "MathRandom",
        MathAdd => "MathAdd",
        StringSplit => "StringSplit",
        Uuid => "UUID",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(call: &'static Call, input: Value) -> Result<Value, Failure> {
        let ctx = Value::Null;
        let roots = Roots {
            input: &input,
            context: &ctx,
            variables: None,
            map: None,
        };
        eval(call, &roots, "x.$")
    }

    #[test]
    fn format_and_escapes() {
        static D: Call = Call {
            function: Function::Format,
            args: &[
                Arg::Str("a {} {x} {}", "a {} \\{x\\} {}"),
                Arg::Str("s", "s"),
                Arg::Num(2.5),
            ],
        };
        assert_eq!(run(&D, json!({})).expect("ok"), json!("a s {x} 2.5"));
        static E: Call = Call {
            function: Function::Format,
            args: &[Arg::Str("{}", "{}")],
        };
        assert_eq!(
            run(&E, json!({})).expect_err("arity").error,
            "States.IntrinsicFailure"
        );
    }

    #[test]
    fn math_rounds_like_java() {
        static A: Call = Call {
            function: Function::MathAdd,
            args: &[Arg::Num(-1.5), Arg::Num(2.5)],
        };
        assert_eq!(run(&A, json!({})).expect("ok"), json!(2));
        static R: Call = Call {
            function: Function::ArrayRange,
            args: &[Arg::Num(1.0), Arg::Num(9.0), Arg::Num(2.0)],
        };
        assert_eq!(run(&R, json!({})).expect("ok"), json!([1, 3, 5, 7, 9]));
        static S: Call = Call {
            function: Function::MathRandom,
            args: &[Arg::Num(1.0), Arg::Num(10.0), Arg::Num(7.0)],
        };
        let a = run(&S, json!({})).expect("ok");
        assert_eq!(a, run(&S, json!({})).expect("ok"));
        let n = a.as_i64().expect("int");
        assert!((1..10).contains(&n));
    }

    #[test]
    fn strings_and_arrays() {
        static H: Call = Call {
            function: Function::Hash,
            args: &[Arg::Str("input data", "input data"), Arg::Str("MD5", "MD5")],
        };
        assert_eq!(
            run(&H, json!({})).expect("ok"),
            json!("812f45842bc6d66ee14572ce20db8e86")
        );
        static SP: Call = Call {
            function: Function::StringSplit,
            args: &[Arg::Str(", , ,", ", , ,"), Arg::Str(",", ",")],
        };
        assert_eq!(run(&SP, json!({})).expect("ok"), json!([" ", " "]));
        static P: Call = Call {
            function: Function::ArrayPartition,
            args: &[
                Arg::Call(&Call {
                    function: Function::Array,
                    args: &[Arg::Num(1.0), Arg::Num(2.0), Arg::Num(3.0)],
                }),
                Arg::Num(2.0),
            ],
        };
        assert_eq!(run(&P, json!({})).expect("ok"), json!([[1, 2], [3]]));
        static B: Call = Call {
            function: Function::Base64Decode,
            args: &[Arg::Str("RGF0YSB0byBlbmNvZGU=", "RGF0YSB0byBlbmNvZGU=")],
        };
        assert_eq!(run(&B, json!({})).expect("ok"), json!("Data to encode"));
    }
}
