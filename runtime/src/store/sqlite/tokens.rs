//! Callback task tokens: registered when a state waits for one, then answered (success,
//! failure, heartbeat) or closed with their execution.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::rows::{from_ms, ms, parse_json, to_json};
use crate::store::{HandedOut, StoreError, TokenRest, TokenState, TokenUpdate, WaitingToken};

/// Registers a waiting token (again: no change); what its handler answered if it was handed
/// out before its execution rested.
pub(super) fn register_token(
    conn: &Connection,
    token: &str,
    execution: &str,
    state: &str,
    at: DateTime<Utc>,
) -> Result<Option<HandedOut>, StoreError> {
    let new = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO tokens (token, execution, state, status, heartbeat_ms) \
             VALUES (?1, ?2, ?3, 'WAITING', ?4)",
        )?
        .execute(params![token, execution, state, ms(at)])?;
    if new == 1 {
        return Ok(None);
    }
    let sent = conn
        .prepare_cached("SELECT sent, sent_ms FROM tokens WHERE token = ?1")?
        .query_row(params![token], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<i64>>(1)?))
        })
        .optional()?;
    Ok(match sent {
        Some((Some(answer), Some(started))) => Some(HandedOut {
            answer: parse_json(&answer)?,
            started: from_ms(started),
        }),
        _ => None,
    })
}

/// Records what a token's handler answered as its execution rests on it; whether the token
/// still waits (an answer that came first makes the execution due at once).
pub(super) fn rest_on(conn: &Connection, rest: &TokenRest) -> Result<bool, StoreError> {
    conn.prepare_cached("UPDATE tokens SET sent = ?2, sent_ms = ?3 WHERE token = ?1")?
        .execute(params![
            rest.token,
            to_json(&rest.handed_out.answer),
            ms(rest.handed_out.started)
        ])?;
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM tokens WHERE token = ?1")?
        .query_row(params![rest.token], |r| r.get(0))
        .optional()?;
    Ok(status.as_deref() == Some("WAITING"))
}

/// Of `tokens`, those waiting for an answer.
pub(super) fn waiting_among(
    conn: &Connection,
    tokens: Vec<String>,
) -> Result<Vec<String>, StoreError> {
    let select = "SELECT status FROM tokens WHERE token = ?1";
    super::rows::with_status(conn, select, tokens, "WAITING")
}

/// A token's state, if it is known.
pub(super) fn token(conn: &Connection, token: &str) -> Result<Option<TokenState>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT status, output, error, cause, heartbeat_ms FROM tokens WHERE token = ?1",
        )?
        .query_row(params![token], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()?;
    let Some((status, output, error, cause, hb)) = row else {
        return Ok(None);
    };
    Ok(Some(match status.as_str() {
        "WAITING" => TokenState::Waiting {
            heartbeat: from_ms(hb),
        },
        "SUCCEEDED" => TokenState::Succeeded(
            output
                .as_deref()
                .map(parse_json)
                .transpose()?
                .unwrap_or(Value::Null),
        ),
        "FAILED" => TokenState::Failed(error, cause),
        "TIMED_OUT" => TokenState::TimedOut,
        _ => TokenState::Closed,
    }))
}

/// Answers a waiting token.
pub(super) fn update_token(
    conn: &Connection,
    token: &str,
    state: TokenState,
    at: DateTime<Utc>,
) -> Result<TokenUpdate, StoreError> {
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM tokens WHERE token = ?1")?
        .query_row(params![token], |r| r.get(0))
        .optional()?;
    match status.as_deref() {
        None => return Ok(TokenUpdate::Unknown),
        Some("WAITING") => {}
        Some(_) => return Ok(TokenUpdate::NotWaiting),
    }
    let answered = matches!(state, TokenState::Succeeded(_) | TokenState::Failed(..));
    let mut update = conn.prepare_cached(
        "UPDATE tokens SET status = ?2, output = ?3, error = ?4, cause = ?5, \
         heartbeat_ms = COALESCE(?6, heartbeat_ms) WHERE token = ?1",
    )?;
    match state {
        TokenState::Waiting { heartbeat } => update.execute(params![
            token,
            "WAITING",
            None::<String>,
            None::<String>,
            None::<String>,
            Some(ms(heartbeat))
        ])?,
        TokenState::Succeeded(v) => update.execute(params![
            token,
            "SUCCEEDED",
            Some(to_json(&v)),
            None::<String>,
            None::<String>,
            None::<i64>
        ])?,
        TokenState::Failed(error, cause) => update.execute(params![
            token,
            "FAILED",
            None::<String>,
            error,
            cause,
            None::<i64>
        ])?,
        TokenState::Closed | TokenState::TimedOut => update.execute(params![
            token,
            if state == TokenState::TimedOut {
                "TIMED_OUT"
            } else {
                "CLOSED"
            },
            None::<String>,
            None::<String>,
            None::<String>,
            None::<i64>
        ])?,
    };
    if answered {
        // Its execution, if at rest on it (one at rest has no owner; the token it rests on
        // was handed out), is due now: from when the token was handed out, if sooner, so
        // that a worker whose clock is behind this one's claims it at once too.
        conn.prepare_cached(
            "UPDATE executions SET lease_until = MIN(?2, t.sent_ms) \
             FROM (SELECT execution, sent_ms FROM tokens WHERE token = ?1 AND sent IS NOT NULL) t \
             WHERE id = t.execution AND status = 'RUNNING' AND lease_owner IS NULL \
             AND lease_until > MIN(?2, t.sent_ms)",
        )?
        .execute(params![token, ms(at)])?;
    }
    Ok(TokenUpdate::Updated)
}

/// The tokens of `execution` still waiting, oldest first.
pub(super) fn waiting_tokens(
    conn: &Connection,
    execution: &str,
) -> Result<Vec<WaitingToken>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT token, state, heartbeat_ms FROM tokens \
         WHERE execution = ?1 AND status = 'WAITING' ORDER BY heartbeat_ms, token",
    )?;
    let rows = stmt
        .query_map(params![execution], |r| {
            Ok(WaitingToken {
                token: r.get(0)?,
                state: r.get(1)?,
                heartbeat: from_ms(r.get(2)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
