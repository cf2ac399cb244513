//! Number and date/time formatting: `$formatNumber`, `$formatInteger`, `$parseInteger`,
//! `$fromMillis`, `$toMillis`, `$now` (XPath F&O 3.1 picture strings, as jsonata-js).
//!
//! Deviations from jsonata-js, all in corner cases where it produces nonsense: negative
//! time zone offsets with minutes (`-0530`) mean −5:30 when formatting and parsing
//! (jsonata-js: −6:30 and −4:30); `$formatInteger` puts no grouping separator before the
//! first digit (`##,##,##0` gives "12,345", not ",12,345"); `$parseInteger` strips the
//! picture's own regular separator (jsonata-js only strips ","); an unknown date/time
//! component is always error D3132 (jsonata-js prints "undefined" when it has a
//! presentation modifier); results that would be `NaN` (an unknown word for
//! `$parseInteger`, an impossible date for `$toMillis`, a time zone that isn't a number)
//! are undefined; a timestamp without a zone is UTC (JavaScript: local time).
//!
//! One module per picture engine: `integer` (`fn:format-integer`, also the numbers inside
//! date/time pictures), `datetime` (`fn:format-dateTime` and its parsing counterpart) and
//! `decimal` (`fn:format-number`). This module holds what they share (argument handling,
//! error messages, JavaScript number parsing, grouping intervals) and the library
//! functions, which bind the engines to JSONata values.

mod datetime;
mod decimal;
mod integer;

#[cfg(test)]
mod cases;
#[cfg(test)]
mod tests;

use super::eval::{Evaluator, NativeCall};
use super::number::js_string;
use super::value::{Error, Outcome, Value};
use datetime::{format_datetime, parse_datetime, parse_iso};
use decimal::format_number_str;
use integer::{format_integer_str, parse_integer_str};

// ----- arguments -------------------------------------------------------------------

/// The arguments, with the context value filling in a missing first argument.
fn call_args<'a>(c: &NativeCall<'_, 'a>) -> Vec<Option<Value<'a>>> {
    let mut a = c.args.clone();
    let n = c.native.context_args;
    if n > 0 && a.len() < n {
        a.insert(0, c.focus.clone());
    }
    a
}

fn bad_arg(c: &NativeCall<'_, '_>, i: usize) -> Error {
    Error::new(
        "T0410",
        format!(
            "Argument {i} of function \"{}\" does not match function signature",
            c.native.name
        ),
    )
}

