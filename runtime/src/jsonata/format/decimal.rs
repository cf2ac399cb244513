//! Decimal pictures (`fn:format-number`): `$formatNumber`.

use super::{error, regular_interval};
use crate::jsonata::number::js_string;
use crate::jsonata::value::Error;

/// The decimal-format properties of `$formatNumber` (each a string, usually one character).
struct Properties {
    decimal: Vec<char>,
    grouping: Vec<char>,
    exponent: Vec<char>,
    minus: Vec<char>,
    percent: Vec<char>,
    per_mille: Vec<char>,
    zero: Vec<char>,
    digit: Vec<char>,
    pattern: Vec<char>,
    family: Vec<char>,
}

impl Properties {
    fn new(options: &[(String, String)]) -> Self {
        let get = |key: &str, default: &str| -> Vec<char> {
            options
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map_or(default, |(_, v)| v.as_str())
                .chars()
                .collect()
        };
        let zero = get("zero-digit", "0");
        let family = zero
            .first()
            .map(|&z| {
                (0..10)
                    .filter_map(|i| char::from_u32(z as u32 + i))
                    .collect()
            })
            .unwrap_or_default();
        Properties {
            decimal: get("decimal-separator", "."),
            grouping: get("grouping-separator", ","),
            exponent: get("exponent-separator", "e"),
            minus: get("minus-sign", "-"),
            percent: get("percent", "%"),
            per_mille: get("per-mille", "\u{2030}"),
            zero,
            digit: get("digit", "#"),
            pattern: get("pattern-separator", ";"),
            family,
        }
    }

    fn is_family(&self, c: char) -> bool {
        self.family.contains(&c)
    }

    fn is_digit_sign(&self, c: char) -> bool {
        is_char(&self.digit, c)
    }

    fn is_active(&self, c: char) -> bool {
        self.is_family(c)
            || [
                &self.decimal,
                &self.exponent,
                &self.grouping,
                &self.digit,
                &self.pattern,
            ]
            .iter()
            .any(|p| is_char(p, c))
    }
}

/// Whether a property string is exactly the character `c`.
fn is_char(p: &[char], c: char) -> bool {
    p.len() == 1 && p[0] == c
}

/// `indexOf`: the first occurrence of `needle` at or after `from`.
fn index_of(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(hay.len()));
    }
    (from..hay.len()).find(|&i| hay[i..].starts_with(needle))
}

fn last_index_of(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() {
        return Some(hay.len());
    }
    (0..hay.len()).rev().find(|&i| hay[i..].starts_with(needle))
}

fn contains(hay: &[char], needle: &[char]) -> bool {
    index_of(hay, needle, 0).is_some()
}

/// `String.prototype.substring`: clamped, and swapped when reversed.
fn substring(v: &[char], start: isize, end: isize) -> Vec<char> {
    let len = v.len() as isize;
    let (a, b) = (start.clamp(0, len), end.clamp(0, len));
    let (a, b) = if a > b { (b, a) } else { (a, b) };
    v[a as usize..b as usize].to_vec()
}

/// `String.prototype.slice` index: negative counts from the end.
fn slice_index(len: usize, i: isize) -> usize {
    if i < 0 {
        (len as isize + i).max(0) as usize
    } else {
        (i as usize).min(len)
    }
}

fn insert_at(s: &mut Vec<char>, i: isize, what: &[char]) {
    let at = slice_index(s.len(), i);
    s.splice(at..at, what.iter().copied());
}

struct SubPicture {
    prefix: Vec<char>,
    suffix: Vec<char>,
    active: Vec<char>,
    mantissa: Vec<char>,
    exponent: Option<Vec<char>>,
    integer: Vec<char>,
    fraction: Vec<char>,
    picture: Vec<char>,
}

