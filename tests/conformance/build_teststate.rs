//! The TestState calls of the corpus (`teststate/<group>/<case>/`): one module per case,
//! generated from its definition through `asl_codegen`, with a `test` entry that runs the
//! request through the generated `Workflow::test_state`.
//!
//! A single-state definition is wrapped as AWS wraps it: a machine whose only state is
//! `StateName`. Its `Next` and Catchers' targets do not exist there (TestState only reports
//! them as `nextState`), so each becomes a `Succeed` state, which is enough to compile the
//! machine and is never entered: the test stops at the transition.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The generated modules, the `TESTSTATE_CASES` table and the `TESTSTATE_DIRS` read.
pub fn generate(dirs: &[PathBuf], explicit: bool) -> String {
    let mut cases = Vec::new();
    let mut read = String::from(
        "/// Every directory read for TestState calls, in order.\npub static TESTSTATE_DIRS: &[CaseDir] = &[\n",
    );
    for dir in dirs {
        println!("cargo::rerun-if-changed={}", dir.display());
        let before = cases.len();
        super::collect(dir, &mut cases, true);
        let _ = writeln!(
            read,
            "    CaseDir {{ path: {:?}, exists: {}, cases: {} }},",
            dir.to_string_lossy(),
            dir.is_dir(),
            cases.len() - before
        );
    }
    read.push_str("];\n");
    let _ = writeln!(
        read,
        "/// Whether the TestState directories came from `ASL_CONFORMANCE_DIR`.\npub static TESTSTATE_EXPLICIT: bool = {explicit};"
    );
    cases.sort();
    let mut modules = String::new();
    let mut table = String::from(
        "/// Every TestState call found.\npub static TESTSTATE_CASES: &[TestCase] = &[\n",
    );
    for (i, case) in cases.iter().enumerate() {
        let name = |p: &Path| {
            p.file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let group = case.parent().map(name).unwrap_or_default();
        let case_name = name(case);
        let (test, skip) = match module(i, case) {
            Ok(m) => {
                modules.push_str(&m);
                (format!("Some(ts_{i}::test)"), "None".to_string())
            }
            Err(why) => ("None".to_string(), format!("Some({why:?})")),
        };
        let _ = writeln!(
            table,
            "    TestCase {{ group: {group:?}, name: {case_name:?}, dir: {:?}, test: {test}, skip: {skip} }},",
            case.to_string_lossy()
        );
    }
    table.push_str("];\n");
    format!("{modules}\n{table}\n{read}")
}

/// The module of case `i`, or why it cannot be compiled.
fn module(i: usize, case: &Path) -> Result<String, String> {
    let path = case.join("definition.asl.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("unreadable definition: {e}"))?;
    let definition: Value =
        serde_json::from_str(&text).map_err(|e| format!("the definition is not JSON: {e}"))?;
    let machine_text = match &definition {
        Value::Object(m) if m.contains_key("States") => text,
        Value::Object(state) => wrap(state).to_string(),
        _ => return Err("the definition is not a JSON object".into()),
    };
    let checked = asl_codegen::check_str(&path.to_string_lossy(), &machine_text);
    let Some(machine) = checked.machine.as_ref().filter(|_| checked.is_valid()) else {
        return Err("the definition does not validate".into());
    };
    if let Some(what) = asl_codegen::generate::unsupported(machine) {
        return Err(format!("uses {what} (issue 5)"));
    }
    let options = asl_codegen::generate::GenOptions {
        runtime: quote::quote!(::asl_runtime),
        name: "teststate".into(),
        task_types: Vec::new(),
        definition: String::new(),
    };
    let items = asl_codegen::generate::generate(machine, &options);
    // The calls run with mocks; a Task or ItemReader reached without one gets the replay's
    // error (nothing recorded), which the runner reports.
    let mut methods = String::new();
    for handler in asl_codegen::generate::handler_methods(machine) {
        use asl_codegen::generate::Handler;
        let _ = match handler {
            Handler::Task { state, method } => writeln!(
                methods,
                "async fn {method}(&self, input: ::asl_runtime::Value, ctx: ::asl_runtime::TaskContext) \
                 -> Result<::asl_runtime::Value, ::asl_runtime::TaskError> {{ self.0.call({state:?}, input, ctx).await }}"
            ),
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
    Ok(format!(
        "#[allow(dead_code)]\npub mod ts_{i} {{\n{items}\n\
         pub struct Handlers(pub ::std::sync::Arc<crate::replay::Replay>);\nimpl Tasks for Handlers {{\n{methods}}}\n\
         pub fn test(state: &str, request: ::asl_runtime::testing::TestState) -> crate::TestFuture {{\n\
         let state = AnyState::named(state).ok_or_else(|| format!(\"no state named {{state:?}}\"));\n\
         Box::pin(async move {{\n\
         let workflow = Workflow::new(Handlers(::std::sync::Arc::new(crate::replay::Replay::new(None))));\n\
         workflow.test_state(state?, request).await.map_err(|e| e.to_string())\n}})\n}}\n}}\n"
    ))
}

/// A single state as AWS's TestState wraps it: state `StateName` of a machine, plus a
/// `Succeed` state for each target it names.
fn wrap(state: &Map<String, Value>) -> Value {
    let mut states = Map::new();
    states.insert("StateName".into(), Value::Object(state.clone()));
    let mut targets: Vec<&str> = Vec::new();
    targets.extend(state.get("Next").and_then(Value::as_str));
    targets.extend(state.get("Default").and_then(Value::as_str));
    for key in ["Catch", "Choices"] {
        for rule in state
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            targets.extend(rule.get("Next").and_then(Value::as_str));
        }
    }
    for t in targets {
        if !states.contains_key(t) {
            states.insert(t.to_string(), json!({ "Type": "Succeed" }));
        }
    }
    json!({ "StartAt": "StateName", "States": states })
}
