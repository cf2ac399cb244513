//! Reads beside the write queue: a small pool of read-only connections to a database file.
//!
//! In WAL mode a reader sees every transaction committed before its read began, and neither
//! waits for the writer nor makes it wait. So reads (`get`, `history`, `list`, `token`, …)
//! need not queue behind a batch's fsync: a point read runs on the calling task's thread in
//! tens of microseconds, and reads of many rows go to the pool's reader threads.
//! Read-your-writes holds because a write's future resolves only after its transaction
//! committed, so any read begun after that sees it.
//!
//! A read of several statements runs in one read transaction, so it sees one snapshot. Each
//! connection keeps its prepared statements (rusqlite's statement cache).
//!
//! The reader threads are the pool's own, [`MAX_READERS`] of them (as many as the reads that
//! may run at once), started at the first read that needs one. Tokio's blocking pool, which
//! ran these reads before, starts a new thread whenever none is idle at the moment of a call:
//! a worker loading thousands of claimed executions had about fifty, each keeping its own
//! allocator caches (measured on 2026-12-06: a worker process that ran about 40,000
//! Distributed Map children peaked at 325–390 MiB, 142–193 MiB on the pool's own threads). A
//! current-thread runtime still uses the blocking pool (see [`SqliteStore::read`]).
//!
//! An in-memory database has no file to share: its reads stay on the write queue.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

use super::{SqliteStore, log};
use crate::store::{StoreError, StoreFuture};

/// What a read does, which says where it runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Read {
    /// One row by key (and what the commit log holds of it): on the calling task's thread,
    /// in one read transaction.
    Point,
    /// Any number of rows, one statement: on a reader thread.
    Rows,
    /// Several statements that must see one snapshot: on a reader thread, in one read
    /// transaction.
    Snapshot,
}

/// Read-only connections open at most. Reads beyond them wait for one: a connection
/// opened for a burst of reads (a worker loading hundreds of claimed executions) and closed
/// after it would cost more than the reads (opening maps the WAL index and parses the whole
/// schema). Also the number of reader threads.
const MAX_READERS: usize = 8;

/// A read sent to a reader thread.
type Job = Box<dyn FnOnce() + Send>;

/// The reader threads, each taking the next job from one channel: started together at the
/// first read that needs one. `None` if not one could be started (reads then go to tokio's
/// blocking pool). A read is sent only while it holds a permit, so one of the threads is
/// free for it or about to be. They end once the store is gone (the sender dropped); a read
/// that panics ends only itself.
struct Threads(std::sync::OnceLock<Option<Sender<Job>>>);

impl Threads {
    /// Sends `job` to the reader threads (starting them if none runs yet), or gives it back
    /// if there are none.
    fn run(&self, job: Job) -> Result<(), Job> {
        let jobs = self.0.get_or_init(|| {
            let (jobs, next) = std::sync::mpsc::channel::<Job>();
            let next = Arc::new(Mutex::new(next));
            let started = (0..MAX_READERS)
                .filter(|_| {
                    let next = Arc::clone(&next);
                    std::thread::Builder::new()
                        .name("asl-sqlite-read".into())
                        .spawn(move || {
                            loop {
                                // The lock is held only while waiting for the next job.
                                let job = next.lock().unwrap_or_else(|e| e.into_inner()).recv();
                                let Ok(job) = job else { return };
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                        })
                        .is_ok()
                })
                .count();
            (started > 0).then_some(jobs)
        });
        match jobs {
            // The threads never end while the sender lives, so the send cannot fail.
            Some(jobs) => jobs.send(job).map_err(|e| e.0),
            None => Err(job),
        }
    }

    /// How many reader threads run (tests).
    #[cfg(test)]
    fn started(&self) -> usize {
        match self.0.get() {
            Some(Some(_)) => MAX_READERS,
            _ => 0,
        }
    }
}

/// Read-only connections to one database file.
pub(super) struct Readers {
    path: String,
    idle: Mutex<Vec<Connection>>,
    /// One per connection that may be open: a read holds one from before it takes a
    /// connection until it gives it back.
    permits: Arc<tokio::sync::Semaphore>,
    threads: Threads,
    /// Connections opened so far (tests check the bound).
    #[cfg(test)]
    opened: std::sync::atomic::AtomicUsize,
}

impl Readers {
    /// Readers of the file `conn` (the writer, schema in place) has open; `None` for an
    /// in-memory or temporary database, or a file a reader cannot open.
    pub(super) fn of(conn: &Connection) -> Option<Readers> {
        let path = conn.path().filter(|p| !p.is_empty())?.to_string();
        let readers = Readers {
            path,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(MAX_READERS)),
            threads: Threads(std::sync::OnceLock::new()),
            #[cfg(test)]
            opened: std::sync::atomic::AtomicUsize::new(0),
        };
        // Opened now, so that a file readers cannot use is found before any read.
        let first = readers.open().ok()?;
        readers.put(first);
        Some(readers)
    }

