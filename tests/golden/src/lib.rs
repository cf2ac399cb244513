//! The golden files of `asl-codegen/tests/golden`, compiled as they are, so the workspace's
//! `cargo clippy -- -D warnings` holds generated code to the same bar as hand-written code.

#![allow(missing_docs)]

use serde::{Deserialize, Serialize};

/// Input type bound to "Charge card" in the golden order workflow.
#[derive(Debug, Deserialize)]
pub struct ChargeRequest {
    /// Everything.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// Output type bound to "Charge card".
#[derive(Debug, Serialize)]
pub struct ChargeResult {
    /// The Lambda envelope's payload.
    #[serde(rename = "Payload")]
    pub payload: serde_json::Value,
}

pub mod order_processing {
    include!("../../../asl-codegen/tests/golden/order_processing.rs");
}

pub mod names {
    include!("../../../asl-codegen/tests/golden/names.rs");
}

#[cfg(test)]
mod tests {
    use asl_runtime::{TaskContext, TaskError, Value};
    use serde_json::json;

    struct Tasks;

    impl super::names::Tasks for Tasks {
        async fn do_it(&self, input: Value, ctx: TaskContext) -> Result<Value, TaskError> {
            if ctx.retry_count == 0 {
                return Err(super::names::DoItError::CustomError("first try".into()).into());
            }
            Ok(input)
        }

        async fn type_(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
            Ok(input)
        }

        async fn clone(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
            Ok(input)
        }

        async fn new(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
            Ok(input)
        }

        async fn partition_step(
            &self,
            input: Value,
            _ctx: TaskContext,
        ) -> Result<Value, TaskError> {
            Ok(input)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn awkward_names_run() {
        let wf = super::names::Workflow::new(Tasks);
        let out = wf
            .run(json!({"x": 1, "n": 1, "m": 2, "s": "ab", "t": "2021-01-01T00:00:00Z", "list": [], "y": 1}))
            .await;
        let err = out.expect_err("the Choice falls through to the Fail state");
        assert_eq!(err.error(), Some("E"), "{err}");
        assert_eq!(err.cause(), Some("\"}; panic!(); {\""));
        let out = wf
            .run(json!({"n": 1, "m": 2, "list": []}))
            .await
            .expect("Self succeeds");
        assert_eq!(out, json!({"n": 1, "m": 2, "list": [], "m1": [], "m2": []}));
        assert_eq!(super::names::State::ALL.len(), 13);
        assert_eq!(
            super::names::State::S3QuotedFnEvil.name(),
            "3 \"quoted\" }; fn evil() {"
        );
    }

    /// The generated module carries its graph as `GRAPH`, and its `Machine` hands it out,
    /// so a server draws it without the definition's JSON (issue 18).
    #[test]
    fn generated_modules_carry_their_graph() {
        use asl_runtime::Machine;
        let wf = super::names::Workflow::new(Tasks);
        let graph = wf.graph().expect("a graph");
        assert!(std::ptr::eq(graph, &super::names::GRAPH));
        assert_eq!(graph.nodes.len(), super::names::State::ALL.len());
        assert!(
            graph
                .nodes
                .iter()
                .any(|n| n.name == "3 \"quoted\" }; fn evil() {")
        );
        let svg = asl_runtime::graph::to_svg(graph, None);
        assert!(svg.contains("data-state=\"3 &quot;quoted&quot; }; fn evil() {\""));
        // Nested scopes are carried too.
        let distributed = &super::distributed_csv::GRAPH;
        assert!(distributed.nodes.iter().any(|n| !n.children.is_empty()));
    }
}

pub mod distributed_csv {
    include!("../../../asl-codegen/tests/golden/distributed_csv.rs");
}

pub mod distributed_writer {
    include!("../../../asl-codegen/tests/golden/distributed_writer.rs");
}

/// Definitions with Distributed Maps that read from and write to S3, shaped after public
/// samples (`tests/distributed-samples/ORIGIN.md`), compiled through the macro (MAP-19..23).
pub mod distributed_samples {
    asl_runtime::asl!(pub mod csv_batched_migration from "../distributed-samples/csv-batched-migration.asl.json");
    asl_runtime::asl!(pub mod csv_express_start_child from "../distributed-samples/csv-express-start-child.asl.json");
    asl_runtime::asl!(pub mod json_reader_batched_ddb_import from "../distributed-samples/json-reader-batched-ddb-import.asl.json");
    asl_runtime::asl!(pub mod jsonata_jsonl_result_writer from "../distributed-samples/jsonata-jsonl-result-writer.asl.json");
    asl_runtime::asl!(pub mod list_objects_express_simulation from "../distributed-samples/list-objects-express-simulation.asl.json");
    asl_runtime::asl!(pub mod list_objects_item_selector_batched from "../distributed-samples/list-objects-item-selector-batched.asl.json");
    asl_runtime::asl!(pub mod list_objects_prefix_crawl_loop from "../distributed-samples/list-objects-prefix-crawl-loop.asl.json");
    asl_runtime::asl!(pub mod nested_list_objects from "../distributed-samples/nested-list-objects.asl.json");
    asl_runtime::asl!(pub mod result_writer_inventory from "../distributed-samples/result-writer-inventory.asl.json");
}
