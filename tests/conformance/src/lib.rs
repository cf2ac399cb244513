//! Helpers to find and read the conformance corpus: executions and rejected definitions
//! recorded on AWS, and ASL linters' fixtures (`corpus/README.md`, origin in
//! `corpus/ORIGIN.md`).
//!
//! # Where the corpus is read from
//!
//! By default from the repository's own copy, `tests/conformance/corpus/` (refreshed from the
//! shared folder by `scripts/refresh-corpus.sh`). Two variables, read by the build script
//! (changing one rebuilds), point elsewhere; relative paths are taken from the workspace root:
//!
//! - `ASL_CONFORMANCE_ROOT`: another corpus root in the same layout. Validation reads its
//!   `invalid/` and `validation/`, and the execution cases default to its `cases/`,
//!   `tasks/` and `itemreader/` (whose `s3.json` objects the ItemReaders read).
//! - `ASL_CONFORMANCE_DIR`: `:`-separated directories of execution cases
//!   (`<area>/<case>/definition.asl.json`, `input.json`, `expected.json`, and for Task cases
//!   `tasks.json`), read instead of `<root>/cases` and `<root>/tasks`, at any depth; e.g.
//!   `ASL_CONFORMANCE_DIR=../shared/conformance/cases`. TestState calls (cases with a
//!   `request.json`) are read from the same directories instead of `<root>/teststate`.
//!
//! The runners print every directory they read with its count (`conformance: read
//! tests/conformance/corpus/cases (N cases)`, visible with `--nocapture`); a directory that is
//! missing or holds no case fails the test. `ASL_CONFORMANCE_DEBUG` (any value) prints event
//! types where a history differs. The executions report goes to
//! `<target dir>/conformance/report.json`.

use std::path::{Path, PathBuf};

/// A directory of execution cases the build script read.
pub struct CaseDir {
    /// Its absolute path.
    pub path: &'static str,
    /// Whether it existed at build time.
    pub exists: bool,
    /// How many cases it held.
    pub cases: usize,
}

/// The corpus root: `tests/conformance/corpus`, or `ASL_CONFORMANCE_ROOT` at build time.
pub fn root() -> PathBuf {
    PathBuf::from(generated::ROOT)
}

/// Prints every case directory read with its count; `Err` names those missing or without
/// cases (a directory meant to be read and not read must not pass silently).
pub fn report_case_dirs() -> Result<usize, String> {
    let mut problems = Vec::new();
    let mut total = 0;
    for dir in DIRS {
        let path = display(Path::new(dir.path));
        if !dir.exists {
            println!("conformance: {path} does not exist");
            problems.push(format!("{path} does not exist"));
        } else {
            println!("conformance: read {path} ({} cases)", dir.cases);
            if dir.cases == 0 {
                problems.push(format!("{path} holds no case"));
            }
        }
        total += dir.cases;
    }
    if DIRS.is_empty() {
        problems.push("ASL_CONFORMANCE_DIR names no directory".into());
    }
    if problems.is_empty() {
        Ok(total)
    } else {
        Err(format!(
            "case directories (default tests/conformance/corpus/{{cases,tasks,itemreader}}, or \
             ASL_CONFORMANCE_ROOT / ASL_CONFORMANCE_DIR): {}",
            problems.join("; ")
        ))
    }
}

/// A path as printed: relative to the workspace root when under it.
pub fn display(path: &Path) -> String {
    path.strip_prefix(generated::WORKSPACE)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The target directory this test runs from (honours `CARGO_TARGET_DIR`, `build.target-dir`
/// and `--target-dir` alike): cargo puts test executables in `<target>/<profile>/deps/`
/// (`<target>/<triple>/<profile>/deps/` with `--target`, then that folder is returned).
/// `<workspace>/target` if the executable is elsewhere.
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let deps = exe.parent()?;
            if deps.file_name()? != "deps" {
                return None;
            }
            Some(deps.parent()?.parent()?.to_path_buf())
        })
        .unwrap_or_else(|| Path::new(generated::WORKSPACE).join("target"))
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

/// The future of one TestState call: its result, or the request error (or a state not
/// found) as text.
pub type TestFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<asl_runtime::testing::TestResult, String>>>,
>;

/// Runs a compiled TestState case: the state's name, the request.
pub type TestFn = fn(&str, asl_runtime::testing::TestState) -> TestFuture;

/// One TestState call (`teststate/<group>/<case>/`), compiled by the build script.
pub struct TestCase {
    /// Group (the parent folder).
    pub group: &'static str,
    /// Case name (its folder).
    pub name: &'static str,
    /// Its directory.
    pub dir: &'static str,
    /// Runs the request against the compiled definition; `None` when skipped.
    pub test: Option<TestFn>,
    /// Why the case is skipped.
    pub skip: Option<&'static str>,
}

#[allow(missing_docs)]
mod generated {
    use super::{Case, CaseDir, TestCase};
    include!(concat!(env!("OUT_DIR"), "/cases.rs"));
}

pub use generated::{CASES, DIRS, TESTSTATE_CASES, TESTSTATE_DIRS, TESTSTATE_EXPLICIT};

/// Prints every TestState directory read with its count; `Err` when the default directory
/// (`<root>/teststate`) is missing or holds no call. Directories given by
/// `ASL_CONFORMANCE_DIR` may hold none (they may be execution cases only).
pub fn report_teststate_dirs() -> Result<usize, String> {
    let mut total = 0;
    for dir in TESTSTATE_DIRS {
        let path = display(Path::new(dir.path));
        if dir.exists {
            println!("teststate: read {path} ({} calls)", dir.cases);
        } else {
            println!("teststate: {path} does not exist");
        }
        total += dir.cases;
    }
    if total == 0 && !TESTSTATE_EXPLICIT {
        return Err(format!(
            "no TestState calls in {} (default tests/conformance/corpus/teststate, or              ASL_CONFORMANCE_ROOT / ASL_CONFORMANCE_DIR)",
            TESTSTATE_DIRS
                .iter()
                .map(|d| display(Path::new(d.path)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(total)
}

pub mod compare;
pub mod replay;
