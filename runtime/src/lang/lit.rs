//! JSON literals as `const` data: generated code writes the JSON values of a definition
//! (a Pass `Result`, the literal parts of a template) as [`Lit`] trees in statics, so nothing is
//! parsed at run time; [`Lit::to_value`] builds the `serde_json::Value` when a state runs.

use serde_json::{Map, Number, Value};

/// A JSON value that can live in a `static`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lit {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// An array.
    Array(&'static [Lit]),
    /// An object, members in definition order.
    Object(&'static [(&'static str, Lit)]),
}

impl Lit {
    /// Builds the JSON value.
    pub fn to_value(&self) -> Value {
        match *self {
            Lit::Null => Value::Null,
            Lit::Bool(b) => Value::Bool(b),
            Lit::Int(i) => Value::Number(i.into()),
            Lit::UInt(u) => Value::Number(u.into()),
            Lit::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Lit::Str(s) => Value::String(s.to_string()),
            Lit::Array(items) => Value::Array(items.iter().map(Lit::to_value).collect()),
            Lit::Object(members) => {
                let mut m = Map::with_capacity(members.len());
                for (k, v) in members {
                    m.insert((*k).to_string(), v.to_value());
                }
                Value::Object(m)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_values_in_order() {
        static L: Lit = Lit::Object(&[
            ("b", Lit::Int(1)),
            (
                "a",
                Lit::Array(&[Lit::Null, Lit::Bool(true), Lit::Float(1.5)]),
            ),
            ("s", Lit::Str("x")),
        ]);
        let v = L.to_value();
        assert_eq!(
            v,
            serde_json::json!({"b": 1, "a": [null, true, 1.5], "s": "x"})
        );
        let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["b", "a", "s"]);
    }
}
