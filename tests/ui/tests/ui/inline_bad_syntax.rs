// The macro's own syntax: `mod <name>` then `from "<file>"` or `{ … }`.
asl_runtime::asl!(mod broken using "x.json");

fn main() {}
