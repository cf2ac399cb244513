//! Group commit: the writes of many executions (transitions, publishes, rests on a timer,
//! ends, and resumed executions replacing their provisional events) queue up, and a runner
//! task commits the queued writes in one statement: one round trip and one transaction (one
//! WAL flush) for the batch, each write fenced by its worker's lease. Two batches run at once
//! (see `queue`).
//!
//! Only a rest on a task token is committed on its own (`commit::commit_one`): whether its
//! token was answered meanwhile must be read after the execution's row is locked, and one
//! statement reads everything from the snapshot it started with.

use std::collections::HashSet;

use serde_json::Value;

use super::PostgresStore;
use super::queue::{Answers, Keyed, Queue};
use super::rows::ms;
use crate::store::{Commit, StoreError, StoreFuture, payloads};

/// The most writes committed in one statement.
const MAX_BATCH: usize = 256;

/// The most batches running at once (see `queue`).
const BATCHES_AT_ONCE: usize = 2;

/// Writes waiting for the next batch.
pub(super) type Writes = Queue<Commit, ()>;

/// A queue for writes.
pub(super) fn writes() -> Writes {
    Queue::new(MAX_BATCH, BATCHES_AT_ONCE)
}

/// One write per execution in a batch: the statement fences each execution once (a second
/// write of the same execution, from another worker sharing the store after a lease was
/// taken over, waits for the next batch).
impl Keyed for Commit {
    fn key(&self) -> &str {
        &self.execution
    }
}

/// Whether `commit` can share a batch (everything but a rest on a task token).
pub(super) fn batchable(commit: &Commit) -> bool {
    commit.rest.as_ref().is_none_or(|r| r.token.is_none())
}

/// A batch of writes in one statement (so one round trip and its own transaction):
/// `owned` locks, in id order, the executions whose lease the committing worker still holds
/// (a lease taken over meanwhile is seen as it is now: Postgres rechecks a locked row); only
/// those are written, and their ids returned. The status is compared as an expression no
/// index matches, so the rows are found by their ids whatever the table's statistics say
/// (with those of a table that grew fast, the planner read every running execution through
/// the status index: 20 ms a batch among 10,000).
///
/// Per execution: its events (a resumed execution's replace the provisional ones from
/// `truncate_from` on: those it records again are overwritten, the rest deleted, so no row
/// is both deleted and inserted by the one statement), shared payloads, and one update of
/// its row: the event count and provisional mark (as `commit::FENCE` computes them, from
/// `truncate_from - 1` events when truncating), the checkpoint when there is one (`state`
/// is never null in one), the lease let go for a rest or an end, the end itself. What an end
/// does besides is [`AFTER_ENDS`].
const GROUP_COMMIT: &str = "\
WITH v AS (
    SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::BIGINT[], $5::BOOL[],
        $6::BIGINT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], $11::BIGINT[],
        $12::TEXT[], $13::BIGINT[], $14::TEXT[], $15::TEXT[], $16::TEXT[], $17::TEXT[],
        $18::BIGINT[])
        AS v(id, worker, n, first, provisional, truncate_from, state, data, vars, at_ms, seq,
            retry, rest_until, status, output, error, cause, stop_ms)
), owned AS (
    SELECT e.id FROM executions e
    WHERE e.id = ANY($1::TEXT[]) AND e.status || '' = 'RUNNING'
        AND e.lease_owner = ($2::TEXT[])[array_position($1::TEXT[], e.id)]
    ORDER BY e.id FOR UPDATE
), ev AS (
    SELECT * FROM unnest($19::TEXT[], $20::BIGINT[], $21::TEXT[], $22::TEXT[], $23::BIGINT[],
        $24::TEXT[], $25::BOOL[]) AS ev(execution, id, type, state, ts_ms, details, replaces)
    WHERE ev.execution IN (SELECT id FROM owned)
), shared AS (
    INSERT INTO payloads (execution, hash, body)
    SELECT * FROM unnest($26::TEXT[], $27::TEXT[], $28::TEXT[]) AS p(execution, hash, body)
    WHERE p.execution IN (SELECT id FROM owned)
    ON CONFLICT DO NOTHING
), truncated AS (
    DELETE FROM events d USING v
    WHERE v.truncate_from IS NOT NULL AND v.id IN (SELECT id FROM owned)
        AND d.execution = v.id AND d.id >= v.truncate_from
        AND NOT EXISTS (SELECT 1 FROM ev WHERE ev.execution = d.execution AND ev.id = d.id)
), appended AS (
    INSERT INTO events (execution, id, type, state, ts_ms, details)
    SELECT execution, id, type, state, ts_ms, details FROM ev WHERE NOT replaces
), replaced AS (
    INSERT INTO events (execution, id, type, state, ts_ms, details)
    SELECT execution, id, type, state, ts_ms, details FROM ev WHERE replaces
    ON CONFLICT (execution, id) DO UPDATE SET type = EXCLUDED.type, state = EXCLUDED.state,
        ts_ms = EXCLUDED.ts_ms, details = EXCLUDED.details
)
UPDATE executions e SET
    events = COALESCE(v.truncate_from - 1, e.events) + v.n,
    provisional = CASE
        WHEN v.provisional AND v.n = 0
            THEN CASE WHEN v.truncate_from IS NULL THEN e.provisional END
        WHEN v.provisional AND COALESCE(v.truncate_from - 1, e.events) + 1 = v.first
            THEN LEAST(CASE WHEN v.truncate_from IS NULL THEN e.provisional END, v.first)
        ELSE NULL END,
    state = COALESCE(v.state, e.state),
    data = CASE WHEN v.state IS NULL THEN e.data ELSE v.data END,
    vars = CASE WHEN v.state IS NULL THEN e.vars ELSE v.vars END,
    at_ms = CASE WHEN v.state IS NULL THEN e.at_ms ELSE v.at_ms END,
    seq = CASE WHEN v.state IS NULL THEN e.seq ELSE v.seq END,
    retry = CASE WHEN v.state IS NULL THEN e.retry ELSE v.retry END,
    lease_owner = CASE WHEN v.status IS NULL AND v.rest_until IS NULL THEN e.lease_owner END,
    lease_until = CASE WHEN v.status IS NULL THEN COALESCE(v.rest_until, e.lease_until) END,
    status = COALESCE(v.status, e.status),
    output = CASE WHEN v.status IS NULL THEN e.output ELSE v.output END,
    error = CASE WHEN v.status IS NULL THEN e.error ELSE v.error END,
    cause = CASE WHEN v.status IS NULL THEN e.cause ELSE v.cause END,
    stop_ms = CASE WHEN v.status IS NULL THEN e.stop_ms ELSE v.stop_ms END
