//! The execution's identity and the context object (`$$`, CTX-*).

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// How to start an execution: its name and the identifiers that appear in the context object.
/// Everything has a default, so `RunOptions::default()` is a complete set.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Execution name (default: a random UUID).
    pub name: Option<String>,
    /// State machine name (default: the module name given to `asl!`).
    pub state_machine_name: Option<String>,
    /// Partition for ARNs (default `aws`).
    pub partition: String,
    /// Region for ARNs (default `us-east-1`).
    pub region: String,
    /// Account id for ARNs (default `123456789012`).
    pub account: String,
    /// `$$.Execution.RoleArn` (default: a role ARN in the account).
    pub role_arn: Option<String>,
    /// `$$.Execution.StartTime` (default: now).
    pub start_time: Option<DateTime<Utc>>,
    /// Express executions have an `express:` ARN and no redrive count.
    pub express: bool,
    /// The execution ARN (default: made from the partition, region, account, state machine
    /// and name, with a random id at the end for an Express execution). An engine that hands
    /// out an execution's ARN before running it sets it, so `$$.Execution.Id` is that ARN.
    pub execution_arn: Option<String>,
    /// Answers Task states' calls instead of their handlers (a mock test case, a TestState
    /// mock): see [`TaskMock`]. Default: none, every Task calls its handler.
    pub mock: Option<Arc<dyn TaskMock>>,
}

/// Answers a Task state's calls in place of its handler, as Step Functions Local's mocked
/// responses and TestState's `mock` do. Set with [`RunOptions::mock`]; an execution's Map
/// iterations, Parallel branches and Distributed Map children share it.
pub trait TaskMock: Send + Sync + std::fmt::Debug {
    /// The answer to this call of Task state `state` (whose effective input is `input`), or
    /// `None` to call the state's handler.
    fn answer(&self, state: &str, input: &Value) -> Option<Result<Value, crate::TaskError>>;
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            name: None,
            state_machine_name: None,
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            role_arn: None,
            start_time: None,
            express: false,
            execution_arn: None,
            mock: None,
        }
    }
}

impl RunOptions {
    /// Sets the execution name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the start time.
    pub fn start_time(mut self, t: DateTime<Utc>) -> Self {
        self.start_time = Some(t);
        self
    }

    /// Answers Task states' calls with `mock` instead of their handlers (for the states it
    /// answers; the others call their handlers).
    pub fn mock(mut self, mock: impl TaskMock + 'static) -> Self {
        self.mock = Some(Arc::new(mock));
        self
    }
}

/// What the context object says about the execution (CTX-2, CTX-5).
///
/// Its ARNs and name are built when first read (`$$`, history, a handler asking): an Express
/// execution that reads none of them pays for none (joining them took a sixth of a small
/// Express execution's time). What every execution of a state machine shares
/// (its ARN, name and role) is joined once per thread and shared.
#[derive(Debug)]
pub struct ExecutionInfo {
    machine: Arc<MachineIds>,
    name: OnceLock<String>,
    id: OnceLock<String>,
    /// Original input; `None` when nothing reads it (see [`ExecutionInfo::new`]).
    input: Option<Arc<Value>>,
    /// Start time: a clock reading (made a date when read), or given.
    start: Start,
    /// The runtime's instant at the start, what the execution's timeout counts from.
    started: tokio::time::Instant,
    /// Express execution.
    pub express: bool,
    /// Times the execution was redriven (`$$.Execution.RedriveCount`).
    pub redrive_count: u32,
    /// What answers Task states in place of their handlers, if anything ([`RunOptions::mock`]).
    pub mock: Option<Arc<dyn TaskMock>>,
}

/// When an execution started.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// Read off the clock, in nanoseconds since the epoch: made a date only when read.
    Read(i64),
    /// Given by the options or the store.
    Given(DateTime<Utc>),
}

