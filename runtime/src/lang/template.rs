//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath `Assign`,
//! DATA-9): JSON whose `.$` keys were compiled to paths and intrinsic calls.

use serde_json::{Map, Value};

use crate::error::Failure;
use crate::lang::intrinsics::{self, Call};
use crate::lang::jsonpath::{self, Path, Roots};
use crate::lang::lit::Lit;

/// A compiled template.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Template {
    /// An object; each member's key is the output key (without `.$`).
    Object(&'static [(&'static str, Template)]),
    /// An array.
    Array(&'static [Template]),
    /// A literal value.
    Lit(Lit),
    /// `"key.$": "$.path"`; the second field is the key as written (with `.$`).
    Path(&'static Path, &'static str),
    /// `"key.$": "States.Fn(…)"`; the second field is the key as written.
    Call(&'static Call, &'static str),
}

/// Evaluates a template against `roots`.
pub fn eval(t: &Template, roots: &Roots<'_>) -> Result<Value, Failure> {
    Ok(match t {
        Template::Object(members) => {
            let mut m = Map::with_capacity(members.len());
            for (k, v) in *members {
                m.insert((*k).to_string(), eval(v, roots)?);
            }
            Value::Object(m)
        }
        Template::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| eval(i, roots))
                .collect::<Result<_, _>>()?,
        ),
        Template::Lit(l) => l.to_value(),
        Template::Path(p, field) => path_value(p, roots, field)?,
        Template::Call(c, field) => intrinsics::eval(c, roots, field)?,
    })
}

/// A path in a template or another field that names its key in AWS's message (DATA-12).
pub fn path_value(p: &Path, roots: &Roots<'_>, field: &str) -> Result<Value, Failure> {
    match jsonpath::select(p, roots) {
        Ok(sel) => sel.into_value().ok_or_else(|| {
            Failure::runtime(format!(
                "The JSONPath '{}' specified for the field '{field}' could not be found in the \
                 input '{}'",
                p.text, roots.input
            ))
        }),
        Err(e) => Err(Failure::runtime(e.0)),
    }
}
