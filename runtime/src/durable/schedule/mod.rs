//! Durable schedules: executions started on a timetable, with EventBridge Scheduler's
//! expressions and rules.
//!
//! A schedule names a registered workflow, an expression, a time zone, an input, an optional
//! start and end date, and a state (`ENABLED` or `DISABLED`). It is kept in the engine's
//! [`Store`], so it survives restarts and every worker on the store sees it; the `asl
//! schedule` command records schedules in a store the same way.
//!
//! - **Expressions**, as EventBridge Scheduler defines them: `rate(5 minutes)` (`minute`,
//!   `hour`, `day` with value 1, plural units above), counted from the start date or from the
//!   creation, so a rate schedule without a start date fires at once; `cron(0 12 * * ? *)`,
//!   AWS's six fields with `?`, `L`, `W`, `#`, ranges, lists, steps and names; and
//!   `at(2026-12-24T10:00:00)`, once. Cron and at are read in the schedule's time zone (an
//!   IANA name, default `UTC`); a rate day is 24 hours. Daylight saving time as AWS handles
//!   it: a cron time skipped by the spring change does not fire, a time repeated by the
//!   autumn change fires once (its first occurrence). Start and end dates bound recurring
//!   schedules (no fire before the start, none at or after the end); `at` ignores them, as
//!   on AWS. A bad expression, time zone or name is a `ValidationException` naming the
//!   problem (`Invalid Schedule Expression rate(1 minutes): with the value 1 the unit is
//!   singular: rate(1 minute).`).
//! - **Each fire starts exactly one execution**, of the schedule's workflow, named
//!   `<schedule>-<yyyymmddThhmmZ>` after the fire's scheduled instant in UTC (at most
//!   64 + 15 characters, within AWS's 80; two fires of one schedule are at least a minute
//!   apart, so the names differ), with the schedule's input, in which EventBridge Scheduler's
//!   context attributes are replaced: `<aws.scheduler.schedule-arn>`,
//!   `<aws.scheduler.scheduled-time>` (`2026-12-24T10:00:00Z`),
//!   `<aws.scheduler.execution-id>` (16 hex digits derived from the schedule and the fire, so
//!   every worker computes the same input) and `<aws.scheduler.attempt-number>` (`1`).
//!   A worker starts the execution ([`Engine::start`](super::Engine::start), idempotent by
//!   name: EXEC-3), then claims the fire by moving the schedule's next fire forward with a
//!   compare-and-set in the store. Two workers that see the same due fire start the same
//!   execution name, which the store creates once; a worker that dies between the two steps
//!   is followed by one that finds the execution already there. So several engines on one
//!   store never double-fire.
//! - **Missed fires** (every worker down, or the schedule's workflow registered nowhere):
//!   at most one catch-up fire, like a flexible time window. The first missed fire starts
//!   its execution when a worker next runs, under that fire's name; the fires missed after
//!   it are skipped and the schedule continues with its first fire after the present. A
//!   paused schedule catches nothing up: resuming it continues from its first fire at or
//!   after the resume.
//! - **Where schedules fire**: in [`Engine::run`](super::Engine::run) (a worker fires the
//!   schedules of the workflows it has registered), or [`Engine::run_schedules`] alone. The
//!   runner sleeps until the earliest next fire on the [`clock`](crate::clock) (tokio's
//!   time, so tests pause it), wakes at once when this engine creates or resumes a schedule,
//!   and looks at the store every
//!   [`schedule_poll_interval`](super::EngineBuilder::schedule_poll_interval) (10 s by
//!   default) for schedules created or changed by other processes. AWS fires within the
//!   minute ("60 second precision"); a fire here is late by at most the poll interval when
//!   another process created it, and on time otherwise.
//!
//! ```no_run
//! # async fn f(engine: asl_runtime::Engine) -> Result<(), asl_runtime::EngineError> {
//! use asl_runtime::durable::ScheduleSpec;
//! let spec = ScheduleSpec::new("nightly-report", "report", "cron(30 2 * * ? *)")
//!     .time_zone("America/New_York")
//!     .input(serde_json::json!({"day": "<aws.scheduler.scheduled-time>"}));
//! engine.create_schedule(spec).await?;
//! engine.pause_schedule("nightly-report").await?;
//! # Ok(()) }
//! ```

