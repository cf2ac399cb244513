//! dynamodb against moto: IN PROGRESS
