//! AWS's six-field cron dialect (`cron(minutes hours day-of-month month day-of-week year)`), as
//! EventBridge and EventBridge Scheduler define it: parsing, and the next matching wall-clock
//! minute after a given one.
//!
//! | field        | values             | wildcards           |
//! |--------------|--------------------|---------------------|
//! | minutes      | 0-59               | `, - * /`           |
//! | hours        | 0-23               | `, - * /`           |
//! | day-of-month | 1-31               | `, - * ? / L W`     |
//! | month        | 1-12 or JAN-DEC    | `, - * /`           |
//! | day-of-week  | 1-7 or SUN-SAT     | `, - * ? L #`       |
//! | year         | 1970-2199          | `, - * /`           |
//!
//! One of day-of-month and day-of-week must be `?` and the other not (AWS: "You can't specify
//! the Day-of-month and Day-of-week fields in the same cron expression"). `L` alone is the
//! month's last day (day-of-month) or Saturday (day-of-week); `5L` is the month's last
//! Thursday; `LW` the month's last weekday; `15W` the weekday nearest the 15th, never leaving
//! the month; `3#2` the month's second Tuesday (with `#` the field holds that one expression
//! only, as AWS requires). `a/s` counts from `a` in steps of `s`; a range whose start is past
//! its end wraps around (`FRI-MON`, `22-2`). Names are accepted in any case.
//!
//! Why hand-written: the maintained cron crates implement Unix five-field cron or Quartz's
//! seven-field dialect with seconds; none parses AWS's six fields with its `?` rule, its
//! day-of-week numbering (1 = Sunday) and its year range, so adapting one would mean rewriting
//! its parser and re-checking every rule anyway. Evaluation here is a day-by-day walk that
//! skips whole years and months that cannot match, bounded by the year 2199.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

/// The last year a cron expression can name.
const LAST_YEAR: i32 = 2199;
/// The first.
const FIRST_YEAR: i32 = 1970;

/// A parsed cron expression (the six fields inside `cron(…)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cron {
    minutes: u64,
    hours: u32,
    days: DayOfMonth,
    months: u16,
    weekdays: DayOfWeek,
    /// Bit `y - 1970` for each year.
    years: [u64; 4],
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfMonth {
    /// `?`.
    Any,
    /// Bit `d` for each listed day.
    Days(u32),
    /// `L`.
    Last,
    /// `LW`.
    LastWeekday,
    /// `15W`.
    NearestWeekday(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfWeek {
    /// `?`.
    Any,
    /// Bit `d` for each listed day (1 = Sunday … 7 = Saturday).
    Days(u8),
    /// `5L`: the last such day of the month.
    Last(u8),
    /// `3#2`: the n-th such day of the month.
    Nth(u8, u32),
}

/// One field's bounds and names, for parsing.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTES: Field = Field {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Field = Field {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};
const YEAR: Field = Field {
    name: "year",
    min: FIRST_YEAR as u32,
    max: LAST_YEAR as u32,
    names: &[],
};

impl Field {
    /// A number or (for months and weekdays) a name.
    fn value(&self, s: &str) -> Result<u32, String> {
        let upper = s.to_ascii_uppercase();
        if let Some(i) = self.names.iter().position(|n| *n == upper) {
            return Ok(self.min + i as u32);
        }
        let v: u32 = s.parse().map_err(|_| {
            let names = if self.names.is_empty() {
                String::new()
            } else {
                format!(" or {}-{}", self.names[0], self.names[self.names.len() - 1])
            };
            format!(
                "{} field: '{s}' is not a value ({}-{}{names})",
                self.name, self.min, self.max
            )
        })?;
        if v < self.min || v > self.max {
            return Err(format!(
                "{} field: {v} is out of range ({}-{})",
                self.name, self.min, self.max
            ));
        }
        Ok(v)
    }

    /// A comma-separated list of `*`, `v`, `a-b`, `a/s`, `*/s`, `a-b/s`: the set of values,
    /// as bits `v - min`.
    fn list(&self, text: &str) -> Result<Vec<bool>, String> {
        let span = (self.max - self.min + 1) as usize;
        let mut set = vec![false; span];
        for term in text.split(',') {
            if term.is_empty() {
                return Err(format!("{} field: empty list item in '{text}'", self.name));
            }
            let (range, step) = match term.split_once('/') {
                Some((r, s)) => {
                    let step: u32 = s.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                        format!(
                            "{} field: '{s}' is not an increment (a positive number) in '{term}'",
                            self.name
                        )
                    })?;
                    (r, Some(step))
                }
                None => (term, None),
            };
            let (from, to) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                (self.value(a)?, self.value(b)?)
            } else {
                let v = self.value(range)?;
                // `a/s` runs from `a` to the field's end.
                (v, if step.is_some() { self.max } else { v })
            };
            if from > to && self.name == "year" {
                return Err(format!(
                    "year field: the range '{range}' ends before it starts"
                ));
            }
            // A range past the end wraps around (`FRI-MON`).
            let count = if from <= to {
                to - from + 1
            } else {
                (self.max - from + 1) + (to - self.min + 1)
            };
            let step = step.unwrap_or(1);
            let mut i = 0;
            while i < count {
                let v = self.min + (from - self.min + i) % span as u32;
                set[(v - self.min) as usize] = true;
                i += step;
            }
        }
        Ok(set)
    }

    fn mask(&self, text: &str) -> Result<u64, String> {
        Ok(self
            .list(text)?
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .fold(0u64, |m, (i, _)| m | (1 << (i as u32 + self.min))))
    }
}

