//! eventbridge against moto: IN PROGRESS
