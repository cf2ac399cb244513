//! Distributed Maps on the engine (MAP-17): a durable execution's top-level Distributed Map
//! with `STANDARD` children runs each item (or batch) as a stored child execution of its Map
//! Run, which any worker on the store claims; the parent's Map waits for them (at most
//! `MaxConcurrency` unfinished at once, across workers), and Map Runs are stored for
//! [`Engine::describe_map_run`] and [`Engine::list_map_runs`].
//!
//! A child is named after its Map Run and index (a UUID derived from both), so a parent that
//! resumes after a crash finds the children it had started, and a redriven parent redrives
//! only those that failed, timed out or were aborted.

use std::sync::Arc;

use serde_json::Value;

use super::api::EngineError;
use super::engine::Engine;
use super::machine::Machine;
use super::worker::lease_until;
use crate::context::{ExecutionInfo, RunOptions};
use crate::error::{ExecutionError, Failure, Status};
use crate::exec::{BoxFuture, Exec, MapRun, MapRunCounts, Recorded, Vars};
use crate::store::{Created, ExecutionRecord, MapRunRecord};

/// The processor of a top-level Distributed Map, registered as `<workflow>#<Map state>`: what
/// workers run for its child executions.
pub(super) struct ChildMachine {
    pub(super) parent: Arc<dyn Machine>,
    pub(super) scope: &'static str,
}

impl Machine for ChildMachine {
    fn default_name(&self) -> &'static str {
        self.parent.default_name()
    }

    fn timeout_seconds(&self) -> Option<u64> {
        None
    }

    fn resume(
        &self,
        exec: Arc<Exec>,
        state: Option<&str>,
        input: Value,
        vars: Vars,
    ) -> Option<BoxFuture<'static, Result<Value, Failure>>> {
        self.parent
            .resume_child(self.scope, exec, state, input, vars)
    }

    fn express(&self, _input: Value, _options: RunOptions) -> BoxFuture<'static, Recorded> {
        // Never started on its own: `Engine::start` refuses `…#…` names.
        Box::pin(async {
            Recorded {
                result: Err(ExecutionError::new(
                    Status::Failed,
                    Some(crate::error::names::RUNTIME.into()),
                    Some("a Map processor runs only as a Map Run's child".into()),
                )),
                history: Vec::new(),
                map_runs: Vec::new(),
            }
        })
    }
}

/// A Distributed Map's child to run as a stored execution.
pub(crate) struct MapChild {
    /// The parent's registered workflow.
    pub(crate) workflow: String,
    /// The Map state.
    pub(crate) scope: &'static str,
    /// Its Map Run.
    pub(crate) map_run: String,
    /// The child's identity.
    pub(crate) info: ExecutionInfo,
    /// How many items it processes.
    pub(crate) items: u64,
    /// The parent's redrive count: a failed child redriven fewer times is redriven.
    pub(crate) redrive_count: u32,
}

impl Engine {
    /// Whether `workflow`'s Map state `scope` runs its children as stored executions here.
    pub(crate) fn runs_map_children(&self, workflow: &str, scope: &str) -> bool {
        self.inner
            .workflows
            .contains_key(&format!("{workflow}#{scope}"))
    }

    /// Runs a child as a stored execution (created unleased, so any worker may claim it; this
    /// process claims children too) and waits for its end: its output or its failure.
    pub(crate) async fn run_map_child(&self, child: MapChild) -> Result<Value, Failure> {
        let store = &self.inner.shared.store;
        let workflow = format!("{}#{}", child.workflow, child.scope);
        let info = child.info;
        // The parent's mock test case answers its children's Task states too.
        if let Some(m) = &info.mock {
            self.inner
                .mocks()
                .insert(info.id().to_string(), Arc::clone(m));
        }
        let record = ExecutionRecord {
            id: info.id().to_string(),
            workflow: workflow.clone(),
            name: info.name().to_string(),
            state_machine_arn: info.state_machine_id().to_string(),
            role_arn: info.role_arn().to_string(),
            status: Status::Running,
            input: info.input().clone(),
            output: None,
            error: None,
            cause: None,
            start_date: info.start_time(),
            stop_date: None,
            // Created during the parent's redrive N, it counts as redriven N times: a parent
            // that resumes after a crash within that redrive does not redrive it again.
            redrive_count: child.redrive_count,
            redrive_date: None,
            checkpoint: None,
            secret: format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
            map_run: Some(child.map_run.clone()),
            map_items: child.items,
        };
        let now = crate::clock::now();
        let created = match store.create(record, None, now).await {
            Ok(c) => c,
            Err(e) => {
                // Not created: nothing will run it with the mock.
                self.inner.mocks().remove(info.id());
                return Err(store_failure(e));
            }
        };
        match created {
            Created::New => {}
            Created::Existing(r) => {
                let unfinished = matches!(
                    r.status,
                    Status::Failed | Status::TimedOut | Status::Aborted
                );
                if unfinished && r.redrive_count < child.redrive_count {
                    // The parent was redriven: so is this child (MAP-14's redrive).
                    store
                        .redrive(&r.id, &self.inner.shared.worker, now, now)
                        .await
                        .map_err(store_failure)?;
                }
            }
        }
        self.claim_children();
        self.wait_child(info.id()).await
    }

