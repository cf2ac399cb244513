//! The store a durable test runs on: a SQLite file in a fresh directory, or a fresh schema on
//! the PostgreSQL server named by `ASL_TEST_POSTGRES_URL`; and [`both!`](crate::both), which
//! runs each listed test on each.

use std::sync::Arc;

use asl_runtime::store::{PostgresStore, SqliteStore, Store};

/// Where a test's store lives.
#[derive(Clone)]
pub enum Backend {
    /// A directory holding `runs.db`.
    Sqlite(std::path::PathBuf),
    /// A server URL and a schema on it.
    Postgres(String, String),
}

impl Backend {
    /// A fresh directory named after `prefix`.
    pub fn sqlite(prefix: &str) -> Backend {
        let dir =
            std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), unique()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("{}: {e}", dir.display());
        }
        Backend::Sqlite(dir)
    }

    /// A fresh schema named after `prefix`, if a server is set (see [`crate::postgres_url`];
    /// `what` names the tests for its message).
    pub fn postgres(prefix: &str, what: &str) -> Option<Backend> {
        crate::postgres_url(what).map(|url| Backend::Postgres(url, format!("{prefix}{}", unique())))
    }

    /// The store (engines opening it share it).
    pub async fn store(&self) -> Arc<dyn Store> {
        let opened: Result<Arc<dyn Store>, _> = match self {
            Backend::Sqlite(dir) => SqliteStore::open(dir.join("runs.db"))
                .await
                .map(|s| Arc::new(s) as Arc<dyn Store>),
            Backend::Postgres(url, schema) => PostgresStore::connect_schema(url, schema)
                .await
                .map(|s| Arc::new(s) as Arc<dyn Store>),
        };
        opened.unwrap_or_else(|e| panic!("opening the test store: {e}"))
    }
}

/// A name no other test of this run uses.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}_{}", N.fetch_add(1, Ordering::SeqCst))
}

/// Runs each test `async fn name(b: Backend)` of the calling file on SQLite (`sqlite::name`)
/// and, with a server, on PostgreSQL (`postgres::name`), on a paused clock. The file defines
/// `fn sqlite() -> Backend` and `fn postgres() -> Option<Backend>`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(start_paused = true)]
                async fn $name() {
                    super::$name(super::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(start_paused = true)]
                async fn $name() {
                    if let Some(b) = super::postgres() {
                        super::$name(b).await;
                    }
                }
            )*
        }
    };
}
