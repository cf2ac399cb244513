//! Requests of many callers run together: they queue here, and one task at a time takes the
//! oldest (up to a batch, one per key) and runs them in one statement, so a batch costs one
//! round trip and one transaction (one WAL flush) however many callers it answers.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::store::{StoreError, StoreFuture};

/// A request's key: a batch holds one request per key (the statement writes each row once).
pub(super) trait Keyed {
    fn key(&self) -> &str;
}

/// What a batch's run gives back: a result per request, in order, or an error for them all.
pub(super) type Answers<R> = Result<Vec<Result<R, StoreError>>, StoreError>;

type Reply<R> = tokio::sync::oneshot::Sender<Result<R, StoreError>>;

/// The requests waiting for the next batch, and whether a task runs them.
pub(super) struct Queue<T, R> {
    pending: Mutex<Vec<(T, Reply<R>)>>,
    draining: AtomicBool,
    /// The most requests in one batch.
    most: usize,
}

impl<T, R> Queue<T, R>
where
    T: Keyed + Send + 'static,
    R: Send + 'static,
{
    /// An empty queue whose batches hold up to `most` requests.
    pub(super) fn new(most: usize) -> Queue<T, R> {
        Queue {
            pending: Mutex::new(Vec::new()),
            draining: AtomicBool::new(false),
            most,
        }
    }

    /// Queues `request`; resolves with its answer once the batch holding it ran. `run` runs
    /// a batch (used if no task runs the queue yet: this call then starts one).
    pub(super) fn push<F, Fut>(
        self: &std::sync::Arc<Self>,
        request: T,
        run: F,
    ) -> StoreFuture<'static, R>
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Answers<R>> + Send,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.lock().push((request, tx));
        self.drain(run);
        Box::pin(async move { rx.await.map_err(|_| StoreError::Closed)? })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(T, Reply<R>)>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a task running the queue unless one runs.
    fn drain<F, Fut>(self: &std::sync::Arc<Self>, run: F)
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Answers<R>> + Send,
    {
        if self.draining.swap(true, Ordering::AcqRel) {
            return;
        }
        let queue = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let batch = next_batch(&mut queue.lock(), queue.most);
                if batch.is_empty() {
                    queue.draining.store(false, Ordering::Release);
                    // A request queued between the look above and clearing the flag would
                    // wait for nobody: look again.
                    let more = !queue.lock().is_empty();
                    if more && !queue.draining.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    return;
                }
                let (requests, replies): (Vec<T>, Vec<_>) = batch.into_iter().unzip();
                match run(requests).await {
                    Ok(answers) => {
                        for (reply, r) in replies.into_iter().zip(answers) {
                            let _ = reply.send(r);
                        }
                    }
                    Err(e) => {
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
    }
}

/// Takes the next batch from `pending`: in order, up to `most`, one request per key (a
/// second request of the same key waits for the next batch).
fn next_batch<T: Keyed, X>(pending: &mut Vec<(T, X)>, most: usize) -> Vec<(T, X)> {
    let mut seen = HashSet::new();
    let mut batch = Vec::new();
    let mut rest = Vec::new();
    for queued in pending.drain(..) {
        if batch.len() < most && seen.insert(queued.0.key().to_string()) {
            batch.push(queued);
        } else {
            rest.push(queued);
        }
    }
    *pending = rest;
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Write(&'static str, &'static str);

    impl Keyed for Write {
        fn key(&self) -> &str {
            self.0
        }
    }

    fn who(batch: &[(Write, ())]) -> Vec<(&str, &str)> {
        batch.iter().map(|(w, _)| (w.0, w.1)).collect()
    }

    /// Two writes of one execution (a stale worker's and the new owner's) never share a
    /// batch: each is fenced by its own worker's lease.
    #[test]
    fn a_batch_holds_one_request_per_key() {
        let mut pending = vec![
            (Write("x", "a"), ()),
            (Write("y", "a"), ()),
            (Write("x", "b"), ()),
            (Write("z", "b"), ()),
        ];
        let batch = next_batch(&mut pending, 256);
        assert_eq!(who(&batch), [("x", "a"), ("y", "a"), ("z", "b")]);
        assert_eq!(who(&pending), [("x", "b")]);
        let batch = next_batch(&mut pending, 256);
        assert_eq!(who(&batch), [("x", "b")]);
        assert!(pending.is_empty());
        let keys: Vec<&'static str> = vec!["a", "b", "c", "d", "e"];
        let mut many: Vec<(Write, ())> = keys.iter().map(|k| (Write(k, "w"), ())).collect();
        assert_eq!(next_batch(&mut many, 3).len(), 3);
        assert_eq!(many.len(), 2);
    }
}
