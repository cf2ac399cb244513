//! The schedule runner: fires the due schedules of this engine's workflows, each fire once
//! across every engine on the store (see the [module docs](super) for the protocol).

use chrono::{DateTime, Utc};

use super::super::api::{EngineError, StartOptions};
use super::super::engine::Engine;
use super::{Schedules, execution_name, timing};
use crate::store::{ScheduleRecord, ScheduleState};

/// Aborts the task it holds when dropped: a runner lives as long as the loop that started it.
pub(crate) struct Runner(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for Runner {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Engine {
    /// Fires schedules until [`Engine::shutdown`]: those of the workflows registered on this
    /// engine, whichever process created them. [`Engine::run`] does this too; call this in a
    /// process that fires schedules without claiming executions (the executions it starts
    /// run here, as [`Engine::start`]'s do).
    pub async fn run_schedules(&self) -> Result<(), EngineError> {
        let mut shutdown = self.inner.shutdown.subscribe();
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            let wake = self.inner.schedule_wake.notified();
            tokio::pin!(wake);
            wake.as_mut().enable();
            let poll = crate::clock::now()
                + chrono::Duration::from_std(self.inner.schedule_poll)
                    .unwrap_or(chrono::Duration::seconds(10));
            let until = match self.fire_due().await {
                Ok(Some(next)) => next.min(poll),
                Ok(None) => poll,
                Err(e) => {
                    tracing::warn!(error = %e, "reading schedules failed; retrying");
                    poll
                }
            };
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = &mut wake => {}
                _ = crate::clock::sleep_until(until) => {}
            }
        }
    }

    /// Starts the runner beside a worker loop.
    pub(crate) fn spawn_schedule_runner(&self) -> Runner {
        let engine = self.clone();
        Runner(tokio::spawn(async move {
            if let Err(e) = engine.run_schedules().await {
                tracing::warn!(error = %e, "schedule runner ended");
            }
        }))
    }

    /// Fires every due schedule of this engine's workflows; the earliest next fire after.
    async fn fire_due(&self) -> Result<Option<DateTime<Utc>>, EngineError> {
        let now = crate::clock::now();
        let mut earliest: Option<DateTime<Utc>> = None;
        for r in self.inner.shared.store.schedules().await? {
            let ours = self.inner.workflows.contains_key(&r.workflow) && !r.workflow.contains('#');
            if r.state != ScheduleState::Enabled || !ours {
                continue;
            }
            let Some(at) = r.next_fire else { continue };
            let next = if at <= now {
                match self.fire(&r, at, now).await {
                    Ok(next) => next,
                    Err(e) => {
                        // Left due: the next pass tries again.
                        tracing::warn!(schedule = %r.name, error = %e, "schedule fire failed");
                        None
                    }
                }
            } else {
                Some(at)
            };
            earliest = match (earliest, next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(earliest)
    }

    /// Fires `r` for its fire at `at`: starts the execution (idempotent by name), then claims
    /// the fire in the store, moving the next fire past `now` (at most one catch-up fire).
    /// Returns the next fire.
    async fn fire(
        &self,
        r: &ScheduleRecord,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        let api = Schedules::of(
            std::sync::Arc::clone(&self.inner.shared.store),
            self.inner.identity.clone(),
        );
        let name = execution_name(&r.name, at);
        let input = api.fire_input(r, at);
        let next = timing(r)?.after(now.max(at));
        // An EXPRESS execution is not stored, so its start is not idempotent by name: the
        // fire is claimed first, and only the worker that claimed it starts it (a crash in
        // between loses that fire, as an Express execution in flight is lost).
        if self.workflow_type(&r.workflow) == super::super::WorkflowType::Express {
            let claimed = self
                .inner
                .shared
                .store
                .advance_schedule(&r.name, at, next)
                .await?;
            if claimed {
                self.start(
                    &r.workflow,
                    input,
                    StartOptions::default().name(name.clone()),
                )
                .await?;
                tracing::info!(schedule = %r.name, execution = %name, "schedule fired");
            }
            return Ok(next);
        }
        match self
            .start(
                &r.workflow,
                input,
                StartOptions::default().name(name.clone()),
            )
            .await
        {
            // Started here, or by another worker (the same name and input while it runs).
            Ok(_) => {}
            // Started by another worker and already ended (or the name was taken otherwise):
            // this fire has its execution.
            Err(EngineError::ExecutionAlreadyExists(_)) => {}
            Err(e) => return Err(e),
        }
        let claimed = self
            .inner
            .shared
            .store
            .advance_schedule(&r.name, at, next)
            .await?;
        if claimed {
            tracing::info!(schedule = %r.name, execution = %name, "schedule fired");
        }
        Ok(next)
    }
}