    fn open(&self) -> Result<Connection, StoreError> {
        #[cfg(test)]
        self.opened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        // A reader waits only in rare moments (another process recovering the WAL).
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(super::STATEMENT_CACHE);
        super::keep_plans(&conn)?;
        Ok(conn)
    }

    fn take(&self) -> Result<Connection, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn put(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
    }

    /// Runs `f` on a reader; with `snapshot`, in one read transaction (for reads of several
    /// statements that must agree).
    pub(super) fn read<R>(
        &self,
        snapshot: bool,
        f: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let conn = self.take()?;
        let result = if snapshot {
            run_in_transaction(&conn, f)
        } else {
            f(&conn)
        };
        // A connection left inside a transaction (a failed COMMIT) is not reused.
        if conn.is_autocommit() {
            self.put(conn);
        }
        result
    }
}

fn run_in_transaction<R>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = f(conn);
    let end = conn.prepare_cached("COMMIT")?.execute([]);
    let value = result?;
    end?;
    Ok(value)
}

impl SqliteStore {
    /// Runs the read `f` on a reader (see [`Read`] for where), or through the write queue
    /// for an in-memory database.
    pub(super) fn read<R: Send + 'static>(
        &self,
        kind: Read,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> StoreFuture<'_, R> {
        let Some(readers) = &self.readers else {
            return self.call(f);
        };
        let readers = Arc::clone(readers);
        let snapshot = kind != Read::Rows;
        Box::pin(async move {
            // Held until the read gave its connection back (also when this future is
            // dropped first). The semaphore is never closed.
            let permit = Arc::clone(&readers.permits)
                .acquire_owned()
                .await
                .map_err(|e| StoreError::backend("sqlite read", e))?;
            let runtime = match tokio::runtime::Handle::try_current() {
                Ok(runtime) if kind != Read::Point => runtime,
                _ => return readers.read(snapshot, f),
            };
            // A current-thread runtime is the one whose clock can be paused (tests): it
            // advances a paused clock whenever it has nothing to run, unless a blocking task
            // is in flight, and a read on a thread of the pool's own is not one.
            if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
                return runtime
                    .spawn_blocking(move || {
                        let r = readers.read(snapshot, f);
                        drop(permit);
                        r
                    })
                    .await
                    .map_err(|e| StoreError::backend("sqlite read", e))?;
            }
            let (tx, rx) = tokio::sync::oneshot::channel();
            let on_thread = Arc::clone(&readers);
            let job: Job = Box::new(move || {
                let r = on_thread.read(snapshot, f);
                drop(permit);
                let _ = tx.send(r);
            });
            if let Err(job) = readers.threads.run(job) {
                // No reader thread could be started: the blocking pool runs it.
                runtime
                    .spawn_blocking(job)
                    .await
                    .map_err(|e| StoreError::backend("sqlite read", e))?;
            }
            rx.await
                .map_err(|e| StoreError::backend("sqlite read (it panicked)", e))?
        })
    }

    /// Runs the read `f` once the commit log holds nothing of `scope` (see `log`): on a
    /// reader when it holds nothing already, else through the write queue, which folds
    /// `scope` first.
    pub(super) fn read_folded<R: Send + 'static>(
        &self,
        kind: Read,
        scope: log::Scope,
        f: impl Fn(&Connection) -> Result<R, StoreError> + Send + Sync + 'static,
    ) -> StoreFuture<'_, R> {
        let f = Arc::new(f);
        let (g, s) = (Arc::clone(&f), scope.clone());
        let first = self.read(kind, move |conn| {
            if log::pending(conn, &s)? {
                return Ok(None);
            }
            g(conn).map(Some)
        });
        Box::pin(async move {
            if let Some(r) = first.await? {
                return Ok(r);
            }
            self.call(move |conn| {
                log::fold_scope(conn, &scope)?;
                f(conn)
            })
            .await
        })
    }
}

#[cfg(test)]
mod tests;
