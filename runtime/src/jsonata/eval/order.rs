//! Order-by (`expr^(<key, >key)`): a stable sort by the sort terms, with jsonata-js's
//! errors for keys that are not numbers or strings.

use std::rc::Rc;

use super::{Evaluator, Frame, Scope, compare_values, err, show};
use crate::jsonata::ast::Node;
use crate::jsonata::functions;
use crate::jsonata::value::{Error, Value};

impl<'a> Evaluator<'a> {
    pub(super) fn sort(
        &self,
        terms: &'static [(bool, Node)],
        items: Vec<Value<'a>>,
        frame: &Rc<Frame<'a>>,
    ) -> Result<Vec<Value<'a>>, Error> {
        self.sort_by(terms, items, &|v| (Some(v.clone()), Rc::clone(frame)))
    }

    /// Sorts `items` by `terms`, each evaluated against the context and frame `scope` gives
    /// for an item (a tuple's item and the variables it binds).
    pub(super) fn sort_by<T>(
        &self,
        terms: &'static [(bool, Node)],
        items: Vec<T>,
        scope: Scope<'_, 'a, T>,
    ) -> Result<Vec<T>, Error> {
        let compare = |a: &T, b: &T| -> Result<bool, Error> {
            let (a, a_frame) = scope(a);
            let (b, b_frame) = scope(b);
            for (desc, term) in terms {
                let aa = self.eval(term, &a, &a_frame)?;
                let bb = self.eval(term, &b, &b_frame)?;
                let comp = match (&aa, &bb) {
                    (None, None) => 0,
                    (None, _) => 1,
                    (_, None) => -1,
                    (Some(x), Some(y)) => {
                        let ok = |v: &Value| v.as_num().is_some() || v.as_str().is_some();
                        if !ok(x) || !ok(y) {
                            return err(
                                "T2008",
                                "The expressions within an order-by clause must evaluate to \
                                 numeric or string values",
                            );
                        }
                        let c = compare_values(x, y).ok_or_else(|| {
                            Error::new(
                                "T2007",
                                format!(
                                    "Type mismatch when comparing values {} and {} in order-by \
                                     clause",
                                    show(&aa),
                                    show(&bb)
                                ),
                            )
                        })?;
                        let c = c as i32;
                        if *desc { -c } else { c }
                    }
                };
                if comp != 0 {
                    return Ok(comp == 1);
                }
            }
            Ok(false)
        };
        functions::merge_sort(items, &compare)
    }
}
