//! JSONata's reference test suite, compiled by asl-codegen and evaluated by asl-runtime:
//! the measure of the JSONata engine (see `tests/suite.rs`).

#![allow(missing_docs)]
#![allow(clippy::approx_constant, clippy::excessive_precision)]

include!(concat!(env!("OUT_DIR"), "/suite.rs"));
