//! Schedules (`durable::schedule`): one row each in the `schedules` table; a fire is claimed
//! by a compare-and-set on `next_ms`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{from_ms, ms, parse_json, to_json};
use crate::store::{ScheduleRecord, ScheduleState, StoreError};

const COLUMNS: &str = "name, workflow, expression, time_zone, input, description, start_ms, \
                       end_ms, state, anchor_ms, next_ms, last_ms, created_ms, modified_ms";

/// Inserts a schedule; `false` when the name is taken.
pub(super) fn create_schedule(conn: &Connection, s: ScheduleRecord) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(&format!(
            "INSERT OR IGNORE INTO schedules ({COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        ))?
        .execute(params![
            s.name,
            s.workflow,
            s.expression,
            s.time_zone,
            to_json(&s.input),
            s.description,
            s.start_date.map(ms),
            s.end_date.map(ms),
            s.state.as_str(),
            ms(s.anchor),
            s.next_fire.map(ms),
            s.last_fire.map(ms),
            ms(s.creation_date),
            ms(s.last_modification_date),
        ])?;
    Ok(n == 1)
}

/// One schedule.
pub(super) fn schedule(
    conn: &Connection,
    name: &str,
) -> Result<Option<ScheduleRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM schedules WHERE name = ?1"))?
        .query_row(params![name], read)
        .optional()?
        .map(Raw::parse)
        .transpose()
}

/// Every schedule, by name.
pub(super) fn schedules(conn: &Connection) -> Result<Vec<ScheduleRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM schedules ORDER BY name"))?
        .query_map([], read)?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(Raw::parse)
        .collect()
}

/// Enables or pauses a schedule with its next fire.
pub(super) fn set_schedule_state(
    conn: &Connection,
    name: &str,
    state: ScheduleState,
    next: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<Option<ScheduleRecord>, StoreError> {
    conn.prepare_cached(
        "UPDATE schedules SET state = ?2, next_ms = ?3, modified_ms = ?4 WHERE name = ?1",
    )?
    .execute(params![name, state.as_str(), next.map(ms), ms(at)])?;
    schedule(conn, name)
}

/// Deletes a schedule.
pub(super) fn delete_schedule(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM schedules WHERE name = ?1")?
        .execute(params![name])?
        == 1)
}

/// Moves an enabled schedule's next fire from `fired` to `next` (compare-and-set).
pub(super) fn advance_schedule(
    conn: &Connection,
    name: &str,
    fired: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "UPDATE schedules SET next_ms = ?3, last_ms = ?2 \
             WHERE name = ?1 AND next_ms = ?2 AND state = 'ENABLED'",
        )?
        .execute(params![name, ms(fired), next.map(ms)])?
        == 1)
}

/// A `schedules` row before its state and input are parsed.
struct Raw {
    name: String,
    workflow: String,
    expression: String,
    time_zone: String,
    input: String,
    description: Option<String>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    state: String,
    anchor_ms: i64,
    next_ms: Option<i64>,
    last_ms: Option<i64>,
    created_ms: i64,
    modified_ms: i64,
}

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        name: row.get(0)?,
        workflow: row.get(1)?,
        expression: row.get(2)?,
        time_zone: row.get(3)?,
        input: row.get(4)?,
        description: row.get(5)?,
        start_ms: row.get(6)?,
        end_ms: row.get(7)?,
        state: row.get(8)?,
        anchor_ms: row.get(9)?,
        next_ms: row.get(10)?,
        last_ms: row.get(11)?,
        created_ms: row.get(12)?,
        modified_ms: row.get(13)?,
    })
}

impl Raw {
    fn parse(self) -> Result<ScheduleRecord, StoreError> {
        let state = ScheduleState::parse(&self.state).ok_or_else(|| {
            StoreError::corrupt(format!("unknown schedule state in store: {}", self.state))
        })?;
        Ok(ScheduleRecord {
            name: self.name,
            workflow: self.workflow,
            expression: self.expression,
            time_zone: self.time_zone,
            input: parse_json(&self.input)?,
            description: self.description,
            start_date: self.start_ms.map(from_ms),
            end_date: self.end_ms.map(from_ms),
            state,
            anchor: from_ms(self.anchor_ms),
            next_fire: self.next_ms.map(from_ms),
            last_fire: self.last_ms.map(from_ms),
            creation_date: from_ms(self.created_ms),
            last_modification_date: from_ms(self.modified_ms),
        })
    }
}
