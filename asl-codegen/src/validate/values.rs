//! Typed reads of JSON values (objects, strings, integers in a range, enumerations, known
//! keys, exclusive pairs): each reports a wrong type or value where it is read (VAL-36).

use super::{Validator, fields, list};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::{Json, Member};

impl Validator<'_> {
    pub(super) fn object<'j>(
        &mut self,
        j: &'j Json,
        ptr: &Pointer,
        what: &str,
    ) -> Option<&'j [Member]> {
        match j.as_object() {
            Some(m) => Some(m),
            None => {
                let msg = format!("{what} must be a JSON object, found {}", j.type_name());
                self.report(Code::ExpectedObject, j.span, ptr, msg);
                None
            }
        }
    }

    pub(super) fn string<'j>(
        &mut self,
        j: &'j Json,
        ptr: &Pointer,
        field: &str,
    ) -> Option<&'j str> {
        match j.as_str() {
            Some(s) => Some(s),
            None => {
                let msg = format!("`{field}` must be a string, found {}", j.type_name());
                self.report(Code::WrongType, j.span, ptr, msg);
                None
            }
        }
    }

    pub(super) fn spanned_string(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        field: &str,
    ) -> Option<Spanned<String>> {
        self.string(j, ptr, field)
            .map(|s| Spanned::new(s.to_string(), j.span))
    }

    /// An integer in `min..=max`.
    pub(super) fn int(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        field: &str,
        min: i64,
        max: i64,
    ) -> Option<u64> {
        let Some(n) = j.as_number() else {
            let msg = format!("`{field}` must be an integer, found {}", j.type_name());
            self.report(Code::WrongType, j.span, ptr, msg);
            return None;
        };
        match n.as_i64() {
            None if n.as_f64().fract() == 0.0 => {
                let msg = format!(
                    "`{field}` must be between {min} and {max}, found {}",
                    n.raw()
                );
                self.report(Code::OutOfRange, j.span, ptr, msg);
                None
            }
            None => {
                let msg = format!("`{field}` must be an integer, found `{}`", n.raw());
                self.report(Code::WrongType, j.span, ptr, msg);
                None
            }
            Some(i) if i < min || i > max => {
                let msg = format!(
                    "`{field}` must be between {min} and {max}, found {}",
                    n.raw()
                );
                self.report(Code::OutOfRange, j.span, ptr, msg);
                None
            }
            Some(i) => u64::try_from(i).ok(),
        }
    }

    pub(super) fn comment(&mut self, obj: &[Member], ptr: &Pointer) -> Option<String> {
        let m = obj.iter().find(|m| m.key == "Comment")?;
        self.string(&m.value, &ptr.key("Comment"), "Comment")
            .map(str::to_string)
    }

    /// Reports members not in `allowed` (for objects other than states).
    pub(super) fn known_keys(
        &mut self,
        obj: &[Member],
        allowed: &[&str],
        ptr: &Pointer,
        what: &str,
    ) {
        for m in obj {
            if !allowed.contains(&m.key.as_str()) {
                let mut msg = format!("`{}` is not a field of {what}", m.key);
                if let Some(s) = fields::suggest(&m.key, allowed.iter().copied()) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                let help = format!("{what} allows {}", list(allowed));
                self.help(Code::UnknownField, m.key_span, &ptr.key(&m.key), msg, &help);
            }
        }
    }

    pub(super) fn exclusive(&mut self, obj: &[Member], a: &str, b: &str, ptr: &Pointer) {
        let ma = obj.iter().find(|m| m.key == a);
        let mb = obj.iter().find(|m| m.key == b);
        if let (Some(_), Some(mb)) = (ma, mb) {
            let msg = format!("`{a}` and `{b}` cannot both be set");
            self.help(
                Code::MutuallyExclusive,
                mb.key_span,
                &ptr.key(b),
                msg,
                &format!("keep one of `{a}` and `{b}`"),
            );
        }
    }

    /// An optional string field restricted to `allowed` values.
    pub(super) fn enum_field(
        &mut self,
        j: &Json,
        p: &Pointer,
        field: &str,
        allowed: &[&str],
    ) -> Option<String> {
        let v = j.get(field)?;
        let fp = p.key(field);
        let s = self.string(v, &fp, field)?;
        if !allowed.contains(&s) {
            let msg = format!("`{field}` must be one of {}, found \"{s}\"", list(allowed));
            self.report(Code::InvalidValue, v.span, &fp, msg);
            return None;
        }
        Some(s.to_string())
    }
}
