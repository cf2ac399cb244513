//! Typed Rust model of an ASL definition: every state type and every field of both query
//! languages, with paths, templates and intrinsic calls already parsed.
//!
//! A model is built by [`crate::validate`] from the spanned JSON tree; values keep their [`Span`]s
//! so later stages (validation, code generation) can point back at the definition. Fields a
//! state does not allow are reported while building and never appear here; a field only one
//! query language allows is only set when the state uses that language.

use crate::intrinsic::Call;
use crate::parse::{Json, Span};
use crate::path::Path;

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Its text in the definition.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value with its span.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// `QueryLanguage` (TOP-5, STATE-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QueryLanguage {
    /// `"JSONPath"`, the default.
    #[default]
    JsonPath,
    /// `"JSONata"`.
    Jsonata,
}

impl QueryLanguage {
    /// The name as written in ASL.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }
}

/// A whole definition (TOP-*).
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    /// `Comment`.
    pub comment: Option<String>,
    /// `Version` (only `"1.0"` is valid).
    pub version: Option<String>,
    /// `TimeoutSeconds` of the whole execution (TOP-4).
    pub timeout_seconds: Option<u64>,
    /// `QueryLanguage` at the top (default JSONPath).
    pub query_language: QueryLanguage,
    /// `StartAt` and `States`.
    pub states: Scope,
}

/// One `States` object with its `StartAt`: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// `StartAt`.
    pub start_at: Spanned<String>,
    /// `Comment`.
    pub comment: Option<String>,
    /// The states, in source order.
    pub states: Vec<State>,
    /// The span of the object holding `StartAt` and `States`.
    pub span: Span,
}

impl Scope {
    /// The state named `name` in this scope (not in nested scopes).
    pub fn get(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }

    /// Every state of this scope and of all nested scopes, depth first.
    pub fn all_states(&self) -> Vec<&State> {
        let mut out = Vec::new();
        fn walk<'a>(scope: &'a Scope, out: &mut Vec<&'a State>) {
            for s in &scope.states {
                out.push(s);
                for inner in s.kind.scopes() {
                    walk(inner, out);
                }
            }
        }
        walk(self, &mut out);
        out
    }
}

/// One state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The state's name (its key in `States`).
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// Where the state's object is.
    pub span: Span,
    /// `Comment`.
    pub comment: Option<String>,
    /// The effective query language (the state's own, else the machine's; STATE-3).
    pub query_language: QueryLanguage,
    /// Data-flow fields shared by most state types.
    pub io: Io,
    /// `Assign` (STATE-7).
    pub assign: Option<Assign>,
    /// The type and its own fields.
    pub kind: StateKind,
}

/// Input/output processing fields. Only those the state's type and query language allow are
/// ever set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Io {
    /// JSONPath `InputPath` (DATA-6).
    pub input_path: PathField,
    /// JSONPath `Parameters` (DATA-8; Map's deprecated `Parameters` goes to `item_selector`).
    pub parameters: Option<Template>,
    /// JSONPath `ResultSelector` (DATA-13).
    pub result_selector: Option<Template>,
    /// JSONPath `ResultPath` (DATA-14).
    pub result_path: PathField,
    /// JSONPath `OutputPath` (DATA-17).
    pub output_path: PathField,
    /// JSONata `Arguments` (TASK-11, JSONATA-10).
    pub arguments: Option<JsonataValue>,
    /// JSONata `Output` (JSONATA-10).
    pub output: Option<JsonataValue>,
}

/// A JSONPath path field that may be absent (default `$`) or `null` (DATA-6, DATA-14, DATA-17).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PathField {
    /// Not given: `$`.
    #[default]
    Default,
    /// `null`.
    Null,
    /// A path.
    Path(Spanned<Path>),
}

/// A JSONPath payload template (DATA-9): JSON where keys ending in `.$` hold paths or calls.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// An object; keys have `.$` removed.
    Object(Vec<TemplateField>),
    /// An array.
    Array(Vec<Template>),
    /// A string, number, boolean or null copied as is.
    Literal(Json),
    /// `"key.$": "$.path"` (input, `$$` context or `$var` variable).
    Path(Spanned<Path>),
    /// `"key.$": "States.Fn(…)"`.
    Intrinsic(Spanned<Call>),
}

/// One member of a template object.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateField {
    /// The output key (without `.$`).
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Template,
}

/// A JSONata expression `{% … %}` (JSONATA-2), kept as text with its position; the expression
/// has been checked to parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Jsonata {
    /// The expression between the delimiters.
    pub expr: String,
    /// The span of the JSON string literal holding it.
    pub span: Span,
}

