//! One state: its `Type`, `QueryLanguage`, allowed fields and common input/output fields,
//! then the fields of its type (VAL-11, VAL-12, TOP-6).

use super::{ExprCtx, Validator, fields, list};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::Member;

impl Validator<'_> {
    pub(super) fn state_def(&mut self, m: &Member, ptr: &Pointer) -> Option<State> {
        let j = &m.value;
        let obj = self.object(j, ptr, "a state")?;
        let ty = match j.member("Type") {
            None => {
                let msg = format!("state `{}` has no `Type`", m.key);
                self.help(
                    Code::MissingField,
                    m.key_span,
                    ptr,
                    msg,
                    "add `\"Type\"`: one of Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map",
                );
                return None;
            }
            Some(t) => {
                let p = ptr.key("Type");
                let ty = self.string(&t.value, &p, "Type")?;
                if !fields::STATE_TYPES.contains(&ty) {
                    let mut msg = format!(
                        "`Type` must be one of Task, Wait, Pass, Succeed, Fail, Choice, \
                         Parallel, Map; found \"{ty}\""
                    );
                    if let Some(s) = fields::suggest(ty, fields::STATE_TYPES) {
                        msg.push_str(&format!(" (did you mean \"{s}\"?)"));
                    }
                    self.report(Code::InvalidValue, t.value.span, &p, msg);
                    return None;
                }
                ty
            }
        };
        let mut ql = self.top_ql;
        if let Some(q) = j.member("QueryLanguage") {
            let p = ptr.key("QueryLanguage");
            if let Some(q_ql) = self.query_language(&q.value, &p) {
                if self.top_ql == QueryLanguage::Jsonata && q_ql == QueryLanguage::JsonPath {
                    self.help(
                        Code::QueryLanguageDowngrade,
                        q.value.span,
                        &p,
                        "`QueryLanguage` cannot be \"JSONPath\" when the whole state machine \
                         uses \"JSONata\""
                            .to_string(),
                        "set `QueryLanguage` per state instead, leaving the top level JSONPath",
                    );
                }
                ql = q_ql;
            }
        }
        self.state_fields(obj, ty, ql, ptr);

        let get = |k: &str| j.get(k);
        let mut io = Io::default();
        let jp = ql == QueryLanguage::JsonPath;
        if jp {
            if let Some(v) = get("InputPath") {
                io.input_path = self.path_field(v, &ptr.key("InputPath"), "InputPath");
            }
            if let Some(v) = get("OutputPath") {
                io.output_path = self.path_field(v, &ptr.key("OutputPath"), "OutputPath");
            }
            if let Some(v) = get("ResultPath")
                && fields::is_allowed(ty, ql, "ResultPath")
            {
                io.result_path = self.result_path(v, &ptr.key("ResultPath"));
            }
            if ty != "Map"
                && let Some(v) = get("Parameters")
                && fields::is_allowed(ty, ql, "Parameters")
            {
                io.parameters = Some(self.template(v, &ptr.key("Parameters")));
            }
            if let Some(v) = get("ResultSelector")
                && fields::is_allowed(ty, ql, "ResultSelector")
            {
                io.result_selector = Some(self.template(v, &ptr.key("ResultSelector")));
            }
        } else {
            let with_result = matches!(ty, "Task" | "Map" | "Parallel");
            if let Some(v) = get("Arguments")
                && fields::is_allowed(ty, ql, "Arguments")
            {
                let p = ptr.key("Arguments");
                let value = self.jsonata_value(v, &p, ExprCtx::default());
                if !matches!(value, JsonataValue::Expr(_) | JsonataValue::Object(_)) {
                    let msg = format!(
                        "`Arguments` must be an object or a JSONata expression, found {}",
                        v.type_name()
                    );
                    self.report(Code::WrongType, v.span, &p, msg);
                }
                io.arguments = Some(value);
            }
            if let Some(v) = get("Output")
                && fields::is_allowed(ty, ql, "Output")
            {
                let ctx = ExprCtx {
                    result: with_result,
                    error_output: false,
                };
                io.output = Some(self.jsonata_value(v, &ptr.key("Output"), ctx));
            }
        }
        let assign = match get("Assign") {
            Some(v) if fields::is_allowed(ty, ql, "Assign") => {
                let ctx = ExprCtx {
                    result: matches!(ty, "Task" | "Map" | "Parallel"),
                    error_output: false,
                };
                self.assign(v, &ptr.key("Assign"), ql, ctx)
            }
            _ => None,
        };
        let kind = match ty {
            "Pass" => StateKind::Pass(Pass {
                result: if jp { get("Result").cloned() } else { None },
                transition: self.transition(j, ptr, &m.key),
            }),
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail(self.fail(j, ptr, ql)),
            "Wait" => StateKind::Wait(self.wait(j, ptr, ql, &m.key)),
            "Choice" => StateKind::Choice(self.choice(j, ptr, ql)),
            "Task" => StateKind::Task(Box::new(self.task(j, ptr, ql, &m.key)?)),
            "Parallel" => StateKind::Parallel(self.parallel(j, ptr, ql, &m.key)?),
            "Map" => StateKind::Map(Box::new(self.map(j, ptr, ql, &m.key)?)),
            _ => return None,
        };
        if let StateKind::Pass(Pass {
            result: Some(result),
            ..
        }) = &kind
        {
            self.pass_result_static(result, &ptr.key("Result"));
        }
        Some(State {
            name: m.key.clone(),
            name_span: m.key_span,
            span: j.span,
            comment: self.comment(obj, ptr),
            query_language: ql,
            io,
            assign,
            kind,
        })
    }

    /// Fields not allowed for the type or query language (VAL-11, VAL-12).
    fn state_fields(&mut self, obj: &[Member], ty: &str, ql: QueryLanguage, ptr: &Pointer) {
        let other = match ql {
            QueryLanguage::JsonPath => QueryLanguage::Jsonata,
            QueryLanguage::Jsonata => QueryLanguage::JsonPath,
        };
        for m in obj {
            let key = m.key.as_str();
            if fields::is_allowed(ty, ql, key) {
                continue;
            }
            let p = ptr.key(key);
            if fields::is_allowed(ty, other, key) {
                let msg = format!(
                    "`{key}` is a {} field, but this state uses {}",
                    other.as_str(),
                    ql.as_str()
                );
                let help = match ql {
                    QueryLanguage::Jsonata => fields::jsonata_equivalent(key)
                        .unwrap_or("remove it")
                        .to_string(),
                    QueryLanguage::JsonPath => {
                        "set `\"QueryLanguage\": \"JSONata\"` on the state (or the machine) to \
                         use it"
                            .to_string()
                    }
                };
                self.help(Code::WrongQueryLanguage, m.key_span, &p, msg, &help);
                continue;
            }
            let (msg, help) = match (ty, key) {
                ("Choice", "Next" | "End") => (
                    format!("a Choice state has no `{key}`"),
                    "each Choice rule has its own `Next`; use `Default` for the fallback"
                        .to_string(),
                ),
                ("Succeed" | "Fail", "Next" | "End") => (
                    format!("a {ty} state has no `{key}`: it is terminal"),
                    format!("remove `{key}`"),
                ),
                _ => {
                    let known = fields::all_state_fields().contains(&key);
                    let mut msg = if known {
                        format!("`{key}` is not allowed on a {ty} state")
                    } else {
                        format!("`{key}` is not a field of a {ty} state")
                    };
                    let allowed: Vec<&str> = fields::allowed(ty, ql).to_vec();
                    if !known && let Some(s) = fields::suggest(key, allowed.iter().copied()) {
                        msg.push_str(&format!(" (did you mean `{s}`?)"));
                    }
                    (
                        msg,
                        format!(
                            "a {} {ty} state allows `Type`, `Comment`, `QueryLanguage`, {}",
                            ql.as_str(),
                            list(&allowed)
                        ),
                    )
                }
            };
            self.help(Code::UnknownField, m.key_span, &p, msg, &help);
        }
    }
}
