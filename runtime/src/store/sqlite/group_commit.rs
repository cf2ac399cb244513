//! Group commit: requests of many executions queue up, and whichever caller finds the
//! connection free runs them all in one transaction (one fsync for the batch).

use std::sync::Mutex;

use rusqlite::Connection;

use super::SqliteStore;
use crate::store::{StoreError, StoreFuture};

/// A reply sent once the transaction holding the request committed (or failed to).
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A request: runs in its own savepoint (or gets the error that kept the transaction from
/// starting); `false` rolls the savepoint back.
type Job = Box<dyn FnOnce(Result<&Connection, StoreError>) -> (bool, Reply) + Send>;

/// The most requests committed in one transaction.
const MAX_BATCH: usize = 512;

/// The connection and the requests waiting for it.
pub(super) struct Inner {
    conn: Mutex<Connection>,
    queue: Mutex<Vec<Job>>,
}

impl Inner {
    /// Takes over a connection ready for use (schema in place), with an empty queue.
    pub(super) fn new(conn: Connection) -> Inner {
        Inner {
            conn: Mutex::new(conn),
            queue: Mutex::new(Vec::new()),
        }
    }

    /// Runs queued requests while the connection is free. A caller that finds it busy leaves
    /// its request to the current holder, which looks at the queue again after letting go.
    fn drain(&self) {
        loop {
            let conn = match self.conn.try_lock() {
                Ok(c) => c,
                // A job panicked while holding the connection: roll back what it left open
                // and go on (otherwise every later call would wait forever).
                Err(std::sync::TryLockError::Poisoned(p)) => {
                    let c = p.into_inner();
                    let _ = c.execute_batch("ROLLBACK");
                    c
                }
                Err(std::sync::TryLockError::WouldBlock) => return,
            };
            loop {
                let batch: Vec<Job> = {
                    let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                    let n = q.len().min(MAX_BATCH);
                    q.drain(..n).collect()
                };
                if batch.is_empty() {
                    break;
                }
                run_batch(&conn, batch);
            }
            drop(conn);
            if self
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty()
            {
                return;
            }
        }
    }
}

impl SqliteStore {
    /// Queues `f` for the next transaction and runs the queue if the connection is free;
    /// resolves once the transaction holding `f` committed.
    pub(super) fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> StoreFuture<'_, R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let r = conn.and_then(f);
            let ok = r.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let _ = tx.send(committed.and(r));
            });
            (ok, reply)
        });
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(job);
        self.inner.drain();
        Box::pin(async move { rx.await.map_err(|_| StoreError::Closed)? })
    }
}

/// Runs `batch` in one transaction, each request in a savepoint; answers after the commit.
fn run_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let e = StoreError::from(e);
        for job in batch {
            let (_, reply) = job(Err(e.clone()));
            reply(Ok(()));
        }
        return;
    }
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            let (_, reply) = job(Err(StoreError::from(e)));
            replies.push(reply);
            continue;
        }
        let (ok, reply) = job(Ok(conn));
        let end = if ok {
            conn.execute_batch("RELEASE job")
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        replies.push(match end {
            Ok(()) => reply,
            Err(e) => {
                let e = StoreError::from(e);
                Box::new(move |_| reply(Err(e)))
            }
        });
    }
    let committed = conn.execute_batch("COMMIT").map_err(StoreError::from);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    for reply in replies {
        reply(committed.clone());
    }
}
