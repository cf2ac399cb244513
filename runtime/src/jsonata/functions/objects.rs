//! Object functions (`$keys`, `$lookup`, `$spread`, `$merge`, `$each`, `$sift`, `$clone`)
//! and the value-level ones JSONata files beside them (`$type`, `$error`, `$assert`).

use std::rc::Rc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::args::{R, arg, args, array_arg, bad_arg, call_with, err, func_arg, str_arg};
use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::value::Value;

pub(super) fn keys<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let mut out: Vec<String> = Vec::new();
    for item in v.to_items() {
        if let Some(entries) = item.entries() {
            for (k, _) in entries {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
    }
    Ok(Some(Value::sequence(
        out.into_iter().map(Value::str).collect(),
    )))
}

pub(super) fn lookup_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let Some(key) = str_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    if v.is_array() {
        let mut out = Vec::new();
        for item in v.to_items() {
            if let Some(r) = item.field(&key) {
                match r.items() {
                    Some(items) => out.extend(items),
                    None => out.push(r),
                }
            }
        }
        return Ok(Some(Value::sequence(out)));
    }
    Ok(v.field(&key))
}

pub(super) fn spread<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for item in v.to_items() {
        match item.entries() {
            Some(entries) => {
                for (k, val) in entries {
                    let mut o = IndexMap::new();
                    o.insert(k, val);
                    out.push(Value::object(o));
                }
            }
            None => out.push(item),
        }
    }
    Ok(Some(Value::sequence(out)))
}

pub(super) fn merge<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let mut out = IndexMap::new();
    for item in items {
        match item.entries() {
            Some(entries) => {
                for (k, v) in entries {
                    out.insert(k, v);
                }
            }
            None => return bad_arg(&c, 1),
        }
    }
    Ok(Some(Value::object(out)))
}

pub(super) fn each<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let Some(entries) = v.entries() else {
        return bad_arg(&c, 1);
    };
    let mut out = Vec::new();
    for (k, val) in entries {
        if let Some(r) = call_with(
            ev,
            &f,
            vec![Some(val), Some(Value::str(k)), Some(v.clone())],
        )? {
            out.push(r);
        }
    }
    Ok(Some(Value::sequence(out)))
}

pub(super) fn sift<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(v) = arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let Some(entries) = v.entries() else {
        return bad_arg(&c, 1);
    };
    let mut out = IndexMap::new();
    for (k, val) in entries {
        let keep = call_with(
            ev,
            &f,
            vec![
                Some(val.clone()),
                Some(Value::str(k.as_str())),
                Some(v.clone()),
            ],
        )?
        .is_some_and(|r| r.truthy());
        if keep {
            out.insert(k, val);
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    Ok(Some(Value::object(out)))
}

pub(super) fn type_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| Value::str(v.type_name())))
}

pub(super) fn error_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let msg = str_arg(&c, &a, 0)?;
    err(
        "D3137",
        msg.map_or_else(
            || "$error() function evaluated".to_string(),
            |m| m.to_string(),
        ),
    )
}

pub(super) fn assert_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    // The signature admits only a boolean or undefined (which fails the assertion).
    let ok = match arg(&a, 0) {
        Some(Value::Bool(b)) => b,
        None => false,
        Some(_) => return bad_arg(&c, 1),
    };
    if ok {
        return Ok(None);
    }
    let msg = str_arg(&c, &a, 1)?.filter(|m| !m.is_empty());
    err(
        "D3141",
        msg.map_or_else(
            || "$assert() statement failed".to_string(),
            |m| m.to_string(),
        ),
    )
}

/// An owned deep copy (no borrowed JSON left), so that a transform can find what its
/// pattern matched by identity.
pub(crate) fn deep_own<'a>(v: &Value<'a>) -> Value<'a> {
    match v {
        Value::Json(Json::String(s)) => Value::str(s.as_str()),
        Value::Json(Json::Array(a)) => {
            Value::array(a.iter().map(|x| deep_own(&Value::from_json(x))).collect())
        }
        Value::Json(Json::Object(m)) => Value::object(
            m.iter()
                .map(|(k, x)| (k.clone(), deep_own(&Value::from_json(x))))
                .collect(),
        ),
        Value::Array(a) => {
            let mut a2 = (**a).clone();
            a2.items = a.items.iter().map(deep_own).collect();
            Value::Array(Rc::new(a2))
        }
        Value::Object(m) => {
            Value::object(m.iter().map(|(k, x)| (k.clone(), deep_own(x))).collect())
        }
        v => v.clone(),
    }
}

pub(super) fn clone_fn<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    Ok(arg(&a, 0).map(|v| deep_own(&v)))
}
