//! `asl schedule create|list|get|pause|resume|delete`: durable schedules in a store, as the
//! runtime's `durable::schedule` keeps them. The command has no compiled workflows: it records
//! schedules of a workflow by name, and the workers (`Engine::run`) that register that
//! workflow on the same store fire them. Output is JSON shaped like EventBridge Scheduler's
//! (`GetSchedule`, `ListSchedules`, `CreateSchedule`), plus `NextFire` and `LastFire`.
//!
//! Exit status: 0 on success; 1 when the request is refused (`ValidationException`,
//! `ConflictException`, `ResourceNotFound`); 2 when the store cannot be opened or used.

use std::process::ExitCode;

use asl_runtime::EngineError;
use asl_runtime::durable::{Schedule, ScheduleFilter, ScheduleSpec, ScheduleState, Schedules};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

/// Where the schedules are: `--store sqlite:PATH` or `--store postgres://…`.
#[derive(Args)]
pub(crate) struct StoreArg {
    /// The store: `sqlite:PATH` (a file, created if missing) or a `postgres://` URL.
    #[arg(long, value_name = "STORE", global = true)]
    store: Option<String>,
}

#[derive(Subcommand)]
pub(crate) enum ScheduleCommand {
    /// Create a schedule (CreateSchedule); prints its ARN.
    Create {
        /// The schedule's name (1 to 64 of 0-9 a-z A-Z - _ .).
        name: String,
        /// The workflow each fire starts (its registered name on the workers).
        #[arg(long)]
        workflow: String,
        /// `rate(5 minutes)`, `cron(0 12 * * ? *)` or `at(2026-12-24T10:00:00)`.
        #[arg(long, value_name = "EXPRESSION")]
        expression: String,
        /// IANA time zone for cron and at expressions (default UTC).
        #[arg(long, value_name = "ZONE")]
        timezone: Option<String>,
        /// The executions' input (JSON; default `{}`).
        #[arg(long, value_name = "JSON")]
        input: Option<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// No fire before this date (RFC 3339, e.g. 2026-01-01T00:00:00Z).
        #[arg(long, value_name = "DATE")]
        start_date: Option<String>,
        /// No fire at or after this date (RFC 3339).
        #[arg(long, value_name = "DATE")]
        end_date: Option<String>,
        /// Create it paused (DISABLED).
        #[arg(long)]
        disabled: bool,
    },
    /// List schedules (ListSchedules), by name.
    List {
        /// Only names starting so.
        #[arg(long, value_name = "PREFIX")]
        name_prefix: Option<String>,
        /// Only ENABLED or DISABLED ones.
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// Only schedules of this workflow.
        #[arg(long)]
        workflow: Option<String>,
    },
    /// Show one schedule (GetSchedule).
    Get {
        /// The schedule's name.
        name: String,
    },
    /// Pause a schedule (State DISABLED).
    Pause {
        /// The schedule's name.
        name: String,
    },
    /// Resume a paused schedule (State ENABLED), from its first fire at or after now.
    Resume {
        /// The schedule's name.
        name: String,
    },
    /// Delete a schedule.
    Delete {
        /// The schedule's name.
        name: String,
    },
}

/// A failure, with the exit status it gives.
struct Failure(u8, String);

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Store(s) => Failure(2, s.detail()),
            // `ResourceNotFound: Resource Not Found: '…'` is the engine's wording; say it plainly.
            EngineError::ResourceNotFound(m) => {
                Failure(1, format!("ResourceNotFoundException: {m}"))
            }
            other => Failure(1, other.to_string()),
        }
    }
}

pub(crate) fn run(command: ScheduleCommand, store: StoreArg) -> ExitCode {
    let runtime = match asl_runtime::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(execute(command, store)) {
        Ok(Some(out)) => {
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

async fn open(store: StoreArg) -> Result<Schedules, Failure> {
    let Some(url) = store.store else {
        return Err(Failure(
            2,
            "no store: pass --store sqlite:PATH or --store postgres://…".into(),
        ));
    };
    if let Some(path) = url.strip_prefix("sqlite:") {
        let s = asl_runtime::store::SqliteStore::open(path)
            .await
            .map_err(|e| Failure(2, format!("cannot open {url}: {}", e.detail())))?;
        return Ok(Schedules::new(s));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let s = asl_runtime::store::PostgresStore::connect(&url)
            .await
            .map_err(|e| {
                Failure(
                    2,
                    format!("cannot connect to {}: {}", redact(&url), e.detail()),
                )
            })?;
        return Ok(Schedules::new(s));
    }
    Err(Failure(
        2,
        format!("--store {url}: expected sqlite:PATH or a postgres:// URL"),
    ))
}

/// A connection URL without its password (`postgres://user:***@host/db`), for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn date(arg: &str, value: &str) -> Result<DateTime<Utc>, Failure> {
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            Failure(
                1,
                format!("{arg} '{value}' is not an RFC 3339 date (2026-01-01T00:00:00Z): {e}"),
            )
        })
}

