//! The transform operator (`| pattern | update, delete |`): edits applied to a deep copy,
//! found again by the identity of what the pattern matched.

use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;

use super::{Evaluator, Frame, err, show};
use crate::jsonata::ast::Node;
use crate::jsonata::functions;
use crate::jsonata::value::{Outcome, Value};

impl<'a> Evaluator<'a> {
    /// Applies a transform `| pattern | update, delete |` to a copy of `obj`.
    pub(super) fn transform(
        &self,
        pattern: &'static Node,
        update: &'static Node,
        delete: Option<&'static Node>,
        frame: &Rc<Frame<'a>>,
        obj: Option<Value<'a>>,
    ) -> Outcome<'a> {
        let Some(obj) = obj else { return Ok(None) };
        let copy = functions::deep_own(&obj);
        let matches = self.eval(pattern, &Some(copy.clone()), frame)?;
        // Edits by the identity of the matched object in the copy.
        type Edit<'a> = (Vec<(String, Value<'a>)>, Vec<String>);
        let mut edits: HashMap<usize, Edit<'a>> = HashMap::new();
        for m in matches.map(|m| m.to_items()).unwrap_or_default() {
            let upd = self.eval(update, &Some(m.clone()), frame)?;
            let mut sets = Vec::new();
            if let Some(u) = upd {
                match u.entries() {
                    Some(e) if !u.is_func() => sets = e,
                    _ => {
                        return err(
                            "T2011",
                            format!(
                                "The insert/update clause of the transform expression must \
                                 evaluate to an object: {}",
                                show(&Some(u))
                            ),
                        );
                    }
                }
            }
            let mut dels = Vec::new();
            // The delete clause sees the match with the update applied.
            let updated = match (&m, sets.is_empty()) {
                (Value::Object(rc), false) => {
                    let mut merged = (**rc).clone();
                    for (k, v) in &sets {
                        merged.insert(k.clone(), v.clone());
                    }
                    Value::object(merged)
                }
                _ => m.clone(),
            };
            if let Some(d) = delete
                && let Some(dv) = self.eval(d, &Some(updated), frame)?
            {
                for item in dv.to_items() {
                    match item.as_str() {
                        Some(s) => dels.push(s.to_string()),
                        None => {
                            return err(
                                "T2012",
                                format!(
                                    "The delete clause of the transform expression must \
                                     evaluate to a string or array of strings: {}",
                                    show(&Some(dv))
                                ),
                            );
                        }
                    }
                }
            }
            if let Value::Object(rc) = &m {
                let e = edits.entry(Rc::as_ptr(rc) as usize).or_default();
                e.0.extend(sets);
                e.1.extend(dels);
            }
        }
        fn rebuild<'a>(v: &Value<'a>, edits: &HashMap<usize, Edit<'a>>) -> Value<'a> {
            match v {
                Value::Object(rc) => {
                    let mut m: IndexMap<String, Value<'a>> = rc
                        .iter()
                        .map(|(k, c)| (k.clone(), rebuild(c, edits)))
                        .collect();
                    if let Some((sets, dels)) = edits.get(&(Rc::as_ptr(rc) as usize)) {
                        for (k, val) in sets {
                            m.insert(k.clone(), val.clone());
                        }
                        for k in dels {
                            m.shift_remove(k);
                        }
                    }
                    Value::object(m)
                }
                Value::Array(a) => {
                    let mut a2 = (**a).clone();
                    a2.items = a.items.iter().map(|i| rebuild(i, edits)).collect();
                    Value::Array(Rc::new(a2))
                }
                v => v.clone(),
            }
        }
        Ok(Some(rebuild(&copy, &edits)))
    }
}
