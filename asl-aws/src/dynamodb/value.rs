//! DynamoDB JSON, both ways: attribute values (`{"S": "a"}`, `{"N": "1"}`, `{"B": "<base64>"}`,
//! `{"SS": […]}`, `{"NS": […]}`, `{"BS": […]}`, `{"M": {…}}`, `{"L": […]}`, `{"NULL": true}`,
//! `{"BOOL": false}`) read from a state's parameters into the SDK's [`AttributeValue`] and
//! written back from responses exactly as the DynamoDB API has them; and [`Obj`], a reader of
//! the parameters' nested objects that names each field by its path
//! (`TransactItems[0].Put.Item.id.S`) when it is malformed, since the state's author has to
//! find it in a possibly large `Parameters` block.

use std::collections::HashMap;

use asl_runtime::TaskError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::error;
use crate::params::{Params, kind};

/// An item, a key, or `ExpressionAttributeValues`: attribute values by name.
pub(super) type Item = HashMap<String, AttributeValue>;

/// The data type members an attribute value may have, for messages.
const TYPES: &str = "S, N, B, SS, NS, BS, M, L, NULL or BOOL";

/// `States.Runtime`: the field at `path` is not what the API takes.
pub(super) fn wrong(api: &str, path: &str, expected: &str, got: &Value) -> TaskError {
    error::parameters(format!(
        "The field '{path}' of {api} must be {expected}, not {}",
        kind(got)
    ))
}

/// One attribute value in DynamoDB JSON, found at `path` (for messages).
pub(super) fn attribute(value: Value, api: &str, path: &str) -> Result<AttributeValue, TaskError> {
    let map = match value {
        Value::Object(map) => map,
        other => {
            return Err(wrong(
                api,
                path,
                "an attribute value such as {\"S\": \"text\"}",
                &other,
            ));
        }
    };
    let mut members = map.into_iter();
    let (ty, v) = match (members.next(), members.next()) {
        (Some(only), None) => only,
        (None, _) => {
            return Err(error::parameters(format!(
                "The field '{path}' of {api} must be an attribute value with one data type \
                 member ({TYPES}), not an empty object"
            )));
        }
        (Some((a, _)), Some((b, _))) => {
            return Err(error::parameters(format!(
                "The field '{path}' of {api} must be an attribute value with exactly one data \
                 type member ({TYPES}), not several ('{a}', '{b}')"
            )));
        }
    };
    let at = format!("{path}.{ty}");
    Ok(match ty.as_str() {
        "S" => AttributeValue::S(string(v, api, &at)?),
        "N" => AttributeValue::N(string(v, api, &at)?),
        "B" => AttributeValue::B(binary(v, api, &at)?),
        "SS" => AttributeValue::Ss(strings(v, api, &at)?),
        "NS" => AttributeValue::Ns(strings(v, api, &at)?),
        "BS" => AttributeValue::Bs(
            array(v, api, &at, "an array of base64 strings")?
                .into_iter()
                .enumerate()
                .map(|(i, b)| binary(b, api, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        "M" => AttributeValue::M(item(v, api, &at)?),
        "L" => AttributeValue::L(list(v, api, &at)?),
        "NULL" => AttributeValue::Null(boolean(v, api, &at)?),
        "BOOL" => AttributeValue::Bool(boolean(v, api, &at)?),
        other => {
            return Err(error::parameters(format!(
                "The field '{path}' of {api} has the member '{other}', which is not a data type \
                 of attribute values ({TYPES})"
            )));
        }
    })
}

/// Attribute values by name (an item, a key, `ExpressionAttributeValues`) at `path`.
pub(super) fn item(value: Value, api: &str, path: &str) -> Result<Item, TaskError> {
    match value {
        Value::Object(map) => map
            .into_iter()
            .map(|(name, v)| {
                let at = format!("{path}.{name}");
                Ok((name, attribute(v, api, &at)?))
            })
            .collect(),
        other => Err(wrong(api, path, "an object of attribute values", &other)),
    }
}

/// A list of attribute values at `path`.
pub(super) fn list(value: Value, api: &str, path: &str) -> Result<Vec<AttributeValue>, TaskError> {
    array(value, api, path, "an array of attribute values")?
        .into_iter()
        .enumerate()
        .map(|(i, v)| attribute(v, api, &format!("{path}[{i}]")))
        .collect()
}

/// A top-level member holding attribute values by name (`Item`, `Key`,
/// `ExpressionAttributeValues`, `ExclusiveStartKey`).
pub(super) fn item_member(p: &mut Params, key: &str, api: &str) -> Result<Option<Item>, TaskError> {
    p.take(key).map(|v| item(v, api, key)).transpose()
}

/// A top-level enumeration member (`ReturnValues`, `Select`, …). Values the SDK does not know
/// are sent as written, and DynamoDB judges them, as it does for Step Functions.
pub(super) fn enumeration<T: for<'a> From<&'a str>>(
    p: &mut Params,
    key: &str,
) -> Result<Option<T>, TaskError> {
    Ok(p.string(key)?.map(|s| T::from(s.as_str())))
}

fn string(value: Value, api: &str, path: &str) -> Result<String, TaskError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(wrong(api, path, "a string", &other)),
    }
}

fn boolean(value: Value, api: &str, path: &str) -> Result<bool, TaskError> {
    match value {
        Value::Bool(b) => Ok(b),
        other => Err(wrong(api, path, "a boolean", &other)),
    }
}

fn array(value: Value, api: &str, path: &str, expected: &str) -> Result<Vec<Value>, TaskError> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(wrong(api, path, expected, &other)),
    }
}

