//! The top level, Parallel branches and Map processors: their fields, `StartAt`/`States`,
//! and state names unique across the whole definition (TOP-*, VAL-2, VAL-8).

use std::collections::HashSet;

use super::{MAX_SECONDS, MAX_STATE_NAME, ScopeInfo, ScopeKind, Validator, list};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::{Json, Member, Span};

impl Validator<'_> {
    pub(super) fn machine(&mut self, j: &Json) -> Option<StateMachine> {
        let root = Pointer::default();
        let Some(obj) = j.as_object() else {
            let msg = format!(
                "the definition must be a JSON object, found {}",
                j.type_name()
            );
            self.report(Code::ExpectedObject, j.span, &root, msg);
            return None;
        };
        if let Some(m) = j.member("QueryLanguage") {
            self.top_ql = self.query_language(&m.value, &root.key("QueryLanguage"))?;
        }
        let version = j.member("Version").and_then(|m| {
            let p = root.key("Version");
            let s = self.string(&m.value, &p, "Version")?;
            if s != "1.0" {
                let msg = format!("`Version` must be \"1.0\", found \"{s}\"");
                self.report(Code::InvalidValue, m.value.span, &p, msg);
            }
            Some(s.to_string())
        });
        let timeout_seconds = j.member("TimeoutSeconds").and_then(|m| {
            self.int(
                &m.value,
                &root.key("TimeoutSeconds"),
                "TimeoutSeconds",
                0,
                MAX_SECONDS as i64,
            )
        });
        let comment = self.comment(obj, &root);
        let states = self.scope(j, &root, ScopeKind::Top, None)?;
        Some(StateMachine {
            comment,
            version,
            timeout_seconds,
            query_language: self.top_ql,
            states,
        })
    }

    pub(super) fn query_language(&mut self, j: &Json, ptr: &Pointer) -> Option<QueryLanguage> {
        match self.string(j, ptr, "QueryLanguage")? {
            "JSONPath" => Some(QueryLanguage::JsonPath),
            "JSONata" => Some(QueryLanguage::Jsonata),
            other => {
                let msg = format!(
                    "`QueryLanguage` must be \"JSONPath\" or \"JSONata\", found \"{other}\""
                );
                self.report(Code::InvalidValue, j.span, ptr, msg);
                None
            }
        }
    }

    pub(super) fn scope(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        kind: ScopeKind,
        parent: Option<usize>,
    ) -> Option<Scope> {
        let what = match kind {
            ScopeKind::Top => "the definition",
            ScopeKind::Branch => "a Parallel branch",
            ScopeKind::Processor => "a Map processor",
        };
        let obj = self.object(j, ptr, what)?;
        let allowed: &[&str] = match kind {
            ScopeKind::Top => &[
                "Comment",
                "StartAt",
                "States",
                "TimeoutSeconds",
                "Version",
                "QueryLanguage",
            ],
            ScopeKind::Branch => &["Comment", "StartAt", "States", "QueryLanguage"],
            ScopeKind::Processor => &[
                "Comment",
                "StartAt",
                "States",
                "ProcessorConfig",
                "QueryLanguage",
            ],
        };
        self.known_keys(obj, allowed, ptr, what);
        if kind != ScopeKind::Top
            && let Some(m) = j.member("QueryLanguage")
        {
            self.query_language(&m.value, &ptr.key("QueryLanguage"));
        }
        let missing: Vec<&str> = ["States", "StartAt"]
            .into_iter()
            .filter(|k| j.get(k).is_none())
            .collect();
        if !missing.is_empty() {
            let span = match kind {
                ScopeKind::Top => Span::new(j.span.start, j.span.start + 1),
                _ => j.span,
            };
            let msg = format!(
                "{what} is missing required {}: {}",
                if missing.len() == 1 {
                    "field"
                } else {
                    "fields"
                },
                list(&missing)
            );
            self.report(Code::MissingField, span, ptr, msg);
        }
        let start_at = j
            .get("StartAt")
            .and_then(|v| self.spanned_string(v, &ptr.key("StartAt"), "StartAt"));
        let states_json = j.get("States");
        let states_obj = states_json.and_then(|s| self.object(s, &ptr.key("States"), "`States`"));

        let scope_id = self.scopes.len();
        self.scopes.push(ScopeInfo {
            parent,
            assigns: Vec::new(),
        });
        let outer_scope = std::mem::replace(&mut self.current_scope, scope_id);
        let outer_state = self.state.take();

        let mut states = Vec::new();
        let mut broken = false;
        let states_ptr = ptr.key("States");
        for m in states_obj.unwrap_or_default() {
            self.state = Some(m.key.clone());
            let sp = states_ptr.key(&m.key);
            self.state_name(m, &sp, scope_id);
            self.lossy = false;
            match self.state_def(m, &sp) {
                Some(s) => states.push(s),
                None => broken = true,
            }
            broken |= self.lossy;
        }
        self.state = outer_state;
        self.current_scope = outer_scope;

        let (Some(start_at), Some(states_obj), Some(states_json)) =
            (start_at, states_obj, states_json)
        else {
            return None;
        };
        let names: HashSet<&str> = states_obj.iter().map(|m| m.key.as_str()).collect();
        let scope = Scope {
            start_at,
            comment: self.comment(obj, ptr),
            states,
            span: j.span,
        };
        self.graph(&scope, &names, broken, states_json, ptr);
        Some(scope)
    }

    fn state_name(&mut self, m: &Member, ptr: &Pointer, scope_id: usize) {
        let len = m.key.chars().count();
        if len == 0 || len > MAX_STATE_NAME {
            let msg =
                format!("state name must be 1 to {MAX_STATE_NAME} characters long, found {len}");
            self.report(Code::InvalidStateName, m.key_span, ptr, msg);
        }
        if let Some((first, _)) = self.names.get(&m.key).copied() {
            let msg = format!(
                "state name `{}` is already used: names must be unique in the whole \
                 definition, including Parallel branches and Map processors",
                m.key
            );
            let d = self.report(Code::DuplicateStateName, m.key_span, ptr, msg);
            d.related.push((first, "first used here".to_string()));
        } else {
            self.names.insert(m.key.clone(), (m.key_span, scope_id));
        }
    }
}
