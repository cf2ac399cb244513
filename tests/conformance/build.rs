//! Generates one Rust module per execution case of the corpus, through the same code generator
//! users get (`asl_codegen::generate`), plus a table the runner iterates.
//!
//! `ASL_CONFORMANCE_DIR`: case directories separated by `:` (default
//! `../shared/conformance/cases:../shared/conformance/tasks`), each in the format of
//! `shared/conformance/README.md` (`<area>/<case>/definition.asl.json`, `input.json`,
//! `expected.json`, and for Task cases `tasks.json`, answered by `replay::Replay`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=ASL_CONFORMANCE_DIR");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dirs: Vec<PathBuf> = match std::env::var("ASL_CONFORMANCE_DIR") {
        Ok(v) if !v.is_empty() => v.split(':').map(PathBuf::from).collect(),
        _ => vec![
            manifest.join("../../../shared/conformance/cases"),
            manifest.join("../../../shared/conformance/tasks"),
        ],
    };
    let mut cases = Vec::new();
    for dir in &dirs {
        println!("cargo::rerun-if-changed={}", dir.display());
        collect(dir, &mut cases);
    }
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
        println!("cargo::rerun-if-changed={}", def.display());
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
                };
                let items = asl_codegen::generate::generate(machine, &options);
                // Task states answer from the recorded calls (tasks.json) through `Replay`.
                let mut methods = String::new();
                for (state, method) in asl_codegen::generate::task_methods(machine) {
                    let _ = writeln!(
                        methods,
                        "async fn {method}(&self, input: ::asl_runtime::Value, ctx: ::asl_runtime::TaskContext) \
                         -> Result<::asl_runtime::Value, ::asl_runtime::TaskError> {{ self.0.call({state:?}, input, ctx).await }}"
                    );
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
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("cases.rs");
    let _ = std::fs::write(out, format!("{modules}\n{table}"));
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.join("definition.asl.json").exists() && p.join("expected.json").exists() {
            out.push(p);
        } else if p.is_dir() {
            collect(&p, out);
        }
    }
}
