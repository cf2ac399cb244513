//! Leases: a worker claims runnable executions of its workflows (`FOR UPDATE SKIP LOCKED`)
//! and renews the leases on those it runs.

use chrono::{DateTime, Utc};
use tokio_postgres::Transaction;

use super::rows::{COLUMNS, ms, record};
use crate::store::{ExecutionRecord, StoreError};

/// Leases up to `limit` runnable executions of `workflows` (not in `exclude`) to `worker`.
pub(super) async fn claim(
    tx: &Transaction<'_>,
    worker: &str,
    workflows: &[String],
    exclude: &[String],
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<ExecutionRecord>, StoreError> {
    let rows = tx
        .query(
            &format!(
                "UPDATE executions SET lease_owner = $1, lease_until = $2 WHERE id IN ( \
                 SELECT id FROM executions WHERE status = 'RUNNING' \
                 AND workflow = ANY($3) AND NOT (id = ANY($4)) \
                 AND (lease_owner IS NULL OR lease_until < $5 OR lease_owner = $1) \
                 ORDER BY start_ms LIMIT $6 FOR UPDATE SKIP LOCKED) \
                 RETURNING {COLUMNS}"
            ),
            &[
                &worker,
                &ms(lease_until),
                &workflows,
                &exclude,
                &ms(now),
                &(limit as i64),
            ],
        )
        .await?;
    rows.iter().map(record).collect::<Result<Vec<_>, _>>()
}

/// Extends `worker`'s leases on `ids`; the ids it still holds.
pub(super) async fn renew(
    tx: &Transaction<'_>,
    worker: &str,
    ids: &[String],
    lease_until: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(tx
        .query(
            // The rows are locked in id order, as commits lock them: a renewal and a group
            // commit of the same executions never deadlock (Postgres would abort one, and an
            // aborted commit interrupts every execution in it).
            "UPDATE executions SET lease_until = $3 WHERE id IN ( \
             SELECT id FROM executions WHERE id = ANY($1) AND lease_owner = $2 \
             AND status = 'RUNNING' ORDER BY id FOR UPDATE) RETURNING id",
            &[&ids, &worker, &ms(lease_until)],
        )
        .await?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>())
}