/// The identifiers every execution of one state machine shares.
#[derive(Debug, Clone)]
struct MachineIds {
    /// `arn:<partition>:states:<region>:<account>`.
    prefix: String,
    /// The state machine's name.
    name: String,
    /// `<prefix>:stateMachine:<name>`.
    arn: String,
    /// `$$.Execution.RoleArn`.
    role_arn: String,
}

impl MachineIds {
    fn new(prefix: String, name: String, role_arn: String) -> Self {
        MachineIds {
            arn: concat(&[&[&prefix, ":stateMachine:", &name]]),
            prefix,
            name,
            role_arn,
        }
    }

    /// The identifiers for `options` and machine `name`: the ones this thread made last when
    /// they are the same (executions of one workflow with the same options share them).
    fn of(options: &RunOptions, name: &str) -> Arc<MachineIds> {
        thread_local! {
            static LAST: std::cell::RefCell<Option<(RunOptionsKey, Arc<MachineIds>)>> =
                const { std::cell::RefCell::new(None) };
        }
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            if let Some((key, ids)) = &*last
                && key.matches(options, name)
            {
                return Arc::clone(ids);
            }
            let (p, r, a) = (
                options.partition.as_str(),
                options.region.as_str(),
                options.account.as_str(),
            );
            let ids = Arc::new(MachineIds::new(
                concat(&[&["arn:", p, ":states:", r, ":", a]]),
                name.to_string(),
                options.role_arn.clone().unwrap_or_else(|| {
                    concat(&[&["arn:", p, ":iam::", a, ":role/StepFunctionsRole"]])
                }),
            ));
            *last = Some((RunOptionsKey::of(options, name), Arc::clone(&ids)));
            ids
        })
    }
}

/// What [`MachineIds`] are made of.
struct RunOptionsKey {
    partition: String,
    region: String,
    account: String,
    role_arn: Option<String>,
    name: String,
}

impl RunOptionsKey {
    fn of(options: &RunOptions, name: &str) -> Self {
        RunOptionsKey {
            partition: options.partition.clone(),
            region: options.region.clone(),
            account: options.account.clone(),
            role_arn: options.role_arn.clone(),
            name: name.to_string(),
        }
    }

    fn matches(&self, options: &RunOptions, name: &str) -> bool {
        self.name == name
            && self.partition == options.partition
            && self.region == options.region
            && self.account == options.account
            && self.role_arn == options.role_arn
    }
}

impl Clone for ExecutionInfo {
    /// The same execution: its name and ARN are fixed first (a copy must not draw its own).
    fn clone(&self) -> Self {
        let _ = self.id();
        ExecutionInfo {
            machine: Arc::clone(&self.machine),
            name: self.name.clone(),
            id: self.id.clone(),
            input: self.input.clone(),
            start: self.start,
            started: self.started,
            express: self.express,
            redrive_count: self.redrive_count,
            mock: self.mock.clone(),
        }
    }
}

impl ExecutionInfo {
    /// Resolves the options for a machine called `default_machine_name`. `input` is the
    /// execution's input as `$$.Execution.Input` and `ExecutionStarted` show it: `None` when
    /// neither is read (generated code knows whether its definition reads the context
    /// object), which spares copying the input for every execution.
    pub fn new(
        options: &RunOptions,
        default_machine_name: &str,
        input: Option<Arc<Value>>,
    ) -> Self {
        let (now, started) = crate::clock::reading();
        let machine = MachineIds::of(
            options,
            options
                .state_machine_name
                .as_deref()
                .unwrap_or(default_machine_name),
        );
        ExecutionInfo {
            machine,
            name: options.name.clone().map(OnceLock::from).unwrap_or_default(),
            id: options
                .execution_arn
                .clone()
                .map(OnceLock::from)
                .unwrap_or_default(),
            input,
            start: options.start_time.map_or(Start::Read(now), Start::Given),
            started,
            express: options.express,
            redrive_count: 0,
            mock: options.mock.clone(),
        }
    }

