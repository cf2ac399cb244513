//! JSONata's function library (jsonata-js 2.0) plus the functions Step Functions adds
//! (`$partition`, `$range`, `$hash`, `$random` with a seed, `$uuid`, `$parse`). `$eval` is not
//! available, as on AWS.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::LazyLock;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::eval::{Evaluator, NativeCall, append, compare_values, show};
use super::number;
use super::signature::Signature;
use super::value::{Error, Func, Outcome, Value};

/// An implementation of a library function.
pub type NativeFn = for<'a, 'c> fn(&Evaluator<'a>, NativeCall<'c, 'a>) -> Outcome<'a>;

/// A library function.
pub struct Native {
    /// Its name (without `$`).
    pub name: &'static str,
    /// How many arguments it declares (what higher-order functions pass to it).
    pub arity: usize,
    /// Always 0: the signature inserts the context value for `-` parameters before the
    /// implementation runs (kept for `format.rs`, which still reads it).
    pub context_args: usize,
    /// Its signature as jsonata-js declares it (`<s-nn?:s>`).
    pub signature: &'static str,
    /// The signature, parsed on first use.
    parsed: &'static LazyLock<Result<Signature, Error>>,
    /// The implementation, behind the signature check (see [`validated`]).
    pub f: NativeFn,
}

/// Checks and fixes up the arguments by the signature of `c.native`, then runs `imp`.
fn validated<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>, imp: NativeFn) -> R<'a> {
    let sig = c.native.parsed.as_ref().map_err(|e| {
        Error::new(
            e.code,
            format!("{} (signature {})", e.message, c.native.signature),
        )
    })?;
    let args = sig.validate(c.args, c.focus, c.native.name)?;
    imp(ev, NativeCall { args, ..c })
}

macro_rules! natives {
    ($($name:literal => $f:path, $arity:literal, $sig:literal;)*) => {
        static NATIVES: &[Native] = &[
            $(Native {
                name: $name,
                arity: $arity,
                context_args: 0,
                signature: $sig,
                parsed: {
                    static PARSED: LazyLock<Result<Signature, Error>> =
                        LazyLock::new(|| Signature::parse($sig));
                    &PARSED
                },
                f: |ev, c| validated(ev, c, $f),
            },)*
        ];
    };
}

natives! {
    "abs" => abs, 1, "<n-:n>";
    "append" => append_fn, 2, "<xx:a>";
    "assert" => assert_fn, 2, "<bs?:x>";
    "average" => average, 1, "<a<n>:n>";
    "base64decode" => base64decode, 1, "<s-:s>";
    "base64encode" => base64encode, 1, "<s-:s>";
    "boolean" => boolean, 1, "<x-:b>";
    "ceil" => ceil, 1, "<n-:n>";
    "clone" => clone_fn, 1, "<(oa)-:o>";
    "contains" => contains, 2, "<s-(sf):b>";
    "count" => count, 1, "<a:n>";
    "decodeUrl" => decode_url, 1, "<s-:s>";
    "decodeUrlComponent" => decode_url_component, 1, "<s-:s>";
    "distinct" => distinct, 1, "<x:x>";
    "each" => each, 2, "<o-f:a>";
    "encodeUrl" => encode_url, 1, "<s-:s>";
    "encodeUrlComponent" => encode_url_component, 1, "<s-:s>";
    "error" => error_fn, 1, "<s?:x>";
    "exists" => exists, 1, "<x:b>";
    "filter" => filter, 2, "<af>";
    "floor" => floor, 1, "<n-:n>";
    "formatBase" => format_base, 2, "<n-n?:s>";
    "formatInteger" => super::format::format_integer, 2, "<n-s:s>";
    "formatNumber" => super::format::format_number, 3, "<n-so?:s>";
    "fromMillis" => super::format::from_millis, 3, "<n-s?s?:s>";
    "hash" => hash, 2, "<ss?:s>";
    "join" => join, 2, "<a<s>s?:s>";
    "keys" => keys, 1, "<x-:a<s>>";
    "length" => length, 1, "<s-:n>";
    "lookup" => lookup_fn, 2, "<x-s:x>";
    "lowercase" => lowercase, 1, "<s-:s>";
    "map" => map, 2, "<af>";
    "match" => match_fn, 3, "<s-f<s:o>n?:a<o>>";
    "max" => max, 1, "<a<n>:n>";
    "merge" => merge, 1, "<a<o>:o>";
    "millis" => millis, 0, "<:n>";
    "min" => min, 1, "<a<n>:n>";
    "not" => not, 1, "<x-:b>";
    "now" => now, 2, "<s?s?:s>";
    "number" => number_fn, 1, "<(nsb)-:n>";
    "pad" => pad, 3, "<s-ns?:s>";
    "parse" => parse, 1, "<s:x>";
    "parseInteger" => super::format::parse_integer, 2, "<s-s:n>";
    "partition" => partition, 2, "<an:a>";
    "power" => power, 2, "<n-n:n>";
    "random" => random, 1, "<n?:n>";
    "range" => range, 3, "<nnn?:a<n>>";
    "reduce" => reduce, 3, "<afj?:j>";
    "replace" => replace, 4, "<s-(sf)(sf)n?:s>";
    "reverse" => reverse, 1, "<a:a>";
    "round" => round, 2, "<n-n?:n>";
    "shuffle" => shuffle, 1, "<a:a>";
    "sift" => sift, 2, "<o-f?:o>";
    "single" => single, 2, "<af?>";
    "sort" => sort, 2, "<af?:a>";
    "split" => split, 3, "<s-(sf)n?:a<s>>";
    "spread" => spread, 1, "<x-:a<o>>";
    "sqrt" => sqrt, 1, "<n-:n>";
    "string" => string, 1, "<x-b?:s>";
    "substring" => substring, 3, "<s-nn?:s>";
    "substringAfter" => substring_after, 2, "<s-s:s>";
    "substringBefore" => substring_before, 2, "<s-s:s>";
    "sum" => sum, 1, "<a<n>:n>";
    "toMillis" => super::format::to_millis, 2, "<s-s?:n>";
    "trim" => trim, 1, "<s-:s>";
    "type" => type_fn, 1, "<x:s>";
    "uppercase" => uppercase, 1, "<s-:s>";
    "uuid" => uuid_fn, 0, "<:s>";
    "zip" => zip, 0, "<a+>";
}

