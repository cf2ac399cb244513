//! Results of finished Map iterations and Parallel branches, kept so a resumed execution does
//! not run them again.

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{parse_json, to_json};
use crate::store::{Progress, StoreError};

/// The finished iterations and branches of an execution.
pub(super) fn progress(conn: &Connection, id: &str) -> Result<Vec<Progress>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT scope, idx, result, events FROM progress WHERE execution = ?1")?;
    let rows = stmt.query_map(params![id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (scope, idx, result, events) = row?;
        out.push(Progress {
            scope,
            index: idx as usize,
            result: parse_json(&result)?,
            events: parse_json(&events)?,
        });
    }
    Ok(out)
}

/// Records a finished iteration or branch, fenced by the writer's lease.
pub(super) fn put_progress(
    conn: &Connection,
    execution: String,
    worker: &str,
    progress: Progress,
) -> Result<(), StoreError> {
    let owned: Option<i64> = conn
        .prepare_cached(
            "SELECT 1 FROM executions WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
        )?
        .query_row(params![execution, worker], |r| r.get(0))
        .optional()?;
    if owned.is_none() {
        return Err(StoreError::LeaseLost(execution));
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO progress (execution, scope, idx, result, events) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        execution,
        progress.scope,
        progress.index as i64,
        to_json(&progress.result),
        to_json(&progress.events)
    ])?;
    Ok(())
}
