//! The engine's registered workflows as AWS's API shows state machines (type, ARN,
//! definition), and synchronous Express executions (StartSyncExecution).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::api::{EngineError, ExecutionId, HistoryEvent, StartOptions, validate_name};
use super::engine::Engine;
use crate::context::{ExecutionInfo, RunOptions};
use crate::error::Status;

/// A state machine's type, as AWS's `CreateStateMachine` fixes it: how `start` runs its
/// executions (EXEC-1, EXEC-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WorkflowType {
    /// Durable executions with a stored history (the default).
    #[default]
    Standard,
    /// In-memory executions without a stored history; the only type `start_sync` runs.
    Express,
}

impl WorkflowType {
    /// AWS's name: `STANDARD` or `EXPRESS`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowType::Standard => "STANDARD",
            WorkflowType::Express => "EXPRESS",
        }
    }
}

/// A registered workflow as `DescribeStateMachine` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowInfo {
    /// The name it was registered under (the state machine name).
    pub name: String,
    /// Its state machine ARN.
    pub arn: String,
    /// `STANDARD` or `EXPRESS`.
    pub kind: WorkflowType,
    /// The Amazon States Language definition it was compiled from.
    pub definition: &'static str,
    /// Its graph, when the generated module carries one.
    pub graph: Option<&'static asl_graph::Graph>,
    /// When the engine registering it was built.
    pub created: DateTime<Utc>,
}

/// The outcome of a synchronous Express execution (StartSyncExecution).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncExecution {
    /// The execution ARN (an `express:` ARN).
    pub execution_id: ExecutionId,
    /// The execution name.
    pub name: String,
    /// The state machine ARN.
    pub state_machine_arn: String,
    /// `SUCCEEDED`, `FAILED` or `TIMED_OUT`.
    pub status: Status,
    /// The input.
    pub input: Value,
    /// The output, when it succeeded.
    pub output: Option<Value>,
    /// Error name.
    pub error: Option<String>,
    /// Cause.
    pub cause: Option<String>,
    /// Start.
    pub start_date: DateTime<Utc>,
    /// End.
    pub stop_date: DateTime<Utc>,
    /// Its history, as `history()` gives a stored one.
    pub history: Vec<HistoryEvent>,
}

impl Engine {
    /// The registered workflows, by name (ListStateMachines). Map Run children, registered
    /// with their parents, are not state machines of their own.
    pub fn workflows(&self) -> Vec<WorkflowInfo> {
        let mut all: Vec<WorkflowInfo> = self
            .inner
            .workflows
            .keys()
            .filter_map(|name| self.workflow(name))
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// One registered workflow (DescribeStateMachine).
    pub fn workflow(&self, name: &str) -> Option<WorkflowInfo> {
        if name.contains('#') {
            return None;
        }
        let machine = self.inner.workflows.get(name)?;
        Some(WorkflowInfo {
            name: name.to_string(),
            arn: self.machine_arn(name),
            kind: self.workflow_type(name),
            definition: machine.definition(),
            graph: machine.graph(),

            created: self.inner.created,
        })
    }

    /// Partition, region and account of the ARNs this engine makes.
    pub fn identity(&self) -> &RunOptions {
        &self.inner.identity
    }

    pub(super) fn workflow_type(&self, name: &str) -> WorkflowType {
        self.inner.types.get(name).copied().unwrap_or_default()
    }

    /// Runs an Express execution of `workflow` to its end and returns it with its history
    /// (StartSyncExecution, EXEC-2). Nothing is stored or kept: the result is the record.
    /// Fails with `StateMachineTypeNotSupported` for a `STANDARD` workflow.
    pub async fn start_sync(
        &self,
        workflow: &str,
        input: Value,
        options: StartOptions,
    ) -> Result<SyncExecution, EngineError> {
        let machine = Arc::clone(self.machine(workflow)?);
        if self.workflow_type(workflow) != WorkflowType::Express {
            return Err(EngineError::StateMachineTypeNotSupported(
                self.machine_arn(workflow),
            ));
        }
        if let Some(n) = &options.name {
            validate_name(n)?;
        }
        let mut run = self.inner.identity.clone();
        run.name = options.name.clone();
        run.state_machine_name = Some(workflow.to_string());
        run.start_time = None;
        run.express = true;
        run.mock = options.mock.clone();
        let info = ExecutionInfo::new(&run, workflow, Some(Arc::new(input.clone())));
        run.name = Some(info.name().to_string());
        run.execution_arn = Some(info.id().to_string());
        run.start_time = Some(info.start_time());
        let recorded = machine.express(input.clone(), run).await;
        let stop_date = crate::clock::now();
        let (status, output, error, cause) = match recorded.result {
            Ok(v) => (Status::Succeeded, Some(v), None, None),
            Err(e) => (
                e.status(),
                None,
                e.error().map(str::to_string),
                e.cause().map(str::to_string),
            ),
        };
        let history = recorded
            .history
            .into_iter()
            .map(|e| HistoryEvent {
                previous_event_id: e.previous_event_id,
                id: e.id,
                timestamp: e.timestamp,
                kind: e.kind.to_string(),
                state: e.state.map(str::to_string),
                details: e.details,
            })
            .collect();
        Ok(SyncExecution {
            execution_id: ExecutionId(info.id().to_string()),
            name: info.name().to_string(),
            state_machine_arn: info.state_machine_id().to_string(),
            status,
            input,
            output,
            error,
            cause,
            start_date: info.start_time(),
            stop_date,
            history,
        })
    }
}
