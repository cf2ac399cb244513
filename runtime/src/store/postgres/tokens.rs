//! Callback task tokens: registered when a state waits for one, then answered (success,
//! failure, heartbeat) or closed with their execution.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Transaction;

use super::pool::Conn;

use super::rows::{from_ms, ms, parse_json};
use crate::store::{HandedOut, StoreError, TokenState, TokenUpdate, WaitingToken};

/// Registers a waiting token (again: no change); what its handler answered if it was handed
/// out before its execution rested. One prepared statement, its own transaction: a token
/// just registered is not in the statement's snapshot, so only one registered before is read.
/// (One registered by another transaction that committed after this statement began is not
/// read either; only the execution's lease holder registers its tokens, one at a time.)
pub(super) async fn register_token(
    conn: &mut Conn,
    token: &str,
    execution: &str,
    state: &str,
    at: DateTime<Utc>,
) -> Result<Option<HandedOut>, StoreError> {
    let statement = conn
        .statement(
            "WITH registered AS (INSERT INTO tokens (token, execution, state, status, heartbeat_ms) \
             VALUES ($1, $2, $3, 'WAITING', $4) ON CONFLICT (token) DO NOTHING) \
             SELECT sent, sent_ms FROM tokens WHERE token = $1",
        )
        .await?;
    let row = conn
        .query_opt(&statement, &[&token, &execution, &state, &ms(at)])
        .await?;
    Ok(match row {
        Some(r) => match (r.get::<_, Option<String>>(0), r.get::<_, Option<i64>>(1)) {
            (Some(answer), Some(started)) => Some(HandedOut {
                answer: parse_json(&answer)?,
                started: from_ms(started),
            }),
            _ => None,
        },
        None => None,
    })
}

/// Of `tokens`, those waiting for an answer.
pub(super) async fn waiting_among(
    conn: &mut Conn,
    tokens: &[String],
) -> Result<Vec<String>, StoreError> {
    let select = "SELECT token FROM tokens WHERE token = ANY($1) AND status = 'WAITING'";
    super::rows::keys_among(conn, select, tokens).await
}

/// A token's state, if it is known: one prepared statement.
pub(super) async fn token(conn: &mut Conn, token: &str) -> Result<Option<TokenState>, StoreError> {
    let statement = conn
        .statement("SELECT status, output, error, cause, heartbeat_ms FROM tokens WHERE token = $1")
        .await?;
    let row = conn.query_opt(&statement, &[&token]).await?;
    Ok(match row {
        None => None,
        Some(r) => Some(match r.get::<_, String>(0).as_str() {
            "WAITING" => TokenState::Waiting {
                heartbeat: from_ms(r.get(4)),
            },
            "SUCCEEDED" => TokenState::Succeeded(
                r.get::<_, Option<String>>(1)
                    .as_deref()
                    .map(parse_json)
                    .transpose()?
                    .unwrap_or(Value::Null),
            ),
            "FAILED" => TokenState::Failed(r.get(2), r.get(3)),
            "TIMED_OUT" => TokenState::TimedOut,
            _ => TokenState::Closed,
        }),
    })
}

/// Locks the execution a token belongs to.
const LOCK_EXECUTION: &str = "SELECT 1 FROM executions \
                              WHERE id = (SELECT execution FROM tokens WHERE token = $1) FOR UPDATE";
