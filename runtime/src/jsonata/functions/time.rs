//! The clock functions `$now` and `$millis`; formatting and parsing timestamps live in
//! `format`.

use super::args::{R, num, string_value};
use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::format;

pub(super) fn now<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let ms = crate::clock::now().timestamp_millis();
    if c.args.iter().all(Option::is_none) {
        return string_value(format::iso_millis(ms));
    }
    format::format_millis(ms, &c)
}

pub(super) fn millis<'a>(_: &Evaluator<'a>, _: NativeCall<'_, 'a>) -> R<'a> {
    num(crate::clock::now().timestamp_millis() as f64)
}
