//! Encoding functions: `$base64encode`/`$base64decode` and the URL encoders/decoders, with
//! the byte and character rules of the JavaScript functions they mirror.

use super::args::{R, args, err, str_arg, string_value};
use crate::jsonata::eval::{Evaluator, NativeCall};
use crate::jsonata::value::{Error, Value};

pub(super) fn base64encode<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use base64::Engine;
    let a = args(&c);
    Ok(str_arg(&c, &a, 0)?.map(|s| {
        // btoa works on Latin-1 code units; jsonata-js passes the string through as is.
        let bytes: Vec<u8> = s.chars().map(|ch| ch as u32 as u8).collect();
        Value::str(base64::engine::general_purpose::STANDARD.encode(bytes))
    }))
}

pub(super) fn base64decode<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    use base64::Engine;
    let a = args(&c);
    let Some(s) = str_arg(&c, &a, 0)? else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| Error::new("D3137", format!("Invalid base64 string: {e}")))?;
    string_value(bytes.iter().map(|b| *b as char).collect::<String>())
}

const URI_UNRESERVED: &str = "-_.!~*'()";

const URI_RESERVED: &str = ";,/?:@&=+$#";

fn encode(s: &str, keep: &str, name: &str) -> Result<String, Error> {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() || URI_UNRESERVED.contains(ch) || keep.contains(ch) {
            out.push(ch);
        } else {
            if (0xD800..=0xDFFF).contains(&(ch as u32)) {
                return err(
                    "D3140",
                    format!("Malformed URL passed to ${name}(): \"{s}\""),
                );
            }
            let mut buf = [0u8; 4];
            for b in ch.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Ok(out)
}

fn decode(s: &str, keep: &str, name: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let bad = || {
        Error::new(
            "D3140",
            format!("Malformed URL passed to ${name}(): \"{s}\""),
        )
    };
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or_else(bad)?;
            let b = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
            if b < 0x80 && keep.contains(b as char) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(b);
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

pub(super) fn encode_url_component<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(encode(&s, "", "encodeUrlComponent")?),
    }
}

pub(super) fn encode_url<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(encode(&s, URI_RESERVED, "encodeUrl")?),
    }
}

pub(super) fn decode_url_component<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(decode(&s, "", "decodeUrlComponent")?),
    }
}

pub(super) fn decode_url<'a>(_: &Evaluator<'a>, c: NativeCall<'_, 'a>) -> R<'a> {
    let a = args(&c);
    match str_arg(&c, &a, 0)? {
        None => Ok(None),
        Some(s) => string_value(decode(&s, URI_RESERVED, "decodeUrl")?),
    }
}