    /// An execution read back from a store, with the identifiers it was started with.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn stored(
        id: String,
        name: String,
        state_machine_arn: &str,
        state_machine_name: String,
        role_arn: String,
        input: Arc<Value>,
        start_time: DateTime<Utc>,
        redrive_count: u32,
    ) -> Self {
        let prefix = state_machine_arn
            .split(":stateMachine:")
            .next()
            .unwrap_or_default();
        ExecutionInfo {
            machine: Arc::new(MachineIds {
                prefix: prefix.to_string(),
                name: state_machine_name,
                arn: state_machine_arn.to_string(),
                role_arn,
            }),
            name: OnceLock::from(name),
            id: OnceLock::from(id),
            input: Some(input),
            start: Start::Given(start_time),
            started: tokio::time::Instant::now(),
            express: false,
            redrive_count,
            mock: None,
        }
    }

    /// The execution's input (`null` when it was not kept).
    pub fn input(&self) -> &Value {
        self.input.as_deref().unwrap_or(&Value::Null)
    }

    /// The execution's input, shared.
    pub(crate) fn shared_input(&self) -> Arc<Value> {
        self.input.clone().unwrap_or_else(|| Arc::new(Value::Null))
    }

    /// Execution ARN (`$$.Execution.Id`).
    pub fn id(&self) -> &str {
        self.id.get_or_init(|| {
            let m = &*self.machine;
            let name = self.name();
            if self.express {
                let mut buf = uuid::Uuid::encode_buffer();
                let run = random_uuid().hyphenated().encode_lower(&mut buf);
                concat(&[&[&m.prefix, ":express:", &m.name, ":", name, ":", run]])
            } else {
                concat(&[&[&m.prefix, ":execution:", &m.name, ":", name]])
            }
        })
    }

    /// Execution name: given, or a UUID. A stored (Standard) execution's default name is
    /// time-ordered (version 7, from its start time), so the store's indexes on ARNs grow at
    /// their end: with random names each start dirtied pages all over them (about four
    /// written pages per start). Express executions are not stored: a random one.
    pub fn name(&self) -> &str {
        self.name.get_or_init(|| {
            let id = if self.express {
                random_uuid()
            } else {
                time_ordered_uuid(self.start_time())
            };
            id.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer())
                .to_string()
        })
    }

    /// Start time (`$$.Execution.StartTime`).
    pub fn start_time(&self) -> DateTime<Utc> {
        match self.start {
            Start::Read(nanos) => DateTime::from_timestamp_nanos(nanos),
            Start::Given(t) => t,
        }
    }

    /// The runtime's instant at the start (of this process's run of it).
    pub(crate) fn started(&self) -> tokio::time::Instant {
        self.started
    }

    /// Role ARN (`$$.Execution.RoleArn`).
    pub fn role_arn(&self) -> &str {
        &self.machine.role_arn
    }

    /// State machine ARN.
    pub fn state_machine_id(&self) -> &str {
        &self.machine.arn
    }

    /// State machine name.
    pub fn state_machine_name(&self) -> &str {
        &self.machine.name
    }

    /// Replaces the execution ARN (TestState's has no trailing id).
    pub(crate) fn set_id(&mut self, id: String) {
        self.id = OnceLock::from(id);
    }

    /// Replaces the role ARN (TestState's request gives one).
    pub(crate) fn set_role_arn(&mut self, role_arn: String) {
        Arc::make_mut(&mut self.machine).role_arn = role_arn;
    }

    /// A Distributed Map's child execution (MAP-17): its state machine is
    /// `<machine>/<label>` (the Map Run's label, or its generated one), its name a UUID, its
    /// ARN `…:execution:<machine>/<label>:<name>` (`…:express:…:<name>:<id>` for EXPRESS
    /// children), as AWS's IAM reference forms them.
    pub(crate) fn map_child(
        &self,
        label: &str,
        name: Option<String>,
        input: Arc<Value>,
        express: bool,
    ) -> Self {
        let m = &*self.machine;
        let (now, started) = crate::clock::reading();
        ExecutionInfo {
            machine: Arc::new(MachineIds::new(
                m.prefix.clone(),
                format!("{}/{label}", m.name),
                m.role_arn.clone(),
            )),
            name: name.map(OnceLock::from).unwrap_or_default(),
            id: OnceLock::new(),
            input: Some(input),
            start: Start::Read(now),
            started,
            express,
            redrive_count: 0,
            mock: self.mock.clone(),
        }
    }

    /// The context object's `Execution` and `StateMachine` members.
    pub fn base_context(&self) -> Map<String, Value> {
        let mut exec = Map::new();
        exec.insert("Id".into(), self.id().into());
        exec.insert("Input".into(), self.input().clone());
        exec.insert("StartTime".into(), timestamp(self.start_time()).into());
        exec.insert("Name".into(), self.name().into());
        exec.insert("RoleArn".into(), self.role_arn().into());
        if !self.express {
            exec.insert("RedriveCount".into(), self.redrive_count.into());
        }
        let mut m = Map::new();
        m.insert("Execution".into(), Value::Object(exec));
        m.insert(
            "StateMachine".into(),
            json!({"Id": self.state_machine_id(), "Name": self.state_machine_name()}),
        );
        m
    }
}

