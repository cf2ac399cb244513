//! Snapshots of the human-readable diagnostics (`EXPECTORATE=overwrite cargo test` refreshes).

use std::path::Path;

#[test]
fn rendered_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/render")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".asl.json"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 3);
    for input in inputs {
        let name = input
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&input).expect("read");
        let checked = asl_codegen::check_str(&name, &text);
        assert!(!checked.is_valid(), "{name} should be invalid");
        let expected = input.with_file_name(name.replace(".asl.json", ".txt"));
        expectorate::assert_contents(expected, &checked.report.render(false));
    }
}
