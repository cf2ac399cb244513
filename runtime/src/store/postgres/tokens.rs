//! Callback task tokens: registered when a state waits for one, then answered (success,
//! failure, heartbeat) or closed with their execution.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Transaction;

use super::rows::{from_ms, ms, parse_json};
use crate::store::{HandedOut, StoreError, TokenState, TokenUpdate, WaitingToken};

/// Registers a waiting token (again: no change); what its handler answered if it was handed
/// out before its execution rested.
pub(super) async fn register_token(
    tx: &Transaction<'_>,
    token: &str,
    execution: &str,
    state: &str,
    at: DateTime<Utc>,
) -> Result<Option<HandedOut>, StoreError> {
    let new = tx
        .execute(
            "INSERT INTO tokens (token, execution, state, status, heartbeat_ms) \
             VALUES ($1, $2, $3, 'WAITING', $4) ON CONFLICT (token) DO NOTHING",
            &[&token, &execution, &state, &ms(at)],
        )
        .await?;
    if new == 1 {
        return Ok(None);
    }
    let row = tx
        .query_opt(
            "SELECT sent, sent_ms FROM tokens WHERE token = $1",
            &[&token],
        )
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
    tx: &Transaction<'_>,
    tokens: &[String],
) -> Result<Vec<String>, StoreError> {
    let select = "SELECT token FROM tokens WHERE token = ANY($1) AND status = 'WAITING'";
    super::rows::keys_among(tx, select, tokens).await
}

/// A token's state, if it is known.
pub(super) async fn token(
    tx: &Transaction<'_>,
    token: &str,
) -> Result<Option<TokenState>, StoreError> {
    let row = tx
        .query_opt(
            "SELECT status, output, error, cause, heartbeat_ms FROM tokens WHERE token = $1",
            &[&token],
        )
        .await?;
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

/// Answers a waiting token.
pub(super) async fn update_token(
    tx: &Transaction<'_>,
    token: &str,
    state: TokenState,
    at: DateTime<Utc>,
) -> Result<TokenUpdate, StoreError> {
    let answered = matches!(state, TokenState::Succeeded(_) | TokenState::Failed(..));
    // An answer may wake an execution at rest on the token: its row is locked first, as a
    // commit putting it at rest locks it (its fence) before reading the token, so that
    // commit sees this answer or this update sees it at rest (and neither waits on the other
    // holding what it needs).
    let execution: Option<String> = if answered {
        let execution = tx
            .query_opt("SELECT execution FROM tokens WHERE token = $1", &[&token])
            .await?
            .map(|r| r.get::<_, String>(0));
        if let Some(e) = &execution {
            tx.execute("SELECT 1 FROM executions WHERE id = $1 FOR UPDATE", &[e])
                .await?;
        }
        execution
    } else {
        None
    };
    let status: Option<String> = tx
        .query_opt(
            "SELECT status FROM tokens WHERE token = $1 FOR UPDATE",
            &[&token],
        )
        .await?
        .map(|r| r.get(0));
    Ok(match status.as_deref() {
        None => TokenUpdate::Unknown,
        Some("WAITING") => {
            let (status, output, error, cause, hb) = match state {
                TokenState::Waiting { heartbeat } => {
                    ("WAITING", None, None, None, Some(ms(heartbeat)))
                }
                TokenState::Succeeded(v) => ("SUCCEEDED", Some(v.to_string()), None, None, None),
                TokenState::Failed(e, c) => ("FAILED", None, e, c, None),
                TokenState::Closed => ("CLOSED", None, None, None, None),
                TokenState::TimedOut => ("TIMED_OUT", None, None, None, None),
            };
            tx.execute(
                "UPDATE tokens SET status = $2, output = $3, error = $4, cause = $5, \
                 heartbeat_ms = COALESCE($6, heartbeat_ms) WHERE token = $1",
                &[&token, &status, &output, &error, &cause, &hb],
            )
            .await?;
            if let Some(e) = &execution {
                // Due from when the token was handed out, if sooner (see the SQLite store).
                tx.execute(
                    "UPDATE executions x SET lease_until = LEAST($2, t.sent_ms) FROM tokens t \
                     WHERE t.token = $3 AND t.sent IS NOT NULL AND x.id = $1 \
                     AND x.status = 'RUNNING' AND x.lease_owner IS NULL \
                     AND x.lease_until > LEAST($2, t.sent_ms)",
                    &[e, &ms(at), &token],
                )
                .await?;
            }
            TokenUpdate::Updated
        }
        Some(_) => TokenUpdate::NotWaiting,
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
