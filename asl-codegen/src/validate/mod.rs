//! Validation: turns the spanned JSON tree into the typed [`model`](crate::model) and reports
//! every problem, not just the first (VAL-*).
//!
//! One walk over the tree checks each field where it is read (types, ranges, allowed fields,
//! paths, templates, intrinsic calls, JSONata syntax) and builds the model at the same time;
//! whole-definition rules (duplicate names, transitions across scopes, reachability, terminal
//! states, variable scopes, Map labels) run as each scope is finished and once at the end.

pub mod fields;
pub mod jsonata;
pub mod resource;

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic, Pointer, Report};
use crate::intrinsic::{self, Arg, Call, Function, IntrinsicError};
use crate::model::*;
use crate::parse::{self, Json, Member, Source, Span, Value, string_offset};
use crate::path::{self, Path, PathError, Root};

/// AWS's hard limit on definition size (TOP-13).
pub const MAX_DEFINITION_BYTES: usize = 1024 * 1024;
/// Largest `TimeoutSeconds`, `HeartbeatSeconds`, `IntervalSeconds`, `Seconds` AWS accepts.
pub const MAX_SECONDS: u64 = 99_999_999;
/// Longest state name (TOP-8).
pub const MAX_STATE_NAME: usize = 80;

/// The kind of state machine, for the rules that depend on it (VAL-34).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MachineType {
    /// A Standard workflow (the default).
    #[default]
    Standard,
    /// An Express workflow: no activities, `.sync`, `.waitForTaskToken` or Distributed Map.
    Express,
}

/// What to validate against.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Standard or Express.
    pub machine_type: MachineType,
}

/// The outcome of checking one definition.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The model, when the definition is well-formed enough to build one. It is only
    /// meaningful when the report has no errors.
    pub machine: Option<StateMachine>,
    /// All problems found.
    pub report: Report,
}

impl Checked {
    /// `true` if there are no errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self.report.has_errors()
    }
}

/// Parses and validates a definition.
pub fn check(source: Source, options: &Options) -> Checked {
    let text = source.text();
    let parsed = parse::parse(text);
    let mut diagnostics = parsed.diagnostics;
    if text.len() > MAX_DEFINITION_BYTES {
        diagnostics.push(Diagnostic::new(
            Code::DefinitionTooLarge,
            Span::new(0, 0),
            format!(
                "the definition is {} bytes; AWS accepts at most {MAX_DEFINITION_BYTES}",
                text.len()
            ),
        ));
    }
    let mut machine = None;
    if let Some(json) = &parsed.json {
        let mut v = Validator::new(text, options);
        machine = v.machine(json);
        v.finish(machine.as_ref());
        diagnostics.extend(v.diags);
    }
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.code, &a.message).cmp(&(b.span.start, b.code, &b.message))
    });
    diagnostics.dedup_by(|a, b| a.span == b.span && a.code == b.code && a.message == b.message);
    Checked {
        machine,
        report: Report {
            source,
            diagnostics,
        },
    }
}

/// What a JSONata expression may read from `$states` (JSONATA-5, VAL-29).
#[derive(Debug, Clone, Copy, Default)]
struct ExprCtx {
    result: bool,
    error_output: bool,
}

/// Which object a `StartAt`/`States` pair sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Top,
    Branch,
    Processor,
}

/// A transition whose target is not in its own scope (resolved in `finish`).
struct PendingTarget {
    target: Spanned<String>,
    pointer: Pointer,
    state: Option<String>,
}

struct ScopeInfo {
    parent: Option<usize>,
    /// Name, span, state, pointer, and whether a Catcher made the assignment.
    assigns: Vec<(String, Span, Option<String>, Pointer, bool)>,
}