/// The library function called `name`.
pub fn lookup(name: &str) -> Option<&'static Native> {
    NATIVES
        .binary_search_by(|n| n.name.cmp(name))
        .ok()
        .map(|i| &NATIVES[i])
}

type R<'a> = Outcome<'a>;

fn err<T>(code: &'static str, msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::new(code, msg))
}

/// T0410: argument `i` (1-based) does not match the signature.
fn bad_arg<T>(c: &NativeCall<'_, '_>, i: usize) -> Result<T, Error> {
    err(
        "T0410",
        format!(
            "Argument {i} of function \"{}\" does not match function signature",
            c.native.name
        ),
    )
}

/// The arguments (checked and fixed up by the signature in [`validated`]).
fn args<'a>(c: &NativeCall<'_, 'a>) -> Vec<Option<Value<'a>>> {
    c.args.clone()
}

fn arg<'a>(a: &[Option<Value<'a>>], i: usize) -> Option<Value<'a>> {
    a.get(i).cloned().flatten()
}

fn str_arg<'a>(
    c: &NativeCall<'_, 'a>,
    a: &[Option<Value<'a>>],
    i: usize,
) -> Result<Option<Rc<str>>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(v) => match v.as_str() {
            Some(s) => Ok(Some(Rc::from(s))),
            None => bad_arg(c, i + 1),
        },
    }
}

fn num_arg(
    c: &NativeCall<'_, '_>,
    a: &[Option<Value<'_>>],
    i: usize,
) -> Result<Option<f64>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(Value::Num(n)) => Ok(Some(n)),
        Some(_) => bad_arg(c, i + 1),
    }
}

fn func_arg<'a>(
    c: &NativeCall<'_, 'a>,
    a: &[Option<Value<'a>>],
    i: usize,
) -> Result<Option<Value<'a>>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(f @ Value::Func(_)) => Ok(Some(f)),
        Some(_) => bad_arg(c, i + 1),
    }
}

/// An array argument; a single value counts as a one-item array.
fn array_arg<'a>(a: &[Option<Value<'a>>], i: usize) -> Option<Vec<Value<'a>>> {
    arg(a, i).map(|v| v.to_items())
}

fn nums<'a>(c: &NativeCall<'_, 'a>, a: &[Option<Value<'a>>]) -> Result<Option<Vec<f64>>, Error> {
    let Some(items) = array_arg(a, 0) else {
        return Ok(None);
    };
    items
        .iter()
        .map(|v| v.as_num().map_or_else(|| bad_arg(c, 1), Ok))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn num<'a>(n: f64) -> R<'a> {
    if n.is_finite() {
        Ok(Some(Value::Num(n)))
    } else {
        err(
            "D1001",
            format!("Number out of range: {}", number::js_string(n)),
        )
    }
}

fn string_value<'a>(s: impl Into<Rc<str>>) -> R<'a> {
    Ok(Some(Value::Str(s.into())))
}

fn boolean_value<'a>(b: bool) -> R<'a> {
    Ok(Some(Value::Bool(b)))
}

/// Calls `f` with as many of `args` as it declares.
fn call_with<'a>(ev: &Evaluator<'a>, f: &Value<'a>, mut args: Vec<Option<Value<'a>>>) -> R<'a> {
    if let Value::Func(func) = f {
        let n = func.arity();
        if !matches!(**func, Func::Native(_)) || n > 0 {
            args.truncate(n.max(1));
        }
    }
    ev.apply(f, args, &None)
}

