//! Argument access and result helpers shared by the function families: each
//! implementation reads its (already signature-checked) arguments through these.

use std::rc::Rc;

use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::number;
use crate::jsonata::value::{Error, Func, Outcome, Value};

pub(super) type R<'a> = Outcome<'a>;

pub(super) fn err<T>(code: &'static str, msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::new(code, msg))
}

/// T0410: argument `i` (1-based) does not match the signature.
pub(super) fn bad_arg<T>(c: &NativeCall<'_, '_>, i: usize) -> Result<T, Error> {
    err(
        "T0410",
        format!(
            "Argument {i} of function \"{}\" does not match function signature",
            c.native.name
        ),
    )
}

/// The arguments (checked and fixed up by the signature in [`validated`](super::validated)).
pub(super) fn args<'a>(c: &NativeCall<'_, 'a>) -> Vec<Option<Value<'a>>> {
    c.args.clone()
}

pub(super) fn arg<'a>(a: &[Option<Value<'a>>], i: usize) -> Option<Value<'a>> {
    a.get(i).cloned().flatten()
}

pub(super) fn str_arg<'a>(
    c: &NativeCall<'_, 'a>,
    a: &[Option<Value<'a>>],
    i: usize,
) -> Result<Option<Rc<str>>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(v) => match v.as_str() {
            Some(s) => Ok(Some(Rc::from(s))),
            None => bad_arg(c, i + 1),
        },
    }
}

pub(super) fn num_arg(
    c: &NativeCall<'_, '_>,
    a: &[Option<Value<'_>>],
    i: usize,
) -> Result<Option<f64>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(Value::Num(n)) => Ok(Some(n)),
        Some(_) => bad_arg(c, i + 1),
    }
}

pub(super) fn func_arg<'a>(
    c: &NativeCall<'_, 'a>,
    a: &[Option<Value<'a>>],
    i: usize,
) -> Result<Option<Value<'a>>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(f @ Value::Func(_)) => Ok(Some(f)),
        Some(_) => bad_arg(c, i + 1),
    }
}

/// An array argument; a single value counts as a one-item array.
pub(super) fn array_arg<'a>(a: &[Option<Value<'a>>], i: usize) -> Option<Vec<Value<'a>>> {
    arg(a, i).map(|v| v.to_items())
}

pub(super) fn nums<'a>(
    c: &NativeCall<'_, 'a>,
    a: &[Option<Value<'a>>],
) -> Result<Option<Vec<f64>>, Error> {
    let Some(items) = array_arg(a, 0) else {
        return Ok(None);
    };
    items
        .iter()
        .map(|v| v.as_num().map_or_else(|| bad_arg(c, 1), Ok))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub(super) fn num<'a>(n: f64) -> R<'a> {
    if n.is_finite() {
        Ok(Some(Value::Num(n)))
    } else {
        err(
            "D1001",
            format!("Number out of range: {}", number::js_string(n)),
        )
    }
}

pub(super) fn string_value<'a>(s: impl Into<Rc<str>>) -> R<'a> {
    Ok(Some(Value::Str(s.into())))
}

pub(super) fn boolean_value<'a>(b: bool) -> R<'a> {
    Ok(Some(Value::Bool(b)))
}

/// Calls `f` with as many of `args` as it declares.
pub(super) fn call_with<'a>(
    ev: &Evaluator<'a>,
    f: &Value<'a>,
    mut args: Vec<Option<Value<'a>>>,
) -> R<'a> {
    if let Value::Func(func) = f {
        let n = func.arity();
        if !matches!(**func, Func::Native(_)) || n > 0 {
            args.truncate(n.max(1));
        }
    }
    ev.apply(f, args, &None)
}
