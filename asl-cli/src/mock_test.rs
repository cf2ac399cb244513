//! `asl test MOCK_FILE --definition FILE`: runs the test cases of a Step Functions Local mock
//! file (`MockConfigFile.json`) on a definition and prints each case's path and result.
//!
//! Workflows are compiled, not interpreted, so the command generates a small Rust crate for
//! the definition (the module `asl generate` writes, handlers that answer unmocked Task
//! states with an error, and a main that runs the cases with
//! `asl_runtime::testing::MockFile`), builds it with cargo and runs it. The crate lives in a
//! cache directory keyed by a hash of what it holds, and its build shares one target
//! directory with every other definition's, so only the first run compiles the runtime: later
//! runs of the same definition only start the runner, and a new definition compiles only its
//! own module.
//!
//! - The runtime's sources: `--runtime DIR` or `ASL_RUNTIME_DIR`, else the `runtime` folder
//!   of the checkout this `asl` was built from.
//! - The cache: `--cache-dir DIR` or `ASL_TEST_CACHE`, else `$XDG_CACHE_HOME/asl-rs/test`
//!   (`~/.cache/asl-rs/test`). The build's target directory: `CARGO_TARGET_DIR` when set,
//!   else `target` in the cache.
//! - The workspace's `Cargo.lock` is copied into a new crate, so it builds with the versions
//!   the runtime was tested with, without resolving anything.
//!
//! Exit status: 0 when every case ran, whatever its execution's status (the mock file holds
//! no expectations; assert on results in `cargo test` with `asl_runtime::testing`); 1 when the
//! definition is invalid, or the mock file, the machine or a case is wrong; 2 when a file
//! cannot be read, the arguments are wrong, the runtime cannot be found or the build fails.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use asl_codegen::generate::Handler;
use asl_codegen::{CompileError, CompileOptions, Source};

/// The runner's main (a template: the definition's module and handlers are files beside it).
const RUNNER: &str = include_str!("mock_test/runner.rs");

/// Where the runtime's sources are when `asl` runs from the checkout it was built in.
const BUILT_RUNTIME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime");

/// What `asl test` was asked.
pub struct Args {
    /// The mock file.
    pub mock_file: PathBuf,
    /// The definition file.
    pub definition: PathBuf,
    /// The state machine of the mock file (default: its only one, or the definition's name).
    pub machine: Option<String>,
    /// Only these test cases (default: all of the machine's).
    pub cases: Vec<String>,
    /// The execution input (JSON text; default `{}`).
    pub input: Option<String>,
    /// One JSON object per case instead of text.
    pub json: bool,
    /// The runtime's sources.
    pub runtime: Option<PathBuf>,
    /// The cache directory.
    pub cache_dir: Option<PathBuf>,
}

/// Runs `asl test`.
pub fn run(args: Args) -> ExitCode {
    match prepare(&args).and_then(|runner| execute(&args, &runner)) {
        Ok(code) => code,
        Err((code, message)) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            ExitCode::from(code)
        }
    }
}

type Failed = (u8, String);

/// The runner to start: its binary and the machine name to default to.
struct Runner {
    binary: PathBuf,
    default_machine: String,
}

