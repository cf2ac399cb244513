//! An Express workflow on `asl-runtime` built with `default-features = false`: no store, no
//! SQLite. The test in `tests/` runs it; CI builds this crate on its own so the feature set is
//! exactly this one.

use asl_runtime::{TaskContext, TaskError, Value};

asl_runtime::asl!(
    /// Greets the name in its input.
    pub mod greet {
    "Comment": "EXEC-2: an Express workflow, in memory",
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "ResultSelector": { "text.$": "$.Payload" },
            "ResultPath": "$.greeting",
            "Retry": [{ "ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2 }],
            "Next": "Done"
        },
        "Done": { "Type": "Succeed" }
    }
});

/// Greets by name, failing with `Flaky` the first `flaky` times.
pub struct Greeter {
    /// Failures left before it answers.
    pub flaky: std::sync::atomic::AtomicU32,
}

impl greet::Tasks for Greeter {
    async fn greet(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        use std::sync::atomic::Ordering;
        if self
            .flaky
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(TaskError::new("Flaky", "try again"));
        }
        let name = input["Payload"]["name"].as_str().unwrap_or("you");
        Ok(asl_runtime::lambda::invoke_response(
            format!("hello {name}").into(),
        ))
    }
}
