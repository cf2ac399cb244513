//! Array functions that need no function argument: `$append`, `$reverse`, `$shuffle`,
//! `$distinct`, `$zip`.

use super::args::{R, arg, args, array_arg};
use crate::jsonata::eval::{Evaluator, NativeCall, append};
use crate::jsonata::value::Value;

pub(super) fn append_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(append(arg(&a, 0), arg(&a, 1)).map(|v| match v {
        v if v.is_array() => Value::array(v.to_items()),
        v => v,
    }))
}

pub(super) fn reverse<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(array_arg(&a, 0).map(|mut v| {
        v.reverse();
        Value::array(v)
    }))
}

pub(super) fn shuffle<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use rand::seq::SliceRandom;
    let a = args(&c);
    Ok(array_arg(&a, 0).map(|mut v| {
        v.shuffle(&mut rand::rng());
        Value::array(v)
    }))
}

pub(super) fn distinct<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    if !v.is_array() || v.len() <= 1 {
        return Ok(Some(v));
    }
    let mut out: Vec<Value<'a>> = Vec::new();
    for item in v.to_items() {
        if !out.iter().any(|o| o.deep_eq(&item)) {
            out.push(item);
        }
    }
    Ok(Some(if v.is_sequence() {
        Value::sequence(out)
    } else {
        Value::array(out)
    }))
}

pub(super) fn zip<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let arrays: Vec<Vec<Value<'a>>> = c
        .args
        .iter()
        .map(|a| a.as_ref().map(Value::to_items).unwrap_or_default())
        .collect();
    let n = arrays.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Some(Value::array(
        (0..n)
            .map(|i| Value::array(arrays.iter().map(|a| a[i].clone()).collect()))
            .collect(),
    )))
}
