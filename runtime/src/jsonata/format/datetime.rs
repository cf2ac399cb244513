//! Date/time pictures (`fn:format-dateTime`): `$fromMillis`, `$toMillis` and `$now` with a
//! picture, and ISO 8601 timestamps without one.

mod calendar;

use regex::Regex;

use super::integer::{
    Case, Grouping, IntFormat, Primary, Reader, analyse_integer_picture, format_int,
    integer_matcher,
};
use super::{error, js_parse_int, quoted};
use crate::jsonata::value::Error;
use calendar::{
    DAY, Fields, MAX_MILLIS, date_utc, days_from_civil, delta_weeks, next_month, previous_month,
    start_of_first_week,
};

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
pub(super) fn format_datetime(
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
pub(super) fn parse_datetime(text: &str, picture: &str, now: f64) -> Result<Option<f64>, Error> {
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
pub(super) fn parse_iso(text: &str) -> Result<Option<f64>, Error> {
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

#[cfg(test)]
mod tests;
