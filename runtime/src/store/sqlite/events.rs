//! History events: appending one outside a transition, reading an execution's history, and
//! the large payloads its events share (stored once, see [`payloads`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::Value;

use super::rows::{from_ms, ms, parse_json};
use crate::history::Linker;
use crate::store::{EventRange, EventsPage, StoreError, StoredEvent, payloads};

/// An event's details as stored, with its large payloads stored once (see [`payloads`]).
pub(super) fn store_details(
    conn: &Connection,
    execution: &str,
    details: &Value,
) -> Result<String, StoreError> {
    let mut shared = Vec::new();
    let text = payloads::share(details, &mut shared);
    insert_payloads(conn, execution, shared)?;
    Ok(text)
}

/// Stores `execution`'s shared payloads (each once).
pub(super) fn insert_payloads(
    conn: &Connection,
    execution: &str,
    shared: Vec<payloads::Shared>,
) -> Result<(), StoreError> {
    if !shared.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO payloads (execution, hash, body) VALUES (?1, ?2, ?3)",
        )?;
        for (hash, body) in shared {
            insert.execute(params![execution, hash, body])?;
        }
    }
    Ok(())
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
    super::log::fold(conn, execution)?;
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
    let rows = stmt.query_map(params![id], event_row)?;
    let mut out = Vec::new();
    let mut shared: Option<HashMap<String, String>> = None;
    for row in rows {
        let (e, details) = row?;
        out.push(with_details(conn, id, e, details, &mut shared)?);
    }
    // Transitions not folded yet follow what the events table holds.
    for (e, details) in super::log::pending_events(conn, id)? {
        out.push(with_details(conn, id, e, details, &mut shared)?);
    }
    Ok(out)
}

/// A page of an execution's history (see [`EventRange`]), with its shared payloads put
/// back, and the id and type of every event before it (read without their details).
pub(super) fn history_page(
    conn: &Connection,
    id: &str,
    range: EventRange,
) -> Result<EventsPage, StoreError> {
    let sql = if range.reverse {
        "SELECT id, type, state, ts_ms, details FROM events WHERE execution = ?1 AND id < ?2 \
         ORDER BY id DESC LIMIT ?3"
    } else {
        "SELECT id, type, state, ts_ms, details FROM events WHERE execution = ?1 AND id > ?2 \
         ORDER BY id LIMIT ?3"
    };
    let (after, limit) = range.bounds();
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![id, after, limit], event_row)?;
    let mut events = Vec::new();
    let mut shared: Option<HashMap<String, String>> = None;
    for row in rows {
        let (e, details) = row?;
        events.push(with_details(conn, id, e, details, &mut shared)?);
    }
    let more = events.len() > range.limit;
    events.truncate(range.limit);
    let lowest = events.iter().map(|e| e.id).min().unwrap_or(0);
    // Linking starts at the last event before the page that resets the links (an inline
    // Map's iterations are full of them): read back to it, not from the first event.
    let mut back = Vec::new();
    let mut earlier = Linker::default();
    if lowest > 0 {
        let mut stmt = conn.prepare_cached(
            "SELECT id, type FROM events WHERE execution = ?1 AND id < ?2 ORDER BY id DESC",
        )?;
        let mut rows = stmt.query(params![id, i64::try_from(lowest).unwrap_or(i64::MAX)])?;
        while let Some(r) = rows.next()? {
            let at = r.get::<_, i64>(0)? as u64;
            let kind = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            if let Some(reset) = Linker::after(at, kind) {
                earlier = reset;
                break;
            }
            back.push((at, kind.to_string()));
        }
    }
    for (at, kind) in back.iter().rev() {
        earlier.link(*at, kind);
    }
    Ok(EventsPage {
        events,
        more,
        earlier,
    })
}

/// An event row: the event without its details, and its stored details.
fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(StoredEvent, Option<String>)> {
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
}

/// `e` with its stored `details` parsed and their shared payloads put back (read once per
/// call, into `shared`).
fn with_details(
    conn: &Connection,
    id: &str,
    mut e: StoredEvent,
    details: Option<String>,
    shared: &mut Option<HashMap<String, String>>,
) -> Result<StoredEvent, StoreError> {
    if let Some(text) = details {
        let mut d = parse_json(&text)?;
        if payloads::refers(&text) {
            if shared.is_none() {
                *shared = Some(shared_payloads(conn, id)?);
            }
            if let Some(p) = shared {
                payloads::restore(&mut d, p)?;
            }
        }
        e.details = Some(d);
    }
    Ok(e)
}
