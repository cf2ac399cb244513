//! The rules of an execution at rest on a callback token (`Rest::token`), as one test run
//! against each store: it is due at its deadline, or at once when the token is answered
//! (success or failure; a heartbeat does not wake it; nor does an answer to a token it does
//! not rest on), also when the answer came before the rest landed; registering the token
//! again gives back what its handler answered. `Store::waiting_among` tells the waiting
//! tokens from the others, `Store::running_among` the running executions.

// Test code (compiled only for tests), which may unwrap.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use super::claims::record;
use crate::store::{Commit, HandedOut, Rest, Store, TokenRest, TokenState, TokenUpdate};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
}

fn token(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

fn handed_out(who: &str, started: i64) -> HandedOut {
    HandedOut {
        answer: json!({ "sent": who }),
        started: at(started),
    }
}

/// `worker` puts `id` at rest on `token` until `until`.
fn rest_on(id: &str, worker: &str, token: &str, until: i64, started: i64) -> Commit {
    Commit {
        execution: id.into(),
        worker: worker.into(),
        events: vec![],
        checkpoint: None,
        close: None,
        provisional: true,
        truncate_from: None,
        rest: Some(Rest {
            until: at(until),
            token: Some(TokenRest {
                token: token.into(),
                handed_out: handed_out(id, started),
            }),
        }),
    }
}

async fn due(store: &dyn Store, now: i64) -> Vec<String> {
    super::claims::ids(store, "w2", None, now, 10).await
}

/// Runs the rules against `store` (empty).
pub(crate) async fn token_rests_follow_the_rules(store: &dyn Store) {
    // "a" rests on its token; answered later, it is due from the answer.
    let a = token('a');
    store
        .create(record("a", 0), Some("w1".into()), at(60))
        .await
        .unwrap();
    let first = store.register_token(&a, "a", "Ask", at(1)).await.unwrap();
    assert_eq!(first, None, "a new token was handed out by nobody");
    store.commit(rest_on("a", "w1", &a, 1000, 1)).await.unwrap();
    assert!(due(store, 5).await.is_empty());
    let beat = TokenState::Waiting { heartbeat: at(6) };
    let update = store.update_token(&a, beat, at(6)).await.unwrap();
    assert_eq!(update, TokenUpdate::Updated);
    assert!(due(store, 7).await.is_empty(), "a heartbeat wakes nobody");
    let answer = TokenState::Succeeded(json!(1));
    let update = store.update_token(&a, answer, at(8)).await.unwrap();
    assert_eq!(update, TokenUpdate::Updated);
    assert_eq!(due(store, 9).await, ["a"]);
    // A second answer, or a beat, finds it answered; a token never handed out is unknown.
    let twice = store.update_token(&a, TokenState::Succeeded(json!(2)), at(9));
    assert_eq!(twice.await.unwrap(), TokenUpdate::NotWaiting);
    let beat = TokenState::Waiting { heartbeat: at(9) };
    assert_eq!(
        store.update_token(&a, beat, at(9)).await.unwrap(),
        TokenUpdate::NotWaiting
    );
    let unknown = store.update_token(&token('z'), TokenState::Succeeded(json!(3)), at(9));
    assert_eq!(unknown.await.unwrap(), TokenUpdate::Unknown);
    // Resumed, its task finds the handler's answer instead of calling it again.
    let again = store.register_token(&a, "a", "Ask", at(9)).await.unwrap();
    assert_eq!(again, Some(handed_out("a", 1)));

    // "b"'s token is answered (a failure) while it still runs, before its rest lands: due
    // from the attempt's start.
    let b = token('b');
    store
        .create(record("b", 0), Some("w1".into()), at(60))
        .await
        .unwrap();
    store.register_token(&b, "b", "Ask", at(2)).await.unwrap();
    let failure = TokenState::Failed(Some("E".into()), None);
    store.update_token(&b, failure, at(3)).await.unwrap();
    assert!(due(store, 4).await.is_empty(), "running, not at rest");
    store.commit(rest_on("b", "w1", &b, 1000, 2)).await.unwrap();
    assert_eq!(due(store, 4).await, ["b"]);

    // "c" rests on its token with a deadline (its heartbeat or timeout): due then, unanswered.
    let c = token('c');
    store
        .create(record("c", 0), Some("w1".into()), at(60))
        .await
        .unwrap();
    store.register_token(&c, "c", "Ask", at(2)).await.unwrap();
    store.commit(rest_on("c", "w1", &c, 20, 2)).await.unwrap();
    assert!(due(store, 19).await.is_empty());
    assert_eq!(due(store, 21).await, ["c"]);
    // Its former worker can no longer commit: the rest released its lease.
    let late = store.commit(rest_on("c", "w1", &c, 30, 2)).await;
    assert!(late.is_err(), "{late:?}");

    // "d" rests in a Wait; a late answer to a token it no longer waits for wakes nobody.
    let d = token('d');
    store
        .create(record("d", 0), Some("w1".into()), at(60))
        .await
        .unwrap();
    store.register_token(&d, "d", "Ask", at(2)).await.unwrap();
    let wait = Commit {
        rest: Some(Rest::until(at(1000))),
        ..rest_on("d", "w1", &d, 1000, 2)
    };
    store.commit(wait).await.unwrap();
    let answer = TokenState::Succeeded(json!("late"));
    store.update_token(&d, answer, at(30)).await.unwrap();
    assert!(
        due(store, 31).await.is_empty(),
        "woken by a token it does not rest on"
    );
    // Nor by that token answered again.
    let answer = TokenState::Succeeded(json!("again"));
    assert_eq!(
        store.update_token(&d, answer, at(32)).await.unwrap(),
        TokenUpdate::NotWaiting
    );
    assert!(due(store, 33).await.is_empty(), "woken by an old answer");

    // Of several tokens, the waiting ones: "c"'s (at rest, unanswered) and a new one; not
    // the answered, failed, timed out or unknown ones.
    let e = token('e');
    store.register_token(&e, "d", "Ask", at(40)).await.unwrap();
    let g = token('g');
    store.register_token(&g, "d", "Ask", at(40)).await.unwrap();
    let timed_out = store.update_token(&g, TokenState::TimedOut, at(41)).await;
    assert_eq!(timed_out.unwrap(), TokenUpdate::Updated);
    let asked = [&a, &b, &c, &d, &e, &token('f'), &g].map(|t| t.to_string());
    let mut waiting = store.waiting_among(&asked).await.unwrap();
    waiting.sort();
    assert_eq!(waiting, [c, e]);
    assert!(store.waiting_among(&[]).await.unwrap().is_empty());

    // Of several executions, the running ones: "a" (resumed), "b" (due), "c" (at rest); not
    // "d" once stopped, nor an unknown one.
    store.stop("d", None, None, at(50)).await.unwrap();
    let asked = ["a", "b", "c", "d", "nobody"].map(String::from);
    let mut running = store.running_among(&asked).await.unwrap();
    running.sort();
    assert_eq!(running, ["a", "b", "c"]);
    assert!(store.running_among(&[]).await.unwrap().is_empty());
}
