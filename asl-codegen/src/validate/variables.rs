//! Variables: `Assign` names and values, and the whole-definition rules on them: no inner
//! scope reassigns an outer name, and every read has an assignment before it (VAR-*, VAL-30).

use std::collections::{HashMap, HashSet};

use super::{ExprCtx, Validator};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::{Json, Span};

impl Validator<'_> {
    fn variable_name(&mut self, name: &str, span: Span, ptr: &Pointer) -> bool {
        let mut chars = name.chars();
        let ident = chars
            .next()
            .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
            && chars.all(unicode_ident::is_xid_continue);
        let problem = if name == "states" {
            Some("`states` is reserved for `$states`".to_string())
        } else if name.is_empty() || name.contains(['.', '[', ']']) {
            Some(format!(
                "`{name}` is not a variable name: a part of a variable cannot be assigned"
            ))
        } else if name.chars().count() > 80 {
            Some(format!(
                "variable name `{name}` is longer than 80 characters"
            ))
        } else {
            None
        };
        if let Some(msg) = problem {
            self.report(Code::InvalidVariableName, span, ptr, msg);
            return false;
        }
        if !ident {
            // Linters accept names such as `top-level`; the spec asks for identifiers. Warn:
            // `$top-level` would read as `$top - level`.
            let msg = format!(
                "`{name}` is not an identifier, so `${name}` cannot refer to it in a path or \
                 expression"
            );
            self.help(
                Code::VariableNameNotIdentifier,
                span,
                ptr,
                msg,
                "use letters, digits and `_`, not starting with a digit",
            );
        }
        true
    }

    pub(super) fn assign(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        ctx: ExprCtx,
    ) -> Option<Assign> {
        let members = self.object(j, ptr, "`Assign`")?;
        if ql == QueryLanguage::JsonPath {
            self.template_duplicates(members, ptr);
        }
        let mut vars = Vec::new();
        for m in members {
            let p = ptr.key(&m.key);
            let (name, dynamic) = match (ql, m.key.strip_suffix(".$")) {
                (QueryLanguage::JsonPath, Some(n)) => (n, true),
                _ => (m.key.as_str(), false),
            };
            if !self.variable_name(name, m.key_span, &p) {
                continue;
            }
            self.scopes[self.current_scope].assigns.push((
                name.to_string(),
                m.key_span,
                self.state.clone(),
                p.clone(),
                ctx.error_output,
            ));
            let value = match ql {
                QueryLanguage::JsonPath if dynamic => {
                    match self.dynamic_value(&m.value, &p, &m.key) {
                        Some(t) => AssignValue::JsonPath(t),
                        None => continue,
                    }
                }
                QueryLanguage::JsonPath => AssignValue::JsonPath(self.template(&m.value, &p)),
                QueryLanguage::Jsonata => {
                    AssignValue::Jsonata(self.jsonata_value(&m.value, &p, ctx))
                }
            };
            vars.push(AssignVar {
                name: Spanned::new(name.to_string(), m.key_span),
                value,
            });
        }
        Some(Assign { vars, span: j.span })
    }

    /// VAR-8 / VAL-30: an inner scope must not assign a name an outer scope assigns.
    pub(super) fn scope_conflicts(&mut self) {
        for id in 0..self.scopes.len() {
            let mut ancestors = Vec::new();
            let mut cur = self.scopes[id].parent;
            while let Some(a) = cur {
                ancestors.push(a);
                cur = self.scopes[a].parent;
            }
            let mut conflicts = Vec::new();
            for (name, span, state, ptr, _) in &self.scopes[id].assigns {
                for a in &ancestors {
                    // AWS accepts a branch assigning a name that the Parallel's own Catcher
                    // assigns (recorded: tasks/states_error_output/…VARIABLE_SAMPLING), so
                    // only states' and Choice rules' assignments count as the outer scope's.
                    if let Some((_, outer_span, ..)) = self.scopes[*a]
                        .assigns
                        .iter()
                        .find(|(n, .., by_catcher)| n == name && !by_catcher)
                    {
                        conflicts.push((
                            name.clone(),
                            *span,
                            state.clone(),
                            ptr.clone(),
                            *outer_span,
                        ));
                        break;
                    }
                }
            }
            for (name, span, state, ptr, outer) in conflicts {
                self.state = state;
                let msg = format!(
                    "variable `{name}` is assigned in an outer scope and cannot be assigned \
                     inside a Parallel branch or Map iteration"
                );
                let d = self.report(Code::VariableScopeConflict, span, &ptr, msg);
                d.related
                    .push((outer, "assigned in the outer scope here".to_string()));
                d.help =
                    Some("use a different name, and return values through the output".to_string());
            }
        }
    }

    /// VAR-4: reads of variables nothing assigns, or nothing on a path to the reading state.
    pub(super) fn undefined_variables(&mut self, machine: Option<&StateMachine>) {
        // VAR-4: reads of variables nothing assigns (a warning: AWS fails such reads at run time).
        let assigned: HashSet<&str> = self
            .scopes
            .iter()
            .flat_map(|s| s.assigns.iter().map(|(n, ..)| n.as_str()))
            .collect();
        let mut undefined = Vec::new();
        for (name, span, ptr, state) in &self.var_reads {
            if !assigned.contains(name.as_str()) {
                undefined.push((name.clone(), *span, ptr.clone(), state.clone()));
            }
        }
        // Assigned somewhere, but on no path that leads to the reading state.
        let on_entry = machine.map(variables_on_entry).unwrap_or_default();
        let mut unreached = Vec::new();
        for (name, span, ptr, state) in &self.var_reads {
            if assigned.contains(name.as_str())
                && let Some(st) = state
                && let Some(vars) = on_entry.get(st)
                && !vars.contains(name)
            {
                unreached.push((name.clone(), *span, ptr.clone(), state.clone()));
            }
        }
        for (name, span, ptr, state) in unreached {
            self.state = state;
            let msg = format!("variable `${name}` is not assigned on any path to this state");
            self.help(
                Code::UndefinedVariable,
                span,
                &ptr,
                msg,
                "assign it in a state that runs before this one (AWS fails the read at run time)",
            );
        }
        for (name, span, ptr, state) in undefined {
            self.state = state;
            let msg = format!("variable `${name}` is never assigned");
            self.help(
                Code::UndefinedVariable,
                span,
                &ptr,
                msg,
                "assign it with `Assign` in a state that runs before this one",
            );
        }
        self.state = None;
    }
}

