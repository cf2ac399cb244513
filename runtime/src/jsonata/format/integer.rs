//! Integer pictures (`fn:format-integer`): `$formatInteger`, `$parseInteger`, and the
//! numbers inside date/time pictures.

use regex::Regex;

use super::{error, js_parse_int, quoted, regular_interval};
use crate::jsonata::number::js_string;
use crate::jsonata::value::Error;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Case {
    Upper,
    Lower,
    Title,
}

#[derive(Clone, Debug)]
pub(super) enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    Sequence(String),
}

#[derive(Clone, Debug)]
pub(super) enum Grouping {
    /// The same separator every `n` digits.
    Regular(usize, char),
    /// Separators at the given digit positions (counted from the right), leftmost first.
    Irregular(Vec<(usize, char)>),
}

#[derive(Clone, Debug)]
pub(super) struct IntFormat {
    pub(super) primary: Primary,
    case: Case,
    ordinal: bool,
    /// The zero of the decimal digit family.
    zero: u32,
    pub(super) mandatory: usize,
    pub(super) optional: usize,
    pub(super) grouping: Grouping,
    /// When parsing, exactly this many digits (set when another number follows directly).
    pub(super) parse_width: Option<usize>,
}

/// The zeros of Unicode's decimal digit groups (Basic Multilingual Plane).
const DECIMAL_GROUPS: &[u32] = &[
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

pub(super) fn analyse_integer_picture(picture: &str) -> Result<IntFormat, Error> {
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
pub(super) fn format_int(value: f64, format: &IntFormat) -> Result<String, Error> {
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
pub(super) fn format_integer_str(value: f64, picture: &str) -> Result<String, Error> {
    let format = analyse_integer_picture(picture)?;
    format_int(value.floor(), &format)
}

/// How a number in a picture is recognised and read back.
pub(super) struct Matcher {
    pub(super) regex: String,
    pub(super) read: Reader,
}

pub(super) enum Reader {
    Letters(char),
    Roman,
    Words,
    Decimal(IntFormat),
}

pub(super) fn integer_matcher(format: &IntFormat) -> Result<Matcher, Error> {
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
    pub(super) fn read(&self, text: &str) -> f64 {
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
pub(super) fn parse_integer_str(text: &str, picture: &str) -> Result<Option<f64>, Error> {
    let format = analyse_integer_picture(picture)?;
    let n = integer_matcher(&format)?.read.read(text);
    Ok(n.is_finite().then_some(n))
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

#[cfg(test)]
mod tests;
