//! History events: appending one outside a transition, reading an execution's history, and
//! the large payloads its events share (stored once, see [`payloads`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::Value;

use super::rows::{from_ms, ms, parse_json};
use crate::store::{StoreError, StoredEvent, payloads};

/// An event's details as stored, with its large payloads stored once (see [`payloads`]).
pub(super) fn store_details(
    conn: &Connection,
    execution: &str,
    details: &Value,
) -> Result<String, StoreError> {
    let mut shared = Vec::new();
    let text = payloads::share(details, &mut shared);
    if !shared.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO payloads (execution, hash, body) VALUES (?1, ?2, ?3)",
        )?;
        for (hash, body) in shared {
            insert.execute(params![execution, hash, body])?;
        }
    }
    Ok(text)
}

/// An execution's shared payloads by hash.
fn shared_payloads(
    conn: &Connection,
    execution: &str,
) -> Result<HashMap<String, String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT hash, body FROM payloads WHERE execution = ?1")?;
    let rows = stmt.query_map(params![execution], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (hash, body) = row?;
        out.insert(hash, body);
    }
    Ok(out)
}

/// Appends an event after the execution's last one (outside a transition: a stop, a redrive).
pub(super) fn append_event(
    conn: &Connection,
    execution: &str,
    kind: &str,
    at: DateTime<Utc>,
    details: Value,
) -> Result<(), StoreError> {
    let details = store_details(conn, execution, &details)?;
    let n: i64 = conn
        .prepare_cached("SELECT events FROM executions WHERE id = ?1")?
        .query_row(params![execution], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO events (execution, id, type, state, ts_ms, details) \
         VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
    )?
    .execute(params![execution, n + 1, kind, ms(at), details])?;
    conn.prepare_cached("UPDATE executions SET events = ?2 WHERE id = ?1")?
        .execute(params![execution, n + 1])?;
    Ok(())
}

/// An execution's history, oldest first, with its shared payloads put back.
pub(super) fn history(conn: &Connection, id: &str) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, type, state, ts_ms, details FROM events WHERE execution = ?1 \
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![id], |r| {
        Ok((
            StoredEvent {
                id: r.get::<_, i64>(0)? as u64,
                kind: r.get(1)?,
                state: r.get(2)?,
                timestamp: from_ms(r.get(3)?),
                details: None,
            },
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    let mut shared: Option<HashMap<String, String>> = None;
    for row in rows {
        let (mut e, details) = row?;
        if let Some(text) = details {
            let mut d = parse_json(&text)?;
            if payloads::refers(&text) {
                if shared.is_none() {
                    shared = Some(shared_payloads(conn, id)?);
                }
                if let Some(p) = &shared {
                    payloads::restore(&mut d, p)?;
                }
            }
            e.details = Some(d);
        }
        out.push(e);
    }
    Ok(out)
}
