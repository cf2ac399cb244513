// The error names the file it could not read, as resolved. An absolute path: a relative one
// resolves against trybuild's crate, whose place depends on the target directory.
asl_runtime::asl!(mod broken from "/nonexistent/asl-ui-tests/does-not-exist.asl.json");

fn main() {}
