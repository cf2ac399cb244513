//! Golden files of generated code (`EXPECTORATE=overwrite cargo test -p asl-codegen --test
//! golden` refreshes them). The crate `tests/golden` compiles them under clippy.

use std::path::Path;

#[test]
fn generated_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (def, golden) in [
        (
            "../examples/order_processing/workflows/order_processing.asl.json",
            "tests/golden/order_processing.rs",
        ),
        ("tests/golden/names.asl.json", "tests/golden/names.rs"),
        // A Distributed Map reading CSV from S3 in batches (MAP-19..22): `read_<state>`.
        (
            "../tests/distributed-samples/csv-batched-migration.asl.json",
            "tests/golden/distributed_csv.rs",
        ),
        // A ResultWriter (MAP-23): `write_<state>`.
        (
            "../tests/distributed-samples/jsonata-jsonl-result-writer.asl.json",
            "tests/golden/distributed_writer.rs",
        ),
    ] {
        let code = asl_codegen::Builder::new()
            .emit_rerun_if_changed(false)
            .task_types("Charge card", "crate::ChargeRequest", "crate::ChargeResult")
            .compile_file(&root.join(def));
        let code = match code {
            Ok(c) => c,
            // Only the order workflow has a "Charge card" state.
            Err(_) => asl_codegen::Builder::new()
                .compile_file(&root.join(def))
                .unwrap_or_else(|e| panic!("{def}: {e}")),
        };
        expectorate::assert_contents(root.join(golden), &code);
    }
}
