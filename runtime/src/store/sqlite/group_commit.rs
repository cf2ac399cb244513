//! Group commit: requests of many executions queue up, and one drainer runs them all in one
//! transaction (one fsync for the batch). The drainer runs on tokio's blocking pool, so the
//! task that queued a request keeps running its other futures (a Map's iterations) while the
//! transaction commits, and their requests join the next batch; without a runtime the caller
//! drains itself. A request that finds nothing queued and no drainer, and still none after
//! its caller's other futures had a turn, is committed on the caller's thread (see
//! `Inner::commit_here`).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::{SqliteStore, log};
use crate::store::{StoreError, StoreFuture};

/// A reply sent once the transaction holding the request committed (or failed to).
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A request's work: runs on the batch's connection (or gets the error that kept the
/// transaction from starting).
type Work =
    Box<dyn FnOnce(Result<&Connection, StoreError>) -> (Result<(), StoreError>, Reply) + Send>;

/// A request: its work, in a savepoint of its own (an error rolls the savepoint back) unless
/// its only write is its last statement, which SQLite undoes by itself if it fails. A
/// savepoint costs two statements, and SQLite copies aside every page the request changes
/// to be able to roll back to it.
struct Job {
    savepoint: bool,
    work: Work,
}

/// The most requests committed in one transaction.
const MAX_BATCH: usize = 512;

/// The connection and the requests waiting for it.
pub(super) struct Inner {
    conn: Mutex<Connection>,
    queue: Mutex<Vec<Job>>,
    /// A drainer is scheduled or running (and will look at the queue before it stops).
    draining: AtomicBool,
    /// Rows in the commit log at which the next batch folds it first.
    fold_at: AtomicI64,
}

impl Inner {
    /// Takes over a connection ready for use (schema in place), with an empty queue.
    pub(super) fn new(conn: Connection) -> Inner {
        Inner {
            conn: Mutex::new(conn),
            queue: Mutex::new(Vec::new()),
            draining: AtomicBool::new(false),
            fold_at: AtomicI64::new(log::FOLD_AT),
        }
    }

    /// Runs `f` on the connection outside any batch (waiting for the batch in flight), then
    /// lets the queue run: for settings that must not ride in a batch's transaction, whose
    /// other requests could roll it back.
    pub(super) fn alone<R>(self: &Arc<Self>, f: impl FnOnce(&Connection) -> R) -> R {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let r = f(&conn);
        drop(conn);
        if !self.queue_is_empty() {
            self.schedule();
        }
        r
    }

    /// Folds the commit log (see `log`) in a transaction of its own once it holds
    /// `fold_at` rows. A fold that fails (a full disk) is tried again only after as many
    /// rows more, so a failing store is not made to fold before every batch.
    fn fold_when_due(&self, conn: &Connection) {
        let due = self.fold_at.load(Ordering::Relaxed);
        let backlog = match log::backlog(conn) {
            Ok(n) if n >= due => n,
            _ => return,
        };
        let folded = run(conn, "BEGIN IMMEDIATE")
            .map_err(StoreError::from)
            .and_then(|()| log::fold_all(conn))
            .and_then(|()| run(conn, "COMMIT").map_err(StoreError::from));
        match folded {
            Ok(()) => self.fold_at.store(log::FOLD_AT, Ordering::Relaxed),
            Err(e) => {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                tracing::warn!(error = %e, rows = backlog, "folding the commit log failed");
                self.fold_at
                    .store(backlog.saturating_add(log::FOLD_AT), Ordering::Relaxed);
            }
        }
    }

    /// The queue's next batch: its oldest requests, up to [`MAX_BATCH`].
    fn take_batch(&self) -> Vec<Job> {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let n = q.len().min(MAX_BATCH);
        q.drain(..n).collect()
    }

    fn queue_is_empty(&self) -> bool {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Makes sure a drainer runs the queue: on the blocking pool when there is a runtime.
    fn schedule(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.drain();
            return;
        };
        if self.draining.swap(true, Ordering::SeqCst) {
            return;
        }
        let inner = Arc::clone(self);
        runtime.spawn_blocking(move || {
            loop {
                // A job that panics must not leave the flag set (every later call would
                // wait for a drainer that is gone): the next one rolls its transaction back.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.drain()));
                inner.draining.store(false, Ordering::SeqCst);
                // A request queued after the last look, by a caller that saw this drainer
                // still running, is ours to run.
                if inner.queue_is_empty() || inner.draining.swap(true, Ordering::SeqCst) {
                    return;
                }
            }
        });
    }

    /// Commits the queue's next batch on the caller's thread (`draining` set by the caller):
    /// for a request that found nothing queued and no drainer, so the commit of an
    /// execution running alone costs no hop to the blocking pool and back (two thread
    /// wake-ups, ~36 µs on this project's machine, about a third of the commit). What queues
    /// meanwhile goes to a drainer on the blocking pool, so the caller's thread is held for
    /// one batch at most.
    fn commit_here(self: &Arc<Self>) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Busy (a setting applied `alone`) or poisoned: left to the drainer.
            let Ok(conn) = self.conn.try_lock() else {
                return;
            };
            // So is a fold of the log (many rows: not on the caller's thread).
            let fold_due =
                log::backlog(&conn).map_or(true, |n| n >= self.fold_at.load(Ordering::Relaxed));
            if fold_due {
                return;
            }
            let batch = self.take_batch();
            if !batch.is_empty() {
                run_batch(&conn, batch);
            }
        }));
        self.draining.store(false, Ordering::SeqCst);
        if !self.queue_is_empty() {
            self.schedule();
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
                let batch = self.take_batch();
                if batch.is_empty() {
                    break;
                }
                self.fold_when_due(&conn);
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
        self.queue(true, f)
    }

    /// [`SqliteStore::call`] for a request whose only write is its last statement (it may
    /// read before): it runs without a savepoint of its own.
    pub(super) fn call_single_write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> StoreFuture<'_, R> {
        self.queue(false, f)
    }

    fn queue<R: Send + 'static>(
        &self,
        savepoint: bool,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> StoreFuture<'_, R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let work: Work = Box::new(move |conn| {
            let r = conn.and_then(f);
            let status = match &r {
                Ok(_) => Ok(()),
                Err(e) => Err(e.clone()),
            };
            let reply: Reply = Box::new(move |committed| {
                let _ = tx.send(committed.and(r));
            });
            (status, reply)
        });
        let job = Job { savepoint, work };
        let alone = {
            let mut queue = self.inner.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.push(job);
            queue.len() == 1
        };
        // Without a runtime, `schedule` commits it here and now.
        if !alone || tokio::runtime::Handle::try_current().is_err() {
            self.inner.schedule();
            return Box::pin(async move { rx.await.map_err(|_| StoreError::Closed)? });
        }
        // Alone so far: the caller's other futures (a Map's iterations) get one turn to
        // queue theirs first; if none did, this request is committed here.
        let mut undecided = Undecided(Some(Arc::clone(&self.inner)));
        Box::pin(async move {
            tokio::task::yield_now().await;
            if let Some(inner) = undecided.0.take() {
                let still_alone = inner.queue.lock().unwrap_or_else(|e| e.into_inner()).len() == 1;
                if still_alone && !inner.draining.swap(true, Ordering::SeqCst) {
                    inner.commit_here();
                } else if !inner.queue_is_empty() {
                    inner.schedule();
                }
            }
            rx.await.map_err(|_| StoreError::Closed)?
        })
    }
}

