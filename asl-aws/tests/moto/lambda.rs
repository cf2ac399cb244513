//! lambda against moto: IN PROGRESS
