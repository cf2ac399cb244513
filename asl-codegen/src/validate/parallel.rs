//! Parallel states: `Branches`, each a scope of its own (VAL-5, PAR-1).

use super::{ScopeKind, Validator};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::Json;

impl Validator<'_> {
    pub(super) fn parallel(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        name: &str,
    ) -> Option<Parallel> {
        let mut branches = Vec::new();
        let mut ok = true;
        match j.member("Branches") {
            None => {
                self.report(
                    Code::MissingField,
                    j.span,
                    ptr,
                    "a Parallel state needs `Branches`",
                );
                ok = false;
            }
            Some(m) => {
                let p = ptr.key("Branches");
                match m.value.as_array() {
                    None => {
                        let msg =
                            format!("`Branches` must be an array, found {}", m.value.type_name());
                        self.report(Code::WrongType, m.value.span, &p, msg);
                        ok = false;
                    }
                    Some([]) => {
                        self.report(
                            Code::EmptyValue,
                            m.value.span,
                            &p,
                            "`Branches` must not be empty",
                        );
                        ok = false;
                    }
                    Some(items) => {
                        for (i, b) in items.iter().enumerate() {
                            match self.scope(
                                b,
                                &p.index(i),
                                ScopeKind::Branch,
                                Some(self.current_scope),
                            ) {
                                Some(s) => branches.push(s),
                                None => ok = false,
                            }
                        }
                    }
                }
            }
        }
        let retry = self.retry(j, ptr);
        let catch = self.catch(j, ptr, ql);
        let transition = self.transition(j, ptr, name);
        ok.then_some(Parallel {
            branches,
            retry,
            catch,
            transition,
        })
    }
}