// ----- strings ---------------------------------------------------------------------

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

fn string<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

fn length<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => num(s.chars().count() as f64),
    }
}

fn substring<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

fn substring_before<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

fn substring_after<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

fn lowercase<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(str_arg(&c, &a, 0)?.map(|s| Value::str(s.to_lowercase())))
}

fn uppercase<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(str_arg(&c, &a, 0)?.map(|s| Value::str(s.to_uppercase())))
}

fn trim<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

fn pad<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

/// Compiles a JSONata regex literal (`/pattern/flags`) with JavaScript's meaning.
pub fn compile_regex(pattern: &str, flags: &str) -> Result<fancy_regex::Regex, Error> {
    let mut prefix = String::new();
    if flags.contains('i') {
        prefix.push('i');
    }
    if flags.contains('m') {
        prefix.push('m');
    }
    let full = if prefix.is_empty() {
        pattern.to_string()
    } else {
        format!("(?{prefix}){pattern}")
    };
    fancy_regex::Regex::new(&full).map_err(|e| {
        Error::new(
            "S0303",
            format!("Invalid regular expression /{pattern}/: {e}"),
        )
    })
}

/// Index of a byte offset in UTF-16 code units (JavaScript string positions).
fn utf16_index(s: &str, byte: usize) -> usize {
    s[..byte].encode_utf16().count()
}

struct Match {
    text: String,
    start: usize,
    end: usize,
    groups: Vec<String>,
}

fn find_all(re: &fancy_regex::Regex, s: &str, limit: Option<usize>) -> Result<Vec<Match>, Error> {
    let mut out = Vec::new();
    for caps in re.captures_iter(s) {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let caps = caps.map_err(|e| Error::new("D1004", e.to_string()))?;
        let Some(m) = caps.get(0) else { continue };
        if m.as_str().is_empty() {
            return err("D1004", "Regular expression matches zero length string");
        }
        out.push(Match {
            text: m.as_str().to_string(),
            start: m.start(),
            end: m.end(),
            groups: (1..caps.len())
                .map(|i| {
                    caps.get(i)
                        .map_or(String::new(), |g| g.as_str().to_string())
                })
                .collect(),
        });
    }
    Ok(out)
}

/// Calls a regex as a function: the first match object, or undefined.
pub fn regex_match<'a>(re: &fancy_regex::Regex, s: Option<Value<'a>>) -> R<'a> {
    let Some(s) = s.as_ref().and_then(|v| v.as_str()) else {
        return Ok(None);
    };
    let all = find_all(re, s, Some(1))?;
    Ok(all.into_iter().next().map(|m| match_object(s, &m, false)))
}

fn match_object<'a>(s: &str, m: &Match, index_only: bool) -> Value<'a> {
    let mut o = IndexMap::new();
    o.insert("match".to_string(), Value::str(m.text.as_str()));
    if index_only {
        o.insert(
            "index".to_string(),
            Value::Num(utf16_index(s, m.start) as f64),
        );
    } else {
        o.insert(
            "start".to_string(),
            Value::Num(utf16_index(s, m.start) as f64),
        );
        o.insert("end".to_string(), Value::Num(utf16_index(s, m.end) as f64));
    }
    o.insert(
        "groups".to_string(),
        Value::array(m.groups.iter().map(|g| Value::str(g.as_str())).collect()),
    );
    Value::object(o)
}

fn regex_of(v: &Value<'_>) -> Option<Rc<fancy_regex::Regex>> {
    match v {
        Value::Func(f) => match &**f {
            Func::Regex(r) => Some(Rc::clone(r)),
            _ => None,
        },
        _ => None,
    }
}

fn contains<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    match arg(&a, 1) {
        Some(p) => {
            if let Some(t) = p.as_str() {
                boolean_value(s.contains(t))
            } else if let Some(re) = regex_of(&p) {
                boolean_value(!find_all(&re, &s, Some(1))?.is_empty())
            } else {
                bad_arg(&c, 2)
            }
        }
        // jsonata-js 2.0 answers undefined (its matcher call fails on undefined).
        None => Ok(None),
    }
}

fn limit_arg(
    c: &NativeCall<'_, '_>,
    a: &[Option<Value<'_>>],
    i: usize,
    code: &'static str,
    what: &str,
) -> Result<Option<usize>, Error> {
    match num_arg(c, a, i)? {
        None => Ok(None),
        Some(l) if l < 0.0 => err(code, what.to_string()),
        Some(l) => Ok(Some(l.floor() as usize)),
    }
}

fn match_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(re) = arg(&a, 1).as_ref().and_then(regex_of) else {
        return bad_arg(&c, 2);
    };
    let limit = limit_arg(
        &c,
        &a,
        2,
        "D3040",
        "Third argument of match function must evaluate to a positive number",
    )?;
    let all = find_all(&re, &s, limit)?;
    Ok(Some(Value::sequence(
        all.iter().map(|m| match_object(&s, m, true)).collect(),
    )))
}

