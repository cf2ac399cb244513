//! Numbers as JavaScript prints them: JSONata's `$string`, `&` and `$join` follow
//! `Number.prototype.toString`, after rounding to 15 significant digits as jsonata-js does.

use serde_json::{Number, Value as Json};

/// `Number.prototype.toString()` of a finite number.
pub fn js_string(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    if !n.is_finite() {
        return if n.is_nan() {
            "NaN".into()
        } else if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as JavaScript does.
    let e = format!("{:e}", n.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let sign = if n < 0.0 { "-" } else { "" };
    // JavaScript's n: the position of the decimal point relative to the digits.
    let point = exp + 1;
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let e = point - 1;
        let esign = if e < 0 { '-' } else { '+' };
        if k == 1 {
            format!("{digits}e{esign}{}", e.abs())
        } else {
            format!("{}.{}e{esign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

/// Rounds to 15 significant digits (`Number(n.toPrecision(15))`).
pub fn precision15(n: f64) -> f64 {
    if n == 0.0 || !n.is_finite() {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

/// How `$string` and `&` print a number.
pub fn to_string(n: f64) -> String {
    js_string(precision15(n))
}

/// A number as JSON: integers without a fraction, as JavaScript's `JSON.stringify` prints
/// them.
pub fn to_json(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return Json::Number((n as i64).into());
    }
    Number::from_f64(n).map_or(Json::Null, Json::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_as_javascript() {
        for (n, s) in [
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123456.789, "123456.789"),
            (-2.5e-10, "-2.5e-10"),
        ] {
            assert_eq!(js_string(n), s, "{n}");
        }
        assert_eq!(to_string(0.1 + 0.2), "0.3");
        assert_eq!(to_json(3.0), serde_json::json!(3));
        assert_eq!(to_json(2.5), serde_json::json!(2.5));
    }
}
