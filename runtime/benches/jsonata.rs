//! JSONata data flow through generated code (`cargo bench -p asl-runtime --bench jsonata`):
//! a chain of 100 Pass states, each with an `Output` of four expressions and an `Assign` of
//! two, reading `$states.input` and workflow variables.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

asl_runtime::asl!(mod jsonata_chain_100 from "benches/jsonata_chain_100.asl.json");

struct NoTasks;
impl jsonata_chain_100::Tasks for NoTasks {}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let wf = jsonata_chain_100::Workflow::new(NoTasks);
    let input = json!({"step": 0, "items": [1, 2, 3, 4, 5]});
    // Checked once: the chain does what it says.
    let out = rt.block_on(wf.run(input.clone())).expect("runs");
    assert_eq!(out["step"], json!(99));
    assert_eq!(out["total"], json!(15 + 98));
    c.bench_function("jsonata_chain_100", |b| {
        b.iter(|| rt.block_on(wf.run(input.clone())).expect("runs"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
