//! Compiles the workflow definition into `$OUT_DIR/order_processing.rs`, with a typed handler
//! for the card charge.

fn main() -> Result<(), asl_codegen::BuildError> {
    asl_codegen::Builder::new()
        .file("workflows/order_processing.asl.json")
        .task_types("Charge card", "crate::ChargeRequest", "crate::ChargeResult")
        .generate()
}
