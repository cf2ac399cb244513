//! Compiles every expression of JSONata's test suite (`ASL_JSONATA_SUITE`, default this
//! crate's copy in `suite/`) the way generated workflows do: parsed and processed by
//! asl-codegen, emitted as `asl_runtime::jsonata::Node` statics. Expressions asl-codegen
//! rejects are recorded with the error code instead. Also records the directory read, which
//! the test prints and fails on when it holds no case.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=ASL_JSONATA_SUITE");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let workspace = manifest
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| manifest.join("../.."));
    // A relative path is taken from the workspace root, where the README's commands run.
    let root = match std::env::var("ASL_JSONATA_SUITE") {
        Ok(v) if !v.is_empty() => workspace.join(v),
        _ => manifest.join("suite"),
    };
    let root = root.canonicalize().unwrap_or(root);
    // A directory: cargo re-runs the script when anything under it changes.
    println!("cargo::rerun-if-changed={}", root.display());
    let mut files: Vec<PathBuf> = Vec::new();
    if let Ok(groups) = std::fs::read_dir(root.join("groups")) {
        for g in groups.flatten() {
            if let Ok(cases) = std::fs::read_dir(g.path()) {
                for c in cases.flatten() {
                    if c.path().extension().is_some_and(|e| e == "json") {
                        files.push(c.path());
                    }
                }
            }
        }
    }
    files.sort();
    let rt = quote::quote!(::asl_runtime);
    let mut out = String::new();
    let mut table = String::from(
        "/// Every case: (name, case JSON, compiled expression or error code).\npub static CASES: &[(&str, &str, Result<&asl_runtime::jsonata::Node, &str>)] = &[\n",
    );
    let mut n = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let cases = match json {
            serde_json::Value::Array(a) => a,
            v => vec![v],
        };
        let base = format!(
            "{}/{}",
            f.parent()
                .and_then(|p| p.file_name())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            f.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let many = cases.len() > 1;
        for (i, case) in cases.iter().enumerate() {
            let name = if many {
                format!("{base}[{i}]")
            } else {
                base.clone()
            };
            let Some(expr) = case.get("expr").and_then(|e| e.as_str()) else {
                continue;
            };
            let compiled =
                asl_codegen::jsonata::parse(expr).and_then(|e| asl_codegen::jsonata::process(&e));
            let entry = match compiled {
                Ok(node) => {
                    let tokens = asl_codegen::generate::jsonata::node(&node, &rt);
                    let _ = writeln!(out, "static E{n}: ::asl_runtime::jsonata::Node = {tokens};");
                    format!("Ok(&E{n})")
                }
                Err(e) => format!("Err({:?})", e.code),
            };
            let case_text = serde_json::to_string(case).unwrap_or_default();
            let _ = writeln!(table, "    ({name:?}, {case_text:?}, {entry}),");
            n += 1;
        }
    }
    table.push_str("];\n");
    out.push_str(&table);
    if n == 0 {
        println!(
            "cargo::warning=jsonata-suite: no cases in {}",
            root.display()
        );
    }
    let _ = writeln!(
        out,
        "/// The suite's directory (`groups/`, `datasets/`).\npub static SUITE_DIR: &str = {:?};\n\
         /// The workspace root, to print paths short.\npub static WORKSPACE: &str = {:?};",
        root.to_string_lossy(),
        workspace.to_string_lossy()
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("suite.rs");
    let _ = std::fs::write(dest, out);
}
