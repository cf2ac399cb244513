//! Rows to records: timestamps as milliseconds, JSON as text, and an execution's row read
//! into an [`ExecutionRecord`].

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use tokio_postgres::Row;

use crate::error::Status;
use crate::store::{Checkpoint, ExecutionRecord, StoreError};

pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A count as Postgres stores it (`BIGINT`): counts past `i64::MAX` saturate.
pub(super) fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The keys `select` returns (one text column) given `keys` (bound as `$1`): which of them
/// are in some state, in one prepared statement.
pub(super) async fn keys_among(
    conn: &mut super::pool::Conn,
    select: &str,
    keys: &[String],
) -> Result<Vec<String>, StoreError> {
    let statement = conn.statement(select).await?;
    Ok(conn
        .query(&statement, &[&keys])
        .await?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect())
}

pub(super) fn parse_json(s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::backend("corrupt JSON in store", e))
}

pub(super) const COLUMNS: &str = "id, workflow, name, state_machine_arn, role_arn, status, \
                                  input, output, error, cause, start_ms, stop_ms, redrive_count, \
                                  redrive_ms, state, data, vars, at_ms, secret, seq, retry, \
                                                                    map_run, map_items, provisional";

pub(super) fn record(row: &Row) -> Result<ExecutionRecord, StoreError> {
    let status: String = row.get(5);
    let checkpoint = match (
        row.get::<_, Option<String>>(14),
        row.get::<_, Option<String>>(15),
        row.get::<_, Option<i64>>(17),
    ) {
        (Some(state), Some(data), Some(at)) => Some(Checkpoint {
            state,
            input: parse_json(&data)?,
            vars: match row
                .get::<_, Option<String>>(16)
                .as_deref()
                .map(parse_json)
                .transpose()?
            {
                Some(Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            },
            at: from_ms(at),
            seq: row.get::<_, i64>(19) as u64,
            retry: row
                .get::<_, Option<String>>(20)
                .as_deref()
                .map(parse_json)
                .transpose()?,
            provisional: row
                .get::<_, Option<i64>>(23)
                .and_then(|n| u64::try_from(n).ok()),
        }),
        _ => None,
    };
    Ok(ExecutionRecord {
        id: row.get(0),
        workflow: row.get(1),
        name: row.get(2),
        state_machine_arn: row.get(3),
        role_arn: row.get(4),
        status: status
            .parse::<Status>()
            .map_err(|e| StoreError::backend("unknown status in store", e))?,
        input: parse_json(&row.get::<_, String>(6))?,
        output: row
            .get::<_, Option<String>>(7)
            .as_deref()
            .map(parse_json)
            .transpose()?,
        error: row.get(8),
        cause: row.get(9),
        start_date: from_ms(row.get(10)),
        stop_date: row.get::<_, Option<i64>>(11).map(from_ms),
        redrive_count: u32::try_from(row.get::<_, i64>(12)).unwrap_or(u32::MAX),
        redrive_date: row.get::<_, Option<i64>>(13).map(from_ms),
        checkpoint,
        secret: row.get(18),
        map_run: row.get(21),
        map_items: u64::try_from(row.get::<_, i64>(22)).unwrap_or(0),
    })
}

/// One execution, outside a transaction (one statement sees one snapshot).
pub(super) async fn get(
    conn: &mut super::pool::Conn,
    id: &str,
) -> Result<Option<ExecutionRecord>, StoreError> {
    let statement = conn
        .statement(&format!("SELECT {COLUMNS} FROM executions WHERE id = $1"))
        .await?;
    conn.query_opt(&statement, &[&id])
        .await?
        .as_ref()
        .map(record)
        .transpose()
}

pub(super) async fn get_record(
    tx: &tokio_postgres::Transaction<'_>,
    id: &str,
    lock: bool,
) -> Result<Option<ExecutionRecord>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM executions WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    tx.query_opt(&sql, &[&id])
        .await?
        .as_ref()
        .map(record)
        .transpose()
}
