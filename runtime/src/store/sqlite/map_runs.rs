//! Map Runs (MAP-17): a Distributed Map's run as `DescribeMapRun` reports it, stored in the
//! `map_runs` table, and the counts of its stored child executions (the executions whose
//! `map_run` column names it), from which its item and execution counts are made.

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{from_int, from_ms, ms, parse_json, to_int, to_json};
use crate::MapRunStatus;
use crate::error::Status;
use crate::store::{MapRunChild, MapRunRecord, StoreError};

const COLUMNS: &str = "arn, execution, state_machine_arn, status, start_ms, stop_ms, \
                       max_concurrency, tolerated_failure_count, tolerated_failure_percentage, \
                       redrive_count, redrive_ms, counts";

/// Inserts a Map Run, or replaces the one with its ARN.
pub(super) fn put_map_run(conn: &Connection, run: MapRunRecord) -> Result<(), StoreError> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO map_runs ({COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        run.arn,
        run.execution,
        run.state_machine_arn,
        run.status.as_str(),
        ms(run.start_date),
        run.stop_date.map(ms),
        to_int(run.max_concurrency),
        to_int(run.tolerated_failure_count),
        // SQLite stores NaN as NULL; read back as NaN (see `read_map_run`).
        run.tolerated_failure_percentage,
        run.redrive_count,
        run.redrive_date.map(ms),
        run.counts.as_ref().map(to_json),
    ])?;
    Ok(())
}

/// One Map Run, if stored.
pub(super) fn map_run(conn: &Connection, arn: &str) -> Result<Option<MapRunRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM map_runs WHERE arn = ?1"))?
        .query_row(params![arn], read_map_run)
        .optional()?
        .map(RawMapRun::parse)
        .transpose()
}

/// The Map Runs an execution started, oldest first (ties by ARN, so the order is stable).
pub(super) fn map_runs(
    conn: &Connection,
    execution: &str,
) -> Result<Vec<MapRunRecord>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM map_runs WHERE execution = ?1 ORDER BY start_ms, arn"
    ))?
    .query_map(params![execution], read_map_run)?
    .collect::<rusqlite::Result<Vec<_>>>()?
    .into_iter()
    .map(RawMapRun::parse)
    .collect()
}

/// Every stored child execution of a Map Run: its status and how many items it processes.
pub(super) fn map_run_children(
    conn: &Connection,
    arn: &str,
) -> Result<Vec<MapRunChild>, StoreError> {
    conn.prepare_cached("SELECT status, map_items FROM executions WHERE map_run = ?1")?
        .query_map(params![arn], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(|(status, items)| {
            Ok(MapRunChild {
                status: status
                    .parse::<Status>()
                    .map_err(|e| StoreError::backend("unknown status in store", e))?,
                items: from_int(items),
            })
        })
        .collect()
}

/// A Map Run's status as stored (its `as_str`); `None` for any other text.
fn parse_status(s: &str) -> Option<MapRunStatus> {
    [
        MapRunStatus::Running,
        MapRunStatus::Succeeded,
        MapRunStatus::Failed,
        MapRunStatus::Aborted,
    ]
    .into_iter()
    .find(|status| status.as_str() == s)
}

/// A `map_runs` row before its status and JSON are parsed.
struct RawMapRun {
    arn: String,
    execution: String,
    state_machine_arn: String,
    status: String,
    start_ms: i64,
    stop_ms: Option<i64>,
    max_concurrency: i64,
    tolerated_failure_count: i64,
    tolerated_failure_percentage: Option<f64>,
    redrive_count: u32,
    redrive_ms: Option<i64>,
    counts: Option<String>,
}

fn read_map_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawMapRun> {
    Ok(RawMapRun {
        arn: row.get(0)?,
        execution: row.get(1)?,
        state_machine_arn: row.get(2)?,
        status: row.get(3)?,
        start_ms: row.get(4)?,
        stop_ms: row.get(5)?,
        max_concurrency: row.get(6)?,
        tolerated_failure_count: row.get(7)?,
        tolerated_failure_percentage: row.get(8)?,
        redrive_count: row.get(9)?,
        redrive_ms: row.get(10)?,
        counts: row.get(11)?,
    })
}

impl RawMapRun {
    fn parse(self) -> Result<MapRunRecord, StoreError> {
        let Some(status) = parse_status(&self.status) else {
            return Err(StoreError::corrupt(format!(
                "unknown Map Run status in store: {}",
                self.status
            )));
        };
        Ok(MapRunRecord {
            arn: self.arn,
            execution: self.execution,
            state_machine_arn: self.state_machine_arn,
            status,
            start_date: from_ms(self.start_ms),
            stop_date: self.stop_ms.map(from_ms),
            max_concurrency: from_int(self.max_concurrency),
            tolerated_failure_count: from_int(self.tolerated_failure_count),
            // NULL only where NaN was written (SQLite's storage of NaN).
            tolerated_failure_percentage: self.tolerated_failure_percentage.unwrap_or(f64::NAN),
            redrive_count: self.redrive_count,
            redrive_date: self.redrive_ms.map(from_ms),
            counts: self.counts.as_deref().map(parse_json).transpose()?,
        })
    }
}