FROM v WHERE e.id = v.id AND e.id IN (SELECT id FROM owned)
RETURNING e.id";

/// After the ends of a batch, in its transaction: the ended executions' waiting tokens are
/// closed and their Map progress dropped (success) or emptied (otherwise, kept for a redrive).
/// A statement of its own, so it sees what committed while [`GROUP_COMMIT`] waited for the
/// rows' locks (a branch's progress written just before its execution failed: one statement
/// reads from the snapshot it started with). Each execution is taken as it now stands (an end
/// whose lease was lost ended nothing, and one that ended otherwise is cleaned up as it ended).
const AFTER_ENDS: &str = "\
WITH ended AS (
    SELECT id, status FROM executions WHERE id = ANY($1::TEXT[]) AND status || '' <> 'RUNNING'
), tokens_closed AS (
    UPDATE tokens SET status = 'CLOSED'
    WHERE execution IN (SELECT id FROM ended) AND status = 'WAITING'
), progress_kept AS (
    UPDATE progress SET events = '[]'
    WHERE execution IN (SELECT id FROM ended WHERE status <> 'SUCCEEDED')
)
DELETE FROM progress WHERE execution IN (SELECT id FROM ended WHERE status = 'SUCCEEDED')";

/// The batch's writes, column by column (for `unnest`): `$1` to `$18`.
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    /// The worker committing (whose lease fences the write).
    worker: Vec<String>,
    events: Vec<i64>,
    first: Vec<Option<i64>>,
    provisional: Vec<bool>,
    truncate_from: Vec<Option<i64>>,
    state: Vec<Option<String>>,
    data: Vec<Option<String>>,
    vars: Vec<Option<String>>,
    at: Vec<Option<i64>>,
    seq: Vec<Option<i64>>,
    retry: Vec<Option<String>>,
    rest_until: Vec<Option<i64>>,
    status: Vec<Option<&'static str>>,
    output: Vec<Option<String>>,
    error: Vec<Option<String>>,
    cause: Vec<Option<String>>,
    stop: Vec<Option<i64>>,
}

/// The batch's events, column by column: `$19` to `$25`.
#[derive(Default)]
struct Events {
    execution: Vec<String>,
    id: Vec<i64>,
    kind: Vec<String>,
    state: Vec<Option<String>>,
    ts: Vec<i64>,
    details: Vec<Option<String>>,
    /// Replaces a provisional event of the same id (a truncating write).
    replaces: Vec<bool>,
}

