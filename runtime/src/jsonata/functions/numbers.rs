//! Numeric functions: aggregates (`$sum`, `$count`, `$max`…), `$number` casting, math
//! (`$abs`, `$round`, `$power`…) and `$formatBase`, with jsonata-js's rounding and errors.

use super::args::{R, arg, args, array_arg, bad_arg, err, num, num_arg, nums, string_value};
use crate::jsonata::eval::{Evaluator, NativeCall, show};
use crate::jsonata::number;
use crate::jsonata::value::Value;

pub(super) fn sum<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match nums(&c, &a)? {
        None => Ok(None),
        Some(ns) => num(ns.iter().sum()),
    }
}

pub(super) fn count<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    num(array_arg(&a, 0).map_or(0, |v| v.len()) as f64)
}

pub(super) fn max<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match nums(&c, &a)? {
        Some(ns) if !ns.is_empty() => num(ns.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        _ => Ok(None),
    }
}

pub(super) fn min<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match nums(&c, &a)? {
        Some(ns) if !ns.is_empty() => num(ns.iter().copied().fold(f64::INFINITY, f64::min)),
        _ => Ok(None),
    }
}

pub(super) fn average<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

pub(super) fn number_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

pub(super) fn abs<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    unary_num(&c, f64::abs)
}

pub(super) fn floor<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    unary_num(&c, f64::floor)
}

pub(super) fn ceil<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    unary_num(&c, f64::ceil)
}

pub(super) fn sqrt<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

pub(super) fn power<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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
pub(super) fn round<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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

pub(super) fn format_base<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
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
