//! Choice states: rules, one operator each, operand types, `Next` only at the top level,
//! JSONata `Condition` (VAL-24, CHOICE-3).

use super::{ExprCtx, Validator, fields, is_timestamp, list};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::{Json, Member, Value};

impl Validator<'_> {
    pub(super) fn choice(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage) -> Choice {
        let default = j.get("Default").and_then(|d| {
            let s = self.spanned_string(d, &ptr.key("Default"), "Default");
            self.lossy |= s.is_none();
            s
        });
        let mut choices = Vec::new();
        match j.member("Choices") {
            None => {
                self.report(
                    Code::MissingField,
                    j.span,
                    ptr,
                    "a Choice state needs `Choices`",
                );
            }
            Some(m) => {
                let p = ptr.key("Choices");
                match m.value.as_array() {
                    None => {
                        let msg =
                            format!("`Choices` must be an array, found {}", m.value.type_name());
                        self.report(Code::WrongType, m.value.span, &p, msg);
                    }
                    Some([]) => {
                        self.report(
                            Code::EmptyValue,
                            m.value.span,
                            &p,
                            "`Choices` must not be empty",
                        );
                    }
                    Some(rules) => {
                        for (i, r) in rules.iter().enumerate() {
                            if let Some(rule) = self.choice_rule(r, &p.index(i), ql) {
                                choices.push(rule);
                            }
                        }
                    }
                }
            }
        }
        Choice { choices, default }
    }

    fn choice_rule(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage) -> Option<ChoiceRule> {
        let obj = self.object(j, ptr, "a Choice rule")?;
        if let Some(cm) = j.get("Comment") {
            self.string(cm, &ptr.key("Comment"), "Comment");
        }
        let next = match j.get("Next") {
            Some(n) => {
                let s = self.spanned_string(n, &ptr.key("Next"), "Next");
                self.lossy |= s.is_none();
                s
            }
            None => {
                self.lossy = true;
                self.help(
                    Code::ChoiceRuleNext,
                    j.span,
                    ptr,
                    "a top-level Choice rule needs `Next`".to_string(),
                    "add `\"Next\": \"<state>\"` to the rule",
                );
                None
            }
        };
        let (condition, extra): (Option<Condition>, &[&str]) = match ql {
            QueryLanguage::JsonPath => (
                self.condition(j, obj, ptr, true),
                &["Next", "Assign", "Comment"],
            ),
            QueryLanguage::Jsonata => {
                self.known_keys(
                    obj,
                    &["Condition", "Next", "Assign", "Output", "Comment"],
                    ptr,
                    "a JSONata Choice rule",
                );
                let cond = match j.get("Condition") {
                    None => {
                        let help = if j.get("Variable").is_some() {
                            "JSONata rules test `\"Condition\": \"{% … %}\"` instead of `Variable` \
                             and operators"
                        } else {
                            "add `\"Condition\": \"{% <boolean expression> %}\"`"
                        };
                        self.help(
                            Code::MissingField,
                            j.span,
                            ptr,
                            "a JSONata Choice rule needs `Condition`".to_string(),
                            help,
                        );
                        None
                    }
                    Some(c) => {
                        let p = ptr.key("Condition");
                        let v = self.jsonata_value(c, &p, ExprCtx::default());
                        if !matches!(
                            v,
                            JsonataValue::Expr(_)
                                | JsonataValue::Literal(Json {
                                    value: Value::Bool(_),
                                    ..
                                })
                        ) {
                            let msg = format!(
                                "`Condition` must be a boolean or a JSONata expression, found {}",
                                c.type_name()
                            );
                            self.report(Code::WrongType, c.span, &p, msg);
                        }
                        Some(Condition::Jsonata(v))
                    }
                };
                (cond, &[])
            }
        };
        let _ = extra;
        let assign = j
            .get("Assign")
            .and_then(|a| self.assign(a, &ptr.key("Assign"), ql, ExprCtx::default()));
        let output = match (ql, j.get("Output")) {
            (QueryLanguage::Jsonata, Some(o)) => {
                Some(self.jsonata_value(o, &ptr.key("Output"), ExprCtx::default()))
            }
            _ => None,
        };
        if condition.is_none() {
            self.lossy = true;
        }
        Some(ChoiceRule {
            condition: condition?,
            next,
            assign,
            output,
            span: j.span,
        })
    }

    /// A JSONPath boolean or data-test expression; `top` for rules directly in `Choices`.
    fn condition(
        &mut self,
        j: &Json,
        obj: &[Member],
        ptr: &Pointer,
        top: bool,
    ) -> Option<Condition> {
        if !top && let Some(cm) = j.get("Comment") {
            self.string(cm, &ptr.key("Comment"), "Comment");
        }
        let mut operators: Vec<&Member> = Vec::new();
        let mut ok_keys = vec!["Variable", "Comment", "And", "Or", "Not"];
        if top {
            ok_keys.extend(["Next", "Assign"]);
        }
        for m in obj {
            if Comparator::from_field(&m.key).is_some() {
                operators.push(m);
            } else if !ok_keys.contains(&m.key.as_str()) {
                let p = ptr.key(&m.key);
                if !top && matches!(m.key.as_str(), "Next" | "Assign") {
                    let msg = format!(
                        "a rule nested in `And`, `Or` or `Not` cannot have `{}`",
                        m.key
                    );
                    self.help(
                        Code::ChoiceRuleNext,
                        m.key_span,
                        &p,
                        msg,
                        "only top-level rules transition or assign",
                    );
                } else if m.key == "Condition" || m.key == "Output" {
                    let msg = format!(
                        "`{}` is a JSONata field, but this state uses JSONPath",
                        m.key
                    );
                    self.help(
                        Code::WrongQueryLanguage,
                        m.key_span,
                        &p,
                        msg,
                        "set `\"QueryLanguage\": \"JSONata\"` on the state to use it",
                    );
                } else {
                    let names = Comparator::ALL.iter().map(|c| c.name());
                    let mut msg = format!("`{}` is not a field of a Choice rule", m.key);
                    if let Some(s) = fields::suggest(&m.key, names.chain(ok_keys.iter().copied())) {
                        msg.push_str(&format!(" (did you mean `{s}`?)"));
                    }
                    self.report(Code::UnknownField, m.key_span, &p, msg);
                }
            }
        }
        let bools: Vec<&Member> = obj
            .iter()
            .filter(|m| matches!(m.key.as_str(), "And" | "Or" | "Not"))
            .collect();
        let total = operators.len() + bools.len();
        if total != 1 {
            let msg = if total == 0 {
                "a Choice rule needs one comparison operator (e.g. `StringEquals`) with \
                 `Variable`, or `And`, `Or` or `Not`"
                    .to_string()
            } else {
                let names: Vec<&str> = operators
                    .iter()
                    .chain(bools.iter())
                    .map(|m| m.key.as_str())
                    .collect();
                format!(
                    "a Choice rule takes exactly one operator, found {}",
                    list(&names)
                )
            };
            let span = operators
                .iter()
                .chain(bools.iter())
                .nth(1)
                .map_or(j.span, |m| m.key_span);
            self.report(Code::ChoiceRuleOperator, span, ptr, msg);
            return None;
        }
        if let Some(b) = bools.first() {
            if let Some(v) = obj.iter().find(|m| m.key == "Variable") {
                let msg = "`Variable` cannot be used with `And`, `Or` or `Not`".to_string();
                self.report(Code::UnknownField, v.key_span, &ptr.key("Variable"), msg);
            }
            let p = ptr.key(&b.key);
            if b.key == "Not" {
                let inner = self.object(&b.value, &p, "`Not`")?;
                let c = self.condition(&b.value, inner, &p, false)?;
                return Some(Condition::Not(Box::new(c)));
            }
            let Some(items) = b.value.as_array() else {
                let msg = format!(
                    "`{}` must be an array of rules, found {}",
                    b.key,
                    b.value.type_name()
                );
                self.report(Code::WrongType, b.value.span, &p, msg);
                return None;
            };
            if items.is_empty() {
                let msg = format!("`{}` must not be empty", b.key);
                self.report(Code::EmptyValue, b.value.span, &p, msg);
                return None;
            }
            let mut conds = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let ip = p.index(i);
                if let Some(o) = self.object(item, &ip, "a Choice rule")
                    && let Some(c) = self.condition(item, o, &ip, false)
                {
                    conds.push(c);
                }
            }
            if conds.len() != items.len() {
                return None;
            }
            return Some(if b.key == "And" {
                Condition::And(conds)
            } else {
                Condition::Or(conds)
            });
        }
        let op = operators[0];
        let (comparator, is_path) = Comparator::from_field(&op.key)?;
        let Some(var) = obj.iter().find(|m| m.key == "Variable") else {
            let msg = format!("the comparison `{}` needs a `Variable`", op.key);
            self.help(
                Code::MissingField,
                j.span,
                ptr,
                msg,
                "add `\"Variable\": \"$.field\"` naming the value to test",
            );
            return None;
        };
        let variable = self.path(&var.value, &ptr.key("Variable"), "Variable");
        let p = ptr.key(&op.key);
        let v = &op.value;
        let operand = if is_path {
            self.reference_path(v, &p, &op.key).map(Operand::Path)
        } else {
            let wrong = |s: &mut Self, what: &str| {
                let msg = format!("`{}` takes {what}, found {}", op.key, v.type_name());
                s.report(Code::WrongType, v.span, &p, msg);
                None
            };
            match comparator.operand_kind() {
                OperandKind::String => match v.as_str() {
                    Some(s) => Some(Operand::String(Spanned::new(s.to_string(), v.span))),
                    None => wrong(self, "a string"),
                },
                OperandKind::Number => match v.as_number() {
                    Some(n) => Some(Operand::Number(Spanned::new(n.as_f64(), v.span))),
                    None => wrong(self, "a number"),
                },
                OperandKind::Boolean => match v.as_bool() {
                    Some(b) => Some(Operand::Bool(Spanned::new(b, v.span))),
                    None => wrong(self, "a boolean"),
                },
                OperandKind::Timestamp => match v.as_str() {
                    Some(s) if is_timestamp(s) => {
                        Some(Operand::String(Spanned::new(s.to_string(), v.span)))
                    }
                    Some(s) => {
                        self.timestamp_error(v, &p, s);
                        None
                    }
                    None => wrong(self, "a timestamp string"),
                },
            }
        };
        if comparator == Comparator::StringMatches
            && let Some(Operand::String(s)) = &operand
            && let Some(off) = open_backslash(&s.value)
        {
            let span = self.inner_span(v.span, off, 1);
            self.help(
                Code::InvalidValue,
                span,
                &p,
                "a lone `\\` in a `StringMatches` pattern escapes nothing".to_string(),
                "write `\\\\*` for a literal `*` and `\\\\\\\\` for a literal `\\` (JSON source)",
            );
        }
        Some(Condition::Compare(Comparison {
            variable: variable?,
            op: comparator,
            operand: operand?,
        }))
    }
}

/// Offset of a backslash in a `StringMatches` pattern that escapes neither `*` nor `\`.
fn open_backslash(pattern: &str) -> Option<usize> {
    let mut chars = pattern.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((_, '*' | '\\')) => {}
                _ => return Some(i),
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_backslashes() {
        assert_eq!(open_backslash("a\\*b\\\\c*"), None);
        assert_eq!(open_backslash("a\\b"), Some(1));
        assert_eq!(open_backslash("a\\"), Some(1));
    }
}