/// For every state, the variables some path to it may have assigned (VAR-4, VAR-8): a
/// state's own `Assign` (and its Choice rules' and Catchers') counts for the states after it;
/// a Parallel branch or Map iteration starts with what its state could see.
fn variables_on_entry(machine: &StateMachine) -> HashMap<String, HashSet<String>> {
    fn assigns(s: &State) -> Vec<&str> {
        let mut all: Vec<&Assign> = s.assign.iter().collect();
        match &s.kind {
            StateKind::Choice(c) => all.extend(c.choices.iter().filter_map(|r| r.assign.as_ref())),
            StateKind::Task(t) => all.extend(t.catch.iter().filter_map(|c| c.assign.as_ref())),
            StateKind::Parallel(p) => all.extend(p.catch.iter().filter_map(|c| c.assign.as_ref())),
            StateKind::Map(m) => all.extend(m.catch.iter().filter_map(|c| c.assign.as_ref())),
            _ => {}
        }
        all.iter()
            .flat_map(|a| a.vars.iter().map(|v| v.name.value.as_str()))
            .collect()
    }
    fn walk(
        scope: &Scope,
        inherited: &HashSet<String>,
        out: &mut HashMap<String, HashSet<String>>,
    ) {
        let mut entry: HashMap<&str, HashSet<String>> = scope
            .states
            .iter()
            .map(|s| (s.name.as_str(), inherited.clone()))
            .collect();
        // Sets only grow: iterate to the fixed point.
        let mut changed = true;
        while changed {
            changed = false;
            for s in &scope.states {
                let mut leaving = entry.get(s.name.as_str()).cloned().unwrap_or_default();
                leaving.extend(assigns(s).into_iter().map(str::to_string));
                for t in s.kind.targets() {
                    if let Some(set) = entry.get_mut(t.value.as_str()) {
                        let before = set.len();
                        set.extend(leaving.iter().cloned());
                        changed |= set.len() != before;
                    }
                }
            }
        }
        for s in &scope.states {
            let vars = entry.remove(s.name.as_str()).unwrap_or_default();
            for inner in s.kind.scopes() {
                walk(inner, &vars, out);
            }
            out.insert(s.name.clone(), vars);
        }
    }
    let mut out = HashMap::new();
    walk(&machine.states, &HashSet::new(), &mut out);
    out
}
