//! The asl-rs compiler core: Amazon States Language (ASL) text → spanned JSON → typed model →
//! validated definition (→ Rust code, in a later stage).
//!
//! One core serves the `asl!` macro, the `build.rs` builder and the `asl` command-line tool.
//!
//! ```
//! let checked = asl_codegen::check_str(
//!     "hello.asl.json",
//!     r#"{ "StartAt": "Hi", "States": { "Hi": { "Type": "Pass", "End": true } } }"#,
//! );
//! assert!(checked.is_valid());
//! let machine = checked.machine.expect("a model");
//! assert_eq!(machine.states.start_at.value, "Hi");
//!
//! let broken = asl_codegen::check_str(
//!     "broken.asl.json",
//!     r#"{ "StartAt": "Hi", "States": { "Hi": { "Type": "Pass", "Next": "Nowhere" } } }"#,
//! );
//! assert!(!broken.is_valid());
//! let missing = broken
//!     .report
//!     .diagnostics
//!     .iter()
//!     .find(|d| d.code.id() == "ASL203")
//!     .expect("a missing-target diagnostic");
//! assert_eq!(missing.pointer.to_string(), "States.Hi.Next");
//! assert_eq!(missing.message, "no state is named `Nowhere`");
//! ```
//!
//! Modules, in pipeline order: [`parse`] (JSON with positions), [`path`] and [`intrinsic`]
//! (JSONPath and intrinsic-function syntax), [`model`] (the typed definition), [`validate`]
//! (every rule, building the model), [`diagnostic`] (codes, pointers, rendering),
//! [`generate`] (the Rust module), [`graph`] (the graph `asl graph` draws and generated
//! modules carry as `GRAPH`). [`compile()`] runs them all for the macro, the
//! [`Builder`] and the CLI.

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod builder;
pub mod compile;
pub mod diagnostic;
pub mod generate;
pub mod graph;
pub mod intrinsic;
pub mod jsonata;
pub mod model;
pub mod parse;
pub mod path;
pub mod validate;

pub use builder::{BuildError, Builder};
pub use compile::{CompileError, CompileOptions, Compiled, TaskType, compile};
pub use diagnostic::{Code, Diagnostic, Pointer, Report, Severity};
pub use graph::graph_of;
pub use parse::{Source, Span};
pub use validate::{Checked, MachineType, Options, check};

/// Parses and validates a definition held in a string, as a Standard state machine.
pub fn check_str(name: &str, text: &str) -> Checked {
    check(Source::new(name, text), &Options::default())
}