fn prepare(args: &Args) -> Result<Runner, Failed> {
    let name = args.definition.display().to_string();
    let text = std::fs::read_to_string(&args.definition)
        .map_err(|e| (2, format!("error: cannot read `{name}`: {e}")))?;
    if let Err(e) = std::fs::metadata(&args.mock_file) {
        return Err((
            2,
            format!("error: cannot read `{}`: {e}", args.mock_file.display()),
        ));
    }
    if let Some(input) = &args.input
        && let Err(e) = serde_json::from_str::<serde_json::Value>(input)
    {
        return Err((2, format!("error: --input is not JSON: {e}")));
    }
    let default_machine = file_stem(&args.definition);
    let module = asl_codegen::builder::module_name(&args.definition);
    let machine_name = args.machine.clone().unwrap_or_else(|| module.clone());
    let color = std::io::stderr().is_terminal();
    let compiled = match asl_codegen::compile(
        Source::new(name.clone(), text.clone()),
        &CompileOptions::new(machine_name),
    ) {
        Ok(c) => c,
        Err(CompileError::Invalid(report)) => {
            eprint!("{}", report.render(color));
            return Err((1, format!("error: `{name}` is invalid: no test run")));
        }
        Err(e) => return Err((1, format!("error: {name}: {e}"))),
    };
    let workflow = compiled.to_file().map_err(|e| {
        (
            1,
            format!("error: {name}: the generated code does not parse (a bug in asl-rs): {e}"),
        )
    })?;
    let runtime = runtime_dir(args.runtime.as_deref())?;
    let checked = asl_codegen::check(
        Source::new(name.clone(), text),
        &asl_codegen::Options::default(),
    );
    let methods = checked
        .machine
        .as_ref()
        .map(asl_codegen::generate::handler_methods)
        .unwrap_or_default();
    let handlers = handlers(&methods);

    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        env!("CARGO_PKG_VERSION"),
        RUNNER,
        &workflow,
        &handlers,
        runtime.to_string_lossy(),
    )
        .hash(&mut hasher);
    let key = format!("{:016x}", hasher.finish());
    let cache = cache_dir(args.cache_dir.as_deref())?;
    let dir = cache.join(&key);
    let bin = format!("asl-test-{key}");
    let manifest = format!(
        "[package]\nname = \"{bin}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [[bin]]\nname = \"{bin}\"\npath = \"main.rs\"\n\n\
         [dependencies]\n\
         asl-runtime = {{ path = {}, default-features = false }}\n\
         # The runner runs cases on a paused clock.\n\
         tokio = {{ version = \"1\", features = [\"test-util\"] }}\n\n\
         # Not a member of any workspace around the cache.\n[workspace]\n",
        toml_string(&runtime.to_string_lossy())
    );
    let io = |e: std::io::Error| {
        (
            2,
            format!(
                "error: cannot write the test runner in `{}`: {e}",
                dir.display()
            ),
        )
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    write_if_changed(&dir.join("Cargo.toml"), &manifest).map_err(io)?;
    write_if_changed(&dir.join("main.rs"), RUNNER).map_err(io)?;
    write_if_changed(&dir.join("workflow.rs"), &workflow).map_err(io)?;
    write_if_changed(&dir.join("handlers.rs"), &handlers).map_err(io)?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists()
        && let Ok(text) = std::fs::read_to_string(runtime.join("../Cargo.lock"))
    {
        std::fs::write(&lock, text).map_err(io)?;
    }

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|t| !t.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| cache.join("target"));
    let binary = target
        .join("debug")
        .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        eprintln!(
            "note: building the test runner for `{name}` in `{}` (the first build compiles the runtime; later runs reuse it)",
            dir.display()
        );
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            (
                2,
                format!("error: cannot run cargo to build the test runner: {e}"),
            )
        })?;
    if !out.status.success() {
        return Err((
            2,
            format!(
                "{}error: the test runner in `{}` did not build (above: cargo's messages)",
                String::from_utf8_lossy(&out.stderr),
                dir.display()
            ),
        ));
    }
    Ok(Runner {
        binary,
        default_machine,
    })
}

fn execute(args: &Args, runner: &Runner) -> Result<ExitCode, Failed> {
    let mock = std::path::absolute(&args.mock_file).unwrap_or_else(|_| args.mock_file.clone());
    let status = Command::new(&runner.binary)
        .arg(mock)
        .arg(args.machine.as_deref().unwrap_or(""))
        .arg(&runner.default_machine)
        .arg(args.input.as_deref().unwrap_or("{}"))
        .arg(if args.json { "json" } else { "text" })
        .args(&args.cases)
        .status()
        .map_err(|e| {
            (
                2,
                format!(
                    "error: cannot run the test runner `{}`: {e}",
                    runner.binary.display()
                ),
            )
        })?;
    Ok(match status.code() {
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(2)),
        None => ExitCode::from(2),
    })
}

