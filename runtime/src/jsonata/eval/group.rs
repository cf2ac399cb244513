//! Object constructors and group-by (`expr{key: value}`): items grouped by key, each value
//! evaluated over its group.

use std::rc::Rc;

use indexmap::IndexMap;

use super::{Evaluator, Frame, Scope, append, err, show};
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
        let groups = self.group_keys(pairs, &items, &|item| (item.clone(), Rc::clone(frame)))?;
        let mut out = IndexMap::with_capacity(groups.len());
        for (key, (members, pi)) in groups {
            let mut data = None;
            for i in members {
                data = append(data, items[i].clone());
            }
            if let Some(v) = self.eval(&pairs[pi].1, &data, frame)? {
                out.insert(key, v);
            }
        }
        Ok(Value::object(out))
    }

    /// The groups of `items` by the key expressions of `pairs`, each key evaluated against
    /// the context and frame `scope` gives for an item: per key, in order of first
    /// appearance, the indexes of its items and the pair that made it.
    pub(super) fn group_keys<T>(
        &self,
        pairs: &'static [(Node, Node)],
        items: &[T],
        scope: Scope<'_, 'a, T>,
    ) -> Result<IndexMap<String, (Vec<usize>, usize)>, Error> {
        let mut groups: IndexMap<String, (Vec<usize>, usize)> = IndexMap::new();
        for (i, item) in items.iter().enumerate() {
            let (ctx, frame) = scope(item);
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = match self.eval(k, &ctx, &frame)? {
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
                    Some((members, idx)) => {
                        if *idx != pi {
                            return err(
                                "D1009",
                                format!(
                                    "Multiple key definitions evaluate to same key: {}",
                                    show(&Some(Value::str(key.as_str())))
                                ),
                            );
                        }
                        members.push(i);
                    }
                    None => {
                        groups.insert(key, (vec![i], pi));
                    }
                }
            }
        }
        Ok(groups)
    }
}
