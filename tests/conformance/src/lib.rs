//! Helpers to find and read the shared conformance corpus (`../shared/conformance`, recorded on
//! AWS). Any directory in the same format works: set `ASL_CONFORMANCE_ROOT` to use another.

use std::path::{Path, PathBuf};

/// The corpus root: `$ASL_CONFORMANCE_ROOT`, else `../shared/conformance` from the workspace.
pub fn root() -> PathBuf {
    if let Ok(dir) = std::env::var("ASL_CONFORMANCE_ROOT") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
}

/// Sorted paths matching `<dir>/<pattern>` where each `*` is one directory level, e.g.
/// `files(root, &["cases", "*", "*", "definition.asl.json"])`.
pub fn files(dir: &Path, pattern: &[&str]) -> Vec<PathBuf> {
    let mut current = vec![dir.to_path_buf()];
    for part in pattern {
        let mut next = Vec::new();
        for d in current {
            if *part == "*" {
                if let Ok(entries) = std::fs::read_dir(&d) {
                    next.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
                }
            } else if let Some(ext) = part.strip_prefix("*.") {
                if let Ok(entries) = std::fs::read_dir(&d) {
                    next.extend(
                        entries
                            .filter_map(|e| e.ok())
                            .map(|e| e.path())
                            .filter(|p| p.extension().is_some_and(|e| e == ext)),
                    );
                }
            } else {
                let p = d.join(part);
                if p.exists() {
                    next.push(p);
                }
            }
        }
        current = next;
    }
    current.sort();
    current
}

/// Reads a file as text; an unreadable file is reported with its path.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A short name for a corpus file: its path relative to the root.
pub fn short(path: &Path) -> String {
    let root = root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The future of one run: result and history.
pub type RunFuture = std::pin::Pin<Box<dyn std::future::Future<Output = asl_runtime::Recorded>>>;

/// Builds a compiled case's machine for an Engine, its Task calls replayed.
pub type MachineFn = fn(std::sync::Arc<replay::Replay>) -> Box<dyn asl_runtime::durable::Machine>;

/// Runs a compiled case: input, options, the replayed Task calls.
pub type RunFn =
    fn(asl_runtime::Value, asl_runtime::RunOptions, std::sync::Arc<replay::Replay>) -> RunFuture;

/// One execution case, compiled by the build script.
pub struct Case {
    /// Area (the parent folder).
    pub area: &'static str,
    /// Case name (its folder).
    pub name: &'static str,
    /// Its directory.
    pub dir: &'static str,
    /// Runs the compiled state machine with Task calls answered by a [`replay::Replay`];
    /// `None` when skipped.
    pub run: Option<RunFn>,
    /// The same machine for a durable [`asl_runtime::Engine`] (cases that call the API).
    pub machine: Option<MachineFn>,
    /// Why the case is skipped.
    pub skip: Option<&'static str>,
}

#[allow(missing_docs)]
mod generated {
    use super::Case;
    include!(concat!(env!("OUT_DIR"), "/cases.rs"));
}

pub use generated::CASES;

pub mod compare;
pub mod replay;
