//! [`MockCase`]: one test case of a mock file, answering its states' calls in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::error::{Path, quoted};
use super::{Answer, MockFileError, MockedResponse};
use crate::error::{TaskError, names};
use crate::graph::{Graph, Kind};

/// A test case of a [`MockFile`](super::MockFile): for each Task state it names, the mocked
/// response answering that state's calls, and how many calls each state has had.
///
/// It answers through [`TaskMock`](crate::TaskMock) (pass it to
/// [`RunOptions::mock`](crate::RunOptions::mock) or
/// [`StartOptions::mock`](crate::StartOptions::mock)) or through [`Mocked`](super::Mocked).
/// Clones share their call counters (keep one to read [`MockCase::calls`] after the run); get
/// a fresh case from [`MockFile::test_case`](super::MockFile::test_case).
#[derive(Debug, Clone)]
pub struct MockCase {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    file: Arc<str>,
    machine: String,
    name: String,
    states: Vec<StateMock>,
}

#[derive(Debug)]
struct StateMock {
    state: String,
    response: Arc<MockedResponse>,
    /// Calls so far (each Retry attempt, each Map iteration's call).
    calls: AtomicU64,
}

impl MockCase {
    pub(super) fn new(
        file: Arc<str>,
        machine: String,
        name: String,
        states: Vec<(String, Arc<MockedResponse>)>,
    ) -> Self {
        MockCase {
            inner: Arc::new(Inner {
                file,
                machine,
                name,
                states: states
                    .into_iter()
                    .map(|(state, response)| StateMock {
                        state,
                        response,
                        calls: AtomicU64::new(0),
                    })
                    .collect(),
            }),
        }
    }

    /// The state machine's name, as the file gives it.
    pub fn machine(&self) -> &str {
        &self.inner.machine
    }

    /// The test case's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The states it mocks, each with the name of its mocked response, in the file's order.
    pub fn states(&self) -> Vec<(&str, &str)> {
        self.inner
            .states
            .iter()
            .map(|s| (s.state.as_str(), s.response.name.as_str()))
            .collect()
    }

    /// How many calls state `state` has had so far (0 for a state the case does not mock:
    /// its handler's calls are not counted here).
    pub fn calls(&self, state: &str) -> u64 {
        self.mock_of(state)
            .map_or(0, |s| s.calls.load(Ordering::SeqCst))
    }

    fn mock_of(&self, state: &str) -> Option<&StateMock> {
        self.inner.states.iter().find(|s| s.state == state)
    }

    /// The answer to the next call of Task state `state`: `None` when the case does not mock
    /// it (its handler runs), the mocked `Return` value, the mocked `Throw` as a task error,
    /// or, past the mocked response's last call, a `States.Runtime` error naming the state and
    /// the call (which fails the execution: no Retry or Catch handles it).
    pub fn answer_call(&self, state: &str) -> Option<Result<Value, TaskError>> {
        let mock = self.mock_of(state)?;
        let n = mock.calls.fetch_add(1, Ordering::SeqCst);
        Some(match mock.response.answer(n) {
            Some(Answer::Return(v)) => Ok(v.clone()),
            Some(Answer::Throw { error, cause }) => Err(TaskError::new(error, cause)),
            None => {
                let answers = match mock.response.last_call() {
                    Some(0) => "answers call 0 only".to_string(),
                    Some(last) => format!("answers calls 0-{last}"),
                    None => "answers no call".to_string(),
                };
                Err(TaskError::new(
                    names::RUNTIME,
                    format!(
                        "mock test case {} of state machine {} ({}) has no response for call \
                         {n} of Task state {} (calls count from 0, retries included): mocked \
                         response {} {answers}",
                        quoted(&self.inner.name),
                        quoted(&self.inner.machine),
                        self.inner.file,
                        quoted(state),
                        quoted(&mock.response.name),
                    ),
                ))
            }
        })
    }

    /// Checks the case against its workflow's graph (a generated module's `GRAPH`): every
    /// state it mocks must be a Task state of the workflow, at any depth.
    pub fn check_graph(&self, graph: &Graph) -> Result<(), MockFileError> {
        let mut states = Vec::new();
        collect(graph, &mut states);
        let path = Path::root()
            .key("StateMachines")
            .key(&self.inner.machine)
            .key("TestCases")
            .key(&self.inner.name);
        for s in &self.inner.states {
            match states.iter().find(|(name, _)| *name == s.state) {
                Some((_, Kind::Task)) => {}
                Some((_, kind)) => {
                    return Err(MockFileError::at(
                        &self.inner.file,
                        &path.key(&s.state),
                        format!(
                            "state {} is a {} state: only Task states call services, so only \
                             they can be mocked",
                            quoted(&s.state),
                            kind.as_str()
                        ),
                    ));
                }
                None => {
                    let tasks: Vec<String> = states
                        .iter()
                        .filter(|(_, k)| *k == Kind::Task)
                        .map(|(n, _)| quoted(n))
                        .collect();
                    return Err(MockFileError::at(
                        &self.inner.file,
                        &path.key(&s.state),
                        format!(
                            "the state machine has no state {} (its Task states: {})",
                            quoted(&s.state),
                            if tasks.is_empty() {
                                "none".to_string()
                            } else {
                                tasks.join(", ")
                            }
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks the case against a list of the workflow's Task state names (for workflows known
    /// by names rather than by graph).
    pub fn check_task_states(&self, tasks: &[&str]) -> Result<(), MockFileError> {
        for s in &self.inner.states {
            if !tasks.contains(&s.state.as_str()) {
                return Err(MockFileError::at(
                    &self.inner.file,
                    &Path::root()
                        .key("StateMachines")
                        .key(&self.inner.machine)
                        .key("TestCases")
                        .key(&self.inner.name)
                        .key(&s.state),
                    format!(
                        "the state machine has no Task state {} (its Task states: {})",
                        quoted(&s.state),
                        tasks
                            .iter()
                            .map(|t| quoted(t))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A label for messages: `test case "HappyPath" of "LambdaSQSIntegration"`.
    pub(super) fn label(&self) -> String {
        format!(
            "test case {} of {} ({})",
            quoted(&self.inner.name),
            quoted(&self.inner.machine),
            self.inner.file
        )
    }
}

/// Every state of `g` at any depth, with its type.
fn collect<'g>(g: &'g Graph, out: &mut Vec<(&'g str, Kind)>) {
    for n in g.nodes.iter() {
        out.push((&n.name, n.kind));
        for c in n.children.iter() {
            collect(c, out);
        }
    }
}

/// A test case answers Task states from its mocked responses (see [`MockCase::answer_call`]).
impl crate::TaskMock for MockCase {
    fn answer(&self, state: &str, _input: &Value) -> Option<Result<Value, TaskError>> {
        self.answer_call(state)
    }
}
