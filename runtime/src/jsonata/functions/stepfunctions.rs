//! The functions Step Functions adds to JSONata: `$partition`, `$range`, `$random` with a
//! seed, `$parse`, `$hash`, `$uuid`.

use std::rc::Rc;

use serde_json::Value as Json;

use super::args::{R, arg, args, array_arg, bad_arg, err, num, num_arg, str_arg, string_value};
use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::value::Value;

pub(super) fn random<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use rand::{Rng, SeedableRng};
    let a = args(&c);
    match arg(&a, 0) {
        None => num(rand::rng().random::<f64>()),
        Some(Value::Num(seed)) => {
            let mut r = rand::rngs::StdRng::seed_from_u64(seed.to_bits());
            num(r.random::<f64>())
        }
        Some(_) => bad_arg(&c, 1),
    }
}

pub(super) fn partition<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(items) = array_arg(&a, 0) else {
        return Ok(None);
    };
    let size = match num_arg(&c, &a, 1)? {
        Some(n) if n >= 1.0 && n.fract() == 0.0 => n as usize,
        _ => return bad_arg(&c, 2),
    };
    Ok(Some(Value::array(
        items
            .chunks(size)
            .map(|ch| Value::array(ch.to_vec()))
            .collect(),
    )))
}

pub(super) fn range<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let (Some(start), Some(end)) = (num_arg(&c, &a, 0)?, num_arg(&c, &a, 1)?) else {
        return Ok(None);
    };
    let step = num_arg(&c, &a, 2)?.unwrap_or(1.0);
    if step == 0.0 || !step.is_finite() {
        return bad_arg(&c, 3);
    }
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0.0 && v <= end) || (step < 0.0 && v >= end) {
        if out.len() >= 10_000_000 {
            return err(
                "D2014",
                "The size of the sequence allocated by $range must not exceed 1e7.",
            );
        }
        out.push(Value::Num(v));
        v += step;
    }
    Ok(Some(Value::sequence(out)))
}

/// A JSON value owned by the evaluation.
pub(crate) fn from_owned_json<'a>(j: Json) -> Value<'a> {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => Value::Num(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::array(a.into_iter().map(from_owned_json).collect()),
        Json::Object(m) => Value::object(
            m.into_iter()
                .map(|(k, v)| (k, from_owned_json(v)))
                .collect(),
        ),
    }
}

pub(super) fn parse<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    match serde_json::from_str::<Json>(&s) {
        Ok(j) => Ok(Some(from_owned_json(j))),
        Err(e) => err("D3137", format!("Unable to parse JSON string: {e}")),
    }
}

pub(super) fn hash<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use sha2::Digest;
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let algorithm = str_arg(&c, &a, 1)?.unwrap_or_else(|| Rc::from("SHA-256"));
    let bytes = s.as_bytes();
    let digest: Vec<u8> = match &*algorithm {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return bad_arg(&c, 2),
    };
    string_value(
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
}

pub(super) fn uuid_fn<'a>(_: &Evaluator<'a>, _: NativeCall<'_, 'a>) -> R<'a> {
    string_value(uuid::Uuid::new_v4().to_string())
}
