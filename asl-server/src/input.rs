//! Reading a request's members as AWS's model defines them: JSON types (a wrong type is a
//! `SerializationException`, as AWS's deserializer reports it) and constraints (length,
//! range, enum, pattern, required: each violation a line of one `ValidationException`).
//!
//! `null` counts as absent and members the action does not define are ignored, as AWS does.
//! Members the model marks sensitive (inputs, outputs, causes, definitions) are never echoed
//! in messages: AWS writes `Value at 'input' failed to satisfy …` without the value.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// A string member's constraints (from the botocore model).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Str {
    pub(crate) min: usize,
    pub(crate) max: usize,
    pub(crate) sensitive: bool,
    /// `\p{ASCII}*` (trace headers) or `[!-~]+` (client tokens).
    pub(crate) pattern: Option<Pattern>,
}

/// The patterns the model uses on members we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `\p{ASCII}*`.
    Ascii,
    /// `[!-~]+`: printable ASCII without space.
    Printable,
}

impl Pattern {
    fn matches(self, s: &str) -> bool {
        match self {
            Pattern::Ascii => s.is_ascii(),
            Pattern::Printable => !s.is_empty() && s.bytes().all(|b| (b'!'..=b'~').contains(&b)),
        }
    }

    fn text(self) -> &'static str {
        match self {
            Pattern::Ascii => "\\p{ASCII}*",
            Pattern::Printable => "[!-~]+",
        }
    }
}

/// `Arn`: 1 to 256 characters.
pub(crate) const ARN: Str = Str::new(1, 256);
/// `LongArn` (Map Run ARNs): 1 to 2000.
pub(crate) const LONG_ARN: Str = Str::new(1, 2000);
/// `Name`: 1 to 80.
pub(crate) const NAME: Str = Str::new(1, 80);
/// `SensitiveData` (inputs, outputs): at most 262,144.
pub(crate) const DATA: Str = Str::new(0, 262_144).sensitive();
/// `SensitiveError`: at most 256.
pub(crate) const ERROR: Str = Str::new(0, 256).sensitive();
/// `SensitiveCause`: at most 32,768.
pub(crate) const CAUSE: Str = Str::new(0, 32_768).sensitive();
/// `TraceHeader`: at most 256 ASCII characters.
pub(crate) const TRACE_HEADER: Str = Str::new(0, 256).pattern(Pattern::Ascii);
/// `PageToken`: 1 to 1024.
pub(crate) const PAGE_TOKEN: Str = Str::new(1, 1024);
/// `ListExecutionsPageToken`: 1 to 3096.
pub(crate) const LIST_EXECUTIONS_TOKEN: Str = Str::new(1, 3096);
/// `TaskToken`: 1 to 2048.
pub(crate) const TASK_TOKEN: Str = Str::new(1, 2048);
/// `ClientToken`: 1 to 64 printable characters.
pub(crate) const CLIENT_TOKEN: Str = Str::new(1, 64).pattern(Pattern::Printable);
/// `Definition`: 1 to 1,048,576.
pub(crate) const DEFINITION: Str = Str::new(1, 1_048_576).sensitive();
/// `VersionDescription`: at most 256.
pub(crate) const VERSION_DESCRIPTION: Str = Str::new(0, 256).sensitive();

impl Str {
    const fn new(min: usize, max: usize) -> Str {
        Str {
            min,
            max,
            sensitive: false,
            pattern: None,
        }
    }

    const fn sensitive(mut self) -> Str {
        self.sensitive = true;
        self
    }

    const fn pattern(mut self, p: Pattern) -> Str {
        self.pattern = Some(p);
        self
    }
}

/// `IncludedData`.
pub(crate) const INCLUDED_DATA: &[&str] = &["ALL_DATA", "METADATA_ONLY"];
/// `ExecutionStatus`.
pub(crate) const EXECUTION_STATUS: &[&str] = &[
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMED_OUT",
    "ABORTED",
    "PENDING_REDRIVE",
];
/// `ExecutionRedriveFilter`.
pub(crate) const REDRIVE_FILTER: &[&str] = &["REDRIVEN", "NOT_REDRIVEN"];
/// `StateMachineType`.
pub(crate) const STATE_MACHINE_TYPE: &[&str] = &["STANDARD", "EXPRESS"];
/// `ValidateStateMachineDefinitionSeverity`.
pub(crate) const SEVERITY: &[&str] = &["ERROR", "WARNING"];

/// A request's members, read one at a time; constraint violations are collected and
/// reported together by [`Input::finish`].
#[derive(Debug)]
pub(crate) struct Input {
    members: Map<String, Value>,
    violations: Vec<String>,
}