/// The runtime's sources: the flag, `ASL_RUNTIME_DIR`, or the checkout `asl` was built from.
fn runtime_dir(flag: Option<&Path>) -> Result<PathBuf, Failed> {
    let given = flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("ASL_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
    });
    let (dir, from) = match given {
        Some(d) => (d, "given"),
        None => (
            PathBuf::from(BUILT_RUNTIME),
            "of the checkout `asl` was built from",
        ),
    };
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
    if !manifest.contains("name = \"asl-runtime\"") {
        return Err((
            2,
            format!(
                "error: `asl test` builds the workflow against the asl-runtime sources, and `{}` ({from}) holds none\n\
                 help: pass --runtime DIR or set ASL_RUNTIME_DIR to the `runtime` folder of an asl-rs checkout",
                dir.display()
            ),
        ));
    }
    Ok(std::path::absolute(&dir)
        .and_then(|d| d.canonicalize())
        .unwrap_or(dir))
}

/// The cache: the flag, `ASL_TEST_CACHE`, `$XDG_CACHE_HOME/asl-rs/test`, `~/.cache/asl-rs/test`.
fn cache_dir(flag: Option<&Path>) -> Result<PathBuf, Failed> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = flag
        .map(Path::to_path_buf)
        .or_else(|| env("ASL_TEST_CACHE"))
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("asl-rs/test")))
        .or_else(|| env("HOME").map(|d| d.join(".cache/asl-rs/test")))
        .ok_or((
            2,
            "error: no cache directory: pass --cache-dir DIR or set ASL_TEST_CACHE".to_string(),
        ))?;
    Ok(std::path::absolute(&dir).unwrap_or(dir))
}

/// The `Tasks` implementation of the runner: a Task state the test case does not mock has
/// no service to call, so it fails with `States.Runtime` (which no `Catch` or `Retry` of
/// `States.ALL` takes: a test case that misses a state is a broken test, not a path of the
/// workflow), naming the state and the case, as `Mocked::only` does; an
/// ItemReader reads from, and a ResultWriter writes to, an empty in-memory S3.
fn handlers(methods: &[Handler]) -> String {
    let mut out = String::from(
        "// @generated by `asl test`.\n\
         pub struct Unmocked {\n    machine: String,\n    case: String,\n    objects: ::asl_runtime::items::MemoryObjects,\n}\n\n\
         impl Unmocked {\n    pub fn new(machine: &str, case: &str) -> Self {\n        \
         Unmocked { machine: machine.to_string(), case: case.to_string(), objects: ::asl_runtime::items::MemoryObjects::new() }\n    }\n\n    \
         fn not_mocked(&self, state: &str) -> ::asl_runtime::TaskError {\n        \
         ::asl_runtime::TaskError::new(\"States.Runtime\", format!(\"test case `{}` of state machine `{}` mocks no response for Task state `{state}` (asl test calls no service)\", self.case, self.machine))\n    }\n}\n\n\
         impl crate::workflow::Tasks for Unmocked {\n",
    );
    for handler in methods {
        let _ = match handler {
            Handler::Task { state, method } => writeln!(
                out,
                "    async fn {method}(&self, _input: ::asl_runtime::Value, _ctx: ::asl_runtime::TaskContext) \
                 -> Result<::asl_runtime::Value, ::asl_runtime::TaskError> {{\n        Err(self.not_mocked({state:?}))\n    }}"
            ),
            Handler::Read { method, .. } => writeln!(
                out,
                "    fn {method}(&self, request: ::asl_runtime::items::ReadRequest) -> ::asl_runtime::items::ItemStream<'_> {{\n        \
                 ::asl_runtime::items::read(&self.objects, request)\n    }}"
            ),
            Handler::Write { method, .. } => writeln!(
                out,
                "    fn {method}(&self, object: ::asl_runtime::items::PutObject) -> ::asl_runtime::items::ObjectFuture<'_, ()> {{\n        \
                 ::asl_runtime::items::write(&self.objects, object)\n    }}"
            ),
        };
    }
    out.push_str("}\n");
    out
}

/// The definition's file name without `.asl.json` / `.json`: the machine name to default to.
fn file_stem(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".asl.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name)
        .to_string()
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `text` unless the file holds it already (so cargo sees nothing new).
fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    // Written beside and renamed: a concurrent `asl test` never builds a half-written file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
