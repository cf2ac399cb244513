//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! Every rule the front end checks has a stable [`Code`]; this module is the one place they are
//! listed (also rendered in `docs/diagnostics.md`, which a test keeps in sync). Each code also
//! names the AWS `ValidateStateMachineDefinition` code it corresponds to, so users who know AWS's
//! messages recognise ours.

use std::fmt;

use crate::parse::{Source, Span};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The definition is invalid: AWS rejects it and asl-rs will not compile it.
    Error,
    /// The definition is valid but probably not what was meant.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $name:ident = $id:literal, $aws:literal, $sev:ident; )*) => {
        /// A stable identifier for each rule. The string form (`ASL101`, …) never changes meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            /// The stable identifier, e.g. `"ASL301"`.
            pub fn id(self) -> &'static str {
                match self { $(Code::$name => $id,)* }
            }

            /// The closest code AWS's `ValidateStateMachineDefinition` reports for this problem.
            pub fn aws_code(self) -> &'static str {
                match self { $(Code::$name => $aws,)* }
            }

            /// Whether the rule makes the definition invalid or only warns.
            pub fn severity(self) -> Severity {
                match self { $(Code::$name => Severity::$sev,)* }
            }

            /// One-line description of the rule (its documentation).
            pub fn summary(self) -> &'static str {
                match self { $(Code::$name => concat!($($doc),*).trim_ascii(),)* }
            }

            /// Looks a code up by its identifier.
            pub fn from_id(id: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.id().eq_ignore_ascii_case(id))
            }
        }
    };
}

