//! The `build.rs` API: compile ASL definitions into `$OUT_DIR/<name>.rs`, then include them
//! with `asl_runtime::include_workflow!("<name>")`.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), asl_codegen::BuildError> {
//!     asl_codegen::Builder::new().file("workflows/order.asl.json").generate()
//! }
//! ```
//! ```ignore
//! // src/lib.rs
//! pub mod order { asl_runtime::include_workflow!("order"); }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::compile::format;
use crate::compile::{CompileError, CompileOptions, TaskType, compile};
use crate::{Report, Source};

/// Compiles definition files for a build script (the prost-build / tonic-build pattern).
#[derive(Debug, Clone, Default)]
pub struct Builder {
    files: Vec<PathBuf>,
    task_types: Vec<(String, String, String)>,
    out_dir: Option<PathBuf>,
    express: bool,
    emit_rerun: bool,
}

/// Why a build failed.
pub enum BuildError {
    /// A file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// A definition is invalid; the report has every problem.
    Invalid(Box<Report>),
    /// A definition uses something code generation does not support yet.
    Unsupported(PathBuf, String),
    /// `OUT_DIR` is not set (not running in a build script) and no `out_dir` was given.
    NoOutDir,
    /// The generated code did not parse (a bug in asl-rs).
    Generated(PathBuf, String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            BuildError::Invalid(r) => write!(f, "{}", r.render(false)),
            BuildError::Unsupported(p, what) => write!(
                f,
                "{}: asl-rs does not generate code for {what} yet",
                p.display()
            ),
            BuildError::NoOutDir => {
                write!(f, "OUT_DIR is not set: run from build.rs or call `out_dir`")
            }
            BuildError::Generated(p, e) => {
                write!(f, "{}: generated code does not parse: {e}", p.display())
            }
        }
    }
}

// `fn main() -> Result<(), BuildError>` prints the `Debug` form: make it the readable report.
impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

impl Builder {
    /// A builder with no files, writing to `$OUT_DIR`, printing `cargo::rerun-if-changed`.
    pub fn new() -> Self {
        Builder {
            emit_rerun: true,
            ..Builder::default()
        }
    }

    /// Adds a definition file (relative to the package root, as build scripts run there).
    /// Its module name is the file name without `.asl.json` / `.json`.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.push(path.into());
        self
    }

    /// Types a Task state's handler: its input deserializes into `input` and its output is
    /// an `output` (Rust type paths, resolved inside the generated module: `crate::…` or
    /// `super::…`). A value that does not convert is a task failure naming the type.
    pub fn task_types(
        mut self,
        state: impl Into<String>,
        input: impl Into<String>,
        output: impl Into<String>,
    ) -> Self {
        self.task_types
            .push((state.into(), input.into(), output.into()));
        self
    }

    /// Writes to `dir` instead of `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Validates as Express state machines (VAL-34).
    pub fn express(mut self, express: bool) -> Self {
        self.express = express;
        self
    }

    /// Whether to print `cargo::rerun-if-changed` lines (default: yes).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.emit_rerun = emit;
        self
    }

    /// Validates every file, then writes `<out_dir>/<name>.rs` for each.
    pub fn generate(self) -> Result<(), BuildError> {
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        let mut names: Vec<String> = Vec::new();
        for file in &self.files {
            let name = module_name(file);
            if names.contains(&name) {
                return Err(BuildError::Unsupported(
                    file.to_path_buf(),
                    format!(
                        "a second definition named `{name}` (module names come from file names)"
                    ),
                ));
            }
            names.push(name);
        }
        for file in &self.files {
            if self.emit_rerun {
                println!("cargo::rerun-if-changed={}", file.display());
            }
            let code = self.compile_file(file)?;
            let out = out_dir.join(format!("{}.rs", module_name(file)));
            std::fs::write(&out, code).map_err(|e| BuildError::Io(out, e))?;
        }
        Ok(())
    }

    /// The formatted Rust code for one definition file.
    pub fn compile_file(&self, file: &Path) -> Result<String, BuildError> {
        let text =
            std::fs::read_to_string(file).map_err(|e| BuildError::Io(file.to_path_buf(), e))?;
        let unsupported = |what: String| BuildError::Unsupported(file.to_path_buf(), what);
        let mut options = CompileOptions::new(module_name(file)).express(self.express);
        for (state, input, output) in &self.task_types {
            options
                .task_types
                .push(TaskType::parse(state, input, output).map_err(unsupported)?);
        }
        let compiled = compile(Source::new(file.display().to_string(), text), &options).map_err(
            |e| match e {
                CompileError::Invalid(report) => BuildError::Invalid(report),
                CompileError::Unsupported(what) => unsupported(what),
                CompileError::NotATask(state) => unsupported(format!(
                    "typed handlers for `{state}`, which is not a Task state"
                )),
            },
        )?;
        compiled
            .to_file()
            .map_err(|e| BuildError::Generated(file.to_path_buf(), e))
    }
}

/// `workflows/order.asl.json` → `order`.
pub fn module_name(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".asl.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name);
    crate::generate::ident::fn_name(stem)
}
