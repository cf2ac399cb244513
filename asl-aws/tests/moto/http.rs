//! http: IN PROGRESS
