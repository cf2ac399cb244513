//! Binary operators: arithmetic, comparison, equality, `&`, `in` and the range operator,
//! with jsonata-js's type rules and errors.

use std::rc::Rc;

use super::{Evaluator, Frame, err, show};
use crate::jsonata::ast::{BinOp, Node};
use crate::jsonata::functions;
use crate::jsonata::number;
use crate::jsonata::value::{Error, Outcome, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn binary(
        &self,
        op: BinOp,
        l: &'static Node,
        r: &'static Node,
        input: &Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Outcome<'a> {
        let lhs = self.eval(l, input, frame)?;
        match op {
            BinOp::And => {
                let lb = lhs.as_ref().is_some_and(Value::truthy);
                return Ok(Some(Value::Bool(
                    lb && self
                        .eval(r, input, frame)?
                        .as_ref()
                        .is_some_and(Value::truthy),
                )));
            }
            BinOp::Or => {
                let lb = lhs.as_ref().is_some_and(Value::truthy);
                return Ok(Some(Value::Bool(
                    lb || self
                        .eval(r, input, frame)?
                        .as_ref()
                        .is_some_and(Value::truthy),
                )));
            }
            _ => {}
        }
        let rhs = self.eval(r, input, frame)?;
        Ok(match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let num = |v: &Option<Value<'a>>, side: &str| -> Result<Option<f64>, Error> {
                    match v {
                        None => Ok(None),
                        Some(Value::Num(n)) => Ok(Some(*n)),
                        Some(_) => err(
                            if side == "left" { "T2001" } else { "T2002" },
                            format!(
                                "The {side} side of the \"{}\" operator must evaluate to a number",
                                op.symbol()
                            ),
                        ),
                    }
                };
                let a = num(&lhs, "left")?;
                let b = num(&rhs, "right")?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                let n = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                };
                Some(Value::Num(finite(n)?))
            }
            BinOp::Eq | BinOp::Ne => match (&lhs, &rhs) {
                (Some(a), Some(b)) => Some(Value::Bool(a.deep_eq(b) == (op == BinOp::Eq))),
                _ => Some(Value::Bool(false)),
            },
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let comparable = |v: &Option<Value<'a>>| match v {
                    None => true,
                    Some(v) => v.as_num().is_some() || v.as_str().is_some(),
                };
                if !comparable(&lhs) || !comparable(&rhs) {
                    return err(
                        "T2010",
                        format!(
                            "The expressions either side of operator \"{}\" must evaluate to \
                             numeric or string values",
                            op.symbol()
                        ),
                    );
                }
                let (Some(a), Some(b)) = (&lhs, &rhs) else {
                    return Ok(None);
                };
                let Some(c) = compare_values(a, b) else {
                    return err(
                        "T2009",
                        format!(
                            "The values {} and {} either side of operator \"{}\" must be of the \
                             same data type",
                            show(&lhs),
                            show(&rhs),
                            op.symbol()
                        ),
                    );
                };
                use std::cmp::Ordering::*;
                Some(Value::Bool(match op {
                    BinOp::Lt => c == Less,
                    BinOp::Le => c != Greater,
                    BinOp::Gt => c == Greater,
                    _ => c != Less,
                }))
            }
            BinOp::Concat => {
                let mut s = String::new();
                if let Some(a) = &lhs {
                    s.push_str(&functions::to_string(a)?);
                }
                if let Some(b) = &rhs {
                    s.push_str(&functions::to_string(b)?);
                }
                Some(Value::str(s))
            }
            BinOp::In => match (&lhs, &rhs) {
                (Some(a), Some(b)) => {
                    Some(Value::Bool(b.to_items().iter().any(|x| strict_eq(a, x))))
                }
                _ => Some(Value::Bool(false)),
            },
            BinOp::Range => {
                let int = |v: &Option<Value<'a>>, code: &'static str, side: &str| match v {
                    None => Ok(None),
                    Some(Value::Num(n)) if is_integer(*n) => Ok(Some(*n)),
                    Some(_) => err(
                        code,
                        format!(
                            "The {side} side of the range operator (..) must evaluate to an integer"
                        ),
                    ),
                };
                let a = int(&lhs, "T2003", "left")?;
                let b = int(&rhs, "T2004", "right")?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                if a > b {
                    return Ok(None);
                }
                let size = b - a + 1.0;
                if size > 1e7 {
                    return err(
                        "D2014",
                        format!(
                            "The size of the sequence allocated by the range operator (..) must \
                             not exceed 1e7.  Attempted to allocate {}.",
                            number::js_string(size)
                        ),
                    );
                }
                let (a, b) = (a as i64, b as i64);
                Some(Value::array(
                    (a..=b).map(|i| Value::Num(i as f64)).collect(),
                ))
            }
            BinOp::And | BinOp::Or => None,
        })
    }
}

fn is_integer(n: f64) -> bool {
    n.is_finite() && n.fract() == 0.0
}

fn finite(n: f64) -> Result<f64, Error> {
    if n.is_finite() {
        Ok(n)
    } else {
        err(
            "D1001",
            format!("Number out of range: {}", number::js_string(n)),
        )
    }
}

/// `===` for `in`: primitives by value, everything else by identity (never equal here).
fn strict_eq(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Orders two numbers or two strings (strings by UTF-16 code units, as JavaScript does);
/// `None` when the types differ or are not comparable.
pub(crate) fn compare_values(a: &Value<'_>, b: &Value<'_>) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.partial_cmp(y),
        _ => {
            let (x, y) = (a.as_str()?, b.as_str()?);
            Some(x.encode_utf16().cmp(y.encode_utf16()))
        }
    }
}