fn replace<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(pattern) = arg(&a, 1) else {
        return bad_arg(&c, 2);
    };
    let Some(replacement) = arg(&a, 2) else {
        return bad_arg(&c, 3);
    };
    let limit = limit_arg(
        &c,
        &a,
        3,
        "D3011",
        "Fourth argument of replace function must evaluate to a positive number",
    )?;
    let matches: Vec<Match> = if let Some(t) = pattern.as_str() {
        if t.is_empty() {
            return err(
                "D3010",
                "Second argument of replace function cannot be an empty string",
            );
        }
        s.match_indices(t)
            .take(limit.unwrap_or(usize::MAX))
            .map(|(i, m)| Match {
                text: m.to_string(),
                start: i,
                end: i + m.len(),
                groups: Vec::new(),
            })
            .collect()
    } else if let Some(re) = regex_of(&pattern) {
        find_all(&re, &s, limit)?
    } else {
        return bad_arg(&c, 2);
    };
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in &matches {
        out.push_str(&s[last..m.start]);
        if let Some(r) = replacement.as_str() {
            out.push_str(&expand_replacement(r, m));
        } else if replacement.is_func() {
            let obj = match_object(&s, m, true);
            match ev.apply(&replacement, vec![Some(obj)], &None)? {
                Some(v) => match v.as_str() {
                    Some(t) => out.push_str(t),
                    None => {
                        return err(
                            "D3012",
                            "Attempted to replace a matched string with a non-string value",
                        );
                    }
                },
                None => {
                    return err(
                        "D3012",
                        "Attempted to replace a matched string with a non-string value",
                    );
                }
            }
        } else {
            return bad_arg(&c, 3);
        }
        last = m.end;
    }
    out.push_str(&s[last..]);
    string_value(out)
}

/// `$0`, `$1`… and `$$` in a replacement string, as jsonata-js reads them.
fn expand_replacement(r: &str, m: &Match) -> String {
    let mut out = String::new();
    let b = r.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'$') {
                out.push('$');
                i += 2;
                continue;
            }
            let digits: String = r[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if !digits.is_empty() {
                // The longest group number that exists; extra digits are literal.
                let mut used = digits.len();
                let mut group = None;
                while used > 0 {
                    if let Ok(n) = digits[..used].parse::<usize>()
                        && n <= m.groups.len()
                    {
                        group = Some(n);
                        break;
                    }
                    used -= 1;
                }
                match group {
                    Some(0) => out.push_str(&m.text),
                    Some(n) => out.push_str(&m.groups[n - 1]),
                    // `$n` beyond the groups: nothing, consuming one digit.
                    None => used = 1,
                }
                i += 1 + used;
                continue;
            }
        }
        let ch = r[i..].chars().next().unwrap_or('$');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn split<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(sep) = arg(&a, 1) else {
        return bad_arg(&c, 2);
    };
    let limit = limit_arg(
        &c,
        &a,
        2,
        "D3020",
        "Third argument of split function must evaluate to a positive number",
    )?;
    let mut parts: Vec<String> = if let Some(t) = sep.as_str() {
        if t.is_empty() {
            s.chars().map(String::from).collect()
        } else {
            s.split(t).map(String::from).collect()
        }
    } else if let Some(re) = regex_of(&sep) {
        let mut parts = Vec::new();
        let mut last = 0;
        for m in find_all(&re, &s, None)? {
            parts.push(s[last..m.start].to_string());
            last = m.end;
        }
        parts.push(s[last..].to_string());
        parts
    } else {
        return bad_arg(&c, 2);
    };
    if let Some(l) = limit {
        parts.truncate(l);
    }
    Ok(Some(Value::array(
        parts.into_iter().map(Value::str).collect(),
    )))
}

fn join<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

fn base64encode<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use base64::Engine;
    let a = args(&c);
    Ok(str_arg(&c, &a, 0)?.map(|s| {
        // btoa works on Latin-1 code units; jsonata-js passes the string through as is.
        let bytes: Vec<u8> = s.chars().map(|ch| ch as u32 as u8).collect();
        Value::str(base64::engine::general_purpose::STANDARD.encode(bytes))
    }))
}

fn base64decode<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use base64::Engine;
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| Error::new("D3137", format!("Invalid base64 string: {e}")))?;
    string_value(bytes.iter().map(|b| *b as char).collect::<String>())
}

