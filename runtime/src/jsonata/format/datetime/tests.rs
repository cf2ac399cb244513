//! Cases from the JSONata test suite (groups `function-fromMillis`, `function-tomillis`)
//! and more, as jsonata-js 2.0 answers them, at the level of the calls jsonata-js makes
//! to its formatting functions.

mod formatting;
mod parsing;
