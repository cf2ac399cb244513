//! The benchmark workflows go through the build.rs path users take (`asl_codegen::Builder`).

fn main() -> Result<(), asl_codegen::BuildError> {
    let mut b = asl_codegen::Builder::new();
    for name in [
        "pass_chain_100",
        "choice_loop",
        "map_items",
        "map_items_discard",
        "parallel_10",
        "express_small",
        "data_flow",
        "distributed_jsonl",
        "distributed_csv",
    ] {
        b = b.file(format!("workflows/{name}.asl.json"));
    }
    b.generate()
}