const URI_UNRESERVED: &str = "-_.!~*'()";
const URI_RESERVED: &str = ";,/?:@&=+$#";

fn encode(s: &str, keep: &str, name: &str) -> Result<String, Error> {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() || URI_UNRESERVED.contains(ch) || keep.contains(ch) {
            out.push(ch);
        } else {
            if (0xD800..=0xDFFF).contains(&(ch as u32)) {
                return err(
                    "D3140",
                    format!("Malformed URL passed to ${name}(): \"{s}\""),
                );
            }
            let mut buf = [0u8; 4];
            for b in ch.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Ok(out)
}

fn decode(s: &str, keep: &str, name: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let bad = || {
        Error::new(
            "D3140",
            format!("Malformed URL passed to ${name}(): \"{s}\""),
        )
    };
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or_else(bad)?;
            let b = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
            if b < 0x80 && keep.contains(b as char) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(b);
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

fn encode_url_component<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(encode(&s, "", "encodeUrlComponent")?),
    }
}

fn encode_url<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(encode(&s, URI_RESERVED, "encodeUrl")?),
    }
}

fn decode_url_component<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(decode(&s, "", "decodeUrlComponent")?),
    }
}

fn decode_url<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(decode(&s, URI_RESERVED, "decodeUrl")?),
    }
}

// ----- numbers ---------------------------------------------------------------------

fn sum<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match nums(&c, &a)? {
        None => Ok(None),
        Some(ns) => num(ns.iter().sum()),
    }
}

fn count<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    num(array_arg(&a, 0).map_or(0, |v| v.len()) as f64)
}

fn max<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match nums(&c, &a)? {
        Some(ns) if !ns.is_empty() => num(ns.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        _ => Ok(None),
    }
}

fn min<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match nums(&c, &a)? {
        Some(ns) if !ns.is_empty() => num(ns.iter().copied().fold(f64::INFINITY, f64::min)),
        _ => Ok(None),
    }
}

fn average<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match nums(&c, &a)? {
        Some(ns) if !ns.is_empty() => num(ns.iter().sum::<f64>() / ns.len() as f64),
        _ => Ok(None),
    }
}

/// `$number`: numbers, numeric strings (JSON number syntax, plus hex/octal/binary
/// prefixes), booleans.
pub(crate) fn to_number(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => {
            let s = v.as_str()?;
            let radix = [
                ("0x", 16),
                ("0X", 16),
                ("0o", 8),
                ("0O", 8),
                ("0b", 2),
                ("0B", 2),
            ];
            for (p, r) in radix {
                if let Some(rest) = s.strip_prefix(p) {
                    return i64::from_str_radix(rest, r).ok().map(|n| n as f64);
                }
            }
            // jsonata-js: /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/ (leading zeros allowed).
            let is_json_number = {
                let t = s.strip_prefix('-').unwrap_or(s);
                let (mantissa, exp) = match t.find(['e', 'E']) {
                    Some(i) => (&t[..i], Some(&t[i + 1..])),
                    None => (t, None),
                };
                let (int, frac) = match mantissa.split_once('.') {
                    Some((i, f)) => (i, Some(f)),
                    None => (mantissa, None),
                };
                let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
                digits(int)
                    && frac.is_none_or(digits)
                    && exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
            };
            if is_json_number {
                s.parse::<f64>().ok().filter(|n| n.is_finite())
            } else {
                None
            }
        }
    }
}

fn number_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    if v.is_array() || v.is_object() || v.is_func() || matches!(v, Value::Null) {
        return bad_arg(&c, 1);
    }
    match to_number(&v) {
        Some(n) => num(n),
        None => err(
            "D3030",
            format!("Unable to cast value to a number: {}", show(&Some(v))),
        ),
    }
}

fn unary_num<'a>(c: &NativeCall<'_, 'a>, f: impl Fn(f64) -> f64) -> R<'a> {
    let a = args(c);
    match num_arg(c, &a, 0)? {
        None => Ok(None),
        Some(n) => num(f(n)),
    }
}

fn abs<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    unary_num(&c, f64::abs)
}

fn floor<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    unary_num(&c, f64::floor)
}

fn ceil<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    unary_num(&c, f64::ceil)
}

fn sqrt<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match num_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(n) if n < 0.0 => err(
            "D3060",
            format!(
                "The sqrt function cannot be applied to a negative number: {}",
                number::js_string(n)
            ),
        ),
        Some(n) => num(n.sqrt()),
    }
}

fn power<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(b) = num_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let Some(e) = num_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let r = b.powf(e);
    if !r.is_finite() {
        return err(
            "D3061",
            format!(
                "The power function has resulted in a value that cannot be represented as a \
                 JSON number: base={}, exponent={}",
                number::js_string(b),
                number::js_string(e)
            ),
        );
    }
    num(r)
}