/// A JSON value in a JSONata field: strings `{% … %}` are expressions, the rest is literal.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonataValue {
    /// `"{% … %}"`.
    Expr(Jsonata),
    /// An object whose members may hold expressions.
    Object(Vec<(Spanned<String>, JsonataValue)>),
    /// An array whose elements may hold expressions.
    Array(Vec<JsonataValue>),
    /// Anything else, copied as is.
    Literal(Json),
}

/// `Assign` (VAR-1): variable name → value, evaluated against the state's values at entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    /// The variables, in source order.
    pub vars: Vec<AssignVar>,
    /// The span of the `Assign` object.
    pub span: Span,
}

/// One assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignVar {
    /// The variable's name (`.$` removed in JSONPath).
    pub name: Spanned<String>,
    /// The value.
    pub value: AssignValue,
}

/// The value of one assignment, in the state's query language.
#[derive(Debug, Clone, PartialEq)]
pub enum AssignValue {
    /// JSONPath: a template (a `.$` key becomes a path or call, others literal).
    JsonPath(Template),
    /// JSONata: literal JSON with `{% … %}` strings.
    Jsonata(JsonataValue),
}

/// `Next` or `"End": true`.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// Go to the named state.
    Next(Spanned<String>),
    /// The state is terminal.
    End,
}

/// The state types (STATE-1) with their own fields.
#[derive(Debug, Clone, PartialEq)]
pub enum StateKind {
    /// `Pass`.
    Pass(Pass),
    /// `Task`.
    Task(Box<Task>),
    /// `Choice`.
    Choice(Choice),
    /// `Wait`.
    Wait(Wait),
    /// `Succeed`.
    Succeed,
    /// `Fail`.
    Fail(Fail),
    /// `Parallel`.
    Parallel(Parallel),
    /// `Map`.
    Map(Box<Map>),
}

impl StateKind {
    /// The `Type` string.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }

    /// The nested scopes: Parallel branches or the Map processor.
    pub fn scopes(&self) -> Vec<&Scope> {
        match self {
            StateKind::Parallel(p) => p.branches.iter().collect(),
            StateKind::Map(m) => vec![&m.processor],
            _ => Vec::new(),
        }
    }

    /// `Next`/`End`, for the types that have one.
    pub fn transition(&self) -> Option<&Transition> {
        match self {
            StateKind::Pass(s) => s.transition.as_ref(),
            StateKind::Task(s) => s.transition.as_ref(),
            StateKind::Wait(s) => s.transition.as_ref(),
            StateKind::Parallel(s) => s.transition.as_ref(),
            StateKind::Map(s) => s.transition.as_ref(),
            StateKind::Choice(_) | StateKind::Succeed | StateKind::Fail(_) => None,
        }
    }

    /// Every state name this state may transition to, with where it is written.
    pub fn targets(&self) -> Vec<&Spanned<String>> {
        let mut out = Vec::new();
        if let Some(Transition::Next(n)) = self.transition() {
            out.push(n);
        }
        match self {
            StateKind::Choice(c) => {
                out.extend(c.choices.iter().filter_map(|r| r.next.as_ref()));
                out.extend(c.default.as_ref());
            }
            StateKind::Task(t) => out.extend(t.catch.iter().map(|c| &c.next)),
            StateKind::Parallel(p) => out.extend(p.catch.iter().map(|c| &c.next)),
            StateKind::Map(m) => out.extend(m.catch.iter().map(|c| &c.next)),
            _ => {}
        }
        out
    }

    /// `true` for Succeed, Fail and states with `"End": true` (TOP-9).
    pub fn is_terminal(&self) -> bool {
        matches!(self, StateKind::Succeed | StateKind::Fail(_))
            || matches!(self.transition(), Some(Transition::End))
    }
}

/// `Pass` fields (STATE-PASS-*).
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    /// JSONPath `Result`: static JSON.
    pub result: Option<Json>,
    /// `Next`/`End` (`None` only in an invalid definition).
    pub transition: Option<Transition>,
}

/// A number of seconds given literally, by a Reference Path, or by a JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Seconds {
    /// A literal positive integer.
    Literal(Spanned<u64>),
    /// `…SecondsPath` (JSONPath).
    Path(Spanned<Path>),
    /// `{% … %}` (JSONata).
    Expr(Jsonata),
}

