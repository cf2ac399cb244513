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

use regex::Regex;

use super::eval::{Evaluator, NativeCall};
use super::number::js_string;
use super::value::{Error, Outcome, Value};

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

fn sequence_error(token: &str) -> Error {
    Error::new(
        "D3130",
        format!(
            "Formatting or parsing an integer as a sequence starting with {} is not supported by \
             this implementation",
            quoted(token)
        ),
    )
}

fn unknown_component(c: &str) -> Error {
    Error::new(
        "D3132",
        format!(
            "Unknown component specifier {} in date/time picture string",
            quoted(c)
        ),
    )
}

fn names_error(c: char) -> Error {
    Error::new(
        "D3133",
        format!(
            "The 'name' modifier can only be applied to months and days in the date/time picture \
             string, not {}",
            quoted(&c.to_string())
        ),
    )
}

fn regex_error(e: regex::Error) -> Error {
    Error::new("D3137", e.to_string())
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

// ----- integer pictures (fn:format-integer) ----------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Case {
    Upper,
    Lower,
    Title,
}

#[derive(Clone, Debug)]
enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    Sequence(String),
}

#[derive(Clone, Debug)]
enum Grouping {
    /// The same separator every `n` digits.
    Regular(usize, char),
    /// Separators at the given digit positions (counted from the right), leftmost first.
    Irregular(Vec<(usize, char)>),
}

#[derive(Clone, Debug)]
struct IntFormat {
    primary: Primary,
    case: Case,
    ordinal: bool,
    /// The zero of the decimal digit family.
    zero: u32,
    mandatory: usize,
    optional: usize,
    grouping: Grouping,
    /// When parsing, exactly this many digits (set when another number follows directly).
    parse_width: Option<usize>,
}

/// The zeros of Unicode's decimal digit groups (Basic Multilingual Plane).
const DECIMAL_GROUPS: &[u32] = &[
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

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

fn analyse_integer_picture(picture: &str) -> Result<IntFormat, Error> {
    let mut format = IntFormat {
        primary: Primary::Decimal,
        case: Case::Lower,
        ordinal: false,
        zero: 0x30,
        mandatory: 0,
        optional: 0,
        grouping: Grouping::Irregular(Vec::new()),
        parse_width: None,
    };
    let primary = match picture.rfind(';') {
        None => picture,
        Some(i) => {
            format.ordinal = picture[i + 1..].starts_with('o');
            &picture[..i]
        }
    };
    match primary {
        "A" | "a" => {
            format.primary = Primary::Letters;
            format.case = if primary == "A" {
                Case::Upper
            } else {
                Case::Lower
            };
        }
        "I" | "i" => {
            format.primary = Primary::Roman;
            format.case = if primary == "I" {
                Case::Upper
            } else {
                Case::Lower
            };
        }
        "W" | "Ww" | "w" => {
            format.primary = Primary::Words;
            format.case = match primary {
                "W" => Case::Upper,
                "Ww" => Case::Title,
                _ => Case::Lower,
            };
        }
        _ => {
            let mut zero = None;
            let mut separators = Vec::new();
            let mut position = 0;
            for ch in primary.chars().rev() {
                let cp = ch as u32;
                if let Some(&group) = DECIMAL_GROUPS.iter().find(|&&g| (g..=g + 9).contains(&cp)) {
                    format.mandatory += 1;
                    position += 1;
                    match zero {
                        None => zero = Some(group),
                        Some(z) if z != group => return Err(error("D3131")),
                        Some(_) => {}
                    }
                } else if ch == '#' {
                    position += 1;
                    format.optional += 1;
                } else {
                    separators.push((position, ch));
                }
            }
            if format.mandatory == 0 {
                format.primary = Primary::Sequence(primary.to_string());
                return Ok(format);
            }
            format.zero = zero.unwrap_or(0x30);
            let same_char = separators
                .iter()
                .all(|s| Some(s.1) == separators.first().map(|f| f.1));
            let positions: Vec<usize> = separators.iter().map(|s| s.0).collect();
            let interval = if same_char {
                regular_interval(&positions)
            } else {
                0
            };
            format.grouping = match separators.first() {
                Some(&(_, ch)) if interval > 0 => Grouping::Regular(interval, ch),
                _ => {
                    separators.reverse();
                    Grouping::Irregular(separators)
                }
            };
        }
    }
    Ok(format)
}

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 9] = [
    "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred",
];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];

/// English words for a non-negative integer, in title case ("One Hundred and Two").
fn number_to_words(value: f64, ordinal: bool) -> String {
    fn words(num: f64, prev: bool, ord: bool) -> String {
        if num <= 19.0 {
            let i = num as usize;
            let w = if ord { ORDINALS[i] } else { FEW[i] };
            format!("{}{w}", if prev { " and " } else { "" })
        } else if num < 100.0 {
            let tens = (num / 10.0).floor();
            let rem = num % 10.0;
            let mut w = format!(
                "{}{}",
                if prev { " and " } else { "" },
                DECADES[tens as usize - 2]
            );
            if rem > 0.0 {
                w.push('-');
                w.push_str(&words(rem, false, ord));
            } else if ord {
                w.pop();
                w.push_str("ieth");
            }
            w
        } else if num < 1000.0 {
            let hundreds = (num / 100.0).floor();
            let rem = num % 100.0;
            let mut w = format!(
                "{}{} Hundred",
                if prev { ", " } else { "" },
                FEW[hundreds as usize]
            );
            if rem > 0.0 {
                w.push_str(&words(rem, true, ord));
            } else if ord {
                w.push_str("th");
            }
            w
        } else {
            let mag = ((num.log10() / 3.0).floor() as usize).clamp(1, MAGNITUDES.len());
            let factor = 10f64.powi(mag as i32 * 3);
            let mant = (num / factor).floor();
            let rem = num - mant * factor;
            let mut w = format!(
                "{}{} {}",
                if prev { ", " } else { "" },
                words(mant, false, false),
                MAGNITUDES[mag - 1]
            );
            if rem > 0.0 {
                w.push_str(&words(rem, true, ord));
            } else if ord {
                w.push_str("th");
            }
            w
        }
    }
    words(value.floor(), false, ordinal)
}

/// Every number word (lower case) with its value, in jsonata-js's order (the order of the
/// alternatives when matching).
fn word_values() -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = Vec::new();
    for (i, w) in FEW.iter().enumerate() {
        v.push((w.to_lowercase(), i as f64));
    }
    for (i, w) in ORDINALS.iter().enumerate() {
        v.push((w.to_lowercase(), i as f64));
    }
    for (i, w) in DECADES.iter().enumerate() {
        let lw = w.to_lowercase();
        let value = ((i + 2) * 10) as f64;
        let ieth = format!("{}ieth", &lw[..lw.len() - 1]);
        v.push((lw, value));
        v.push((ieth, value));
    }
    v.push(("hundredth".into(), 100.0));
    for (i, w) in MAGNITUDES.iter().enumerate() {
        let lw = w.to_lowercase();
        let value = 10f64.powi((i as i32 + 1) * 3);
        let th = format!("{lw}th");
        v.push((lw, value));
        v.push((th, value));
    }
    v
}

/// The value of English number words (any case); `NaN` when a word is unknown.
fn words_to_number(text: &str, values: &[(String, f64)]) -> f64 {
    let Ok(split) = Regex::new(r",\s|\sand\s|[\s\\-]") else {
        return f64::NAN;
    };
    let lower = text.to_lowercase();
    let mut segs: Vec<f64> = vec![0.0];
    for part in split.split(&lower) {
        let value = values
            .iter()
            .find(|(w, _)| w == part)
            .map_or(f64::NAN, |(_, v)| *v);
        if value < 100.0 {
            let mut top = segs.pop().unwrap_or(0.0);
            if top >= 1000.0 {
                segs.push(top);
                top = 0.0;
            }
            segs.push(top + value);
        } else {
            let top = segs.pop().unwrap_or(0.0);
            segs.push(top * value);
        }
    }
    segs.iter().sum()
}

const ROMAN: [(u64, &str); 13] = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
];

fn to_roman(mut value: f64) -> Result<String, Error> {
    if value >= 1e7 {
        // jsonata-js runs out of stack; don't build megabytes of "m".
        return Err(Error::new(
            "D3137",
            "The number is too large to be formatted as roman numerals",
        ));
    }
    let mut s = String::new();
    'outer: while value >= 1.0 {
        for (n, numeral) in ROMAN {
            if value >= n as f64 {
                s.push_str(numeral);
                value -= n as f64;
                continue 'outer;
            }
        }
        break;
    }
    Ok(s)
}

fn from_roman(roman: &str) -> f64 {
    let mut decimal = 0.0;
    let mut max = 1.0;
    for ch in roman.chars().rev() {
        let value = match ch.to_ascii_uppercase() {
            'M' => 1000.0,
            'D' => 500.0,
            'C' => 100.0,
            'L' => 50.0,
            'X' => 10.0,
            'V' => 5.0,
            'I' => 1.0,
            _ => return f64::NAN,
        };
        if value < max {
            decimal -= value;
        } else {
            max = value;
            decimal += value;
        }
    }
    decimal
}

/// Spreadsheet column letters: 1 → a, 26 → z, 27 → aa.
fn to_letters(mut value: f64, a: char) -> String {
    let mut letters = Vec::new();
    while value > 0.0 {
        let offset = ((value - 1.0) % 26.0) as u32;
        letters.push(char::from_u32(a as u32 + offset).unwrap_or(a));
        value = ((value - 1.0) / 26.0).floor();
    }
    letters.iter().rev().collect()
}

fn from_letters(letters: &str, a: char) -> f64 {
    letters
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| (c as i64 - a as i64 + 1) as f64 * 26f64.powi(i as i32))
        .sum()
}

/// Formats an integer-valued number with an analysed picture.
fn format_int(value: f64, format: &IntFormat) -> Result<String, Error> {
    let negative = value < 0.0;
    let value = value.abs();
    let mut s = match &format.primary {
        Primary::Letters => to_letters(value, if format.case == Case::Upper { 'A' } else { 'a' }),
        Primary::Roman => {
            let r = to_roman(value)?;
            if format.case == Case::Upper {
                r.to_uppercase()
            } else {
                r
            }
        }
        Primary::Words => {
            let w = number_to_words(value, format.ordinal);
            match format.case {
                Case::Upper => w.to_uppercase(),
                Case::Lower => w.to_lowercase(),
                Case::Title => w,
            }
        }
        Primary::Decimal => {
            let digits = js_string(value);
            let mut chars: Vec<char> = "0"
                .repeat(format.mandatory.saturating_sub(digits.chars().count()))
                .chars()
                .chain(digits.chars())
                .collect();
            if format.zero != 0x30 {
                for c in &mut chars {
                    if c.is_ascii_digit() {
                        *c = char::from_u32(*c as u32 - 0x30 + format.zero).unwrap_or(*c);
                    }
                }
            }
            match &format.grouping {
                Grouping::Regular(every, sep) => {
                    let groups = (chars.len().saturating_sub(1)) / every;
                    for g in (1..=groups).rev() {
                        let pos = chars.len() - g * every;
                        chars.insert(pos, *sep);
                    }
                }
                Grouping::Irregular(seps) => {
                    // Only between digits (jsonata-js garbles numbers shorter than the
                    // picture: `##,##,##0` gives ",,0" for 0).
                    for &(position, sep) in seps {
                        if position < chars.len() {
                            chars.insert(chars.len() - position, sep);
                        }
                    }
                }
            }
            if format.ordinal {
                let n = chars.len();
                let suffix = match chars.last() {
                    _ if n > 1 && chars[n - 2] == '1' => "th",
                    Some('1') => "st",
                    Some('2') => "nd",
                    Some('3') => "rd",
                    _ => "th",
                };
                chars.extend(suffix.chars());
            }
            chars.into_iter().collect()
        }
        Primary::Sequence(token) => return Err(sequence_error(token)),
    };
    if negative {
        s.insert(0, '-');
    }
    Ok(s)
}

/// `$formatInteger` on plain values.
fn format_integer_str(value: f64, picture: &str) -> Result<String, Error> {
    let format = analyse_integer_picture(picture)?;
    format_int(value.floor(), &format)
}

/// How a number in a picture is recognised and read back.
struct Matcher {
    regex: String,
    read: Reader,
}

enum Reader {
    Letters(char),
    Roman,
    Words,
    Decimal(IntFormat),
}

