//! Which tasks of this process wait on which task token (TASK-4), so that an answer wakes the
//! one task waiting on its token. Each woken task reads its token from the store: waking every
//! waiting task on each answer (as one shared `Notify` did) made an answer cost a store read
//! per waiting execution, 27–46 ms among 10,000 (`open_tokens --held`). Answers given in
//! other processes are found by [`poll`]: one store call per poll interval for every token
//! waited on here (each waiting task read its own token every interval before).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use super::engine::Shared;

/// The most tokens [`poll`] asks the store about in one call.
const POLLED_AT_ONCE: usize = 1000;

/// Every poll interval, asks the store which of the tokens waited on here are no longer
/// waiting (answered in another process, timed out, closed) and wakes their tasks; ends with
/// the engine.
pub(super) async fn poll(shared: Weak<Shared>) {
    let mut failing = false;
    loop {
        let Some(period) = shared.upgrade().map(|s| s.poll_interval) else {
            return;
        };
        tokio::time::sleep(period.max(Duration::from_millis(1))).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let tokens = shared.tokens.tokens();
        if tokens.is_empty() {
            // Idle until something is waited on (a permit is kept if that came meanwhile).
            let registered = Arc::clone(&shared.tokens.registered);
            drop(shared);
            registered.notified().await;
            continue;
        }
        for tokens in tokens.chunks(POLLED_AT_ONCE) {
            match shared.store.waiting_among(tokens).await {
                Ok(waiting) => {
                    failing = false;
                    let waiting: HashSet<&str> = waiting.iter().map(String::as_str).collect();
                    for t in tokens.iter().filter(|t| !waiting.contains(t.as_str())) {
                        shared.tokens.wake(t);
                    }
                }
                Err(e) => {
                    // The tasks wait on; each reads its token again at its deadline, or
                    // after a long while. Said once per run of failures.
                    if !std::mem::replace(&mut failing, true) {
                        tracing::warn!(error = %e.detail(),
                            "looking for task tokens answered in other processes failed; \
                             trying again every poll interval");
                    }
                    break;
                }
            }
        }
    }
}

/// Each waited-on token's wake-up, and how many waits share it.
type ByToken = HashMap<Box<str>, (Arc<Notify>, usize)>;

/// The waits on task tokens in this process.
#[derive(Default)]
pub(crate) struct TokenWaits {
    by_token: Mutex<ByToken>,
    /// Told of each new wait, and when the waits go (the engine is gone): [`poll`] sleeps
    /// on it while nothing is waited on, holding no engine.
    registered: Arc<Notify>,
}

impl Drop for TokenWaits {
    fn drop(&mut self) {
        self.registered.notify_one();
    }
}

impl TokenWaits {
    fn lock(&self) -> std::sync::MutexGuard<'_, ByToken> {
        self.by_token.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a wait on `token`, until the returned guard is dropped.
    pub(crate) fn register(&self, token: &str) -> TokenWait<'_> {
        let notify = {
            let mut by_token = self.lock();
            let entry = by_token
                .entry(token.into())
                .or_insert_with(|| (Arc::new(Notify::new()), 0));
            entry.1 += 1;
            Arc::clone(&entry.0)
        };
        self.registered.notify_one();
        TokenWait {
            waits: self,
            token: token.into(),
            notify,
        }
    }

    /// Wakes the tasks waiting on `token` (it changed in the store): whether any waits here.
    pub(crate) fn wake(&self, token: &str) -> bool {
        let notify = self.lock().get(token).map(|(n, _)| Arc::clone(n));
        match notify {
            Some(n) => {
                n.notify_waiters();
                true
            }
            None => false,
        }
    }

    /// Wakes every waiting task (an execution was stopped, or answers may have gone unseen):
    /// each looks at its token again.
    pub(crate) fn wake_all(&self) {
        let all: Vec<Arc<Notify>> = self.lock().values().map(|(n, _)| Arc::clone(n)).collect();
        for n in all {
            n.notify_waiters();
        }
    }

    /// The tokens waited on.
    fn tokens(&self) -> Vec<String> {
        self.lock().keys().map(|t| t.to_string()).collect()
    }

    /// How many tokens are waited on (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A registered wait on one token: [`TokenWait::notify`] is woken when the token changes.
pub(crate) struct TokenWait<'a> {
    waits: &'a TokenWaits,
    token: Box<str>,
    notify: Arc<Notify>,
}

impl TokenWait<'_> {
    /// What wakes this wait: enable a `notified()` before reading the token, so a change
    /// made after the read is not missed.
    pub(crate) fn notify(&self) -> Arc<Notify> {
        Arc::clone(&self.notify)
    }
}

impl Drop for TokenWait<'_> {
    fn drop(&mut self) {
        let mut by_token = self.waits.lock();
        if let Some(entry) = by_token.get_mut(&self.token) {
            entry.1 -= 1;
            if entry.1 == 0 {
                by_token.remove(&self.token);
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
    async fn woken(wait: &TokenWait<'_>, action: impl FnOnce()) -> bool {
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
        let waits = TokenWaits::default();
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
        let waits = TokenWaits::default();
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