mod cron;
mod expression;
mod runner;
pub(crate) use runner::Runner;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::Digest;

use super::api::EngineError;
use super::engine::Engine;
use crate::context::RunOptions;
use crate::store::{ScheduleRecord, Store};
use expression::{Expression, Timing, parse_time_zone};

pub use crate::store::ScheduleState;

/// A schedule to create: [`Engine::create_schedule`] or [`Schedules::create`].
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    name: String,
    workflow: String,
    expression: String,
    time_zone: Option<String>,
    input: Value,
    description: Option<String>,
    start_date: Option<DateTime<Utc>>,
    end_date: Option<DateTime<Utc>>,
    state: ScheduleState,
}

impl ScheduleSpec {
    /// A schedule `name` (1 to 64 of `0-9 a-z A-Z - _ .`) that starts `workflow` as
    /// `expression` says (`rate(…)`, `cron(…)`, `at(…)`); enabled, in UTC, input `{}`.
    pub fn new(
        name: impl Into<String>,
        workflow: impl Into<String>,
        expression: impl Into<String>,
    ) -> ScheduleSpec {
        ScheduleSpec {
            name: name.into(),
            workflow: workflow.into(),
            expression: expression.into(),
            time_zone: None,
            input: Value::Object(Default::default()),
            description: None,
            start_date: None,
            end_date: None,
            state: ScheduleState::Enabled,
        }
    }

    /// The IANA time zone cron and at expressions are read in (default `UTC`).
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.time_zone = Some(zone.into());
        self
    }

    /// The executions' input (default `{}`); context attributes in its strings are replaced.
    pub fn input(mut self, input: Value) -> Self {
        self.input = input;
        self
    }

    /// A description (at most 512 characters).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// No fire before this instant (rate schedules count from it).
    pub fn start_date(mut self, t: DateTime<Utc>) -> Self {
        self.start_date = Some(t);
        self
    }

    /// No fire at or after this instant.
    pub fn end_date(mut self, t: DateTime<Utc>) -> Self {
        self.end_date = Some(t);
        self
    }

    /// Created enabled (the default) or paused.
    pub fn state(mut self, state: ScheduleState) -> Self {
        self.state = state;
        self
    }
}

/// A schedule as [`Engine::schedule`] and [`Engine::list_schedules`] report it (GetSchedule).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Its name.
    pub name: String,
    /// `arn:aws:scheduler:<region>:<account>:schedule/default/<name>`.
    pub arn: String,
    /// The workflow it starts.
    pub workflow: String,
    /// That workflow's state machine ARN (the schedule's target).
    pub state_machine_arn: String,
    /// The expression.
    pub expression: String,
    /// The time zone.
    pub time_zone: String,
    /// The executions' input (before context attributes are replaced).
    pub input: Value,
    /// Its description.
    pub description: Option<String>,
    /// Start date.
    pub start_date: Option<DateTime<Utc>>,
    /// End date.
    pub end_date: Option<DateTime<Utc>>,
    /// `ENABLED` or `DISABLED`.
    pub state: ScheduleState,
    /// Creation.
    pub creation_date: DateTime<Utc>,
    /// Last change (creation, pause, resume).
    pub last_modification_date: DateTime<Utc>,
    /// The next fire (`None` when paused, or when no fire remains).
    pub next_fire: Option<DateTime<Utc>>,
    /// The scheduled instant of the last fire.
    pub last_fire: Option<DateTime<Utc>>,
}

/// Which schedules [`Engine::list_schedules`] returns (ListSchedules).
#[derive(Debug, Clone, Default)]
pub struct ScheduleFilter {
    /// Only names starting so (`NamePrefix`).
    pub name_prefix: Option<String>,
    /// Only this state (`State`).
    pub state: Option<ScheduleState>,
    /// Only schedules of this workflow.
    pub workflow: Option<String>,
}

