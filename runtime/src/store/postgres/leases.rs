//! Leases: a worker claims runnable executions of its workflows (`FOR UPDATE SKIP LOCKED`)
//! and renews the leases on those it runs.

use chrono::{DateTime, Utc};

use super::pool::Conn;
use super::rows::{COLUMNS, ms, record};
use crate::store::{ExecutionRecord, StoreError};

/// Leases up to `limit` runnable executions of `workflows` to `worker` (see `Store::claim`):
/// one prepared statement, its own transaction.
pub(super) async fn claim(
    conn: &mut Conn,
    worker: &str,
    workflows: &[String],
    own: Option<&[String]>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<ExecutionRecord>, StoreError> {
    // Each part is a range of the index on (status, lease_until) read only as far as the
    // limit: due first (expired leases, executions at rest whose time came), then the
    // unleased; with `own`, also what this worker held (after a restart: every lease it
    // holds, through `executions_leased`). One condition with `OR` would sort every candidate. The workflow is compared
    // as an expression (`workflow || ''`), which no index matches: otherwise the planner,
    // with the statistics of a table that grew by thousands of executions since it last
    // looked, read the whole (workflow, status) range and filtered it (35 ms a claim among
    // 10,000 executions, growing with their number), as SQLite's `INDEXED BY` prevents.
    // The unleased are ordered by `lease_until` (all null: no order among them) for the same
    // reason: with statistics from when many executions were unleased, the planner expected
    // to find the limit early in a scan of the whole table, and read 100,000 rows (60 ms a
    // claim) when none was left; an ordered range of the index costs it nothing to prefer.
    //
    // Prepared, it may run with a generic plan (Postgres' choice after five runs on a
    // connection): each part is shaped so that its index range is the plan either way
    // (checked with `plan_cache_mode = force_generic_plan` among 100,000 executions at rest:
    // index ranges, 2 ms; custom plans cost about 0.8 ms of planning a claim).
    let running: Vec<String> = own.map(<[String]>::to_vec).unwrap_or_default();
    let statement = conn
        .statement(&format!(
            "WITH due AS (SELECT id, lease_until FROM executions WHERE status = 'RUNNING' \
             AND lease_until <= $5 AND workflow || '' = ANY($3) ORDER BY lease_until LIMIT $6 \
             FOR UPDATE SKIP LOCKED), \
             fresh AS (SELECT id FROM executions WHERE status = 'RUNNING' \
             AND lease_until IS NULL AND workflow || '' = ANY($3) ORDER BY lease_until \
             LIMIT $6 FOR UPDATE SKIP LOCKED), \
             mine AS (SELECT id FROM executions WHERE $7 AND status = 'RUNNING' \
             AND lease_owner = $1 AND NOT (id = ANY($4)) AND workflow || '' = ANY($3) \
             LIMIT $6 FOR UPDATE SKIP LOCKED), \
             picked AS (SELECT id FROM (SELECT id, 0 AS part FROM due UNION ALL \
             SELECT id, 1 FROM fresh UNION ALL SELECT id, 2 FROM mine) p \
             GROUP BY id ORDER BY min(part) LIMIT $6) \
             UPDATE executions SET lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT id FROM picked) RETURNING {COLUMNS}"
        ))
        .await?;
    let rows = conn
        .query(
            &statement,
            &[
                &worker,
                &ms(lease_until),
                &workflows,
                &running,
                &ms(now),
                &(limit as i64),
                &own.is_some(),
            ],
        )
        .await?;
    rows.iter().map(record).collect::<Result<Vec<_>, _>>()
}

/// Extends `worker`'s leases on `ids`; the ids it still holds. One prepared statement, its
/// own transaction.
pub(super) async fn renew(
    conn: &mut Conn,
    worker: &str,
    ids: &[String],
    lease_until: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    // The rows are locked in id order, as commits lock them: a renewal and a group commit of
    // the same executions never deadlock (Postgres would abort one, and an aborted commit
    // interrupts every execution in it). Found by id (the status as an expression no index
    // matches: see `group::GROUP_COMMIT`).
    let statement = conn
        .statement(
            "UPDATE executions SET lease_until = $3 WHERE id IN ( \
             SELECT id FROM executions WHERE id = ANY($1) AND lease_owner = $2 \
             AND status || '' = 'RUNNING' ORDER BY id FOR UPDATE) RETURNING id",
        )
        .await?;
    Ok(conn
        .query(&statement, &[&ids, &worker, &ms(lease_until)])
        .await?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>())
}