fn split_sub_picture(sub: &[char], p: &Properties) -> SubPicture {
    let is_boundary = |c: char| p.is_active(c) && !is_char(&p.exponent, c);
    let prefix = sub
        .iter()
        .position(|&c| is_boundary(c))
        .map(|i| sub[..i].to_vec())
        .unwrap_or_default();
    let suffix = sub
        .iter()
        .rposition(|&c| is_boundary(c))
        .map(|i| sub[i + 1..].to_vec())
        .unwrap_or_default();
    let len = sub.len() as isize;
    let active = substring(sub, prefix.len() as isize, len - suffix.len() as isize);
    let exponent_at = index_of(sub, &p.exponent, prefix.len());
    let (mantissa, exponent) = match exponent_at {
        Some(e) if (e as isize) <= len - suffix.len() as isize => (
            substring(&active, 0, e as isize),
            Some(substring(&active, e as isize + 1, active.len() as isize)),
        ),
        _ => (active.clone(), None),
    };
    let (integer, fraction) = match index_of(&mantissa, &p.decimal, 0) {
        None => (mantissa.clone(), suffix.clone()),
        Some(d) => (
            mantissa[..d].to_vec(),
            substring(&mantissa, d as isize + 1, mantissa.len() as isize),
        ),
    };
    SubPicture {
        prefix,
        suffix,
        active,
        mantissa,
        exponent,
        integer,
        fraction,
        picture: sub.to_vec(),
    }
}

/// Checks a sub-picture (F&O 4.7.3); like jsonata-js, the last rule broken is reported.
fn validate_sub_picture(sp: &SubPicture, p: &Properties) -> Result<(), Error> {
    let pic = &sp.picture;
    let mut code = None;
    let decimal_at = index_of(pic, &p.decimal, 0);
    if decimal_at != last_index_of(pic, &p.decimal) {
        code = Some("D3081");
    }
    if index_of(pic, &p.percent, 0) != last_index_of(pic, &p.percent) {
        code = Some("D3082");
    }
    if index_of(pic, &p.per_mille, 0) != last_index_of(pic, &p.per_mille) {
        code = Some("D3083");
    }
    if contains(pic, &p.percent) && contains(pic, &p.per_mille) {
        code = Some("D3084");
    }
    if !sp
        .mantissa
        .iter()
        .any(|&c| p.is_family(c) || p.is_digit_sign(c))
    {
        code = Some("D3085");
    }
    if sp.active.iter().any(|&c| !p.is_active(c)) {
        code = Some("D3086");
    }
    match decimal_at {
        Some(d) => {
            let before = d.checked_sub(1).and_then(|i| pic.get(i));
            let after = pic.get(d + 1);
            if before.is_some_and(|&c| is_char(&p.grouping, c))
                || after.is_some_and(|&c| is_char(&p.grouping, c))
            {
                code = Some("D3087");
            }
        }
        None => {
            if sp.integer.last().is_some_and(|&c| is_char(&p.grouping, c)) {
                code = Some("D3088");
            }
        }
    }
    let double: Vec<char> = p
        .grouping
        .iter()
        .chain(p.grouping.iter())
        .copied()
        .collect();
    if contains(pic, &double) {
        code = Some("D3089");
    }
    if let Some(i) = index_of(&sp.integer, &p.digit, 0)
        && sp.integer[..i].iter().any(|&c| p.is_family(c))
    {
        code = Some("D3090");
    }
    if let Some(i) = last_index_of(&sp.fraction, &p.digit)
        && sp.fraction[i.min(sp.fraction.len())..]
            .iter()
            .any(|&c| p.is_family(c))
    {
        code = Some("D3091");
    }
    if let Some(exp) = &sp.exponent {
        if !exp.is_empty() && (contains(pic, &p.percent) || contains(pic, &p.per_mille)) {
            code = Some("D3092");
        }
        if exp.is_empty() || exp.iter().any(|&c| !p.is_family(c)) {
            code = Some("D3093");
        }
    }
    match code {
        Some(code) => Err(error(code)),
        None => Ok(()),
    }
}

/// The analysed sub-picture (F&O 4.7.4).
#[derive(Clone)]
struct NumberPicture {
    integer_grouping: Vec<usize>,
    regular_grouping: usize,
    min_integer: usize,
    scaling: usize,
    prefix: Vec<char>,
    fraction_grouping: Vec<usize>,
    min_fraction: usize,
    max_fraction: usize,
    min_exponent: usize,
    suffix: Vec<char>,
    picture: Vec<char>,
}

