//! Distributed Map readers and writers through the one pipeline (MAP-19..23): every input type
//! Step Functions reads compiles; `PARQUET` is refused with a message naming the state.

use asl_codegen::{CompileError, CompileOptions, Source, compile};

fn definition(input_type: &str) -> String {
    format!(
        r#"{{"StartAt": "Load", "States": {{"Load": {{
            "Type": "Map",
            "ItemReader": {{"Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {{"InputType": "{input_type}"}},
                "Parameters": {{"Bucket": "b", "Key": "k"}}}},
            "ItemProcessor": {{"ProcessorConfig": {{"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}},
                "StartAt": "P", "States": {{"P": {{"Type": "Pass", "End": true}}}}}},
            "ResultWriter": {{"Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {{"Bucket": "out", "Prefix": "runs"}}}},
            "End": true}}}}}}"#
    )
}

#[test]
fn every_input_type_compiles_but_parquet() {
    for input_type in ["CSV", "JSON", "JSONL", "MANIFEST"] {
        let src = Source::new("wf.asl.json", definition(input_type));
        let compiled = compile(src, &CompileOptions::new("wf"));
        let code = match compiled {
            Ok(c) => c.items.to_string(),
            Err(e) => panic!("{input_type}: {e}"),
        };
        assert!(code.contains("fn read_load"), "{input_type}");
        assert!(code.contains("fn write_load"), "{input_type}");
    }
    let src = Source::new("wf.asl.json", definition("PARQUET"));
    match compile(src, &CompileOptions::new("wf")) {
        Err(CompileError::Unsupported(what)) => {
            assert!(
                what.contains("PARQUET") && what.contains("`Load`"),
                "{what}"
            );
        }
        Err(e) => panic!("expected Unsupported, got {e}"),
        Ok(_) => panic!("PARQUET compiled"),
    }
}
