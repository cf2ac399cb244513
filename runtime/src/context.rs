//! The execution's identity and the context object (`$$`, CTX-*).

use std::sync::Arc;

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
#[derive(Debug, Clone)]
pub struct ExecutionInfo {
    /// Execution ARN.
    pub id: String,
    /// Execution name.
    pub name: String,
    /// Original input.
    pub input: Arc<Value>,
    /// Start time.
    pub start_time: DateTime<Utc>,
    /// Role ARN.
    pub role_arn: String,
    /// State machine ARN.
    pub state_machine_id: String,
    /// State machine name.
    pub state_machine_name: String,
    /// Express execution.
    pub express: bool,
    /// Times the execution was redriven (`$$.Execution.RedriveCount`).
    pub redrive_count: u32,
    /// What answers Task states in place of their handlers, if anything ([`RunOptions::mock`]).
    pub mock: Option<Arc<dyn TaskMock>>,
}

impl ExecutionInfo {
    /// Resolves the options for a machine called `default_machine_name`.
    pub fn new(options: &RunOptions, default_machine_name: &str, input: Arc<Value>) -> Self {
        let machine = options
            .state_machine_name
            .clone()
            .unwrap_or_else(|| default_machine_name.to_string());
        // A stored (Standard) execution's default name is time-ordered, so the store's
        // indexes on ARNs grow at their end: with random names each start dirtied pages all
        // over them (about four written pages per start). Express executions are not stored.
        // One clock read for the start time and a time-ordered name.
        let now = crate::clock::now();
        let name = options.name.clone().unwrap_or_else(|| {
            let id = if options.express {
                random_uuid()
            } else {
                time_ordered_uuid(now)
            };
            id.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer())
                .to_string()
        });
        // Joined by hand: `format!` took a tenth of a small Express execution's time.
        let p = options.partition.as_str();
        let (r, a) = (options.region.as_str(), options.account.as_str());
        let prefix = ["arn:", p, ":states:", r, ":", a];
        let id = if options.express {
            let mut buf = uuid::Uuid::encode_buffer();
            let run = random_uuid().hyphenated().encode_lower(&mut buf);
            concat(&[&prefix[..], &[":express:", &machine, ":", &name, ":", run]])
        } else {
            concat(&[&prefix[..], &[":execution:", &machine, ":", &name]])
        };
        ExecutionInfo {
            id,
            name,
            input,
            start_time: options.start_time.unwrap_or(now),
            role_arn: options
                .role_arn
                .clone()
                .unwrap_or_else(|| concat(&[&["arn:", p, ":iam::", a, ":role/StepFunctionsRole"]])),
            state_machine_id: concat(&[&prefix[..], &[":stateMachine:", &machine]]),
            state_machine_name: machine,
            express: options.express,
            redrive_count: 0,
            mock: options.mock.clone(),
        }
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
        let prefix = self
            .state_machine_id
            .split(":stateMachine:")
            .next()
            .unwrap_or_default();
        let machine = format!("{}/{label}", self.state_machine_name);
        let name = name.unwrap_or_else(|| time_ordered_uuid(crate::clock::now()).to_string());
        let id = if express {
            format!("{prefix}:express:{machine}:{name}:{}", random_uuid())
        } else {
            format!("{prefix}:execution:{machine}:{name}")
        };
        ExecutionInfo {
            id,
            name,
            input,
            start_time: crate::clock::now(),
            role_arn: self.role_arn.clone(),
            state_machine_id: format!("{prefix}:stateMachine:{machine}"),
            state_machine_name: machine,
            express,
            redrive_count: 0,
            mock: self.mock.clone(),
        }
    }

    /// The context object's `Execution` and `StateMachine` members.
    pub fn base_context(&self) -> Map<String, Value> {
        let mut exec = Map::new();
        exec.insert("Id".into(), self.id.clone().into());
        exec.insert("Input".into(), (*self.input).clone());
        exec.insert("StartTime".into(), timestamp(self.start_time).into());
        exec.insert("Name".into(), self.name.clone().into());
        exec.insert("RoleArn".into(), self.role_arn.clone().into());
        if !self.express {
            exec.insert("RedriveCount".into(), self.redrive_count.into());
        }
        let mut m = Map::new();
        m.insert("Execution".into(), Value::Object(exec));
        m.insert(
            "StateMachine".into(),
            json!({"Id": self.state_machine_id, "Name": self.state_machine_name}),
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
        let standard = ExecutionInfo::new(&RunOptions::default().name("n1"), "m", input.clone());
        assert_eq!(
            standard.id,
            "arn:aws:states:us-east-1:123456789012:execution:m:n1"
        );
        assert_eq!(
            standard.state_machine_id,
            "arn:aws:states:us-east-1:123456789012:stateMachine:m"
        );
        assert_eq!(
            standard.role_arn,
            "arn:aws:iam::123456789012:role/StepFunctionsRole"
        );
        let express = RunOptions {
            express: true,
            partition: "aws-cn".into(),
            ..RunOptions::default()
        };
        let express = ExecutionInfo::new(&express, "m", input);
        let prefix = format!(
            "arn:aws-cn:states:us-east-1:123456789012:express:m:{}:",
            express.name
        );
        let run = express.id.strip_prefix(&prefix).expect("express ARN");
        assert!(uuid::Uuid::parse_str(run).is_ok(), "{}", express.id);
        assert!(uuid::Uuid::parse_str(&express.name).is_ok());
    }

    #[test]
    fn default_names_are_time_ordered() {
        let a = ExecutionInfo::new(&RunOptions::default(), "m", Arc::new(Value::Null));
        let id = uuid::Uuid::parse_str(&a.name).expect("a UUID");
        assert_eq!(id.get_version_num(), 7);
        let (secs, _) = id.get_timestamp().expect("timestamp").to_unix();
        assert!((secs as i64 - a.start_time.timestamp()).abs() <= 1);
    }
}
