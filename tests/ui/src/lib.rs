//! Compile-time checks of the `asl!` macro, run by `tests/ui.rs` (trybuild). Each file in
//! `tests/ui/` breaks one rule; its `.stderr` is the expected compiler output
//! (`TRYBUILD=overwrite cargo test -p asl-ui-tests` refreshes them).
