//! `codegen_300`: parse + validate + generate (+ prettyplease) of a 300-state definition
//! (`cargo bench -p asl-bench --bench codegen`).
//!
//! The extra `cargo build` time of a crate using `asl!` on it is measured by
//! `scripts/bench-build.sh` (documented in README's Performance section).

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let path = asl_bench::dir().join("workflows/codegen_300.asl.json");
    let text = std::fs::read_to_string(&path).expect("definition");
    let name = path.to_string_lossy().into_owned();
    // Checked once: the definition is valid and generates code.
    let checked = asl_codegen::check_str(&name, &text);
    assert!(checked.is_valid(), "{}", checked.report.render(false));
    c.bench_function("codegen_300", |b| {
        b.iter(|| {
            let checked = asl_codegen::check_str(&name, &text);
            let machine = checked.machine.expect("valid");
            let tokens = asl_codegen::generate::generate(
                &machine,
                &asl_codegen::generate::GenOptions::default(),
            );
            let file: syn::File = syn::parse2(tokens).expect("parses");
            prettyplease::unparse(&file)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
