//! ValidateStateMachineDefinition: our validator (`asl_codegen::check`) with AWS's codes,
//! locations and severities. Where AWS's recorded answers word a problem in their own way
//! (the corpus's `invalid/validate_state_machine_definition_*` cases), the diagnostic is
//! given in AWS's words: Jackson's message and location for text that is not JSON,
//! `Definition must be a valid JSON object`, `These fields are required: […]`, the
//! JSONata-downgrade message at the state's location; and, as the recorded CreateStateMachine
//! errors word them, a `.$` field that is not an intrinsic, a missing `RoleArn` of
//! `Credentials`, a resource that is not an integration, a Wait's `Timestamp` that is not one. CreateStateMachine's
//! `InvalidDefinition` gives the first error in the same words.

use axum::response::Response;
use serde_json::{Map, Value, json};

use asl_codegen::{Code, Diagnostic, MachineType, Options, Report, Severity, Source};

use crate::error::{ApiError, ok};
use crate::input::*;

pub(super) fn validate(mut i: Input) -> Result<Response, ApiError> {
    let definition = i.required_string("definition", DEFINITION)?;
    let kind = i.enumeration("type", STATE_MACHINE_TYPE)?;
    let severity = i.enumeration("severity", SEVERITY)?;
    let max = i.integer("maxResults", 0, 100)?;
    i.finish()?;
    let machine_type = match kind {
        Some("EXPRESS") => MachineType::Express,
        _ => MachineType::Standard,
    };
    let checked = asl_codegen::check(
        Source::new("definition", definition),
        &Options { machine_type },
    );
    // `severity` is the lowest reported: ERROR (the default) or WARNING (both).
    let with_warnings = severity == Some("WARNING");
    let mut diagnostics: Vec<Value> = checked
        .report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error || with_warnings)
        .map(|d| aws_diagnostic(&checked.report, d))
        .collect();
    let limit = match max {
        None | Some(0) => 100,
        Some(n) => usize::try_from(n).unwrap_or(100),
    };
    let truncated = diagnostics.len() > limit;
    diagnostics.truncate(limit);
    let result = if checked.report.has_errors() {
        "FAIL"
    } else {
        "OK"
    };
    Ok(ok(json!({
        "result": result,
        "diagnostics": diagnostics,
        "truncated": truncated,
    })))
}

/// CreateStateMachine's `InvalidDefinition` message for a definition with errors, as AWS
/// words it: `Invalid State Machine Definition: '<CODE>: <message> at <location>'` for its
/// first error (the diagnostic ValidateStateMachineDefinition reports first).
pub(super) fn definition_error(definition: &str, express: bool) -> Option<String> {
    let machine_type = if express {
        MachineType::Express
    } else {
        MachineType::Standard
    };
    let checked = asl_codegen::check(
        Source::new("definition", definition),
        &Options { machine_type },
    );
    let first = checked
        .report
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)?;
    let d = aws_diagnostic(&checked.report, first);
    let code = d["code"].as_str().unwrap_or_default();
    let message = d["message"].as_str().unwrap_or_default();
    // Jackson's message carries its location already (`…\n at [Source: …]`).
    let text = match d["location"].as_str() {
        Some(l) if !message.ends_with(l) => format!("{code}: {message} at {l}"),
        _ => format!("{code}: {message}"),
    };
    Some(format!("Invalid State Machine Definition: '{text}'"))
}