impl Cron {
    /// Parses the inside of `cron(…)`; the error names the field and the problem.
    pub(crate) fn parse(text: &str) -> Result<Cron, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = fields[..] else {
            return Err(format!(
                "a cron expression has six fields (minutes hours day-of-month month \
                 day-of-week year), this one has {}",
                fields.len()
            ));
        };
        for (field, text) in [
            (&MINUTES, minutes),
            (&HOURS, hours),
            (&MONTH, month),
            (&YEAR, year),
        ] {
            if let Some(c) = text.chars().find(|c| "?LW#".contains(*c)) {
                return Err(format!("{} field: '{c}' is not allowed here", field.name));
            }
        }
        match (dom == "?", dow == "?") {
            (true, true) => {
                return Err("day-of-month and day-of-week cannot both be '?': \
                            specify one of them"
                    .into());
            }
            (false, false) => {
                return Err("day-of-month and day-of-week cannot both be specified: \
                            use '?' in one of them"
                    .into());
            }
            _ => {}
        }
        let mut years = [0u64; 4];
        for (i, on) in YEAR.list(year)?.into_iter().enumerate() {
            if on {
                years[i / 64] |= 1 << (i % 64);
            }
        }
        Ok(Cron {
            minutes: MINUTES.mask(minutes)?,
            hours: HOURS.mask(hours)? as u32,
            days: parse_day_of_month(dom)?,
            months: MONTH.mask(month)? as u16,
            weekdays: parse_day_of_week(dow)?,
            years,
        })
    }

    fn has_year(&self, y: i32) -> bool {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&y) {
            return false;
        }
        let i = (y - FIRST_YEAR) as usize;
        self.years[i / 64] & (1 << (i % 64)) != 0
    }

    fn has_day(&self, date: NaiveDate) -> bool {
        let day = date.day();
        let last = last_day(date.year(), date.month());
        let dom = match &self.days {
            DayOfMonth::Any => true,
            DayOfMonth::Days(mask) => mask & (1 << day) != 0,
            DayOfMonth::Last => day == last,
            DayOfMonth::LastWeekday => Some(day) == nearest_weekday(date, last),
            DayOfMonth::NearestWeekday(n) => Some(day) == nearest_weekday(date, *n),
        };
        let weekday = date.weekday().number_from_sunday() as u8;
        let dow = match &self.weekdays {
            DayOfWeek::Any => true,
            DayOfWeek::Days(mask) => mask & (1 << weekday) != 0,
            DayOfWeek::Last(w) => weekday == *w && day + 7 > last,
            DayOfWeek::Nth(w, n) => weekday == *w && (day - 1) / 7 + 1 == *n,
        };
        dom && dow
    }

    /// The first minute strictly after `after` (wall-clock time, no time zone) that matches,
    /// or `None` when none does up to the end of 2199.
    pub(crate) fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let start = after.with_second(0)?.with_nanosecond(0)? + chrono::Duration::minutes(1);
        let mut date = start.date();
        let mut from = Some(start.time());
        while date.year() <= LAST_YEAR {
            if !self.has_year(date.year()) {
                date = NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)?;
                from = None;
                continue;
            }
            if self.months & (1 << date.month()) == 0 {
                date = first_of_next_month(date)?;
                from = None;
                continue;
            }
            if self.has_day(date)
                && let Some(t) = self.first_time(from.unwrap_or(NaiveTime::MIN))
            {
                return Some(date.and_time(t));
            }
            date = date.succ_opt()?;
            from = None;
        }
        None
    }

    /// The first matching hour and minute at or after `from` on a matching day.
    fn first_time(&self, from: NaiveTime) -> Option<NaiveTime> {
        for h in from.hour()..24 {
            if self.hours & (1 << h) == 0 {
                continue;
            }
            let m0 = if h == from.hour() { from.minute() } else { 0 };
            if let Some(m) = (m0..60).find(|m| self.minutes & (1 << m) != 0) {
                return NaiveTime::from_hms_opt(h, m, 0);
            }
        }
        None
    }
}

