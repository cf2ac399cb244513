//! Boolean functions: `$boolean`, `$not`, `$exists` (JSONata truthiness).

use super::args::{R, arg, args, boolean_value};
use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::value::Value;

pub(super) fn boolean<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| Value::Bool(v.truthy())))
}

pub(super) fn not<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| Value::Bool(!v.truthy())))
}

pub(super) fn exists<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    boolean_value(arg(&c.args, 0).is_some())
}
