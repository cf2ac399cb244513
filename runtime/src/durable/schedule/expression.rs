//! Schedule expressions as EventBridge Scheduler defines them, `rate(value unit)`,
//! `cron(fields)` and `at(yyyy-mm-ddThh:mm:ss)`, with a time zone, a start and an end date:
//! parsing (errors in the style of AWS's `ValidationException`) and the fire instants.
//!
//! Time is AWS's: a rate is a fixed duration counted from the schedule's start (a day is 24
//! hours, whatever daylight saving time does to the wall clock); cron and at name wall-clock
//! times in the schedule's time zone. A cron time that daylight saving time skips (spring
//! forward) does not fire, and a time it repeats (fall back) fires once, at its first
//! occurrence: "When the time shifts forward in Spring, your schedule invocation gets skipped
//! if the cron expression falls on a non-existent date and time. When the time shifts back in
//! the Fall, your schedule runs only once and doesn't repeat its invocation" (AWS knowledge
//! center, "How can I adjust my Amazon EventBridge schedule for daylight saving?"; EventBridge
//! Scheduler User Guide, "Schedule types", daylight saving time).

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::cron::Cron;

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expression {
    /// `rate(5 minutes)`: every so long.
    Rate(chrono::Duration),
    /// `cron(0 12 * * ? *)`.
    Cron(Box<Cron>),
    /// `at(2026-12-24T10:00:00)`: once, at that wall-clock time.
    At(NaiveDateTime),
}

/// `Invalid Schedule Expression <text>: <why>.`: how AWS's ValidationException names a bad
/// expression, with the reason added.
fn invalid(text: &str, why: impl std::fmt::Display) -> String {
    format!("Invalid Schedule Expression {text}: {why}.")
}

impl Expression {
    /// Parses an expression; the error is a ValidationException's message.
    pub(crate) fn parse(text: &str) -> Result<Expression, String> {
        if text.is_empty() || text.len() > 256 {
            return Err(invalid(text, "an expression has 1 to 256 characters"));
        }
        let inner = |prefix: &str| {
            text.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(')'))
        };
        if let Some(body) = inner("rate(") {
            return parse_rate(body).map_err(|e| invalid(text, e));
        }
        if let Some(body) = inner("cron(") {
            return Cron::parse(body)
                .map(|c| Expression::Cron(Box::new(c)))
                .map_err(|e| invalid(text, e));
        }
        if let Some(body) = inner("at(") {
            return parse_at(body).map_err(|e| invalid(text, e));
        }
        Err(invalid(
            text,
            "expected rate(value unit), cron(minutes hours day-of-month month day-of-week \
             year) or at(yyyy-mm-ddThh:mm:ss)",
        ))
    }
}

fn parse_rate(body: &str) -> Result<Expression, String> {
    let parts: Vec<&str> = body.split_whitespace().collect();
    let [value, unit] = parts[..] else {
        return Err("a rate has a value and a unit, as in rate(5 minutes)".into());
    };
    let n: i64 = value
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("the rate value '{value}' is not a positive whole number"))?;
    let (singular, minutes) = match unit {
        "minute" | "minutes" => ("minute", 1),
        "hour" | "hours" => ("hour", 60),
        "day" | "days" => ("day", 24 * 60),
        _ => {
            return Err(format!(
                "the rate unit '{unit}' is not one of minute, minutes, hour, hours, day, days"
            ));
        }
    };
    // AWS: "If the value is equal to 1, then the unit must be singular. If the value is
    // greater than 1, the unit must be plural."
    let plural = unit.ends_with('s');
    if n == 1 && plural {
        return Err(format!(
            "with the value 1 the unit is singular: rate(1 {singular})"
        ));
    }
    if n > 1 && !plural {
        return Err(format!(
            "with a value above 1 the unit is plural: rate({n} {singular}s)"
        ));
    }
    let total = n
        .checked_mul(minutes)
        .and_then(chrono::Duration::try_minutes)
        .ok_or_else(|| format!("the rate {n} {unit} is too long"))?;
    Ok(Expression::Rate(total))
}

