//! Reads of a database file go to the read-only connections and still see every write whose
//! future resolved (read-your-writes), from many tasks on many threads at once; an in-memory
//! database has no readers.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use crate::error::Status;
use crate::store::sqlite::SqliteStore;
use crate::store::{
    Close, Commit, Created, ExecutionRecord, Store, StoreError, StoredEvent, TokenState,
};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
}

fn record(id: &str, start: i64) -> ExecutionRecord {
    ExecutionRecord {
        id: id.into(),
        workflow: "wf".into(),
        name: id.into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:wf".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        status: Status::Running,
        input: json!({"n": start}),
        output: None,
        error: None,
        cause: None,
        start_date: at(start),
        stop_date: None,
        redrive_count: 0,
        redrive_date: None,
        checkpoint: None,
        secret: "s".into(),
        map_run: None,
        map_items: 0,
    }
}

/// A fresh database file in the temporary directory (removed with its WAL afterwards).
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!(
            "asl-readers-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDb(dir)
    }

    fn file(&self) -> std::path::PathBuf {
        self.0.join("runs.db")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_file_has_readers_and_memory_has_none() {
    let db = TempDb::new("kinds");
    assert!(
        SqliteStore::open(db.file())
            .await
            .unwrap()
            .readers
            .is_some()
    );
    assert!(SqliteStore::memory().await.unwrap().readers.is_none());
}

/// Each task writes and at once reads back what it wrote, through every kind of read (a
/// point read, a read of rows, a snapshot of several statements), while the others write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_see_every_committed_write() {
    let db = TempDb::new("ryw");
    let store = SqliteStore::open(db.file()).await.unwrap();
    let big = "x".repeat(2 * crate::store::payloads::SHARED_PAYLOAD_BYTES);
    let mut tasks = Vec::new();
    for t in 0..16i64 {
        let store = store.clone();
        let big = big.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20i64 {
                let id = format!("e-{t}-{i}");
                let created = store
                    .create(record(&id, t * 100 + i), Some("w".into()), at(3600))
                    .await
                    .unwrap();
                assert_eq!(created, Created::New);
                let got = store.get(&id).await.unwrap().expect("created, then read");
                assert_eq!(got.status, Status::Running);

                // An event whose large input is stored once, apart (the snapshot read).
                let event = StoredEvent {
                    id: 2,
                    kind: "PassStateEntered".into(),
                    state: Some("P".into()),
                    timestamp: at(t * 100 + i),
                    details: Some(json!({"name": "P", "input": big})),
                };
                store
                    .commit(Commit {
                        execution: id.clone(),
                        worker: "w".into(),
                        events: vec![event.clone()],
                        checkpoint: None,
                        close: None,
                        provisional: true,
                        truncate_from: None,
                        rest: None,
                    })
                    .await
                    .unwrap();
                let history = store.history(&id).await.unwrap();
                assert_eq!(history.len(), 2, "{id}");
                assert_eq!(history[1], event);

                let token = format!("tok-{t}-{i}");
                store.register_token(&token, &id, "P", at(5)).await.unwrap();
                assert_eq!(
                    store.token(&token).await.unwrap(),
                    Some(TokenState::Waiting { heartbeat: at(5) })
                );

                store
                    .commit(Commit {
                        execution: id.clone(),
                        worker: "w".into(),
                        events: vec![],
                        checkpoint: None,
                        close: Some(Close {
                            status: Status::Succeeded,
                            output: Some(json!(i)),
                            error: None,
                            cause: None,
                            at: at(t * 100 + i) + Duration::seconds(1),
                        }),
                        provisional: false,
                        truncate_from: None,
                        rest: None,
                    })
                    .await
                    .unwrap();
                let done = store.get(&id).await.unwrap().unwrap();
                assert_eq!(done.status, Status::Succeeded);
                assert_eq!(done.output, Some(json!(i)));
                assert_eq!(store.token(&token).await.unwrap(), Some(TokenState::Closed));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let page = store
        .list(None, Some(Status::Succeeded), None, None, None, 1000, None)
        .await
        .unwrap();
    assert_eq!(page.executions.len(), 16 * 20);
}

/// Without a runtime (a plain thread), reads run on the caller's thread.
#[test]
fn reads_run_without_a_runtime() {
    let db = TempDb::new("plain");
    let store = futures_util::FutureExt::now_or_never(SqliteStore::open(db.file()))
        .unwrap()
        .unwrap();
    let create = store.create(record("a", 1), None, at(10));
    assert_eq!(
        futures_util::FutureExt::now_or_never(create)
            .unwrap()
            .unwrap(),
        Created::New
    );
    let history = futures_util::FutureExt::now_or_never(store.history("a"))
        .unwrap()
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, "ExecutionStarted");
}

/// A burst of reads (a worker loading hundreds of claimed executions at once) waits for the
/// bounded pool's connections instead of opening one per read: opening one parses the whole
/// schema again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_reads_shares_the_bounded_pool() {
    let db = TempDb::new("burst");
    let store = SqliteStore::open(db.file()).await.unwrap();
    for i in 0..50 {
        store
            .create(record(&format!("e-{i}"), i), None, at(10))
            .await
            .unwrap();
    }
    let reads: Vec<_> = (0..400)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let id = format!("e-{}", i % 50);
                let history = store.history(&id).await.unwrap();
                assert_eq!(history.len(), 1);
                assert!(store.get(&id).await.unwrap().is_some());
            })
        })
        .collect();
    for r in reads {
        r.await.unwrap();
    }
    let readers = store.readers.as_ref().unwrap();
    let opened = readers.opened.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        (1..=super::MAX_READERS).contains(&opened),
        "{opened} connections opened"
    );
    assert_eq!(readers.permits.available_permits(), super::MAX_READERS);
    // Reads of many rows ran on the pool's own threads (on tokio's blocking pool, a burst
    // started a thread whenever none was idle that moment).
    assert_eq!(readers.threads.started(), super::MAX_READERS);
}

