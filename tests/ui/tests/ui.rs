//! `asl!` at compile time: valid definitions compile, each broken one fails with the expected
//! message (`TRYBUILD=overwrite cargo test -p asl-ui-tests` refreshes the `.stderr` files).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
