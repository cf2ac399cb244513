//! Committing one write in a transaction of its own, fenced by its writer's lease: a rest on
//! a task token (everything else is committed in batches: see `group`).

use serde_json::Value;

use super::PostgresStore;
use super::rows::ms;
use crate::error::Status;
use crate::store::{Close, Commit, StoreError, StoreFuture, payloads};

impl PostgresStore {
    /// Commits one write in a transaction of its own (a rest on a task token; it may also
    /// hold events, a checkpoint or a truncation): its statements are prepared once per
    /// connection; the lease fence runs first, and only if
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
