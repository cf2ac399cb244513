//! The states that call nothing: Pass, Wait, Fail, and a Choice rule's condition.

use std::time::Duration;

use super::{
    Io, PathField, StateRun, apply_result, check_size, effective_input, select_io, select_owned,
};
use crate::error::{Failure, names};
use crate::jsonata;
use crate::lang::jsonpath::{self, Path};
use crate::lang::template::{self};
use serde_json::Value;

/// A Pass state (STATE-PASS-*): the result is `Result`, else the effective input.
pub fn pass(run: &StateRun, raw: Value, io: &Io, result: Option<&Value>) -> Result<Value, Failure> {
    if let Some(p) = &run.probe {
        return pass_inspected(run, p, raw, io, result);
    }
    if !io.jsonata
        && io.assign.is_none()
        && io.result_path == PathField::Default
        && io.result_selector.is_none()
    {
        // The result replaces the input: the input moves through, nothing is copied.
        let unchanged = result.is_none()
            && io.input_path == PathField::Default
            && io.parameters.is_none()
            && io.output_path == PathField::Default;
        if unchanged {
            // The input passed the quota check when the previous state produced it.
            return Ok(raw);
        }
        let plain = io.input_path == PathField::Default && io.parameters.is_none();
        let result = match result {
            Some(r) => {
                // `Result` replaces the effective input, but its paths still have to resolve.
                if !plain {
                    effective_input(run, &raw, io)?;
                }
                r.clone()
            }
            None if plain => raw,
            None => effective_input(run, &raw, io)?,
        };
        let out = select_owned(run, result, &io.output_path)?;
        check_size(run, &out)?;
        return Ok(out);
    }
    let result = match result {
        // `Result` replaces the effective input, which is computed only for its paths to
        // resolve (as above).
        Some(r) => {
            if io.jsonata || io.input_path != PathField::Default || io.parameters.is_some() {
                effective_input(run, &raw, io)?;
            }
            r.clone()
        }
        None => effective_input(run, &raw, io)?,
    };
    apply_result(run, raw, result, io)
}

/// [`pass`] under TestState: every step in order, as its inspection data shows them.
fn pass_inspected(
    run: &StateRun,
    p: &super::Probe,
    raw: Value,
    io: &Io,
    result: Option<&Value>,
) -> Result<Value, Failure> {
    match result {
        Some(r) if !io.jsonata => {
            // The paths still have to resolve, but TestState shows the `Result` alone (as AWS
            // records it: no `afterInputPath`, no `afterParameters`).
            let input = select_io(run, &raw, &io.input_path)?;
            if let Some(t) = io.parameters {
                template::eval(t, &run.roots(&input))?;
            }
            p.result(r);
            apply_result(run, raw, r.clone(), io)
        }
        _ => {
            let effective = effective_input(run, &raw, io)?;
            let result = result.cloned().unwrap_or(effective);
            apply_result(run, raw, result, io)
        }
    }
}

/// A JSONata state without a result (Choice, Succeed): `Assign`, then `Output` over the
/// input, which is also the default output (JSONATA-10).
pub fn pass_through(
    run: &StateRun,
    raw: &Value,
    assign: Option<&'static jsonata::Template>,
    output: Option<&'static jsonata::Template>,
) -> Result<Value, Failure> {
    let scope = run.scope(raw);
    run.assign_jsonata(assign, &scope)?;
    let out = match output {
        Some(t) => jsonata::template(t, &scope, "Output")?,
        None => raw.clone(),
    };
    check_size(run, &out)?;
    Ok(out)
}

/// A JSONata Choice `Condition` (CHOICE-35): must evaluate to a boolean.
pub fn condition(
    run: &StateRun,
    raw: &Value,
    expr: &'static jsonata::Expr,
) -> Result<bool, Failure> {
    let v = jsonata::typed(expr, &run.scope(raw), "Condition", "boolean")?;
    Ok(v == Value::Bool(true))
}

