//! An execution's life outside its transitions: stopping it, redriving it, and listing
//! executions (creating it: `starts`).

use chrono::{DateTime, Utc};
use tokio_postgres::Transaction;

use super::events::append_event;
use super::rows::{COLUMNS, count, get_record, ms, record};
use crate::error::Status;
use crate::store::{ExecutionRecord, Page, StoreError};

/// Of `ids`, the executions still running (found by id: the status as an expression no
/// index matches, see `group::GROUP_COMMIT`).
pub(super) async fn running_among(
    conn: &mut super::pool::Conn,
    ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let select = "SELECT id FROM executions WHERE id = ANY($1) AND status || '' = 'RUNNING'";
    super::rows::keys_among(conn, select, ids).await
}

/// Aborts a running execution; the record as it was before, if there is one.
pub(super) async fn stop(
    tx: &Transaction<'_>,
    id: &str,
    error: Option<String>,
    cause: Option<String>,
    at: DateTime<Utc>,
) -> Result<Option<ExecutionRecord>, StoreError> {
    Ok(match get_record(tx, id, true).await? {
        None => None,
        Some(r) if r.status != Status::Running => Some(r),
        Some(r) => {
            tx.execute(
                "UPDATE executions SET status = 'ABORTED', error = $2, cause = $3, \
                 stop_ms = $4, lease_owner = NULL, lease_until = NULL, provisional = NULL \
                 WHERE id = $1",
                &[&id, &error, &cause, &ms(at)],
            )
            .await?;
            tx.execute(
                "UPDATE tokens SET status = 'CLOSED' WHERE execution = $1 AND status = 'WAITING'",
                &[&id],
            )
            .await?;
            append_event(
                tx,
                id,
                "ExecutionAborted",
                at,
                crate::store::aborted_details(error.as_deref(), cause.as_deref()),
            )
            .await?;
            Some(r)
        }
    })
}

/// Runs a failed, timed-out or aborted execution again; the record as it was before.
pub(super) async fn redrive(
    tx: &Transaction<'_>,
    id: &str,
    worker: &str,
    at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<ExecutionRecord>, StoreError> {
    Ok(match get_record(tx, id, true).await? {
        None => None,
        Some(r)
            if !matches!(
                r.status,
                Status::Failed | Status::TimedOut | Status::Aborted
            ) =>
        {
            Some(r)
        }
        Some(r) => {
            tx.execute(
                "UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, \
                 cause = NULL, stop_ms = NULL, redrive_count = redrive_count + 1, \
                 redrive_ms = $2::BIGINT, retry = NULL, \
                 at_ms = CASE WHEN at_ms IS NULL THEN NULL ELSE $2::BIGINT END, \
                 lease_owner = $3, lease_until = $4 WHERE id = $1",
                &[&id, &ms(at), &worker, &ms(lease_until)],
            )
            .await?;
            append_event(
                tx,
                id,
                "ExecutionRedriven",
                at,
                serde_json::json!({ "redriveCount": r.redrive_count + 1 }),
            )
            .await?;
            Some(r)
        }
    })
}

/// A page of executions (of `workflow`, with `status`, children of `map_run`, whose name
/// contains `name`: each when given), newest first; the next page starts at `offset + limit`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn list(
    tx: &Transaction<'_>,
    workflow: Option<String>,
    status: Option<String>,
    redriven: Option<bool>,
    map_run: Option<String>,
    name: Option<String>,
    limit: usize,
    offset: i64,
) -> Result<Page, StoreError> {
    let rows = tx
        .query(
            &format!(
                "SELECT {COLUMNS} FROM executions \
                 WHERE ($1::TEXT IS NULL OR workflow = $1) \
                 AND ($2::TEXT IS NULL OR status = $2) \
                 AND ($3::TEXT IS NULL OR map_run = $3) \
                 AND ($6::BOOL IS NULL OR (redrive_count > 0) = $6) \
                 AND ($7::TEXT IS NULL OR strpos(name, $7) > 0) \
                 ORDER BY start_ms DESC, id DESC LIMIT $4 OFFSET $5"
            ),
            &[
                &workflow,
                &status,
                &map_run,
                &count((limit as u64).saturating_add(1)),
                &offset,
                &redriven,
                &name,
            ],
        )
        .await?;
    let more = rows.len() > limit;
    let executions = rows
        .iter()
        .take(limit)
        .map(record)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        next_token: more.then(|| offset.saturating_add(count(limit as u64)).to_string()),
        executions,
    })
}

/// How many executions of `workflow` there are by status (an index-only count over
/// `executions_workflow_status`).
pub(super) async fn execution_counts(
    tx: &Transaction<'_>,
    workflow: &str,
) -> Result<std::collections::BTreeMap<Status, u64>, StoreError> {
    let rows = tx
        .query(
            "SELECT status, COUNT(*) FROM executions WHERE workflow = $1 GROUP BY status",
            &[&workflow],
        )
        .await?;
    let mut counts = std::collections::BTreeMap::new();
    for row in rows {
        let status: Status = row
            .get::<_, String>(0)
            .parse()
            .map_err(|e| StoreError::backend("unknown status in store", e))?;
        counts.insert(status, u64::try_from(row.get::<_, i64>(1)).unwrap_or(0));
    }
    Ok(counts)
}
