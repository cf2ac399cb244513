//! JSONata values. Input documents are borrowed, not copied: a path into `$states.input`
//! yields [`Value::Json`] references, and only what an expression builds is allocated.

use std::fmt;
use std::rc::Rc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::ast::Lambda;
use super::eval::Frame;
use super::number;

/// A value during evaluation; `Option<Value>` is JSONata's "maybe undefined".
#[derive(Clone)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (always finite).
    Num(f64),
    /// A string built by the expression.
    Str(Rc<str>),
    /// A string, array or object of an input document.
    Json(&'a Json),
    /// An array built by the expression (or a sequence of results).
    Array(Rc<Array<'a>>),
    /// An object built by the expression.
    Object(Rc<IndexMap<String, Value<'a>>>),
    /// A function.
    Func(Rc<Func<'a>>),
}

/// An array, with the flags jsonata-js keeps on its arrays.
#[derive(Clone, Default)]
pub struct Array<'a> {
    /// The items.
    pub items: Vec<Value<'a>>,
    /// A result sequence (collapses to its single item; flattens into paths).
    pub sequence: bool,
    /// A sequence that stays an array when it has one item (`a[]`).
    pub keep_singleton: bool,
    /// Built by an array constructor: not flattened by a path step.
    pub cons: bool,
    /// Wraps an array input document (see `Evaluator::run`).
    pub outer_wrapper: bool,
}

/// A function value.
pub enum Func<'a> {
    /// A lambda with the frame it closes over and the context value where it was defined.
    Lambda {
        /// The definition.
        def: &'static Lambda,
        /// The enclosing variable frame.
        frame: Rc<Frame<'a>>,
        /// The context value at definition.
        input: Option<Value<'a>>,
    },
    /// A function of the library.
    Native(&'static super::functions::Native),
    /// A partial application: `None` arguments are the placeholders still to fill;
    /// `Some(None)` is a supplied undefined.
    Partial(Value<'a>, Vec<Option<Option<Value<'a>>>>),
    /// `| pattern | update, delete |`: a function that copies its argument and updates
    /// what the pattern matches.
    Transform(
        &'static super::ast::Node,
        &'static super::ast::Node,
        Option<&'static super::ast::Node>,
        Rc<Frame<'a>>,
    ),
    /// A regular expression literal, callable as a matcher.
    Regex(Rc<fancy_regex::Regex>),
    /// `f ~> g`: applies `f`, then `g`.
    Chain(Value<'a>, Value<'a>),
}

impl Func<'_> {
    /// How many arguments the function declares (used by higher-order functions to decide
    /// what to pass).
    pub fn arity(&self) -> usize {
        match self {
            Func::Lambda { def, .. } => def.params.len(),
            Func::Native(n) => n.arity,
            Func::Partial(_, args) => args.iter().filter(|a| a.is_none()).count(),
            Func::Regex(_) => 1,
            Func::Chain(..) | Func::Transform(..) => 1,
        }
    }
}

impl<'a> Value<'a> {
    /// A string value.
    pub fn str(s: impl Into<Rc<str>>) -> Self {
        Value::Str(s.into())
    }

    /// Wraps a JSON value: scalars are copied, strings, arrays and objects borrowed.
    pub fn from_json(j: &'a Json) -> Self {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Num(n.as_f64().unwrap_or(0.0)),
            _ => Value::Json(j),
        }
    }

    /// An array (not a sequence).
    pub fn array(items: Vec<Value<'a>>) -> Self {
        Value::Array(Rc::new(Array {
            items,
            ..Array::default()
        }))
    }

    /// A result sequence.
    pub fn sequence(items: Vec<Value<'a>>) -> Self {
        Value::Array(Rc::new(Array {
            items,
            sequence: true,
            ..Array::default()
        }))
    }

    /// An object.
    pub fn object(m: IndexMap<String, Value<'a>>) -> Self {
        Value::Object(Rc::new(m))
    }

    /// Whether this is an array (of either kind).
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_) | Value::Json(Json::Array(_)))
    }

    /// Whether this is an object (not a function).
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_) | Value::Json(Json::Object(_)))
    }

    /// Whether this is a function.
    pub fn is_func(&self) -> bool {
        matches!(self, Value::Func(_))
    }

    /// Whether this is a result sequence.
    pub fn is_sequence(&self) -> bool {
        matches!(self, Value::Array(a) if a.sequence)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Json(Json::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// The items of an array, or `None`.
    pub fn items(&self) -> Option<Vec<Value<'a>>> {
        match self {
            Value::Array(a) => Some(a.items.clone()),
            Value::Json(Json::Array(a)) => Some(a.iter().map(Value::from_json).collect()),
            _ => None,
        }
    }

    /// The items of an array, or the value itself as a one-item list.
    pub fn to_items(&self) -> Vec<Value<'a>> {
        self.items().unwrap_or_else(|| vec![self.clone()])
    }

    /// The number of items of an array.
    pub fn len(&self) -> usize {
        match self {
            Value::Array(a) => a.items.len(),
            Value::Json(Json::Array(a)) => a.len(),
            _ => 0,
        }
    }

    /// A field of an object.
    pub fn field(&self, name: &str) -> Option<Value<'a>> {
        match self {
            Value::Object(m) => m.get(name).cloned(),
            Value::Json(Json::Object(m)) => m.get(name).map(Value::from_json),
            _ => None,
        }
    }

    /// The members of an object, in order; `None` if this is not an object.
    pub fn entries(&self) -> Option<Vec<(String, Value<'a>)>> {
        match self {
            Value::Object(m) => Some(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            Value::Json(Json::Object(m)) => Some(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// JSONata's type name (`$type`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) | Value::Json(Json::String(_)) => "string",
            Value::Array(_) | Value::Json(Json::Array(_)) => "array",
            Value::Object(_) | Value::Json(_) => "object",
            Value::Func(_) => "function",
        }
    }

    /// JSONata truthiness (`$boolean`); `None` for functions-only arrays is never needed:
    /// functions are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Json(Json::String(s)) => !s.is_empty(),
            Value::Array(_) | Value::Json(Json::Array(_)) => {
                let items = self.to_items();
                match items.len() {
                    0 => false,
                    1 => items[0].truthy(),
                    _ => items.iter().any(Value::truthy),
                }
            }
            Value::Object(m) => !m.is_empty(),
            Value::Json(Json::Object(m)) => !m.is_empty(),
            Value::Json(_) => false,
            Value::Func(_) => false,
        }
    }

    /// The value as JSON; functions become `None` at the top, are left out of objects and
    /// become `null` in arrays (as `JSON.stringify` does).
    pub fn to_json(&self) -> Option<Json> {
        Some(match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Num(n) => number::to_json(*n),
            Value::Str(s) => Json::String(s.to_string()),
            Value::Json(j) => (*j).clone(),
            Value::Array(a) => Json::Array(
                a.items
                    .iter()
                    .map(|v| v.to_json().unwrap_or(Json::Null))
                    .collect(),
            ),
            Value::Object(m) => Json::Object(
                m.iter()
                    .filter_map(|(k, v)| v.to_json().map(|j| (k.clone(), j)))
                    .collect(),
            ),
            Value::Func(_) => return None,
        })
    }

    /// Deep equality (`=`, `$distinct`, `in`).
    pub fn deep_eq(&self, other: &Value<'a>) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Func(a), Value::Func(b)) => Rc::ptr_eq(a, b),
            _ => {
                if let (Some(a), Some(b)) = (self.as_str(), other.as_str()) {
                    return a == b;
                }
                if let (Some(a), Some(b)) = (self.items(), other.items()) {
                    return a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.deep_eq(y));
                }
                if let (Some(a), Some(b)) = (self.entries(), other.entries()) {
                    return a.len() == b.len()
                        && a.iter()
                            .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v.deep_eq(v2)));
                }
                false
            }
        }
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_json() {
            Some(j) => write!(f, "{j}"),
            None => f.write_str("<function>"),
        }
    }
}

/// An evaluation error: JSONata's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// JSONata's error code (`T1006`, `D3030`, …).
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl Error {
    /// An error with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// What evaluation returns: a value, undefined (`None`), or an error.
pub type Outcome<'a> = Result<Option<Value<'a>>, Error>;
