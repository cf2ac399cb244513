//! Unit tests of the mock file rules: each error names the file, the JSON path and the
//! problem.