/// A queued request whose caller has not yet chosen where it is committed: dropped
/// undecided (its future dropped before it was polled), it goes to a drainer.
struct Undecided(Option<Arc<Inner>>);

impl Drop for Undecided {
    fn drop(&mut self) {
        if let Some(inner) = self.0.take()
            && !inner.queue_is_empty()
        {
            inner.schedule();
        }
    }
}

/// Runs `batch` in one transaction, each request in a savepoint (but those whose only write
/// is their last statement, see [`Job`]); answers after the commit.
///
/// A request can fail in a way that makes SQLite roll the whole transaction back (a full disk,
/// an I/O error): the requests before it in the transaction are then lost with it and told
/// so, and the rest of the batch runs in a new transaction.
fn run_batch(conn: &Connection, batch: Vec<Job>) {
    let mut jobs = batch.into_iter().peekable();
    while jobs.peek().is_some() {
        if let Err(e) = run(conn, "BEGIN IMMEDIATE") {
            let e = StoreError::from(e);
            for job in jobs {
                let (_, reply) = (job.work)(Err(e.clone()));
                reply(Ok(()));
            }
            return;
        }
        let mut replies: Vec<Reply> = Vec::new();
        for job in jobs.by_ref() {
            if !job.savepoint {
                let (status, reply) = (job.work)(Ok(conn));
                if conn.is_autocommit() {
                    lose(&mut replies, status, Ok(()), reply);
                    break;
                }
                replies.push(reply);
                continue;
            }
            if let Err(e) = run(conn, "SAVEPOINT job") {
                let e = StoreError::from(e);
                let (_, reply) = (job.work)(Err(e.clone()));
                if conn.is_autocommit() {
                    // The transaction is gone with it: so are the requests before.
                    for earlier in replies.drain(..) {
                        earlier(Err(e.clone()));
                    }
                    reply(Ok(()));
                    break;
                }
                replies.push(reply);
                continue;
            }
            let (status, reply) = (job.work)(Ok(conn));
            let end = if conn.is_autocommit() {
                Ok(())
            } else if status.is_ok() {
                run(conn, "RELEASE job")
            } else {
                run(conn, "ROLLBACK TO job").and_then(|()| run(conn, "RELEASE job"))
            }
            .map_err(StoreError::from);
            if conn.is_autocommit() {
                // SQLite rolled the transaction back (in the request or in ending its
                // savepoint).
                lose(&mut replies, status, end, reply);
                break;
            }
            replies.push(match end {
                Ok(()) => reply,
                Err(e) => Box::new(move |_| reply(Err(e))),
            });
        }
        if conn.is_autocommit() {
            continue;
        }
        let committed = run(conn, "COMMIT").map_err(StoreError::from);
        if committed.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for reply in replies {
            reply(committed.clone());
        }
    }
}

/// Answers the requests of a transaction SQLite rolled back while `reply`'s request ran
/// (`status`: how its work ended; `end`: how ending its savepoint did): nothing of them is
/// written. A request that failed hears its own error; the others, the loss.
fn lose(
    replies: &mut Vec<Reply>,
    status: Result<(), StoreError>,
    end: Result<(), StoreError>,
    reply: Reply,
) {
    let lost = match (&status, &end) {
        (Err(e), _) | (_, Err(e)) => e.clone(),
        _ => StoreError::corrupt("sqlite: the transaction was rolled back"),
    };
    for earlier in replies.drain(..) {
        earlier(Err(lost.clone()));
    }
    match status {
        Err(_) => reply(Ok(())),
        Ok(()) => reply(Err(lost)),
    }
}

/// Runs one statement of the batch's frame, prepared once per connection (these run
/// several times per batch; parsing them each time cost as much as a small insert).
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}
