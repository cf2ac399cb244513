//! `Retry` and `Catch`: their fields and ranges, and `States.ALL` alone and last (VAL-15,
//! RETRY-*, CATCH-*).

use super::{ExprCtx, MAX_SECONDS, Validator, fields};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::{Json, Member};

impl Validator<'_> {
    fn error_equals(
        &mut self,
        obj: &Json,
        ptr: &Pointer,
        last: bool,
        what: &str,
    ) -> Vec<Spanned<String>> {
        let Some(m) = obj.member("ErrorEquals") else {
            let msg = format!("{what} needs `ErrorEquals`");
            let d = self.report(Code::MissingField, obj.span, ptr, msg);
            if let Some(k) = obj.as_object().and_then(|o| {
                o.iter()
                    .find(|m| fields::suggest(&m.key, ["ErrorEquals"]).is_some())
            }) {
                d.help = Some(format!("`{}` should be spelled `ErrorEquals`", k.key));
            }
            return Vec::new();
        };
        let p = ptr.key("ErrorEquals");
        let Some(items) = m.value.as_array() else {
            let msg = format!(
                "`ErrorEquals` must be an array of error names, found {}",
                m.value.type_name()
            );
            self.report(Code::WrongType, m.value.span, &p, msg);
            return Vec::new();
        };
        if items.is_empty() {
            self.report(
                Code::EmptyValue,
                m.value.span,
                &p,
                "`ErrorEquals` must not be empty",
            );
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.spanned_string(item, &p.index(i), "ErrorEquals") {
                out.push(s);
            }
        }
        if let Some(all) = out.iter().find(|e| e.value == "States.ALL") {
            if out.len() > 1 {
                self.help(
                    Code::StatesAllPosition,
                    all.span,
                    &p,
                    "`States.ALL` must be the only error name in its `ErrorEquals`".to_string(),
                    "remove the other names: `States.ALL` already matches them",
                );
            }
            if !last {
                self.help(
                    Code::StatesAllPosition,
                    all.span,
                    &p,
                    format!("{what} with `States.ALL` must be the last one"),
                    "move it to the end: later entries could never match",
                );
            }
        }
        out
    }

    /// The elements of the array field `field` (`Retry`, `Catch`) that are objects, with
    /// their index and pointer; reports a non-array and non-object elements.
    fn object_items<'j>(
        &mut self,
        j: &'j Json,
        ptr: &Pointer,
        field: &str,
        what: &str,
    ) -> Vec<(usize, &'j Json, &'j [Member], Pointer)> {
        let Some(v) = j.get(field) else {
            return Vec::new();
        };
        let p = ptr.key(field);
        let Some(items) = v.as_array() else {
            let msg = format!(
                "`{field}` must be an array of {what}s, found {}",
                v.type_name()
            );
            self.report(Code::WrongType, v.span, &p, msg);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let ip = p.index(i);
            if let Some(obj) = self.object(item, &ip, &format!("a {what}")) {
                out.push((i, item, obj, ip));
            }
        }
        out
    }

    pub(super) fn retry(&mut self, j: &Json, ptr: &Pointer) -> Vec<Retrier> {
        let count = j
            .get("Retry")
            .and_then(Json::as_array)
            .map_or(0, <[Json]>::len);
        let mut out = Vec::new();
        for (i, r, obj, rp) in self.object_items(j, ptr, "Retry", "Retrier") {
            self.known_keys(
                obj,
                &[
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ],
                &rp,
                "a Retrier",
            );
            let error_equals = self.error_equals(r, &rp, i + 1 == count, "a Retrier");
            let mut retrier = Retrier {
                error_equals,
                interval_seconds: 1,
                max_attempts: 3,
                backoff_rate: 2.0,
                max_delay_seconds: None,
                jitter: Jitter::None,
                span: r.span,
            };
            if let Some(v) = r.get("IntervalSeconds")
                && let Some(n) = self.int(
                    v,
                    &rp.key("IntervalSeconds"),
                    "IntervalSeconds",
                    1,
                    MAX_SECONDS as i64,
                )
            {
                retrier.interval_seconds = n;
            }
            if let Some(v) = r.get("MaxAttempts")
                && let Some(n) = self.int(
                    v,
                    &rp.key("MaxAttempts"),
                    "MaxAttempts",
                    0,
                    MAX_SECONDS as i64,
                )
            {
                retrier.max_attempts = n;
            }
            if let Some(v) = r.get("MaxDelaySeconds")
                && let Some(n) = self.int(
                    v,
                    &rp.key("MaxDelaySeconds"),
                    "MaxDelaySeconds",
                    1,
                    31_622_400,
                )
            {
                retrier.max_delay_seconds = Some(n);
            }
            if let Some(v) = r.get("BackoffRate") {
                let bp = rp.key("BackoffRate");
                match v.as_number() {
                    Some(n) if n.as_f64() >= 1.0 => retrier.backoff_rate = n.as_f64(),
                    Some(n) => {
                        let msg = format!("`BackoffRate` must be at least 1.0, found {}", n.raw());
                        self.report(Code::OutOfRange, v.span, &bp, msg);
                    }
                    None => {
                        let msg =
                            format!("`BackoffRate` must be a number, found {}", v.type_name());
                        self.report(Code::WrongType, v.span, &bp, msg);
                    }
                }
            }
            if let Some(v) = r.get("JitterStrategy") {
                let jp = rp.key("JitterStrategy");
                match self.string(v, &jp, "JitterStrategy") {
                    Some("FULL") => retrier.jitter = Jitter::Full,
                    Some("NONE") => retrier.jitter = Jitter::None,
                    Some(other) => {
                        let msg = format!(
                            "`JitterStrategy` must be \"FULL\" or \"NONE\", found \"{other}\""
                        );
                        self.report(Code::InvalidValue, v.span, &jp, msg);
                    }
                    None => {}
                }
            }
            if let Some(c) = r.get("Comment") {
                self.string(c, &rp.key("Comment"), "Comment");
            }
            out.push(retrier);
        }
        out
    }

    pub(super) fn catch(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage) -> Vec<Catcher> {
        let count = j
            .get("Catch")
            .and_then(Json::as_array)
            .map_or(0, <[Json]>::len);
        let mut out = Vec::new();
        for (i, c, obj, cp) in self.object_items(j, ptr, "Catch", "Catcher") {
            let (allowed, other): (&[&str], &[&str]) = match ql {
                QueryLanguage::JsonPath => (
                    &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"],
                    &["Output"],
                ),
                QueryLanguage::Jsonata => (
                    &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
                    &["ResultPath"],
                ),
            };
            for m in obj.iter().filter(|m| other.contains(&m.key.as_str())) {
                let msg = format!(
                    "`{}` in a Catcher is not available in {}",
                    m.key,
                    ql.as_str()
                );
                let help = if ql == QueryLanguage::Jsonata {
                    "use `Output` with `$states.errorOutput`"
                } else {
                    "use `ResultPath` to place the error output"
                };
                self.help(
                    Code::WrongQueryLanguage,
                    m.key_span,
                    &cp.key(&m.key),
                    msg,
                    help,
                );
            }
            let filtered: Vec<Member> = obj
                .iter()
                .filter(|m| !other.contains(&m.key.as_str()))
                .cloned()
                .collect();
            self.known_keys(&filtered, allowed, &cp, "a Catcher");
            let error_equals = self.error_equals(c, &cp, i + 1 == count, "a Catcher");
            let next = match c.get("Next") {
                Some(n) => self.spanned_string(n, &cp.key("Next"), "Next"),
                None => {
                    self.report(Code::MissingField, c.span, &cp, "a Catcher needs `Next`");
                    None
                }
            };
            self.lossy |= next.is_none();
            if let Some(cm) = c.get("Comment") {
                self.string(cm, &cp.key("Comment"), "Comment");
            }
            let result_path = match (ql, c.get("ResultPath")) {
                (QueryLanguage::JsonPath, Some(rp)) => self.result_path(rp, &cp.key("ResultPath")),
                _ => PathField::Default,
            };
            let ctx = ExprCtx {
                result: false,
                error_output: true,
            };
            let output = match (ql, c.get("Output")) {
                (QueryLanguage::Jsonata, Some(o)) => {
                    Some(self.jsonata_value(o, &cp.key("Output"), ctx))
                }
                _ => None,
            };
            let assign = c
                .get("Assign")
                .and_then(|a| self.assign(a, &cp.key("Assign"), ql, ctx));
            if let Some(next) = next {
                out.push(Catcher {
                    error_equals,
                    next,
                    result_path,
                    output,
                    assign,
                    span: c.span,
                });
            }
        }
        out
    }
}
