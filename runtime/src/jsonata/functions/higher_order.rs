//! Higher-order functions over arrays (`$sort`, `$map`, `$filter`, `$single`, `$reduce`) and
//! the stable merge sort that `$sort` and order-by share.

use std::cmp::Ordering;

use super::args::{R, arg, args, array_arg, bad_arg, call_with, err, func_arg};
use crate::jsonata::eval::{Evaluator, NativeCall, compare_values};
use crate::jsonata::value::{Error, Value};

/// A stable merge sort with a fallible "a sorts after b" comparator (jsonata-js's `$sort`).
pub fn merge_sort<T>(
    items: Vec<T>,
    swap: &dyn Fn(&T, &T) -> Result<bool, Error>,
) -> Result<Vec<T>, Error> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut items = items;
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, swap)?;
    let right = merge_sort(right, swap)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        if swap(a, b)? {
            out.extend(r.next());
        } else {
            out.extend(l.next());
        }
    }
    out.extend(l);
    out.extend(r);
    Ok(out)
}

pub(super) fn sort<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    if items.len() <= 1 {
        return Ok(Some(Value::array(items)));
    }
    let sorted = match func_arg(&c, &a, 1)? {
        Some(f) => merge_sort(items, &|x, y| {
            Ok(call_with(ev, &f, vec![Some(x.clone()), Some(y.clone())])?
                .is_some_and(|v| v.truthy()))
        })?,
        None => {
            let all_nums = items.iter().all(|v| v.as_num().is_some());
            let all_strs = items.iter().all(|v| v.as_str().is_some());
            if !all_nums && !all_strs {
                return err(
                    "D3070",
                    "The single argument form of the sort function can only be applied to an \
                     array of strings or an array of numbers.  Use the second argument to \
                     specify a comparison function",
                );
            }
            merge_sort(items, &|x, y| {
                Ok(compare_values(x, y) == Some(Ordering::Greater))
            })?
        }
    };
    Ok(Some(Value::array(sorted)))
}

pub(super) fn map<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let whole = Value::array(items.clone());
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let r = call_with(
            ev,
            &f,
            vec![Some(item), Some(Value::Num(i as f64)), Some(whole.clone())],
        )?;
        if let Some(r) = r {
            out.push(r);
        }
    }
    Ok(Some(Value::sequence(out)))
}

pub(super) fn filter<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    let whole = Value::array(items.clone());
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let r = call_with(
            ev,
            &f,
            vec![
                Some(item.clone()),
                Some(Value::Num(i as f64)),
                Some(whole.clone()),
            ],
        )?;
        if r.is_some_and(|v| v.truthy()) {
            out.push(item);
        }
    }
    Ok(Some(Value::sequence(out)))
}

pub(super) fn single<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let f = func_arg(&c, &a, 1)?;
    let whole = Value::array(items.clone());
    let mut found = None;
    for (i, item) in items.into_iter().enumerate() {
        let keep = match &f {
            None => true,
            Some(f) => call_with(
                ev,
                f,
                vec![
                    Some(item.clone()),
                    Some(Value::Num(i as f64)),
                    Some(whole.clone()),
                ],
            )?
            .is_some_and(|v| v.truthy()),
        };
        if keep {
            if found.is_some() {
                return err(
                    "D3138",
                    "The $single() function expected exactly 1 matching result.  Instead it \
                     matched more.",
                );
            }
            found = Some(item);
        }
    }
    match found {
        Some(v) => Ok(Some(v)),
        None => err(
            "D3139",
            "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        ),
    }
}

pub(super) fn reduce<'a>(ev: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let Some(f) = func_arg(&c, &a, 1)? else {
        return bad_arg(&c, 2);
    };
    if let Value::Func(func) = &f
        && func.arity() < 2
    {
        return err(
            "D3050",
            "The second argument of reduce function must be a function with at least two \
             arguments",
        );
    }
    let whole = Value::array(items.clone());
    let mut iter = items.into_iter().enumerate();
    let mut acc = match arg(&a, 2) {
        Some(init) => Some(init),
        None => iter.next().map(|(_, v)| v),
    };
    for (i, item) in iter {
        acc = call_with(
            ev,
            &f,
            vec![
                acc,
                Some(item),
                Some(Value::Num(i as f64)),
                Some(whole.clone()),
            ],
        )?;
    }
    Ok(acc)
}