fn parse_day_of_month(text: &str) -> Result<DayOfMonth, String> {
    let upper = text.to_ascii_uppercase();
    if upper == "?" {
        return Ok(DayOfMonth::Any);
    }
    if upper == "L" {
        return Ok(DayOfMonth::Last);
    }
    if upper == "LW" {
        return Ok(DayOfMonth::LastWeekday);
    }
    if let Some(n) = upper.strip_suffix('W') {
        let n = DAY_OF_MONTH.value(n)?;
        return Ok(DayOfMonth::NearestWeekday(n));
    }
    if let Some(c) = upper.chars().find(|c| "?LW#".contains(*c)) {
        return Err(format!(
            "day-of-month field: '{c}' must stand alone ('?', 'L', 'LW' or a day with 'W', \
             as in '15W') in '{text}'"
        ));
    }
    Ok(DayOfMonth::Days(DAY_OF_MONTH.mask(text)? as u32))
}

fn parse_day_of_week(text: &str) -> Result<DayOfWeek, String> {
    let upper = text.to_ascii_uppercase();
    if upper == "?" {
        return Ok(DayOfWeek::Any);
    }
    if upper == "L" {
        // `L` alone is the week's last day, Saturday.
        return Ok(DayOfWeek::Days(1 << 7));
    }
    if let Some((day, n)) = upper.split_once('#') {
        if day.contains(',') || n.contains(',') {
            return Err(format!(
                "day-of-week field: with '#' the field holds one expression only, not '{text}'"
            ));
        }
        let day = DAY_OF_WEEK.value(day)? as u8;
        let n: u32 = n
            .parse()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| {
                format!("day-of-week field: '{n}' in '{text}' is not an occurrence (1-5)")
            })?;
        return Ok(DayOfWeek::Nth(day, n));
    }
    if let Some(day) = upper.strip_suffix('L') {
        let day = DAY_OF_WEEK.value(day)? as u8;
        return Ok(DayOfWeek::Last(day));
    }
    if let Some(c) = upper.chars().find(|c| "?LW".contains(*c)) {
        return Err(format!(
            "day-of-week field: '{c}' is not allowed in '{text}' ('?' and 'L' stand alone; \
             '5L' is the last Thursday)"
        ));
    }
    Ok(DayOfWeek::Days(DAY_OF_WEEK.mask(text)? as u8))
}

fn last_day(year: i32, month: u32) -> u32 {
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(first_of_next_month)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

fn first_of_next_month(d: NaiveDate) -> Option<NaiveDate> {
    if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    }
}