codes! {
    // --- JSON text ---
    /// The text is not well-formed JSON (VAL-1).
    InvalidJson = "ASL001", "INVALID_JSON_DESCRIPTION", Error;
    /// The definition is empty (VAL-1).
    EmptyDefinition = "ASL002", "MISSING_DESCRIPTION", Error;
    /// An object has the same key twice (VAL-1).
    DuplicateKey = "ASL003", "INVALID_JSON_DESCRIPTION", Error;
    /// Arrays and objects are nested deeper than the parser allows (VAL-32).
    TooDeeplyNested = "ASL004", "TOO_DEEPLY_NESTED", Error;
    /// The definition is larger than AWS's 1 MB limit (TOP-13).
    DefinitionTooLarge = "ASL005", "SCHEMA_VALIDATION_FAILED", Error;

    // --- Structure (the schema) ---
    /// A JSON object was expected (the definition itself, a state, a rule, …).
    ExpectedObject = "ASL101", "SCHEMA_VALIDATION_FAILED", Error;
    /// A required field is missing (VAL-2, VAL-9, VAL-17, VAL-26).
    MissingField = "ASL102", "SCHEMA_VALIDATION_FAILED", Error;
    /// A field is not allowed here (VAL-11, STATE-5, STATE-6, STATE-FAIL-6).
    UnknownField = "ASL103", "SCHEMA_VALIDATION_FAILED", Error;
    /// A field's value has the wrong JSON type (VAL-36).
    WrongType = "ASL104", "SCHEMA_VALIDATION_FAILED", Error;
    /// A field's value is not one of the allowed values (Type, QueryLanguage, JitterStrategy, …).
    InvalidValue = "ASL105", "SCHEMA_VALIDATION_FAILED", Error;
    /// A number is outside the range the field allows (VAL-16, VAL-18, VAL-25, VAL-27, VAL-31).
    OutOfRange = "ASL106", "SCHEMA_VALIDATION_FAILED", Error;
    /// Two fields that exclude each other are both present, or none of a required set (VAL-13).
    MutuallyExclusive = "ASL107", "SCHEMA_VALIDATION_FAILED", Error;
    /// An array or object that must not be empty is empty (VAL-15, VAL-24, PAR-1).
    EmptyValue = "ASL108", "SCHEMA_VALIDATION_FAILED", Error;
    /// A field of the other query language is used (VAL-12, JSONATA-4).
    WrongQueryLanguage = "ASL109", "SCHEMA_VALIDATION_FAILED", Error;
    /// A JSONPath state in a machine whose top-level QueryLanguage is JSONata (TOP-6).
    QueryLanguageDowngrade = "ASL110", "SCHEMA_VALIDATION_FAILED", Error;

    // --- States and transitions ---
    /// Two states have the same name anywhere in the definition (VAL-8, TOP-8).
    DuplicateStateName = "ASL201", "DUPLICATE_STATE_NAME", Error;
    /// A state name is empty or longer than 80 characters (VAL-8).
    InvalidStateName = "ASL202", "INVALID_STATE_NAME", Error;
    /// `StartAt`, `Next`, `Default` or a Catcher's `Next` names no state (VAL-3, VAL-4).
    MissingTransitionTarget = "ASL203", "MISSING_TRANSITION_TARGET", Error;
    /// A transition leaves or enters a Parallel branch or a Map processor (VAL-5).
    TransitionOutOfScope = "ASL204", "MISSING_TRANSITION_TARGET", Error;
    /// No transition leads to the state (VAL-6).
    UnreachableState = "ASL205", "UNREACHABLE_STATE", Error;
    /// A `States` object has no terminal state (VAL-7).
    MissingEndState = "ASL206", "MISSING_END_STATE", Error;
    /// A state that must transition has neither `Next` nor `"End": true` (VAL-10, STATE-4).
    MissingNextOrEnd = "ASL207", "SCHEMA_VALIDATION_FAILED", Error;
    /// A state has both `Next` and `"End": true` (VAL-10, STATE-4).
    NextWithEnd = "ASL208", "SCHEMA_VALIDATION_FAILED", Error;

    // --- Paths, payload templates, intrinsic functions ---
    /// A string that must be a JSONPath Path is not one (VAL-19, DATA-1).
    InvalidPath = "ASL301", "SCHEMA_VALIDATION_FAILED", Error;
    /// A string that must be a Reference Path is not one (VAL-19, DATA-2).
    InvalidReferencePath = "ASL302", "SCHEMA_VALIDATION_FAILED", Error;
    /// A `.$` key's value is not a Path, a context Path or an intrinsic call (VAL-20, DATA-11).
    InvalidTemplateValue = "ASL303", "SCHEMA_VALIDATION_FAILED", Error;
    /// A template object has `x` and `x.$` (VAL-21, DATA-10).
    DuplicateTemplateKey = "ASL304", "SCHEMA_VALIDATION_FAILED", Error;
    /// An intrinsic function call is malformed (VAL-22, INTR-2, INTR-3).
    InvalidIntrinsic = "ASL305", "SCHEMA_VALIDATION_FAILED", Error;
    /// An intrinsic function name is not one of the 18 `States.*` functions (INTR-6).
    UnknownIntrinsic = "ASL306", "SCHEMA_VALIDATION_FAILED", Error;
    /// An intrinsic function has the wrong number or type of arguments (VAL-22, INTR-23).
    IntrinsicArguments = "ASL307", "SCHEMA_VALIDATION_FAILED", Error;
    /// A Path field that may not use `$$`, a variable or an intrinsic does (DATA-15, VAL-30).
    PathNotAllowed = "ASL308", "SCHEMA_VALIDATION_FAILED", Error;
    /// More than 10 nested intrinsic calls in one field (INTR-4).
    IntrinsicTooDeep = "ASL309", "SCHEMA_VALIDATION_FAILED", Error;

    // --- Retry and Catch ---
    /// `States.ALL` is not alone in its `ErrorEquals` or not in the last Retrier/Catcher
    /// (VAL-15, RETRY-11, CATCH-3).
    StatesAllPosition = "ASL401", "SCHEMA_VALIDATION_FAILED", Error;

    // --- Choice ---
    /// A Choice rule has no comparison operator, or more than one (VAL-24).
    ChoiceRuleOperator = "ASL501", "SCHEMA_VALIDATION_FAILED", Error;
    /// A top-level Choice rule lacks `Next`, or a nested rule has one (CHOICE-3).
    ChoiceRuleNext = "ASL502", "SCHEMA_VALIDATION_FAILED", Error;
    /// A string that must be a timestamp is not in the RFC 3339 profile ASL uses (TOP-11).
    InvalidTimestamp = "ASL503", "SCHEMA_VALIDATION_FAILED", Error;

    // --- Task, Map, execution type ---
    /// A Task `Resource` is not a URI AWS recognises (TASK-1, VAL-18).
    InvalidResource = "ASL601", "SCHEMA_VALIDATION_FAILED", Error;
    /// `HeartbeatSeconds` is not smaller than `TimeoutSeconds` (TASK-7, VAL-18).
    HeartbeatNotBelowTimeout = "ASL602", "SCHEMA_VALIDATION_FAILED", Error;
    /// An Express machine uses something only Standard supports (VAL-34).
    NotSupportedInExpress = "ASL603", "SCHEMA_VALIDATION_FAILED", Error;
    /// A Map `Label` is too long, has forbidden characters or is used twice (MAP-18).
    InvalidLabel = "ASL604", "INVALID_LABEL_NAME", Error;

    // --- JSONata and variables ---
    /// A JSONata expression does not parse (VAL-28).
    JsonataSyntax = "ASL701", "SCHEMA_VALIDATION_FAILED", Error;
    /// A string looks like a JSONata expression but is not delimited by `{%` and `%}` (JSONATA-2).
    JsonataDelimiters = "ASL702", "SCHEMA_VALIDATION_FAILED", Error;
    /// `$states.result` or `$states.errorOutput` is used where AWS does not provide it (VAL-29).
    StatesFieldNotAvailable = "ASL703", "SCHEMA_VALIDATION_FAILED", Error;
    /// A variable name is not an identifier, is longer than 80 characters or is `states` (VAR-2).
    InvalidVariableName = "ASL704", "SCHEMA_VALIDATION_FAILED", Error;
    /// An inner scope assigns a variable an outer scope assigns (VAR-8, VAL-30).
    VariableScopeConflict = "ASL705", "SCHEMA_VALIDATION_FAILED", Error;

    // --- Warnings ---
    /// A template key lacks `.$` but its value looks like a Path or intrinsic (VAL-33).
    NoDollar = "ASL901", "NO_DOLLAR", Warning;
    /// A Pass `Result` contains `.$` keys, which are not evaluated (STATE-PASS-4).
    PassResultIsStatic = "ASL902", "PASS_RESULT_IS_STATIC", Warning;
    /// A Task `Resource` has a shape AWS would reject, but is a valid URI (e.g. `foo:bar`, a
    /// deploy-time `${placeholder}`): fine for local runs, not deployable (TASK-1).
    ResourceNotAnArn = "ASL903", "INVALID_RESOURCE", Warning;
    /// A variable is referenced that no state assigns (VAR-4).
    UndefinedVariable = "ASL904", "SCHEMA_VALIDATION_FAILED", Warning;
    /// A variable name is not an identifier (VAR-2), so `$name` cannot refer to it.
    VariableNameNotIdentifier = "ASL905", "SCHEMA_VALIDATION_FAILED", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One step of a [`Pointer`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Where in the definition's JSON a problem is, as keys and indexes from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Pointer(pub Vec<Segment>);

impl Pointer {
    /// The pointer extended by a key.
    pub fn key(&self, key: impl Into<String>) -> Pointer {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.into()));
        p
    }

    /// The pointer extended by an index.
    pub fn index(&self, index: usize) -> Pointer {
        let mut p = self.clone();
        p.0.push(Segment::Index(index));
        p
    }

    /// AWS's form of the location: `/States/Charge/Retry/1/BackoffRate`.
    pub fn aws_location(&self) -> String {
        if self.0.is_empty() {
            return "/".to_string();
        }
        let mut s = String::new();
        for seg in &self.0 {
            s.push('/');
            match seg {
                Segment::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Segment::Index(i) => s.push_str(&i.to_string()),
            }
        }
        s
    }
}

