//! URL encoding of JSON as the HTTP Task does it, for `QueryParameters` and for a
//! `RequestBody` under `Transform.RequestBodyEncoding: URL_ENCODED`: nested objects as
//! `key[member]=value`, arrays by `RequestEncodingOptions.ArrayFormat` (AWS's examples for
//! `{"array": ["a", "b", "c"]}`):
//!
//! - `INDICES` (the default): `array[0]=a&array[1]=b&array[2]=c`
//! - `REPEAT`: `array=a&array=b&array=c`
//! - `COMMAS`: `array=a,b,c`
//! - `BRACKETS`: `array[]=a&array[]=b&array[]=c`
//!
//! Names and values are percent-encoded (RFC 3986: all but `A-Z a-z 0-9 - . _ ~`); the
//! brackets and the commas the format adds stay as written, as in AWS's examples.

use serde_json::{Map, Value};

/// How arrays are written (`RequestEncodingOptions.ArrayFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ArrayFormat {
    #[default]
    Indices,
    Repeat,
    Commas,
    Brackets,
}

impl ArrayFormat {
    /// The format named `name`, if it is one.
    pub(crate) fn parse(name: &str) -> Option<ArrayFormat> {
        match name {
            "INDICES" => Some(ArrayFormat::Indices),
            "REPEAT" => Some(ArrayFormat::Repeat),
            "COMMAS" => Some(ArrayFormat::Commas),
            "BRACKETS" => Some(ArrayFormat::Brackets),
            _ => None,
        }
    }
}

/// `map` as `name=value&…`, already percent-encoded.
pub(crate) fn encode(map: &Map<String, Value>, format: ArrayFormat) -> String {
    let mut out = Vec::new();
    for (name, value) in map {
        flatten(&escape(name), value, format, &mut out);
    }
    join(&out)
}

/// Encoded pairs as `name=value&…`.
pub(crate) fn join(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Appends the encoded pairs of `value` under the encoded name `key`.
fn flatten(key: &str, value: &Value, format: ArrayFormat, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(members) => {
            for (name, v) in members {
                flatten(&format!("{key}[{}]", escape(name)), v, format, out);
            }
        }
        Value::Array(items) => match format {
            ArrayFormat::Commas => {
                let joined = items
                    .iter()
                    .map(|v| escape(&scalar(v)))
                    .collect::<Vec<_>>()
                    .join(",");
                out.push((key.to_owned(), joined));
            }
            ArrayFormat::Indices => {
                for (i, v) in items.iter().enumerate() {
                    flatten(&format!("{key}[{i}]"), v, format, out);
                }
            }
            ArrayFormat::Brackets => {
                for v in items {
                    flatten(&format!("{key}[]"), v, format, out);
                }
            }
            ArrayFormat::Repeat => {
                for v in items {
                    flatten(key, v, format, out);
                }
            }
        },
        other => out.push((key.to_owned(), escape(&scalar(other)))),
    }
}

/// A value's text: a string as it is, `null` empty, anything else its JSON.
pub(crate) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc(v: Value, f: ArrayFormat) -> String {
        match v {
            Value::Object(m) => encode(&m, f),
            _ => unreachable!(),
        }
    }

    #[test]
    fn array_formats_as_aws_documents_them() {
        let v = json!({"array": ["a", "b", "c"]});
        assert_eq!(
            enc(v.clone(), ArrayFormat::Indices),
            "array[0]=a&array[1]=b&array[2]=c"
        );
        assert_eq!(
            enc(v.clone(), ArrayFormat::Repeat),
            "array=a&array=b&array=c"
        );
        assert_eq!(enc(v.clone(), ArrayFormat::Commas), "array=a,b,c");
        assert_eq!(
            enc(v, ArrayFormat::Brackets),
            "array[]=a&array[]=b&array[]=c"
        );
    }

    #[test]
    fn nested_objects_and_escapes() {
        let v = json!({"a b": {"c": "d&e", "n": 1, "t": true, "z": null}});
        assert_eq!(
            enc(v, ArrayFormat::Indices),
            "a%20b[c]=d%26e&a%20b[n]=1&a%20b[t]=true&a%20b[z]="
        );
    }
}