    /// Waits for a child to end: woken at once when it ends in this process, or by the
    /// engine's poll (`waits::poll`) when another worker ended it; it reads the child once when it starts
    /// waiting and once per wake-up (or after a long while, should that poll have stopped).
    async fn wait_child(&self, id: &str) -> Result<Value, Failure> {
        let wait = self.inner.shared.children.register(id);
        let done = wait.notify();
        loop {
            let woken = done.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let record = self
                .inner
                .shared
                .store
                .get(id)
                .await
                .map_err(store_failure)?
                .ok_or_else(|| Failure::runtime(format!("the Map Run's child {id} is gone")))?;
            match record.status {
                Status::Running => {}
                Status::Succeeded => return Ok(record.output.unwrap_or(Value::Null)),
                _ => {
                    return Err(Failure::from_parts(
                        record
                            .error
                            .unwrap_or_else(|| crate::error::names::RUNTIME.to_string()),
                        record.cause,
                    ));
                }
            }
            let look_again = super::journal::look_again(&self.inner.shared);
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(look_again) => {}
            }
        }
    }

    /// Makes sure this process claims Map Run children of its workflows while any wait
    /// (workers running [`Engine::run`] claim them as well).
    fn claim_children(&self) {
        if self
            .inner
            .claiming_children
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else { return };
                if *inner.shutdown.borrow() {
                    inner
                        .claiming_children
                        .store(false, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
                let engine = Engine { inner };
                let scopes: Vec<String> = engine
                    .inner
                    .workflows
                    .keys()
                    .filter(|k| k.contains('#'))
                    .cloned()
                    .collect();
                let exclude: Vec<String> = engine.inner.running().keys().cloned().collect();
                // Enabled before the claim: a child made due while it runs is not missed.
                let shared = Arc::clone(&engine.inner.shared);
                let due = shared.due.notified();
                tokio::pin!(due);
                due.as_mut().enable();
                let claimed = engine
                    .inner
                    .shared
                    .store
                    .claim(
                        &engine.inner.shared.worker,
                        &scopes,
                        Some(&exclude),
                        crate::clock::now(),
                        lease_until(&engine.inner),
                        64,
                    )
                    .await;
                if let Ok(claimed) = claimed {
                    for r in claimed {
                        engine.spawn_claimed(r.id);
                    }
                }
                let poll = engine.inner.shared.poll_interval;
                drop(engine);
                tokio::select! {
                    _ = due => {}
                    _ = tokio::time::sleep(poll) => {}
                }
            }
        });
    }

    /// Stores a Map Run's description as it starts or ends.
    pub(crate) async fn put_map_run(&self, run: &MapRun, state_machine_arn: &str) {
        let record = MapRunRecord {
            arn: run.map_run_arn.clone(),
            execution: run.execution_arn.clone(),
            state_machine_arn: state_machine_arn.to_string(),
            status: run.status,
            start_date: run.start_date,
            stop_date: run.stop_date,
            max_concurrency: run.max_concurrency,
            tolerated_failure_count: run.tolerated_failure_count,
            tolerated_failure_percentage: run.tolerated_failure_percentage,
            redrive_count: run.redrive_count,
            redrive_date: run.redrive_date,
            counts: Some(serde_json::json!({
                "itemCounts": run.item_counts.to_json(),
                "executionCounts": run.execution_counts.to_json(),
            })),
        };
        if let Err(e) = self.inner.shared.store.put_map_run(record).await {
            tracing::warn!(map_run = %run.map_run_arn, error = %e, "storing the Map Run failed");
        }
    }

    /// A stored Map Run, as it was last stored.
    pub(crate) async fn stored_map_run(&self, arn: &str) -> Option<MapRunRecord> {
        self.inner.shared.store.map_run(arn).await.ok().flatten()
    }

    /// A Map Run (DescribeMapRun): its settings, status and counts of items and child
    /// executions by status. Children that are stored executions are counted as they stand.
    pub async fn describe_map_run(&self, arn: &str) -> Result<MapRun, EngineError> {
        let store = &self.inner.shared.store;
        let record = store
            .map_run(arn)
            .await?
            .ok_or_else(|| EngineError::ResourceNotFound(arn.to_string()))?;
        let children = store.map_run_children(arn).await?;
        Ok(describe(record, &children))
    }

    /// The Map Runs an execution started (ListMapRuns), oldest first.
    pub async fn list_map_runs(
        &self,
        execution: &super::ExecutionId,
    ) -> Result<Vec<MapRun>, EngineError> {
        let store = &self.inner.shared.store;
        let mut out = Vec::new();
        for record in store.map_runs(execution.as_str()).await? {
            let children = store.map_run_children(&record.arn).await?;
            out.push(describe(record, &children));
        }
        Ok(out)
    }

    /// Stops the running children of `execution`'s Map Runs (its stop reaches them).
    pub(super) async fn stop_map_children(&self, execution: &str) -> Result<(), EngineError> {
        let store = Arc::clone(&self.inner.shared.store);
        for run in store.map_runs(execution).await? {
            self.stop_map_run_children(&run.arn).await?;
            if run.status == crate::MapRunStatus::Running {
                let mut run = run;
                run.status = crate::MapRunStatus::Aborted;
                run.stop_date = Some(crate::clock::now());
                store.put_map_run(run).await?;
            }
        }
        Ok(())
    }

    /// Stops the running children of a Map Run: its execution stopped, or its Map ended
    /// without them (a failure, a tolerance exceeded), as AWS aborts them.
    pub(crate) async fn stop_map_run_children(&self, arn: &str) -> Result<(), EngineError> {
        let store = Arc::clone(&self.inner.shared.store);
        // Stopped children leave the RUNNING filter, so the first page is read again until
        // it holds only children already tried (one that could not be stopped is not retried).
        let mut tried = std::collections::HashSet::new();
        loop {
            let page = store
                .list(
                    None,
                    Some(Status::Running),
                    None,
                    Some(arn),
                    None,
                    1000,
                    None,
                )
                .await?;
            let mut progress = false;
            for child in page.executions {
                if !tried.insert(child.id.clone()) {
                    continue;
                }
                progress = true;
                let id = super::ExecutionId(child.id);
                // A child that ended meanwhile is left as it is.
                let _ = Box::pin(self.stop(&id, None, None)).await;
            }
            if !progress {
                return Ok(());
            }
        }
    }
}

