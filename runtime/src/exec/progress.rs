//! A durable Map's or Parallel's progress: finished iterations and branches are committed,
//! and not run again when the execution resumes.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{Done, Durability, Exec, StateRun};
use crate::error::Failure;

/// A durable top-level Map's or Parallel's progress: iterations and branches finished before
/// a restart are not run again (their results come from the store, their events are replayed),
/// and each one that finishes now is committed.
pub(super) struct Progress {
    pub(super) durable: Option<(Arc<dyn Durability>, String)>,
    pub(super) finished: Mutex<std::collections::HashMap<usize, Done>>,
}

impl Progress {
    pub(super) fn of(run: &StateRun) -> Progress {
        match (&run.exec.journal, run.exec.durable()) {
            (Some(j), true) => {
                // One scope per visit and attempt: a retried Map runs every iteration again.
                let scope = format!("{}@{}.{}", run.name, j.seq(), run.retry_count);
                Progress {
                    finished: Mutex::new(j.finished(&scope)),
                    durable: Some((Arc::clone(j), scope)),
                }
            }
            _ => Progress {
                durable: None,
                finished: Mutex::new(Default::default()),
            },
        }
    }

    /// The result of iteration `i` if it finished before a restart (its events re-recorded).
    pub(super) fn replay(&self, exec: &Exec, i: usize) -> Option<Value> {
        self.durable.as_ref()?;
        let (value, events) = self
            .finished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&i)?;
        exec.replay(&events);
        Some(value)
    }

    /// Names iteration `i` (in idempotency keys).
    pub(super) fn label(&self, name: &str, i: usize) -> String {
        match &self.durable {
            Some((_, scope)) => format!("{scope}[{i}]"),
            None => format!("{name}[{i}]"),
        }
    }

    /// Where iteration `i` records its events.
    pub(super) fn target(&self, exec: &Arc<Exec>, i: usize) -> Arc<Exec> {
        match &self.durable {
            Some(_) => exec.branch(&self.label("", i), true, false),
            None => Arc::clone(exec),
        }
    }

    /// Where Parallel branch `i` records its events.
    pub(super) fn branch_target(&self, exec: &Arc<Exec>, i: usize) -> Arc<Exec> {
        exec.branch(&self.label("", i), self.durable.is_some(), true)
    }

    /// Commits a successful iteration.
    pub(super) async fn finished(
        &self,
        i: usize,
        r: &Result<Value, Failure>,
        target: &Exec,
    ) -> Result<(), Failure> {
        match (&self.durable, r) {
            (Some((journal, scope)), Ok(v)) => {
                journal
                    .finish_iteration(scope, i, v, &target.take_captured())
                    .await
            }
            _ => Ok(()),
        }
    }
}
