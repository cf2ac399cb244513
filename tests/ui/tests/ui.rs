//! `asl!` at compile time: valid definitions compile, each broken one fails with the expected
//! message (`TRYBUILD=overwrite cargo test -p asl-ui-tests` refreshes the `.stderr` files).
//!
//! trybuild compiles the test files in a crate of its own, `<target dir>/tests/trybuild/
//! asl-ui-tests`, which is `CARGO_MANIFEST_DIR` for the macro there; file paths in the tests
//! (`defs/…`) are relative to it. The test copies `defs/` into that crate first, so the paths
//! hold wherever the target directory is (`CARGO_TARGET_DIR`, `build.target-dir`).

use std::path::PathBuf;
use std::process::Command;

/// The target directory as trybuild finds it: `cargo metadata`, run from this crate.
fn target_dir() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version=1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    PathBuf::from(
        meta["target_directory"]
            .as_str()
            .expect("cargo metadata names the target directory"),
    )
}

/// Copies `defs/*` into trybuild's crate for this package.
fn copy_defs() {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("defs");
    let to = target_dir()
        .join("tests/trybuild")
        .join(env!("CARGO_PKG_NAME"))
        .join("defs");
    std::fs::create_dir_all(&to).expect("create trybuild's defs folder");
    for entry in std::fs::read_dir(&from).expect("read defs/") {
        let path = entry.expect("defs/ entry").path();
        let name = path.file_name().expect("file name");
        std::fs::copy(&path, to.join(name)).expect("copy a definition");
    }
}

#[test]
fn ui() {
    copy_defs();
    let t = trybuild::TestCases::new();
    t.pass("tests/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
