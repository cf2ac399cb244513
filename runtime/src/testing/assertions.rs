//! Assertions on an execution's history.
