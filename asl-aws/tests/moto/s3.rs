//! s3 against moto: IN PROGRESS
