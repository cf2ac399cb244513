//! WIP
#![allow(dead_code)]
pub(crate) struct ResultFiles;
pub(crate) struct WriteSpec;