/// The schedules of a store, without an engine: what the `asl schedule` command uses (an
/// [`Engine`] has the same methods, which also check that the workflow is registered).
#[derive(Clone)]
pub struct Schedules {
    store: Arc<dyn Store>,
    identity: RunOptions,
}

impl std::fmt::Debug for Schedules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schedules").finish_non_exhaustive()
    }
}

/// `ValidationException` for a member that breaks a constraint, in AWS's words.
fn constraint(value: &str, member: &str, rule: &str) -> EngineError {
    EngineError::ValidationException(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
         constraint: {rule}"
    ))
}

fn not_found(name: &str) -> EngineError {
    EngineError::ResourceNotFound(format!("Schedule {name} does not exist."))
}

/// The name of the execution a schedule starts for its fire at `at`.
pub fn execution_name(schedule: &str, at: DateTime<Utc>) -> String {
    format!("{schedule}-{}", at.format("%Y%m%dT%H%MZ"))
}

/// A stored schedule's timing, as parsed when it was created.
fn timing(r: &ScheduleRecord) -> Result<Timing, EngineError> {
    let corrupt = |e: String| {
        EngineError::Store(crate::store::StoreError::corrupt(format!(
            "schedule {} in store: {e}",
            r.name
        )))
    };
    Ok(Timing {
        expression: Expression::parse(&r.expression).map_err(corrupt)?,
        time_zone: parse_time_zone(&r.time_zone).map_err(corrupt)?,
        start: r.start_date,
        end: r.end_date,
        anchor: r.anchor,
    })
}

impl Schedules {
    /// The schedules in `store`, with ARNs in the default partition, region and account.
    pub fn new(store: impl Store) -> Schedules {
        Schedules {
            store: Arc::new(store),
            identity: RunOptions::default(),
        }
    }

    /// Partition, region and account for ARNs (as the engine's
    /// [`identity`](super::EngineBuilder::identity)).
    pub fn identity(mut self, options: RunOptions) -> Self {
        self.identity = options;
        self
    }

    pub(super) fn of(store: Arc<dyn Store>, identity: RunOptions) -> Schedules {
        Schedules { store, identity }
    }

    fn arn(&self, name: &str) -> String {
        let o = &self.identity;
        format!(
            "arn:{}:scheduler:{}:{}:schedule/default/{name}",
            o.partition, o.region, o.account
        )
    }

    fn describe(&self, r: ScheduleRecord) -> Schedule {
        let o = &self.identity;
        Schedule {
            arn: self.arn(&r.name),
            state_machine_arn: format!(
                "arn:{}:states:{}:{}:stateMachine:{}",
                o.partition, o.region, o.account, r.workflow
            ),
            name: r.name,
            workflow: r.workflow,
            expression: r.expression,
            time_zone: r.time_zone,
            input: r.input,
            description: r.description,
            start_date: r.start_date,
            end_date: r.end_date,
            state: r.state,
            creation_date: r.creation_date,
            last_modification_date: r.last_modification_date,
            next_fire: r.next_fire,
            last_fire: r.last_fire,
        }
    }

