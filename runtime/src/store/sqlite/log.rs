//! The commit log: a transition is one row appended in commit order, folded into the
//! execution's rows later.
//!
//! Written where it belongs, a transition touches a page of the events table (clustered by
//! execution, so each running execution has its own page) and the execution's row: with many
//! executions at once that is several pages per transition, each written to the WAL again by
//! every transaction (measured: ~6 WAL frames per transition at 100 executions; the fsync of a
//! batch then moves ~300 KB). Appended to `log` instead, the transitions of a batch share a
//! page or two, and their fence is a read. The log is folded into `events` and `executions`
//! (an execution's rows land together, in order, many per page) when it grows past
//! [`FOLD_AT`] rows, when the store opens, and before anything reads or changes what it holds
//! through the writer (an end, a publish, a stop, a claim; see [`fold`]). Reads on read-only
//! connections merge an execution's logged transitions into what they return ([`merge`],
//! [`pending_events`]), or, where merging would be involved (a page of history, a listing),
//! have the writer fold first ([`pending`]).
//!
//! Only a plain transition is logged: events that are final and a checkpoint, nothing that
//! ends, truncates, publishes or rests. It is encoded ([`prepare`]: one JSON document, its
//! details and checkpoint inline) on the caller's task, so the writer's batch only checks the
//! fence and inserts. Fencing is the same as for a direct write: the row is
//! appended only while the worker holds the execution's lease (read in the batch's write
//! transaction, so no claim can come between); a row once committed is acknowledged and stays
//! valid after the lease moves on.
//!
//! Rows are found by a 64-bit key hashed from the execution's ARN (an index of small entries,
//! so the batch's appends touch few index pages), checked against the ARN itself.
//!
//! Folding one execution (before its end, a publish, a read through the writer) leaves its
//! rows where they are and records how far they are folded (`log_folded`); rows are deleted
//! only all at once, when the whole log is folded or nothing in it is left to fold.
//! Deleting one execution's rows rewrote every log page holding one of them: with 10
//! executions at once, whose rows interleave, each end rewrote about a hundred pages
//! (measured: 3.8 page writes per transition at 10 executions, against 3.3 now).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::events::insert_payloads;
use super::rows::{from_ms, ms, parse_json, to_int, to_json};
use crate::store::{Checkpoint, Commit, ExecutionRecord, StoreError, StoredEvent, payloads};

/// Logged rows past which the writer folds the log before its next batch.
#[cfg(not(test))]
pub(super) const FOLD_AT: i64 = 1024;
#[cfg(test)]
pub(super) const FOLD_AT: i64 = 64;

/// A logged event: id, type, state, timestamp (ms), stored details (JSON, inline).
type Logged = (u64, String, Option<String>, i64, Option<Box<RawValue>>);

/// A logged transition.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// Its events.
    #[serde(rename = "e")]
    events: Vec<Logged>,
    /// Its checkpoint, if it has one.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<Saved>,
}

/// A checkpoint as its columns hold it (JSON inline).
#[derive(Serialize, Deserialize)]
struct Saved {
    state: String,
    data: Box<RawValue>,
    vars: Box<RawValue>,
    at: i64,
    seq: u64,
    retry: Option<Box<RawValue>>,
}

/// Whether `commit` is a plain transition, which is logged.
pub(super) fn loggable(commit: &Commit) -> bool {
    (!commit.events.is_empty() || commit.checkpoint.is_some())
        && commit.truncate_from.is_none()
        && commit.close.is_none()
        && commit.rest.is_none()
        && !commit.provisional
}

/// The key of an execution's rows: the first 8 bytes of the SHA-256 of its ARN.
fn key(execution: &str) -> i64 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(execution.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(first)
}

/// A plain transition encoded for the log: what the writer appends, made by the caller (so
/// the encoding runs on the callers' threads, beside each other, not in the writer's
/// batch).
pub(super) struct Prepared {
    execution: String,
    worker: String,
    key: i64,
    body: String,
    /// The ids of its first and last events (`None` without events).
    ids: Option<(i64, i64)>,
    shared: Vec<payloads::Shared>,
}

impl Prepared {
    /// Whether appending it writes the log's row and nothing else (no payload to store
    /// once): its request needs no savepoint.
    pub(super) fn single_write(&self) -> bool {
        self.shared.is_empty()
    }
}

fn raw(text: String) -> Result<Box<RawValue>, StoreError> {
    RawValue::from_string(text).map_err(|e| StoreError::backend("sqlite: encoding JSON", e))
}