/// A stored Map Run with its children counted: stored children by their status, the others
/// from the counts the Map stored.
fn describe(record: MapRunRecord, children: &[crate::store::MapRunChild]) -> MapRun {
    let stored = |key: &str| -> MapRunCounts {
        record
            .counts
            .as_ref()
            .and_then(|c| c.get(key))
            .map(MapRunCounts::from_json)
            .unwrap_or_default()
    };
    let (mut items, mut executions) = (stored("itemCounts"), stored("executionCounts"));
    if !children.is_empty() {
        items = MapRunCounts::default();
        executions = MapRunCounts::default();
        for c in children {
            for (counts, n) in [(&mut executions, 1), (&mut items, c.items)] {
                counts.total += n;
                match c.status {
                    Status::Running => counts.running += n,
                    Status::Succeeded => counts.succeeded += n,
                    Status::Failed => counts.failed += n,
                    Status::TimedOut => counts.timed_out += n,
                    Status::Aborted => counts.aborted += n,
                }
                if c.status != Status::Running {
                    counts.results_written += n;
                }
            }
        }
    }
    MapRun {
        map_run_arn: record.arn,
        execution_arn: record.execution,
        status: record.status,
        start_date: record.start_date,
        stop_date: record.stop_date,
        max_concurrency: record.max_concurrency,
        tolerated_failure_count: record.tolerated_failure_count,
        tolerated_failure_percentage: record.tolerated_failure_percentage,
        redrive_count: record.redrive_count,
        redrive_date: record.redrive_date,
        item_counts: items,
        execution_counts: executions,
    }
}

/// A store failure while running a child interrupts the parent (it resumes and waits again),
/// as any durable step whose store failed.
fn store_failure(e: crate::store::StoreError) -> Failure {
    Failure::interrupted(format!("the Map Run's store failed: {}", e.detail()))
}
