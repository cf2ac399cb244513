//! Proleptic Gregorian calendar arithmetic on JavaScript time values (milliseconds since
//! the epoch, UTC), and the ISO week rules date/time pictures number weeks by.

pub(super) const DAY: f64 = 86_400_000.0;
/// The largest distance from the epoch of a JavaScript `Date`.
pub(super) const MAX_MILLIS: f64 = 8.64e15;

/// Days since the epoch of a proleptic Gregorian date (`month` 1–12).
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
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
pub(super) fn date_utc(year: f64, month0: f64, day: f64, h: f64, mi: f64, s: f64, ms: f64) -> f64 {
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
pub(super) struct Fields {
    pub(super) millis: f64,
    pub(super) year: i64,
    /// 0–11.
    pub(super) month0: i64,
    pub(super) day: i64,
    /// 0 = Sunday.
    pub(super) weekday: i64,
    pub(super) hours: i64,
    pub(super) minutes: i64,
    pub(super) seconds: i64,
    pub(super) ms: i64,
}

impl Fields {
    pub(super) fn new(millis: f64) -> Self {
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
    pub(super) fn today(&self) -> f64 {
        days_from_civil(self.year, self.month0 + 1, self.day) as f64 * DAY
    }
}

/// The start (Monday, midnight) of week 1 of a month: the week with its first Thursday.
pub(super) fn start_of_first_week(year: i64, month0: i64) -> f64 {
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

pub(super) fn next_month(y: i64, m: i64) -> (i64, i64) {
    if m == 11 { (y + 1, 0) } else { (y, m + 1) }
}

pub(super) fn previous_month(y: i64, m: i64) -> (i64, i64) {
    if m == 0 { (y - 1, 11) } else { (y, m - 1) }
}

pub(super) fn delta_weeks(start: f64, end: f64) -> f64 {
    (end - start) / (DAY * 7.0) + 1.0
}
