//! JSONata's reference test suite, compiled by asl-codegen and evaluated by asl-runtime:
//! the measure of the JSONata engine (see `tests/suite.rs`).
//!
//! The suite is read by the build script from this crate's copy, `suite/` (jsonata-js's
//! `test/test-suite`, MIT, see `suite/README.md`; refreshed from the shared folder by
//! `scripts/refresh-corpus.sh`), or from `ASL_JSONATA_SUITE` (a directory in the same layout;
//! a relative path is taken from the workspace root; changing it rebuilds). The test prints
//! the directory it read with its case count and fails when it holds none.

#![allow(missing_docs)]
#![allow(clippy::approx_constant, clippy::excessive_precision)]

include!(concat!(env!("OUT_DIR"), "/suite.rs"));