impl Columns {
    fn push(&mut self, c: &Commit, events: &mut Events, shared: &mut Vec<(String, String)>) {
        let mut shared_here = Vec::new();
        for e in &c.events {
            events.execution.push(c.execution.clone());
            events.id.push(e.id as i64);
            events.kind.push(e.kind.clone());
            events.state.push(e.state.clone());
            events.ts.push(ms(e.timestamp));
            events.details.push(
                e.details
                    .as_ref()
                    .map(|d| payloads::share(d, &mut shared_here)),
            );
            events.replaces.push(c.truncate_from.is_some());
        }
        shared.extend(shared_here);
        self.id.push(c.execution.clone());
        self.worker.push(c.worker.clone());
        self.events.push(c.events.len() as i64);
        self.first.push(c.events.first().map(|e| e.id as i64));
        self.provisional.push(c.provisional);
        self.truncate_from.push(c.truncate_from.map(|f| f as i64));
        let cp = c.checkpoint.as_ref();
        self.state.push(cp.map(|cp| cp.state.clone()));
        self.data.push(cp.map(|cp| cp.input.to_string()));
        self.vars
            .push(cp.map(|cp| Value::Object(cp.vars.clone()).to_string()));
        self.at.push(cp.map(|cp| ms(cp.at)));
        self.seq.push(cp.map(|cp| cp.seq as i64));
        self.retry
            .push(cp.and_then(|cp| cp.retry.as_ref().map(Value::to_string)));
        self.rest_until.push(c.rest.as_ref().map(|r| ms(r.until)));
        let close = c.close.as_ref();
        self.status.push(close.map(|e| e.status.as_str()));
        self.output
            .push(close.and_then(|e| e.output.as_ref().map(Value::to_string)));
        self.error.push(close.and_then(|e| e.error.clone()));
        self.cause.push(close.and_then(|e| e.cause.clone()));
        self.stop.push(close.map(|e| ms(e.at)));
    }
}

impl PostgresStore {
    /// Queues a write for the next batch; resolves once the batch holding it committed.
    pub(super) fn commit_batched(&self, commit: Commit) -> StoreFuture<'_, ()> {
        let store = self.clone();
        self.writes.push(commit, move |batch| {
            let store = store.clone();
            async move { store.commit_many(batch).await }
        })
    }

    /// Commits writes of several executions in one statement ([`GROUP_COMMIT`]); each is
    /// fenced by its lease (the rows are locked first, in id order), so one lost lease fails
    /// only its own write.
    ///
    /// Runs on the queue's runner task (a task of its own already, which finishes the batch
    /// whoever stops waiting), not in a further one: a task hop each way cost a tenth of a
    /// commit.
    async fn commit_many(&self, commits: Vec<Commit>) -> Answers<()> {
        self.pool
            .run(move |mut conn| async move {
                let r = async {
                    let mut w = Columns::default();
                    let mut events = Events::default();
                    let mut shared = Vec::new();
                    let mut shared_by = Vec::new();
                    for c in &commits {
                        w.push(c, &mut events, &mut shared);
                        shared_by.resize(shared.len(), c.execution.clone());
                    }
                    let (hashes, bodies): (Vec<String>, Vec<String>) = shared.into_iter().unzip();
                    let statement = conn.statement(GROUP_COMMIT).await?;
                    let ended: Vec<String> = commits
                        .iter()
                        .filter(|c| c.close.is_some())
                        .map(|c| c.execution.clone())
                        .collect();
                    let after_ends = if ended.is_empty() {
                        None
                    } else {
                        Some(conn.statement(AFTER_ENDS).await?)
                    };
                    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 28] = [
                        &w.id,
                        &w.worker,
                        &w.events,
                        &w.first,
                        &w.provisional,
                        &w.truncate_from,
                        &w.state,
                        &w.data,
                        &w.vars,
                        &w.at,
                        &w.seq,
                        &w.retry,
                        &w.rest_until,
                        &w.status,
                        &w.output,
                        &w.error,
                        &w.cause,
                        &w.stop,
                        &events.execution,
                        &events.id,
                        &events.kind,
                        &events.state,
                        &events.ts,
                        &events.details,
                        &events.replaces,
                        &shared_by,
                        &hashes,
                        &bodies,
                    ];
                    let write = conn.query(&statement, &params);
                    let rows = match &after_ends {
                        // One statement: its own transaction, one round trip.
                        None => write.await?,
                        // BEGIN, the writes, what the ends do besides, COMMIT: sent together
                        // (one round trip), run in order. A failed statement aborts the
                        // transaction (COMMIT then rolls back) and its error is returned.
                        Some(after) => {
                            let (begin, rows, after, commit) = futures_util::future::join4(
                                conn.batch_execute("BEGIN"),
                                write,
                                conn.execute(after, &[&ended]),
                                conn.batch_execute("COMMIT"),
                            )
                            .await;
                            begin?;
                            let rows = rows?;
                            after?;
                            commit?;
                            rows
                        }
                    };
                    let owned: HashSet<String> =
                        rows.iter().map(|r| r.get::<_, String>(0)).collect();
                    Ok(commits
                        .iter()
                        .map(|c| {
                            if owned.contains(&c.execution) {
                                Ok(())
                            } else {
                                Err(StoreError::LeaseLost(c.execution.clone()))
                            }
                        })
                        .collect())
                }
                .await;
                (conn, r)
            })
            .await
    }
}
