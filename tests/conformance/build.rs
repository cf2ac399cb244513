//! Generates one Rust module per execution case of the corpus, through the same code generator
//! users get (`asl_codegen::generate`), plus a table the runner iterates and the list of
//! directories read (see the crate docs for `ASL_CONFORMANCE_ROOT` / `ASL_CONFORMANCE_DIR`);
//! likewise for the TestState calls (`build_teststate.rs`).
//!
//! A directory that is missing or holds no case does not fail the build (the rest of the
//! workspace still builds); it is listed with its count and the runner fails on it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=ASL_CONFORMANCE_ROOT");
    println!("cargo::rerun-if-env-changed=ASL_CONFORMANCE_DIR");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let workspace = manifest
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| manifest.join("../.."));
    // Relative paths in the variables are taken from the workspace root, where the README's
    // commands run (a build script's own directory is this crate's).
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let root = match var("ASL_CONFORMANCE_ROOT") {
        Some(v) => absolute(&workspace, &v),
        None => manifest.join("corpus"),
    };
    let root = root.canonicalize().unwrap_or(root);
    let dirs: Vec<PathBuf> = match var("ASL_CONFORMANCE_DIR") {
        Some(v) => v
            .split(':')
            .filter(|p| !p.is_empty())
            .map(|p| absolute(&workspace, p))
            .collect(),
        None => vec![
            root.join("cases"),
            root.join("tasks"),
            root.join("itemreader"),
        ],
    };
    let mut cases = Vec::new();
    let mut read = String::from(
        "/// Every directory of execution cases read, in order.\npub static DIRS: &[CaseDir] = &[\n",
    );
    for dir in &dirs {
        // A directory: cargo re-runs the script when anything under it changes.
        println!("cargo::rerun-if-changed={}", dir.display());
        let before = cases.len();
        collect(dir, &mut cases, false);
        let count = cases.len() - before;
        if !dir.is_dir() {
            println!(
                "cargo::warning=conformance: {} does not exist",
                dir.display()
            );
        } else if count == 0 {
            println!("cargo::warning=conformance: no cases in {}", dir.display());
        }
        let _ = writeln!(
            read,
            "    CaseDir {{ path: {:?}, exists: {}, cases: {count} }},",
            dir.to_string_lossy(),
            dir.is_dir()
        );
    }
    read.push_str("];\n");
    let _ = writeln!(
        read,
        "/// The corpus root (`invalid/`, `validation/`, and the default case directories).\npub static ROOT: &str = {:?};\n\
         /// The workspace root, to print paths short.\npub static WORKSPACE: &str = {:?};",
        root.to_string_lossy(),
        workspace.to_string_lossy()
    );
    cases.sort();
    let mut modules = String::new();
    let mut table = String::from("/// Every case found.\npub static CASES: &[Case] = &[\n");
    for (i, case) in cases.iter().enumerate() {
        let mut area = case
            .parent()
            .and_then(Path::file_name)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Task cases report as `tasks/<area>`.
        if case.join("tasks.json").exists() {
            area = format!("tasks/{area}");
        }
        let name = case
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let def = case.join("definition.asl.json");
        let text = std::fs::read_to_string(&def).unwrap_or_default();
        let checked = asl_codegen::check_str(&def.to_string_lossy(), &text);
        let has_tasks = case.join("tasks.json").exists();
        let skip = if !checked.is_valid() {
            Some("the definition does not validate".to_string())
        } else {
            checked
                .machine
                .as_ref()
                .and_then(asl_codegen::generate::unsupported)
                .map(|what| format!("uses {what} (issue 5)"))
        };
        let mut machine_fn = "None".to_string();
        let run = match (&skip, &checked.machine) {
            (None, Some(machine)) => {
                let options = asl_codegen::generate::GenOptions {
                    runtime: quote::quote!(::asl_runtime),
                    name: name.clone(),
                    task_types: Vec::new(),
                    // The cases' definitions are on disk; the modules need not carry them.
                    definition: String::new(),
                };
                let items = asl_codegen::generate::generate(machine, &options);
                // Task states answer from the recorded calls (tasks.json) through `Replay`.
                let mut methods = String::new();
                for handler in asl_codegen::generate::handler_methods(machine) {
                    use asl_codegen::generate::Handler;
                    let _ = match handler {
                        Handler::Task { state, method } => writeln!(
                            methods,
                            "async fn {method}(&self, input: ::asl_runtime::Value, ctx: ::asl_runtime::TaskContext) \
                             -> Result<::asl_runtime::Value, ::asl_runtime::TaskError> {{ self.0.call({state:?}, input, ctx).await }}"
                        ),
                        // ItemReaders read, and ResultWriters write, the case's `s3.json` objects.
                        Handler::Read { method, .. } => writeln!(
                            methods,
                            "fn {method}(&self, request: ::asl_runtime::items::ReadRequest) -> ::asl_runtime::items::ItemStream<'_> \
                             {{ ::asl_runtime::items::read(&self.0.objects, request) }}"
                        ),
                        Handler::Write { method, .. } => writeln!(
                            methods,
                            "fn {method}(&self, object: ::asl_runtime::items::PutObject) -> ::asl_runtime::items::ObjectFuture<'_, ()> \
                             {{ ::asl_runtime::items::write(&self.0.objects, object) }}"
                        ),
                    };
                }
                let _ = writeln!(
                    modules,
                    "#[allow(dead_code)]\npub mod case_{i} {{\n{items}\n\
                     pub struct Handlers(pub ::std::sync::Arc<crate::replay::Replay>);\nimpl Tasks for Handlers {{\n{methods}}}\n\
                     pub fn run(input: ::asl_runtime::Value, options: ::asl_runtime::RunOptions, replay: ::std::sync::Arc<crate::replay::Replay>) -> crate::RunFuture {{\n\
                     Box::pin(async move {{ Workflow::new(Handlers(replay)).run_recorded(input, options).await }})\n}}\n\
                     pub fn machine(replay: ::std::sync::Arc<crate::replay::Replay>) -> Box<dyn ::asl_runtime::durable::Machine> {{\n\
                     Box::new(Workflow::new(Handlers(replay)))\n}}\n}}"
                );
                let _ = has_tasks;
                machine_fn = format!("Some(case_{i}::machine)");
                format!("Some(case_{i}::run)")
            }
            _ => "None".to_string(),
        };
        let skip = match skip {
            Some(s) => format!("Some({s:?})"),
            None => "None".into(),
        };
        let _ = writeln!(
            table,
            "    Case {{ area: {area:?}, name: {name:?}, dir: {:?}, run: {run}, machine: {machine_fn}, skip: {skip} }},",
            case.to_string_lossy()
        );
    }
    table.push_str("];\n");
    // TestState calls: `<root>/teststate`, or the directories of ASL_CONFORMANCE_DIR.
    let teststate_dirs = match var("ASL_CONFORMANCE_DIR") {
        Some(_) => dirs.clone(),
        None => vec![root.join("teststate")],
    };
    let teststate = teststate::generate(&teststate_dirs, var("ASL_CONFORMANCE_DIR").is_some());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("cases.rs");
    let _ = std::fs::write(out, format!("{modules}\n{table}\n{read}\n{teststate}"));
}

/// `path` as given when absolute, else under the workspace root.
fn absolute(workspace: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        let joined = workspace.join(path);
        joined.canonicalize().unwrap_or(joined)
    }
}

/// Adds every case directory under `dir` (one holding `definition.asl.json` and
/// `expected.json`), at any depth: TestState calls (with a `request.json`) when `teststate`,
/// executions otherwise.
fn collect(dir: &Path, out: &mut Vec<PathBuf>, teststate: bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.join("definition.asl.json").exists() && p.join("expected.json").exists() {
            if p.join("request.json").exists() == teststate {
                out.push(p);
            }
        } else if p.is_dir() {
            collect(&p, out, teststate);
        }
    }
}

#[path = "build_teststate.rs"]
mod teststate;