/// `Task` fields (TASK-*).
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// `Resource`.
    pub resource: Spanned<String>,
    /// `TimeoutSeconds` / `TimeoutSecondsPath`.
    pub timeout: Option<Seconds>,
    /// `HeartbeatSeconds` / `HeartbeatSecondsPath`.
    pub heartbeat: Option<Seconds>,
    /// `Credentials` (JSONPath template or JSONata value).
    pub credentials: Option<Payload>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
    /// `Next`/`End`.
    pub transition: Option<Transition>,
}

/// A payload in the state's query language.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// JSONPath payload template.
    Template(Template),
    /// JSONata value.
    Jsonata(JsonataValue),
}

/// `JitterStrategy` (RETRY-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// `"NONE"` (default).
    #[default]
    None,
    /// `"FULL"`.
    Full,
}

/// One Retrier (RETRY-*).
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<Spanned<String>>,
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: u64,
    /// `MaxAttempts` (default 3).
    pub max_attempts: u64,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds` (no cap by default).
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy`.
    pub jitter: Jitter,
    /// Where the Retrier is.
    pub span: Span,
}

/// One Catcher (CATCH-*).
#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<Spanned<String>>,
    /// `Next`.
    pub next: Spanned<String>,
    /// JSONPath `ResultPath` (default `$`).
    pub result_path: PathField,
    /// JSONata `Output`.
    pub output: Option<JsonataValue>,
    /// `Assign`.
    pub assign: Option<Assign>,
    /// Where the Catcher is.
    pub span: Span,
}

/// `Choice` fields (CHOICE-*).
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// `Choices`, in order.
    pub choices: Vec<ChoiceRule>,
    /// `Default`.
    pub default: Option<Spanned<String>>,
}

/// A top-level Choice rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    /// What must hold.
    pub condition: Condition,
    /// `Next` (required; `None` only in an invalid definition).
    pub next: Option<Spanned<String>>,
    /// `Assign` of the rule (CHOICE-4).
    pub assign: Option<Assign>,
    /// JSONata `Output` of the rule (CHOICE-35).
    pub output: Option<JsonataValue>,
    /// Where the rule is.
    pub span: Span,
}

/// A Choice condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `And` (CHOICE-7).
    And(Vec<Condition>),
    /// `Or`.
    Or(Vec<Condition>),
    /// `Not`.
    Not(Box<Condition>),
    /// `Variable` plus one comparison operator (CHOICE-8).
    Compare(Comparison),
    /// JSONata `Condition`: a boolean literal or an expression (CHOICE-35).
    Jsonata(JsonataValue),
}

/// A data-test expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `Variable`.
    pub variable: Spanned<Path>,
    /// The operator, without its `Path` suffix.
    pub op: Comparator,
    /// The operand: a literal or, for `…Path` operators, a path.
    pub operand: Operand,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A string (String*, StringMatches, Timestamp* operators).
    String(Spanned<String>),
    /// A number (Numeric*).
    Number(Spanned<f64>),
    /// A boolean (BooleanEquals, Is*).
    Bool(Spanned<bool>),
    /// A path (the `…Path` operators, CHOICE-11).
    Path(Spanned<Path>),
}

