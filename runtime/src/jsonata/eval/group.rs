//! Object constructors and group-by (`expr{key: value}`): items grouped by key, each value
//! evaluated over its group.

use std::rc::Rc;

use indexmap::IndexMap;

use super::{Evaluator, Frame, append, err, show};
use crate::jsonata::ast::Node;
use crate::jsonata::value::{Error, Value};

impl<'a> Evaluator<'a> {
    /// Group-by / object constructor over `input`.
    pub(super) fn group(
        &self,
        pairs: &'static [(Node, Node)],
        input: Option<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Value<'a>, Error> {
        let items: Vec<Option<Value<'a>>> = match input {
            None => vec![None],
            Some(v) if v.is_array() => {
                let items = v.to_items();
                if items.is_empty() {
                    vec![None]
                } else {
                    items.into_iter().map(Some).collect()
                }
            }
            Some(v) => vec![Some(v)],
        };
        let mut groups: IndexMap<String, (Option<Value<'a>>, usize)> = IndexMap::new();
        for item in &items {
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = self.eval(k, item, frame)?;
                let key = match key {
                    None => continue,
                    Some(k) => match k.as_str() {
                        Some(s) => s.to_string(),
                        None => {
                            return err(
                                "T1003",
                                format!(
                                    "Key in object structure must evaluate to a string; got: {}",
                                    show(&Some(k))
                                ),
                            );
                        }
                    },
                };
                match groups.get_mut(&key) {
                    Some((data, idx)) => {
                        if *idx != pi {
                            return err(
                                "D1009",
                                format!(
                                    "Multiple key definitions evaluate to same key: {}",
                                    show(&Some(Value::str(key.as_str())))
                                ),
                            );
                        }
                        *data = append(data.take(), item.clone());
                    }
                    None => {
                        groups.insert(key, (item.clone(), pi));
                    }
                }
            }
        }
        let mut out = IndexMap::with_capacity(groups.len());
        for (key, (data, pi)) in groups {
            if let Some(v) = self.eval(&pairs[pi].1, &data, frame)? {
                out.insert(key, v);
            }
        }
        Ok(Value::object(out))
    }
}