/// How long a Wait state waits (WAIT-*).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitFor {
    /// `Seconds`.
    Seconds(u64),
    /// `SecondsPath`.
    SecondsPath(&'static Path),
    /// `Timestamp`.
    Timestamp(&'static str),
    /// `TimestampPath`.
    TimestampPath(&'static Path),
    /// JSONata `Seconds`.
    SecondsExpr(&'static jsonata::Expr),
    /// JSONata `Timestamp`.
    TimestampExpr(&'static jsonata::Expr),
}

/// The longest wait AWS allows (a year, WAIT-7).
pub(super) const MAX_WAIT: Duration = Duration::from_secs(366 * 24 * 3600);

/// A Wait state: waits (on tokio's clock), then passes its input on.
pub async fn wait(run: &StateRun, raw: Value, io: &Io, until: WaitFor) -> Result<Value, Failure> {
    if io.jsonata {
        return wait_jsonata(run, raw, io, until).await;
    }
    let effective = select_io(run, &raw, &io.input_path)?;
    let duration = match until {
        WaitFor::Seconds(s) => Duration::from_secs(s),
        WaitFor::SecondsPath(p) => {
            let roots = run.roots(&effective);
            let v = jsonpath::select(p, &roots)
                .map_err(|e| Failure::runtime(e.0))?
                .into_value()
                .ok_or_else(|| {
                    Failure::runtime(format!(
                        "The SecondsPath parameter does not reference an input value: {}",
                        p.text
                    ))
                })?;
            match v.as_i64().or_else(|| v.as_u64().map(|u| u as i64)) {
                Some(n) if n < 0 => {
                    return Err(Failure::runtime(format!(
                        "The SecondsPath parameter references a negative value: {} == {v}",
                        p.text
                    )));
                }
                Some(n) => Duration::from_secs(n as u64),
                None => {
                    return Err(Failure::runtime(format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {} == {v}",
                        p.text
                    )));
                }
            }
        }
        WaitFor::SecondsExpr(_) | WaitFor::TimestampExpr(_) => Duration::ZERO,
        WaitFor::Timestamp(t) => until_timestamp(t).ok_or_else(|| {
            Failure::runtime(format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time \
                 format string: {t}"
            ))
        })?,
        WaitFor::TimestampPath(p) => {
            let roots = run.roots(&effective);
            let v = jsonpath::select(p, &roots)
                .map_err(|e| Failure::runtime(e.0))?
                .into_value();
            let text = match &v {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let d = v.as_ref().and_then(Value::as_str).and_then(until_timestamp);
            d.ok_or_else(|| {
                Failure::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended \
                     offset date-time format string: {} == {text}",
                    p.text
                ))
            })?
        }
    };
    if duration > MAX_WAIT {
        return Err(Failure::runtime("Wait state delay is too long."));
    }
    run.assign(io.assign, &effective)?;
    sleep_from(run, until, duration).await?;
    // The output is the effective input, filtered by OutputPath (WAIT-6).
    select_io(run, &effective, &io.output_path)
}

pub(super) async fn wait_jsonata(
    run: &StateRun,
    raw: Value,
    io: &Io,
    until: WaitFor,
) -> Result<Value, Failure> {
    let bad_timestamp = |t: &str| {
        Failure::new(
            names::QUERY_EVALUATION_ERROR,
            format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time \
                 format string: {t}"
            ),
        )
    };
    let duration = {
        let scope = run.scope(&raw);
        let d = match until {
            WaitFor::Seconds(s) => Duration::from_secs(s),
            WaitFor::Timestamp(t) => until_timestamp(t).ok_or_else(|| bad_timestamp(t))?,
            WaitFor::SecondsExpr(e) => {
                let v = jsonata::typed(e, &scope, "Seconds", "number")?;
                match v.as_u64() {
                    Some(n) => Duration::from_secs(n),
                    None => {
                        return Err(Failure::new(
                            names::QUERY_EVALUATION_ERROR,
                            format!(
                                "The JSONata expression '{}' specified for the field 'Seconds' \
                                 returned an unexpected result type. Expected 'non-negative \
                                 integer', but was 'number' for value: {v}",
                                e.text
                            ),
                        ));
                    }
                }
            }
            WaitFor::TimestampExpr(e) => {
                let v = jsonata::typed(e, &scope, "Timestamp", "string")?;
                let t = v.as_str().unwrap_or_default();
                until_timestamp(t).ok_or_else(|| bad_timestamp(t))?
            }
            WaitFor::SecondsPath(_) | WaitFor::TimestampPath(_) => Duration::ZERO,
        };
        run.assign_jsonata(io.assign_jsonata, &scope)?;
        d
    };
    if duration > MAX_WAIT {
        return Err(Failure::new(
            names::QUERY_EVALUATION_ERROR,
            "Wait state delay is too long.",
        ));
    }
    sleep_from(run, until, duration).await?;
    let scope = run.scope(&raw);
    let out = match io.output {
        Some(t) => jsonata::template(t, &scope, "Output")?,
        None => raw.clone(),
    };
    check_size(run, &out)?;
    Ok(out)
}