impl Input {
    /// Parses the body: a JSON object (an empty body is `{}`, as AWS reads it).
    pub(crate) fn parse(body: &[u8]) -> Result<Input, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Input {
                members: Map::new(),
                violations: Vec::new(),
            });
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => Ok(Input {
                members,
                violations: Vec::new(),
            }),
            Ok(other) => Err(ApiError::serialization(format!(
                "Expected a JSON object as the request body, found {}",
                kind(&other)
            ))),
            Err(e) => Err(ApiError::serialization(format!(
                "The request body is not valid JSON: {e}"
            ))),
        }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        match self.members.remove(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn violation(&mut self, value: Option<&str>, name: &str, constraint: String) {
        self.violations.push(match value {
            Some(v) => {
                format!("Value '{v}' at '{name}' failed to satisfy constraint: {constraint}")
            }
            None => format!("Value at '{name}' failed to satisfy constraint: {constraint}"),
        });
    }

    fn missing(&mut self, name: &str) {
        self.violations.push(format!(
            "Value null at '{name}' failed to satisfy constraint: Member must not be null"
        ));
    }

    /// An optional string member.
    pub(crate) fn string(&mut self, name: &str, spec: Str) -> Result<Option<String>, ApiError> {
        let s = match self.take(name) {
            None => return Ok(None),
            Some(Value::String(s)) => s,
            Some(other) => return Err(wrong_type(name, &other, "a String")),
        };
        let shown = (!spec.sensitive).then_some(s.as_str());
        let len = s.chars().count();
        if len < spec.min {
            let c = format!(
                "Member must have length greater than or equal to {}",
                spec.min
            );
            self.violation(shown, name, c);
        } else if len > spec.max {
            let c = format!("Member must have length less than or equal to {}", spec.max);
            self.violation(shown, name, c);
        } else if let Some(p) = spec.pattern
            && !p.matches(&s)
        {
            let c = format!(
                "Member must satisfy regular expression pattern: {}",
                p.text()
            );
            self.violation(shown, name, c);
        }
        Ok(Some(s))
    }

    /// A required string member (empty string when missing: the violation is recorded).
    pub(crate) fn required_string(&mut self, name: &str, spec: Str) -> Result<String, ApiError> {
        match self.string(name, spec)? {
            Some(s) => Ok(s),
            None => {
                self.missing(name);
                Ok(String::new())
            }
        }
    }

    /// An optional enum member.
    pub(crate) fn enumeration(
        &mut self,
        name: &str,
        values: &'static [&'static str],
    ) -> Result<Option<&'static str>, ApiError> {
        let s = match self.take(name) {
            None => return Ok(None),
            Some(Value::String(s)) => s,
            Some(other) => return Err(wrong_type(name, &other, "a String")),
        };
        match values.iter().find(|v| **v == s) {
            Some(v) => Ok(Some(v)),
            None => {
                let c = format!(
                    "Member must satisfy enum value set: [{}]",
                    values.join(", ")
                );
                self.violation(Some(&s), name, c);
                Ok(None)
            }
        }
    }

    /// An optional integer member within `min..=max`.
    pub(crate) fn integer(
        &mut self,
        name: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, ApiError> {
        let n = match self.take(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(n) => n,
                None => {
                    return Err(ApiError::serialization(format!(
                        "NUMBER_VALUE {n} at '{name}' can not be converted to an Integer"
                    )));
                }
            },
            Some(other) => return Err(wrong_type(name, &other, "an Integer")),
        };
        let shown = n.to_string();
        if n < min {
            let c = format!("Member must have value greater than or equal to {min}");
            self.violation(Some(&shown), name, c);
        } else if n > max {
            let c = format!("Member must have value less than or equal to {max}");
            self.violation(Some(&shown), name, c);
        }
        Ok(Some(n))
    }

    /// An optional boolean member.
    pub(crate) fn boolean(&mut self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(wrong_type(name, &other, "a Boolean")),
        }
    }

    /// An optional structure or list member, taken as it is (members we accept and ignore).
    pub(crate) fn structure(&mut self, name: &str) -> Result<Option<Value>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(other) => Err(wrong_type(name, &other, "a structure")),
        }
    }

    /// An optional list member, taken as it is.
    pub(crate) fn list(&mut self, name: &str) -> Result<Option<Value>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(v @ Value::Array(_)) => Ok(Some(v)),
            Some(other) => Err(wrong_type(name, &other, "a list")),
        }
    }

    /// The `ValidationException` for every violation found, if any.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(&self.violations))
        }
    }
}

/// A member of the wrong JSON type, as AWS's deserializer reports it.
fn wrong_type(name: &str, found: &Value, expected: &str) -> ApiError {
    let found = match found {
        Value::String(_) => "STRING_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::Bool(_) => "BOOLEAN_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
        Value::Null => "NULL_VALUE",
    };
    ApiError::serialization(format!(
        "{found} at '{name}' can not be converted to {expected}"
    ))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        Value::Null => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_collected_in_aws_words() {
        let mut i = Input::parse(br#"{"name": "", "maxResults": 2000, "input": "x"}"#).unwrap();
        i.required_string("stateMachineArn", ARN).unwrap();
        i.string("name", NAME).unwrap();
        i.integer("maxResults", 0, 1000).unwrap();
        i.string("input", Str::new(2, 5).sensitive()).unwrap();
        let e = i.finish().unwrap_err();
        assert_eq!(e.name(), "ValidationException");
        assert_eq!(
            e.message(),
            "4 validation errors detected: \
             Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null; \
             Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value '2000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000; \
             Value at 'input' failed to satisfy constraint: Member must have length greater than or equal to 2"
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let mut i = Input::parse(br#"{"maxResults": "10"}"#).unwrap();
        let e = i.integer("maxResults", 0, 1000).unwrap_err();
        assert_eq!(e.name(), "SerializationException");
        assert!(Input::parse(b"[1]").is_err());
        assert!(Input::parse(b"{").is_err());
        assert!(Input::parse(b"").is_ok());
    }
}
