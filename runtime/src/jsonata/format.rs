//! Number and date/time formatting: `$formatNumber`, `$formatInteger`, `$parseInteger`,
//! `$fromMillis`, `$toMillis`, `$now` (XPath F&O 3.1 picture strings, as jsonata-js).

use chrono::{DateTime, SecondsFormat, Utc};

use super::eval::{Evaluator, NativeCall};
use super::value::{Error, Outcome, Value};

/// ISO 8601 with milliseconds, as `Date.prototype.toISOString`.
pub fn iso_millis(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn unsupported<'a>(what: &str) -> Outcome<'a> {
    Err(Error::new("D3137", format!("{what} is not supported yet")))
}

/// `$now(picture, timezone)` / `$fromMillis(ms, picture, timezone)` with a picture.
pub fn format_millis<'a>(_ms: i64, _c: &NativeCall<'_, 'a>) -> Outcome<'a> {
    unsupported("A date/time picture string")
}

/// `$fromMillis(ms, picture?, timezone?)`.
pub fn from_millis<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> Outcome<'a> {
    let Some(Some(v)) = c.args.first().cloned() else {
        return Ok(None);
    };
    let Some(ms) = v.as_num() else {
        return Err(Error::new(
            "T0410",
            "Argument 1 of function \"fromMillis\" does not match function signature",
        ));
    };
    if c.args.len() > 1 {
        return format_millis(ms as i64, &c);
    }
    Ok(Some(Value::str(iso_millis(ms as i64))))
}

/// `$toMillis(timestamp, picture?)`.
pub fn to_millis<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> Outcome<'a> {
    let Some(Some(v)) = c.args.first().cloned() else {
        return Ok(None);
    };
    let Some(s) = v.as_str() else {
        return Err(Error::new(
            "T0410",
            "Argument 1 of function \"toMillis\" does not match function signature",
        ));
    };
    if c.args.len() > 1 {
        return unsupported("A date/time picture string");
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(d) => Ok(Some(Value::Num(d.timestamp_millis() as f64))),
        Err(_) => Err(Error::new(
            "D3110",
            format!(
                "The argument of the toMillis function must be an ISO 8601 formatted timestamp. \
                 Given \"{s}\""
            ),
        )),
    }
}

/// `$formatNumber(n, picture, options?)`.
pub fn format_number<'a>(_: &Evaluator<'a>, _c: NativeCall<'_, 'a>) -> Outcome<'a> {
    unsupported("$formatNumber")
}

/// `$formatInteger(n, picture)`.
pub fn format_integer<'a>(_: &Evaluator<'a>, _c: NativeCall<'_, 'a>) -> Outcome<'a> {
    unsupported("$formatInteger")
}

/// `$parseInteger(s, picture)`.
pub fn parse_integer<'a>(_: &Evaluator<'a>, _c: NativeCall<'_, 'a>) -> Outcome<'a> {
    unsupported("$parseInteger")
}
