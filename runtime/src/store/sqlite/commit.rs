//! Committing a transition: its events, its checkpoint and, at the end, the execution's
//! result, all fenced by the writer's lease. A plain transition is appended to the commit
//! log (see `log`); anything else is written where it belongs, after the log is folded.

use rusqlite::{Connection, params};
use serde_json::Value;

use super::events::store_details;
use super::log;
use super::rows::{ms, to_json};
use crate::error::Status;
use crate::store::{Close, Commit, StoreError};

/// Writes `commit` (anything but a plain transition, which is logged: see `log`) unless its
/// worker lost the lease (then nothing is written).
pub(super) fn commit(conn: &Connection, commit: Commit) -> Result<(), StoreError> {
    debug_assert!(!log::loggable(&commit), "a plain transition is logged");
    // What this commit changes follows the execution's logged transitions.
    log::fold(conn, &commit.execution)?;
    if let Some(from) = commit.truncate_from {
        let fenced = conn
            .prepare_cached(
                "UPDATE executions SET events = ?3 - 1, provisional = NULL \
                 WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
            )?
            .execute(params![commit.execution, commit.worker, from as i64])?;
        if fenced == 0 {
            return Err(StoreError::LeaseLost(commit.execution));
        }
        conn.prepare_cached("DELETE FROM events WHERE execution = ?1 AND id >= ?2")?
            .execute(params![commit.execution, from as i64])?;
    }
    // Provisional events keep the first one's id (a publish with no new event keeps the
    // mark); a transition or an end makes every event final. Events published out of order (after a later commit landed) are final
    // too: only a publish that follows the stored events marks them provisional.
    let first = commit.events.first().map(|e| e.id as i64);
    let fenced = conn
        .prepare_cached(
            "UPDATE executions SET events = events + ?3, \
             provisional = CASE WHEN ?4 AND ?3 = 0 THEN provisional \
             WHEN ?4 AND events + 1 = ?5 THEN min(coalesce(provisional, ?5), ?5) \
             ELSE NULL END \
             WHERE id = ?1 AND lease_owner = ?2 AND status = 'RUNNING'",
        )?
        .execute(params![
            commit.execution,
            commit.worker,
            commit.events.len() as i64,
            commit.provisional,
            first
        ])?;
    if fenced == 0 {
        return Err(StoreError::LeaseLost(commit.execution));
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (execution, id, type, state, ts_ms, details) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for e in &commit.events {
        let details = match &e.details {
            Some(d) => Some(store_details(conn, &commit.execution, d)?),
            None => None,
        };
        insert.execute(params![
            commit.execution,
            e.id as i64,
            e.kind,
            e.state,
            ms(e.timestamp),
            details
        ])?;
    }
    if let Some(c) = &commit.checkpoint {
        conn.prepare_cached(
            "UPDATE executions SET state = ?2, data = ?3, vars = ?4, at_ms = ?5, seq = ?6, \
             retry = ?7 WHERE id = ?1",
        )?
        .execute(params![
            commit.execution,
            c.state,
            to_json(&c.input),
            to_json(&Value::Object(c.vars.clone())),
            ms(c.at),
            c.seq as i64,
            c.retry.as_ref().map(to_json)
        ])?;
    }
    if let Some(rest) = &commit.rest {
        let wake = match &rest.token {
            Some(token) if !super::tokens::rest_on(conn, token)? => token.handed_out.started,
            _ => rest.until,
        };
        conn.prepare_cached(
            "UPDATE executions SET lease_owner = NULL, lease_until = ?2 WHERE id = ?1",
        )?
        .execute(params![commit.execution, ms(wake)])?;
    }
    if let Some(Close {
        status,
        output,
        error,
        cause,
        at,
    }) = &commit.close
    {
        conn.prepare_cached(
            "UPDATE executions SET status = ?2, output = ?3, error = ?4, cause = ?5, \
             stop_ms = ?6, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
        )?
        .execute(params![
            commit.execution,
            status.as_str(),
            output.as_ref().map(to_json),
            error,
            cause,
            ms(*at)
        ])?;
        conn.prepare_cached(
            "UPDATE tokens SET status = 'CLOSED' WHERE execution = ?1 AND status = 'WAITING'",
        )?
        .execute(params![commit.execution])?;
        if *status == Status::Succeeded {
            conn.prepare_cached("DELETE FROM progress WHERE execution = ?1")?
                .execute(params![commit.execution])?;
        } else {
            // The iterations' events are in the history now: a redrive keeps their
            // results without recording them again.
            conn.prepare_cached("UPDATE progress SET events = '[]' WHERE execution = ?1")?
                .execute(params![commit.execution])?;
        }
    }
    Ok(())
}
