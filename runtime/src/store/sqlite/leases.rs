//! Leases: a worker claims runnable executions of its workflows and renews the leases on
//! those it runs.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::rows::ms;
use crate::store::{ExecutionRecord, StoreError};

/// Leases up to `limit` runnable executions of `workflows` to `worker` (see `Store::claim`).
pub(super) fn claim(
    conn: &Connection,
    worker: &str,
    workflows: &[String],
    own: Option<&HashSet<String>>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<ExecutionRecord>, StoreError> {
    let workflows = serde_json::to_string(&workflows).unwrap_or_default();
    // Each query is a range of the index on (status, lease_until) read only as far as the
    // limit: due first (expired leases, executions at rest whose time came), oldest due
    // first, then the unleased. (One query with `OR` would sort every candidate.) Only this
    // worker's workflows, so executions of others never crowd them out.
    let mut candidates: Vec<String> = Vec::new();
    let mut due = conn.prepare_cached(
        "SELECT id FROM executions INDEXED BY executions_runnable \
         WHERE status = 'RUNNING' AND lease_until <= ?1 \
         AND workflow IN (SELECT value FROM json_each(?2)) ORDER BY lease_until LIMIT ?3",
    )?;
    for id in due.query_map(params![ms(now), workflows, limit as i64], |r| r.get(0))? {
        candidates.push(id?);
    }
    let room = limit.saturating_sub(candidates.len());
    if room > 0 {
        let mut fresh = conn.prepare_cached(
            "SELECT id FROM executions INDEXED BY executions_runnable \
             WHERE status = 'RUNNING' AND lease_until IS NULL \
             AND workflow IN (SELECT value FROM json_each(?1)) LIMIT ?2",
        )?;
        for id in fresh.query_map(params![workflows, room as i64], |r| r.get(0))? {
            candidates.push(id?);
        }
    }
    if let Some(running) = own {
        // After a restart: what this worker held (rare; reads every lease it holds, and only
        // those: through another index it read every running execution, and the first answer
        // to a token after a restart among 100,000 at rest waited 25 ms for it).
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM executions INDEXED BY executions_leased \
             WHERE status = 'RUNNING' AND lease_owner = ?1 \
             AND workflow IN (SELECT value FROM json_each(?2))",
        )?;
        let mine = stmt.query_map(params![worker, workflows], |r| r.get::<_, String>(0))?;
        for id in mine {
            let id = id?;
            if candidates.len() >= limit {
                break;
            }
            if !running.contains(&id) && !candidates.contains(&id) {
                candidates.push(id);
            }
        }
    }
    let mut out = Vec::with_capacity(candidates.len());
    let mut lease = conn
        .prepare_cached("UPDATE executions SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1")?;
    for id in candidates {
        lease.execute(params![id, worker, ms(lease_until)])?;
        // It resumes from its last checkpoint, which may still be in the log.
        if let Some(r) = super::log::folded_record(conn, &id)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Extends `worker`'s leases on `ids`; the ids it still holds.
pub(super) fn renew(
    conn: &Connection,
    worker: &str,
    ids: Vec<String>,
    lease_until: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let mut held = Vec::new();
    let mut stmt = conn.prepare_cached(
        "UPDATE executions SET lease_until = ?3 \
         WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
    )?;
    for id in ids {
        if stmt.execute(params![id, worker, ms(lease_until)])? > 0 {
            held.push(id);
        }
    }
    Ok(held)
}
