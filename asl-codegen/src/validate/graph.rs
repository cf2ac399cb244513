//! Transitions: `Next`/`End`, targets in the right scope, reachability and terminal states
//! (VAL-3..VAL-7, VAL-10).

use std::collections::HashSet;

use super::{PendingTarget, Validator, fields};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::{Json, Span};

impl Validator<'_> {
    /// Transitions, reachability and terminal states of one scope (VAL-3..VAL-7).
    pub(super) fn graph(
        &mut self,
        scope: &Scope,
        names: &HashSet<&str>,
        broken: bool,
        states_json: &Json,
        ptr: &Pointer,
    ) {
        if !names.contains(scope.start_at.value.as_str()) {
            self.state = None;
            self.pending.push(PendingTarget {
                target: scope.start_at.clone(),
                pointer: ptr.key("StartAt"),
                state: None,
            });
        }
        for s in &scope.states {
            let state_ptr = ptr.key("States").key(&s.name);
            for (field, t) in targets_with_pointers(&s.kind, &state_ptr) {
                if !names.contains(t.value.as_str()) {
                    self.pending.push(PendingTarget {
                        target: t.clone(),
                        pointer: field,
                        state: Some(s.name.clone()),
                    });
                }
            }
        }
        let start_ok = names.contains(scope.start_at.value.as_str());
        if broken || !start_ok {
            // A state we could not read may hold the transitions or the terminal state:
            // reporting "unreachable"/"no end" now would be noise.
            return;
        }
        let mut reached: HashSet<&str> = HashSet::new();
        let mut todo = vec![scope.start_at.value.as_str()];
        while let Some(name) = todo.pop() {
            if !reached.insert(name) {
                continue;
            }
            if let Some(s) = scope.get(name) {
                todo.extend(s.kind.targets().into_iter().map(|t| t.value.as_str()));
            }
        }
        for s in &scope.states {
            if !reached.contains(s.name.as_str()) {
                self.state = Some(s.name.clone());
                let msg = format!(
                    "state `{}` is unreachable: no transition leads to it",
                    s.name
                );
                self.help(
                    Code::UnreachableState,
                    s.name_span,
                    &ptr.key("States").key(&s.name),
                    msg,
                    "point a `Next`, `Default` or Catcher `Next` at it, or remove it",
                );
            }
        }
        self.state = None;
        if !scope.states.iter().any(|s| s.kind.is_terminal()) {
            let span = Span::new(states_json.span.start, states_json.span.start + 1);
            self.help(
                Code::MissingEndState,
                span,
                &ptr.key("States"),
                "no terminal state: every `States` object needs a Succeed or Fail state, or a \
                 state with `\"End\": true`"
                    .to_string(),
                "add `\"End\": true` to the last state",
            );
        }
    }

    pub(super) fn transition(&mut self, j: &Json, ptr: &Pointer, name: &str) -> Option<Transition> {
        let next = j.member("Next");
        let end = j.member("End");
        let end_true = match end {
            Some(e) => match e.value.as_bool() {
                Some(b) => b,
                None => {
                    let msg = format!("`End` must be a boolean, found {}", e.value.type_name());
                    self.report(Code::WrongType, e.value.span, &ptr.key("End"), msg);
                    self.lossy = true;
                    return None;
                }
            },
            None => false,
        };
        match (next, end_true) {
            (Some(n), true) => {
                let msg = format!("state `{name}` has both `Next` and `\"End\": true`");
                self.help(
                    Code::NextWithEnd,
                    n.key_span,
                    &ptr.key("Next"),
                    msg,
                    "keep `Next` to continue, or `End` to stop here",
                );
                self.lossy = true;
                None
            }
            (Some(n), false) => {
                let next = self.spanned_string(&n.value, &ptr.key("Next"), "Next");
                self.lossy |= next.is_none();
                next.map(Transition::Next)
            }
            (None, true) => Some(Transition::End),
            (None, false) => {
                let span = self.names.get(name).map_or(j.span, |(s, _)| *s);
                let msg = format!("state `{name}` has neither `Next` nor `\"End\": true`");
                self.help(
                    Code::MissingNextOrEnd,
                    span,
                    ptr,
                    msg,
                    "add `\"Next\": \"<state>\"` or `\"End\": true`",
                );
                None
            }
        }
    }

    /// Transitions to names outside their own scope: "no such state" or "crosses a scope
    /// boundary" (VAL-3, VAL-5), told apart once every name is known.
    pub(super) fn resolve_targets(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for PendingTarget {
            target,
            pointer: p,
            state,
        } in pending
        {
            self.state = state;
            if self.names.contains_key(&target.value) {
                let msg = format!(
                    "`{}` cannot go to `{}`: that state is in another Parallel branch, Map \
                     processor or outer scope",
                    self.state.as_deref().unwrap_or("StartAt"),
                    target.value
                );
                self.help(
                    Code::TransitionOutOfScope,
                    target.span,
                    &p,
                    msg,
                    "transitions stay inside one `States` object; return data through the \
                     branch or iteration output instead",
                );
            } else {
                let mut msg = format!("no state is named `{}`", target.value);
                let names: Vec<&str> = self.names.keys().map(String::as_str).collect();
                let suggestion = fields::suggest(&target.value, names).map(str::to_string);
                if let Some(s) = &suggestion {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                    // The misspelt target is why `s` is unreachable: one error is enough.
                    self.diags.retain(|d| {
                        !(d.code == Code::UnreachableState && d.state.as_deref() == Some(s))
                    });
                }
                self.report(Code::MissingTransitionTarget, target.span, &p, msg);
            }
        }
        self.state = None;
    }
}

/// Every transition of a state with the pointer of the field that names it.
fn targets_with_pointers<'s>(
    kind: &'s StateKind,
    ptr: &Pointer,
) -> Vec<(Pointer, &'s Spanned<String>)> {
    let mut out = Vec::new();
    if let Some(Transition::Next(n)) = kind.transition() {
        out.push((ptr.key("Next"), n));
    }
    let catchers = match kind {
        StateKind::Choice(c) => {
            for (i, r) in c.choices.iter().enumerate() {
                if let Some(n) = &r.next {
                    out.push((ptr.key("Choices").index(i).key("Next"), n));
                }
            }
            if let Some(d) = &c.default {
                out.push((ptr.key("Default"), d));
            }
            &[][..]
        }
        StateKind::Task(t) => &t.catch[..],
        StateKind::Parallel(p) => &p.catch[..],
        StateKind::Map(m) => &m.catch[..],
        _ => &[][..],
    };
    for (i, c) in catchers.iter().enumerate() {
        out.push((ptr.key("Catch").index(i).key("Next"), &c.next));
    }
    out
}