fn integer_matcher(format: &IntFormat) -> Result<Matcher, Error> {
    let upper = format.case == Case::Upper;
    Ok(match &format.primary {
        Primary::Letters => Matcher {
            regex: if upper { "[A-Z]+" } else { "[a-z]+" }.into(),
            read: Reader::Letters(if upper { 'A' } else { 'a' }),
        },
        Primary::Roman => Matcher {
            regex: if upper { "[MDCLXVI]+" } else { "[mdclxvi]+" }.into(),
            read: Reader::Roman,
        },
        Primary::Words => {
            let mut alts: Vec<String> = word_values().into_iter().map(|(w, _)| w).collect();
            alts.push("and".into());
            alts.push(r"[\-, ]".into());
            Matcher {
                regex: format!("(?:{})+", alts.join("|")),
                read: Reader::Words,
            }
        }
        Primary::Decimal => {
            let mut regex = match format.parse_width {
                Some(w) => format!("[0-9]{{{w}}}"),
                None => "[0-9]+".into(),
            };
            if format.ordinal {
                regex.push_str("(?:th|st|nd|rd)");
            }
            Matcher {
                regex,
                read: Reader::Decimal(format.clone()),
            }
        }
        Primary::Sequence(token) => return Err(sequence_error(token)),
    })
}

impl Reader {
    fn read(&self, text: &str) -> f64 {
        match self {
            Reader::Letters(a) => from_letters(text, *a),
            Reader::Roman => from_roman(text),
            Reader::Words => words_to_number(text, &word_values()),
            Reader::Decimal(format) => {
                let mut digits: Vec<char> = text.chars().collect();
                if format.ordinal {
                    digits.truncate(digits.len().saturating_sub(2));
                }
                match &format.grouping {
                    Grouping::Regular(_, sep) => digits.retain(|c| c != sep),
                    Grouping::Irregular(seps) => digits.retain(|c| !seps.iter().any(|s| s.1 == *c)),
                }
                if format.zero != 0x30 {
                    for c in &mut digits {
                        let cp = *c as u32;
                        if (format.zero..=format.zero + 9).contains(&cp) {
                            *c = char::from_u32(cp - format.zero + 0x30).unwrap_or(*c);
                        }
                    }
                }
                let digits: String = digits.into_iter().collect();
                js_parse_int(&digits).unwrap_or(f64::NAN)
            }
        }
    }
}

/// `$parseInteger` on plain values; `None` when the text does not give a number.
fn parse_integer_str(text: &str, picture: &str) -> Result<Option<f64>, Error> {
    let format = analyse_integer_picture(picture)?;
    let n = integer_matcher(&format)?.read.read(text);
    Ok(n.is_finite().then_some(n))
}

// ----- date/time pictures (fn:format-dateTime) ---------------------------------------

const DAY: f64 = 86_400_000.0;
/// The largest distance from the epoch of a JavaScript `Date`.
const MAX_MILLIS: f64 = 8.64e15;

const DAYS: [&str; 8] = [
    "",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const ISO_PICTURE: &str = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";

#[derive(Debug)]
struct Marker {
    component: char,
    modifier: Option<char>,
    names: Option<Case>,
    width_max: Option<usize>,
    int: Option<IntFormat>,
    /// For the year: how many trailing digits to show (-1: all).
    year_digits: i32,
}

#[derive(Debug)]
enum Part {
    Literal(String),
    Marker(Marker),
}

fn default_presentation(c: char) -> Option<&'static str> {
    Some(match c {
        'Y' | 'M' | 'D' | 'd' | 'W' | 'w' | 'X' | 'x' | 'H' | 'h' | 'f' => "1",
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => return None,
    })
}

fn parse_width(w: Option<&str>) -> Option<usize> {
    match w {
        None | Some("*") => None,
        // Capped: a width can't sensibly exceed this, and it sizes an allocation.
        Some(w) => js_parse_int(w)
            .filter(|n| *n >= 0.0)
            .map(|n| n.min(1000.0) as usize),
    }
}

fn analyse_marker(marker: &str, previous: Option<&mut Part>) -> Result<Marker, Error> {
    let marker: String = marker.chars().filter(|c| !c.is_whitespace()).collect();
    let mut chars = marker.chars();
    let Some(component) = chars.next() else {
        return Err(unknown_component(""));
    };
    let rest = chars.as_str();
    let (pres, width) = match rest.rfind(',') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (width_min, width_max) = match width {
        None => (None, None),
        Some(w) => match w.split_once('-') {
            None => (parse_width(Some(w)), None),
            Some((min, max)) => (parse_width(Some(min)), parse_width(Some(max))),
        },
    };
    let (first, modifier): (String, Option<char>) = match pres.chars().count() {
        0 => (
            default_presentation(component)
                .ok_or_else(|| unknown_component(&component.to_string()))?
                .to_string(),
            None,
        ),
        1 => (pres.to_string(), None),
        _ => {
            let mut cs: Vec<char> = pres.chars().collect();
            match cs.last() {
                Some(&last) if "atco".contains(last) => {
                    cs.pop();
                    (cs.into_iter().collect(), Some(last))
                }
                _ => (pres.to_string(), None),
            }
        }
    };
    if default_presentation(component).is_none() {
        return Err(unknown_component(&component.to_string()));
    }
    let mut m = Marker {
        component,
        modifier,
        names: None,
        width_max,
        int: None,
        year_digits: -1,
    };
    let mut fc = first.chars();
    match fc.next() {
        Some('n') => m.names = Some(Case::Lower),
        Some('N') => {
            m.names = Some(if fc.next() == Some('n') {
                Case::Title
            } else {
                Case::Upper
            });
        }
        _ if "YMDdFWwXxHhmsf".contains(component) => {
            let pattern = match modifier {
                Some(c) => format!("{first};{c}"),
                None => first.clone(),
            };
            let mut int = analyse_integer_picture(&pattern)?;
            if let (Some(min), Primary::Decimal) = (width_min, &int.primary) {
                int.mandatory = int.mandatory.max(min);
            }
            if component == 'Y' {
                if let Some(max) = width_max {
                    m.year_digits = max as i32;
                    int.mandatory = max;
                } else {
                    let w = int.mandatory + int.optional;
                    if w >= 2 {
                        m.year_digits = w as i32;
                    }
                }
            }
            if let Some(Part::Marker(Marker {
                int: Some(prev), ..
            })) = previous
            {
                prev.parse_width = Some(prev.mandatory);
            }
            m.int = Some(int);
        }
        _ => {}
    }
    if component == 'Z' || component == 'z' {
        m.int = Some(analyse_integer_picture(&first)?);
    }
    Ok(m)
}

