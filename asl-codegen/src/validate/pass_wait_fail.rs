//! Pass, Wait and Fail states' own fields (Succeed has none): static `Result`, one wait
//! field, RFC 3339 timestamps, error and cause (STATE-PASS-4, TOP-11, STATE-FAIL-*).

use super::{ExprCtx, MAX_SECONDS, Validator, list};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::{Json, Member, Value};

impl Validator<'_> {
    /// VAL-33 `PASS_RESULT_IS_STATIC`.
    pub(super) fn pass_result_static(&mut self, j: &Json, ptr: &Pointer) {
        match &j.value {
            Value::Object(members) => {
                for m in members {
                    if m.key.ends_with(".$") {
                        let msg = format!(
                            "`{}` in a Pass `Result` is not evaluated: `Result` is static",
                            m.key
                        );
                        self.help(
                            Code::PassResultIsStatic,
                            m.key_span,
                            &ptr.key(&m.key),
                            msg,
                            "use `Parameters` to build the output from paths",
                        );
                    }
                    self.pass_result_static(&m.value, &ptr.key(&m.key));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.pass_result_static(item, &ptr.index(i));
                }
            }
            _ => {}
        }
    }

    pub(super) fn fail(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage) -> Fail {
        let obj = j.as_object().unwrap_or_default();
        let text = |v: &mut Self, lit: &str, path_field: &str| -> Option<FailText> {
            v.exclusive(obj, lit, path_field, ptr);
            if let Some(m) = j.member(lit) {
                let p = ptr.key(lit);
                if ql == QueryLanguage::Jsonata {
                    let r = v.jsonata_or(ql, &m.value, &p, ExprCtx::default(), |v| {
                        v.spanned_string(&m.value, &p, lit)
                    })?;
                    return Some(match r {
                        Ok(s) => FailText::Literal(s),
                        Err(e) => FailText::Expr(e),
                    });
                }
                return v.spanned_string(&m.value, &p, lit).map(FailText::Literal);
            }
            let m = j.member(path_field)?;
            if ql != QueryLanguage::JsonPath {
                return None;
            }
            let p = ptr.key(path_field);
            let s = v.string(&m.value, &p, path_field)?;
            if s.starts_with("States.") {
                let call = v.call(&m.value, &p, path_field)?;
                if !call.value.function.may_return_string() {
                    let msg = format!(
                        "`{path_field}` must produce a string; `{}` does not",
                        call.value.function
                    );
                    v.report(Code::IntrinsicArguments, m.value.span, &p, msg);
                }
                return Some(FailText::Intrinsic(call));
            }
            v.reference_path(&m.value, &p, path_field)
                .map(FailText::Path)
        };
        let error = text(self, "Error", "ErrorPath");
        let cause = text(self, "Cause", "CausePath");
        Fail { error, cause }
    }

    pub(super) fn wait(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage, name: &str) -> Wait {
        let fields: &[&str] = match ql {
            QueryLanguage::JsonPath => &["Seconds", "SecondsPath", "Timestamp", "TimestampPath"],
            QueryLanguage::Jsonata => &["Seconds", "Timestamp"],
        };
        let present: Vec<&Member> = fields.iter().filter_map(|f| j.member(f)).collect();
        if present.is_empty() {
            let msg = format!("a Wait state needs exactly one of {}", list(fields));
            self.report(Code::MissingField, j.span, ptr, msg);
        }
        for extra in present.iter().skip(1) {
            let msg = format!(
                "a Wait state takes exactly one of {}; `{}` and `{}` are both set",
                list(fields),
                present[0].key,
                extra.key
            );
            self.report(
                Code::MutuallyExclusive,
                extra.key_span,
                &ptr.key(&extra.key),
                msg,
            );
        }
        let until = present.first().and_then(|m| {
            let p = ptr.key(&m.key);
            let v = &m.value;
            match m.key.as_str() {
                "Seconds" => {
                    let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                        s.int(v, &p, "Seconds", 0, MAX_SECONDS as i64)
                    })?;
                    Some(match r {
                        Ok(n) => WaitFor::Seconds(Spanned::new(n, v.span)),
                        Err(e) => WaitFor::SecondsExpr(e),
                    })
                }
                "Timestamp" => {
                    let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                        let t = s.string(v, &p, "Timestamp")?;
                        if !is_timestamp(t) {
                            s.timestamp_error(v, &p, t);
                            return None;
                        }
                        Some(Spanned::new(t.to_string(), v.span))
                    })?;
                    Some(match r {
                        Ok(t) => WaitFor::Timestamp(t),
                        Err(e) => WaitFor::TimestampExpr(e),
                    })
                }
                "SecondsPath" => self
                    .reference_path(v, &p, "SecondsPath")
                    .map(WaitFor::SecondsPath),
                _ => self
                    .reference_path(v, &p, "TimestampPath")
                    .map(WaitFor::TimestampPath),
            }
        });
        Wait {
            until,
            transition: self.transition(j, ptr, name),
        }
    }

    pub(super) fn timestamp_error(&mut self, v: &Json, p: &Pointer, t: &str) {
        let msg = format!("`{t}` does not match the RFC 3339 timestamp format");
        self.help(
            Code::InvalidTimestamp,
            v.span,
            p,
            msg,
            "write timestamps like `2016-03-14T01:59:00Z`: uppercase `T`, and `Z` or an offset \
             such as `+01:00`",
        );
    }
}

/// `true` for timestamps in the ASL profile of RFC 3339 (TOP-11): `YYYY-MM-DDTHH:MM:SS`, an
/// optional fraction, and `Z` or `±HH:MM`; uppercase `T` and `Z`; valid calendar dates.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if d == 0 || d > days || h > 23 || mi > 59 || sec > 59 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &s[i..] {
        "Z" => true,
        rest => {
            let rb = rest.as_bytes();
            rb.len() == 6
                && (rb[0] == b'+' || rb[0] == b'-')
                && rb[3] == b':'
                && digits(i + 1..i + 3).is_some_and(|h| h <= 23)
                && digits(i + 4..i + 6).is_some_and(|m| m <= 59)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        for ok in [
            "2016-03-14T01:59:00Z",
            "2016-03-05T21:29:29.243167252Z",
            "2016-02-29T00:00:00+01:00",
            "2000-02-29T23:59:59-05:30",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "2016-13-05T21:29:29Z",
            "05-12-2016T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2016-12-05 21:29:29Z",
            "2016-12-05T21:29:29",
            "2015-02-29T00:00:00Z",
            "2016-03-14t01:59:00z",
            "2016-03-14T01:59:00.Z",
            "{% '2016-03-14T01:59:00Z' %}",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }
}