/// Encodes a plain transition (see [`loggable`]).
pub(super) fn prepare(commit: Commit) -> Result<Prepared, StoreError> {
    let mut shared = Vec::new();
    let first = commit.events.iter().map(|e| e.id).min();
    let last = commit.events.iter().map(|e| e.id).max();
    let ids = first.zip(last).map(|(f, l)| (to_int(f), to_int(l)));
    let mut events = Vec::with_capacity(commit.events.len());
    for e in commit.events {
        let details = match &e.details {
            Some(d) => Some(raw(payloads::share(d, &mut shared))?),
            None => None,
        };
        events.push((e.id, e.kind, e.state, ms(e.timestamp), details));
    }
    let checkpoint = match commit.checkpoint {
        Some(c) => Some(Saved {
            state: c.state,
            data: raw(to_json(&c.input))?,
            vars: raw(to_json(&Value::Object(c.vars)))?,
            at: ms(c.at),
            seq: c.seq,
            retry: c.retry.as_ref().map(|r| raw(to_json(r))).transpose()?,
        }),
        None => None,
    };
    let body = serde_json::to_string(&Entry { events, checkpoint })
        .map_err(|e| StoreError::backend("sqlite: encoding a logged transition", e))?;
    Ok(Prepared {
        key: key(&commit.execution),
        execution: commit.execution,
        worker: commit.worker,
        body,
        ids,
        shared,
    })
}

/// Appends a prepared transition unless its worker lost the lease, or one of its event ids
/// is taken already (stored or logged: as the events table's key would refuse it, so the
/// log never holds a row that cannot be folded).
pub(super) fn append(conn: &Connection, p: Prepared) -> Result<(), StoreError> {
    let held = conn
        .prepare_cached(
            "SELECT 1 FROM executions WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
        )?
        .query_row(params![p.execution, p.worker], |_| Ok(()))
        .optional()?;
    if held.is_none() {
        return Err(StoreError::LeaseLost(p.execution));
    }
    if let Some((first, last)) = p.ids {
        let taken: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM events WHERE execution = ?1 AND id BETWEEN ?2 AND ?3) \
                 OR EXISTS (SELECT 1 FROM log WHERE key = ?4 AND execution = ?1 \
                 AND last_event >= ?2 AND first_event <= ?3 AND seq > \
                 coalesce((SELECT upto FROM log_folded WHERE execution = ?1), 0))",
            )?
            .query_row(params![p.execution, first, last, p.key], |r| r.get(0))?;
        if taken {
            return Err(StoreError::corrupt(format!(
                "sqlite: events {first} to {last} of execution {} are recorded already",
                p.execution
            )));
        }
    }
    // The row goes last: without payloads it is the only write (see `single_write`).
    insert_payloads(conn, &p.execution, p.shared)?;
    conn.prepare_cached(
        "INSERT INTO log (key, execution, first_event, last_event, body) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        p.key,
        p.execution,
        p.ids.map(|i| i.0),
        p.ids.map(|i| i.1),
        p.body
    ])?;
    Ok(())
}

/// An execution's logged transitions not yet folded, oldest first, and the last one's
/// sequence number.
fn entries(conn: &Connection, execution: &str) -> Result<(Vec<Entry>, i64), StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT body, seq FROM log WHERE key = ?1 AND execution = ?2 AND seq > \
         coalesce((SELECT upto FROM log_folded WHERE execution = ?2), 0) ORDER BY seq",
    )?;
    let rows = stmt
        .query_map(params![key(execution), execution], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let last = rows.last().map_or(0, |r| r.1);
    let entries = rows
        .iter()
        .map(|(b, _)| decode(b))
        .collect::<Result<_, _>>()?;
    Ok((entries, last))
}

fn decode(body: &str) -> Result<Entry, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::backend("corrupt logged transition", e))
}

/// Folds `execution`'s logged transitions into its rows (nothing to do costs one index probe;
/// a fold that did something then looks for any row left to fold, from the log's oldest).
pub(super) fn fold(conn: &Connection, execution: &str) -> Result<(), StoreError> {
    let (entries, last) = entries(conn, execution)?;
    if entries.is_empty() {
        return Ok(());
    }
    apply(conn, execution, entries)?;
    conn.prepare_cached(
        "INSERT INTO log_folded (execution, upto) VALUES (?1, ?2) \
         ON CONFLICT (execution) DO UPDATE SET upto = excluded.upto",
    )?
    .execute(params![execution, last])?;
    // Nothing left to fold (one execution at a time, typically): the log goes now, whole,
    // rather than growing to `FOLD_AT` rows first.
    if !pending(conn, &Scope::All)? {
        drop_all(conn)?;
    }
    Ok(())
}

/// Deletes every logged row and fold mark (SQLite drops a table's pages without visiting
/// its rows).
fn drop_all(conn: &Connection) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM log")?.execute([])?;
    conn.prepare_cached("DELETE FROM log_folded")?.execute([])?;
    Ok(())
}

/// Folds the whole log, execution by execution.
pub(super) fn fold_all(conn: &Connection) -> Result<(), StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT execution, body FROM log AS l WHERE seq > \
             coalesce((SELECT upto FROM log_folded WHERE execution = l.execution), 0) \
             ORDER BY execution, seq",
        )?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut rows = rows.into_iter().peekable();
    while let Some((execution, body)) = rows.next() {
        let mut entries = vec![decode(&body)?];
        while let Some((_, body)) = rows.next_if(|(e, _)| *e == execution) {
            entries.push(decode(&body)?);
        }
        apply(conn, &execution, entries)?;
    }
    // Every row was read in this write transaction: none was added since.
    drop_all(conn)
}

