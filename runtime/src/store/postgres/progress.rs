//! Results of finished Map iterations and Parallel branches, kept so a resumed execution does
//! not run them again.

use tokio_postgres::Transaction;

use super::rows::parse_json;
use crate::store::{Progress, StoreError};

/// The finished iterations and branches of an execution: one prepared statement.
pub(super) async fn progress(
    conn: &mut super::pool::Conn,
    id: &str,
) -> Result<Vec<Progress>, StoreError> {
    let statement = conn
        .statement("SELECT scope, idx, result, events FROM progress WHERE execution = $1")
        .await?;
    let mut out = Vec::new();
    for r in conn.query(&statement, &[&id]).await? {
        out.push(Progress {
            scope: r.get(0),
            index: r.get::<_, i64>(1) as usize,
            result: parse_json(&r.get::<_, String>(2))?,
            events: parse_json(&r.get::<_, String>(3))?,
        });
    }
    Ok(out)
}

/// Records a finished iteration or branch, fenced by the writer's lease.
pub(super) async fn put_progress(
    tx: &Transaction<'_>,
    execution: String,
    worker: &str,
    progress: Progress,
) -> Result<(), StoreError> {
    let owned = tx
        .query_opt(
            "SELECT 1 FROM executions WHERE id = $1 AND lease_owner = $2 \
             AND status = 'RUNNING' FOR SHARE",
            &[&execution, &worker],
        )
        .await?;
    if owned.is_none() {
        return Err(StoreError::LeaseLost(execution));
    }
    tx.execute(
        "INSERT INTO progress (execution, scope, idx, result, events) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (execution, scope, idx) \
         DO UPDATE SET result = EXCLUDED.result, events = EXCLUDED.events",
        &[
            &execution,
            &progress.scope,
            &(progress.index as i64),
            &progress.result.to_string(),
            &progress.events.to_string(),
        ],
    )
    .await?;
    Ok(())
}