/// Answers (or beats) a token still waiting (`$1`, `$2` its new status); once answered
/// (`$8`), makes an execution at rest on it due from when it was handed out, if sooner (see
/// the SQLite store), and announces it on the channel `$9` (when given), which Postgres
/// delivers once the transaction commits. Returns how many tokens it answered, how many
/// announcements it made (read by nobody: selecting them is what runs `pg_notify`), and
/// whether the token exists.
const ANSWER: &str = "WITH answered AS ( \
        UPDATE tokens SET status = $2, output = $3, error = $4, cause = $5, \
        heartbeat_ms = COALESCE($6, heartbeat_ms) WHERE token = $1 AND status = 'WAITING' \
        RETURNING execution, sent, sent_ms), \
    woken AS (UPDATE executions x SET lease_until = LEAST($7, a.sent_ms) FROM answered a \
        WHERE $8 AND a.sent IS NOT NULL AND x.id = a.execution AND x.status = 'RUNNING' \
        AND x.lease_owner IS NULL AND x.lease_until > LEAST($7, a.sent_ms)), \
    announced AS (SELECT pg_notify($9::TEXT, $1) FROM answered WHERE $9::TEXT IS NOT NULL) \
    SELECT (SELECT count(*) FROM answered), (SELECT count(*) FROM announced), \
    EXISTS (SELECT 1 FROM tokens WHERE token = $1)";

/// Answers a waiting token (or beats it), in a transaction of one round trip: `BEGIN`, the
/// lock, the answer and `COMMIT` are sent together and run in order. An answer is
/// announced on `announce` (a channel) when given.
pub(super) async fn update_token(
    conn: &mut Conn,
    token: &str,
    state: TokenState,
    at: DateTime<Utc>,
    announce: Option<&str>,
) -> Result<TokenUpdate, StoreError> {
    let answered = matches!(state, TokenState::Succeeded(_) | TokenState::Failed(..));
    let (lock, answer) = (
        conn.statement(LOCK_EXECUTION).await?,
        conn.statement(ANSWER).await?,
    );
    let (status, output, error, cause, hb) = match state {
        TokenState::Waiting { heartbeat } => ("WAITING", None, None, None, Some(ms(heartbeat))),
        TokenState::Succeeded(v) => ("SUCCEEDED", Some(v.to_string()), None, None, None),
        TokenState::Failed(e, c) => ("FAILED", None, e, c, None),
        TokenState::Closed => ("CLOSED", None, None, None, None),
        TokenState::TimedOut => ("TIMED_OUT", None, None, None, None),
    };
    let announce = announce.filter(|_| answered);
    // An answer may wake an execution at rest on the token: its row is locked first, as a
    // commit putting it at rest locks it (its fence) before reading the token, so that
    // commit sees this answer or this update sees it at rest (and neither waits on the other
    // holding what it needs). Sent in this order on their first poll (tokio-postgres
    // pipelines them), the server runs them in this order; a failed statement aborts the
    // transaction (`COMMIT` then rolls back) and its error is returned.
    let (begin, locked, row, commit) = futures_util::future::join4(
        conn.batch_execute("BEGIN"),
        async {
            match answered {
                true => conn.execute(&lock, &[&token]).await.map(Some),
                false => Ok(None),
            }
        },
        conn.query_one(
            &answer,
            &[
                &token,
                &status,
                &output,
                &error,
                &cause,
                &hb,
                &ms(at),
                &answered,
                &announce,
            ],
        ),
        conn.batch_execute("COMMIT"),
    )
    .await;
    begin?;
    locked?;
    let row = row?;
    commit?;
    Ok(match (row.get::<_, i64>(0), row.get::<_, bool>(2)) {
        (1.., _) => TokenUpdate::Updated,
        (0, true) => TokenUpdate::NotWaiting,
        _ => TokenUpdate::Unknown,
    })
}

/// The tokens of `execution` still waiting, oldest first.
pub(super) async fn waiting_tokens(
    tx: &Transaction<'_>,
    execution: &str,
) -> Result<Vec<WaitingToken>, StoreError> {
    let rows = tx
        .query(
            "SELECT token, state, heartbeat_ms FROM tokens \
             WHERE execution = $1 AND status = 'WAITING' ORDER BY heartbeat_ms, token",
            &[&execution],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| WaitingToken {
            token: r.get(0),
            state: r.get(1),
            heartbeat: from_ms(r.get(2)),
        })
        .collect())
}
