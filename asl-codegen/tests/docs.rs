//! `docs/diagnostics.md` lists every diagnostic code; this test writes it (with
//! `EXPECTORATE=overwrite`) and fails when it is out of date.

use asl_codegen::Code;

#[test]
fn diagnostics_reference_is_current() {
    let mut doc = String::from(
        "# Diagnostic codes\n\n\
         Every rule `asl check`, the `asl!` macro and the build.rs builder apply, with its stable\n\
         code. *AWS code* is the closest code AWS's `ValidateStateMachineDefinition` reports for\n\
         the same problem. Spec IDs refer to `shared/spec/ASL-FEATURES.md`.\n\n\
         This file is generated from `asl-codegen/src/diagnostic.rs` by\n\
         `EXPECTORATE=overwrite cargo test -p asl-codegen --test docs`.\n\n\
         | code | severity | AWS code | rule |\n| --- | --- | --- | --- |\n",
    );
    for code in Code::ALL {
        doc.push_str(&format!(
            "| {} | {} | `{}` | {} |\n",
            code.id(),
            code.severity().as_str(),
            code.aws_code(),
            code.summary()
        ));
    }
    let ids: std::collections::HashSet<&str> = Code::ALL.iter().map(|c| c.id()).collect();
    assert_eq!(ids.len(), Code::ALL.len(), "codes must be unique");
    for code in Code::ALL {
        assert_eq!(Code::from_id(code.id()), Some(*code));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/diagnostics.md");
    expectorate::assert_contents(path, &doc);
}