/// Argument `i` (0-based) as a string, if given.
fn str_at(
    c: &NativeCall<'_, '_>,
    a: &[Option<Value<'_>>],
    i: usize,
) -> Result<Option<String>, Error> {
    match a.get(i).cloned().flatten() {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(|s| Some(s.to_string()))
            .ok_or_else(|| bad_arg(c, i + 1)),
    }
}

/// Argument `i` (0-based) as a number, if given.
fn num_at(c: &NativeCall<'_, '_>, a: &[Option<Value<'_>>], i: usize) -> Result<Option<f64>, Error> {
    match a.get(i).cloned().flatten() {
        None => Ok(None),
        Some(Value::Num(n)) => Ok(Some(n)),
        Some(_) => Err(bad_arg(c, i + 1)),
    }
}

fn num_value<'a>(n: Option<f64>) -> Outcome<'a> {
    Ok(n.filter(|n| n.is_finite())
        .map(|n| Value::Num(if n == 0.0 { 0.0 } else { n })))
}

// ----- errors ----------------------------------------------------------------------

/// `JSON.stringify` of a string, as jsonata-js inserts `{{value}}` into messages.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn error(code: &'static str) -> Error {
    let message = match code {
        "D3080" => "The picture string must only contain a maximum of two sub-pictures",
        "D3081" => {
            "The sub-picture must not contain more than one instance of the 'decimal-separator' \
             character"
        }
        "D3082" => {
            "The sub-picture must not contain more than one instance of the 'percent' character"
        }
        "D3083" => {
            "The sub-picture must not contain more than one instance of the 'per-mille' character"
        }
        "D3084" => "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
        "D3085" => {
            "The mantissa part of a sub-picture must contain at least one character that is \
             either an 'optional digit character' or a member of the 'decimal digit family'"
        }
        "D3086" => {
            "The sub-picture must not contain a passive character that is preceded by an active \
             character and that is followed by another active character"
        }
        "D3087" => {
            "The sub-picture must not contain a 'grouping-separator' character that appears \
             adjacent to a 'decimal-separator' character"
        }
        "D3088" => {
            "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"
        }
        "D3089" => {
            "The sub-picture must not contain two adjacent instances of the 'grouping-separator' \
             character"
        }
        "D3090" => {
            "The integer part of the sub-picture must not contain a member of the 'decimal digit \
             family' that is followed by an instance of the 'optional digit character'"
        }
        "D3091" => {
            "The fractional part of the sub-picture must not contain an instance of the \
             'optional digit character' that is followed by a member of the 'decimal digit family'"
        }
        "D3092" => {
            "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a \
             character treated as an 'exponent-separator'"
        }
        "D3093" => {
            "The exponent part of the sub-picture must comprise only of one or more characters \
             that are members of the 'decimal digit family'"
        }
        "D3131" => "In a decimal digit pattern, all digits must be from the same decimal group",
        "D3134" => "The timezone integer format specifier cannot have more than four digits",
        "D3135" => "No matching closing bracket ']' in date/time picture string",
        "D3136" => {
            "The date/time picture string is missing specifiers required to parse the timestamp"
        }
        _ => "Error",
    };
    Error::new(code, message)
}

// ----- small JavaScript equivalents --------------------------------------------------

/// `parseInt(s, 10)`: leading whitespace, a sign and decimal digits; `None` for `NaN`.
fn js_parse_int(s: &str) -> Option<f64> {
    let t = s.trim_start();
    let (neg, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let n: f64 = rest[..end].parse().ok()?;
    Some(if neg { -n } else { n })
}

// ----- grouping ----------------------------------------------------------------------

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The interval of evenly spaced grouping positions (all multiples of it present), or 0.
fn regular_interval(positions: &[usize]) -> usize {
    let Some(&first) = positions.first() else {
        return 0;
    };
    let factor = positions.iter().copied().fold(first, gcd);
    if factor == 0 {
        return 0;
    }
    let all = (1..=positions.len()).all(|i| positions.contains(&(i * factor)));
    if all { factor } else { 0 }
}

// ----- the library functions -------------------------------------------------------

/// ISO 8601 with milliseconds in UTC, as `$now()` and `$fromMillis(ms)` print an instant.
pub fn iso_millis(ms: i64) -> String {
    format_datetime(ms as f64, None, None)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// `$now(picture, timezone)` / `$fromMillis(ms, picture, timezone)` with a picture.
pub fn format_millis<'a>(ms: i64, c: &NativeCall<'_, 'a>) -> Outcome<'a> {
    let picture = str_at(c, &c.args, 0)?;
    let timezone = str_at(c, &c.args, 1)?;
    Ok(format_datetime(ms as f64, picture.as_deref(), timezone.as_deref())?.map(Value::str))
}

/// `$fromMillis(ms, picture?, timezone?)`.
pub fn from_millis<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> Outcome<'a> {
    let mut a = call_args(&c);
    // As jsonata-js matches the signature `<n-s?s?:s>`: a picture in first place means the
    // context value is the number.
    if a.len() < 3
        && a.first()
            .is_some_and(|v| v.as_ref().is_some_and(|v| v.as_str().is_some()))
        && matches!(c.focus, Some(Value::Num(_)))
    {
        a.insert(0, c.focus.clone());
    }
    let ms = num_at(&c, &a, 0)?;
    let picture = str_at(&c, &a, 1)?;
    let timezone = str_at(&c, &a, 2)?;
    let Some(ms) = ms else {
        return Ok(None);
    };
    Ok(format_datetime(ms, picture.as_deref(), timezone.as_deref())?.map(Value::str))
}

/// `$toMillis(timestamp, picture?)`.
pub fn to_millis<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> Outcome<'a> {
    let a = call_args(&c);
    let text = str_at(&c, &a, 0)?;
    let picture = str_at(&c, &a, 1)?;
    let Some(text) = text else {
        return Ok(None);
    };
    let millis = match picture {
        None => parse_iso(&text)?,
        Some(picture) => {
            let now = crate::clock::now().timestamp_millis() as f64;
            parse_datetime(&text, &picture, now)?
        }
    };
    num_value(millis)
}

/// `$formatNumber(n, picture, options?)`.
pub fn format_number<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> Outcome<'a> {
    let a = call_args(&c);
    let value = num_at(&c, &a, 0)?;
    let picture = str_at(&c, &a, 1)?;
    let options = match a.get(2).cloned().flatten() {
        None => Vec::new(),
        Some(o) => {
            let Some(entries) = o.entries() else {
                return Err(bad_arg(&c, 3));
            };
            entries
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::Num(n) => Some((k, js_string(n))),
                    v => v.as_str().map(|s| (k, s.to_string())),
                })
                .collect()
        }
    };
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(picture) = picture else {
        return Err(bad_arg(&c, 2));
    };
    Ok(Some(Value::str(format_number_str(
        value, &picture, &options,
    )?)))
}

/// `$formatInteger(n, picture)`.
pub fn format_integer<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> Outcome<'a> {
    let a = call_args(&c);
    let value = num_at(&c, &a, 0)?;
    let picture = str_at(&c, &a, 1)?;
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(picture) = picture else {
        return Err(bad_arg(&c, 2));
    };
    Ok(Some(Value::str(format_integer_str(value, &picture)?)))
}

/// `$parseInteger(s, picture)`.
pub fn parse_integer<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> Outcome<'a> {
    let a = call_args(&c);
    let text = str_at(&c, &a, 0)?;
    let picture = str_at(&c, &a, 1)?;
    let Some(text) = text else {
        return Ok(None);
    };
    let Some(picture) = picture else {
        return Err(bad_arg(&c, 2));
    };
    num_value(parse_integer_str(&text, &picture)?)
}
