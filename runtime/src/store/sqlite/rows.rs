//! Rows to records and back: timestamps as milliseconds, JSON as text, and an execution's
//! row read into an [`ExecutionRecord`].

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::error::Status;
use crate::store::{Checkpoint, ExecutionRecord, StoreError};

pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A count as SQLite's 64-bit integer (a count past `i64::MAX` is stored as `i64::MAX`:
/// no count is that large, and a write must not fail on one).
pub(super) fn to_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A count read back (a negative one, which only a hand-edited file holds, as 0).
pub(super) fn from_int(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Of `keys`, those whose row has `status`, as `select` (a key bound as `?1`, the status
/// read) finds it: one point read each (a caller runs them in one read transaction).
pub(super) fn with_status(
    conn: &rusqlite::Connection,
    select: &str,
    keys: Vec<String>,
    status: &str,
) -> Result<Vec<String>, StoreError> {
    use rusqlite::OptionalExtension as _;
    let mut read = conn.prepare_cached(select)?;
    let mut kept = Vec::new();
    for key in keys {
        let found: Option<String> = read.query_row([&key], |r| r.get(0)).optional()?;
        if found.as_deref() == Some(status) {
            kept.push(key);
        }
    }
    Ok(kept)
}

pub(super) fn to_json(v: &Value) -> String {
    v.to_string()
}

pub(super) fn parse_json(s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::backend("corrupt JSON in store", e))
}

pub(super) const COLUMNS: &str = "id, workflow, name, state_machine_arn, role_arn, status, \
                                  input, output, error, cause, start_ms, stop_ms, redrive_count, \
                                  redrive_ms, state, data, vars, at_ms, secret, seq, retry, \
                                                                    map_run, map_items, provisional";

pub(super) fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok(RawRecord {
        id: row.get(0)?,
        workflow: row.get(1)?,
        name: row.get(2)?,
        state_machine_arn: row.get(3)?,
        role_arn: row.get(4)?,
        status: row.get(5)?,
        input: row.get(6)?,
        output: row.get(7)?,
        error: row.get(8)?,
        cause: row.get(9)?,
        start_ms: row.get(10)?,
        stop_ms: row.get(11)?,
        redrive_count: row.get(12)?,
        redrive_ms: row.get(13)?,
        state: row.get(14)?,
        data: row.get(15)?,
        vars: row.get(16)?,
        at_ms: row.get(17)?,
        secret: row.get(18)?,
        seq: row.get(19)?,
        retry: row.get(20)?,
        map_run: row.get(21)?,
        map_items: row.get(22)?,
        provisional: row.get(23)?,
    })
}

/// A row before its JSON columns are parsed.
pub(super) struct RawRecord {
    id: String,
    workflow: String,
    name: String,
    state_machine_arn: String,
    role_arn: String,
    status: String,
    input: String,
    output: Option<String>,
    error: Option<String>,
    cause: Option<String>,
    start_ms: i64,
    stop_ms: Option<i64>,
    redrive_count: u32,
    redrive_ms: Option<i64>,
    state: Option<String>,
    data: Option<String>,
    vars: Option<String>,
    at_ms: Option<i64>,
    secret: String,
    seq: i64,
    retry: Option<String>,
    map_run: Option<String>,
    map_items: i64,
    provisional: Option<i64>,
}

impl RawRecord {
    pub(super) fn parse(self) -> Result<ExecutionRecord, StoreError> {
        let checkpoint = match (self.state, self.data, self.at_ms) {
            (Some(state), Some(data), Some(at)) => Some(Checkpoint {
                state,
                input: parse_json(&data)?,
                vars: match self.vars.as_deref().map(parse_json).transpose()? {
                    Some(Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                },
                at: from_ms(at),
                seq: self.seq as u64,
                retry: self.retry.as_deref().map(parse_json).transpose()?,
                provisional: self.provisional.map(from_int),
            }),
            _ => None,
        };
        Ok(ExecutionRecord {
            status: self
                .status
                .parse::<Status>()
                .map_err(|e| StoreError::backend("unknown status in store", e))?,
            input: parse_json(&self.input)?,
            output: self.output.as_deref().map(parse_json).transpose()?,
            id: self.id,
            workflow: self.workflow,
            name: self.name,
            state_machine_arn: self.state_machine_arn,
            role_arn: self.role_arn,
            error: self.error,
            cause: self.cause,
            start_date: from_ms(self.start_ms),
            stop_date: self.stop_ms.map(from_ms),
            redrive_count: self.redrive_count,
            redrive_date: self.redrive_ms.map(from_ms),
            checkpoint,
            secret: self.secret,
            map_run: self.map_run,
            map_items: from_int(self.map_items),
        })
    }
}

pub(super) fn get_record(
    conn: &Connection,
    id: &str,
) -> Result<Option<ExecutionRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM executions WHERE id = ?1"))?
        .query_row(params![id], read_record)
        .optional()?
        .map(RawRecord::parse)
        .transpose()
}
