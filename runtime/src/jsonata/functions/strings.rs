//! String functions (`$string`, `$length`, `$substring`…, `$pad`, `$join`) and the
//! JSON printing that `$string` and the `&` operator share.

use std::rc::Rc;

use serde_json::Value as Json;

use super::args::{R, arg, args, array_arg, bad_arg, num, num_arg, str_arg, string_value};
use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::number;
use crate::jsonata::value::{Error, Value};

/// `JSON.stringify` of a value with numbers at 15 significant digits; functions print as
/// `""`. `pretty` indents by two spaces.
pub fn stringify(v: &Value<'_>, pretty: bool) -> String {
    fn write(v: &Value<'_>, pretty: bool, indent: usize, out: &mut String) {
        let nl = |out: &mut String, n: usize| {
            if pretty {
                out.push('\n');
                out.push_str(&"  ".repeat(n));
            }
        };
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Num(n) => out.push_str(&number::to_string(*n)),
            Value::Func(_) => out.push_str("\"\""),
            Value::Json(Json::Number(n)) => {
                out.push_str(&number::to_string(n.as_f64().unwrap_or(0.0)))
            }
            Value::Json(Json::Null) => out.push_str("null"),
            Value::Json(Json::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            _ => {
                if let Some(s) = v.as_str() {
                    out.push_str(&serde_json::to_string(s).unwrap_or_default());
                } else if let Some(items) = v.items() {
                    if items.is_empty() {
                        out.push_str("[]");
                        return;
                    }
                    out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        nl(out, indent + 1);
                        write(item, pretty, indent + 1, out);
                    }
                    nl(out, indent);
                    out.push(']');
                } else if let Some(entries) = v.entries() {
                    if entries.is_empty() {
                        out.push_str("{}");
                        return;
                    }
                    out.push('{');
                    for (i, (k, val)) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        nl(out, indent + 1);
                        out.push_str(&serde_json::to_string(k).unwrap_or_default());
                        out.push(':');
                        if pretty {
                            out.push(' ');
                        }
                        write(val, pretty, indent + 1, out);
                    }
                    nl(out, indent);
                    out.push('}');
                }
            }
        }
    }
    let mut out = String::new();
    write(v, pretty, 0, &mut out);
    out
}

/// `$string(v)`: strings as they are, everything else as JSON.
pub fn to_string(v: &Value<'_>) -> Result<String, Error> {
    Ok(match v {
        Value::Func(_) => String::new(),
        _ => match v.as_str() {
            Some(s) => s.to_string(),
            None => stringify(v, false),
        },
    })
}

pub(super) fn string<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let pretty = match arg(&a, 1) {
        None => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return bad_arg(&c, 2),
    };
    match arg(&a, 0) {
        None => Ok(None),
        Some(v) => match v.as_str() {
            Some(s) => string_value(s),
            None if matches!(v, Value::Func(_)) => string_value(""),
            None => string_value(stringify(&v, pretty)),
        },
    }
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

pub(super) fn length<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => num(s.chars().count() as f64),
    }
}

pub(super) fn substring<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(start) = num_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let len = num_arg(&c, &a, 2)?;
    let cs = chars(&s);
    let n = cs.len() as f64;
    let mut start = start.trunc();
    if start < 0.0 {
        start = (n + start).max(0.0);
    }
    let end = match len {
        None => n,
        Some(l) if l <= 0.0 => return string_value(""),
        Some(l) => (start + l.trunc()).min(n),
    };
    if start >= n {
        return string_value("");
    }
    let out: String = cs[start as usize..end.max(start) as usize].iter().collect();
    string_value(out)
}

pub(super) fn substring_before<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(chars) = str_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    match s.find(&*chars) {
        Some(i) => string_value(&s[..i]),
        None => string_value(s),
    }
}

pub(super) fn substring_after<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(chars) = str_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    match s.find(&*chars) {
        Some(i) => string_value(&s[i + chars.len()..]),
        None => string_value(s),
    }
}

pub(super) fn lowercase<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(str_arg(&c, &a, 0)?.map(|s| Value::str(s.to_lowercase())))
}

pub(super) fn uppercase<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(str_arg(&c, &a, 0)?.map(|s| Value::str(s.to_uppercase())))
}

pub(super) fn trim<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    // jsonata-js: runs of space, tab, CR, LF become one space, then the ends are trimmed.
    let mut out = String::with_capacity(s.len());
    let mut ws = false;
    for ch in s.chars() {
        if matches!(ch, ' ' | '\t' | '\n' | '\r') {
            ws = true;
        } else {
            if ws && !out.is_empty() {
                out.push(' ');
            }
            ws = false;
            out.push(ch);
        }
    }
    string_value(out)
}

pub(super) fn pad<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(width) = num_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let padding = str_arg(&c, &a, 2)?
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| Rc::from(" "));
    let pad_chars = chars(&padding);
    let len = s.chars().count();
    let target = width.abs().trunc() as usize;
    if target <= len || pad_chars.is_empty() {
        return string_value(s);
    }
    let fill: String = pad_chars.iter().cycle().take(target - len).collect();
    if width > 0.0 {
        string_value(format!("{s}{fill}"))
    } else {
        string_value(format!("{fill}{s}"))
    }
}

pub(super) fn join<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let sep = str_arg(&c, &a, 1)?.unwrap_or_else(|| Rc::from(""));
    let mut parts = Vec::with_capacity(items.len());
    for i in &items {
        match i.as_str() {
            Some(s) => parts.push(s.to_string()),
            None => return bad_arg(&c, 1),
        }
    }
    string_value(parts.join(&sep))
}
