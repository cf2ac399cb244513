//! Connections: a small pool of clients, and running a call (or a transaction) on one of them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio_postgres::{Client, NoTls, Statement};

use super::PostgresStore;
use crate::store::{StoreError, StoreFuture};

/// The most connections one store opens.
const MAX_CONNECTIONS: usize = 16;

/// Idle connections, and permits capping how many are open.
pub(super) struct Pool {
    config: tokio_postgres::Config,
    schema: Option<String>,
    idle: Mutex<Vec<Conn>>,
    permits: tokio::sync::Semaphore,
}

impl Pool {
    /// A pool for `config`, its connections using `schema` (when given); none is opened yet.
    pub(super) fn new(config: tokio_postgres::Config, schema: Option<String>) -> Pool {
        Pool {
            config,
            schema,
            idle: Mutex::new(Vec::new()),
            permits: tokio::sync::Semaphore::new(MAX_CONNECTIONS),
        }
    }

    async fn connect(&self) -> Result<Conn, StoreError> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "postgres connection ended");
            }
        });
        if let Some(schema) = &self.schema {
            client
                .batch_execute(&format!("SET search_path TO {}", quote_ident(schema)))
                .await?;
        }
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }
}

/// A pooled connection and the statements prepared on it: the hot paths run a prepared
/// statement in one round trip (a query given as text is parsed in a round trip of its own
/// first).
pub(super) struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Conn {
    /// `sql` prepared on this connection (once; later calls reuse it).
    pub(super) async fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).await?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// `"name"`, with quotes doubled: a schema name cannot inject SQL.
pub(super) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl PostgresStore {
    /// Runs `f` with a pooled connection in a task of its own, which finishes the call even
    /// if the caller stops waiting (a commit whose future is dropped may still land, as the
    /// journal counts on). Under a paused clock (tests) a task waits on tokio's blocking pool
    /// meanwhile: tokio does not advance a paused clock while blocking work is in flight, so
    /// timers do not jump ahead while the server answers. (Driving the client on the blocking
    /// pool instead costs a thread hop each way: measured 2.5 ms against 0.3 ms for reading one
    /// execution; the waiting task alone cost a sixth of a commit's time, so only a paused
    /// clock gets it.)
    pub(super) fn call<R, F, Fut>(&self, f: F) -> StoreFuture<'_, R>
    where
        R: Send + 'static,
        F: FnOnce(Conn) -> Fut + Send + 'static,
        Fut: Future<Output = (Conn, Result<R, StoreError>)> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        let call = tokio::spawn(async move { pool.run(f).await });
        Box::pin(async move {
            call.await
                .map_err(|e| StoreError::backend("postgres call task", e))?
        })
    }
}

/// Whether tokio's clock is paused (`start_paused` tests): a paused clock reads the same
/// twice, a running one moves between two reads (nanosecond resolution; a read takes tens
/// of them). A running clock mistaken for a paused one only costs the waiting task.
fn clock_paused() -> bool {
    let first = tokio::time::Instant::now();
    std::hint::spin_loop();
    first == tokio::time::Instant::now()
}

impl Pool {
    /// Runs `f` with an idle connection (or a new one) and keeps the connection for later
    /// unless it closed.
    /// Under a paused clock a task waits on the blocking pool meanwhile (see
    /// [`PostgresStore::call`]).
    pub(super) async fn run<R, F, Fut>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: Future<Output = (Conn, Result<R, StoreError>)>,
    {
        let (done, in_flight) = std::sync::mpsc::channel::<()>();
        if clock_paused() {
            // Ends when `done` drops, with the call.
            drop(tokio::task::spawn_blocking(move || {
                let _ = in_flight.recv();
            }));
        }
        let r = self.run_now(f).await;
        drop(done);
        r
    }

    async fn run_now<R, F, Fut>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: Future<Output = (Conn, Result<R, StoreError>)>,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Closed)?;
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(c) if !c.is_closed() => c,
            _ => self.connect().await?,
        };
        let (conn, r) = f(conn).await;
        if !conn.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
        }
        r
    }
}

/// Runs `$body` (using `tx`) in a transaction on a pooled connection.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:block) => {
        $store.call(move |mut client| async move {
            let r = async {
                let $tx = client.transaction().await?;
                let out = $body;
                $tx.commit().await?;
                Ok(out)
            }
            .await;
            (client, r)
        })
    };
}
pub(super) use transaction;

/// Runs `$body` (a future using `conn`, whose statements each commit by themselves) on a
/// pooled connection: for a call of one statement, which then takes one round trip rather
/// than three (`BEGIN`, it, `COMMIT`).
macro_rules! connection {
    ($store:expr, |$conn:ident| $body:expr) => {
        $store.call(move |mut $conn| async move {
            let r = $body.await;
            ($conn, r)
        })
    };
}
pub(super) use connection;
