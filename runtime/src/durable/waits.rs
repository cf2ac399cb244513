//! Which tasks of this process wait on what, so that a change wakes the tasks waiting on it
//! and no others: callback tasks on their task tokens (TASK-4), Distributed Maps on their
//! Map Run children (MAP-17). Each woken task reads what it waits on from the store: waking
//! every waiting task on each answer (as one shared `Notify` did) made an answer cost a store
//! read per waiting execution, 27–46 ms among 10,000 (`open_tokens --held`). Changes made by
//! other processes are found by [`poll`]: one store call per poll interval for everything
//! waited on here (each waiting task read its own token, or child with a backoff, before:
//! about 12 reads per child of a 30,000-child Map over three workers on Postgres).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use super::engine::Shared;
use crate::store::StoreFuture;

/// The most keys [`poll`] asks the store about in one call.
const POLLED_AT_ONCE: usize = 1000;

/// What a [`poll`] looks for.
#[derive(Clone, Copy)]
pub(super) enum Polled {
    /// Task tokens no longer waiting (answered in another process, timed out, closed).
    Tokens,
    /// Map Run children that ended (run by other workers: one ending here wakes its wait at
    /// once).
    Children,
}

impl Polled {
    fn waits(self, shared: &Shared) -> &Waits {
        match self {
            Polled::Tokens => &shared.tokens,
            Polled::Children => &shared.children,
        }
    }

    /// Of `keys`, those still waited for in the store.
    fn pending<'a>(self, shared: &'a Shared, keys: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        match self {
            Polled::Tokens => shared.store.waiting_among(keys),
            Polled::Children => shared.store.running_among(keys),
        }
    }

    fn what(self) -> &'static str {
        match self {
            Polled::Tokens => "task tokens answered in other processes",
            Polled::Children => "Map Run children ended by other workers",
        }
    }
}

/// Every poll interval, asks the store which of the keys `polled` waits on here are no longer
/// pending and wakes their tasks; idle while nothing is waited on; ends with the engine.
pub(super) async fn poll(shared: Weak<Shared>, polled: Polled) {
    let mut failing = false;
    loop {
        let Some(period) = shared.upgrade().map(|s| s.poll_interval) else {
            return;
        };
        tokio::time::sleep(period.max(Duration::from_millis(1))).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let waits = polled.waits(&shared);
        let keys = waits.keys();
        if keys.is_empty() {
            // Idle until something is waited on (a permit is kept if that came meanwhile),
            // holding no engine.
            let registered = Arc::clone(&waits.registered);
            drop(shared);
            registered.notified().await;
            continue;
        }
        for keys in keys.chunks(POLLED_AT_ONCE) {
            match polled.pending(&shared, keys).await {
                Ok(pending) => {
                    failing = false;
                    let pending: HashSet<&str> = pending.iter().map(String::as_str).collect();
                    for k in keys.iter().filter(|k| !pending.contains(k.as_str())) {
                        waits.wake(k);
                    }
                }
                Err(e) => {
                    // The tasks wait on; each looks itself at its deadline, or after a long
                    // while. Said once per run of failures.
                    if !std::mem::replace(&mut failing, true) {
                        tracing::warn!(error = %e.detail(),
                            "looking for {} failed; trying again every poll interval",
                            polled.what());
                    }
                    break;
                }
            }
        }
    }
}

/// Each waited-on key's wake-up, and how many waits share it.
type ByKey = HashMap<Box<str>, (Arc<Notify>, usize)>;

/// The waits on one kind of key (task tokens, child executions) in this process.
#[derive(Default)]
pub(crate) struct Waits {
    by_key: Mutex<ByKey>,
    /// Told of each new wait, and when the waits go (the engine is gone): [`poll`] sleeps
    /// on it while nothing is waited on.
    registered: Arc<Notify>,
}

impl Drop for Waits {
    fn drop(&mut self) {
        self.registered.notify_one();
    }
}

impl Waits {
    fn lock(&self) -> std::sync::MutexGuard<'_, ByKey> {
        self.by_key.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a wait on `key`, until the returned guard is dropped.
    pub(crate) fn register(&self, key: &str) -> Wait<'_> {
        let notify = {
            let mut by_key = self.lock();
            let entry = by_key
                .entry(key.into())
                .or_insert_with(|| (Arc::new(Notify::new()), 0));
            entry.1 += 1;
            Arc::clone(&entry.0)
        };
        self.registered.notify_one();
        Wait {
            waits: self,
            key: key.into(),
            notify,
        }
    }

    /// Wakes the tasks waiting on `key` (it changed in the store): whether any waits here.
    pub(crate) fn wake(&self, key: &str) -> bool {
        let notify = self.lock().get(key).map(|(n, _)| Arc::clone(n));
        match notify {
            Some(n) => {
                n.notify_waiters();
                true
            }
            None => false,
        }
    }

    /// Wakes every waiting task (an execution was stopped, or answers may have gone unseen):
    /// each looks again at what it waits on.
    pub(crate) fn wake_all(&self) {
        let all: Vec<Arc<Notify>> = self.lock().values().map(|(n, _)| Arc::clone(n)).collect();
        for n in all {
            n.notify_waiters();
        }
    }

    /// The keys waited on.
    fn keys(&self) -> Vec<String> {
        self.lock().keys().map(|k| k.to_string()).collect()
    }

    /// How many keys are waited on (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A registered wait on one key: [`Wait::notify`] is woken when what it names changes.
pub(crate) struct Wait<'a> {
    waits: &'a Waits,
    key: Box<str>,
    notify: Arc<Notify>,
}

impl Wait<'_> {
    /// What wakes this wait: enable a `notified()` before reading from the store, so a change
    /// made after the read is not missed.
    pub(crate) fn notify(&self) -> Arc<Notify> {
        Arc::clone(&self.notify)
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        let mut by_key = self.waits.lock();
        if let Some(entry) = by_key.get_mut(&self.key) {
            entry.1 -= 1;
            if entry.1 == 0 {
                by_key.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether `wait` is woken within a moment after `action` (its `notified()` enabled first,
    /// as `wait_token` does).
    async fn woken(wait: &Wait<'_>, action: impl FnOnce()) -> bool {
        let notify = wait.notify();
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        action();
        tokio::time::timeout(Duration::from_millis(50), notified)
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn an_answer_wakes_the_wait_on_its_token_only() {
        let waits = Waits::default();
        let a = waits.register("a");
        let b = waits.register("b");
        assert!(woken(&a, || assert!(waits.wake("a"))).await);
        assert!(!woken(&b, || assert!(waits.wake("a"))).await);
        assert!(!woken(&a, || assert!(!waits.wake("c"))).await);
        assert!(woken(&b, || waits.wake_all()).await);
        assert!(woken(&a, || waits.wake_all()).await);
    }

    #[tokio::test]
    async fn a_token_is_forgotten_when_its_last_wait_ends() {
        let waits = Waits::default();
        let first = waits.register("t");
        let second = waits.register("t");
        assert!(woken(&second, || assert!(waits.wake("t"))).await);
        drop(first);
        assert_eq!(waits.len(), 1);
        assert!(woken(&second, || assert!(waits.wake("t"))).await);
        drop(second);
        assert_eq!(waits.len(), 0);
        assert!(!waits.wake("t"));
    }
}
