// VAL-16: the error names the file, line and column, on the path literal. (trybuild builds
// in target/tests/trybuild/asl-ui-tests, which is CARGO_MANIFEST_DIR for the macro here.)
asl_runtime::asl!(mod broken from "../../../../tests/ui/defs/broken.asl.json");

fn main() {}