macro_rules! comparators {
    ($( $(#[doc = $doc:literal])* $name:ident = $text:literal, $kind:ident, $has_path:literal; )*) => {
        /// Choice comparison operators (CHOICE-12..34), without the `Path` suffix.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Comparator { $( $(#[doc = $doc])* $name, )* }

        impl Comparator {
            /// Every operator.
            pub const ALL: &'static [Comparator] = &[$(Comparator::$name),*];

            /// The field name (without `Path`).
            pub fn name(self) -> &'static str {
                match self { $(Comparator::$name => $text,)* }
            }

            /// The literal operand type the operator takes.
            pub fn operand_kind(self) -> OperandKind {
                match self { $(Comparator::$name => OperandKind::$kind,)* }
            }

            /// Whether a `…Path` variant exists.
            pub fn has_path_variant(self) -> bool {
                match self { $(Comparator::$name => $has_path,)* }
            }
        }
    };
}

comparators! {
    /// `StringEquals` (CHOICE-12).
    StringEquals = "StringEquals", String, true;
    /// `StringLessThan` (CHOICE-13).
    StringLessThan = "StringLessThan", String, true;
    /// `StringGreaterThan` (CHOICE-14).
    StringGreaterThan = "StringGreaterThan", String, true;
    /// `StringLessThanEquals` (CHOICE-15).
    StringLessThanEquals = "StringLessThanEquals", String, true;
    /// `StringGreaterThanEquals` (CHOICE-16).
    StringGreaterThanEquals = "StringGreaterThanEquals", String, true;
    /// `StringMatches` (CHOICE-17).
    StringMatches = "StringMatches", String, false;
    /// `NumericEquals` (CHOICE-18).
    NumericEquals = "NumericEquals", Number, true;
    /// `NumericLessThan` (CHOICE-19).
    NumericLessThan = "NumericLessThan", Number, true;
    /// `NumericGreaterThan` (CHOICE-20).
    NumericGreaterThan = "NumericGreaterThan", Number, true;
    /// `NumericLessThanEquals` (CHOICE-21).
    NumericLessThanEquals = "NumericLessThanEquals", Number, true;
    /// `NumericGreaterThanEquals` (CHOICE-22).
    NumericGreaterThanEquals = "NumericGreaterThanEquals", Number, true;
    /// `BooleanEquals` (CHOICE-23).
    BooleanEquals = "BooleanEquals", Boolean, true;
    /// `TimestampEquals` (CHOICE-24).
    TimestampEquals = "TimestampEquals", Timestamp, true;
    /// `TimestampLessThan` (CHOICE-25).
    TimestampLessThan = "TimestampLessThan", Timestamp, true;
    /// `TimestampGreaterThan` (CHOICE-26).
    TimestampGreaterThan = "TimestampGreaterThan", Timestamp, true;
    /// `TimestampLessThanEquals` (CHOICE-27).
    TimestampLessThanEquals = "TimestampLessThanEquals", Timestamp, true;
    /// `TimestampGreaterThanEquals` (CHOICE-28).
    TimestampGreaterThanEquals = "TimestampGreaterThanEquals", Timestamp, true;
    /// `IsNull` (CHOICE-29).
    IsNull = "IsNull", Boolean, false;
    /// `IsPresent` (CHOICE-30).
    IsPresent = "IsPresent", Boolean, false;
    /// `IsNumeric` (CHOICE-31).
    IsNumeric = "IsNumeric", Boolean, false;
    /// `IsString` (CHOICE-32).
    IsString = "IsString", Boolean, false;
    /// `IsBoolean` (CHOICE-33).
    IsBoolean = "IsBoolean", Boolean, false;
    /// `IsTimestamp` (CHOICE-34).
    IsTimestamp = "IsTimestamp", Boolean, false;
}

impl Comparator {
    /// Parses an operator field name; the flag says whether it was the `…Path` variant.
    pub fn from_field(field: &str) -> Option<(Comparator, bool)> {
        if let Some(c) = Comparator::ALL.iter().find(|c| c.name() == field) {
            return Some((*c, false));
        }
        let base = field.strip_suffix("Path")?;
        Comparator::ALL
            .iter()
            .find(|c| c.name() == base && c.has_path_variant())
            .map(|c| (*c, true))
    }
}

/// The type of a comparator's literal operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperandKind {
    /// A JSON string.
    String,
    /// A JSON number.
    Number,
    /// A JSON boolean.
    Boolean,
    /// A string in the TOP-11 timestamp format.
    Timestamp,
}

/// `Wait` fields (WAIT-*): exactly one way to say how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    /// How long, or until when.
    pub until: Option<WaitFor>,
    /// `Next`/`End`.
    pub transition: Option<Transition>,
}

/// The four (six with JSONata) forms of a Wait.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    /// `Seconds`: a literal.
    Seconds(Spanned<u64>),
    /// `SecondsPath`.
    SecondsPath(Spanned<Path>),
    /// `Timestamp`: a literal RFC 3339 timestamp.
    Timestamp(Spanned<String>),
    /// `TimestampPath`.
    TimestampPath(Spanned<Path>),
    /// JSONata `Seconds`.
    SecondsExpr(Jsonata),
    /// JSONata `Timestamp`.
    TimestampExpr(Jsonata),
}

/// Where a Fail's `Error` or `Cause` comes from (STATE-FAIL-*).
#[derive(Debug, Clone, PartialEq)]
pub enum FailText {
    /// A literal string.
    Literal(Spanned<String>),
    /// `ErrorPath`/`CausePath` as a path.
    Path(Spanned<Path>),
    /// `ErrorPath`/`CausePath` as an intrinsic call.
    Intrinsic(Spanned<Call>),
    /// A JSONata expression.
    Expr(Jsonata),
}

/// `Fail` fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    /// `Error` / `ErrorPath`.
    pub error: Option<FailText>,
    /// `Cause` / `CausePath`.
    pub cause: Option<FailText>,
}

/// `Parallel` fields (PAR-*).
#[derive(Debug, Clone, PartialEq)]
pub struct Parallel {
    /// `Branches`.
    pub branches: Vec<Scope>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
    /// `Next`/`End`.
    pub transition: Option<Transition>,
}