fn analyse_sub_picture(sp: SubPicture, p: &Properties) -> NumberPicture {
    let is_digit = |c: &char| p.is_family(*c) || p.is_digit_sign(*c);
    let grouping_positions = |part: &[char], to_left: bool| -> Vec<usize> {
        let mut positions = Vec::new();
        let mut at = index_of(part, &p.grouping, 0);
        while let Some(g) = at {
            let side = if to_left {
                &part[..g.min(part.len())]
            } else {
                &part[g.min(part.len())..]
            };
            positions.push(side.iter().filter(|c| is_digit(c)).count());
            // jsonata-js looks for the next separator in the integer part for both parts.
            at = index_of(&sp.integer, &p.grouping, g + 1);
        }
        positions
    };
    let integer_grouping = grouping_positions(&sp.integer, false);
    let regular_grouping = regular_interval(&integer_grouping);
    let fraction_grouping = grouping_positions(&sp.fraction, true);
    let mut min_integer = sp.integer.iter().filter(|&&c| p.is_family(c)).count();
    let scaling = min_integer;
    let mut min_fraction = sp.fraction.iter().filter(|&&c| p.is_family(c)).count();
    let mut max_fraction = sp.fraction.iter().filter(|c| is_digit(c)).count();
    let has_exponent = sp.exponent.is_some();
    if min_integer == 0 && max_fraction == 0 {
        if has_exponent {
            min_fraction = 1;
            max_fraction = 1;
        } else {
            min_integer = 1;
        }
    }
    if has_exponent && min_integer == 0 && contains(&sp.integer, &p.digit) {
        min_integer = 1;
    }
    if min_integer == 0 && min_fraction == 0 {
        min_fraction = 1;
    }
    let min_exponent = sp
        .exponent
        .as_ref()
        .map_or(0, |e| e.iter().filter(|&&c| p.is_family(c)).count());
    NumberPicture {
        integer_grouping,
        regular_grouping,
        min_integer,
        scaling,
        prefix: sp.prefix,
        fraction_grouping,
        min_fraction,
        max_fraction,
        min_exponent,
        suffix: sp.suffix,
        picture: sp.picture,
    }
}

