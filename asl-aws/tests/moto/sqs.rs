//! sqs against moto: IN PROGRESS