/// The pieces joined, allocated once.
fn concat(parts: &[&[&str]]) -> String {
    let len = parts.iter().flat_map(|p| p.iter()).map(|p| p.len()).sum();
    let mut s = String::with_capacity(len);
    for p in parts.iter().flat_map(|p| p.iter()) {
        s.push_str(p);
    }
    s
}

/// A version-4 UUID from the thread-local generator (no system call per execution).
fn random_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// A version-7 UUID (milliseconds since the epoch, then random bits): names in the order
/// executions start, so a store's indexes on execution ARNs (and a history clustered by
/// them) grow at their end instead of at random places, which keeps each commit to a few
/// pages.
fn time_ordered_uuid(now: DateTime<Utc>) -> uuid::Uuid {
    let millis = u64::try_from(now.timestamp_millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random()).into_uuid()
}

/// ISO 8601 with milliseconds... trimmed as AWS does (CTX-8): 0, 3, 6 or 9 fraction digits.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_the_machine_and_execution() {
        let input = Arc::new(Value::Null);
        let standard =
            ExecutionInfo::new(&RunOptions::default().name("n1"), "m", Some(input.clone()));
        assert_eq!(
            standard.id(),
            "arn:aws:states:us-east-1:123456789012:execution:m:n1"
        );
        assert_eq!(
            standard.state_machine_id(),
            "arn:aws:states:us-east-1:123456789012:stateMachine:m"
        );
        assert_eq!(
            standard.role_arn(),
            "arn:aws:iam::123456789012:role/StepFunctionsRole"
        );
        let express = RunOptions {
            express: true,
            partition: "aws-cn".into(),
            ..RunOptions::default()
        };
        let express = ExecutionInfo::new(&express, "m", Some(input));
        let prefix = format!(
            "arn:aws-cn:states:us-east-1:123456789012:express:m:{}:",
            express.name()
        );
        let run = express.id().strip_prefix(&prefix).expect("express ARN");
        assert!(uuid::Uuid::parse_str(run).is_ok(), "{}", express.id());
        assert!(uuid::Uuid::parse_str(express.name()).is_ok());
    }

    #[test]
    fn default_names_are_time_ordered() {
        let a = ExecutionInfo::new(&RunOptions::default(), "m", None);
        let id = uuid::Uuid::parse_str(a.name()).expect("a UUID");
        assert_eq!(id.get_version_num(), 7);
        let (secs, _) = id.get_timestamp().expect("timestamp").to_unix();
        assert!((secs as i64 - a.start_time().timestamp()).abs() <= 1);
    }
}
