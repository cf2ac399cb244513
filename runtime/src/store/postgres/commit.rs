//! Committing transitions: one by one (an execution's end), or many executions' transitions
//! together in one transaction (group commit), each fenced by its writer's lease.

use std::collections::HashSet;
use std::sync::Mutex;

use serde_json::Value;

use super::PostgresStore;
use super::rows::ms;
use crate::error::Status;
use crate::store::{Close, Commit, StoreError, StoreFuture, payloads};

/// A queued transition and where its result goes.
type Queued = (Commit, tokio::sync::oneshot::Sender<Result<(), StoreError>>);

/// Group commit: transitions of many executions queue here; one task at a time commits every
/// queued transition in one transaction (one round trip for the whole batch).
#[derive(Default)]
pub(super) struct Batch {
    queue: Mutex<Vec<Queued>>,
    draining: std::sync::atomic::AtomicBool,
}

/// The most transitions committed in one transaction.
const MAX_BATCH: usize = 256;

/// A batch of transitions in one statement (so one round trip and its own transaction):
/// `owned` locks, in id order, the executions whose lease the committing worker still holds
/// (a lease taken over meanwhile is seen as it is now: Postgres rechecks a locked row); the
/// events, shared payloads and checkpoints of those are written; it returns their ids. The
/// status is compared as an expression no index matches, so the rows are found by their
/// ids whatever the table's statistics say (with those of a table that grew fast, the planner
/// read every running execution through the status index: 20 ms a batch among 10,000).
const GROUP_COMMIT: &str = "\
WITH v AS (
    SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[],
        $6::TEXT[], $7::BIGINT[], $8::BIGINT[], $9::TEXT[])
        AS v(id, worker, n, state, data, vars, at_ms, seq, retry)
), owned AS (
    SELECT e.id FROM executions e
    WHERE e.id = ANY($1::TEXT[]) AND e.status || '' = 'RUNNING'
        AND e.lease_owner = ($2::TEXT[])[array_position($1::TEXT[], e.id)]
    ORDER BY e.id FOR UPDATE
), shared AS (
    INSERT INTO payloads (execution, hash, body)
    SELECT * FROM unnest($10::TEXT[], $11::TEXT[], $12::TEXT[]) AS p(execution, hash, body)
    WHERE p.execution IN (SELECT id FROM owned)
    ON CONFLICT DO NOTHING
), appended AS (
    INSERT INTO events (execution, id, type, state, ts_ms, details)
    SELECT * FROM unnest($13::TEXT[], $14::BIGINT[], $15::TEXT[], $16::TEXT[], $17::BIGINT[],
        $18::TEXT[]) AS ev(execution, id, type, state, ts_ms, details)
    WHERE ev.execution IN (SELECT id FROM owned)
)
UPDATE executions e SET events = e.events + v.n, provisional = NULL, state = v.state,
    data = v.data, vars = v.vars, at_ms = v.at_ms, seq = v.seq, retry = v.retry
FROM v WHERE e.id = v.id AND e.id IN (SELECT id FROM owned)
RETURNING e.id";

/// Events of a batch, column by column (for `unnest`).
#[derive(Default)]
struct EventColumns {
    execution: Vec<String>,
    id: Vec<i64>,
    kind: Vec<String>,
    state: Vec<Option<String>>,
    ts: Vec<i64>,
    details: Vec<Option<String>>,
}

/// Checkpoints of a batch, column by column.
#[derive(Default)]
struct CheckpointColumns {
    id: Vec<String>,
    /// The worker committing (whose lease fences the commit).
    worker: Vec<String>,
    events: Vec<i64>,
    state: Vec<String>,
    data: Vec<String>,
    vars: Vec<String>,
    at: Vec<i64>,
    seq: Vec<i64>,
    retry: Vec<Option<String>>,
}

/// Takes the next batch from `queue`: in order, up to [`MAX_BATCH`], one commit per execution
/// (the statement fences each execution once: a second commit of the same execution, from
/// another worker sharing the store after a lease was taken over, waits for the next batch).
fn next_batch(queue: &mut Vec<Queued>) -> Vec<Queued> {
    let mut seen = HashSet::new();
    let mut batch = Vec::new();
    let mut rest = Vec::new();
    for queued in queue.drain(..) {
        if batch.len() < MAX_BATCH && seen.insert(queued.0.execution.clone()) {
            batch.push(queued);
        } else {
            rest.push(queued);
        }
    }
    *queue = rest;
    batch
}