impl fmt::Display for Pointer {
    /// `States.Charge.Retry[1].BackoffRate`; keys that are not plain words are quoted:
    /// `States["Pay now"].Next`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$');
                    if plain {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        f.write_str(k)?;
                    } else {
                        write!(f, "[{k:?}]")?;
                    }
                }
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The rule.
    pub code: Code,
    /// Error or warning (from the code).
    pub severity: Severity,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Where in the JSON.
    pub pointer: Pointer,
    /// The state the problem is in, if any.
    pub state: Option<String>,
    /// The text the problem is about.
    pub span: Span,
    /// How to fix it, when that is clear.
    pub help: Option<String>,
    /// Other places worth showing (e.g. the first of two duplicate names).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// A diagnostic with the code's severity and no pointer, state or help yet.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            pointer: Pointer::default(),
            state: None,
            span,
            help: None,
            related: Vec::new(),
        }
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `true` for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of one definition together with its source, ready to print.
#[derive(Debug, Clone)]
pub struct Report {
    /// The definition text and its name.
    pub source: Source,
    /// Problems, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// `true` if any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// Renders all diagnostics like rustc: code, message, the source line with a caret, help.
    pub fn render(&self, color: bool) -> String {
        use codespan_reporting::diagnostic::{Diagnostic as CsDiag, Label};
        use codespan_reporting::files::SimpleFile;
        use codespan_reporting::term::{self, Config};

        let file = SimpleFile::new(self.source.name(), self.source.text());
        let config = Config::default();
        let mut out = Vec::new();
        for d in &self.diagnostics {
            let cs = match d.severity {
                Severity::Error => CsDiag::error(),
                Severity::Warning => CsDiag::warning(),
            };
            let mut labels =
                vec![
                    Label::primary((), d.span.start..d.span.end).with_message(match &d.state {
                        Some(state) => format!("in state `{state}`, at {}", d.pointer),
                        None => format!("at {}", d.pointer),
                    }),
                ];
            for (span, msg) in &d.related {
                labels.push(Label::secondary((), span.start..span.end).with_message(msg.clone()));
            }
            let mut notes = Vec::new();
            if let Some(help) = &d.help {
                notes.push(format!("help: {help}"));
            }
            let cs = cs
                .with_code(d.code.id())
                .with_message(&d.message)
                .with_labels(labels)
                .with_notes(notes);
            let res = if color {
                let mut w = codespan_reporting::term::termcolor::Ansi::new(&mut out);
                term::emit_to_write_style(&mut w, &config, &file, &cs)
            } else {
                let mut w = codespan_reporting::term::termcolor::NoColor::new(&mut out);
                term::emit_to_write_style(&mut w, &config, &file, &cs)
            };
            if res.is_err() {
                // The span fell outside the text (cannot happen for spans we made); fall back
                // to a plain line so nothing is lost.
                out.extend_from_slice(self.plain_line(d).as_bytes());
                out.push(b'\n');
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// One line per diagnostic: `file:line:col: error[ASL203]: message (at pointer)`.
    pub fn plain_line(&self, d: &Diagnostic) -> String {
        let (line, col) = self.source.line_col(d.span.start);
        let mut s = format!(
            "{}:{line}:{col}: {}[{}]: {} (at {})",
            self.source.name(),
            d.severity.as_str(),
            d.code.id(),
            d.message,
            d.pointer
        );
        if let Some(help) = &d.help {
            s.push_str("; help: ");
            s.push_str(help);
        }
        s
    }
}
