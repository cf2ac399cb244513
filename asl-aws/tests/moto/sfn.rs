//! sfn against moto: IN PROGRESS
