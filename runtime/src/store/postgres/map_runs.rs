//! Distributed Map's Map Runs (MAP-17): their records (status, dates, tolerance, redrives,
//! the counts of children not stored as executions) and the stored child executions of each,
//! counted by status and items for `DescribeMapRun`.

use serde_json::Value;
use tokio_postgres::{Row, Transaction};

use super::rows::{count, from_ms, ms, parse_json};
use crate::MapRunStatus;
use crate::error::Status;
use crate::store::{MapRunChild, MapRunRecord, StoreError};

const COLUMNS: &str = "arn, execution, state_machine_arn, status, start_ms, stop_ms, \
                       max_concurrency, tolerated_failure_count, tolerated_failure_percentage, \
                       redrive_count, redrive_ms, counts";

/// Stores a Map Run, replacing the one with its ARN.
pub(super) async fn put_map_run(tx: &Transaction<'_>, run: MapRunRecord) -> Result<(), StoreError> {
    tx.execute(
        &format!(
            "INSERT INTO map_runs ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (arn) DO UPDATE SET execution = EXCLUDED.execution, \
             state_machine_arn = EXCLUDED.state_machine_arn, status = EXCLUDED.status, \
             start_ms = EXCLUDED.start_ms, stop_ms = EXCLUDED.stop_ms, \
             max_concurrency = EXCLUDED.max_concurrency, \
             tolerated_failure_count = EXCLUDED.tolerated_failure_count, \
             tolerated_failure_percentage = EXCLUDED.tolerated_failure_percentage, \
             redrive_count = EXCLUDED.redrive_count, redrive_ms = EXCLUDED.redrive_ms, \
             counts = EXCLUDED.counts"
        ),
        &[
            &run.arn,
            &run.execution,
            &run.state_machine_arn,
            &run.status.as_str(),
            &ms(run.start_date),
            &run.stop_date.map(ms),
            &count(run.max_concurrency),
            &count(run.tolerated_failure_count),
            &run.tolerated_failure_percentage,
            &i64::from(run.redrive_count),
            &run.redrive_date.map(ms),
            &run.counts.as_ref().map(Value::to_string),
        ],
    )
    .await?;
    Ok(())
}

/// One Map Run, if stored.
pub(super) async fn map_run(
    tx: &Transaction<'_>,
    arn: &str,
) -> Result<Option<MapRunRecord>, StoreError> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM map_runs WHERE arn = $1"),
        &[&arn],
    )
    .await?
    .as_ref()
    .map(record)
    .transpose()
}

/// The Map Runs `execution` started, oldest first (ties by ARN).
pub(super) async fn map_runs(
    tx: &Transaction<'_>,
    execution: &str,
) -> Result<Vec<MapRunRecord>, StoreError> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM map_runs WHERE execution = $1 ORDER BY start_ms, arn"),
        &[&execution],
    )
    .await?
    .iter()
    .map(record)
    .collect()
}

/// The stored child executions of a Map Run: their status and item count.
pub(super) async fn map_run_children(
    tx: &Transaction<'_>,
    arn: &str,
) -> Result<Vec<MapRunChild>, StoreError> {
    tx.query(
        "SELECT status, map_items FROM executions WHERE map_run = $1",
        &[&arn],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(MapRunChild {
            status: r
                .get::<_, String>(0)
                .parse::<Status>()
                .map_err(|e| StoreError::backend("unknown status in store", e))?,
            items: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
        })
    })
    .collect()
}

/// A `map_runs` row read back.
fn record(row: &Row) -> Result<MapRunRecord, StoreError> {
    let status: String = row.get(3);
    // Counts were stored from `u64`s: a negative one can only be corruption; read it as 0.
    let unsigned = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
    Ok(MapRunRecord {
        arn: row.get(0),
        execution: row.get(1),
        state_machine_arn: row.get(2),
        status: MapRunStatus::parse(&status).ok_or_else(|| {
            StoreError::corrupt(format!("unknown Map Run status in store: {status}"))
        })?,
        start_date: from_ms(row.get(4)),
        stop_date: row.get::<_, Option<i64>>(5).map(from_ms),
        max_concurrency: unsigned(6),
        tolerated_failure_count: unsigned(7),
        tolerated_failure_percentage: row.get(8),
        redrive_count: u32::try_from(row.get::<_, i64>(9)).unwrap_or(u32::MAX),
        redrive_date: row.get::<_, Option<i64>>(10).map(from_ms),
        counts: row
            .get::<_, Option<String>>(11)
            .as_deref()
            .map(parse_json)
            .transpose()?,
    })
}