/// The weekday nearest day `n` of `date`'s month, without leaving the month (`1W` on a
/// Saturday is Monday the 3rd); `None` when the month has no day `n`.
fn nearest_weekday(date: NaiveDate, n: u32) -> Option<u32> {
    let last = last_day(date.year(), date.month());
    let target = date.with_day(n)?;
    Some(match target.weekday() {
        Weekday::Sat if n == 1 => 3,
        Weekday::Sat => n - 1,
        Weekday::Sun if n == last => n - 2,
        Weekday::Sun => n + 1,
        _ => n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn next(expr: &str, after: &str) -> Option<String> {
        Cron::parse(expr)
            .unwrap()
            .next_after(at(after))
            .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
    }

    /// Next times worked out by hand from the AWS cron reference (calendar checked:
    /// 2026-01-01 is a Thursday, 2026-02-28 a Saturday, 2026-05-31 a Sunday).
    #[test]
    fn next_times_match_the_aws_reference() {
        let table: &[(&str, &str, Option<&str>)] = &[
            // AWS's examples: 10:15 every day; 18:00 Mon-Fri; every 10 minutes weekdays.
            (
                "15 10 * * ? *",
                "2026-01-01T10:15",
                Some("2026-01-02T10:15"),
            ),
            (
                "15 10 * * ? *",
                "2026-01-01T10:14",
                Some("2026-01-01T10:15"),
            ),
            (
                "0 18 ? * MON-FRI *",
                "2026-01-02T18:00",
                Some("2026-01-05T18:00"),
            ),
            (
                "0/10 * ? * MON-FRI *",
                "2026-01-02T23:55",
                Some("2026-01-05T00:00"),
            ),
            (
                "0/15 * * * ? *",
                "2026-01-01T10:01",
                Some("2026-01-01T10:15"),
            ),
            (
                "1/10 * * * ? *",
                "2026-01-01T10:01",
                Some("2026-01-01T10:11"),
            ),
            ("0 8 1 * ? *", "2026-01-01T08:00", Some("2026-02-01T08:00")),
            ("0 12 * * ? *", "2026-12-31T12:00", Some("2027-01-01T12:00")),
            // Lists and ranges with steps; names in any case.
            (
                "0,30 9-10 * * ? *",
                "2026-01-01T09:30",
                Some("2026-01-01T10:00"),
            ),
            (
                "0-15/5 8 ? * 2,4,6 *",
                "2026-01-01T08:05",
                Some("2026-01-02T08:00"),
            ),
            (
                "0-15/5 8 ? * 2,4,6 *",
                "2026-01-02T08:05",
                Some("2026-01-02T08:10"),
            ),
            (
                "0 0 ? * sun *",
                "2026-01-01T00:00",
                Some("2026-01-04T00:00"),
            ),
            (
                "0 0 1 jan-feb ? *",
                "2026-02-01T00:00",
                Some("2027-01-01T00:00"),
            ),
            // L: last day of month; 5L: last Thursday; LW: last weekday.
            ("0 5 L * ? *", "2026-02-01T00:00", Some("2026-02-28T05:00")),
            ("0 5 L * ? *", "2028-02-01T00:00", Some("2028-02-29T05:00")),
            ("0 9 ? * 5L *", "2026-01-01T00:00", Some("2026-01-29T09:00")),
            ("0 9 LW * ? *", "2026-05-01T00:00", Some("2026-05-29T09:00")),
            ("0 0 ? * L *", "2026-01-01T00:00", Some("2026-01-03T00:00")),
            // W: nearest weekday, never leaving the month.
            ("0 0 3W * ? *", "2026-01-01T00:00", Some("2026-01-02T00:00")),
            ("0 0 1W * ? *", "2026-08-01T00:00", Some("2026-08-03T00:00")),
            (
                "0 0 31W * ? *",
                "2026-05-01T00:00",
                Some("2026-05-29T00:00"),
            ),
            (
                "0 0 15W * ? *",
                "2026-02-01T00:00",
                Some("2026-02-16T00:00"),
            ),
            // #: the n-th weekday (second Tuesday; fifth Friday only in months that have one).
            (
                "0 12 ? * 3#2 *",
                "2026-01-01T00:00",
                Some("2026-01-13T12:00"),
            ),
            (
                "0 12 ? * FRI#5 *",
                "2026-02-01T00:00",
                Some("2026-05-29T12:00"),
            ),
            // Wrapping ranges; years.
            (
                "0 22-2 * * ? *",
                "2026-01-01T02:00",
                Some("2026-01-01T22:00"),
            ),
            (
                "0 0 ? * FRI-MON *",
                "2026-01-05T00:00",
                Some("2026-01-09T00:00"),
            ),
            (
                "0 0 1 1 ? 2030",
                "2026-01-01T00:00",
                Some("2030-01-01T00:00"),
            ),
            ("0 0 1 1 ? 2020-2025", "2026-01-01T00:00", None),
            ("0 0 30 2 ? *", "2026-01-01T00:00", None),
        ];
        for (expr, after, want) in table {
            assert_eq!(
                next(expr, after).as_deref(),
                *want,
                "cron({expr}) after {after}"
            );
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let table: &[(&str, &str)] = &[
            ("0 12 * * *", "six fields"),
            ("0 12 * * * *", "cannot both be specified"),
            ("0 12 ? * ? *", "cannot both be '?'"),
            ("60 12 * * ? *", "minutes field: 60 is out of range (0-59)"),
            ("0 24 * * ? *", "hours field: 24 is out of range"),
            (
                "0 0 0 * ? *",
                "day-of-month field: 0 is out of range (1-31)",
            ),
            ("0 0 * 13 ? *", "month field: 13 is out of range (1-12)"),
            (
                "0 0 * FOO ? *",
                "month field: 'FOO' is not a value (1-12 or JAN-DEC)",
            ),
            ("0 0 ? * 8 *", "day-of-week field: 8 is out of range (1-7)"),
            (
                "0 0 * * ? 1969",
                "year field: 1969 is out of range (1970-2199)",
            ),
            ("0/0 0 * * ? *", "not an increment"),
            ("0 0 ? * 3#1,6#3 *", "one expression only"),
            ("0 0 ? * 3#6 *", "not an occurrence"),
            ("L 0 * * ? *", "minutes field: 'L' is not allowed here"),
            ("0 0 1,L * ? *", "must stand alone"),
            ("0 0 * * ? 2030-2020", "ends before it starts"),
        ];
        for (expr, want) in table {
            let e = Cron::parse(expr).unwrap_err();
            assert!(e.contains(want), "cron({expr}): {e}");
        }
    }
}
