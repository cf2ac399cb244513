//! Connections: a small pool of clients, and running a call (or a transaction) on one of them
//! on tokio's blocking pool.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio_postgres::{Client, NoTls};

use super::PostgresStore;
use crate::store::{StoreError, StoreFuture};

/// The most connections one store opens.
const MAX_CONNECTIONS: usize = 16;

/// Idle connections, and permits capping how many are open.
pub(super) struct Pool {
    config: tokio_postgres::Config,
    schema: Option<String>,
    idle: Mutex<Vec<Client>>,
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

    async fn connect(&self) -> Result<Client, StoreError> {
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
        Ok(client)
    }
}

/// `"name"`, with quotes doubled: a schema name cannot inject SQL.
pub(super) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl PostgresStore {
    /// Runs `f` with a pooled connection on tokio's blocking pool.
    pub(super) fn call<R, F, Fut>(&self, f: F) -> StoreFuture<'_, R>
    where
        R: Send + 'static,
        F: FnOnce(Client) -> Fut + Send + 'static,
        Fut: Future<Output = (Client, Result<R, StoreError>)> + Send,
    {
        let pool = Arc::clone(&self.pool);
        Box::pin(async move {
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                handle.block_on(async move {
                    let _permit = pool
                        .permits
                        .acquire()
                        .await
                        .map_err(|_| StoreError::Closed)?;
                    let idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
                    let client = match idle {
                        Some(c) if !c.is_closed() => c,
                        _ => pool.connect().await?,
                    };
                    let (client, r) = f(client).await;
                    if !client.is_closed() {
                        pool.idle
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(client);
                    }
                    r
                })
            })
            .await
            .map_err(|e| StoreError::backend("postgres connection task", e))?
        })
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