/// Round half to even at `precision` decimal places, as jsonata-js does.
fn round<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(n) = num_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let p = num_arg(&c, &a, 1)?.unwrap_or(0.0).trunc() as i32;
    // Shift by decimal exponent in the string form to avoid binary scaling errors.
    let shifted: f64 = format!("{}e{}", number::js_string(n), p)
        .parse()
        .unwrap_or(n * 10f64.powi(p));
    let mut r = shifted.round();
    if (shifted - shifted.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r -= shifted.signum();
    }
    let back: f64 = format!("{}e{}", number::js_string(r), -p)
        .parse()
        .unwrap_or(r / 10f64.powi(p));
    num(if back == 0.0 { 0.0 } else { back })
}

fn random<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use rand::{Rng, SeedableRng};
    let a = args(&c);
    match arg(&a, 0) {
        None => num(rand::rng().random::<f64>()),
        Some(Value::Num(seed)) => {
            let mut r = rand::rngs::StdRng::seed_from_u64(seed.to_bits());
            num(r.random::<f64>())
        }
        Some(_) => bad_arg(&c, 1),
    }
}

fn format_base<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(n) = num_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let radix = num_arg(&c, &a, 1)?.unwrap_or(10.0);
    if !(2.0..=36.0).contains(&radix) {
        return err(
            "D3100",
            format!(
                "The radix of the formatBase function must be between 2 and 36.  It was given {}",
                number::js_string(radix)
            ),
        );
    }
    let radix = radix as u32;
    let mut v = round_half_even(n) as i64;
    let neg = v < 0;
    v = v.abs();
    let mut digits = Vec::new();
    loop {
        let d = (v % radix as i64) as u32;
        digits.push(std::char::from_digit(d, radix).unwrap_or('0'));
        v /= radix as i64;
        if v == 0 {
            break;
        }
    }
    if neg {
        digits.push('-');
    }
    string_value(digits.iter().rev().collect::<String>())
}

pub(crate) fn round_half_even(n: f64) -> f64 {
    let r = n.round();
    if (n - n.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - n.signum()
    } else {
        r
    }
}

// ----- booleans --------------------------------------------------------------------

fn boolean<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| Value::Bool(v.truthy())))
}

fn not<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| Value::Bool(!v.truthy())))
}

fn exists<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    boolean_value(arg(&c.args, 0).is_some())
}

// ----- arrays ----------------------------------------------------------------------

fn append_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(append(arg(&a, 0), arg(&a, 1)).map(|v| match v {
        v if v.is_array() => Value::array(v.to_items()),
        v => v,
    }))
}

fn reverse<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(array_arg(&a, 0).map(|mut v| {
        v.reverse();
        Value::array(v)
    }))
}

fn shuffle<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use rand::seq::SliceRandom;
    let a = args(&c);
    Ok(array_arg(&a, 0).map(|mut v| {
        v.shuffle(&mut rand::rng());
        Value::array(v)
    }))
}

fn distinct<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    if !v.is_array() || v.len() <= 1 {
        return Ok(Some(v));
    }
    let mut out: Vec<Value<'a>> = Vec::new();
    for item in v.to_items() {
        if !out.iter().any(|o| o.deep_eq(&item)) {
            out.push(item);
        }
    }
    Ok(Some(if v.is_sequence() {
        Value::sequence(out)
    } else {
        Value::array(out)
    }))
}

fn zip<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let arrays: Vec<Vec<Value<'a>>> = c
        .args
        .iter()
        .map(|a| a.as_ref().map(Value::to_items).unwrap_or_default())
        .collect();
    let n = arrays.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Some(Value::array(
        (0..n)
            .map(|i| Value::array(arrays.iter().map(|a| a[i].clone()).collect()))
            .collect(),
    )))
}

/// A stable merge sort with a fallible "a sorts after b" comparator (jsonata-js's `$sort`).
pub fn merge_sort<'a>(
    items: Vec<Value<'a>>,
    swap: &dyn Fn(&Value<'a>, &Value<'a>) -> Result<bool, Error>,
) -> Result<Vec<Value<'a>>, Error> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut items = items;
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, swap)?;
    let right = merge_sort(right, swap)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        if swap(a, b)? {
            out.extend(r.next());
        } else {
            out.extend(l.next());
        }
    }
    out.extend(l);
    out.extend(r);
    Ok(out)
}

fn sort<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    if items.len() <= 1 {
        return Ok(Some(Value::array(items)));
    }
    let sorted = match func_arg(&c, &a, 1)? {
        Some(f) => merge_sort(items, &|x, y| {
            Ok(call_with(ev, &f, vec![Some(x.clone()), Some(y.clone())])?
                .is_some_and(|v| v.truthy()))
        })?,
        None => {
            let all_nums = items.iter().all(|v| v.as_num().is_some());
            let all_strs = items.iter().all(|v| v.as_str().is_some());
            if !all_nums && !all_strs {
                return err(
                    "D3070",
                    "The single argument form of the sort function can only be applied to an \
                     array of strings or an array of numbers.  Use the second argument to \
                     specify a comparison function",
                );
            }
            merge_sort(items, &|x, y| {
                Ok(compare_values(x, y) == Some(Ordering::Greater))
            })?
        }
    };
    Ok(Some(Value::array(sorted)))
}

