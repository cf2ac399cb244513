//! Mock test cases in Step Functions Local's `MockConfigFile.json` format (the format
//! LocalStack also reads), so that the test cases written for those emulators run against
//! compiled workflows in `cargo test`.
//!
//! A file names, per state machine, test cases; a test case names, per Task state, a mocked
//! response; a mocked response answers the state's calls by number:
//!
//! ```json
//! {
//!   "StateMachines": {
//!     "LambdaSQSIntegration": {
//!       "TestCases": {
//!         "RetryPath": { "LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess" }
//!       }
//!     }
//!   },
//!   "MockedResponses": {
//!     "MockedLambdaRetry": {
//!       "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException", "Cause": "Not ready." } },
//!       "1-2": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "Timed out." } },
//!       "3": { "Return": { "StatusCode": 200, "Payload": { "body": "Hello" } } }
//!     },
//!     "MockedSQSSuccess": { "0": { "Return": { "MessageId": "m-1" } } }
//!   }
//! }
//! ```
//!
//! The rules, as AWS documents them and LocalStack checks them (a file breaking one is refused
//! when loaded, with an error naming the file, the JSON path and the problem):
//! - the document is an object with `StateMachines` and `MockedResponses`; a state machine
//!   is an object with `TestCases`; a test case maps state names to names of mocked responses
//!   the file defines;
//! - a mocked response maps invocation keys to responses: `"N"` (one call) or `"A-B"` (calls A
//!   to B, inclusive); together the keys cover calls `0..=last` with no gap and no overlap (an
//!   empty mocked response answers no call: its first call fails, as Step Functions Local
//!   fails it);
//! - a response holds exactly one of `Return` (any JSON: the service's answer) and `Throw`
//!   (`{"Error": string, "Cause": string}`: the Task fails with that error, which its Retry
//!   and Catch see).
//!
//! A test case's states answer their calls in order, counted per state from 0; every attempt
//! counts (the retries of a Retry, each Map iteration's call), as Step Functions Local counts
//! them. A call past the last response fails the execution with `States.Runtime` (which no
//! Retry or Catch handles) naming the state and the call: a test case must say what every
//! call answers. A state the test case does not name calls its handler (AWS's "hybrid"
//! tests). Map iterations run concurrently: with `MaxConcurrency` above 1 which iteration
//! gets which call is not fixed, as AWS's documentation warns.
//!
//! [`MockFile::test_case`] gives a [`MockCase`]: pass it as
//! [`RunOptions::mock`](crate::RunOptions::mock) or
//! [`StartOptions::mock`](crate::StartOptions::mock), or wrap handlers in [`Mocked`] (every
//! generated workflow's `Tasks` is implemented for it).

mod case;
mod error;
mod mocked;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value};

pub use case::MockCase;
pub use error::MockFileError;
pub(crate) use mocked::glue;
pub use mocked::{Mocked, Unmocked};

use error::Path;

/// A parsed and checked mock file: its state machines' test cases and its mocked responses.
#[derive(Debug, Clone)]
pub struct MockFile {
    file: Arc<str>,
    /// State machine → test case → state → mocked response name, in the file's order.
    machines: IndexMap<String, IndexMap<String, IndexMap<String, String>>>,
    responses: IndexMap<String, Arc<MockedResponse>>,
}

/// One mocked response: its answers by call number, sorted, covering `0..=last`.
#[derive(Debug)]
pub(crate) struct MockedResponse {
    pub(crate) name: String,
    pub(crate) entries: Vec<Entry>,
}

/// The answer to calls `first..=last`.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) first: u64,
    pub(crate) last: u64,
    pub(crate) answer: Answer,
}

/// `Return` or `Throw`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    Return(Value),
    Throw { error: String, cause: String },
}

impl MockedResponse {
    /// The answer to call `n` (0-based), if the response has one.
    pub(crate) fn answer(&self, n: u64) -> Option<&Answer> {
        let i = self.entries.partition_point(|e| e.last < n);
        self.entries
            .get(i)
            .filter(|e| e.first <= n)
            .map(|e| &e.answer)
    }

    /// The last call it answers (none when empty).
    pub(crate) fn last_call(&self) -> Option<u64> {
        self.entries.last().map(|e| e.last)
    }
}

