//! sns against moto: IN PROGRESS
