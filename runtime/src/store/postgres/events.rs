//! History events: appending one outside a transition, reading an execution's history, and
//! the large payloads events share (stored once, see [`payloads`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Transaction;

use super::rows::{from_ms, ms, parse_json};
use crate::history::Linker;
use crate::store::{EventRange, EventsPage, StoreError, StoredEvent, payloads};

/// Stores payloads shared by events (see [`payloads`]); one execution's or many.
pub(super) async fn insert_payloads(
    tx: &tokio_postgres::Transaction<'_>,
    execution: &[String],
    shared: Vec<payloads::Shared>,
) -> Result<(), StoreError> {
    if shared.is_empty() {
        return Ok(());
    }
    let (hashes, bodies): (Vec<String>, Vec<String>) = shared.into_iter().unzip();
    tx.execute(
        "INSERT INTO payloads (execution, hash, body) \
         SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[]) ON CONFLICT DO NOTHING",
        &[&execution, &hashes, &bodies],
    )
    .await?;
    Ok(())
}

/// Appends an event after the execution's last one (outside a transition: a stop, a redrive).
pub(super) async fn append_event(
    tx: &tokio_postgres::Transaction<'_>,
    execution: &str,
    kind: &str,
    at: DateTime<Utc>,
    details: Value,
) -> Result<(), StoreError> {
    let n: i64 = tx
        .query_one(
            "UPDATE executions SET events = events + 1 WHERE id = $1 RETURNING events",
            &[&execution],
        )
        .await?
        .get(0);
    let mut shared = Vec::new();
    let details = payloads::share(&details, &mut shared);
    let owners = vec![execution.to_string(); shared.len()];
    insert_payloads(tx, &owners, shared).await?;
    tx.execute(
        "INSERT INTO events (execution, id, type, state, ts_ms, details) \
         VALUES ($1, $2, $3, NULL, $4, $5)",
        &[&execution, &n, &kind, &ms(at), &details],
    )
    .await?;
    Ok(())
}