/// One diagnostic as AWS reports it: `severity`, `code`, `message`, `location`.
fn aws_diagnostic(report: &Report, d: &Diagnostic) -> Value {
    let severity = match d.severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
    };
    let mut code = d.code.aws_code();
    let mut message = d.message.clone();
    let mut location = Some(d.pointer.aws_location());
    match d.code {
        Code::EmptyDefinition | Code::ExpectedObject if d.pointer.0.is_empty() => {
            code = "SCHEMA_VALIDATION_FAILED";
            message = "Definition must be a valid JSON object".into();
            location = None;
        }
        Code::InvalidJson => {
            let (m, l) = jackson(report.source.text(), d);
            message = m;
            location = Some(l);
        }
        Code::MissingField => {
            if let Some(fields) = missing_fields(&d.message) {
                message = format!("These fields are required: [{}]", fields.join(", "));
            }
        }
        Code::QueryLanguageDowngrade => {
            message = "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole \
                       state machine"
                .into();
            // AWS points at the state, not at its QueryLanguage field.
            location = location.map(|l| match l.strip_suffix("/QueryLanguage") {
                Some(state) => state.to_string(),
                None => l,
            });
        }
        // AWS's message for `.waitForTaskToken` in Express ends with a space (not `.sync`'s).
        Code::NotSupportedInExpress
            if message.ends_with("'.waitForTaskToken' service integration") =>
        {
            message.push(' ');
        }
        _ => {}
    }
    if let Some((m, parent)) = aws_words(&message) {
        message = m;
        if parent {
            // AWS points at the object holding the field, not at the field.
            location = location.map(|l| match l.rsplit_once('/') {
                Some((up, _)) if !up.is_empty() => up.to_string(),
                _ => l,
            });
        }
    }
    let mut m = Map::new();
    m.insert("severity".into(), severity.into());
    m.insert("code".into(), code.into());
    m.insert("message".into(), message.into());
    if let Some(l) = location {
        m.insert("location".into(), l.into());
    }
    Value::Object(m)
}

/// AWS's words for problems the corpus recorded AWS wording differently (and whether AWS
/// locates it at the field's parent): a `.$` field that is neither a path nor an intrinsic,
/// a required field of a nested object, a resource that is not an integration, a timestamp.
fn aws_words(message: &str) -> Option<(String, bool)> {
    if let Some(rest) = message.strip_prefix("invalid intrinsic function call in `") {
        let field = rest.split('`').next().unwrap_or_default();
        return Some((
            format!(
                "The value for the field '{field}' must be a valid JSONPath or a valid \
                 intrinsic function call"
            ),
            true,
        ));
    }
    if let Some((_, rest)) = message.split_once("` needs `")
        && let Some(field) = rest.strip_suffix('`')
    {
        return Some((
            format!("The field '{field}' is required but was missing"),
            false,
        ));
    }
    if message.ends_with("` does not match the RFC 3339 timestamp format") {
        return Some(("String does not match RFC3339 timestamp".into(), false));
    }
    if let Some(rest) = message.strip_prefix("the resource `")
        && let Some((resource, tail)) = rest.split_once('`')
        && tail.starts_with(" is not recognized")
    {
        return Some((
            format!(
                "The resource provided {resource} is not recognized. The value is not a valid \
                 resource ARN, or the resource is not available in this region."
            ),
            false,
        ));
    }
    None
}

/// The field names of our "missing required field(s): `A`, `B`" message.
fn missing_fields(message: &str) -> Option<Vec<&str>> {
    let (_, list) = message.split_once("missing required field")?;
    let names: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
    (!names.is_empty()).then_some(names)
}

/// Jackson's words for text that is not JSON (AWS parses definitions with Jackson):
/// `Unrecognized token 'x': was expecting (…)` for a bare word, and the location
/// `[Source: (String)"<text>"; line: L, column: C]` (the text cut after 500 characters).
fn jackson(text: &str, d: &Diagnostic) -> (String, String) {
    let start = d.span.start.min(text.len());
    let rest = text.get(start..).unwrap_or_default();
    let token: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        .collect();
    let (line, col) = line_col(text, start);
    let bare_word =
        !token.is_empty() && !token.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    let (message, column) = if bare_word {
        (
            format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, \
                 Object or token 'null', 'true' or 'false')"
            ),
            col + token.chars().count(),
        )
    } else {
        (d.message.clone(), col)
    };
    let shown: String = text.chars().take(500).collect();
    let cut = text.chars().count().saturating_sub(500);
    let shown = if cut > 0 {
        format!("\"{shown}\"[truncated {cut} chars]")
    } else {
        format!("\"{shown}\"")
    };
    let location = format!("[Source: (String){shown}; line: {line}, column: {column}]");
    (format!("{message}\n at {location}"), location)
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_lists() {
        assert_eq!(
            missing_fields("the state machine is missing required fields: `States` and `StartAt`"),
            Some(vec!["States", "StartAt"])
        );
        assert_eq!(missing_fields("something else"), None);
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
