asl_runtime::asl!(mod broken from "../../../../tests/ui/defs/does-not-exist.asl.json");

fn main() {}
