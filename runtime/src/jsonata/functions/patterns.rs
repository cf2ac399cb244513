//! Functions that take a pattern, a string or a regex (`$contains`, `$match`, `$replace`,
//! `$split`), and regexes with JavaScript's meaning (compiling, matching, UTF-16 offsets).

use std::rc::Rc;

use indexmap::IndexMap;

use super::args::{R, arg, args, bad_arg, boolean_value, err, num_arg, str_arg, string_value};
use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::value::{Error, Func, Value};

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

pub(super) fn contains<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

pub(super) fn match_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

pub(super) fn replace<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

pub(super) fn split<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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