/// Sleeps a Wait state's `duration`: counted from when the state was entered for `Seconds`
/// (so a durable execution resumed mid-wait waits only what is left), from now for a
/// timestamp (already an absolute deadline). A durable execution's history shows the Wait
/// while it waits.
pub(super) async fn sleep_from(
    run: &StateRun,
    until: WaitFor,
    duration: Duration,
) -> Result<(), Failure> {
    let relative = matches!(
        until,
        WaitFor::Seconds(_) | WaitFor::SecondsPath(_) | WaitFor::SecondsExpr(_)
    );
    // TestState does not wait: the duration was resolved (and checked) above.
    if run.probe.is_some() {
        return Ok(());
    }
    // A long Wait at a durable execution's top level puts it at rest, out of memory: a
    // worker resumes it in this state when it is due, and it waits only what is left then.
    if let Some(journal) = run.exec.top_journal() {
        let chrono_duration = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        let due = if relative {
            run.entered() + chrono_duration
        } else {
            crate::clock::now() + chrono_duration
        };
        if journal.rest(&run.exec, due).await? {
            return Err(Failure::interrupted(format!("at rest until {due}")));
        }
    }
    let sleep = async {
        if relative && run.exec.journal.is_some() {
            let deadline = run.entered()
                + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
            crate::clock::sleep_until(deadline).await;
        } else {
            tokio::time::sleep(duration).await;
        }
        Ok(())
    };
    run.exec.publishing(std::pin::pin!(sleep)).await
}

pub(super) fn until_timestamp(t: &str) -> Option<Duration> {
    let ts = crate::lang::choice::parse_timestamp(t)?;
    // AWS drops the fractional seconds (WAIT-3): the Wait ends at the whole second, measured
    // from now to the millisecond (not whole seconds from now, which ended up to a second
    // late); a past time continues at once.
    let target = ts.timestamp().saturating_mul(1000);
    let now = crate::clock::now().timestamp_millis();
    Some(Duration::from_millis(
        u64::try_from(target.saturating_sub(now)).unwrap_or(0),
    ))
}

/// Where a Fail state's `Error` or `Cause` comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailText {
    /// A literal.
    Literal(&'static str),
    /// `ErrorPath` / `CausePath`.
    Path(&'static Path, &'static str),
    /// An intrinsic call in `ErrorPath` / `CausePath`.
    Call(&'static crate::lang::intrinsics::Call, &'static str),
    /// A JSONata `Error` / `Cause`; the second field names the field.
    Expr(&'static jsonata::Expr, &'static str),
}

/// A Fail state: the failure it raises (STATE-FAIL-*).
pub fn fail(
    run: &StateRun,
    raw: &Value,
    jsonata: bool,
    error: Option<FailText>,
    cause: Option<FailText>,
) -> Failure {
    // A JSONPath Fail state has no `InputPath`; TestState shows its input there.
    if let Some(p) = &run.probe
        && !jsonata
    {
        p.after_input_path(raw);
    }
    let text = |t: Option<FailText>| -> Result<Option<String>, Failure> {
        let roots = run.roots(raw);
        Ok(match t {
            None => None,
            Some(FailText::Literal(s)) => Some(s.to_string()),
            Some(FailText::Path(p, field)) => {
                let v = template::path_value(p, &roots, field)?;
                Some(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            Some(FailText::Call(c, field)) => {
                let v = crate::lang::intrinsics::eval(c, &roots, field)?;
                Some(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            Some(FailText::Expr(e, field)) => {
                let v = jsonata::value(e, &run.scope(raw), field)?;
                Some(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
        })
    };
    let error = match text(error) {
        Ok(e) => e,
        Err(f) => return run.locate(f),
    };
    let cause = match text(cause) {
        Ok(c) => c,
        Err(f) => return run.locate(f),
    };
    Failure::from_parts(error.unwrap_or_default(), cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WAIT-3: a Timestamp Wait ends at the timestamp's whole second, measured from now to
    /// the millisecond (it ended up to a second late when both ends were whole seconds).
    #[tokio::test(start_paused = true)]
    async fn a_timestamp_wait_ends_at_its_whole_second() {
        // Move to 200 ms before a whole second.
        let ms = crate::clock::now().timestamp_subsec_millis();
        tokio::time::sleep(Duration::from_millis(u64::from((1800 - ms) % 1000))).await;
        let now = crate::clock::now();
        assert_eq!(now.timestamp_subsec_millis(), 800);
        let next = chrono::DateTime::from_timestamp(now.timestamp() + 1, 500_000_000)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        let next = next.as_deref().unwrap_or_default();
        assert_eq!(until_timestamp(next), Some(Duration::from_millis(200)));
        // The same second, and the past: at once.
        let same = chrono::DateTime::from_timestamp(now.timestamp(), 900_000_000)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        assert_eq!(
            until_timestamp(same.as_deref().unwrap_or_default()),
            Some(Duration::ZERO)
        );
        assert_eq!(
            until_timestamp("2001-01-01T00:00:00Z"),
            Some(Duration::ZERO)
        );
        assert_eq!(until_timestamp("not a time"), None);
    }
}