    /// Creates a schedule (CreateSchedule): `ValidationException` for a bad name,
    /// expression, time zone, description or date range; `ConflictException` when the name
    /// is taken. The workflow is not checked here (the store does not know which workflows
    /// workers have): the workers that register it fire the schedule.
    pub async fn create(&self, spec: ScheduleSpec) -> Result<Schedule, EngineError> {
        let name_ok = !spec.name.is_empty()
            && spec.name.len() <= 64
            && spec
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !name_ok {
            return Err(constraint(
                &spec.name,
                "name",
                "Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$ and have \
                 length between 1 and 64",
            ));
        }
        super::api::validate_name(&spec.workflow).map_err(|_| {
            constraint(
                &spec.workflow,
                "workflow",
                "Member must be a state machine name (1 to 80 characters, no white space or \
                 special characters)",
            )
        })?;
        let expression =
            Expression::parse(&spec.expression).map_err(EngineError::ValidationException)?;
        let zone_name = spec.time_zone.unwrap_or_else(|| "UTC".to_string());
        if zone_name.is_empty() || zone_name.len() > 50 {
            return Err(constraint(
                &zone_name,
                "scheduleExpressionTimezone",
                "Member must have length between 1 and 50",
            ));
        }
        let time_zone = parse_time_zone(&zone_name).map_err(EngineError::ValidationException)?;
        if let Some(d) = &spec.description
            && d.chars().count() > 512
        {
            return Err(constraint(
                "…",
                "description",
                "Member must have length less than or equal to 512",
            ));
        }
        if let (Some(start), Some(end)) = (spec.start_date, spec.end_date)
            && end <= start
        {
            return Err(EngineError::ValidationException(format!(
                "The EndDate ({end}) must be after the StartDate ({start})."
            )));
        }
        if let Expression::At(local) = &expression
            && expression::resolve(time_zone, *local).is_none()
        {
            return Err(EngineError::ValidationException(format!(
                "Invalid Schedule Expression {}: {local} does not exist in {zone_name} \
                 (daylight saving time skips it).",
                spec.expression
            )));
        }
        let now = crate::clock::now();
        let timing = Timing {
            expression,
            time_zone,
            start: spec.start_date,
            end: spec.end_date,
            anchor: spec.start_date.unwrap_or(now),
        };
        let next_fire = match spec.state {
            ScheduleState::Enabled => timing.at_or_after(now),
            ScheduleState::Disabled => None,
        };
        let record = ScheduleRecord {
            name: spec.name.clone(),
            workflow: spec.workflow,
            expression: spec.expression,
            time_zone: zone_name,
            input: spec.input,
            description: spec.description,
            start_date: spec.start_date,
            end_date: spec.end_date,
            state: spec.state,
            anchor: timing.anchor,
            next_fire,
            last_fire: None,
            creation_date: now,
            last_modification_date: now,
        };
        if !self.store.create_schedule(record.clone()).await? {
            return Err(EngineError::ConflictException(format!(
                "Schedule {} already exists.",
                spec.name
            )));
        }
        Ok(self.describe(record))
    }

    /// One schedule (GetSchedule); `ResourceNotFound` when there is none of that name.
    pub async fn get(&self, name: &str) -> Result<Schedule, EngineError> {
        match self.store.schedule(name).await? {
            Some(r) => Ok(self.describe(r)),
            None => Err(not_found(name)),
        }
    }

    /// The schedules that pass `filter`, by name (ListSchedules).
    pub async fn list(&self, filter: ScheduleFilter) -> Result<Vec<Schedule>, EngineError> {
        Ok(self
            .store
            .schedules()
            .await?
            .into_iter()
            .filter(|r| {
                filter
                    .name_prefix
                    .as_deref()
                    .is_none_or(|p| r.name.starts_with(p))
                    && filter.state.is_none_or(|s| r.state == s)
                    && filter.workflow.as_deref().is_none_or(|w| r.workflow == w)
            })
            .map(|r| self.describe(r))
            .collect())
    }

    /// Pauses a schedule (UpdateSchedule with `State: DISABLED`): it fires no more until
    /// resumed.
    pub async fn pause(&self, name: &str) -> Result<Schedule, EngineError> {
        let now = crate::clock::now();
        match self
            .store
            .set_schedule_state(name, ScheduleState::Disabled, None, now)
            .await?
        {
            Some(r) => Ok(self.describe(r)),
            None => Err(not_found(name)),
        }
    }