fn parse_at(body: &str) -> Result<Expression, String> {
    let shape_ok = body.len() == 19
        && body.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(format!(
            "'{body}' is not a date and time of the form yyyy-mm-ddThh:mm:ss"
        ));
    }
    NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S")
        .map(Expression::At)
        .map_err(|e| format!("'{body}' is not a valid date and time ({e})"))
}

/// A schedule's time zone: an IANA name such as `America/New_York` (default `UTC`).
pub(crate) fn parse_time_zone(name: &str) -> Result<Tz, String> {
    Tz::from_str(name).map_err(|_| {
        format!(
            "Invalid ScheduleExpressionTimezone {name}: not an IANA time zone name (such as \
             America/New_York or UTC)."
        )
    })
}

/// When a schedule fires: its expression, time zone, window and (for rates) anchor.
#[derive(Debug, Clone)]
pub(crate) struct Timing {
    pub(crate) expression: Expression,
    pub(crate) time_zone: Tz,
    /// No fire before it (recurring schedules only; AWS ignores it for `at`).
    pub(crate) start: Option<DateTime<Utc>>,
    /// No fire at or after it (recurring schedules only).
    pub(crate) end: Option<DateTime<Utc>>,
    /// Where a rate counts from: the start date, or when the schedule was created.
    pub(crate) anchor: DateTime<Utc>,
}

impl Timing {
    /// The first fire at or after `t`.
    pub(crate) fn at_or_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.after(t - chrono::Duration::milliseconds(1))
    }

    /// The first fire strictly after `t`, within the start and end dates.
    pub(crate) fn after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let from = match (&self.expression, self.start) {
            (Expression::At(_), _) | (_, None) => t,
            (_, Some(start)) => t.max(start - chrono::Duration::milliseconds(1)),
        };
        let next = match &self.expression {
            Expression::Rate(every) => {
                if from < self.anchor {
                    Some(self.anchor)
                } else {
                    let periods =
                        (from - self.anchor).num_milliseconds() / every.num_milliseconds();
                    self.anchor
                        .checked_add_signed(*every * i32::try_from(periods + 1).ok()?)
                }
            }
            Expression::Cron(cron) => self.next_cron(cron, from),
            Expression::At(local) => {
                let t = resolve(self.time_zone, *local)?;
                (t > from).then_some(t)
            }
        }?;
        match (&self.expression, self.end) {
            (Expression::At(_), _) | (_, None) => Some(next),
            (_, Some(end)) => (next < end).then_some(next),
        }
    }

    /// The first cron time after `after` as an instant: skipped wall-clock times do not fire,
    /// repeated ones fire at their first occurrence only.
    fn next_cron(&self, cron: &Cron, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut local = after.with_timezone(&self.time_zone).naive_local();
        loop {
            let candidate = cron.next_after(local)?;
            if let Some(t) = resolve(self.time_zone, candidate)
                && t > after
            {
                return Some(t);
            }
            local = candidate;
        }
    }
}

