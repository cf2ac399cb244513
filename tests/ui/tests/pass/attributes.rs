// Outer attributes on the module are kept: docs, lints, cfg.
#![deny(missing_docs)]
//! A crate whose modules all have docs.

asl_runtime::asl!(
    /// A workflow with docs.
    #[allow(dead_code)]
    pub mod documented {
        "StartAt": "Done",
        "States": { "Done": { "Type": "Succeed" } }
    }
);

asl_runtime::asl!(
    #[cfg(any())]
    pub mod never_compiled {
        "StartAt": "Done",
        "States": { "Done": { "Type": "Succeed" } }
    }
);

fn main() {
    let _ = documented::State::ALL;
}
