// VAL-16: the error names the file, line and column, on the path literal. (trybuild builds
// in <target dir>/tests/trybuild/asl-ui-tests, where tests/ui.rs copies defs/.)
asl_runtime::asl!(mod broken from "defs/broken.asl.json");

fn main() {}