/// A wall-clock time in `tz` as an instant: `None` when daylight saving time skips it, the
/// first of the two when it repeats.
pub(crate) fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn timing(expr: &str, tz: &str, anchor: &str) -> Timing {
        Timing {
            expression: Expression::parse(expr).unwrap(),
            time_zone: parse_time_zone(tz).unwrap(),
            start: None,
            end: None,
            anchor: utc(anchor),
        }
    }

    fn fires(t: &Timing, from: &str, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = utc(from);
        while out.len() < n {
            let Some(next) = t.after(at) else { break };
            out.push(next.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            at = next;
        }
        out
    }

    #[test]
    fn rates_count_from_the_anchor() {
        let t = timing("rate(5 minutes)", "UTC", "2026-01-01T00:00:30Z");
        assert_eq!(
            fires(&t, "2026-01-01T00:00:00Z", 3),
            [
                "2026-01-01T00:00:30Z",
                "2026-01-01T00:05:30Z",
                "2026-01-01T00:10:30Z"
            ]
        );
        assert_eq!(
            t.at_or_after(utc("2026-01-01T00:05:30Z")),
            Some(utc("2026-01-01T00:05:30Z"))
        );
        // A day is 24 hours, also across a DST change (AWS: "days represents a 24-hour
        // duration on the clock").
        let t = timing("rate(1 day)", "America/New_York", "2026-03-07T12:00:00Z");
        assert_eq!(
            fires(&t, "2026-03-07T12:00:00Z", 2),
            ["2026-03-08T12:00:00Z", "2026-03-09T12:00:00Z"]
        );
    }

    #[test]
    fn cron_in_a_time_zone_follows_aws_dst_rules() {
        // 2026-03-08: New York springs forward at 02:00 EST to 03:00 EDT; 02:30 does not
        // exist that day, so it does not fire (the 7th and 9th do, at 07:30Z and 06:30Z).
        let t = timing(
            "cron(30 2 * * ? *)",
            "America/New_York",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(
            fires(&t, "2026-03-07T00:00:00Z", 2),
            ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"]
        );
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice and fires once,
        // at its first occurrence (05:30Z), not again at 06:30Z.
        let t = timing(
            "cron(30 1 * * ? *)",
            "America/New_York",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(
            fires(&t, "2026-10-31T00:00:00Z", 3),
            [
                "2026-10-31T05:30:00Z",
                "2026-11-01T05:30:00Z",
                "2026-11-02T06:30:00Z"
            ]
        );
        // Every 20 minutes during the repeated hour: each wall-clock time once.
        let t = timing(
            "cron(0/20 1 * * ? *)",
            "America/New_York",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(
            fires(&t, "2026-11-01T04:59:00Z", 4),
            [
                "2026-11-01T05:00:00Z",
                "2026-11-01T05:20:00Z",
                "2026-11-01T05:40:00Z",
                "2026-11-02T06:00:00Z"
            ]
        );
    }

    #[test]
    fn at_fires_once_and_windows_bound_recurring_schedules() {
        let t = timing(
            "at(2026-12-24T10:00:00)",
            "Europe/Paris",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(
            fires(&t, "2026-01-01T00:00:00Z", 3),
            ["2026-12-24T09:00:00Z"]
        );
        let mut t = timing("cron(0 * * * ? *)", "UTC", "2026-01-01T00:00:00Z");
        t.start = Some(utc("2026-01-01T05:30:00Z"));
        t.end = Some(utc("2026-01-01T08:00:00Z"));
        assert_eq!(
            fires(&t, "2026-01-01T00:00:00Z", 5),
            ["2026-01-01T06:00:00Z", "2026-01-01T07:00:00Z"]
        );
        let mut t = timing("rate(1 hour)", "UTC", "2026-01-01T05:30:00Z");
        t.start = Some(utc("2026-01-01T05:30:00Z"));
        assert_eq!(
            t.at_or_after(utc("2026-01-01T00:00:00Z")),
            Some(utc("2026-01-01T05:30:00Z"))
        );
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        let table: &[(&str, &str)] = &[
            ("rate(0 minutes)", "'0' is not a positive whole number"),
            ("rate(5 weeks)", "unit 'weeks' is not one of"),
            ("rate(1 minutes)", "singular: rate(1 minute)"),
            ("rate(5 hour)", "plural: rate(5 hours)"),
            ("rate(5)", "a value and a unit"),
            ("cron(0 12 * * *)", "six fields"),
            ("cron(0 12 * * * *)", "use '?' in one of them"),
            ("at(2026-12-24 10:00:00)", "yyyy-mm-ddThh:mm:ss"),
            ("at(2026-02-30T10:00:00)", "not a valid date"),
            ("every 5 minutes", "expected rate(value unit)"),
            ("", "1 to 256 characters"),
        ];
        for (expr, want) in table {
            let e = Expression::parse(expr).unwrap_err();
            assert!(
                e.starts_with(&format!("Invalid Schedule Expression {expr}")),
                "{e}"
            );
            assert!(e.contains(want), "{expr}: {e}");
        }
        assert!(
            parse_time_zone("Mars/Olympus")
                .unwrap_err()
                .contains("IANA")
        );
        assert!(parse_time_zone("America/New_York").is_ok());
    }
}