impl PostgresStore {
    /// Queues a transition for the next batch; resolves once the batch holding it committed.
    pub(super) fn commit_batched(&self, commit: Commit) -> StoreFuture<'_, ()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.batch
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((commit, tx));
        self.drain();
        Box::pin(async move { rx.await.map_err(|_| StoreError::Closed)? })
    }

    /// Starts a task committing the queue unless one runs.
    fn drain(&self) {
        use std::sync::atomic::Ordering;
        if self.batch.draining.swap(true, Ordering::AcqRel) {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            loop {
                let batch =
                    next_batch(&mut store.batch.queue.lock().unwrap_or_else(|e| e.into_inner()));
                if batch.is_empty() {
                    store.batch.draining.store(false, Ordering::Release);
                    // A commit queued between the look above and clearing the flag would
                    // wait for nobody: look again.
                    let more = !store
                        .batch
                        .queue
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .is_empty();
                    if more && !store.batch.draining.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    return;
                }
                let (commits, replies): (Vec<Commit>, Vec<_>) = batch.into_iter().unzip();
                match store.commit_many(commits).await {
                    Ok(results) => {
                        for (reply, r) in replies.into_iter().zip(results) {
                            let _ = reply.send(r);
                        }
                    }
                    Err(e) => {
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
    }

    /// Commits transitions of several executions in one transaction, one statement in one
    /// round trip ([`GROUP_COMMIT`]); each is fenced by its lease (the rows are locked
    /// first, in id order), so one lost lease fails only its own commit.
    ///
    /// Runs on the drain task (a task of its own already, which finishes the batch whoever
    /// stops waiting), not in a further one: a task hop each way cost a tenth of a commit.
    async fn commit_many(
        &self,
        commits: Vec<Commit>,
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.pool
            .run(move |mut conn| async move {
                let r = async {
                    let mut rows = CheckpointColumns::default();
                    let mut events = EventColumns::default();
                    let (mut shared, mut shared_by) = (Vec::new(), Vec::new());
                    for c in &commits {
                        let Some(cp) = &c.checkpoint else { continue };
                        for e in &c.events {
                            events.execution.push(c.execution.clone());
                            events.id.push(e.id as i64);
                            events.kind.push(e.kind.clone());
                            events.state.push(e.state.clone());
                            events.ts.push(ms(e.timestamp));
                            events
                                .details
                                .push(e.details.as_ref().map(|d| payloads::share(d, &mut shared)));
                            shared_by.resize(shared.len(), c.execution.clone());
                        }
                        rows.id.push(c.execution.clone());
                        rows.worker.push(c.worker.clone());
                        rows.events.push(c.events.len() as i64);
                        rows.state.push(cp.state.clone());
                        rows.data.push(cp.input.to_string());
                        rows.vars.push(Value::Object(cp.vars.clone()).to_string());
                        rows.at.push(ms(cp.at));
                        rows.seq.push(cp.seq as i64);
                        rows.retry.push(cp.retry.as_ref().map(Value::to_string));
                    }
                    let (hashes, bodies): (Vec<String>, Vec<String>) = shared.into_iter().unzip();
                    let statement = conn.statement(GROUP_COMMIT).await?;
                    let owned: HashSet<String> = conn
                        .query(
                            &statement,
                            &[
                                &rows.id,
                                &rows.worker,
                                &rows.events,
                                &rows.state,
                                &rows.data,
                                &rows.vars,
                                &rows.at,
                                &rows.seq,
                                &rows.retry,
                                &shared_by,
                                &hashes,
                                &bodies,
                                &events.execution,
                                &events.id,
                                &events.kind,
                                &events.state,
                                &events.ts,
                                &events.details,
                            ],
                        )
                        .await?
                        .iter()
                        .map(|r| r.get::<_, String>(0))
                        .collect();
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

    /// Commits one transition, publish, rest or end in a transaction of its own: its
    /// statements are prepared once per connection; the lease fence runs first, and only if
    /// it holds are the others sent, together (BEGIN, the fence, the pipeline, COMMIT: four
    /// round trips; each statement was parsed and run in two of its own, a dozen in all). A
    /// stale worker's commit stops at its fence: running its other statements would lock
    /// rows (the execution's, a shared payload's key) the lease's owner needs, and could
    /// deadlock with it.
    pub(super) fn commit_one(&self, commit: Commit) -> StoreFuture<'_, ()> {
        self.call(move |mut conn| async move {
            let r = commit_one(&mut conn, commit).await;
            (conn, r)
        })
    }
}

const TRUNCATE_FENCE: &str = "UPDATE executions SET events = $3::BIGINT - 1, provisional = NULL \
     WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'";
const TRUNCATE: &str = "DELETE FROM events WHERE execution = $1 AND id >= $2";
// Provisional events keep the first one's id (a publish with no new event keeps the mark); a
// transition or an end makes every event final. Events published out of order (after a later
// commit landed) are final too: only a publish that follows the stored events marks them
// provisional.
const FENCE: &str = "UPDATE executions SET events = events + $3, \
     provisional = CASE WHEN $4 AND $3 = 0 THEN provisional \
     WHEN $4 AND events + 1 = $5 THEN LEAST(provisional, $5) \
     ELSE NULL END \
     WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'";
const PAYLOADS: &str = "INSERT INTO payloads (execution, hash, body) \
     SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[]) ON CONFLICT DO NOTHING";
const EVENTS: &str = "INSERT INTO events (execution, id, type, state, ts_ms, details) \
     SELECT $1, * FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[])";
const CHECKPOINT: &str = "UPDATE executions SET state = $2, data = $3, vars = $4, at_ms = $5, \
     seq = $6, retry = $7 WHERE id = $1";
const REST: &str = "UPDATE executions SET lease_owner = NULL, lease_until = $2 WHERE id = $1";
const TOKEN_SENT: &str = "UPDATE tokens SET sent = $2, sent_ms = $3 WHERE token = $1";
// An answer that came before this commit (it waited for the fence's row lock, see
// `tokens::update_token`) makes the execution due at once.
const REST_ON_TOKEN: &str = "UPDATE executions SET lease_owner = NULL, lease_until = CASE \
     WHEN EXISTS (SELECT 1 FROM tokens WHERE token = $3 AND status <> 'WAITING') THEN $4::BIGINT \
     ELSE $2::BIGINT END WHERE id = $1";
const CLOSE: &str = "UPDATE executions SET status = $2, output = $3, error = $4, cause = $5, \
     stop_ms = $6, lease_owner = NULL, lease_until = NULL WHERE id = $1";
const CLOSE_TOKENS: &str =
    "UPDATE tokens SET status = 'CLOSED' WHERE execution = $1 AND status = 'WAITING'";
const DROP_PROGRESS: &str = "DELETE FROM progress WHERE execution = $1";
const KEEP_PROGRESS: &str = "UPDATE progress SET events = '[]' WHERE execution = $1";

type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);

async fn commit_one(conn: &mut super::pool::Conn, commit: Commit) -> Result<(), StoreError> {
    // Every value bound below, owned here so the pipeline can borrow them.
    let from = commit.truncate_from.map(|f| f as i64);
    let count = commit.events.len() as i64;
    let first = commit.events.first().map(|e| e.id as i64);
    let ids: Vec<i64> = commit.events.iter().map(|e| e.id as i64).collect();
    let kinds: Vec<&str> = commit.events.iter().map(|e| e.kind.as_str()).collect();
    let states: Vec<Option<&str>> = commit.events.iter().map(|e| e.state.as_deref()).collect();
    let ts: Vec<i64> = commit.events.iter().map(|e| ms(e.timestamp)).collect();
    let mut shared = Vec::new();
    let details: Vec<Option<String>> = commit
        .events
        .iter()
        .map(|e| e.details.as_ref().map(|d| payloads::share(d, &mut shared)))
        .collect();
    let owners = vec![commit.execution.clone(); shared.len()];
    let (hashes, bodies): (Vec<String>, Vec<String>) = shared.into_iter().unzip();
    let checkpoint = commit.checkpoint.as_ref().map(|c| {
        (
            c.input.to_string(),
            Value::Object(c.vars.clone()).to_string(),
            ms(c.at),
            c.seq as i64,
            c.retry.as_ref().map(Value::to_string),
        )
    });
    let wake = commit.rest.as_ref().map(|r| ms(r.until));
    let token = commit.rest.as_ref().and_then(|r| r.token.as_ref());
    let sent = token.map(|t| (t.handed_out.answer.to_string(), ms(t.handed_out.started)));
    let close = commit.close.as_ref().map(|c: &Close| {
        (
            c.status.as_str(),
            c.output.as_ref().map(Value::to_string),
            ms(c.at),
        )
    });

    // The statements, in the order the server runs them; the fences' counts are checked.
    let mut steps: Vec<(&'static str, Vec<Param<'_>>)> = Vec::new();
    let id = &commit.execution;
    if let Some(from) = &from {
        steps.push((TRUNCATE_FENCE, vec![id, &commit.worker, from]));
        steps.push((TRUNCATE, vec![id, from]));
    }
    steps.push((
        FENCE,
        vec![id, &commit.worker, &count, &commit.provisional, &first],
    ));
    if !hashes.is_empty() {
        steps.push((PAYLOADS, vec![&owners, &hashes, &bodies]));
    }
    if !ids.is_empty() {
        steps.push((EVENTS, vec![id, &ids, &kinds, &states, &ts, &details]));
    }
    if let (Some(c), Some((data, vars, at, seq, retry))) = (&commit.checkpoint, &checkpoint) {
        steps.push((CHECKPOINT, vec![id, &c.state, data, vars, at, seq, retry]));
    }
    match (&wake, token, &sent) {
        (Some(wake), Some(t), Some((answer, started))) => {
            steps.push((TOKEN_SENT, vec![&t.token, answer, started]));
            steps.push((REST_ON_TOKEN, vec![id, wake, &t.token, started]));
        }
        (Some(wake), _, _) => steps.push((REST, vec![id, wake])),
        _ => {}
    }
    if let (Some(c), Some((status, output, at))) = (&commit.close, &close) {
        steps.push((CLOSE, vec![id, status, output, &c.error, &c.cause, at]));
        steps.push((CLOSE_TOKENS, vec![id]));
        let progress = if c.status == Status::Succeeded {
            DROP_PROGRESS
        } else {
            KEEP_PROGRESS
        };
        steps.push((progress, vec![id]));
    }
    let mut statements = Vec::with_capacity(steps.len());
    for (sql, _) in &steps {
        statements.push(conn.statement(sql).await?);
    }
    let tx = conn.transaction().await?;
    let lease_lost = || StoreError::LeaseLost(commit.execution.clone());
    // The first step is a fence (the truncation's, or the commit's own). Dropping the
    // transaction rolls it back.
    if tx.execute(&statements[0], &steps[0].1).await? == 0 {
        return Err(lease_lost());
    }
    // The rest, sent in this order on their first poll (tokio-postgres pipelines them); the
    // server runs them in order.
    let counts = futures_util::future::join_all(
        steps
            .iter()
            .zip(&statements)
            .skip(1)
            .map(|((_, params), statement)| tx.execute(statement, params)),
    )
    .await;
    for ((sql, _), n) in steps.iter().skip(1).zip(counts) {
        let n = n?;
        if *sql == FENCE && n == 0 {
            return Err(lease_lost());
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(execution: &str, worker: &str) -> Queued {
        let commit = Commit {
            execution: execution.into(),
            worker: worker.into(),
            events: Vec::new(),
            checkpoint: None,
            close: None,
            provisional: false,
            truncate_from: None,
            rest: None,
        };
        (commit, tokio::sync::oneshot::channel().0)
    }

    fn who(batch: &[Queued]) -> Vec<(&str, &str)> {
        batch
            .iter()
            .map(|(c, _)| (c.execution.as_str(), c.worker.as_str()))
            .collect()
    }

    /// Two commits of one execution (a stale worker's and the new owner's) never share a
    /// batch: each is fenced by its own worker's lease.
    #[test]
    fn a_batch_holds_one_commit_per_execution() {
        let mut queue = vec![
            queued("x", "a"),
            queued("y", "a"),
            queued("x", "b"),
            queued("z", "b"),
        ];
        let batch = next_batch(&mut queue);
        assert_eq!(who(&batch), [("x", "a"), ("y", "a"), ("z", "b")]);
        assert_eq!(who(&queue), [("x", "b")]);
        let batch = next_batch(&mut queue);
        assert_eq!(who(&batch), [("x", "b")]);
        assert!(queue.is_empty());
        let mut many: Vec<Queued> = (0..MAX_BATCH + 3)
            .map(|i| queued(&i.to_string(), "a"))
            .collect();
        assert_eq!(next_batch(&mut many).len(), MAX_BATCH);
        assert_eq!(many.len(), 3);
    }
}
