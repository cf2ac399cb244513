//! Tables of cases with the answers jsonata-js 2.0 gives, and how each engine's tests
//! check them.

use crate::jsonata::value::Error;

#[derive(Debug)]
pub(super) enum Want {
    S(&'static str),
    N(f64),
    U,
    E(&'static str),
}
use Want::{E, N, S, U};

pub(super) fn check_str(got: Result<Option<String>, Error>, want: &Want) -> Result<(), String> {
    match (got, want) {
        (Ok(Some(s)), S(w)) if s == *w => Ok(()),
        (Ok(None), U) => Ok(()),
        (Err(e), E(code)) if e.code == *code => Ok(()),
        (got, want) => Err(format!("got {got:?}, want {want:?}")),
    }
}

pub(super) fn check_num(got: Result<Option<f64>, Error>, want: &Want) -> Result<(), String> {
    match (got, want) {
        (Ok(Some(n)), N(w)) if n == *w => Ok(()),
        (Ok(None), U) => Ok(()),
        (Err(e), E(code)) if e.code == *code => Ok(()),
        (got, want) => Err(format!("got {got:?}, want {want:?}")),
    }
}

pub(super) fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