/// `ProcessorConfig.Mode` (MAP-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapMode {
    /// `INLINE` (default).
    #[default]
    Inline,
    /// `DISTRIBUTED`.
    Distributed,
}

/// `ProcessorConfig.ExecutionType` (MAP-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionType {
    /// `STANDARD`.
    Standard,
    /// `EXPRESS`.
    Express,
}

/// An integer given literally, by a Reference Path, or by a JSONata expression
/// (`MaxConcurrency`, `ToleratedFailureCount`, …).
#[derive(Debug, Clone, PartialEq)]
pub enum Count {
    /// A literal number.
    Literal(Spanned<f64>),
    /// The `…Path` field.
    Path(Spanned<Path>),
    /// `{% … %}`.
    Expr(Jsonata),
}

/// `Map` fields (MAP-*).
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// `ItemProcessor` (or the deprecated `Iterator`).
    pub processor: Scope,
    /// `ProcessorConfig.Mode`.
    pub mode: MapMode,
    /// `ProcessorConfig.ExecutionType`.
    pub execution_type: Option<ExecutionType>,
    /// JSONPath `ItemsPath` (MAP-3).
    pub items_path: Option<Spanned<Path>>,
    /// JSONata `Items` (MAP-4).
    pub items: Option<JsonataValue>,
    /// `ItemSelector` (or the deprecated `Parameters`) (MAP-6).
    pub item_selector: Option<Payload>,
    /// `MaxConcurrency` / `MaxConcurrencyPath` (MAP-9).
    pub max_concurrency: Option<Count>,
    /// `ToleratedFailureCount` / `…Path` (MAP-24).
    pub tolerated_failure_count: Option<Count>,
    /// `ToleratedFailurePercentage` / `…Path` (MAP-24).
    pub tolerated_failure_percentage: Option<Count>,
    /// `ItemReader` (MAP-19).
    pub item_reader: Option<ItemReader>,
    /// `ItemBatcher` (MAP-22).
    pub item_batcher: Option<ItemBatcher>,
    /// `ResultWriter` (MAP-23).
    pub result_writer: Option<ResultWriter>,
    /// `Label` (MAP-18).
    pub label: Option<Spanned<String>>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
    /// `Next`/`End`.
    pub transition: Option<Transition>,
}

/// `ItemReader` (MAP-19): where a Distributed Map reads its items.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemReader {
    /// `Resource`, e.g. `arn:aws:states:::s3:getObject`.
    pub resource: Spanned<String>,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata).
    pub parameters: Option<Payload>,
    /// `ReaderConfig`.
    pub reader_config: ReaderConfig,
}

/// `ItemReader.ReaderConfig`. Enumerated fields keep AWS's spelling (`CSV`, `FIRST_ROW`, …);
/// the validator has checked them against the allowed values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReaderConfig {
    /// `InputType`: CSV, JSON, JSONL, PARQUET or MANIFEST.
    pub input_type: Option<String>,
    /// `Transformation`: NONE or LOAD_AND_FLATTEN.
    pub transformation: Option<String>,
    /// `ManifestType`: ATHENA_DATA or S3_INVENTORY.
    pub manifest_type: Option<String>,
    /// `CSVHeaderLocation`: FIRST_ROW or GIVEN.
    pub csv_header_location: Option<String>,
    /// `CSVHeaders`.
    pub csv_headers: Option<Vec<String>>,
    /// `CSVDelimiter`: COMMA, PIPE, SEMICOLON, SPACE or TAB.
    pub csv_delimiter: Option<String>,
    /// `ItemsPointer` (a JSON pointer into the object read).
    pub items_pointer: Option<String>,
    /// `MaxItems` / `MaxItemsPath`.
    pub max_items: Option<Count>,
}

/// `ItemBatcher` (MAP-22).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch` / `MaxItemsPerBatchPath`.
    pub max_items_per_batch: Option<Count>,
    /// `MaxInputBytesPerBatch` / `MaxInputBytesPerBatchPath`.
    pub max_input_bytes_per_batch: Option<Count>,
    /// `BatchInput`.
    pub batch_input: Option<Payload>,
}

/// `ResultWriter` (MAP-23).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultWriter {
    /// `Resource`, e.g. `arn:aws:states:::s3:putObject`.
    pub resource: Option<Spanned<String>>,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata).
    pub parameters: Option<Payload>,
    /// `WriterConfig.OutputType`: JSON or JSONL.
    pub output_type: Option<String>,
    /// `WriterConfig.Transformation`: NONE, COMPACT or FLATTEN.
    pub transformation: Option<String>,
}
