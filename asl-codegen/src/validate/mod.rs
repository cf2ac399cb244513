//! Validation: turns the spanned JSON tree into the typed [`model`](crate::model) and reports
//! every problem, not just the first (VAL-*).
//!
//! One walk over the tree checks each field where it is read (types, ranges, allowed fields,
//! paths, templates, intrinsic calls, JSONata syntax) and builds the model at the same time;
//! whole-definition rules (duplicate names, transitions across scopes, reachability, terminal
//! states, variable scopes, Map labels) run as each scope is finished and once at the end.
//!
//! The walk is one `Validator`, its methods split by concept into `impl` blocks in the child
//! modules: one per state type, plus scopes, transitions, variables, paths and templates.

mod choice;
pub mod fields;
mod graph;
pub mod jsonata;
mod map;
mod parallel;
mod pass_wait_fail;
mod paths;
pub mod resource;
mod retry_catch;
mod scope;
mod state;
mod task;
mod template;
mod values;
mod variables;

pub use pass_wait_fail::is_timestamp;

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, Pointer, Report};
use crate::model::*;
use crate::parse::{self, Source, Span, string_offset};

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

    /// Whole-definition rules, once every scope has been read.
    fn finish(&mut self, machine: Option<&StateMachine>) {
        self.resolve_targets();
        self.scope_conflicts();
        self.undefined_variables(machine);
    }
}
