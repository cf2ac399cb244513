//! The issue-6 scenarios through generated code (`cargo bench -p asl-bench --bench
//! scenarios`): time per execution; divide by `Scenario::transitions` for the time per state
//! transition. `express_small` is also reported as executions per second on all cores by
//! `cargo run --release -p asl-bench --bin scenarios`.

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    for s in asl_bench::SCENARIOS {
        let input = asl_bench::input(s);
        // Checked once: the scenario succeeds.
        rt.block_on(asl_bench::run(s.name, input.clone()))
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let mut group = c.benchmark_group("scenarios");
        if s.transitions > 10_000 {
            group.sample_size(10);
        }
        group.bench_function(s.name, |b| {
            b.iter(|| rt.block_on(asl_bench::run(s.name, input.clone())))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
