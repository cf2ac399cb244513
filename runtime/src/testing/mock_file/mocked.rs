//! [`Mocked`]: handlers wrapped so that a test case answers the states it mocks. Every
//! generated workflow implements its `Tasks` trait for `Mocked<T>` (with `T` its `Tasks`) and
//! for [`Unmocked`], through the functions of [`glue`].

use super::MockCase;

/// Task handlers with a mock test case in front: each Task state the case mocks answers from
/// its mocked responses, the others call the handlers (AWS's "hybrid" tests). Every generated
/// workflow's `Tasks` is implemented for it, so `Workflow::new(Mocked::new(case, handlers))`
/// runs the test case (in memory, or on an [`Engine`](crate::Engine)).
///
/// A typed state's mocked `Return` is deserialized into the state's output type; a value that
/// does not fit fails the execution with `States.Runtime` naming the state and the type (this
/// needs the output type to implement `serde::Deserialize`, checked where `Mocked` is used).
#[derive(Debug, Clone)]
pub struct Mocked<T> {
    case: MockCase,
    handlers: T,
}

impl<T> Mocked<T> {
    /// `handlers` behind `case`.
    pub fn new(case: MockCase, handlers: T) -> Self {
        Mocked { case, handlers }
    }

    /// The test case (to read its [`calls`](MockCase::calls) after a run).
    pub fn case(&self) -> &MockCase {
        &self.case
    }

    /// The handlers of the states the case does not mock.
    pub fn handlers(&self) -> &T {
        &self.handlers
    }
}

impl Mocked<Unmocked> {
    /// Only `case`: for a workflow whose Task states the case mocks all. A Task state it does
    /// not mock fails the execution with `States.Runtime` naming the state, and so do a
    /// Distributed Map's item reader and result writer.
    pub fn only(case: MockCase) -> Self {
        let label = case.label();
        Mocked {
            case,
            handlers: Unmocked { label },
        }
    }
}

/// The handlers of [`Mocked::only`]: every call fails with `States.Runtime`, naming the state
/// and the test case that does not mock it.
#[derive(Debug, Clone)]
pub struct Unmocked {
    label: String,
}

/// What generated `Tasks` implementations for [`Mocked`] and [`Unmocked`] call (through the
/// `__codegen` ABI).
pub mod glue {
    use std::future::Future;
    use std::marker::PhantomData;

    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::{Mocked, Unmocked};
    use crate::error::{TaskError, names};
    use crate::items::{ItemError, ItemStream, ObjectError, ObjectFuture};

    /// Turns a mocked `Return` into a state's output type `O`.
    pub trait MockOutput<O> {
        /// `value` as an `O`, or `States.Runtime` naming the state and the type.
        fn decode(value: Value, state: &str, ty: &str) -> Result<O, TaskError>;
    }

    /// Names the `MockOutput` bound of a generated `impl Tasks for Mocked<T>` through `T`, so
    /// that it is checked where `Mocked` is used rather than where the workflow is generated
    /// (an output type without `Deserialize` only matters to those who mock it).
    #[derive(Debug)]
    pub struct MockWitness<T>(PhantomData<T>);

    impl<T, O: DeserializeOwned> MockOutput<O> for MockWitness<T> {
        fn decode(value: Value, state: &str, ty: &str) -> Result<O, TaskError> {
            serde_json::from_value(value).map_err(|e| {
                TaskError::new(
                    names::RUNTIME,
                    format!(
                        "the mocked response of Task state '{state}' does not deserialize \
                         into its output type `{ty}`: {e}"
                    ),
                )
            })
        }
    }

    /// An untyped state's mocked `Return`, as it is.
    pub fn mock_value(value: Value, _state: &str, _ty: &str) -> Result<Value, TaskError> {
        Ok(value)
    }

    /// Where a call goes.
    enum Step<F> {
        Answer(Result<Value, TaskError>),
        Handler(F),
    }

    /// A Task state's call on `Mocked<T>`: the case's answer (decoded by `decode`) when it
    /// mocks `state`, else `call` on the handlers. The call is counted when made, not when
    /// awaited.
    pub fn mocked_task<'a, T, O, F, Fut>(
        mocked: &'a Mocked<T>,
        state: &'static str,
        ty: &'static str,
        decode: fn(Value, &str, &str) -> Result<O, TaskError>,
        call: F,
    ) -> impl Future<Output = Result<O, TaskError>> + Send + 'a
    where
        T: Sync,
        O: Send + 'a,
        F: FnOnce(&'a T) -> Fut,
        Fut: Future<Output = Result<O, TaskError>> + Send + 'a,
    {
        let step = match mocked.case.answer_call(state) {
            Some(answer) => Step::Answer(answer),
            None => Step::Handler(call(&mocked.handlers)),
        };
        async move {
            match step {
                Step::Answer(answer) => decode(answer?, state, ty),
                Step::Handler(f) => f.await,
            }
        }
    }

    fn unmocked_cause(u: &Unmocked, what: &str) -> String {
        format!(
            "{what}: {} does not mock it, and `Mocked::only` has no handlers",
            u.label
        )
    }

    /// A Task state's call on [`Unmocked`]: `States.Runtime` naming the state.
    pub fn unmocked_task<O>(
        u: &Unmocked,
        state: &'static str,
    ) -> std::future::Ready<Result<O, TaskError>> {
        std::future::ready(Err(TaskError::new(
            names::RUNTIME,
            unmocked_cause(u, &format!("Task state '{state}' was called")),
        )))
    }

    /// A Distributed Map's item reader on [`Unmocked`]: fails naming the Map state.
    pub fn unmocked_read(u: &Unmocked, state: &'static str) -> ItemStream<'static> {
        let e = ItemError {
            error: names::RUNTIME.to_string(),
            cause: unmocked_cause(u, &format!("Map state '{state}' read its items")),
        };
        Box::pin(futures_util::stream::iter([Err(e)]))
    }

    /// A Distributed Map's result writer on [`Unmocked`]: fails naming the Map state.
    pub fn unmocked_write(u: &Unmocked, state: &'static str) -> ObjectFuture<'static, ()> {
        let e = ObjectError::new(
            names::RUNTIME,
            unmocked_cause(u, &format!("Map state '{state}' wrote its results")),
            None,
        );
        Box::pin(std::future::ready(Err(e)))
    }
}