/// A read that panics fails itself only: the next reads run on the same threads, no permit
/// is lost, and the connection it left inside its read transaction is not used again (a read
/// on it would not see later writes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_panics_fails_only_itself() {
    let db = TempDb::new("panics");
    let store = SqliteStore::open(db.file()).await.unwrap();
    store.create(record("e-1", 1), None, at(10)).await.unwrap();
    let reads = async {
        for _ in 0..(2 * super::MAX_READERS) {
            let failed = store
                .read(super::Read::Snapshot, |conn| -> Result<(), StoreError> {
                    let n: i64 =
                        conn.query_row("SELECT count(*) FROM executions", [], |r| r.get(0))?;
                    panic!("a read that panics after reading {n} rows")
                })
                .await;
            assert!(failed.is_err());
        }
        store.create(record("e-2", 2), None, at(10)).await.unwrap();
        for _ in 0..(2 * super::MAX_READERS) {
            let (n, thread) = store
                .read(super::Read::Rows, |conn| {
                    let n = conn.query_row("SELECT count(*) FROM executions", [], |r| {
                        r.get::<_, i64>(0)
                    })?;
                    Ok((n, std::thread::current().name().map(str::to_string)))
                })
                .await
                .unwrap();
            assert_eq!(n, 2);
            assert_eq!(thread.as_deref(), Some("asl-sqlite-read"));
        }
    };
    // A read whose thread died with it would never be answered.
    tokio::time::timeout(std::time::Duration::from_secs(30), reads)
        .await
        .expect("reads answered");
    let readers = store.readers.as_ref().unwrap();
    assert_eq!(readers.permits.available_permits(), super::MAX_READERS);
    assert_eq!(readers.threads.started(), super::MAX_READERS);
}

/// Cached statements keep their plans whatever is bound (`keep_plans`): without it SQLite
/// re-prepared the log's and the history's lookups at every run.
#[test]
fn cached_statements_are_not_prepared_again() {
    let db = TempDb::new("plans");
    let store = futures_util::FutureExt::now_or_never(SqliteStore::open(db.file()))
        .unwrap()
        .unwrap();
    let readers = store.readers.as_ref().unwrap();
    readers
        .read(false, |conn| {
            for i in 0..5i64 {
                let mut stmt = conn.prepare_cached(
                    "SELECT body, seq FROM log WHERE key = ?1 AND execution = ?2 AND seq > \
                     coalesce((SELECT upto FROM log_folded WHERE execution = ?2), 0) ORDER BY seq",
                )?;
                let rows: Vec<String> = stmt
                    .query_map(rusqlite::params![i, format!("e-{i}")], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                assert!(rows.is_empty());
                assert_eq!(
                    stmt.get_status(rusqlite::StatementStatus::RePrepare),
                    0,
                    "run {i}"
                );
            }
            Ok(())
        })
        .unwrap();
}
