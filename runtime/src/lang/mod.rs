//! The languages of a definition's fields, as pure functions of values: AWS's JSONPath dialect
//! ([`jsonpath`]), payload templates ([`template`]) and their literals ([`lit`]), the
//! intrinsic functions ([`intrinsics`]) and Choice comparisons ([`choice`]). JSONata, larger,
//! has its own module (`crate::jsonata`). Errors and the clock are their only dependencies.

pub(crate) mod choice;
pub(crate) mod intrinsics;
pub(crate) mod jsonpath;
pub(crate) mod lit;
pub(crate) mod template;
