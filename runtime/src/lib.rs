//! `asl-runtime`: what workflows compiled from Amazon States Language by asl-rs run on.
//!
//! One dependency is enough: this crate re-exports the `asl!` macro.
//!
//! ```
//! asl_runtime::asl!(pub mod hello {
//!     "StartAt": "Hi",
//!     "States": { "Hi": { "Type": "Pass", "End": true } }
//! });
//! ```
//!
//! A definition that breaks a rule of the language does not compile; the error names the rule,
//! the state and the place:
//!
//! ```compile_fail
//! asl_runtime::asl!(mod broken {
//!     "StartAt": "Hi",
//!     "States": { "Hi": { "Type": "Pass", "Next": "Nowhere" } }
//! });
//! ```
//!
//! The engine (state transitions, JSONPath and JSONata data flow, intrinsics, retries,
//! Map/Parallel) is the compiler milestone that builds on this front end.

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod choice;
pub mod context;
pub mod engine;
pub mod error;
pub mod intrinsics;
pub mod jsonpath;
pub mod lit;
pub mod template;

pub use context::RunOptions;
pub use engine::TaskContext;
pub use error::{ExecutionError, Failure, Status, TaskError};
pub use serde_json::{self, Value};
pub use tokio;

/// Compiles an ASL definition into a Rust module: `asl!(<vis> mod <name> from "<file>")`
/// (relative to the crate's `CARGO_MANIFEST_DIR`) or `asl!(<vis> mod <name> { <json> })`.
#[macro_export]
macro_rules! asl {
    ($($t:tt)*) => {
        $crate::__private::asl_impl! { @runtime = $crate; $($t)* }
    };
}

#[doc(hidden)]
pub mod __private {
    pub use asl_macro::asl_impl;
}