/// `$formatNumber` on plain values.
pub(super) fn format_number_str(
    value: f64,
    picture: &str,
    options: &[(String, String)],
) -> Result<String, Error> {
    let p = Properties::new(options);
    let picture: Vec<char> = picture.chars().collect();
    let mut subs: Vec<Vec<char>> = Vec::new();
    let mut start = 0;
    while let Some(i) = index_of(&picture, &p.pattern, start).filter(|_| !p.pattern.is_empty()) {
        subs.push(picture[start..i].to_vec());
        start = i + p.pattern.len();
    }
    subs.push(picture[start..].to_vec());
    if subs.len() > 2 {
        return Err(error("D3080"));
    }
    let parts: Vec<SubPicture> = subs.iter().map(|s| split_sub_picture(s, &p)).collect();
    for sp in &parts {
        validate_sub_picture(sp, &p)?;
    }
    let mut pictures: Vec<NumberPicture> = parts
        .into_iter()
        .map(|sp| analyse_sub_picture(sp, &p))
        .collect();
    if pictures.len() == 1 {
        let mut negative = pictures[0].clone();
        negative.prefix = p
            .minus
            .iter()
            .chain(negative.prefix.iter())
            .copied()
            .collect();
        pictures.push(negative);
    }
    let pic = if value >= 0.0 {
        &pictures[0]
    } else {
        &pictures[1]
    };

    let adjusted = if contains(&pic.picture, &p.percent) {
        value * 100.0
    } else if contains(&pic.picture, &p.per_mille) {
        value * 1000.0
    } else {
        value
    };
    let mut mantissa = adjusted;
    let mut exponent = None;
    if pic.min_exponent != 0 {
        let max = 10f64.powi(pic.scaling as i32);
        let min = 10f64.powi(pic.scaling as i32 - 1);
        let mut e = 0i32;
        if mantissa != 0.0 && mantissa.is_finite() {
            while mantissa.abs() < min {
                mantissa *= 10.0;
                e -= 1;
            }
            while mantissa.abs() > max {
                mantissa /= 10.0;
                e += 1;
            }
        }
        exponent = Some(e);
    }
    let rounded = round_half_even(mantissa, pic.max_fraction as i32);
    let make_string = |v: f64, dp: usize| -> Vec<char> {
        to_fixed(v.abs(), dp)
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) if !is_char(&p.zero, '0') => p.family.get(d as usize).copied().unwrap_or(c),
                _ => c,
            })
            .collect()
    };
    let mut s = make_string(rounded, pic.max_fraction);
    match s.iter().position(|&c| c == '.') {
        None => s.extend(p.decimal.iter().copied()),
        Some(i) => {
            s.splice(i..=i, p.decimal.iter().copied());
        }
    }
    if p.zero.len() == 1 {
        let z = p.zero[0];
        let lead = s.iter().take_while(|&&c| c == z).count();
        s.drain(..lead);
        while s.last() == Some(&z) {
            s.pop();
        }
    }
    let find_decimal = |s: &[char]| index_of(s, &p.decimal, 0).map_or(-1, |i| i as isize);
    let dp = find_decimal(&s);
    let pad_left = pic.min_integer as isize - dp;
    let pad_right = pic.min_fraction as isize - (s.len() as isize - dp - 1);
    let zero_run =
        |n: isize| -> Vec<char> { (0..n.max(0)).flat_map(|_| p.zero.iter().copied()).collect() };
    let mut t = zero_run(pad_left);
    t.extend(s);
    t.extend(zero_run(pad_right));
    let mut s = t;
    let mut dp = find_decimal(&s);
    if pic.regular_grouping > 0 {
        let every = pic.regular_grouping as isize;
        let groups = (dp - 1).div_euclid(every);
        for g in 1..=groups {
            insert_at(&mut s, dp - g * every, &p.grouping);
        }
    } else {
        for &pos in &pic.integer_grouping {
            insert_at(&mut s, dp - pos as isize, &p.grouping);
            dp += 1;
        }
    }
    let dp = find_decimal(&s);
    for &pos in &pic.fraction_grouping {
        insert_at(&mut s, pos as isize + dp + 1, &p.grouping);
    }
    let dp = find_decimal(&s);
    if !contains(&pic.picture, &p.decimal) || dp == s.len() as isize - 1 {
        s.pop();
    }
    if let Some(e) = exponent {
        let mut digits = make_string(f64::from(e), 0);
        let pad = pic.min_exponent as isize - digits.len() as isize;
        let mut exp = zero_run(pad);
        exp.append(&mut digits);
        s.extend(p.exponent.iter().copied());
        if e < 0 {
            s.extend(p.minus.iter().copied());
        }
        s.extend(exp);
    }
    Ok(pic
        .prefix
        .iter()
        .chain(s.iter())
        .chain(pic.suffix.iter())
        .collect())
}

// ----- small JavaScript equivalents --------------------------------------------------

/// `Number.prototype.toFixed` of a non-negative number.
fn to_fixed(x: f64, digits: usize) -> String {
    if x >= 1e21 {
        js_string(x)
    } else {
        format!("{x:.digits$}")
    }
}

/// `Math.round`: to the nearest integer, halves towards +∞.
fn js_math_round(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 0.5 { f + 1.0 } else { f }
}

/// Multiplies by `10^p` through the decimal string, as `$round` does.
fn shift_decimal(x: f64, p: i32) -> f64 {
    let s = js_string(x);
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!("{mantissa}e{}", exp + p)
        .parse()
        .unwrap_or(x * 10f64.powi(p))
}

/// `$round(x, precision)`: half to even, at a decimal position.
fn round_half_even(x: f64, precision: i32) -> f64 {
    let shifted = if precision != 0 {
        shift_decimal(x, precision)
    } else {
        x
    };
    let mut r = js_math_round(shifted);
    if (r - shifted).abs() == 0.5 && (r % 2.0).abs() == 1.0 {
        r -= 1.0;
    }
    let back = if precision != 0 {
        shift_decimal(r, -precision)
    } else {
        r
    };
    if back == 0.0 { 0.0 } else { back }
}

#[cfg(test)]
mod tests;