fn map<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let whole = Value::array(items.clone());
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let r = call_with(
            ev,
            &f,
            vec![Some(item), Some(Value::Num(i as f64)), Some(whole.clone())],
        )?;
        if let Some(r) = r {
            out.push(r);
        }
    }
    Ok(Some(Value::sequence(out)))
}

fn filter<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let whole = Value::array(items.clone());
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let r = call_with(
            ev,
            &f,
            vec![
                Some(item.clone()),
                Some(Value::Num(i as f64)),
                Some(whole.clone()),
            ],
        )?;
        if r.is_some_and(|v| v.truthy()) {
            out.push(item);
        }
    }
    Ok(Some(Value::sequence(out)))
}

fn single<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let f = func_arg(&c, &a, 1)?;
    let whole = Value::array(items.clone());
    let mut found = None;
    for (i, item) in items.into_iter().enumerate() {
        let keep = match &f {
            None => true,
            Some(f) => call_with(
                ev,
                f,
                vec![
                    Some(item.clone()),
                    Some(Value::Num(i as f64)),
                    Some(whole.clone()),
                ],
            )?
            .is_some_and(|v| v.truthy()),
        };
        if keep {
            if found.is_some() {
                return err(
                    "D3138",
                    "The $single() function expected exactly 1 matching result.  Instead it \
                     matched more.",
                );
            }
            found = Some(item);
        }
    }
    match found {
        Some(v) => Ok(Some(v)),
        None => err(
            "D3139",
            "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        ),
    }
}

fn reduce<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    if let Value::Func(func) = &f
        && func.arity() < 2
    {
        return err(
            "D3050",
            "The second argument of reduce function must be a function with at least two \
             arguments",
        );
    }
    let whole = Value::array(items.clone());
    let mut iter = items.into_iter().enumerate();
    let mut acc = match arg(&a, 2) {
        Some(init) => Some(init),
        None => iter.next().map(|(_, v)| v),
    };
    for (i, item) in iter {
        acc = call_with(
            ev,
            &f,
            vec![
                acc,
                Some(item),
                Some(Value::Num(i as f64)),
                Some(whole.clone()),
            ],
        )?;
    }
    Ok(acc)
}

fn partition<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let size = match num_arg(&c, &a, 1)? {
        Some(n) if n >= 1.0 && n.fract() == 0.0 => n as usize,
        _ => return bad_arg(&c, 2),
    };
    Ok(Some(Value::array(
        items
            .chunks(size)
            .map(|ch| Value::array(ch.to_vec()))
            .collect(),
    )))
}

fn range<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let (Some(start), Some(end)) = (num_arg(&c, &a, 0)?, num_arg(&c, &a, 1)?) else {
        return Ok(None);
    };
    let step = num_arg(&c, &a, 2)?.unwrap_or(1.0);
    if step == 0.0 || !step.is_finite() {
        return bad_arg(&c, 3);
    }
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0.0 && v <= end) || (step < 0.0 && v >= end) {
        if out.len() >= 10_000_000 {
            return err(
                "D2014",
                "The size of the sequence allocated by $range must not exceed 1e7.",
            );
        }
        out.push(Value::Num(v));
        v += step;
    }
    Ok(Some(Value::sequence(out)))
}

// ----- objects ---------------------------------------------------------------------

fn keys<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let mut out: Vec<String> = Vec::new();
    for item in v.to_items() {
        if let Some(entries) = item.entries() {
            for (k, _) in entries {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
    }
    Ok(Some(Value::sequence(
        out.into_iter().map(Value::str).collect(),
    )))
}

fn lookup_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let Some(key) = str_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    if v.is_array() {
        let mut out = Vec::new();
        for item in v.to_items() {
            if let Some(r) = item.field(&key) {
                match r.items() {
                    Some(items) => out.extend(items),
                    None => out.push(r),
                }
            }
        }
        return Ok(Some(Value::sequence(out)));
    }
    Ok(v.field(&key))
}

fn spread<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for item in v.to_items() {
        match item.entries() {
            Some(entries) => {
                for (k, val) in entries {
                    let mut o = IndexMap::new();
                    o.insert(k, val);
                    out.push(Value::object(o));
                }
            }
            None => out.push(item),
        }
    }
    Ok(Some(Value::sequence(out)))
}

