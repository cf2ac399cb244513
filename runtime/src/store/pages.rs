//! History pages every store serves (`Store::history_page`), as one test run against each
//! store: every page, in both orders and at several sizes, is the part of the whole history
//! `EventsPage::of` cuts from it, shared payloads put back and the events before it linked.

// Test code (compiled only for tests), which may unwrap.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use serde_json::json;

use crate::store::{Commit, EventRange, EventsPage, Store, StoredEvent};

/// Events 2..=41 (1 is `ExecutionStarted`), some with a payload large enough to be shared.
fn events() -> Vec<StoredEvent> {
    (2..=41)
        .map(|id| StoredEvent {
            id,
            kind: if id % 2 == 0 {
                "PassStateEntered".into()
            } else {
                "PassStateExited".into()
            },
            state: Some(format!("S{}", id / 2)),
            timestamp: Utc.timestamp_opt(1_800_000_000 + id as i64, 0).unwrap(),
            details: Some(if id % 7 == 0 {
                json!({ "name": format!("S{}", id / 2), "input": "x".repeat(2_000) })
            } else {
                json!({ "name": format!("S{}", id / 2), "input": "{}" })
            }),
        })
        .collect()
}

pub(crate) async fn pages_cut_the_whole_history(store: &dyn Store, id: &str) {
    pages_cut(store, id, events()).await;
    // Ids with gaps (a lost commit, publishes landed out of order): a store that bounds a
    // page's ids must still return whole pages and say whether more follow.
    let gaps: Vec<StoredEvent> = events()
        .into_iter()
        .filter(|e| !matches!(e.id, 5 | 6 | 20..=30))
        .collect();
    pages_cut(store, &format!("{id}-gaps"), gaps).await;
}

async fn pages_cut(store: &dyn Store, id: &str, events: Vec<StoredEvent>) {
    let ids: Vec<u64> = std::iter::once(1)
        .chain(events.iter().map(|e| e.id))
        .collect();
    let record = super::claims::record(id, 0);
    let at = record.start_date;
    store.create(record, Some("w".into()), at).await.unwrap();
    store
        .commit(Commit {
            execution: id.into(),
            worker: "w".into(),
            events: events.clone(),
            checkpoint: None,
            close: None,
            provisional: false,
            truncate_from: None,
            rest: None,
        })
        .await
        .unwrap();
    let whole = store.history(id).await.unwrap();
    assert_eq!(whole.len(), ids.len());
    assert_eq!(whole[1..], events[..]);
    for reverse in [false, true] {
        for limit in [1, 7, 41, 100] {
            let mut after = None;
            let mut seen = Vec::new();
            loop {
                let range = EventRange {
                    after,
                    limit,
                    reverse,
                };
                let page = store.history_page(id, range).await.unwrap();
                assert_eq!(page, EventsPage::of(whole.clone(), range), "{range:?}");
                seen.extend(page.events.iter().map(|e| e.id));
                if !page.more {
                    break;
                }
                after = page.events.last().map(|e| e.id);
            }
            let mut expected = ids.clone();
            if reverse {
                expected.reverse();
            }
            assert_eq!(seen, expected, "limit {limit}, reverse {reverse}");
        }
    }
    // Past either end: no events, nothing more.
    for (after, reverse) in [(Some(41), false), (Some(1), true)] {
        let range = EventRange {
            after,
            limit: 10,
            reverse,
        };
        let page = store.history_page(id, range).await.unwrap();
        assert!(page.events.is_empty() && !page.more, "{range:?}");
    }
}

/// Pages continue after the last event returned, also when events were appended meanwhile.
#[test]
fn pages_continue_after_the_last_event_returned() {
    let history = |n: u64| -> Vec<StoredEvent> {
        (1..=n)
            .map(|id| StoredEvent {
                id,
                kind: "PassStateEntered".into(),
                state: None,
                timestamp: Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
                details: None,
            })
            .collect()
    };
    let cut = |n: u64, after: Option<u64>, limit: usize, reverse: bool| {
        let page = EventsPage::of(
            history(n),
            EventRange {
                after,
                limit,
                reverse,
            },
        );
        let ids: Vec<u64> = page.events.iter().map(|e| e.id).collect();
        // The linker has seen the events before the page's first: each links to the one
        // before it, so the next would link to the last of them.
        let mut probe = page.earlier.clone();
        let earlier = probe.link(100, "PassStateEntered");
        (ids, page.more, earlier)
    };
    assert_eq!(cut(4, None, 2, true), (vec![4, 3], true, 2));
    // Two events appended meanwhile: the reverse listing goes on below 3.
    assert_eq!(cut(6, Some(3), 2, true), (vec![2, 1], false, 0));
    assert_eq!(cut(3, None, 2, false), (vec![1, 2], true, 0));
    assert_eq!(cut(4, Some(2), 2, false), (vec![3, 4], false, 2));
    assert_eq!(cut(4, Some(4), 2, false), (vec![], false, 0));
}