fn strings(value: Value, api: &str, path: &str) -> Result<Vec<String>, TaskError> {
    array(value, api, path, "an array of strings")?
        .into_iter()
        .enumerate()
        .map(|(i, s)| string(s, api, &format!("{path}[{i}]")))
        .collect()
}

/// Binary as DynamoDB JSON has it: base64 text.
fn binary(value: Value, api: &str, path: &str) -> Result<Blob, TaskError> {
    let text = match value {
        Value::String(s) => s,
        other => return Err(wrong(api, path, "a base64 string", &other)),
    };
    STANDARD
        .decode(text.as_bytes())
        .map(Blob::new)
        .map_err(|e| {
            error::parameters(format!(
                "The field '{path}' of {api} must be base64 text: {e}"
            ))
        })
}

/// A nested object of the parameters (`TransactItems[0].Put`, a `WriteRequest`, an `Expected`
/// entry), read member by member; like [`Params`], it rejects members it was not asked for.
pub(super) struct Obj {
    map: Map<String, Value>,
    path: String,
    api: &'static str,
}

impl Obj {
    /// `value`, found at `path`, as an object.
    pub(super) fn new(value: Value, api: &'static str, path: String) -> Result<Obj, TaskError> {
        match value {
            Value::Object(map) => Ok(Obj { map, path, api }),
            other => Err(wrong(api, &path, "an object", &other)),
        }
    }

    /// The path of member `key`.
    pub(super) fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The member, if given and not null.
    pub(super) fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    pub(super) fn string(&mut self, key: &str) -> Result<Option<String>, TaskError> {
        let at = self.at(key);
        self.take(key).map(|v| string(v, self.api, &at)).transpose()
    }

    pub(super) fn bool(&mut self, key: &str) -> Result<Option<bool>, TaskError> {
        let at = self.at(key);
        self.take(key)
            .map(|v| boolean(v, self.api, &at))
            .transpose()
    }

    /// An enumeration member, sent as written (see [`enumeration`]).
    pub(super) fn enumeration<T: for<'a> From<&'a str>>(
        &mut self,
        key: &str,
    ) -> Result<Option<T>, TaskError> {
        Ok(self.string(key)?.map(|s| T::from(s.as_str())))
    }

    pub(super) fn item(&mut self, key: &str) -> Result<Option<Item>, TaskError> {
        let at = self.at(key);
        self.take(key).map(|v| item(v, self.api, &at)).transpose()
    }

