//! `tracing` spans: one per execution (id, mode), per state (name, type) and per task attempt
//! (attempt number), in memory and on the durable engine.

use std::sync::{Arc, Mutex};

use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, StartOptions, TaskContext, TaskError, Value};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every span's name and fields as `name{field=value,…}`.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?},", field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!("{}={value},", field.name()));
    }
}

impl Subscriber for Spans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut f = Fields(String::new());
        span.record(&mut f);
        let mut v = self.0.lock().unwrap();
        v.push(format!("{}{{{}}}", span.metadata().name(), f.0));
        Id::from_u64(v.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

asl_runtime::asl!(mod traced {
    "StartAt": "Call",
    "States": {
        "Call": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Retry": [{ "ErrorEquals": ["Again"], "IntervalSeconds": 1 }], "Next": "Done" },
        "Done": { "Type": "Pass", "Result": 1, "End": true }
    }
});

struct Tasks;

impl traced::Tasks for Tasks {
    async fn call(&self, _input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
        if ctx.retry_count == 0 {
            return Err(TaskError::named("Again"));
        }
        Ok(json!("ok"))
    }
}

fn spans_of(f: impl AsyncFnOnce()) -> Vec<String> {
    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(spans.clone());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(f());
    spans.0.lock().unwrap().clone()
}

#[test]
fn spans_per_execution_state_and_attempt() {
    let spans = spans_of(async || {
        traced::Workflow::new(Tasks).run(json!({})).await.unwrap();
    });
    let text = spans.join("\n");
    assert!(
        text.contains("execution{id=arn:aws:states:us-east-1:123456789012:execution:traced:"),
        "{text}"
    );
    assert!(text.contains("mode=express"), "{text}");
    assert!(text.contains("state{state=Call,type=Task,"), "{text}");
    assert!(text.contains("state{state=Done,type=Pass,"), "{text}");
    assert!(
        text.contains("task{attempt=0,resource=arn:aws:states:::lambda:invoke,}"),
        "{text}"
    );
    assert!(text.contains("task{attempt=1,"), "{text}");

    let spans = spans_of(async || {
        let engine = Engine::builder()
            .store(SqliteStore::memory().await.unwrap())
            .workflow("traced", traced::Workflow::new(Tasks))
            .build()
            .await
            .unwrap();
        let id = engine
            .start("traced", json!({}), StartOptions::default().name("t-1"))
            .await
            .unwrap();
        engine.wait(&id).await.unwrap();
    });
    let text = spans.join("\n");
    assert!(
        text.contains("execution{id=arn:aws:states:us-east-1:123456789012:execution:traced:t-1,mode=standard,}"),
        "{text}"
    );
    assert!(text.contains("task{attempt=1,"), "{text}");
}