/// An execution's history, oldest first, with its shared payloads put back: one prepared
/// statement (its events and its payloads in one snapshot), one round trip. It was a
/// transaction of two statements parsed each time: six round trips, a third of the time a
/// worker spent loading a claimed execution.
pub(super) async fn history(
    conn: &mut super::pool::Conn,
    id: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let statement = conn
        .statement(
            "SELECT id, type, state, ts_ms, details, NULL AS hash FROM events \
             WHERE execution = $1 \
             UNION ALL SELECT NULL, NULL, NULL, NULL, body, hash FROM payloads \
             WHERE execution = $1 \
             ORDER BY id NULLS FIRST",
        )
        .await?;
    let rows = conn.query(&statement, &[&id]).await?;
    // Payloads (no id) come first.
    let split = rows
        .iter()
        .position(|r| r.get::<_, Option<i64>>(0).is_some())
        .unwrap_or(rows.len());
    let (shared, events) = rows.split_at(split);
    let shared: HashMap<String, String> = shared
        .iter()
        .filter_map(|r| {
            Some((
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .collect();
    events_with(events, &shared)
}

/// Events of `rows` (`id, type, state, ts_ms, details`), with the shared payloads of
/// execution `id` put back.
async fn events_of(
    tx: &Transaction<'_>,
    id: &str,
    rows: &[tokio_postgres::Row],
) -> Result<Vec<StoredEvent>, StoreError> {
    let shared: HashMap<String, String> = if rows
        .iter()
        .any(|r| r.get::<_, Option<&str>>(4).is_some_and(payloads::refers))
    {
        tx.query(
            "SELECT hash, body FROM payloads WHERE execution = $1",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    } else {
        HashMap::new()
    };
    events_with(rows, &shared)
}

/// Events of `rows` (`id, type, state, ts_ms, details`), with `shared` put back.
fn events_with(
    rows: &[tokio_postgres::Row],
    shared: &HashMap<String, String>,
) -> Result<Vec<StoredEvent>, StoreError> {
    rows.iter()
        .map(|r| {
            let details = match r.get::<_, Option<&str>>(4) {
                Some(text) => {
                    let mut d = parse_json(text)?;
                    payloads::restore(&mut d, shared)?;
                    Some(d)
                }
                None => None,
            };
            Ok(StoredEvent {
                id: r.get::<_, i64>(0) as u64,
                kind: r.get(1),
                state: r.get(2),
                timestamp: from_ms(r.get(3)),
                details,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()
}

/// A page of an execution's history (see [`EventRange`]), with its shared payloads put
/// back, and the id and type of every event before it (read without their details).
pub(super) async fn history_page(
    tx: &Transaction<'_>,
    id: &str,
    range: EventRange,
) -> Result<EventsPage, StoreError> {
    // Event ids run from 1, nearly always without a gap, so the page's ids are bounded on
    // both sides: the query reads the page's rows and no more whatever plan the server picks
    // (without statistics, a fresh table's, it read and sorted all 24,000 events of an
    // execution for `ORDER BY id LIMIT`: 15-20 ms a page). A page that comes back short
    // while events lie past its bound (a gap: a commit that was lost, or publishes that
    // landed out of order) is read again without the bound.
    let (mut after, limit) = range.bounds();
    if range.reverse && range.after.is_none() {
        after = tx
            .query_one(
                "SELECT coalesce(max(id), 0) + 1 FROM events WHERE execution = $1",
                &[&id],
            )
            .await?
            .get(0);
    }
    let (sql, bound, past) = if range.reverse {
        (
            "SELECT id, type, state, ts_ms, details FROM events WHERE execution = $1 \
             AND id < $2 AND id >= $3 ORDER BY id DESC LIMIT $4",
            after.saturating_sub(limit),
            "SELECT EXISTS (SELECT 1 FROM events WHERE execution = $1 AND id < $2)",
        )
    } else {
        (
            "SELECT id, type, state, ts_ms, details FROM events WHERE execution = $1 \
             AND id > $2 AND id <= $3 ORDER BY id LIMIT $4",
            after.saturating_add(limit),
            "SELECT EXISTS (SELECT 1 FROM events WHERE execution = $1 AND id > $2)",
        )
    };
    let mut rows = tx.query(sql, &[&id, &after, &bound, &limit]).await?;
    if (rows.len() as i64) < limit && tx.query_one(past, &[&id, &bound]).await?.get::<_, bool>(0) {
        let unbounded = if range.reverse {
            "SELECT id, type, state, ts_ms, details FROM events WHERE execution = $1 \
             AND id < $2 ORDER BY id DESC LIMIT $3"
        } else {
            "SELECT id, type, state, ts_ms, details FROM events WHERE execution = $1 \
             AND id > $2 ORDER BY id LIMIT $3"
        };
        rows = tx.query(unbounded, &[&id, &after, &limit]).await?;
    }
    let mut events = events_of(tx, id, &rows).await?;
    let more = events.len() > range.limit;
    events.truncate(range.limit);
    let lowest = events.iter().map(|e| e.id).min().unwrap_or(0);
    // Linking starts at the last event before the page that resets the links (an inline
    // Map's iterations are full of them): read back to it, a chunk at a time, not from the
    // first event.
    let mut back: Vec<(u64, String)> = Vec::new();
    let mut earlier = Linker::default();
    let mut below = i64::try_from(lowest).unwrap_or(i64::MAX);
    // Chunks of ids (not of rows: see above), so a gap only makes a chunk shorter.
    'chunks: while below > 1 {
        let lower = below.saturating_sub(512);
        let rows = tx
            .query(
                "SELECT id, type FROM events WHERE execution = $1 AND id < $2 AND id >= $3 \
                 ORDER BY id DESC",
                &[&id, &below, &lower],
            )
            .await?;
        for r in &rows {
            let at: i64 = r.get(0);
            let kind: &str = r.get(1);
            if let Some(reset) = Linker::after(at as u64, kind) {
                earlier = reset;
                break 'chunks;
            }
            back.push((at as u64, kind.to_string()));
        }
        below = lower;
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