fn analyse_datetime_picture(picture: &str) -> Result<Vec<Part>, Error> {
    let mut parts: Vec<Part> = Vec::new();
    let mut literal = String::new();
    let mut rest = picture;
    while let Some(i) = rest.find(['[', ']']) {
        literal.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("[[") {
            literal.push('[');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("]]").or_else(|| tail.strip_prefix(']')) {
            literal.push(']');
            rest = after;
        } else {
            let Some(close) = tail.find(']') else {
                return Err(error("D3135"));
            };
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            let marker = analyse_marker(&tail[1..close], parts.last_mut())?;
            parts.push(Part::Marker(marker));
            rest = &tail[close + 1..];
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

/// Days since the epoch of a proleptic Gregorian date (`month` 1–12).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month 1–12, day) of a day number.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `Date.UTC(year, month0, day, hours, minutes, seconds, millis)`; `NaN` out of range.
fn date_utc(year: f64, month0: f64, day: f64, h: f64, mi: f64, s: f64, ms: f64) -> f64 {
    let all = [year, month0, day, h, mi, s, ms];
    if all.iter().any(|v| !v.is_finite()) || year.abs() > 1e6 || month0.abs() > 1e8 {
        return f64::NAN;
    }
    let mut y = year.trunc();
    if (0.0..=99.0).contains(&y) {
        y += 1900.0;
    }
    let m = month0.trunc();
    let ym = y + (m / 12.0).floor();
    let mn = m.rem_euclid(12.0);
    let days = days_from_civil(ym as i64, mn as i64 + 1, 1) as f64 + day.trunc() - 1.0;
    let time = h.trunc() * 3_600_000.0 + mi.trunc() * 60_000.0 + s.trunc() * 1000.0 + ms.trunc();
    let t = days * DAY + time;
    if t.abs() > MAX_MILLIS { f64::NAN } else { t }
}

/// The calendar fields of an instant (UTC).
struct Fields {
    millis: f64,
    year: i64,
    /// 0–11.
    month0: i64,
    day: i64,
    /// 0 = Sunday.
    weekday: i64,
    hours: i64,
    minutes: i64,
    seconds: i64,
    ms: i64,
}

impl Fields {
    fn new(millis: f64) -> Self {
        let millis = if millis.abs() <= MAX_MILLIS {
            millis
        } else {
            0.0
        };
        let days = (millis / DAY).floor();
        let tod = (millis - days * DAY) as i64;
        let days = days as i64;
        let (year, month, day) = civil_from_days(days);
        Fields {
            millis,
            year,
            month0: month - 1,
            day,
            weekday: (days + 4).rem_euclid(7),
            hours: tod / 3_600_000,
            minutes: tod / 60_000 % 60,
            seconds: tod / 1000 % 60,
            ms: tod % 1000,
        }
    }

    /// Midnight of this day.
    fn today(&self) -> f64 {
        days_from_civil(self.year, self.month0 + 1, self.day) as f64 * DAY
    }
}

/// The start (Monday, midnight) of week 1 of a month: the week with its first Thursday.
fn start_of_first_week(year: i64, month0: i64) -> f64 {
    let first = date_utc(year as f64, month0 as f64, 1.0, 0.0, 0.0, 0.0, 0.0);
    let mut dow = Fields::new(first).weekday;
    if dow == 0 {
        dow = 7;
    }
    if dow > 4 {
        first + (8 - dow) as f64 * DAY
    } else {
        first - (dow - 1) as f64 * DAY
    }
}

fn next_month(y: i64, m: i64) -> (i64, i64) {
    if m == 11 { (y + 1, 0) } else { (y, m + 1) }
}

fn previous_month(y: i64, m: i64) -> (i64, i64) {
    if m == 0 { (y - 1, 11) } else { (y, m - 1) }
}

fn delta_weeks(start: f64, end: f64) -> f64 {
    (end - start) / (DAY * 7.0) + 1.0
}

enum Fragment {
    Num(f64),
    Text(&'static str),
    Nothing,
}

/// Component `c` of an instant.
fn fragment(f: &Fields, c: char) -> Fragment {
    use Fragment::{Nothing, Num, Text};
    match c {
        'Y' => Num(f.year as f64),
        'M' => Num((f.month0 + 1) as f64),
        'D' => Num(f.day as f64),
        'd' => {
            let jan1 = date_utc(f.year as f64, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0);
            Num((f.today() - jan1) / DAY + 1.0)
        }
        'F' => Num(if f.weekday == 0 {
            7.0
        } else {
            f.weekday as f64
        }),
        'W' => {
            let start = start_of_first_week(f.year, 0);
            let today = f.today();
            let mut week = delta_weeks(start, today);
            if week > 52.0 {
                if today >= start_of_first_week(f.year + 1, 0) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                week = delta_weeks(start_of_first_week(f.year - 1, 0), today);
            }
            Num(week.floor())
        }
        'w' => {
            let start = start_of_first_week(f.year, f.month0);
            let today = f.today();
            let mut week = delta_weeks(start, today);
            if week > 4.0 {
                let (ny, nm) = next_month(f.year, f.month0);
                if today >= start_of_first_week(ny, nm) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                let (py, pm) = previous_month(f.year, f.month0);
                week = delta_weeks(start_of_first_week(py, pm), today);
            }
            Num(week.floor())
        }
        'X' => {
            let year = if f.millis < start_of_first_week(f.year, 0) {
                f.year - 1
            } else if f.millis >= start_of_first_week(f.year + 1, 0) {
                f.year + 1
            } else {
                f.year
            };
            Num(year as f64)
        }
        'x' => {
            let (ny, nm) = next_month(f.year, f.month0);
            let month0 = if f.millis < start_of_first_week(f.year, f.month0) {
                previous_month(f.year, f.month0).1
            } else if f.millis >= start_of_first_week(ny, nm) {
                nm
            } else {
                f.month0
            };
            Num((month0 + 1) as f64)
        }
        'H' => Num(f.hours as f64),
        'h' => Num(match f.hours % 12 {
            0 => 12.0,
            h => h as f64,
        }),
        'P' => Text(if f.hours >= 12 { "pm" } else { "am" }),
        'm' => Num(f.minutes as f64),
        's' => Num(f.seconds as f64),
        'f' => Num(f.ms as f64),
        'C' | 'E' => Text("ISO"),
        _ => Nothing,
    }
}

fn format_marker(
    f: &Fields,
    m: &Marker,
    offset_hours: i64,
    offset_minutes: i64,
) -> Result<String, Error> {
    let c = m.component;
    let value = fragment(f, c);
    if "YMDdFWwXxHhms".contains(c) {
        let Fragment::Num(mut n) = value else {
            return Ok(String::new());
        };
        if c == 'Y' && m.year_digits != -1 {
            n %= 10f64.powi(m.year_digits);
        }
        if let Some(case) = m.names {
            let name = match c {
                'M' | 'x' => MONTHS
                    .get((n as usize).wrapping_sub(1))
                    .copied()
                    .unwrap_or(""),
                'F' => DAYS.get(n as usize).copied().unwrap_or(""),
                _ => return Err(names_error(c)),
            };
            let mut name = match case {
                Case::Upper => name.to_uppercase(),
                Case::Lower => name.to_lowercase(),
                Case::Title => name.to_string(),
            };
            if let Some(max) = m.width_max {
                name = name.chars().take(max).collect();
            }
            return Ok(name);
        }
        return match &m.int {
            Some(int) => format_int(n, int),
            None => Err(names_error(c)),
        };
    }
    match (c, value) {
        ('f', Fragment::Num(n)) => match &m.int {
            Some(int) => format_int(n, int),
            None => Err(names_error(c)),
        },
        ('Z' | 'z', _) => {
            let Some(int) = &m.int else {
                return Err(error("D3134"));
            };
            let offset = offset_hours * 100 + offset_minutes;
            let mut s = if let Grouping::Regular(..) = int.grouping {
                format_int(offset as f64, int)?
            } else {
                match int.mandatory {
                    1 | 2 => {
                        let mut s = format_int(offset_hours as f64, int)?;
                        if offset_minutes != 0 {
                            s.push(':');
                            s.push_str(&format!("{:02}", offset_minutes.abs()));
                        }
                        s
                    }
                    3 | 4 => format_int(offset as f64, int)?,
                    _ => return Err(error("D3134")),
                }
            };
            if offset >= 0 {
                s.insert(0, '+');
            }
            if c == 'z' {
                s.insert_str(0, "GMT");
            }
            if offset == 0 && m.modifier == Some('t') {
                s = "Z".into();
            }
            Ok(s)
        }
        ('P', Fragment::Text(t)) => Ok(if m.names == Some(Case::Upper) {
            t.to_uppercase()
        } else {
            t.to_string()
        }),
        (_, Fragment::Text(t)) => Ok(t.to_string()),
        _ => Ok(String::new()),
    }
}

/// Formats an instant; `None` when it is out of JavaScript's range or the time zone is not
/// a number.
fn format_datetime(
    millis: f64,
    picture: Option<&str>,
    timezone: Option<&str>,
) -> Result<Option<String>, Error> {
    let (offset_hours, offset_minutes) = match timezone {
        None => (0, 0),
        Some(tz) => match js_parse_int(tz) {
            Some(n) if n.abs() < 10_000.0 => {
                let n = n as i64;
                (n / 100, n % 100)
            }
            _ => return Ok(None),
        },
    };
    let parts = analyse_datetime_picture(picture.unwrap_or(ISO_PICTURE))?;
    let shifted = millis.trunc() + ((offset_hours * 60 + offset_minutes) * 60_000) as f64;
    if !shifted.is_finite() || shifted.abs() > MAX_MILLIS {
        return Ok(None);
    }
    let fields = Fields::new(shifted);
    let mut out = String::new();
    for part in &parts {
        match part {
            Part::Literal(s) => out.push_str(s),
            Part::Marker(m) => {
                out.push_str(&format_marker(&fields, m, offset_hours, offset_minutes)?)
            }
        }
    }
    Ok(Some(out))
}

/// How a part of a date/time picture is read back.
enum DateReader {
    Int(Reader),
    Offset { gmt: bool, separator: Option<char> },
    Fraction,
    Names(Vec<(String, f64)>),
}

fn date_matcher(m: &Marker) -> Result<(String, DateReader), Error> {
    let c = m.component;
    if c == 'Z' || c == 'z' {
        let separator = match m.int.as_ref().map(|i| &i.grouping) {
            Some(Grouping::Regular(_, ch)) => Some(*ch),
            _ => None,
        };
        let mut regex = if c == 'z' {
            "GMT".to_string()
        } else {
            String::new()
        };
        regex.push_str("[-+][0-9]+");
        if let Some(sep) = separator {
            regex.push_str(&regex::escape(&sep.to_string()));
            regex.push_str("[0-9]+");
        }
        return Ok((
            regex,
            DateReader::Offset {
                gmt: c == 'z',
                separator,
            },
        ));
    }
    if c == 'f' {
        return Ok(("[0-9]+".into(), DateReader::Fraction));
    }
    if let Some(int) = &m.int {
        let matcher = integer_matcher(int)?;
        return Ok((matcher.regex, DateReader::Int(matcher.read)));
    }
    let shorten = |name: &str| match m.width_max {
        Some(max) if max > 0 => name.chars().take(max).collect(),
        _ => name.to_string(),
    };
    let names: Vec<(String, f64)> = match c {
        'M' | 'x' => MONTHS
            .iter()
            .enumerate()
            .map(|(i, n)| (shorten(n), (i + 1) as f64))
            .collect(),
        'F' => DAYS
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, n)| (shorten(n), i as f64))
            .collect(),
        'P' => vec![
            ("am".into(), 0.0),
            ("AM".into(), 0.0),
            ("pm".into(), 1.0),
            ("PM".into(), 1.0),
        ],
        _ => return Err(names_error(c)),
    };
    Ok(("[a-zA-Z]+".into(), DateReader::Names(names)))
}

impl DateReader {
    /// The value read; `None` is undefined (an unknown name), `Some(NaN)` a bad number.
    fn read(&self, text: &str) -> Option<f64> {
        match self {
            DateReader::Int(r) => Some(r.read(text)),
            DateReader::Fraction => {
                let digits: String = text.chars().take(3).collect();
                Some(
                    format!("0.{digits}")
                        .parse::<f64>()
                        .map_or(f64::NAN, |f| f * 1000.0),
                )
            }
            DateReader::Names(names) => names.iter().find(|(n, _)| n == text).map(|(_, v)| *v),
            DateReader::Offset { gmt, separator } => {
                let value = if *gmt {
                    text.get(3..).unwrap_or("")
                } else {
                    text
                };
                let sign = if value.starts_with('-') { -1.0 } else { 1.0 };
                let (hours, minutes) = match separator.and_then(|s| value.split_once(s)) {
                    Some((h, m)) => (js_parse_int(h), js_parse_int(m)),
                    None if value.len() <= 3 => (js_parse_int(value), Some(0.0)),
                    None => (
                        js_parse_int(value.get(..3).unwrap_or("")),
                        js_parse_int(value.get(3..).unwrap_or("")),
                    ),
                };
                match (hours, minutes) {
                    (Some(h), Some(m)) => Some(h * 60.0 + sign * m.abs()),
                    _ => Some(f64::NAN),
                }
            }
        }
    }
}

/// JavaScript truthiness of a parsed component.
fn truthy(v: Option<f64>) -> bool {
    v.is_some_and(|n| n != 0.0 && !n.is_nan())
}

/// Parses a timestamp with a picture; `None` when it does not match (or names no
/// component). `now` fills in the most significant components left out.
fn parse_datetime(text: &str, picture: &str, now: f64) -> Result<Option<f64>, Error> {
    let parts = analyse_datetime_picture(picture)?;
    let mut regex = String::from("(?i)^");
    let mut readers: Vec<Option<(char, DateReader)>> = Vec::new();
    for part in &parts {
        match part {
            Part::Literal(s) => {
                regex.push('(');
                regex.push_str(&regex::escape(s));
                regex.push(')');
                readers.push(None);
            }
            Part::Marker(m) => {
                let (r, reader) = date_matcher(m)?;
                regex.push('(');
                regex.push_str(&r);
                regex.push(')');
                readers.push(Some((m.component, reader)));
            }
        }
    }
    regex.push('$');
    let re = Regex::new(&regex).map_err(regex_error)?;
    let Some(caps) = re.captures(text) else {
        return Ok(None);
    };
    let mut comps: std::collections::HashMap<char, Option<f64>> = std::collections::HashMap::new();
    for (i, reader) in readers.iter().enumerate() {
        if let (Some((c, reader)), Some(m)) = (reader, caps.get(i + 1)) {
            comps.insert(*c, reader.read(m.as_str()));
        }
    }
    if comps.is_empty() {
        return Ok(None);
    }
    let get = |comps: &std::collections::HashMap<char, Option<f64>>, c: char| {
        comps.get(&c).copied().flatten()
    };
    let mask_of = |comps: &std::collections::HashMap<char, Option<f64>>, order: &str| {
        order
            .chars()
            .fold(0u32, |m, c| (m << 1) | u32::from(truthy(get(comps, c))))
    };
    let is_type = |ty: u32, mask: u32| (!ty & mask) == 0 && (ty & mask) != 0;
    // Date sets (bits YXMxWwdD): {Y,M,D}, {Y,d}, {X,x,w}, {X,W}; time sets (bits PHhmsf):
    // {H,m,s,f}, {P,h,m,s,f}.
    let date_mask = mask_of(&comps, "YXMxWwdD");
    let date_a = is_type(0b1010_0001, date_mask);
    let date_b = !date_a && is_type(0b1000_0010, date_mask);
    let date_c = is_type(0b0101_0100, date_mask);
    let date_d = !date_c && is_type(0b0100_1000, date_mask);
    let time_mask = mask_of(&comps, "PHhmsf");
    let time_a = is_type(0b01_0111, time_mask);
    let time_b = !time_a && is_type(0b10_1111, time_mask);

    let date_comps = if date_b {
        "YD"
    } else if date_c {
        "XxwF"
    } else if date_d {
        "XWF"
    } else {
        "YMD"
    };
    let time_comps = if time_b { "Phmsf" } else { "Hmsf" };
    let now_fields = Fields::new(now);
    let mut started = false;
    let mut ended = false;
    for c in date_comps.chars().chain(time_comps.chars()) {
        if get(&comps, c).is_none() {
            let v = if started {
                ended = true;
                if "MDd".contains(c) { 1.0 } else { 0.0 }
            } else {
                match fragment(&now_fields, c) {
                    Fragment::Num(n) => n,
                    // jsonata-js compares the defaulted am/pm text with 1: never afternoon.
                    _ => 0.0,
                }
            };
            comps.insert(c, Some(v));
        } else {
            started = true;
            if ended {
                return Err(error("D3136"));
            }
        }
    }
    let num = |comps: &std::collections::HashMap<char, Option<f64>>, c: char| {
        get(comps, c).unwrap_or(f64::NAN)
    };
    let mut month0 = match get(&comps, 'M') {
        Some(m) if m > 0.0 => m - 1.0,
        _ => 0.0,
    };
    let mut day = num(&comps, 'D');
    if date_b {
        let jan1 = date_utc(num(&comps, 'Y'), 0.0, 1.0, 0.0, 0.0, 0.0, 0.0);
        let derived = jan1 + (num(&comps, 'd') - 1.0) * DAY;
        if derived.abs() <= MAX_MILLIS {
            let f = Fields::new(derived);
            month0 = f.month0 as f64;
            day = f.day as f64;
        } else {
            return Ok(None);
        }
    }
    if date_c || date_d {
        return Err(error("D3136"));
    }
    let mut hours = num(&comps, 'H');
    if time_b {
        let h = num(&comps, 'h');
        hours = if h == 12.0 { 0.0 } else { h };
        if get(&comps, 'P') == Some(1.0) {
            hours += 12.0;
        }
    }
    let mut millis = date_utc(
        num(&comps, 'Y'),
        month0,
        day,
        hours,
        num(&comps, 'm'),
        num(&comps, 's'),
        num(&comps, 'f'),
    );
    let offset = [get(&comps, 'Z'), get(&comps, 'z')]
        .into_iter()
        .find(|v| truthy(*v))
        .flatten();
    if let Some(offset) = offset {
        millis -= offset * 60_000.0;
    }
    Ok(millis.is_finite().then_some(millis))
}

fn iso_error(text: &str) -> Error {
    Error::new(
        "D3110",
        format!(
            "The argument of the toMillis function must be an ISO 8601 formatted timestamp. \
             Given {}",
            quoted(text)
        ),
    )
}

/// Parses an ISO 8601 timestamp as `Date.parse` does (a time without a zone is UTC);
/// `Ok(None)` for a well-formed but impossible date.
fn parse_iso(text: &str) -> Result<Option<f64>, Error> {
    let re = Regex::new(
        r"^([0-9]{4})(-[01][0-9])?(-[0-3][0-9])?(T([0-2][0-9]):([0-5][0-9]):([0-5][0-9]))?(\.[0-9]+)?(([+-])([0-2][0-9]):?([0-5][0-9])|Z)?$",
    )
    .map_err(regex_error)?;
    let Some(caps) = re.captures(text) else {
        return Err(iso_error(text));
    };
    let int = |i: usize, skip: usize| -> Option<i64> {
        caps.get(i)
            .and_then(|m| m.as_str().get(skip..))
            .and_then(|s| s.parse().ok())
    };
    let year = int(1, 0).unwrap_or(0);
    let month = int(2, 1);
    let day = int(3, 1);
    let has_time = caps.get(4).is_some();
    let fraction = caps.get(8).map(|m| m.as_str());
    let zone = caps.get(9).map(|m| m.as_str());
    if (day.is_some() && month.is_none())
        || (fraction.is_some() && !has_time)
        || (!has_time && zone.is_some_and(|z| z != "Z"))
    {
        return Ok(None);
    }
    let month = month.unwrap_or(1);
    let day = day.unwrap_or(1);
    let (h, mi, s) = (
        int(5, 0).unwrap_or(0),
        int(6, 0).unwrap_or(0),
        int(7, 0).unwrap_or(0),
    );
    let ms: i64 = fraction
        .map(|f| {
            let digits: String = f[1..].chars().chain("000".chars()).take(3).collect();
            digits.parse().unwrap_or(0)
        })
        .unwrap_or(0);
    let frac_zero = fraction.is_none_or(|f| f[1..].chars().all(|c| c == '0'));
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || h > 24
        || (h == 24 && (mi != 0 || s != 0 || !frac_zero))
    {
        return Ok(None);
    }
    let mut offset = 0;
    if caps.get(10).is_some() {
        let oh = int(11, 0).unwrap_or(0);
        let om = int(12, 0).unwrap_or(0);
        if oh > 23 {
            return Ok(None);
        }
        offset = (oh * 60 + om)
            * if caps.get(10).map(|m| m.as_str()) == Some("-") {
                -1
            } else {
                1
            };
    }
    let days = days_from_civil(year, month, 1) + day - 1;
    let millis = days * 86_400_000 + ((h * 60 + mi - offset) * 60 + s) * 1000 + ms;
    Ok((millis.abs() as f64 <= MAX_MILLIS).then_some(millis as f64))
}

// ----- fn:format-number --------------------------------------------------------------

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
fn format_number_str(
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

#[cfg(test)]
mod tests {
    //! Cases from the JSONata test suite (groups `function-formatNumber`,
    //! `function-formatInteger`, `function-parseInteger`, `function-fromMillis`,
    //! `function-tomillis`) and more, as jsonata-js 2.0 answers them, at the level of
    //! the calls jsonata-js makes to its formatting functions.

    use super::*;

    #[derive(Debug)]
    enum Want {
        S(&'static str),
        N(f64),
        U,
        E(&'static str),
    }
    use Want::{E, N, S, U};

    /// The time the parsing cases take as "now": 2023-11-14T22:13:20.123Z.
    const NOW: f64 = 1_700_000_000_123.0;

    fn check_str(got: Result<Option<String>, Error>, want: &Want) -> Result<(), String> {
        match (got, want) {
            (Ok(Some(s)), S(w)) if s == *w => Ok(()),
            (Ok(None), U) => Ok(()),
            (Err(e), E(code)) if e.code == *code => Ok(()),
            (got, want) => Err(format!("got {got:?}, want {want:?}")),
        }
    }

    fn check_num(got: Result<Option<f64>, Error>, want: &Want) -> Result<(), String> {
        match (got, want) {
            (Ok(Some(n)), N(w)) if n == *w => Ok(()),
            (Ok(None), U) => Ok(()),
            (Err(e), E(code)) if e.code == *code => Ok(()),
            (got, want) => Err(format!("got {got:?}, want {want:?}")),
        }
    }

    fn report(failures: Vec<String>) {
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[allow(clippy::type_complexity)]
    const NUMBER: &[(f64, &str, &[(&str, &str)], Want)] = &[
        (12345.6, "#,###.00", &[], S("12,345.60")),
        (12345678.9, "9,999.99", &[], S("12,345,678.90")),
        (123412345678.9, "9,9,99.99", &[], S("123412345,6,78.90")),
        (1234.56789, "9,999.999,999", &[], S("1,234.567,890")),
        (123.9, "9999", &[], S("0124")),
        (0.14, "01%", &[], S("14%")),
        (0.4857, "###.###\u{2030}", &[], S("485.7\u{2030}")),
        (0.14, "###pm", &[("per-mille", "pm")], S("140pm")),
        (-6.0, "000", &[], S("-006")),
        (1234.5678, "00.000e0", &[], S("12.346e2")),
        (1234.5678, "00.000e000", &[], S("12.346e002")),
        (
            1234.5678,
            "\u{2460}\u{2460}.\u{2460}\u{2460}\u{2460}e\u{2460}",
            &[("zero-digit", "\u{245f}")],
            S("\u{2460}\u{2461}.\u{2462}\u{2463}\u{2465}e\u{2461}"),
        ),
        (0.234, "0.0e0", &[], S("2.3e-1")),
        (0.234, "#.00e0", &[], S("0.23e0")),
        (0.123, "#.e9", &[], S("0.1e0")),
        (0.234, ".00e0", &[], S(".23e0")),
        (
            -87504.4812,
            "000,000.000###;###,###.000###",
            &[],
            S("87,504.4812"),
        ),
        (
            185.2812,
            "PREFIX##00.000###SUFFIX",
            &[],
            S("PREFIX185.2812SUFFIX"),
        ),
        (
            100000000000000000000.0,
            "#,######",
            &[],
            S("100,000000,000000,000000"),
        ),
        (20.0, "#;#;#", &[], E("D3080")),
        (20.0, "#.0.0", &[], E("D3081")),
        (20.0, "#0%%", &[], E("D3082")),
        (20.0, "#0\u{2030}\u{2030}", &[], E("D3083")),
        (20.0, "#0%\u{2030}", &[], E("D3084")),
        (20.0, ".e0", &[], E("D3085")),
        (20.0, "0+.e0", &[], E("D3086")),
        (20.0, "0,.e0", &[], E("D3087")),
        (20.0, "0,", &[], E("D3088")),
        (20.0, "0,,0", &[], E("D3089")),
        (20.0, "0#.e0", &[], E("D3090")),
        (20.0, "#0.#0e0", &[], E("D3091")),
        (20.0, "#0.0e0%", &[], E("D3092")),
        (20.0, "#0.0e0,0", &[], E("D3093")),
        (2.0, "000.000", &[], S("002.000")),
        (2.0, "AAA.AAA", &[("zero-digit", "A")], S("AAC.AAA")),
        (0.1, "AeAAA", &[("zero-digit", "A")], S("Be-AAB")),
        (0.0, "0e0", &[], S("0e0")),
        (-42.0, "0e0", &[], S("-4e1")),
        (42.0, "0e0", &[], S("4e1")),
        (0.0, "0.00e0", &[], S("0.00e0")),
        (42.0, "%%", &[], E("D3086")),
        (42.0, "\u{2030}\u{2030}", &[], E("D3086")),
        (42.0, "%\u{2030}", &[], E("D3086")),
        (42.0, "---", &[], E("D3086")),
        (1234.5, "#,##0.00", &[], S("1,234.50")),
        (-1234.5, "#,##0.00;(#,##0.00)", &[], S("(1,234.50)")),
        (12345678.9, "#,##,##0.0", &[], S("123,45,678.9")),
        (0.000123, "0.00e00", &[], S("1.23e-04")),
        (123456789.0, "0.0##e0", &[], S("1.235e8")),
        (0.0, "#", &[], S("0")),
        (0.0, "#.#", &[], S(".0")),
        (-5.0, "#;#", &[], S("5")),
        (-0.0001, "0.00", &[], S("-0.00")),
        (0.5, "0", &[], S("0")),
        (1.5, "0", &[], S("2")),
        (2.5, "0", &[], S("2")),
        (1.005, "0.00", &[], S("1.00")),
        (
            1234.5,
            "#.##0,00",
            &[("decimal-separator", ","), ("grouping-separator", ".")],
            S("1.234,50"),
        ),
        (
            1234.5,
            "#,##0.00",
            &[("decimal-separator", ","), ("grouping-separator", ".")],
            E("D3091"),
        ),
        (0.256, "#0.0%", &[], S("25.6%")),
        (-0.256, "#0.0%", &[], S("-25.6%")),
        (3.14158, "0.###", &[], S("3.142")),
        (3.1, "0.###", &[], S("3.1")),
        (1000000.0, "#,###", &[], S("1,000,000")),
        (1000000.0, "#,###.##", &[], S("1,000,000.0")),
        (99.999, "#.00", &[], S("100.00")),
        (-99.999, "#.00", &[], S("-100.00")),
        (123.0, "$#,##0.00", &[], S("$123.00")),
        (-123.0, "$#,##0.00", &[], S("-$123.00")),
        (123.456, "0000.0000", &[], S("0123.4560")),
        (5.0, "00", &[], S("05")),
        (1e-7, "0.000000000", &[], S("0.000000100")),
        (12.5, "#", &[], S("12")),
        (13.5, "#", &[], S("14")),
        (-12.5, "#", &[], S("-12")),
        (
            1234567.891,
            "#,##0.00",
            &[("grouping-separator", " ")],
            E("D3086"),
        ),
        (
            1234567.891,
            "# ##0,00",
            &[("grouping-separator", " "), ("decimal-separator", ",")],
            S("1 234 567,89"),
        ),
        (0.5, "0.0e0", &[], S("5.0e-1")),
        (-0.000012345, "#.00e0", &[], S("-0.12e-4")),
        (98765.0, "#.0e0", &[], S("1.0e5")),
        (42.0, "###", &[], S("42")),
        (42.0, "0,000", &[], S("0,042")),
        (1234.5, "#,##0.0##;-#,##0.0##", &[], S("1,234.5")),
        (0.1, "#%", &[], S("10%")),
        (12.34, "#0.0###,###", &[], S("12.34,")),
        (123456.789, "#,##0.###,###", &[], S("123,456.789,")),
        (1.5, "0.0", &[("minus-sign", "~")], S("1.5")),
        (-1.5, "0.0", &[("minus-sign", "~")], S("~1.5")),
        (
            -1234.5678,
            "0.00e0",
            &[("minus-sign", "~"), ("exponent-separator", "E")],
            E("D3086"),
        ),
        (
            1234.5678,
            "0.00E0",
            &[("exponent-separator", "E")],
            S("1.23E3"),
        ),
        (7.0, "0;0;0", &[], E("D3080")),
        (7.0, "0 0", &[], E("D3086")),
        (7.0, "#,##0.00%%", &[], E("D3082")),
        (1.0, "0", &[("decimal-separator", "5")], S("1")),
        (12.0, "#0", &[("pattern-separator", "|")], S("12")),
        (-12.0, "#0|(#0)", &[("pattern-separator", "|")], S("(12)")),
    ];

    #[test]
    fn format_number_cases() {
        let mut failures = Vec::new();
        for (value, picture, options, want) in NUMBER {
            let options: Vec<(String, String)> = options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let got = format_number_str(*value, picture, &options).map(Some);
            if let Err(e) = check_str(got, want) {
                failures.push(format!(
                    "$formatNumber({value}, {picture:?}, {options:?}): {e}"
                ));
            }
        }
        report(failures);
    }

    const INTEGER: &[(f64, &str, Want)] = &[
        (123.0, "000", S("123")),
        (123.0, "0000", S("0123")),
        (-3.0, "0000", S("-0003")),
        (1234.0, "0;c", S("1234")),
        (1234.0, "###0", S("1234")),
        (12.0, "###0", S("12")),
        (12.6, "###0", S("12")),
        (123.0, "000;o", S("123rd")),
        (1.0, "0;o", S("1st")),
        (28.0, "#0;o", S("28th")),
        (1234.0, "###0;o", S("1234th")),
        (12.0, "###0;o", S("12th")),
        (
            12340.0,
            "###\u{661}",
            S("\u{661}\u{662}\u{663}\u{664}\u{660}"),
        ),
        (
            12340.0,
            "###\u{ff10}",
            S("\u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff10}"),
        ),
        (12340.0, "##0\u{ff10}", E("D3131")),
        (12.0, "#,##0", S("12")),
        (1200.0, "#,##0", S("1,200")),
        (120000.0, "#,##0", S("120,000")),
        (12345678.0, "#,##0", S("12,345,678")),
        (1234567890.0, "#,##0", S("1,234,567,890")),
        (1234567890.0, "#,###,##0", S("1,234,567,890")),
        (1234567890.0, "#:###,##0", S("1234:567,890")),
        (1234567890.0, "##,##,##0", S("12345,67,890")),
        (0.0, "I", S("")),
        (1984.0, "I", S("MCMLXXXIV")),
        (99.0, "i", S("xcix")),
        (12.0, "w", S("twelve")),
        (20.0, "w", S("twenty")),
        (34.0, "w", S("thirty-four")),
        (99.0, "W", S("NINETY-NINE")),
        (100.0, "w", S("one hundred")),
        (555.0, "W", S("FIVE HUNDRED AND FIFTY-FIVE")),
        (555.0, "Ww", S("Five Hundred and Fifty-Five")),
        (919.0, "w", S("nine hundred and nineteen")),
        (730.0, "w", S("seven hundred and thirty")),
        (1000.0, "w", S("one thousand")),
        (3730.0, "w", S("three thousand, seven hundred and thirty")),
        (
            327730.0,
            "w",
            S("three hundred and twenty-seven thousand, seven hundred and thirty"),
        ),
        (
            4327730.0,
            "w",
            S("four million, three hundred and twenty-seven thousand, seven hundred and thirty"),
        ),
        (1000000000001.0, "w", S("one trillion and one")),
        (
            1234567890123.0,
            "w",
            S(
                "one trillion, two hundred and thirty-four billion, five hundred and sixty-seven million, eight hundred and ninety thousand, one hundred and twenty-three",
            ),
        ),
        (1000000000000000.0, "w", S("one thousand trillion")),
        (1e46, "w", S("ten billion trillion trillion trillion")),
        (
            1234567890123456.0,
            "w",
            S(
                "one thousand, two hundred and thirty-four trillion, five hundred and sixty-seven billion, eight hundred and ninety million, one hundred and twenty-three thousand, four hundred and fifty-six",
            ),
        ),
        (12.0, "w;o", S("twelfth")),
        (20.0, "w;o", S("twentieth")),
        (34.0, "w;o", S("thirty-fourth")),
        (99.0, "W;o", S("NINETY-NINTH")),
        (100.0, "w;o", S("one hundredth")),
        (555.0, "W;o", S("FIVE HUNDRED AND FIFTY-FIFTH")),
        (919.0, "w;o", S("nine hundred and nineteenth")),
        (730.0, "w;o", S("seven hundred and thirtieth")),
        (1000.0, "w;o", S("one thousandth")),
        (
            3731.0,
            "w;o",
            S("three thousand, seven hundred and thirty-first"),
        ),
        (
            327713.0,
            "w;o",
            S("three hundred and twenty-seven thousand, seven hundred and thirteenth"),
        ),
        (
            4327732.0,
            "w;o",
            S(
                "four million, three hundred and twenty-seven thousand, seven hundred and thirty-second",
            ),
        ),
        (1000000000001.0, "w;o", S("one trillion and first")),
        (1.0, "A", S("A")),
        (12.0, "a", S("l")),
        (26.0, "a", S("z")),
        (27.0, "a", S("aa")),
        (300.0, "A", S("KN")),
        (123456.0, "A", S("FZPH")),
        (123456.0, "\u{3b1}", E("D3130")),
        (0.0, "0", S("0")),
        (-0.5, "0", S("-1")),
        (1e21, "0", S("1e+21")),
        (1e21, "w", S("one billion trillion")),
        (11.0, "0;o", S("11th")),
        (12.0, "0;o", S("12th")),
        (13.0, "0;o", S("13th")),
        (21.0, "0;o", S("21st")),
        (102.0, "0;o", S("102nd")),
        (111.0, "0;o", S("111th")),
        (-21.0, "0;o", S("-21st")),
        (3999.0, "I", S("MMMCMXCIX")),
        (4.0, "i", S("iv")),
        (-4.0, "i", S("-iv")),
        (0.0, "w", S("zero")),
        (0.0, "w;o", S("zeroth")),
        (40.0, "w;o", S("fortieth")),
        (1001.0, "Ww", S("One Thousand and One")),
        (1000000.0, "w;o", S("one millionth")),
        (2000000000.0, "W", S("TWO BILLION")),
        (702.0, "A", S("ZZ")),
        (703.0, "a", S("aaa")),
        (0.0, "a", S("")),
        (1234567.0, "0,000", S("1,234,567")),
        (1234567.0, "#.##0", S("1.234.567")),
        (1234567.0, "# ##0", S("1 234 567")),
        (5.0, "00;c", S("05")),
        // jsonata-js puts separators before the first digit: ",12,345".
        (12345.0, "#,##,##0", S("12,345")),
        (-1234567.0, "#,##0", S("-1,234,567")),
        (12.0, "\u{661}\u{660}", S("\u{661}\u{662}")),
        (12.0, "b", E("D3130")),
        (12.0, "0;t", S("12")),
    ];

    #[test]
    fn format_integer_cases() {
        let mut failures = Vec::new();
        for (value, picture, want) in INTEGER {
            if let Err(e) = check_str(format_integer_str(*value, picture).map(Some), want) {
                failures.push(format!("$formatInteger({value}, {picture:?}): {e}"));
            }
        }
        report(failures);
    }

    const PARSE_INTEGER: &[(&str, &str, Want)] = &[
        ("123", "000", N(123.0)),
        ("0123", "0000", N(123.0)),
        ("1234", "0", N(1234.0)),
        ("1234", "###0", N(1234.0)),
        ("12", "###0", N(12.0)),
        ("123rd", "000;o", N(123.0)),
        ("1st", "0;o", N(1.0)),
        ("28th", "#0;o", N(28.0)),
        ("1234th", "###0;o", N(1234.0)),
        ("12th", "###0;o", N(12.0)),
        (
            "\u{661}\u{662}\u{663}\u{664}\u{660}",
            "###\u{661}",
            N(12340.0),
        ),
        (
            "\u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff10}",
            "###\u{ff10}",
            N(12340.0),
        ),
        ("12", "#,##0", N(12.0)),
        ("1,200", "#,##0", N(1200.0)),
        ("12,345,678", "#,##0", N(12345678.0)),
        ("1,234,567,890", "#,##0", N(1234567890.0)),
        ("1,234,567,890", "#,###,##0", N(1234567890.0)),
        ("1234:567,890", "#:###,##0", N(1234567890.0)),
        ("12345,67,890", "##,##,##0", N(1234567890.0)),
        ("", "I", N(0.0)),
        ("MCMLXXXIV", "I", N(1984.0)),
        ("xcix", "i", N(99.0)),
        ("twelve", "w", N(12.0)),
        ("twenty", "w", N(20.0)),
        ("thirty-four", "w", N(34.0)),
        ("NINETY-NINE", "W", N(99.0)),
        ("one hundred", "w", N(100.0)),
        ("FIVE HUNDRED AND FIFTY-FIVE", "W", N(555.0)),
        ("Five Hundred and Fifty-Five", "Ww", N(555.0)),
        ("nine hundred and nineteen", "w", N(919.0)),
        ("seven hundred and thirty", "w", N(730.0)),
        ("one thousand", "w", N(1000.0)),
        ("three thousand, seven hundred and thirty", "w", N(3730.0)),
        (
            "three hundred and twenty-seven thousand, seven hundred and thirty",
            "w",
            N(327730.0),
        ),
        (
            "four million, three hundred and twenty-seven thousand, seven hundred and thirty",
            "w",
            N(4327730.0),
        ),
        ("one trillion and one", "w", N(1000000000001.0)),
        (
            "one trillion, two hundred and thirty-four billion, five hundred and sixty-seven million, eight hundred and ninety thousand, one hundred and twenty-three",
            "w",
            N(1234567890123.0),
        ),
        ("one thousand trillion", "w", N(1000000000000000.0)),
        ("ten billion trillion trillion trillion", "w", N(1e46)),
        ("twelfth", "w;o", N(12.0)),
        ("twentieth", "w;o", N(20.0)),
        ("thirty-fourth", "w;o", N(34.0)),
        ("NINETY-NINTH", "W;o", N(99.0)),
        ("one hundredth", "w;o", N(100.0)),
        ("FIVE HUNDRED AND FIFTY-FIFTH", "W;o", N(555.0)),
        ("nine hundred and nineteenth", "w;o", N(919.0)),
        ("seven hundred and thirtieth", "w;o", N(730.0)),
        ("Seven Hundred and Thirty-Third", "Ww;o", N(733.0)),
        ("one thousandth", "w;o", N(1000.0)),
        (
            "three thousand, seven hundred and thirty-first",
            "w;o",
            N(3731.0),
        ),
        (
            "three hundred and twenty-seven thousand, seven hundred and thirteenth",
            "w;o",
            N(327713.0),
        ),
        (
            "four million, three hundred and twenty-seven thousand, seven hundred and thirty-second",
            "w;o",
            N(4327732.0),
        ),
        ("one trillion and first", "w;o", N(1000000000001.0)),
        ("A", "A", N(1.0)),
        ("l", "a", N(12.0)),
        ("z", "a", N(26.0)),
        ("aa", "a", N(27.0)),
        ("KN", "A", N(300.0)),
        ("FZPH", "A", N(123456.0)),
        ("50", "#", E("D3130")),
        // jsonata-js strips only "," as a regular separator (and gives 1).
        ("1.234.567", "#.##0", N(1234567.0)),
        ("twenty one", "w", N(21.0)),
        ("foo", "w", U),
        ("abc", "0", U),
        ("xiv", "i", N(14.0)),
        ("XIV", "I", N(14.0)),
        ("zz", "a", N(702.0)),
        ("1st", "#;o", E("D3130")),
        ("\u{661}\u{662}", "\u{660}", N(12.0)),
        ("hundred", "w", N(0.0)),
        ("-12", "0", N(-12.0)),
    ];

    #[test]
    fn parse_integer_cases() {
        let mut failures = Vec::new();
        for (text, picture, want) in PARSE_INTEGER {
            if let Err(e) = check_num(parse_integer_str(text, picture), want) {
                failures.push(format!("$parseInteger({text:?}, {picture:?}): {e}"));
            }
        }
        report(failures);
    }

    const FROM_MILLIS: &[(f64, Option<&str>, Option<&str>, Want)] = &[
        (1.0, None, None, S("1970-01-01T00:00:00.001Z")),
        (1509380732935.0, None, None, S("2017-10-30T16:25:32.935Z")),
        (1521801216617.0, Some("Hello"), None, S("Hello")),
        (
            1521801216617.0,
            Some("Year: [Y0001]"),
            None,
            S("Year: 2018"),
        ),
        (
            1521801216617.0,
            Some("Year: <[Y0001]>"),
            None,
            S("Year: <2018>"),
        ),
        (
            1521801216617.0,
            Some("Year: <[Y9,999,*]>"),
            None,
            S("Year: <2,018>"),
        ),
        (
            1521801216617.0,
            Some("[[Year: <[Y0001]>"),
            None,
            S("[Year: <2018>"),
        ),
        (
            1521801216617.0,
            Some("Year]]: <[Y0001]>"),
            None,
            S("Year]: <2018>"),
        ),
        (
            1521801216617.0,
            Some("[[Year]]: [[[Y0001]]]"),
            None,
            S("[Year]: [2018]"),
        ),
        (
            1521801216617.0,
            Some("[D#1]/[M#1]/[Y0001]"),
            None,
            S("23/3/2018"),
        ),
        (1522616700000.0, Some("[F0] [FNn]"), None, S("7 Sunday")),
        (1522703100000.0, Some("[F0] [FNn]"), None, S("1 Monday")),
        (
            1521801216617.0,
            Some("[Y0001]-[M01]-[D01]"),
            None,
            S("2018-03-23"),
        ),
        (
            1521801216617.0,
            Some("[M01]/[D01]/[Y0001] at [H01]:[m01]:[s01]"),
            None,
            S("03/23/2018 at 10:33:36"),
        ),
        (
            1521801216617.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z01:01t]"),
            None,
            S("2018-03-23T10:33:36.617Z"),
        ),
        (
            1521801216617.0,
            Some("[Y]-[ M01]-[D 01]T[H01 ]:[ m   ]:[s].[f0  01][Z01:\u{a} 01t]"),
            None,
            S("2018-03-23T10:33:36.617Z"),
        ),
        (
            1521801216617.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]"),
            Some("+0100"),
            S("2018-03-23T11:33:36.617+0100"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01]"),
            None,
            S("2018-07-11T12:00:00+00:00"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01t]"),
            None,
            S("2018-07-11T12:00:00Z"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]"),
            Some("-0500"),
            S("2018-07-11T07:00:00-05:00"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]"),
            Some("-0500"),
            S("2018-07-11T07:00:00-5"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]"),
            Some("+1000"),
            S("2018-07-11T22:00:00+10:00"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]"),
            Some("+1000"),
            S("2018-07-11T22:00:00+10"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]"),
            Some("+0530"),
            S("2018-07-11T17:30:00+5:30"),
        ),
        (
            1531310400000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s][z]"),
            Some("-0500"),
            S("2018-07-11T07:00:00GMT-05:00"),
        ),
        (
            1204405500000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]"),
            Some("+0530"),
            S("2008-03-02T02:35:00.000+0530"),
        ),
        (
            1230757500000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]"),
            Some("+0530"),
            S("2009-01-01T02:35:00.000+0530"),
        ),
        (
            1230757500000.0,
            Some("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z010101t]"),
            Some("+0530"),
            E("D3134"),
        ),
        (
            1521801216617.0,
            Some("[D#1,2]/[M1,2]/[Y,2]"),
            None,
            S("23/03/18"),
        ),
        (
            1521801216617.0,
            Some("[D#1,2]/[M1,2]/[Y0001,2]"),
            None,
            S("23/03/2018"),
        ),
        (
            1521801216617.0,
            Some("[D#1,2]/[M1,2]/[Y##01,2-2]"),
            None,
            S("23/03/18"),
        ),
        (
            1521801216617.0,
            Some("[D#1,2]/[M1,2]/[Y0001,2-2]"),
            None,
            S("23/03/18"),
        ),
        (
            1521801216617.0,
            Some("[D1] [M01] [YI]"),
            None,
            S("23 03 MMXVIII"),
        ),
        (
            1521801216617.0,
            Some("[Da] [MA] [Yi]"),
            None,
            S("w C mmxviii"),
        ),
        (
            1521801216617.0,
            Some("[D1o] [M01] [Y]"),
            None,
            S("23rd 03 2018"),
        ),
        (
            1521801216617.0,
            Some("[Yw]"),
            None,
            S("two thousand and eighteen"),
        ),
        (
            1521801216617.0,
            Some("[Dwo] [M01] [Y]"),
            None,
            S("twenty-third 03 2018"),
        ),
        (
            1521801216617.0,
            Some("[D1o] [MNn] [Y]"),
            None,
            S("23rd March 2018"),
        ),
        (
            1521801216617.0,
            Some("[D1o] [MN] [Y]"),
            None,
            S("23rd MARCH 2018"),
        ),
        (
            1521801216617.0,
            Some("[FNn], [D1o] [MNn] [Y]"),
            None,
            S("Friday, 23rd March 2018"),
        ),
        (
            1521801216617.0,
            Some("[FNn], the [Dwo] of [MNn] [Y] [E]"),
            None,
            S("Friday, the twenty-third of March 2018 ISO"),
        ),
        (
            1521801216617.0,
            Some("[FNn,3-3], [D1o] [MNn,3-3] [Y] [C]"),
            None,
            S("Fri, 23rd Mar 2018 ISO"),
        ),
        (
            1521801216617.0,
            Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [P]"),
            None,
            S("friday, 23/3/2018 10:33:36 am"),
        ),
        (
            1204405500000.0,
            Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [P]"),
            None,
            S("saturday, 1/3/2008 9:05:00 pm"),
        ),
        (
            1199664000000.0,
            Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [P]"),
            None,
            S("monday, 7/1/2008 12:00:00 am"),
        ),
        (
            1514808000000.0,
            Some("[dwo] day of the year"),
            None,
            S("first day of the year"),
        ),
        (
            1546257600000.0,
            Some("[d] days in [Y0001]"),
            None,
            S("365 days in 2018"),
        ),
        (
            1483185600000.0,
            Some("[d] days in [Y0001]"),
            None,
            S("366 days in 2016"),
        ),
        (1514808000000.0, Some("Week: [W]"), None, S("Week: 1")),
        (1515326400000.0, Some("Week: [W]"), None, S("Week: 1")),
        (1545739200000.0, Some("Week: [W]"), None, S("Week: 52")),
        (1388577600000.0, Some("Week: [W]"), None, S("Week: 1")),
        (1419854400000.0, Some("Week: [W]"), None, S("Week: 1")),
        (1419768000000.0, Some("Week: [W]"), None, S("Week: 52")),
        (1419336000000.0, Some("Week: [W]"), None, S("Week: 52")),
        (1420113600000.0, Some("Week: [W]"), None, S("Week: 1")),
        (1420459200000.0, Some("Week: [W]"), None, S("Week: 2")),
        (1451304000000.0, Some("Week: [W]"), None, S("Week: 53")),
        (1451563200000.0, Some("Week: [W]"), None, S("Week: 53")),
        (1451736000000.0, Some("Week: [W]"), None, S("Week: 53")),
        (
            1359460800000.0,
            Some("Week: [w] of [xNn]"),
            None,
            S("Week: 5 of January"),
        ),
        (
            1359633600000.0,
            Some("Week: [w] of [xNn]"),
            None,
            S("Week: 5 of January"),
        ),
        (
            1359720000000.0,
            Some("Week: [w] of [xNn]"),
            None,
            S("Week: 5 of January"),
        ),
        (
            1514808000000.0,
            Some("Week: [w] of [xNn]"),
            None,
            S("Week: 1 of January"),
        ),
        (
            1483272000000.0,
            Some("Week: [w] of [xNn]"),
            None,
            S("Week: 5 of December"),
        ),
        (
            1533038400000.0,
            Some("Week: [w] of [xNn]"),
            None,
            S("Week: 1 of August"),
        ),
        (
            1419940800000.0,
            Some("Week: [w] of [xNn]"),
            None,
            S("Week: 1 of January"),
        ),
        (1540127100000.0, None, None, S("2018-10-21T13:05:00.000Z")),
        (
            1540127100000.0,
            None,
            Some("-0500"),
            S("2018-10-21T08:05:00.000-05:00"),
        ),
        (
            1540127100000.0,
            None,
            Some("0000"),
            S("2018-10-21T13:05:00.000Z"),
        ),
        (
            1521801216617.0,
            Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [PN]"),
            None,
            S("friday, 23/3/2018 10:33:36 AM"),
        ),
        (
            1521801216617.0,
            Some("[F], [D]/[M]/[Y] [h]:[m]:[s] [Pn]"),
            None,
            S("friday, 23/3/2018 10:33:36 am"),
        ),
        (1419940800000.0, Some("[YN]-[M]-[D]"), None, E("D3133")),
        (1419940800000.0, Some("[YN]-[M"), None, E("D3135")),
        (
            1104537600000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2004-W53-6"),
        ),
        (
            1104624000000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2004-W53-7"),
        ),
        (
            1135987200000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2005-W52-6"),
        ),
        (
            1136073600000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2005-W52-7"),
        ),
        (
            1136160000000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2006-W01-1"),
        ),
        (
            1167523200000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2006-W52-7"),
        ),
        (
            1167609600000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2007-W01-1"),
        ),
        (
            1198972800000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2007-W52-7"),
        ),
        (
            1199059200000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2008-W01-1"),
        ),
        (
            1199145600000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2008-W01-2"),
        ),
        (
            1230422400000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2008-W52-7"),
        ),
        (
            1230508800000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W01-1"),
        ),
        (
            1230595200000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W01-2"),
        ),
        (
            1230681600000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W01-3"),
        ),
        (
            1230768000000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W01-4"),
        ),
        (
            1262217600000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W53-4"),
        ),
        (
            1262304000000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W53-5"),
        ),
        (
            1262390400000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W53-6"),
        ),
        (
            1262476800000.0,
            Some("[X0001]-W[W01]-[F1]"),
            None,
            S("2009-W53-7"),
        ),
        (1699969500000.0, None, None, S("2023-11-14T13:45:00.000Z")),
        (1700000000123.0, None, None, S("2023-11-14T22:13:20.123Z")),
        (1542153600000.0, None, None, S("2018-11-14T00:00:00.000Z")),
        (1541980800000.0, None, None, S("2018-11-12T00:00:00.000Z")),
        (1530230400000.0, None, None, S("2018-06-29T00:00:00.000Z")),
        (1546214400000.0, None, None, S("2018-12-31T00:00:00.000Z")),
        (1599631200000.0, None, None, S("2020-09-09T06:00:00.000Z")),
        (1599656400000.0, None, None, S("2020-09-09T13:00:00.000Z")),
        (1599633000000.0, None, None, S("2020-09-09T06:30:00.000Z")),
        (1599670800000.0, None, None, S("2020-09-09T17:00:00.000Z")),
        (1775675104019.0, None, None, S("2026-04-08T19:05:04.019Z")),
        (0.0, None, None, S("1970-01-01T00:00:00.000Z")),
        (-1.0, None, None, S("1969-12-31T23:59:59.999Z")),
        (1.7, None, None, S("1970-01-01T00:00:00.001Z")),
        (-1.7, None, None, S("1969-12-31T23:59:59.999Z")),
        (951782400000.0, None, None, S("2000-02-29T00:00:00.000Z")),
        (253402300799999.0, None, None, S("9999-12-31T23:59:59.999Z")),
        (-62135596800000.0, None, None, S("0001-01-01T00:00:00.000Z")),
        (
            -62167219200001.0,
            None,
            None,
            S("-0001-12-31T23:59:59.999Z"),
        ),
        (
            1521801216617.0,
            None,
            Some("+0100"),
            S("2018-03-23T11:33:36.617+01:00"),
        ),
        (
            1521801216617.0,
            None,
            Some("-0000"),
            S("2018-03-23T10:33:36.617Z"),
        ),
        (
            1521801216617.0,
            None,
            Some("+1245"),
            S("2018-03-23T23:18:36.617+12:45"),
        ),
        (
            1521801216617.0,
            Some("[H01]:[m01] [Z]"),
            Some("+0530"),
            S("16:03 +05:30"),
        ),
        (
            1521801216617.0,
            Some("[H01]:[m01] [Z0]"),
            Some("+1245"),
            S("23:18 +12:45"),
        ),
        (
            1521801216617.0,
            Some("[H01]:[m01] [Z01]"),
            Some("+0100"),
            S("11:33 +01"),
        ),
        (
            1521801216617.0,
            Some("[H01]:[m01] [Z001]"),
            Some("+0100"),
            S("11:33 +100"),
        ),
        (
            1521801216617.0,
            Some("[H01]:[m01] [z0101]"),
            Some("-0100"),
            S("09:33 GMT-0100"),
        ),
        (
            1521801216617.0,
            Some("[H01]:[m01] [z0101t]"),
            Some("0000"),
            S("10:33 Z"),
        ),
        (
            1521801216617.0,
            Some("[H01]:[m01] [Z01:01t]"),
            Some("0000"),
            S("10:33 Z"),
        ),
        (1521801216617.0, Some("[h]:[m01][P]"), None, S("10:33am")),
        (
            1521801216617.0,
            Some("[h]:[m01][PN]"),
            Some("+0300"),
            S("1:33PM"),
        ),
        (
            1521801216617.0,
            Some("[MNn,3-3] [MN,*-4] [Mn] [MNn,5] [FN,2-2] [Fn,*-3] [FNn,4]"),
            None,
            S("Mar MARC march March FR fri Friday"),
        ),
        (
            1521801216617.0,
            Some("[YI] [Yi] [YW] [Ywo] [YWw] [Y0001;o] [Y1o]"),
            None,
            S(
                "MMXVIII mmxviii TWO THOUSAND AND EIGHTEEN two thousand and eighteenth Two Thousand and Eighteen 2018;th 2018th",
            ),
        ),
        (
            1521801216617.0,
            Some(
                "[D01] [d001] [F1] [W01] [w] [X] [x] [H01] [h01] [m01] [s01] [f001] [f01] [f1] [C] [E]",
            ),
            None,
            S("23 082 5 12 4 2018 3 10 10 33 36 617 617 617 ISO ISO"),
        ),
        (
            1521801216617.0,
            Some("[Y,4] [Y,2] [Y,3] [Y01] [Y001] [Y#] [Y##] [Y,*-2] [Y,2-*]"),
            None,
            E("D3130"),
        ),
        (
            1521801216617.0,
            Some("[M,2] [D,3] [H,2-2] [s,1]"),
            None,
            S("03 023 10 36"),
        ),
        (
            1521801216617.0,
            Some("[M#1] [Ma] [MA] [Mi] [MI] [Mw] [MWo] [Mwo]"),
            None,
            S("3 c C iii III three THIRD third"),
        ),
        (1521801216617.0, Some("[D1,2-2]"), None, S("23")),
        (1521801216617.0, Some("[D1,4-5]"), None, S("0023")),
        (
            1521801216617.0,
            Some("[Y9,999,*]-[M01]"),
            None,
            S("2,018-03"),
        ),
        // jsonata-js prints "undefined" for an unknown component with a presentation.
        (1521801216617.0, Some("[q1]"), None, E("D3132")),
        (1521801216617.0, Some("[q]"), None, E("D3132")),
        (1521801216617.0, Some("[]"), None, E("D3132")),
        (1521801216617.0, Some("[DN]"), None, E("D3133")),
        (1521801216617.0, Some("[D#]"), None, E("D3130")),
        (1521801216617.0, Some("]]"), None, S("]")),
        (1521801216617.0, Some("a]b"), None, S("a]b")),
        (1521801216617.0, Some("[[[["), None, S("[[")),
        (1521801216617.0, Some("[Zn]"), None, E("D3134")),
        (1521801216617.0, Some("[Za]"), None, E("D3134")),
        (
            1521801216617.0,
            Some("[Z01:01]"),
            Some("-0000"),
            S("+00:00"),
        ),
        (1521801216617.0, Some("[Z0:00]"), Some("+0930"), S("+9:30")),
        (
            1521801216617.0,
            Some("[Z00:00]"),
            Some("+0930"),
            S("+09:30"),
        ),
        (1521801216617.0, Some("[Z0000]"), Some("+0930"), S("+0930")),
        (1521801216617.0, Some("[Z1]"), Some("+0930"), S("+9:30")),
        (1521801216617.0, Some("[H01]"), Some("+1400"), S("00")),
        (1521801216617.0, Some("[H01]"), Some("-1200"), S("22")),
        (
            0.0,
            Some("[Y]-[M]-[D] [H]:[m]:[s].[f]"),
            Some("-0100"),
            S("1969-12-31 23:00:00.0"),
        ),
        (
            -86400000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Wednesday 31 December 1969 1 1 1970 1 365"),
        ),
        (
            -2208988800000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Monday 1 January 1900 1 1 1900 1 1"),
        ),
        (
            4102444800000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Friday 1 January 2100 53 5 2099 12 1"),
        ),
        (
            1704067199999.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d] [H]:[m]:[s].[f]"),
            None,
            S("Sunday 31 December 2023 52 4 2023 12 365 23:59:59.999"),
        ),
        (
            1704067200000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Monday 1 January 2024 1 1 2024 1 1"),
        ),
        (
            1709164800000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Thursday 29 February 2024 9 5 2024 2 60"),
        ),
        (
            1735603200000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Tuesday 31 December 2024 1 1 2025 1 366"),
        ),
        (
            1609459200000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Friday 1 January 2021 53 5 2020 12 1"),
        ),
        (
            1612137600000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Monday 1 February 2021 5 1 2021 2 32"),
        ),
        (
            1614470400000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Sunday 28 February 2021 8 4 2021 2 59"),
        ),
        (
            1617148800000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Wednesday 31 March 2021 13 1 2021 4 90"),
        ),
        (
            1622419200000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Monday 31 May 2021 22 1 2021 6 151"),
        ),
        (
            1625011200000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Wednesday 30 June 2021 26 1 2021 7 181"),
        ),
        (
            1633046400000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Friday 1 October 2021 39 5 2021 9 274"),
        ),
        (
            1640908800000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Friday 31 December 2021 52 5 2021 12 365"),
        ),
        (
            1641081600000.0,
            Some("[FNn] [D] [MNn] [Y] [W] [w] [X] [x] [d]"),
            None,
            S("Sunday 2 January 2022 52 5 2021 12 2"),
        ),
        (1700000000123.0, Some("[Y]"), None, S("2023")),
    ];

    #[test]
    fn from_millis_cases() {
        let mut failures = Vec::new();
        for (ms, picture, tz, want) in FROM_MILLIS {
            if let Err(e) = check_str(format_datetime(*ms, *picture, *tz), want) {
                failures.push(format!("$fromMillis({ms}, {picture:?}, {tz:?}): {e}"));
            }
        }
        report(failures);
    }

    const TO_MILLIS: &[(&str, Option<&str>, Want)] = &[
        ("2018-10-21T13:05:00Z", None, N(1540127100000.0)),
        ("2005-01-01", Some("[Y]-[M]-[D]"), N(1104537600000.0)),
        ("2005-01-02", Some("[Y]-[M]-[D]"), N(1104624000000.0)),
        ("2005-12-31", Some("[Y]-[M]-[D]"), N(1135987200000.0)),
        ("2006-01-01", Some("[Y]-[M]-[D]"), N(1136073600000.0)),
        ("2006-01-02", Some("[Y]-[M]-[D]"), N(1136160000000.0)),
        ("2006-12-31", Some("[Y]-[M]-[D]"), N(1167523200000.0)),
        ("2007-01-01", Some("[Y]-[M]-[D]"), N(1167609600000.0)),
        ("2007-12-30", Some("[Y]-[M]-[D]"), N(1198972800000.0)),
        ("2007-12-31", Some("[Y]-[M]-[D]"), N(1199059200000.0)),
        ("2008-01-01", Some("[Y]-[M]-[D]"), N(1199145600000.0)),
        ("2008-12-28", Some("[Y]-[M]-[D]"), N(1230422400000.0)),
        ("2008-12-29", Some("[Y]-[M]-[D]"), N(1230508800000.0)),
        ("2008-12-30", Some("[Y]-[M]-[D]"), N(1230595200000.0)),
        ("2008-12-31", Some("[Y]-[M]-[D]"), N(1230681600000.0)),
        ("2009-01-01", Some("[Y]-[M]-[D]"), N(1230768000000.0)),
        ("2009-12-31", Some("[Y]-[M]-[D]"), N(1262217600000.0)),
        ("2010-01-01", Some("[Y]-[M]-[D]"), N(1262304000000.0)),
        ("2010-01-02", Some("[Y]-[M]-[D]"), N(1262390400000.0)),
        ("2010-01-03", Some("[Y]-[M]-[D]"), N(1262476800000.0)),
        ("1970-01-01T00:00:00.001Z", None, N(1.0)),
        ("2018-02-01T09:42:13.123+0000", None, N(1517478133123.0)),
        ("2017-10-30", None, N(1509321600000.0)),
        ("2017-10-30T15:28:34Z", None, N(1509377314000.0)),
        ("2018", None, N(1514764800000.0)),
        ("foo", None, E("D3110")),
        ("01-02-2018", None, E("D3110")),
        ("2018-02-03 11:15:33", None, E("D3110")),
        ("201802", Some("[Y0001][M01]"), N(1517443200000.0)),
        ("201802", Some("[Y,*-4][M01]"), N(1517443200000.0)),
        ("20180205", Some("[Y0001][M01][D01]"), N(1517788800000.0)),
        ("2024-01-01T12:38:49Z", None, N(1704112729000.0)),
        (
            "20240101123849",
            Some("[Y0000][M00][D00][H00][m00][s00]"),
            N(1704112729000.0),
        ),
        ("Hello", Some("Hello"), U),
        ("2018", Some("[Y1]"), N(1514764800000.0)),
        ("2018-03-27", Some("[Y1]-[M01]-[D01]"), N(1522108800000.0)),
        (
            "2018-03-27T14:03:00.123Z",
            Some("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]Z"),
            N(1522159380123.0),
        ),
        (
            "27th 3 1976",
            Some("[D1o] [M#1] [Y0001]"),
            N(196732800000.0),
        ),
        (
            "21st 12 1881",
            Some("[D1o] [M01] [Y0001]"),
            N(-2777932800000.0),
        ),
        (
            "2nd 12 2012",
            Some("[D1o] [M01] [Y0001]"),
            N(1354406400000.0),
        ),
        ("MCMLXXXIV", Some("[YI]"), N(441763200000.0)),
        ("27 03 MMXVIII", Some("[D1] [M01] [YI]"), N(1522108800000.0)),
        ("27 iii MMXVIII", Some("[D1] [Mi] [YI]"), N(1522108800000.0)),
        ("w C mmxviii", Some("[Da] [MA] [Yi]"), N(1521763200000.0)),
        ("ae C mmxviii", Some("[Da] [MA] [Yi]"), N(1522454400000.0)),
        (
            "27th April 2008",
            Some("[D1o] [MNn] [Y0001]"),
            N(1209254400000.0),
        ),
        (
            "21 August 2017",
            Some("[D1] [MNn] [Y0001]"),
            N(1503273600000.0),
        ),
        (
            "2 Feb 2012",
            Some("[D1] [MNn,3-3] [Y0001]"),
            N(1328140800000.0),
        ),
        (
            "one thousand, nine hundred and eighty-four",
            Some("[Yw]"),
            N(441763200000.0),
        ),
        (
            "nineteen hundred and eighty-four",
            Some("[Yw]"),
            N(441763200000.0),
        ),
        (
            "twenty-seven April 2008",
            Some("[Dw] [MNn] [Y0001]"),
            N(1209254400000.0),
        ),
        (
            "twenty-seventh April 2008",
            Some("[Dw] [MNn] [Y0001]"),
            N(1209254400000.0),
        ),
        (
            "twenty-first August two thousand and seventeen",
            Some("[Dw] [MNn] [Yw]"),
            N(1503273600000.0),
        ),
        (
            "TWENTY-SECOND August two thousand and seventeen",
            Some("[DW] [MNn] [Yw]"),
            N(1503360000000.0),
        ),
        (
            "Twentieth of August, two thousand and seventeen",
            Some("[DW] of [MNn], [Yw]"),
            N(1503187200000.0),
        ),
        (
            "4/4/2018 12:06 am",
            Some("[D1]/[M1]/[Y0001] [h]:[m] [P]"),
            N(1522800360000.0),
        ),
        (
            "4/4/2018 06:30 am",
            Some("[D1]/[M1]/[Y0001] [h]:[m] [P]"),
            N(1522823400000.0),
        ),
        (
            "4/4/2018 12:06 pm",
            Some("[D1]/[M1]/[Y0001] [h]:[m] [P]"),
            N(1522843560000.0),
        ),
        (
            "4/4/2018 11:30 pm",
            Some("[D1]/[M1]/[Y0001] [h]:[m] [P]"),
            N(1522884600000.0),
        ),
        ("2018-094", Some("[Y0001]-[d001]"), N(1522800000000.0)),
        ("13:45", Some("[H]:[m]"), N(1699969500000.0)),
        (
            "Wednesday, 14th November 2018",
            Some("[FNn], [D1o] [MNn] [Y]"),
            N(1542153600000.0),
        ),
        (
            "Mon, Twelfth November 2018",
            Some("[FNn,*-3], [DWwo] [MNn] [Y]"),
            N(1541980800000.0),
        ),
        ("2018--180", Some("[Y]--[d]"), N(1530230400000.0)),
        (
            "three hundred and sixty-fifth day of 2018",
            Some("[dwo] day of [Y]"),
            N(1546214400000.0),
        ),
        ("irrelevent string", Some("[Y]-[M]-[D]"), U),
        ("2018-05-22", Some("[Y]-[M]-[q]"), E("D3132")),
        ("2018-05-22", Some("[YN]-[M]-[D]"), E("D3133")),
        ("2018-22", Some("[Y]-[D]"), E("D3136")),
        ("5-22 23:59", Some("[M]-[D] [m]:[s]"), E("D3136")),
        ("2018-3-2-5", Some("[X]-[x]-[w]-[F1]"), E("D3136")),
        ("2018-32-5", Some("[X]-[W]-[F1]"), E("D3136")),
        (
            "2020-09-09 08:00:00 +02:00",
            Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]"),
            N(1599631200000.0),
        ),
        (
            "2020-09-09 08:00:00 GMT-05:00",
            Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [z]"),
            N(1599656400000.0),
        ),
        (
            "2020-09-09 12:00:00 +05:30",
            Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]"),
            N(1599633000000.0),
        ),
        (
            "2020-09-09 12:00:00 GMT-5",
            Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [z01]"),
            N(1599670800000.0),
        ),
        (
            "2020-09-09 12:00:00 +0530",
            Some("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z0001]"),
            N(1599633000000.0),
        ),
        (
            "2026-04-08T19:05:04.01987",
            Some("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f1]"),
            N(1775675104019.0),
        ),
        ("2018-13-01", None, U),
        ("2018-00-01", None, U),
        ("2018-02-01T29:00:00Z", None, U),
        ("2018-02-01T24:00:00Z", None, N(1517529600000.0)),
        ("2018-02-01T24:00:01Z", None, U),
        ("2018-02-01T09:42:13.1234567Z", None, N(1517478133123.0)),
        ("2018-02-01T09:42:13.9999Z", None, N(1517478133999.0)),
        ("2018-02-01T09:42:13.5Z", None, N(1517478133500.0)),
        ("2018-02-01T09:42:13.05", None, N(1517478133050.0)),
        ("2018-02-01T09:42:13+0130", None, N(1517472733000.0)),
        ("2018-02-01T09:42:13-01:30", None, N(1517483533000.0)),
        ("2018-02-01T09:42:13+24:00", None, U),
        ("2018-02-01T09:42:13+23:59", None, N(1517391793000.0)),
        ("2018-02-01T09:42Z", None, E("D3110")),
        ("2018-02-01Z", None, N(1517443200000.0)),
        ("2018Z", None, N(1514764800000.0)),
        ("2018-02Z", None, N(1517443200000.0)),
        ("2018-02", None, N(1517443200000.0)),
        ("2018-31", None, U),
        ("2018-02+01:00", None, U),
        ("2018-02-01+01:00", None, U),
        ("2018-02-01T09:42:13", None, N(1517478133000.0)),
        ("2018-02-31T09:42:13Z", None, N(1520070133000.0)),
        ("2018-02-39T09:42:13Z", None, U),
        ("2018-02-29", None, N(1519862400000.0)),
        ("2016-02-29", None, N(1456704000000.0)),
        ("2018-02-00", None, U),
        ("0000-01-01", None, N(-62167219200000.0)),
        ("0099-01-01", None, N(-59042995200000.0)),
        ("9999-12-31T23:59:59.999Z", None, N(253402300799999.0)),
        ("1969-12-31T23:59:59.999Z", None, N(-1.0)),
        ("2018-02-01T09:42:13+2959", None, U),
        ("2018-02-01T09:42:13.", None, E("D3110")),
        ("20180201", None, E("D3110")),
        ("2018-02-01t09:42:13Z", None, E("D3110")),
        ("2018-02-01T09:42:13z", None, E("D3110")),
        (" 2018-02-01", None, E("D3110")),
        ("", None, E("D3110")),
        ("2018-02-01T09:42:13.123+00:00", None, N(1517478133123.0)),
        ("18-03-23", Some("[Y01]-[M01]-[D01]"), N(-1633996800000.0)),
        (
            "2018-03-23 10:33",
            Some("[Y]-[M]-[D] [H]:[m]"),
            N(1521801180000.0),
        ),
        (
            "2018-03-23 10:33:01.5",
            Some("[Y]-[M]-[D] [H]:[m]:[s].[f]"),
            N(1521801181500.0),
        ),
        (
            "2018-03-23 00:00",
            Some("[Y]-[M]-[D] [H]:[m]"),
            N(1521763200000.0),
        ),
        ("23 MARCH 2018", Some("[D] [MN] [Y]"), E("D3136")),
        ("23 march 2018", Some("[D] [Mn] [Y]"), E("D3136")),
        ("23 March 2018", Some("[D] [MN] [Y]"), N(1521763200000.0)),
        ("23 mar 2018", Some("[D] [Mn,3-3] [Y]"), E("D3136")),
        (
            "2018-03-23T10:33:36-05:00",
            Some("[Y]-[M]-[D]T[H]:[m]:[s][Z]"),
            N(1521819216000.0),
        ),
        // jsonata-js reads -05:30 as -4:30.
        (
            "2018-03-23T10:33:36-05:30",
            Some("[Y]-[M]-[D]T[H]:[m]:[s][Z]"),
            N(1521821016000.0),
        ),
        (
            "2018-03-23T10:33:36+0000",
            Some("[Y]-[M]-[D]T[H]:[m]:[s][Z0000]"),
            N(1521801216000.0),
        ),
        (
            "2018-03-23T10:33:36 GMT+02:00",
            Some("[Y]-[M]-[D]T[H]:[m]:[s] [z]"),
            N(1521794016000.0),
        ),
        (
            "2018-03-23T10:33:36+2",
            Some("[Y]-[M]-[D]T[H]:[m]:[s][Z0]"),
            N(1521794016000.0),
        ),
        ("10:33 pm", Some("[h]:[m] [P]"), N(1700001180000.0)),
        ("12:33 am", Some("[h]:[m] [P]"), N(1699921980000.0)),
        ("10:33", Some("[h]:[m]"), N(1699957980000.0)),
        ("2018", Some("[Y]"), N(1514764800000.0)),
        ("03", Some("[M01]"), N(1677628800000.0)),
        ("23", Some("[D]"), N(1700697600000.0)),
        ("33", Some("[m]"), N(1700001180000.0)),
        ("10", Some("[H]"), N(1699956000000.0)),
        ("2018-10", Some("[Y]-[H]"), E("D3136")),
        ("Friday 2018", Some("[FNn] [Y]"), N(1514764800000.0)),
        ("2018-100", Some("[Y]-[d]"), N(1523318400000.0)),
        ("2016-366", Some("[Y]-[d]"), N(1483142400000.0)),
        ("2018 100", Some("[Y] [d] [H]"), U),
        (
            "201803231033",
            Some("[Y0001][M01][D01][H01][m01]"),
            N(1521801180000.0),
        ),
        ("2018323", Some("[Y0001][M1][D01]"), N(1521763200000.0)),
        (
            "MMXVIII-iii-xxiii",
            Some("[YI]-[Mi]-[Di]"),
            N(1521763200000.0),
        ),
        (
            "2018 twenty-third of March",
            Some("[Y] [Dwo] of [MNn]"),
            N(1521763200000.0),
        ),
        (
            "2018 Twenty Third of March",
            Some("[Y] [DWw] of [MNn]"),
            N(1521763200000.0),
        ),
        (
            "2018-1-1 [x]",
            Some("[Y]-[M]-[D] [[x]]"),
            N(1514764800000.0),
        ),
        ("2018-1-1", Some("[Y]-[M]-[D"), E("D3135")),
        ("2018-1-1T10", Some("[Y]-[M]-[D]T[h]"), E("D3136")),
        ("2018-W01-1", Some("[X]-W[W01]-[F1]"), E("D3136")),
        ("2018-01-01", Some("[Y]-[Mq]-[D]"), E("D3130")),
        ("2018-01-01", Some("[Y]-[Da]"), U),
        ("2018-a", Some("[Y]-[Da]"), E("D3136")),
        ("pm", Some("[P]"), N(1699963200000.0)),
        ("2018-01-01 5", Some("[Y]-[M]-[D] [E]"), E("D3133")),
    ];

    #[test]
    fn to_millis_cases() {
        let mut failures = Vec::new();
        for (text, picture, want) in TO_MILLIS {
            let got = match picture {
                None => parse_iso(text),
                Some(p) => parse_datetime(text, p, NOW),
            };
            if let Err(e) = check_num(got, want) {
                failures.push(format!("$toMillis({text:?}, {picture:?}): {e}"));
            }
        }
        report(failures);
    }

    #[test]
    fn negative_offsets_with_minutes() {
        let got = format_datetime(1531310400000.0, Some("[H01]:[m01][Z]"), Some("-0530"));
        assert_eq!(got, Ok(Some("06:30-05:30".to_string())));
        let got = format_datetime(1531310400000.0, Some("[H01]:[m01][Z0]"), Some("-0930"));
        assert_eq!(got, Ok(Some("02:30-9:30".to_string())));
        assert_eq!(format_datetime(0.0, None, Some("abc")), Ok(None));
    }

    #[test]
    fn iso_without_picture() {
        assert_eq!(iso_millis(1509380732935), "2017-10-30T16:25:32.935Z");
        assert_eq!(iso_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn defaults_from_now() {
        // Only a time: the date is today's (NOW is 2023-11-14T22:13:20.123Z).
        let got = parse_datetime("13:45", "[H]:[m]", NOW);
        assert_eq!(got, Ok(Some(1_699_969_500_000.0)));
        assert_eq!(parse_datetime("Hello", "Hello", NOW), Ok(None));
    }

    mod calls {
        use super::super::super::eval::{Globals, NativeCall};
        use super::super::super::functions::lookup;
        use super::*;

        fn call<'a>(
            name: &str,
            args: Vec<Option<Value<'a>>>,
            focus: Option<Value<'a>>,
        ) -> Outcome<'a> {
            let ev = Evaluator::new(Globals {
                states: None,
                vars: None,
                root: None,
            });
            let native = lookup(name).expect("a library function");
            let focus = focus;
            let c = NativeCall {
                args,
                focus: &focus,
                native,
            };
            (native.f)(&ev, c)
        }

        fn text(o: Outcome<'_>) -> Option<String> {
            o.expect("no error")
                .map(|v| v.as_str().expect("a string").to_string())
        }

        fn number(o: Outcome<'_>) -> Option<f64> {
            o.expect("no error").map(|v| v.as_num().expect("a number"))
        }

        fn code(o: Outcome<'_>) -> &'static str {
            o.err().map_or("none", |e| e.code)
        }

        #[test]
        fn library_functions() {
            let n = |x: f64| Some(Value::Num(x));
            let s = |x: &str| Some(Value::str(x));
            assert_eq!(
                text(call("formatNumber", vec![n(1234.5), s("#,##0.00")], None)).as_deref(),
                Some("1,234.50")
            );
            let options = Value::object(
                [
                    ("decimal-separator".to_string(), Value::str(",")),
                    ("grouping-separator".to_string(), Value::str(".")),
                ]
                .into_iter()
                .collect(),
            );
            assert_eq!(
                text(call(
                    "formatNumber",
                    vec![n(1234.5), s("#.##0,00"), Some(options)],
                    None
                ))
                .as_deref(),
                Some("1.234,50")
            );
            assert_eq!(text(call("formatNumber", vec![None, s("0")], None)), None);
            assert_eq!(
                code(call("formatNumber", vec![s("1"), s("0")], None)),
                "T0410"
            );
            assert_eq!(
                code(call("formatNumber", vec![n(1.0), s("0"), n(2.0)], None)),
                "T0410"
            );
            // The context value fills in the first argument.
            assert_eq!(
                text(call("formatInteger", vec![s("w")], n(21.0))).as_deref(),
                Some("twenty-one")
            );
            assert_eq!(
                number(call("parseInteger", vec![s("xiv"), s("i")], None)),
                Some(14.0)
            );
            assert_eq!(
                number(call("parseInteger", vec![s("foo"), s("w")], None)),
                None
            );
            assert_eq!(
                text(call("fromMillis", vec![n(1521801216617.0)], None)).as_deref(),
                Some("2018-03-23T10:33:36.617Z")
            );
            assert_eq!(
                text(call(
                    "fromMillis",
                    vec![n(1521801216617.0), None, s("-0500")],
                    None
                ))
                .as_deref(),
                Some("2018-03-23T05:33:36.617-05:00")
            );
            assert_eq!(
                text(call("fromMillis", vec![s("[Y]")], n(1521801216617.0))).as_deref(),
                Some("2018")
            );
            assert_eq!(
                code(call("fromMillis", vec![n(0.0), n(5.0)], None)),
                "T0410"
            );
            assert_eq!(
                number(call(
                    "toMillis",
                    vec![s("2018-02-01T09:42:13.123+0000")],
                    None
                )),
                Some(1517478133123.0)
            );
            assert_eq!(
                number(call("toMillis", vec![s("201802"), s("[Y0001][M01]")], None)),
                Some(1517443200000.0)
            );
            assert_eq!(code(call("toMillis", vec![s("foo")], None)), "D3110");
            assert_eq!(number(call("toMillis", vec![None], None)), None);
            let now = text(call("now", vec![s("[Y0001]-[M01]-[D01]")], None)).expect("a date");
            assert_eq!(now.len(), 10);
            let now = text(call("now", vec![None, s("+0100")], None)).expect("a timestamp");
            assert!(now.ends_with("+01:00"), "{now}");
        }
    }
}