    /// Resumes a paused schedule: it continues with its first fire at or after now (fires
    /// that fell while it was paused are not caught up). An enabled schedule is left as is.
    pub async fn resume(&self, name: &str) -> Result<Schedule, EngineError> {
        let r = self
            .store
            .schedule(name)
            .await?
            .ok_or_else(|| not_found(name))?;
        if r.state == ScheduleState::Enabled {
            return Ok(self.describe(r));
        }
        let now = crate::clock::now();
        let next = timing(&r)?.at_or_after(now);
        match self
            .store
            .set_schedule_state(name, ScheduleState::Enabled, next, now)
            .await?
        {
            Some(r) => Ok(self.describe(r)),
            None => Err(not_found(name)),
        }
    }

    /// Deletes a schedule (DeleteSchedule); executions it started are not touched.
    pub async fn delete(&self, name: &str) -> Result<(), EngineError> {
        if self.store.delete_schedule(name).await? {
            Ok(())
        } else {
            Err(not_found(name))
        }
    }

    /// The input of the execution for the fire at `at`: context attributes replaced.
    fn fire_input(&self, r: &ScheduleRecord, at: DateTime<Utc>) -> Value {
        let arn = self.arn(&r.name);
        let time = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let digest = sha2::Sha256::digest(format!("{arn}\n{time}").as_bytes());
        let id: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let replace = |s: &str| {
            s.replace("<aws.scheduler.schedule-arn>", &arn)
                .replace("<aws.scheduler.scheduled-time>", &time)
                .replace("<aws.scheduler.execution-id>", &id)
                .replace("<aws.scheduler.attempt-number>", "1")
        };
        fn walk(v: &Value, f: &dyn Fn(&str) -> String) -> Value {
            match v {
                Value::String(s) => Value::String(f(s)),
                Value::Array(a) => Value::Array(a.iter().map(|v| walk(v, f)).collect()),
                Value::Object(m) => {
                    Value::Object(m.iter().map(|(k, v)| (k.clone(), walk(v, f))).collect())
                }
                other => other.clone(),
            }
        }
        walk(&r.input, &replace)
    }
}

impl Engine {
    fn schedules_api(&self) -> Schedules {
        Schedules::of(
            Arc::clone(&self.inner.shared.store),
            self.inner.identity.clone(),
        )
    }

    /// Creates a schedule of a workflow registered on this engine (CreateSchedule); see the
    /// [module docs](self) for expressions and policies. `StateMachineDoesNotExist` for an
    /// unknown workflow, `ValidationException`, `ConflictException` as [`Schedules::create`].
    pub async fn create_schedule(&self, spec: ScheduleSpec) -> Result<Schedule, EngineError> {
        if !self.inner.workflows.contains_key(&spec.workflow) || spec.workflow.contains('#') {
            let o = &self.inner.identity;
            return Err(EngineError::StateMachineDoesNotExist(format!(
                "arn:{}:states:{}:{}:stateMachine:{}",
                o.partition, o.region, o.account, spec.workflow
            )));
        }
        let created = self.schedules_api().create(spec).await?;
        self.inner.schedule_wake.notify_waiters();
        Ok(created)
    }

    /// One schedule (GetSchedule).
    pub async fn schedule(&self, name: &str) -> Result<Schedule, EngineError> {
        self.schedules_api().get(name).await
    }

    /// The schedules in the store that pass `filter`, by name (ListSchedules).
    pub async fn list_schedules(
        &self,
        filter: ScheduleFilter,
    ) -> Result<Vec<Schedule>, EngineError> {
        self.schedules_api().list(filter).await
    }

    /// Pauses a schedule (state `DISABLED`).
    pub async fn pause_schedule(&self, name: &str) -> Result<Schedule, EngineError> {
        self.schedules_api().pause(name).await
    }

    /// Resumes a paused schedule (state `ENABLED`), from its first fire at or after now.
    pub async fn resume_schedule(&self, name: &str) -> Result<Schedule, EngineError> {
        let resumed = self.schedules_api().resume(name).await?;
        self.inner.schedule_wake.notify_waiters();
        Ok(resumed)
    }

    /// Deletes a schedule (DeleteSchedule).
    pub async fn delete_schedule(&self, name: &str) -> Result<(), EngineError> {
        self.schedules_api().delete(name).await
    }
}