struct Validator<'a> {
    text: &'a str,
    options: &'a Options,
    diags: Vec<Diagnostic>,
    top_ql: QueryLanguage,
    /// The state being checked, for diagnostics.
    state: Option<String>,
    /// Every state name → (span of its key, scope id).
    names: HashMap<String, (Span, usize)>,
    scopes: Vec<ScopeInfo>,
    current_scope: usize,
    /// Transitions whose target is not in their own scope: resolved at the end to tell
    /// "no such state" from "crosses a scope boundary".
    pending: Vec<PendingTarget>,
    labels: HashMap<String, Span>,
    /// JSONPath variable reads, for the undefined-variable warning.
    var_reads: Vec<(String, Span, Pointer, Option<String>)>,
    /// Set when the state being built lost a transition to an error (a Choice rule or a `Next`
    /// that could not be read): its scope then skips the reachability and terminal checks,
    /// which would only repeat the first error.
    lossy: bool,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> Validator<'a> {
    fn new(text: &'a str, options: &'a Options) -> Self {
        Validator {
            text,
            options,
            diags: Vec::new(),
            top_ql: QueryLanguage::JsonPath,
            state: None,
            names: HashMap::new(),
            scopes: Vec::new(),
            current_scope: 0,
            pending: Vec::new(),
            labels: HashMap::new(),
            var_reads: Vec::new(),
            lossy: false,
        }
    }

    fn report(
        &mut self,
        code: Code,
        span: Span,
        ptr: &Pointer,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let mut d = Diagnostic::new(code, span, message);
        d.pointer = ptr.clone();
        d.state = self.state.clone();
        self.diags.push(d);
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn help(&mut self, code: Code, span: Span, ptr: &Pointer, msg: String, help: &str) {
        self.report(code, span, ptr, msg).help = Some(help.to_string());
    }

    /// Span of a character inside a string literal.
    fn inner_span(&self, literal: Span, offset: usize, len: usize) -> Span {
        let start = string_offset(self.text, literal, offset);
        let end = string_offset(self.text, literal, offset + len.max(1)).max(start + 1);
        Span::new(start, end.min(literal.end.max(start + 1)))
    }

    // ----- typed accessors -------------------------------------------------------------

    fn object<'j>(&mut self, j: &'j Json, ptr: &Pointer, what: &str) -> Option<&'j [Member]> {
        match j.as_object() {
            Some(m) => Some(m),
            None => {
                let msg = format!("{what} must be a JSON object, found {}", j.type_name());
                self.report(Code::ExpectedObject, j.span, ptr, msg);
                None
            }
        }
    }

    fn string<'j>(&mut self, j: &'j Json, ptr: &Pointer, field: &str) -> Option<&'j str> {
        match j.as_str() {
            Some(s) => Some(s),
            None => {
                let msg = format!("`{field}` must be a string, found {}", j.type_name());
                self.report(Code::WrongType, j.span, ptr, msg);
                None
            }
        }
    }

    fn spanned_string(&mut self, j: &Json, ptr: &Pointer, field: &str) -> Option<Spanned<String>> {
        self.string(j, ptr, field)
            .map(|s| Spanned::new(s.to_string(), j.span))
    }

    /// An integer in `min..=max`.
    fn int(&mut self, j: &Json, ptr: &Pointer, field: &str, min: i64, max: i64) -> Option<u64> {
        let Some(n) = j.as_number() else {
            let msg = format!("`{field}` must be an integer, found {}", j.type_name());
            self.report(Code::WrongType, j.span, ptr, msg);
            return None;
        };
        match n.as_i64() {
            None if n.as_f64().fract() == 0.0 => {
                let msg = format!(
                    "`{field}` must be between {min} and {max}, found {}",
                    n.raw()
                );
                self.report(Code::OutOfRange, j.span, ptr, msg);
                None
            }
            None => {
                let msg = format!("`{field}` must be an integer, found `{}`", n.raw());
                self.report(Code::WrongType, j.span, ptr, msg);
                None
            }
            Some(i) if i < min || i > max => {
                let msg = format!(
                    "`{field}` must be between {min} and {max}, found {}",
                    n.raw()
                );
                self.report(Code::OutOfRange, j.span, ptr, msg);
                None
            }
            Some(i) => u64::try_from(i).ok(),
        }
    }

    fn comment(&mut self, obj: &[Member], ptr: &Pointer) -> Option<String> {
        let m = obj.iter().find(|m| m.key == "Comment")?;
        self.string(&m.value, &ptr.key("Comment"), "Comment")
            .map(str::to_string)
    }

    /// Reports members not in `allowed` (for objects other than states).
    fn known_keys(&mut self, obj: &[Member], allowed: &[&str], ptr: &Pointer, what: &str) {
        for m in obj {
            if !allowed.contains(&m.key.as_str()) {
                let mut msg = format!("`{}` is not a field of {what}", m.key);
                if let Some(s) = fields::suggest(&m.key, allowed.iter().copied()) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                let help = format!("{what} allows {}", list(allowed));
                self.help(Code::UnknownField, m.key_span, &ptr.key(&m.key), msg, &help);
            }
        }
    }

    fn exclusive(&mut self, obj: &[Member], a: &str, b: &str, ptr: &Pointer) {
        let ma = obj.iter().find(|m| m.key == a);
        let mb = obj.iter().find(|m| m.key == b);
        if let (Some(_), Some(mb)) = (ma, mb) {
            let msg = format!("`{a}` and `{b}` cannot both be set");
            self.help(
                Code::MutuallyExclusive,
                mb.key_span,
                &ptr.key(b),
                msg,
                &format!("keep one of `{a}` and `{b}`"),
            );
        }
    }

    // ----- paths ---------------------------------------------------------------------

    fn path_error(&mut self, code: Code, j: &Json, ptr: &Pointer, field: &str, e: &PathError) {
        let span = self.inner_span(j.span, e.offset, 1);
        let s = j.as_str().unwrap_or_default();
        let mut msg = format!("invalid path `{s}` in `{field}`: {}", e.message);
        if code == Code::InvalidReferencePath {
            msg = format!("invalid Reference Path `{s}` in `{field}`: {}", e.message);
        }
        let d = self.report(code, span, ptr, msg);
        if intrinsic::looks_like_call(s) {
            d.help = Some(format!(
                "intrinsic functions are not allowed in `{field}`; use them in a payload \
                 template (`Parameters`, `ResultSelector`, …) under a key ending in `.$`"
            ));
        }
    }

    fn note_var_reads(&mut self, p: &Path, span: Span, ptr: &Pointer) {
        let mut vars = Vec::new();
        p.variables(&mut vars);
        for v in vars {
            self.var_reads
                .push((v, span, ptr.clone(), self.state.clone()));
        }
    }

    /// A Path (`InputPath`, `OutputPath`, Choice `Variable`, …).
    fn path(&mut self, j: &Json, ptr: &Pointer, field: &str) -> Option<Spanned<Path>> {
        let s = self.string(j, ptr, field)?;
        match path::parse_path(s) {
            Ok(p) => {
                self.note_var_reads(&p, j.span, ptr);
                Some(Spanned::new(p, j.span))
            }
            Err(e) => {
                self.path_error(Code::InvalidPath, j, ptr, field, &e);
                None
            }
        }
    }

    /// A Reference Path (`ItemsPath`, `…SecondsPath`, comparator `…Path`, …).
    fn reference_path(&mut self, j: &Json, ptr: &Pointer, field: &str) -> Option<Spanned<Path>> {
        let s = self.string(j, ptr, field)?;
        match path::parse_reference_path(s) {
            Ok(p) => {
                self.note_var_reads(&p, j.span, ptr);
                Some(Spanned::new(p, j.span))
            }
            Err(e) => {
                self.path_error(Code::InvalidReferencePath, j, ptr, field, &e);
                None
            }
        }
    }

    /// `InputPath` / `OutputPath`: a Path or null.
    fn path_field(&mut self, j: &Json, ptr: &Pointer, field: &str) -> PathField {
        if j.is_null() {
            return PathField::Null;
        }
        self.path(j, ptr, field)
            .map_or(PathField::Default, PathField::Path)
    }

    /// `ResultPath`: a Reference Path on the input, or null (DATA-14, DATA-15).
    fn result_path(&mut self, j: &Json, ptr: &Pointer) -> PathField {
        if j.is_null() {
            return PathField::Null;
        }
        let Some(s) = self.string(j, ptr, "ResultPath") else {
            return PathField::Default;
        };
        match path::parse_reference_path(s) {
            Ok(p) => match &p.root {
                Root::Input => PathField::Path(Spanned::new(p, j.span)),
                Root::Context => {
                    let msg = format!("`ResultPath` cannot write to the context object: `{s}`");
                    self.help(
                        Code::PathNotAllowed,
                        j.span,
                        ptr,
                        msg,
                        "`ResultPath` places the result in the state input: start it with `$.`",
                    );
                    PathField::Default
                }
                Root::Variable(v) => {
                    let msg = format!("`ResultPath` cannot write to the variable `${v}`");
                    let help = format!("assign variables with `\"Assign\": {{\"{v}.$\": \"$\"}}`");
                    self.help(Code::PathNotAllowed, j.span, ptr, msg, &help);
                    PathField::Default
                }
            },
            Err(e) => {
                self.path_error(Code::InvalidReferencePath, j, ptr, "ResultPath", &e);
                PathField::Default
            }
        }
    }

    // ----- intrinsic calls -------------------------------------------------------------

    fn call(&mut self, j: &Json, ptr: &Pointer, field: &str) -> Option<Spanned<Call>> {
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

    // ----- payload templates -----------------------------------------------------------

    /// A `.$` value: a Path, a `$$` path, or an intrinsic call (DATA-9, VAL-20).
    fn dynamic_value(&mut self, j: &Json, ptr: &Pointer, key: &str) -> Option<Template> {
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
    fn template(&mut self, j: &Json, ptr: &Pointer) -> Template {
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
    fn template_duplicates(&mut self, members: &[Member], ptr: &Pointer) {
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

    // ----- JSONata ---------------------------------------------------------------------

    fn jsonata_expr(&mut self, s: &str, j: &Json, ptr: &Pointer, ctx: ExprCtx) -> Option<Jsonata> {
        let expr = jsonata::expression(s)?;
        let ast = match crate::jsonata::parse(expr) {
            Ok(ast) => ast,
            Err(e) => {
                let span = self.inner_span(j.span, 2 + e.offset, 1);
                let msg = format!("invalid JSONata expression: {e}");
                self.report(Code::JsonataSyntax, span, ptr, msg);
                return None;
            }
        };
        if let Err(e) = crate::jsonata::process(&ast) {
            let msg = format!("invalid JSONata expression: {e}");
            self.report(Code::JsonataSyntax, j.span, ptr, msg);
            return None;
        }
        // Workflow variables the expression reads (VAR-4), for the undefined-variable warning.
        for name in crate::jsonata::free_variables(&ast) {
            self.var_reads
                .push((name, j.span, ptr.clone(), self.state.clone()));
        }
        for (field, allowed, help) in [
            (
                "result",
                ctx.result,
                "`$states.result` exists only in `Output` and `Assign` of Task, Map and Parallel",
            ),
            (
                "errorOutput",
                ctx.error_output,
                "`$states.errorOutput` exists only in a Catcher's `Output` and `Assign`",
            ),
        ] {
            if allowed {
                continue;
            }
            for off in jsonata::states_field_uses(expr, field) {
                let span = self.inner_span(j.span, 2 + off, 8 + field.len());
                let msg = format!("`$states.{field}` is not available here");
                self.help(Code::StatesFieldNotAvailable, span, ptr, msg, help);
            }
        }
        Some(Jsonata {
            expr: expr.to_string(),
            span: j.span,
        })
    }

    /// A value in a JSONata field: `{% … %}` strings anywhere inside are expressions.
    fn jsonata_value(&mut self, j: &Json, ptr: &Pointer, ctx: ExprCtx) -> JsonataValue {
        match &j.value {
            Value::String(s) => {
                if jsonata::expression(s).is_some() {
                    return match self.jsonata_expr(s, j, ptr, ctx) {
                        Some(e) => JsonataValue::Expr(e),
                        None => JsonataValue::Literal(j.clone()),
                    };
                }
                if jsonata::half_delimited(s) {
                    let msg = format!(
                        "`{s}` looks like a JSONata expression but is not delimited by `{{%` \
                         and `%}}`"
                    );
                    self.help(
                        Code::JsonataDelimiters,
                        j.span,
                        ptr,
                        msg,
                        "a JSONata string starts with `{%` and ends with `%}`, with no \
                         whitespace outside them",
                    );
                }
                JsonataValue::Literal(j.clone())
            }
            Value::Object(members) => JsonataValue::Object(
                members
                    .iter()
                    .map(|m| {
                        (
                            Spanned::new(m.key.clone(), m.key_span),
                            self.jsonata_value(&m.value, &ptr.key(&m.key), ctx),
                        )
                    })
                    .collect(),
            ),
            Value::Array(items) => JsonataValue::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.jsonata_value(item, &ptr.index(i), ctx))
                    .collect(),
            ),
            _ => JsonataValue::Literal(j.clone()),
        }
    }

    /// A field that is either a literal of some type or a JSONata string.
    fn jsonata_or<T>(
        &mut self,
        ql: QueryLanguage,
        j: &Json,
        ptr: &Pointer,
        ctx: ExprCtx,
        literal: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Result<T, Jsonata>> {
        if ql == QueryLanguage::Jsonata
            && let Some(s) = j.as_str()
            && jsonata::expression(s).is_some()
        {
            return self.jsonata_expr(s, j, ptr, ctx).map(Err);
        }
        literal(self).map(Ok)
    }

    // ----- Assign ----------------------------------------------------------------------

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

    fn assign(
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

    // ----- top level and scopes --------------------------------------------------------

    fn machine(&mut self, j: &Json) -> Option<StateMachine> {
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

    fn query_language(&mut self, j: &Json, ptr: &Pointer) -> Option<QueryLanguage> {
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

    fn scope(
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

    /// Transitions, reachability and terminal states of one scope (VAL-3..VAL-7).
    fn graph(
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

    // ----- states ----------------------------------------------------------------------

    fn state_def(&mut self, m: &Member, ptr: &Pointer) -> Option<State> {
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

    /// VAL-33 `PASS_RESULT_IS_STATIC`.
    fn pass_result_static(&mut self, j: &Json, ptr: &Pointer) {
        match &j.value {
            Value::Object(members) => {
                for m in members {
                    if m.key.ends_with(".$") {
                        let msg = format!(
                            "`{}` in a Pass `Result` is not evaluated: `Result` is static",
                            m.key
                        );
                        self.help(
                            Code::PassResultIsStatic,
                            m.key_span,
                            &ptr.key(&m.key),
                            msg,
                            "use `Parameters` to build the output from paths",
                        );
                    }
                    self.pass_result_static(&m.value, &ptr.key(&m.key));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.pass_result_static(item, &ptr.index(i));
                }
            }
            _ => {}
        }
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

    fn transition(&mut self, j: &Json, ptr: &Pointer, name: &str) -> Option<Transition> {
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

    fn fail(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage) -> Fail {
        let obj = j.as_object().unwrap_or_default();
        let text = |v: &mut Self, lit: &str, path_field: &str| -> Option<FailText> {
            v.exclusive(obj, lit, path_field, ptr);
            if let Some(m) = j.member(lit) {
                let p = ptr.key(lit);
                if ql == QueryLanguage::Jsonata {
                    let r = v.jsonata_or(ql, &m.value, &p, ExprCtx::default(), |v| {
                        v.spanned_string(&m.value, &p, lit)
                    })?;
                    return Some(match r {
                        Ok(s) => FailText::Literal(s),
                        Err(e) => FailText::Expr(e),
                    });
                }
                return v.spanned_string(&m.value, &p, lit).map(FailText::Literal);
            }
            let m = j.member(path_field)?;
            if ql != QueryLanguage::JsonPath {
                return None;
            }
            let p = ptr.key(path_field);
            let s = v.string(&m.value, &p, path_field)?;
            if s.starts_with("States.") {
                let call = v.call(&m.value, &p, path_field)?;
                if !call.value.function.may_return_string() {
                    let msg = format!(
                        "`{path_field}` must produce a string; `{}` does not",
                        call.value.function
                    );
                    v.report(Code::IntrinsicArguments, m.value.span, &p, msg);
                }
                return Some(FailText::Intrinsic(call));
            }
            v.reference_path(&m.value, &p, path_field)
                .map(FailText::Path)
        };
        let error = text(self, "Error", "ErrorPath");
        let cause = text(self, "Cause", "CausePath");
        Fail { error, cause }
    }

    fn wait(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage, name: &str) -> Wait {
        let fields: &[&str] = match ql {
            QueryLanguage::JsonPath => &["Seconds", "SecondsPath", "Timestamp", "TimestampPath"],
            QueryLanguage::Jsonata => &["Seconds", "Timestamp"],
        };
        let present: Vec<&Member> = fields.iter().filter_map(|f| j.member(f)).collect();
        if present.is_empty() {
            let msg = format!("a Wait state needs exactly one of {}", list(fields));
            self.report(Code::MissingField, j.span, ptr, msg);
        }
        for extra in present.iter().skip(1) {
            let msg = format!(
                "a Wait state takes exactly one of {}; `{}` and `{}` are both set",
                list(fields),
                present[0].key,
                extra.key
            );
            self.report(
                Code::MutuallyExclusive,
                extra.key_span,
                &ptr.key(&extra.key),
                msg,
            );
        }
        let until = present.first().and_then(|m| {
            let p = ptr.key(&m.key);
            let v = &m.value;
            match m.key.as_str() {
                "Seconds" => {
                    let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                        s.int(v, &p, "Seconds", 0, MAX_SECONDS as i64)
                    })?;
                    Some(match r {
                        Ok(n) => WaitFor::Seconds(Spanned::new(n, v.span)),
                        Err(e) => WaitFor::SecondsExpr(e),
                    })
                }
                "Timestamp" => {
                    let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                        let t = s.string(v, &p, "Timestamp")?;
                        if !is_timestamp(t) {
                            s.timestamp_error(v, &p, t);
                            return None;
                        }
                        Some(Spanned::new(t.to_string(), v.span))
                    })?;
                    Some(match r {
                        Ok(t) => WaitFor::Timestamp(t),
                        Err(e) => WaitFor::TimestampExpr(e),
                    })
                }
                "SecondsPath" => self
                    .reference_path(v, &p, "SecondsPath")
                    .map(WaitFor::SecondsPath),
                _ => self
                    .reference_path(v, &p, "TimestampPath")
                    .map(WaitFor::TimestampPath),
            }
        });
        Wait {
            until,
            transition: self.transition(j, ptr, name),
        }
    }

    fn timestamp_error(&mut self, v: &Json, p: &Pointer, t: &str) {
        let msg = format!("`{t}` does not match the RFC 3339 timestamp format");
        self.help(
            Code::InvalidTimestamp,
            v.span,
            p,
            msg,
            "write timestamps like `2016-03-14T01:59:00Z`: uppercase `T`, and `Z` or an offset \
             such as `+01:00`",
        );
    }

    // ----- Choice ----------------------------------------------------------------------

    fn choice(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage) -> Choice {
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

    // ----- Retry / Catch ---------------------------------------------------------------

    fn error_equals(
        &mut self,
        obj: &Json,
        ptr: &Pointer,
        last: bool,
        what: &str,
    ) -> Vec<Spanned<String>> {
        let Some(m) = obj.member("ErrorEquals") else {
            let msg = format!("{what} needs `ErrorEquals`");
            let d = self.report(Code::MissingField, obj.span, ptr, msg);
            if let Some(k) = obj.as_object().and_then(|o| {
                o.iter()
                    .find(|m| fields::suggest(&m.key, ["ErrorEquals"]).is_some())
            }) {
                d.help = Some(format!("`{}` should be spelled `ErrorEquals`", k.key));
            }
            return Vec::new();
        };
        let p = ptr.key("ErrorEquals");
        let Some(items) = m.value.as_array() else {
            let msg = format!(
                "`ErrorEquals` must be an array of error names, found {}",
                m.value.type_name()
            );
            self.report(Code::WrongType, m.value.span, &p, msg);
            return Vec::new();
        };
        if items.is_empty() {
            self.report(
                Code::EmptyValue,
                m.value.span,
                &p,
                "`ErrorEquals` must not be empty",
            );
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.spanned_string(item, &p.index(i), "ErrorEquals") {
                out.push(s);
            }
        }
        if let Some(all) = out.iter().find(|e| e.value == "States.ALL") {
            if out.len() > 1 {
                self.help(
                    Code::StatesAllPosition,
                    all.span,
                    &p,
                    "`States.ALL` must be the only error name in its `ErrorEquals`".to_string(),
                    "remove the other names: `States.ALL` already matches them",
                );
            }
            if !last {
                self.help(
                    Code::StatesAllPosition,
                    all.span,
                    &p,
                    format!("{what} with `States.ALL` must be the last one"),
                    "move it to the end: later entries could never match",
                );
            }
        }
        out
    }

    /// The elements of the array field `field` (`Retry`, `Catch`) that are objects, with
    /// their index and pointer; reports a non-array and non-object elements.
    fn object_items<'j>(
        &mut self,
        j: &'j Json,
        ptr: &Pointer,
        field: &str,
        what: &str,
    ) -> Vec<(usize, &'j Json, &'j [Member], Pointer)> {
        let Some(v) = j.get(field) else {
            return Vec::new();
        };
        let p = ptr.key(field);
        let Some(items) = v.as_array() else {
            let msg = format!(
                "`{field}` must be an array of {what}s, found {}",
                v.type_name()
            );
            self.report(Code::WrongType, v.span, &p, msg);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let ip = p.index(i);
            if let Some(obj) = self.object(item, &ip, &format!("a {what}")) {
                out.push((i, item, obj, ip));
            }
        }
        out
    }

    fn retry(&mut self, j: &Json, ptr: &Pointer) -> Vec<Retrier> {
        let count = j
            .get("Retry")
            .and_then(Json::as_array)
            .map_or(0, <[Json]>::len);
        let mut out = Vec::new();
        for (i, r, obj, rp) in self.object_items(j, ptr, "Retry", "Retrier") {
            self.known_keys(
                obj,
                &[
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ],
                &rp,
                "a Retrier",
            );
            let error_equals = self.error_equals(r, &rp, i + 1 == count, "a Retrier");
            let mut retrier = Retrier {
                error_equals,
                interval_seconds: 1,
                max_attempts: 3,
                backoff_rate: 2.0,
                max_delay_seconds: None,
                jitter: Jitter::None,
                span: r.span,
            };
            if let Some(v) = r.get("IntervalSeconds")
                && let Some(n) = self.int(
                    v,
                    &rp.key("IntervalSeconds"),
                    "IntervalSeconds",
                    1,
                    MAX_SECONDS as i64,
                )
            {
                retrier.interval_seconds = n;
            }
            if let Some(v) = r.get("MaxAttempts")
                && let Some(n) = self.int(
                    v,
                    &rp.key("MaxAttempts"),
                    "MaxAttempts",
                    0,
                    MAX_SECONDS as i64,
                )
            {
                retrier.max_attempts = n;
            }
            if let Some(v) = r.get("MaxDelaySeconds")
                && let Some(n) = self.int(
                    v,
                    &rp.key("MaxDelaySeconds"),
                    "MaxDelaySeconds",
                    1,
                    31_622_400,
                )
            {
                retrier.max_delay_seconds = Some(n);
            }
            if let Some(v) = r.get("BackoffRate") {
                let bp = rp.key("BackoffRate");
                match v.as_number() {
                    Some(n) if n.as_f64() >= 1.0 => retrier.backoff_rate = n.as_f64(),
                    Some(n) => {
                        let msg = format!("`BackoffRate` must be at least 1.0, found {}", n.raw());
                        self.report(Code::OutOfRange, v.span, &bp, msg);
                    }
                    None => {
                        let msg =
                            format!("`BackoffRate` must be a number, found {}", v.type_name());
                        self.report(Code::WrongType, v.span, &bp, msg);
                    }
                }
            }
            if let Some(v) = r.get("JitterStrategy") {
                let jp = rp.key("JitterStrategy");
                match self.string(v, &jp, "JitterStrategy") {
                    Some("FULL") => retrier.jitter = Jitter::Full,
                    Some("NONE") => retrier.jitter = Jitter::None,
                    Some(other) => {
                        let msg = format!(
                            "`JitterStrategy` must be \"FULL\" or \"NONE\", found \"{other}\""
                        );
                        self.report(Code::InvalidValue, v.span, &jp, msg);
                    }
                    None => {}
                }
            }
            if let Some(c) = r.get("Comment") {
                self.string(c, &rp.key("Comment"), "Comment");
            }
            out.push(retrier);
        }
        out
    }

    fn catch(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage) -> Vec<Catcher> {
        let count = j
            .get("Catch")
            .and_then(Json::as_array)
            .map_or(0, <[Json]>::len);
        let mut out = Vec::new();
        for (i, c, obj, cp) in self.object_items(j, ptr, "Catch", "Catcher") {
            let (allowed, other): (&[&str], &[&str]) = match ql {
                QueryLanguage::JsonPath => (
                    &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"],
                    &["Output"],
                ),
                QueryLanguage::Jsonata => (
                    &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
                    &["ResultPath"],
                ),
            };
            for m in obj.iter().filter(|m| other.contains(&m.key.as_str())) {
                let msg = format!(
                    "`{}` in a Catcher is not available in {}",
                    m.key,
                    ql.as_str()
                );
                let help = if ql == QueryLanguage::Jsonata {
                    "use `Output` with `$states.errorOutput`"
                } else {
                    "use `ResultPath` to place the error output"
                };
                self.help(
                    Code::WrongQueryLanguage,
                    m.key_span,
                    &cp.key(&m.key),
                    msg,
                    help,
                );
            }
            let filtered: Vec<Member> = obj
                .iter()
                .filter(|m| !other.contains(&m.key.as_str()))
                .cloned()
                .collect();
            self.known_keys(&filtered, allowed, &cp, "a Catcher");
            let error_equals = self.error_equals(c, &cp, i + 1 == count, "a Catcher");
            let next = match c.get("Next") {
                Some(n) => self.spanned_string(n, &cp.key("Next"), "Next"),
                None => {
                    self.report(Code::MissingField, c.span, &cp, "a Catcher needs `Next`");
                    None
                }
            };
            self.lossy |= next.is_none();
            if let Some(cm) = c.get("Comment") {
                self.string(cm, &cp.key("Comment"), "Comment");
            }
            let result_path = match (ql, c.get("ResultPath")) {
                (QueryLanguage::JsonPath, Some(rp)) => self.result_path(rp, &cp.key("ResultPath")),
                _ => PathField::Default,
            };
            let ctx = ExprCtx {
                result: false,
                error_output: true,
            };
            let output = match (ql, c.get("Output")) {
                (QueryLanguage::Jsonata, Some(o)) => {
                    Some(self.jsonata_value(o, &cp.key("Output"), ctx))
                }
                _ => None,
            };
            let assign = c
                .get("Assign")
                .and_then(|a| self.assign(a, &cp.key("Assign"), ql, ctx));
            if let Some(next) = next {
                out.push(Catcher {
                    error_equals,
                    next,
                    result_path,
                    output,
                    assign,
                    span: c.span,
                });
            }
        }
        out
    }

    // ----- Task ------------------------------------------------------------------------

    fn seconds(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        field: &str,
    ) -> Option<Seconds> {
        let obj = j.as_object().unwrap_or_default();
        let path_field = format!("{field}Path");
        self.exclusive(obj, field, &path_field, ptr);
        if let Some(v) = j.get(field) {
            let p = ptr.key(field);
            let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                s.int(v, &p, field, 1, MAX_SECONDS as i64)
            })?;
            return Some(match r {
                Ok(n) => Seconds::Literal(Spanned::new(n, v.span)),
                Err(e) => Seconds::Expr(e),
            });
        }
        if ql == QueryLanguage::JsonPath
            && let Some(v) = j.get(&path_field)
        {
            return self
                .reference_path(v, &ptr.key(&path_field), &path_field)
                .map(Seconds::Path);
        }
        None
    }

    fn task(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage, name: &str) -> Option<Task> {
        let resource = match j.get("Resource") {
            None => {
                self.report(
                    Code::MissingField,
                    j.span,
                    ptr,
                    "a Task state needs `Resource`",
                );
                None
            }
            Some(r) => {
                let p = ptr.key("Resource");
                let s = self.spanned_string(r, &p, "Resource");
                if let Some(s) = &s {
                    self.resource(s, &p);
                }
                s
            }
        };
        let timeout = self.seconds(j, ptr, ql, "TimeoutSeconds");
        let heartbeat = self.seconds(j, ptr, ql, "HeartbeatSeconds");
        if let (Some(Seconds::Literal(t)), Some(Seconds::Literal(h))) = (&timeout, &heartbeat)
            && h.value >= t.value
        {
            let msg = format!(
                "`HeartbeatSeconds` ({}) must be smaller than `TimeoutSeconds` ({})",
                h.value, t.value
            );
            self.report(
                Code::HeartbeatNotBelowTimeout,
                h.span,
                &ptr.key("HeartbeatSeconds"),
                msg,
            );
        }
        let credentials = j.get("Credentials").and_then(|c| {
            let p = ptr.key("Credentials");
            if ql == QueryLanguage::Jsonata
                && let Some(s) = c.as_str()
                && jsonata::expression(s).is_some()
            {
                return Some(Payload::Jsonata(self.jsonata_value(
                    c,
                    &p,
                    ExprCtx::default(),
                )));
            }
            let obj = self.object(c, &p, "`Credentials`")?;
            if !obj
                .iter()
                .any(|m| m.key == "RoleArn" || m.key == "RoleArn.$")
            {
                self.help(
                    Code::MissingField,
                    c.span,
                    &p,
                    "`Credentials` needs `RoleArn`".to_string(),
                    "add `\"RoleArn\": \"arn:aws:iam::<account>:role/<name>\"`",
                );
            }
            Some(match ql {
                QueryLanguage::JsonPath => Payload::Template(self.template(c, &p)),
                QueryLanguage::Jsonata => {
                    Payload::Jsonata(self.jsonata_value(c, &p, ExprCtx::default()))
                }
            })
        });
        let retry = self.retry(j, ptr);
        let catch = self.catch(j, ptr, ql);
        let transition = self.transition(j, ptr, name);
        Some(Task {
            resource: resource?,
            timeout,
            heartbeat,
            credentials,
            retry,
            catch,
            transition,
        })
    }

    fn resource(&mut self, r: &Spanned<String>, ptr: &Pointer) {
        use resource::{Pattern, ResourceKind, Verdict};
        let kind = match resource::check(&r.value) {
            Verdict::Ok(k) => k,
            Verdict::Warn(k, msg) => {
                self.report(Code::ResourceNotAnArn, r.span, ptr, msg);
                k
            }
            Verdict::Error(msg) => {
                self.report(Code::InvalidResource, r.span, ptr, msg);
                return;
            }
        };
        if self.options.machine_type == MachineType::Express {
            let problem = match &kind {
                ResourceKind::Activity => {
                    Some("Express state machine does not support Activity ARN")
                }
                ResourceKind::Integration {
                    pattern: Pattern::Sync | Pattern::Sync2,
                    ..
                } => Some("Express state machine does not support '.sync' service integration"),
                ResourceKind::Integration {
                    pattern: Pattern::WaitForTaskToken,
                    ..
                } => Some(
                    "Express state machine does not support '.waitForTaskToken' service integration",
                ),
                _ => None,
            };
            if let Some(msg) = problem {
                self.help(
                    Code::NotSupportedInExpress,
                    r.span,
                    ptr,
                    msg.to_string(),
                    "use a Standard state machine, or the Request Response form of the integration",
                );
            }
        }
    }

    // ----- Parallel and Map ------------------------------------------------------------

    fn parallel(
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

    fn count(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        field: &str,
        max: f64,
        integer: bool,
    ) -> Option<Count> {
        let obj = j.as_object().unwrap_or_default();
        let path_field = format!("{field}Path");
        self.exclusive(obj, field, &path_field, ptr);
        if let Some(v) = j.get(field) {
            let p = ptr.key(field);
            let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                let Some(n) = v.as_number() else {
                    let msg = format!("`{field}` must be a number, found {}", v.type_name());
                    s.report(Code::WrongType, v.span, &p, msg);
                    return None;
                };
                let x = n.as_f64();
                if (integer && n.as_i64().is_none()) || x < 0.0 || x > max {
                    let msg = format!(
                        "`{field}` must be {} between 0 and {max}, found {}",
                        if integer { "an integer" } else { "a number" },
                        n.raw()
                    );
                    s.report(Code::OutOfRange, v.span, &p, msg);
                    return None;
                }
                Some(Spanned::new(x, v.span))
            })?;
            return Some(match r {
                Ok(n) => Count::Literal(n),
                Err(e) => Count::Expr(e),
            });
        }
        if ql == QueryLanguage::JsonPath
            && let Some(v) = j.get(&path_field)
        {
            return self
                .reference_path(v, &ptr.key(&path_field), &path_field)
                .map(Count::Path);
        }
        None
    }

    fn map(&mut self, j: &Json, ptr: &Pointer, ql: QueryLanguage, name: &str) -> Option<Map> {
        let obj = j.as_object().unwrap_or_default();
        let proc = match (j.member("ItemProcessor"), j.member("Iterator")) {
            (Some(a), Some(b)) => {
                let _ = a;
                self.help(
                    Code::MutuallyExclusive,
                    b.key_span,
                    &ptr.key("Iterator"),
                    "a Map state has both `ItemProcessor` and `Iterator`".to_string(),
                    "`Iterator` is the deprecated name of `ItemProcessor`: keep one",
                );
                None
            }
            (Some(m), None) | (None, Some(m)) => Some(m),
            (None, None) => {
                self.help(
                    Code::MissingField,
                    j.span,
                    ptr,
                    "a Map state needs `ItemProcessor`".to_string(),
                    "add `\"ItemProcessor\": {\"StartAt\": …, \"States\": {…}}`",
                );
                None
            }
        };
        let mut mode = MapMode::Inline;
        let mut execution_type = None;
        if let Some(pm) = proc
            && let Some(cfg) = pm.value.get("ProcessorConfig")
        {
            let cp = ptr.key(&pm.key).key("ProcessorConfig");
            if let Some(co) = self.object(cfg, &cp, "`ProcessorConfig`") {
                self.known_keys(co, &["Mode", "ExecutionType"], &cp, "`ProcessorConfig`");
                if let Some(m) = cfg.get("Mode") {
                    match self.string(m, &cp.key("Mode"), "Mode") {
                        Some("INLINE") => {}
                        Some("DISTRIBUTED") => mode = MapMode::Distributed,
                        Some(other) => {
                            let msg = format!(
                                "`Mode` must be \"INLINE\" or \"DISTRIBUTED\", found \"{other}\""
                            );
                            self.report(Code::InvalidValue, m.span, &cp.key("Mode"), msg);
                        }
                        None => {}
                    }
                }
                if let Some(e) = cfg.get("ExecutionType") {
                    match self.string(e, &cp.key("ExecutionType"), "ExecutionType") {
                        Some("STANDARD") => execution_type = Some(ExecutionType::Standard),
                        Some("EXPRESS") => execution_type = Some(ExecutionType::Express),
                        Some(other) => {
                            let msg = format!(
                                "`ExecutionType` must be \"STANDARD\" or \"EXPRESS\", found \"{other}\""
                            );
                            self.report(Code::InvalidValue, e.span, &cp.key("ExecutionType"), msg);
                        }
                        None => {}
                    }
                }
                if mode == MapMode::Distributed && execution_type.is_none() {
                    self.report(
                        Code::MissingField,
                        cfg.span,
                        &cp,
                        "a DISTRIBUTED Map needs `ExecutionType` (STANDARD or EXPRESS)",
                    );
                }
            }
        }
        if mode == MapMode::Distributed && self.options.machine_type == MachineType::Express {
            let span = proc.map_or(j.span, |p| p.key_span);
            self.report(
                Code::NotSupportedInExpress,
                span,
                ptr,
                "Express state machine does not support Distributed Map",
            );
        }
        let processor = proc.and_then(|pm| {
            let scope = self.current_scope;
            self.scope(
                &pm.value,
                &ptr.key(&pm.key),
                ScopeKind::Processor,
                Some(scope),
            )
        });

        let items_path = match (ql, j.get("ItemsPath")) {
            (QueryLanguage::JsonPath, Some(v)) if v.is_null() => {
                self.report(
                    Code::InvalidReferencePath,
                    v.span,
                    &ptr.key("ItemsPath"),
                    "`ItemsPath` cannot be null: it must be a Reference Path",
                );
                None
            }
            (QueryLanguage::JsonPath, Some(v)) => {
                self.reference_path(v, &ptr.key("ItemsPath"), "ItemsPath")
            }
            _ => None,
        };
        let items = match (ql, j.get("Items")) {
            (QueryLanguage::Jsonata, Some(v)) => {
                let p = ptr.key("Items");
                let value = self.jsonata_value(v, &p, ExprCtx::default());
                if !matches!(value, JsonataValue::Expr(_) | JsonataValue::Array(_)) {
                    let msg = format!(
                        "`Items` must be an array or a JSONata expression, found {}",
                        v.type_name()
                    );
                    self.report(Code::WrongType, v.span, &p, msg);
                }
                Some(value)
            }
            _ => None,
        };
        self.exclusive(obj, "ItemSelector", "Parameters", ptr);
        let selector_json = j.get("ItemSelector").or_else(|| {
            (ql == QueryLanguage::JsonPath)
                .then(|| j.get("Parameters"))
                .flatten()
        });
        let item_selector = selector_json.map(|v| {
            let key = if j.get("ItemSelector").is_some() {
                "ItemSelector"
            } else {
                "Parameters"
            };
            let p = ptr.key(key);
            match ql {
                QueryLanguage::JsonPath => Payload::Template(self.template(v, &p)),
                QueryLanguage::Jsonata => {
                    Payload::Jsonata(self.jsonata_value(v, &p, ExprCtx::default()))
                }
            }
        });
        let max_concurrency = self.count(j, ptr, ql, "MaxConcurrency", MAX_SECONDS as f64, true);
        let tolerated_failure_count = self.count(
            j,
            ptr,
            ql,
            "ToleratedFailureCount",
            MAX_SECONDS as f64,
            true,
        );
        let tolerated_failure_percentage =
            self.count(j, ptr, ql, "ToleratedFailurePercentage", 100.0, false);
        let item_reader = j
            .get("ItemReader")
            .and_then(|r| self.item_reader(r, &ptr.key("ItemReader"), ql));
        let item_batcher = j
            .get("ItemBatcher")
            .and_then(|b| self.item_batcher(b, &ptr.key("ItemBatcher"), ql));
        let result_writer = j
            .get("ResultWriter")
            .and_then(|w| self.result_writer(w, &ptr.key("ResultWriter"), ql));
        let label = j.get("Label").and_then(|l| {
            let p = ptr.key("Label");
            let s = self.spanned_string(l, &p, "Label")?;
            self.label(&s, &p);
            Some(s)
        });
        let retry = self.retry(j, ptr);
        let catch = self.catch(j, ptr, ql);
        let transition = self.transition(j, ptr, name);
        Some(Map {
            processor: processor?,
            mode,
            execution_type,
            items_path,
            items,
            item_selector,
            max_concurrency,
            tolerated_failure_count,
            tolerated_failure_percentage,
            item_reader,
            item_batcher,
            result_writer,
            label,
            retry,
            catch,
            transition,
        })
    }

    /// `Parameters` (JSONPath) or `Arguments` (JSONata) of an ItemReader or ResultWriter.
    fn io_payload(&mut self, j: &Json, p: &Pointer, ql: QueryLanguage) -> Option<Payload> {
        let (field, other) = match ql {
            QueryLanguage::JsonPath => ("Parameters", "Arguments"),
            QueryLanguage::Jsonata => ("Arguments", "Parameters"),
        };
        if let Some(m) = j.member(other) {
            let msg = format!("`{other}` is not available in {}", ql.as_str());
            let help = format!("use `{field}`");
            self.help(
                Code::WrongQueryLanguage,
                m.key_span,
                &p.key(other),
                msg,
                &help,
            );
        }
        let v = j.get(field)?;
        let fp = p.key(field);
        Some(match ql {
            QueryLanguage::JsonPath => Payload::Template(self.template(v, &fp)),
            QueryLanguage::Jsonata => {
                Payload::Jsonata(self.jsonata_value(v, &fp, ExprCtx::default()))
            }
        })
    }

    /// An optional string field restricted to `allowed` values.
    fn enum_field(
        &mut self,
        j: &Json,
        p: &Pointer,
        field: &str,
        allowed: &[&str],
    ) -> Option<String> {
        let v = j.get(field)?;
        let fp = p.key(field);
        let s = self.string(v, &fp, field)?;
        if !allowed.contains(&s) {
            let msg = format!("`{field}` must be one of {}, found \"{s}\"", list(allowed));
            self.report(Code::InvalidValue, v.span, &fp, msg);
            return None;
        }
        Some(s.to_string())
    }

    /// `ItemReader`/`ResultWriter` resources: `arn:<partition>:states:::<one of apis>`.
    fn map_resource(&mut self, r: &Spanned<String>, p: &Pointer, apis: &[&str]) {
        let ok = r.value.strip_prefix("arn:").and_then(|rest| {
            let (_partition, tail) = rest.split_once(':')?;
            tail.strip_prefix("states:::")
        });
        if !ok.is_some_and(|api| apis.contains(&api)) {
            let expected: Vec<String> = apis
                .iter()
                .map(|a| format!("arn:aws:states:::{a}"))
                .collect();
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            let msg = format!(
                "`{}` is not a resource this field accepts: expected {}",
                r.value,
                list(&expected)
            );
            self.report(Code::InvalidResource, r.span, p, msg);
        }
    }

    fn item_reader(&mut self, r: &Json, p: &Pointer, ql: QueryLanguage) -> Option<ItemReader> {
        let o = self.object(r, p, "`ItemReader`")?;
        self.known_keys(
            o,
            &["Resource", "Parameters", "Arguments", "ReaderConfig"],
            p,
            "`ItemReader`",
        );
        let resource = match r.get("Resource") {
            None => {
                self.report(
                    Code::MissingField,
                    r.span,
                    p,
                    "`ItemReader` needs `Resource`",
                );
                None
            }
            Some(res) => self.spanned_string(res, &p.key("Resource"), "Resource"),
        };
        if let Some(res) = &resource {
            self.map_resource(
                res,
                &p.key("Resource"),
                &["s3:getObject", "s3:listObjectsV2"],
            );
        }
        let parameters = self.io_payload(r, p, ql);
        let mut reader_config = ReaderConfig::default();
        if let Some(cfg) = r.get("ReaderConfig") {
            let cp = p.key("ReaderConfig");
            if let Some(co) = self.object(cfg, &cp, "`ReaderConfig`") {
                self.known_keys(
                    co,
                    &[
                        "InputType",
                        "Transformation",
                        "ManifestType",
                        "CSVHeaderLocation",
                        "CSVHeaders",
                        "CSVDelimiter",
                        "ItemsPointer",
                        "MaxItems",
                        "MaxItemsPath",
                    ],
                    &cp,
                    "`ReaderConfig`",
                );
                reader_config.input_type = self.enum_field(
                    cfg,
                    &cp,
                    "InputType",
                    &["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
                );
                reader_config.transformation =
                    self.enum_field(cfg, &cp, "Transformation", &["NONE", "LOAD_AND_FLATTEN"]);
                reader_config.manifest_type =
                    self.enum_field(cfg, &cp, "ManifestType", &["ATHENA_DATA", "S3_INVENTORY"]);
                reader_config.csv_header_location =
                    self.enum_field(cfg, &cp, "CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]);
                reader_config.csv_delimiter = self.enum_field(
                    cfg,
                    &cp,
                    "CSVDelimiter",
                    &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
                );
                if let Some(h) = cfg.get("CSVHeaders") {
                    let hp = cp.key("CSVHeaders");
                    match h.as_array() {
                        Some(items) => {
                            let mut headers = Vec::new();
                            for (i, item) in items.iter().enumerate() {
                                if let Some(s) = self.string(item, &hp.index(i), "CSVHeaders") {
                                    headers.push(s.to_string());
                                }
                            }
                            reader_config.csv_headers = Some(headers);
                        }
                        None => {
                            let msg = format!(
                                "`CSVHeaders` must be an array of strings, found {}",
                                h.type_name()
                            );
                            self.report(Code::WrongType, h.span, &hp, msg);
                        }
                    }
                }
                if reader_config.csv_header_location.as_deref() == Some("GIVEN")
                    && reader_config.csv_headers.is_none()
                {
                    self.report(
                        Code::MissingField,
                        cfg.span,
                        &cp,
                        "`CSVHeaderLocation: GIVEN` needs `CSVHeaders`",
                    );
                }
                if let Some(ip) = cfg.get("ItemsPointer") {
                    reader_config.items_pointer = self
                        .string(ip, &cp.key("ItemsPointer"), "ItemsPointer")
                        .map(str::to_string);
                }
                reader_config.max_items = self.count(cfg, &cp, ql, "MaxItems", 100_000_000.0, true);
                if let Some(Count::Literal(n)) = &reader_config.max_items
                    && n.value < 1.0
                {
                    self.report(
                        Code::OutOfRange,
                        n.span,
                        &cp.key("MaxItems"),
                        "`MaxItems` must be at least 1",
                    );
                }
            }
        }
        Some(ItemReader {
            resource: resource?,
            parameters,
            reader_config,
        })
    }

    fn item_batcher(&mut self, b: &Json, p: &Pointer, ql: QueryLanguage) -> Option<ItemBatcher> {
        let o = self.object(b, p, "`ItemBatcher`")?;
        let all = [
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
        ];
        let mut allowed = all.to_vec();
        allowed.push("BatchInput");
        self.known_keys(o, &allowed, p, "`ItemBatcher`");
        if !o.iter().any(|m| all.contains(&m.key.as_str())) {
            let msg = format!("`ItemBatcher` needs at least one of {}", list(&all));
            self.report(Code::MissingField, b.span, p, msg);
        }
        let max_items_per_batch = self.count(b, p, ql, "MaxItemsPerBatch", 100_000_000.0, true);
        let max_input_bytes_per_batch =
            self.count(b, p, ql, "MaxInputBytesPerBatch", 262_144.0, true);
        for (field, count) in [
            ("MaxItemsPerBatch", &max_items_per_batch),
            ("MaxInputBytesPerBatch", &max_input_bytes_per_batch),
        ] {
            if let Some(Count::Literal(n)) = count
                && n.value < 1.0
            {
                let msg = format!("`{field}` must be at least 1");
                self.report(Code::OutOfRange, n.span, &p.key(field), msg);
            }
        }
        let batch_input = b.get("BatchInput").map(|bi| {
            let bp = p.key("BatchInput");
            match ql {
                QueryLanguage::JsonPath => Payload::Template(self.template(bi, &bp)),
                QueryLanguage::Jsonata => {
                    Payload::Jsonata(self.jsonata_value(bi, &bp, ExprCtx::default()))
                }
            }
        });
        Some(ItemBatcher {
            max_items_per_batch,
            max_input_bytes_per_batch,
            batch_input,
        })
    }

    fn result_writer(&mut self, w: &Json, p: &Pointer, ql: QueryLanguage) -> Option<ResultWriter> {
        let o = self.object(w, p, "`ResultWriter`")?;
        self.known_keys(
            o,
            &["Resource", "Parameters", "Arguments", "WriterConfig"],
            p,
            "`ResultWriter`",
        );
        if o.is_empty() {
            self.report(
                Code::EmptyValue,
                w.span,
                p,
                "`ResultWriter` must not be empty",
            );
        }
        let resource = w
            .get("Resource")
            .and_then(|r| self.spanned_string(r, &p.key("Resource"), "Resource"));
        if let Some(res) = &resource {
            self.map_resource(res, &p.key("Resource"), &["s3:putObject"]);
        }
        let parameters = self.io_payload(w, p, ql);
        let mut writer = ResultWriter {
            resource,
            parameters,
            ..ResultWriter::default()
        };
        if let Some(cfg) = w.get("WriterConfig") {
            let cp = p.key("WriterConfig");
            if let Some(co) = self.object(cfg, &cp, "`WriterConfig`") {
                self.known_keys(co, &["OutputType", "Transformation"], &cp, "`WriterConfig`");
                writer.output_type = self.enum_field(cfg, &cp, "OutputType", &["JSON", "JSONL"]);
                writer.transformation =
                    self.enum_field(cfg, &cp, "Transformation", &["NONE", "COMPACT", "FLATTEN"]);
            }
        }
        Some(writer)
    }

    fn label(&mut self, s: &Spanned<String>, p: &Pointer) {
        let bad = s
            .value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "?*<>{}[]:;,\\|^~$#%&`\"".contains(c));
        if s.value.chars().count() > 40 || bad || s.value.is_empty() {
            self.report(
                Code::InvalidLabel,
                s.span,
                p,
                format!(
                    "invalid Map `Label` `{}`: at most 40 characters, no whitespace, control \
                     characters or any of ? * < > {{ }} [ ] : ; , \\ | ^ ~ $ # % & ` \"",
                    s.value
                ),
            );
        }
        if let Some(first) = self.labels.get(&s.value).copied() {
            let msg = format!("Map `Label` `{}` is used twice", s.value);
            let d = self.report(Code::InvalidLabel, s.span, p, msg);
            d.related.push((first, "first used here".to_string()));
        } else {
            self.labels.insert(s.value.clone(), s.span);
        }
    }

    // ----- whole-definition checks -----------------------------------------------------

    fn finish(&mut self, machine: Option<&StateMachine>) {
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
        // VAR-8 / VAL-30: an inner scope must not assign a name an outer scope assigns.
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

/// `true` for timestamps in the ASL profile of RFC 3339 (TOP-11): `YYYY-MM-DDTHH:MM:SS`, an
/// optional fraction, and `Z` or `±HH:MM`; uppercase `T` and `Z`; valid calendar dates.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if d == 0 || d > days || h > 23 || mi > 59 || sec > 59 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &s[i..] {
        "Z" => true,
        rest => {
            let rb = rest.as_bytes();
            rb.len() == 6
                && (rb[0] == b'+' || rb[0] == b'-')
                && rb[3] == b':'
                && digits(i + 1..i + 3).is_some_and(|h| h <= 23)
                && digits(i + 4..i + 6).is_some_and(|m| m <= 59)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        for ok in [
            "2016-03-14T01:59:00Z",
            "2016-03-05T21:29:29.243167252Z",
            "2016-02-29T00:00:00+01:00",
            "2000-02-29T23:59:59-05:30",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "2016-13-05T21:29:29Z",
            "05-12-2016T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2016-12-05 21:29:29Z",
            "2016-12-05T21:29:29",
            "2015-02-29T00:00:00Z",
            "2016-03-14t01:59:00z",
            "2016-03-14T01:59:00.Z",
            "{% '2016-03-14T01:59:00Z' %}",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn open_backslashes() {
        assert_eq!(open_backslash("a\\*b\\\\c*"), None);
        assert_eq!(open_backslash("a\\b"), Some(1));
        assert_eq!(open_backslash("a\\"), Some(1));
    }
}
