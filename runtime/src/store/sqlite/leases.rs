//! Leases: a worker claims runnable executions of its workflows and renews the leases on
//! those it runs.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::rows::{get_record, ms};
use crate::store::{ExecutionRecord, StoreError};

/// Leases up to `limit` runnable executions of `workflows` (not in `exclude`) to `worker`.
pub(super) fn claim(
    conn: &Connection,
    worker: &str,
    workflows: &[String],
    exclude: &HashSet<String>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<ExecutionRecord>, StoreError> {
    // Only this worker's workflows, so executions of others never crowd them out.
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM executions WHERE status = 'RUNNING' \
         AND (lease_owner IS NULL OR lease_until < ?1 OR lease_owner = ?2) \
         AND workflow IN (SELECT value FROM json_each(?4)) \
         ORDER BY start_ms LIMIT ?3",
    )?;
    let candidates = stmt
        .query_map(
            params![
                ms(now),
                worker,
                (limit + exclude.len()) as i64,
                serde_json::to_string(&workflows).unwrap_or_default()
            ],
            |r| r.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for id in candidates {
        if out.len() >= limit || exclude.contains(&id) {
            continue;
        }
        conn.prepare_cached(
            "UPDATE executions SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1",
        )?
        .execute(params![id, worker, ms(lease_until)])?;
        if let Some(r) = get_record(conn, &id)? {
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
