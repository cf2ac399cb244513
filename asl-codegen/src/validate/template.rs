//! Payload templates (`.$` keys) and intrinsic function calls: values, argument counts and
//! types, duplicate keys, keys missing `.$` (VAL-20, VAL-21, VAL-22, VAL-33).

use std::collections::HashMap;

use super::{Validator, fields, plural};
use crate::diagnostic::{Code, Pointer};
use crate::intrinsic::{self, Arg, Call, Function, IntrinsicError};
use crate::model::*;
use crate::parse::{Json, Member, Span, Value};
use crate::path::{self};

impl Validator<'_> {
    pub(super) fn call(&mut self, j: &Json, ptr: &Pointer, field: &str) -> Option<Spanned<Call>> {
        let s = j.as_str()?;
        match intrinsic::parse_call(s) {
            Ok(call) => {
                if self.call_args(&call, j, ptr) {
                    Some(Spanned::new(call, j.span))
                } else {
                    None
                }
            }
            Err(e) => {
                let span = self.inner_span(j.span, e.offset(), 1);
                let code = match &e {
                    IntrinsicError::UnknownFunction { .. } => Code::UnknownIntrinsic,
                    IntrinsicError::TooDeep { .. } => Code::IntrinsicTooDeep,
                    IntrinsicError::Syntax(_) => Code::InvalidIntrinsic,
                };
                let msg = format!("invalid intrinsic function call in `{field}`: {e}");
                let d = self.report(code, span, ptr, msg);
                if let IntrinsicError::UnknownFunction { name, .. } = &e
                    && let Some(s) = fields::suggest(name, Function::ALL.iter().map(|f| f.name()))
                {
                    d.help = Some(format!("did you mean `{s}`?"));
                }
                None
            }
        }
    }

    /// Argument counts and literal argument types (VAL-22). Returns `false` on an error.
    fn call_args(&mut self, call: &Call, j: &Json, ptr: &Pointer) -> bool {
        let mut ok = true;
        let f = call.function;
        let (min, max) = f.arity();
        let n = call.args.len();
        let span = self.inner_span(j.span, call.range.start, call.range.len());
        if n < min || max.is_some_and(|m| n > m) {
            let expected = match max {
                Some(m) if m == min => plural(m, "argument", "arguments"),
                Some(m) => format!("{min} to {m} arguments"),
                None => format!("at least {}", plural(min, "argument", "arguments")),
            };
            let msg = format!("`{f}` takes {expected}, found {n}");
            self.report(Code::IntrinsicArguments, span, ptr, msg);
            ok = false;
        }
        // What each literal position must be: 'n' number, 's' string, 'b' boolean, 'a'
        // array/object (no literal can be one), '*' anything.
        let kinds: &str = match f {
            Function::Format => "s",
            Function::StringToJson | Function::Base64Encode | Function::Base64Decode => "s",
            Function::JsonToString => "p",
            Function::ArrayPartition => "an",
            Function::ArrayContains => "a*",
            Function::ArrayRange => "nnn",
            Function::ArrayGetItem => "an",
            Function::ArrayLength | Function::ArrayUnique => "a",
            Function::Hash => "*s",
            Function::JsonMerge => "aab",
            Function::MathRandom => "nnn",
            Function::MathAdd => "nn",
            Function::StringSplit => "ss",
            Function::Array | Function::Uuid => "",
        };
        for (i, arg) in call.args.iter().enumerate() {
            let want = kinds.chars().nth(i).unwrap_or('*');
            let bad = match (want, arg) {
                (_, Arg::Path(p)) => {
                    self.note_var_reads(p, j.span, ptr);
                    false
                }
                (_, Arg::Call(inner)) => {
                    if want == 'p' {
                        true
                    } else {
                        ok &= self.call_args(inner, j, ptr);
                        false
                    }
                }
                ('*', _) => false,
                ('n', Arg::Number(_)) | ('s', Arg::String(_)) | ('b', Arg::Bool(_)) => false,
                _ => true,
            };
            if bad {
                let what = match want {
                    'n' => "a number",
                    's' => "a string",
                    'b' => "a boolean",
                    'p' => "a path",
                    _ => "an array or object (a path or a call)",
                };
                let msg = format!(
                    "argument {} of `{f}` must be {what}, found {}",
                    i + 1,
                    arg.kind()
                );
                self.report(Code::IntrinsicArguments, span, ptr, msg);
                ok = false;
            }
        }
        if f == Function::Hash
            && let Some(Arg::String(alg)) = call.args.get(1)
            && !["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"].contains(&alg.value.as_str())
        {
            let msg = format!(
                "`States.Hash` algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, \
                 found '{}'",
                alg.value
            );
            self.report(Code::IntrinsicArguments, span, ptr, msg);
            ok = false;
        }
        ok
    }

    /// A `.$` value: a Path, a `$$` path, or an intrinsic call (DATA-9, VAL-20).
    pub(super) fn dynamic_value(&mut self, j: &Json, ptr: &Pointer, key: &str) -> Option<Template> {
        let Some(s) = j.as_str() else {
            let msg = format!(
                "the value of `{key}` must be a string holding a JSONPath or an intrinsic \
                 function call, found {}",
                j.type_name()
            );
            self.report(Code::InvalidTemplateValue, j.span, ptr, msg);
            return None;
        };
        if s.starts_with('$') {
            return match path::parse_path(s) {
                Ok(p) => {
                    self.note_var_reads(&p, j.span, ptr);
                    Some(Template::Path(Spanned::new(p, j.span)))
                }
                Err(e) => {
                    self.path_error(Code::InvalidTemplateValue, j, ptr, key, &e);
                    None
                }
            };
        }
        if s.starts_with("States.") {
            return self.call(j, ptr, key).map(Template::Intrinsic);
        }
        let msg = format!(
            "the value for the field `{key}` must be a valid JSONPath or a valid intrinsic \
             function call, found `{s}`"
        );
        let help = if intrinsic::looks_like_call(s) {
            "remove the whitespace before `States.`".to_string()
        } else {
            format!("drop `.$` from the key to use `{s}` as a literal, or start the value with `$`")
        };
        self.help(Code::InvalidTemplateValue, j.span, ptr, msg, &help);
        None
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Credentials`).
    pub(super) fn template(&mut self, j: &Json, ptr: &Pointer) -> Template {
        match &j.value {
            Value::Object(members) => {
                self.template_duplicates(members, ptr);
                let mut fields = Vec::new();
                for m in members {
                    let p = ptr.key(&m.key);
                    if let Some(key) = m.key.strip_suffix(".$") {
                        if let Some(value) = self.dynamic_value(&m.value, &p, &m.key) {
                            fields.push(TemplateField {
                                key: key.to_string(),
                                key_span: m.key_span,
                                value,
                            });
                        }
                    } else {
                        self.no_dollar(m, &p);
                        fields.push(TemplateField {
                            key: m.key.clone(),
                            key_span: m.key_span,
                            value: self.template(&m.value, &p),
                        });
                    }
                }
                Template::Object(fields)
            }
            Value::Array(items) => Template::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.template(item, &ptr.index(i)))
                    .collect(),
            ),
            _ => Template::Literal(j.clone()),
        }
    }

    /// `a` and `a.$` in one object (VAL-21).
    pub(super) fn template_duplicates(&mut self, members: &[Member], ptr: &Pointer) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for m in members {
            let base = m.key.strip_suffix(".$").unwrap_or(&m.key);
            if let Some(first) = seen.get(base).copied() {
                let msg = format!("`{base}` is defined twice in one object (once with `.$`)");
                let d = self.report(
                    Code::DuplicateTemplateKey,
                    m.key_span,
                    &ptr.key(&m.key),
                    msg,
                );
                d.related.push((first, "first defined here".to_string()));
            } else {
                seen.insert(base, m.key_span);
            }
        }
    }

    /// VAL-33 `NO_DOLLAR`: a plain key whose value looks like a path or call.
    fn no_dollar(&mut self, m: &Member, ptr: &Pointer) {
        let Some(s) = m.value.as_str() else { return };
        let looks = (s.starts_with("$.") || s.starts_with("$$.") || s.starts_with("$["))
            && path::parse_path(s).is_ok()
            || (s.starts_with("States.") && intrinsic::parse_call(s).is_ok());
        if looks {
            let msg = format!(
                "`{}` holds `{s}` literally: without `.$` the key's value is not evaluated",
                m.key
            );
            let help = format!("rename the key to `{}.$` to evaluate it", m.key);
            self.help(Code::NoDollar, m.key_span, ptr, msg, &help);
        }
    }
}
