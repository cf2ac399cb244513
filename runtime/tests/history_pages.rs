//! GetExecutionHistory's paging through the engine (`Engine::history_page`, EXEC-7 links,
//! HIST-*): every page, in both orders and at several sizes, put together is the whole
//! history with the same `previousEventId`s, also where a page starts inside a Map's
//! iterations or a Parallel's branches (linking starts at the last reset before the page).

#![allow(clippy::unwrap_used)]

use asl_runtime::durable::HistoryPage;
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, StartOptions};
use serde_json::json;

asl_runtime::asl!(mod nested {
    "StartAt": "First",
    "States": {
        "First": { "Type": "Pass", "Next": "Both" },
        "Both": {
            "Type": "Parallel",
            "Branches": [
                { "StartAt": "Each", "States": {
                    "Each": { "Type": "Map", "ItemsPath": "$.items",
                        "ItemProcessor": { "StartAt": "A", "States": {
                            "A": { "Type": "Pass", "Next": "B" },
                            "B": { "Type": "Pass", "End": true } } },
                        "End": true } } },
                { "StartAt": "Alone", "States": {
                    "Alone": { "Type": "Pass", "Next": "Pause" },
                    "Pause": { "Type": "Wait", "Seconds": 0, "End": true } } }
            ],
            "ResultPath": null,
            "Next": "Again"
        },
        "Again": { "Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": { "StartAt": "C", "States": { "C": { "Type": "Pass", "End": true } } },
            "Next": "Last" },
        "Last": { "Type": "Pass", "End": true }
    }
});

impl nested::Tasks for () {}

#[tokio::test]
async fn pages_put_together_are_the_whole_history() {
    let engine = Engine::builder()
        .store(SqliteStore::memory().await.unwrap())
        .workflow("nested", nested::Workflow::new(()))
        .build()
        .await
        .unwrap();
    let id = engine
        .start(
            "nested",
            json!({ "items": [1, 2, 3, 4, 5] }),
            StartOptions::default(),
        )
        .await
        .unwrap();
    engine.wait(&id).await.unwrap();
    let whole = engine.history(&id).await.unwrap();
    assert!(whole.len() > 40, "{} events", whole.len());
    let key = |e: &asl_runtime::durable::HistoryEvent| (e.id, e.previous_event_id, e.kind.clone());
    for reverse in [false, true] {
        for size in [1, 2, 3, 7, 1000] {
            let mut after = None;
            let mut pages = Vec::new();
            loop {
                let page = HistoryPage {
                    after,
                    size,
                    reverse,
                };
                let (events, next) = engine.history_page(&id, &page).await.unwrap();
                assert!(events.len() <= size);
                pages.extend(events.iter().map(key));
                match next {
                    Some(last) => {
                        assert_eq!(Some(last), events.last().map(|e| e.id));
                        after = Some(last);
                    }
                    None => break,
                }
            }
            let mut expected: Vec<_> = whole.iter().map(key).collect();
            if reverse {
                expected.reverse();
            }
            assert_eq!(pages, expected, "size {size}, reverse {reverse}");
        }
    }
    // Details come with the page's events as with the whole history.
    let (events, _) = engine
        .history_page(&id, &HistoryPage::default())
        .await
        .unwrap();
    assert_eq!(events[..], whole[..events.len()]);
}