async fn execute(command: ScheduleCommand, store: StoreArg) -> Result<Option<Value>, Failure> {
    // Arguments are checked before the store is opened.
    let spec = match &command {
        ScheduleCommand::Create {
            name,
            workflow,
            expression,
            timezone,
            input,
            description,
            start_date,
            end_date,
            disabled,
        } => {
            let mut spec = ScheduleSpec::new(name, workflow, expression);
            if let Some(tz) = timezone {
                spec = spec.time_zone(tz);
            }
            if let Some(text) = input {
                let v: Value = serde_json::from_str(text)
                    .map_err(|e| Failure(1, format!("--input is not JSON: {e}")))?;
                spec = spec.input(v);
            }
            if let Some(d) = description {
                spec = spec.description(d);
            }
            if let Some(d) = start_date {
                spec = spec.start_date(date("--start-date", d)?);
            }
            if let Some(d) = end_date {
                spec = spec.end_date(date("--end-date", d)?);
            }
            if *disabled {
                spec = spec.state(ScheduleState::Disabled);
            }
            Some(spec)
        }
        _ => None,
    };
    let state = match &command {
        ScheduleCommand::List { state: Some(s), .. } => Some(
            ScheduleState::parse(s)
                .ok_or_else(|| Failure(1, format!("--state {s}: expected ENABLED or DISABLED")))?,
        ),
        _ => None,
    };
    let schedules = open(store).await?;
    Ok(match command {
        ScheduleCommand::Create { .. } => {
            let Some(spec) = spec else { return Ok(None) };
            let s = schedules.create(spec).await?;
            Some(json!({ "ScheduleArn": s.arn }))
        }
        ScheduleCommand::List {
            name_prefix,
            workflow,
            ..
        } => {
            let filter = ScheduleFilter {
                name_prefix,
                state,
                workflow,
            };
            let list = schedules.list(filter).await?;
            Some(json!({ "Schedules": list.iter().map(summary).collect::<Vec<_>>() }))
        }
        ScheduleCommand::Get { name } => Some(full(&schedules.get(&name).await?)),
        ScheduleCommand::Pause { name } => Some(full(&schedules.pause(&name).await?)),
        ScheduleCommand::Resume { name } => Some(full(&schedules.resume(&name).await?)),
        ScheduleCommand::Delete { name } => {
            schedules.delete(&name).await?;
            None
        }
    })
}

fn rfc3339(d: Option<DateTime<Utc>>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_rfc3339()))
}

/// A `ListSchedules` entry.
fn summary(s: &Schedule) -> Value {
    json!({
        "Arn": s.arn,
        "Name": s.name,
        "GroupName": "default",
        "State": s.state.as_str(),
        "CreationDate": rfc3339(Some(s.creation_date)),
        "LastModificationDate": rfc3339(Some(s.last_modification_date)),
        "Target": { "Arn": s.state_machine_arn },
        "NextFire": rfc3339(s.next_fire),
    })
}

/// A `GetSchedule` answer.
fn full(s: &Schedule) -> Value {
    let mut v = json!({
        "Arn": s.arn,
        "Name": s.name,
        "GroupName": "default",
        "State": s.state.as_str(),
        "ScheduleExpression": s.expression,
        "ScheduleExpressionTimezone": s.time_zone,
        "CreationDate": rfc3339(Some(s.creation_date)),
        "LastModificationDate": rfc3339(Some(s.last_modification_date)),
        "FlexibleTimeWindow": { "Mode": "OFF" },
        "Target": { "Arn": s.state_machine_arn, "Input": s.input.to_string() },
        "NextFire": rfc3339(s.next_fire),
        "LastFire": rfc3339(s.last_fire),
    });
    if let Some(m) = v.as_object_mut() {
        if let Some(d) = &s.description {
            m.insert("Description".into(), d.clone().into());
        }
        if s.start_date.is_some() {
            m.insert("StartDate".into(), rfc3339(s.start_date));
        }
        if s.end_date.is_some() {
            m.insert("EndDate".into(), rfc3339(s.end_date));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            super::redact("postgres://asl:s3cret@db:5432/runs"),
            "postgres://asl:***@db:5432/runs"
        );
        assert_eq!(super::redact("postgres://db/runs"), "postgres://db/runs");
        assert_eq!(
            super::redact("postgres://asl@db/runs"),
            "postgres://asl@db/runs"
        );
    }
}