    pub(super) fn attribute(&mut self, key: &str) -> Result<Option<AttributeValue>, TaskError> {
        let at = self.at(key);
        self.take(key)
            .map(|v| attribute(v, self.api, &at))
            .transpose()
    }

    pub(super) fn list(&mut self, key: &str) -> Result<Option<Vec<AttributeValue>>, TaskError> {
        let at = self.at(key);
        self.take(key).map(|v| list(v, self.api, &at)).transpose()
    }

    /// `ExpressionAttributeNames`: strings by placeholder.
    pub(super) fn names(
        &mut self,
        key: &str,
    ) -> Result<Option<HashMap<String, String>>, TaskError> {
        let at = self.at(key);
        let Some(value) = self.take(key) else {
            return Ok(None);
        };
        match value {
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| {
                    let s = string(v, self.api, &format!("{at}.{k}"))?;
                    Ok((k, s))
                })
                .collect::<Result<_, _>>()
                .map(Some),
            other => Err(wrong(self.api, &at, "an object of strings", &other)),
        }
    }

    /// A member the API requires (DynamoDB's SDK types cannot be built without it).
    pub(super) fn required<T>(&self, key: &str, value: Option<T>) -> Result<T, TaskError> {
        value.ok_or_else(|| {
            error::parameters(format!(
                "The field '{}' of {} is required",
                self.at(key),
                self.api
            ))
        })
    }

    /// Fails on members the API does not have.
    pub(super) fn finish(self) -> Result<(), TaskError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(error::parameters(format!(
                "The field '{}.{key}' is not supported by Step Functions for {}",
                self.path, self.api
            ))),
        }
    }
}

/// Members of an object parameter holding objects (`Expected`, `KeyConditions`,
/// `RequestItems`), each read by `read` with its path.
pub(super) fn entries<T>(
    value: Value,
    api: &'static str,
    path: &str,
    mut read: impl FnMut(Value, String) -> Result<T, TaskError>,
) -> Result<HashMap<String, T>, TaskError> {
    match value {
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                let at = format!("{path}.{k}");
                Ok((k, read(v, at)?))
            })
            .collect(),
        other => Err(wrong(api, path, "an object", &other)),
    }
}

/// The elements of an array parameter (`TransactItems`, a table's write requests), each read
/// by `read` with its path.
pub(super) fn elements<T>(
    value: Value,
    api: &'static str,
    path: &str,
    mut read: impl FnMut(Value, String) -> Result<T, TaskError>,
) -> Result<Vec<T>, TaskError> {
    array(value, api, path, "an array")?
        .into_iter()
        .enumerate()
        .map(|(i, v)| read(v, format!("{path}[{i}]")))
        .collect()
}

/// An attribute value as DynamoDB JSON.
pub(super) fn to_json(value: AttributeValue) -> Result<Value, TaskError> {
    Ok(match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": STANDARD.encode(b.as_ref()) }),
        AttributeValue::Ss(ss) => json!({ "SS": ss }),
        AttributeValue::Ns(ns) => json!({ "NS": ns }),
        AttributeValue::Bs(bs) => json!({
            "BS": bs.iter().map(|b| STANDARD.encode(b.as_ref())).collect::<Vec<_>>()
        }),
        AttributeValue::M(m) => json!({ "M": item_to_json(m)? }),
        AttributeValue::L(l) => json!({
            "L": l.into_iter().map(to_json).collect::<Result<Vec<_>, _>>()?
        }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        // A data type newer than this SDK: better to fail than to hand the state a wrong item.
        _ => {
            return Err(TaskError::new(
                "States.Runtime",
                "DynamoDB answered with an attribute value of a data type this version of \
                 asl-aws does not know",
            ));
        }
    })
}

/// Attribute values by name as a JSON object, names in order (DynamoDB's maps have none; a
/// fixed one keeps outputs reproducible).
pub(super) fn item_to_json(item: Item) -> Result<Value, TaskError> {
    let mut members: Vec<_> = item.into_iter().collect();
    members.sort_by(|a, b| a.0.cmp(&b.0));
    let mut map = Map::new();
    for (name, value) in members {
        map.insert(name, to_json(value)?);
    }
    Ok(Value::Object(map))
}
