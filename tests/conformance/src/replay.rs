//! Task handlers that answer from recorded calls (`tasks.json`, see
//! `corpus/tasks/README.md`): the call whose recorded input matches what the
//! engine hands the handler (after the corpus's masking) gives the result, the error, or no
//! answer at all (a timeout).

use std::sync::Mutex;

use asl_runtime::{TaskContext, TaskError, Value};

use crate::compare::{mask, matches};

struct Call {
    input: Value,
    outcome: Value,
    used: bool,
}

/// Recorded calls per Task state, and the inputs that matched none.
#[derive(Default)]
pub struct Replay {
    calls: Mutex<Vec<(String, Call)>>,
    mismatches: Mutex<Vec<String>>,
    /// The S3 objects an `itemreader/` case put before it started (`s3.json`), served to
    /// its ItemReader and receiving what its ResultWriter writes.
    pub objects: asl_runtime::items::MemoryObjects,
}

impl Replay {
    /// From the content of `tasks.json` (empty when the case has none).
    pub fn new(tasks: Option<&Value>) -> Self {
        let mut calls = Vec::new();
        if let Some(Value::Object(states)) = tasks {
            for (state, spec) in states {
                for c in spec["calls"].as_array().into_iter().flatten() {
                    calls.push((
                        state.clone(),
                        Call {
                            input: c["input"].clone(),
                            outcome: c.clone(),
                            used: false,
                        },
                    ));
                }
            }
        }
        Replay {
            calls: Mutex::new(calls),
            mismatches: Mutex::new(Vec::new()),
            objects: asl_runtime::items::MemoryObjects::new(),
        }
    }

    /// Puts the buckets and objects of `s3.json` (see `corpus/README.md`, itemreader section).
    pub fn with_objects(self, s3: Option<&Value>) -> Self {
        if let Some(s3) = s3 {
            for b in s3["buckets"].as_array().into_iter().flatten() {
                if let Some(b) = b.as_str() {
                    self.objects.create_bucket(b);
                }
            }
            for o in s3["objects"].as_array().into_iter().flatten() {
                if let (Some(b), Some(k), Some(body)) =
                    (o["bucket"].as_str(), o["key"].as_str(), o["body"].as_str())
                {
                    self.objects.insert(b, k, body.as_bytes().to_vec());
                }
            }
        }
        self
    }

    /// Inputs that matched no recorded call, with the candidates, for the failure report.
    pub fn mismatches(&self) -> Vec<String> {
        self.mismatches
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Answers one invocation of `state`.
    pub async fn call(
        &self,
        state: &str,
        input: Value,
        ctx: TaskContext,
    ) -> Result<Value, TaskError> {
        let mut masked = input;
        mask(&mut masked, &[]);
        let outcome = {
            let Ok(mut calls) = self.calls.lock() else {
                return Err(TaskError::new("Replay.Poisoned", "lock poisoned"));
            };
            let found = calls
                .iter_mut()
                .find(|(s, c)| s == state && !c.used && matches(&c.input, &masked));
            match found {
                Some((_, c)) => {
                    c.used = true;
                    Some(c.outcome.clone())
                }
                None => {
                    let candidates: Vec<String> = calls
                        .iter()
                        .filter(|(s, c)| s == state && !c.used)
                        .map(|(_, c)| c.input.to_string())
                        .collect();
                    if let Ok(mut m) = self.mismatches.lock() {
                        m.push(format!(
                            "state '{state}': input {masked} matches no recorded call; unused recorded inputs: {candidates:?}"
                        ));
                    }
                    None
                }
            }
        };
        // The values the engine resolved, where the recording has them.
        if let Some(o) = &outcome {
            for (key, ours) in [
                ("timeout_seconds", ctx.timeout_seconds),
                ("heartbeat_seconds", ctx.heartbeat_seconds),
            ] {
                if let Some(recorded) = o.get(key).and_then(Value::as_u64)
                    && ours != Some(recorded)
                    && let Ok(mut m) = self.mismatches.lock()
                {
                    m.push(format!(
                        "state '{state}': {key} is {ours:?}, AWS resolved {recorded}"
                    ));
                }
            }
        }
        // The Credentials the engine resolved (AWS records `{"roleArn": …}`).
        if let Some(recorded) = outcome
            .as_ref()
            .and_then(|o| o.get("task_credentials"))
            .and_then(|c| c.get("roleArn"))
            .and_then(Value::as_str)
            && ctx.role_arn() != Some(recorded)
            && let Ok(mut m) = self.mismatches.lock()
        {
            m.push(format!(
                "state '{state}': credentials role is {:?}, AWS resolved {recorded:?}",
                ctx.role_arn()
            ));
        }
        let Some(outcome) = outcome else {
            return Err(TaskError::new(
                "Replay.NoMatchingCall",
                format!("no recorded call of '{state}' matches"),
            ));
        };
        // What the service answered when the task was handed to it (`TaskSubmitted`).
        if let Some(answer) = outcome.get("submitted") {
            ctx.submitted(answer);
        }
        if outcome["timeout"] == true || outcome["aborted"] == true {
            // Never answers: the engine's timeout (on the paused clock) decides.
            std::future::pending::<()>().await;
        }
        if let Some(result) = outcome.get("result") {
            return Ok(result.clone());
        }
        Err(TaskError {
            error: outcome["error"].as_str().unwrap_or_default().to_string(),
            cause: outcome["cause"].as_str().map(str::to_string),
        })
    }
}