/// Writes `entries` (oldest first) into `execution`'s events and row, as committing each
/// directly would have.
fn apply(conn: &Connection, execution: &str, entries: Vec<Entry>) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (execution, id, type, state, ts_ms, details) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut count = 0i64;
    let mut last = None;
    for entry in entries {
        for (id, kind, state, ts, details) in &entry.events {
            insert.execute(params![
                execution,
                super::rows::to_int(*id),
                kind,
                state,
                ts,
                details.as_ref().map(|d| d.get())
            ])?;
            count += 1;
        }
        if entry.checkpoint.is_some() {
            last = entry.checkpoint;
        }
    }
    match last {
        Some(c) => conn
            .prepare_cached(
                "UPDATE executions SET events = events + ?2, provisional = NULL, state = ?3, \
                 data = ?4, vars = ?5, at_ms = ?6, seq = ?7, retry = ?8 WHERE id = ?1",
            )?
            .execute(params![
                execution,
                count,
                c.state,
                c.data.get(),
                c.vars.get(),
                c.at,
                super::rows::to_int(c.seq),
                c.retry.as_ref().map(|r| r.get())
            ])?,
        None => conn
            .prepare_cached(
                "UPDATE executions SET events = events + ?2, provisional = NULL WHERE id = ?1",
            )?
            .execute(params![execution, count])?,
    };
    Ok(())
}

/// What a read must see folded first.
#[derive(Clone)]
pub(super) enum Scope {
    /// One execution's rows.
    Execution(String),
    /// Every execution's.
    All,
}

/// Whether the log holds transitions of `scope` not yet folded.
pub(super) fn pending(conn: &Connection, scope: &Scope) -> Result<bool, StoreError> {
    Ok(match scope {
        Scope::Execution(id) => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM log WHERE key = ?1 AND execution = ?2 AND seq > \
                 coalesce((SELECT upto FROM log_folded WHERE execution = ?2), 0))",
            )?
            .query_row(params![key(id), id], |r| r.get(0))?,
        Scope::All => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM log AS l WHERE seq > \
                 coalesce((SELECT upto FROM log_folded WHERE execution = l.execution), 0))",
            )?
            .query_row([], |r| r.get(0))?,
    })
}

/// Folds what `scope` names.
pub(super) fn fold_scope(conn: &Connection, scope: &Scope) -> Result<(), StoreError> {
    match scope {
        Scope::Execution(id) => fold(conn, id),
        Scope::All => fold_all(conn),
    }
}

/// `record` with its logged transitions merged in: the last checkpoint, none provisional.
pub(super) fn merge(
    conn: &Connection,
    mut record: ExecutionRecord,
) -> Result<ExecutionRecord, StoreError> {
    let (entries, _) = entries(conn, &record.id)?;
    if entries.is_empty() {
        return Ok(record);
    }
    if let Some(c) = entries.into_iter().rev().find_map(|e| e.checkpoint) {
        record.checkpoint = Some(Checkpoint {
            state: c.state,
            input: parse_json(c.data.get())?,
            vars: match parse_json(c.vars.get())? {
                Value::Object(m) => m,
                _ => serde_json::Map::new(),
            },
            at: from_ms(c.at),
            seq: c.seq,
            retry: c.retry.as_ref().map(|r| parse_json(r.get())).transpose()?,
            provisional: None,
        });
    } else if let Some(c) = &mut record.checkpoint {
        c.provisional = None;
    }
    Ok(record)
}

/// `execution`'s logged events, oldest first, each with its stored details.
pub(super) fn pending_events(
    conn: &Connection,
    execution: &str,
) -> Result<Vec<(StoredEvent, Option<String>)>, StoreError> {
    let mut out = Vec::new();
    for entry in entries(conn, execution)?.0 {
        for (id, kind, state, ts, details) in entry.events {
            out.push((
                StoredEvent {
                    id,
                    kind,
                    state,
                    timestamp: from_ms(ts),
                    details: None,
                },
                details.map(|d| d.get().to_string()),
            ));
        }
    }
    Ok(out)
}

/// How many rows the log may hold (from its first and last sequence numbers).
pub(super) fn backlog(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        // Two subqueries: SQLite answers a lone `max()` or `min()` from the index's end, but
        // both in one query scan the table (up to `FOLD_AT` rows before every batch).
        .prepare_cached(
            "SELECT coalesce((SELECT max(seq) FROM log) - (SELECT min(seq) FROM log) + 1, 0)",
        )?
        .query_row([], |r| r.get(0))?)
}

/// An execution's record read by the writer, its logged transitions folded first.
pub(super) fn folded_record(
    conn: &Connection,
    id: &str,
) -> Result<Option<ExecutionRecord>, StoreError> {
    fold(conn, id)?;
    super::rows::get_record(conn, id)
}

#[cfg(test)]
mod tests;