impl MockFile {
    /// Reads and checks the mock file at `path`; errors name the path as given.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<MockFile, MockFileError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MockFileError::io(&name, &e))?;
        MockFile::parse(&text, &name)
    }

    /// Parses and checks a mock file's text; `file_name` names it in errors.
    pub fn parse(text: &str, file_name: &str) -> Result<MockFile, MockFileError> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| MockFileError::json(file_name, &e))?;
        MockFile::from_value(&doc, file_name)
    }

    /// Checks a mock file already parsed as JSON; `file_name` names it in errors.
    pub fn from_value(doc: &Value, file_name: &str) -> Result<MockFile, MockFileError> {
        Parser { file: file_name }.file(doc)
    }

    /// The file's name, as errors give it.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The state machines the file has test cases for, in the file's order.
    pub fn state_machines(&self) -> Vec<&str> {
        self.machines.keys().map(String::as_str).collect()
    }

    /// The test cases of state machine `machine`, in the file's order (none for a state
    /// machine the file does not name).
    pub fn test_cases(&self, machine: &str) -> Vec<&str> {
        self.machines
            .get(machine)
            .map(|cases| cases.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Test case `case` of state machine `machine`, ready to answer calls from its first
    /// (every call gets a fresh case: its counters start at 0).
    pub fn test_case(&self, machine: &str, case: &str) -> Result<MockCase, MockFileError> {
        let machines = Path::root().key("StateMachines");
        let Some(cases) = self.machines.get(machine) else {
            return Err(MockFileError::at(
                &self.file,
                &machines,
                format!(
                    "no state machine {} (the file has test cases for: {})",
                    error::quoted(machine),
                    listing(self.machines.keys())
                ),
            ));
        };
        let Some(states) = cases.get(case) else {
            return Err(MockFileError::at(
                &self.file,
                &machines.key(machine).key("TestCases"),
                format!(
                    "no test case {} (the state machine's test cases: {})",
                    error::quoted(case),
                    listing(cases.keys())
                ),
            ));
        };
        let states = states
            .iter()
            .filter_map(|(state, response)| {
                // Parsing made sure every name has its response.
                let r = self.responses.get(response)?;
                Some((state.clone(), Arc::clone(r)))
            })
            .collect();
        Ok(MockCase::new(
            Arc::clone(&self.file),
            machine.to_string(),
            case.to_string(),
            states,
        ))
    }

    /// Checks every test case of `machine` against its workflow's graph (a generated module's
    /// `GRAPH`): each state a test case mocks must be a Task state of the workflow (at any
    /// depth: in a Parallel branch or a Map's processor too).
    pub fn check_graph(
        &self,
        machine: &str,
        graph: &crate::graph::Graph,
    ) -> Result<(), MockFileError> {
        for case in self.test_cases(machine) {
            self.test_case(machine, case)?.check_graph(graph)?;
        }
        Ok(())
    }
}

/// Names for a message: `A, B` or `none`.
fn listing<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = names.map(|n| error::quoted(n)).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The name of a JSON value's type, for messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Parser<'a> {
    file: &'a str,
}

impl Parser<'_> {
    fn err(&self, path: &Path, problem: impl Into<String>) -> MockFileError {
        MockFileError::at(self.file, path, problem)
    }

    /// `v` as an object, or an error saying what `what` must be.
    fn object<'v>(
        &self,
        v: &'v Value,
        path: &Path,
        what: &str,
    ) -> Result<&'v Map<String, Value>, MockFileError> {
        v.as_object().ok_or_else(|| {
            self.err(
                path,
                format!("{what} must be a JSON object, not {}", type_name(v)),
            )
        })
    }

    /// Refuses members other than `allowed` (a misspelt `Returns` is a mistake, not a
    /// comment).
    fn only(
        &self,
        m: &Map<String, Value>,
        path: &Path,
        allowed: &[&str],
    ) -> Result<(), MockFileError> {
        match m.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.err(
                &path.key(k),
                format!(
                    "unknown field (expected {})",
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
            None => Ok(()),
        }
    }

    fn file(&self, doc: &Value) -> Result<MockFile, MockFileError> {
        let root = Path::root();
        let top = self.object(doc, &root, "a mock file")?;
        self.only(top, &root, &["StateMachines", "MockedResponses"])?;
        let field = |name: &str| {
            top.get(name)
                .ok_or_else(|| self.err(&root, format!("missing field `{name}`")))
        };
        let machines_v = field("StateMachines")?;
        let responses_v = field("MockedResponses")?;
        let rpath = root.key("MockedResponses");
        let mut responses = IndexMap::new();
        for (name, v) in self.object(responses_v, &rpath, "`MockedResponses`")? {
            let r = self.mocked_response(name, v, &rpath.key(name))?;
            responses.insert(name.clone(), Arc::new(r));
        }
        let mpath = root.key("StateMachines");
        let mut machines = IndexMap::new();
        for (machine, v) in self.object(machines_v, &mpath, "`StateMachines`")? {
            let path = mpath.key(machine);
            let m = self.object(v, &path, "a state machine")?;
            self.only(m, &path, &["TestCases"])?;
            let cases_v = m
                .get("TestCases")
                .ok_or_else(|| self.err(&path, "missing field `TestCases`"))?;
            let cpath = path.key("TestCases");
            let mut cases = IndexMap::new();
            for (case, v) in self.object(cases_v, &cpath, "`TestCases`")? {
                let path = cpath.key(case);
                let mut states = IndexMap::new();
                for (state, r) in self.object(v, &path, "a test case")? {
                    let path = path.key(state);
                    let Some(name) = r.as_str() else {
                        return Err(self.err(
                            &path,
                            format!(
                                "must be the name of a mocked response (a string), not {}",
                                type_name(r)
                            ),
                        ));
                    };
                    if !responses.contains_key(name) {
                        return Err(self.err(
                            &path,
                            format!(
                                "unknown mocked response {}: `MockedResponses` defines {}",
                                error::quoted(name),
                                listing(responses.keys())
                            ),
                        ));
                    }
                    states.insert(state.clone(), name.to_string());
                }
                cases.insert(case.clone(), states);
            }
            machines.insert(machine.clone(), cases);
        }
        Ok(MockFile {
            file: Arc::from(self.file),
            machines,
            responses,
        })
    }

    fn mocked_response(
        &self,
        name: &str,
        v: &Value,
        path: &Path,
    ) -> Result<MockedResponse, MockFileError> {
        let m = self.object(v, path, "a mocked response")?;
        let mut entries: Vec<(Entry, &str)> = Vec::new();
        for (key, v) in m {
            let path = path.key(key);
            let (first, last) = range(key).map_err(|problem| self.err(&path, problem))?;
            let answer = self.answer(v, &path)?;
            entries.push((
                Entry {
                    first,
                    last,
                    answer,
                },
                key,
            ));
        }
        entries.sort_by_key(|(e, _)| e.first);
        // The last call the keys so far answer, and the key answering it.
        let mut previous: Option<(u64, &str)> = None;
        for (e, key) in &entries {
            let path = path.key(key);
            match previous {
                None if e.first != 0 => {
                    let gap = match e.first {
                        1 => "call 0 has".to_string(),
                        n => format!("calls 0-{} have", n - 1),
                    };
                    return Err(self.err(
                        &path,
                        format!(
                            "calls are numbered from 0, but the first key starts at {}: {gap} \
                             no response",
                            e.first
                        ),
                    ));
                }
                Some((last, p)) if e.first <= last => {
                    return Err(self.err(
                        &path,
                        format!(
                            "overlaps {}: call {} has two responses",
                            error::quoted(p),
                            e.first
                        ),
                    ));
                }
                // `e.first > last` here, so `last + 1` cannot overflow.
                Some((last, p)) if e.first > last + 1 => {
                    let gap = if e.first - 1 == last + 1 {
                        format!("call {} has", last + 1)
                    } else {
                        format!("calls {}-{} have", last + 1, e.first - 1)
                    };
                    return Err(self.err(
                        &path,
                        format!(
                            "not contiguous with {}: {gap} no response (the keys must cover \
                             every call from 0)",
                            error::quoted(p)
                        ),
                    ));
                }
                _ => {}
            }
            previous = Some((e.last, key));
        }
        Ok(MockedResponse {
            name: name.to_string(),
            entries: entries.into_iter().map(|(e, _)| e).collect(),
        })
    }

    fn answer(&self, v: &Value, path: &Path) -> Result<Answer, MockFileError> {
        let m = self.object(v, path, "a response")?;
        self.only(m, path, &["Return", "Throw"])?;
        match (m.get("Return"), m.get("Throw")) {
            (Some(_), Some(_)) => Err(self.err(
                path,
                "has both `Return` and `Throw`: a response either returns or throws",
            )),
            (None, None) => Err(self.err(
                path,
                "has neither `Return` nor `Throw`: say what the call answers",
            )),
            (Some(r), None) => Ok(Answer::Return(r.clone())),
            (None, Some(t)) => {
                let path = path.key("Throw");
                let t = self.object(t, &path, "`Throw`")?;
                self.only(t, &path, &["Error", "Cause"])?;
                let text = |field: &str| match t.get(field) {
                    Some(Value::String(s)) => Ok(s.clone()),
                    Some(other) => Err(self.err(
                        &path.key(field),
                        format!("must be a string, not {}", type_name(other)),
                    )),
                    None => Err(self.err(&path, format!("missing field `{field}`"))),
                };
                Ok(Answer::Throw {
                    error: text("Error")?,
                    cause: text("Cause")?,
                })
            }
        }
    }
}

/// An invocation key: `"N"` or `"A-B"` (A ≤ B), decimal digits only.
fn range(key: &str) -> Result<(u64, u64), String> {
    let number = |s: &str| -> Result<u64, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "invalid invocation key: expected a call number (\"0\") or an inclusive range \
                 (\"1-2\"), not {}",
                Value::from(key)
            ));
        }
        s.parse::<u64>().map_err(|_| {
            format!(
                "invocation key {}: the number is too large",
                Value::from(key)
            )
        })
    };
    match key.split_once('-') {
        None => {
            let n = number(key)?;
            Ok((n, n))
        }
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            if a > b {
                return Err(format!(
                    "invalid range {}: its start is after its end",
                    Value::from(key)
                ));
            }
            Ok((a, b))
        }
    }
}