fn merge<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let mut out = IndexMap::new();
    for item in items {
        match item.entries() {
            Some(entries) => {
                for (k, v) in entries {
                    out.insert(k, v);
                }
            }
            None => return bad_arg(&c, 1),
        }
    }
    Ok(Some(Value::object(out)))
}

fn each<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let Some(entries) = v.entries() else {
        return bad_arg(&c, 1);
    };
    let mut out = Vec::new();
    for (k, val) in entries {
        if let Some(r) = call_with(
            ev,
            &f,
            vec![Some(val), Some(Value::str(k)), Some(v.clone())],
        )? {
            out.push(r);
        }
    }
    Ok(Some(Value::sequence(out)))
}

fn sift<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let Some(entries) = v.entries() else {
        return bad_arg(&c, 1);
    };
    let mut out = IndexMap::new();
    for (k, val) in entries {
        let keep = call_with(
            ev,
            &f,
            vec![
                Some(val.clone()),
                Some(Value::str(k.as_str())),
                Some(v.clone()),
            ],
        )?
        .is_some_and(|r| r.truthy());
        if keep {
            out.insert(k, val);
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    Ok(Some(Value::object(out)))
}

fn type_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| Value::str(v.type_name())))
}

fn error_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let msg = str_arg(&c, &a, 0)?;
    err(
        "D3137",
        msg.map_or_else(
            || "$error() function evaluated".to_string(),
            |m| m.to_string(),
        ),
    )
}

fn assert_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    // The signature admits only a boolean or undefined (which fails the assertion).
    let ok = match arg(&a, 0) {
        Some(Value::Bool(b)) => b,
        None => false,
        Some(_) => return bad_arg(&c, 1),
    };
    if ok {
        return Ok(None);
    }
    let msg = str_arg(&c, &a, 1)?.filter(|m| !m.is_empty());
    err(
        "D3141",
        msg.map_or_else(
            || "$assert() statement failed".to_string(),
            |m| m.to_string(),
        ),
    )
}

/// An owned deep copy (no borrowed JSON left), so that a transform can find what its
/// pattern matched by identity.
pub(crate) fn deep_own<'a>(v: &Value<'a>) -> Value<'a> {
    match v {
        Value::Json(Json::String(s)) => Value::str(s.as_str()),
        Value::Json(Json::Array(a)) => {
            Value::array(a.iter().map(|x| deep_own(&Value::from_json(x))).collect())
        }
        Value::Json(Json::Object(m)) => Value::object(
            m.iter()
                .map(|(k, x)| (k.clone(), deep_own(&Value::from_json(x))))
                .collect(),
        ),
        Value::Array(a) => {
            let mut a2 = (**a).clone();
            a2.items = a.items.iter().map(deep_own).collect();
            Value::Array(Rc::new(a2))
        }
        Value::Object(m) => {
            Value::object(m.iter().map(|(k, x)| (k.clone(), deep_own(x))).collect())
        }
        v => v.clone(),
    }
}

fn clone_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| deep_own(&v)))
}

/// A JSON value owned by the evaluation.
pub(crate) fn from_owned_json<'a>(j: Json) -> Value<'a> {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => Value::Num(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::array(a.into_iter().map(from_owned_json).collect()),
        Json::Object(m) => Value::object(
            m.into_iter()
                .map(|(k, v)| (k, from_owned_json(v)))
                .collect(),
        ),
    }
}

// ----- Step Functions additions ----------------------------------------------------

fn parse<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    match serde_json::from_str::<Json>(&s) {
        Ok(j) => Ok(Some(from_owned_json(j))),
        Err(e) => err("D3137", format!("Unable to parse JSON string: {e}")),
    }
}

fn hash<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use sha2::Digest;
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let algorithm = str_arg(&c, &a, 1)?.unwrap_or_else(|| Rc::from("SHA-256"));
    let bytes = s.as_bytes();
    let digest: Vec<u8> = match &*algorithm {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return bad_arg(&c, 2),
    };
    string_value(
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
}

fn uuid_fn<'a>(_: &Evaluator<'a>, _: NativeCall<'_, 'a>) -> R<'a> {
    string_value(uuid::Uuid::new_v4().to_string())
}

fn now<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let ms = crate::clock::now().timestamp_millis();
    if c.args.iter().all(Option::is_none) {
        return string_value(super::format::iso_millis(ms));
    }
    super::format::format_millis(ms, &c)
}

fn millis<'a>(_: &Evaluator<'a>, _: NativeCall<'_, 'a>) -> R<'a> {
    num(crate::clock::now().timestamp_millis() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natives_are_sorted_for_lookup() {
        for w in NATIVES.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        assert!(lookup("sum").is_some());
        assert!(lookup("eval").is_none());
    }

    #[test]
    fn signatures_parse() {
        for n in NATIVES {
            assert!(n.parsed.is_ok(), "{}: {}", n.name, n.signature);
        }
    }
}
