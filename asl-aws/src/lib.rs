//! AWS service integrations for asl-rs workflows: Task states whose `Resource` names an AWS
//! service API call it as AWS Step Functions does — the request built from the state's
//! effective input, the response and the errors (names and causes) shaped as Step Functions
//! shapes them — through the AWS SDK for Rust.
//!
//! [`Aws`] implements `asl_runtime::integration::Services`, so it is the handlers of every
//! Task state that has an integration:
//!
//! ```no_run
//! asl_runtime::asl!(mod order {
//!     "StartAt": "Save",
//!     "States": {"Save": {
//!         "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
//!         "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}},
//!         "End": true}}
//! });
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let workflow = order::Workflow::from_services(asl_aws::Aws::from_env().await);
//! workflow.run(serde_json::json!({"id": "o-1"})).await?;
//! # Ok(()) }
//! ```
//!
//! To write some states yourself, implement the generated `Integrated` trait for a type
//! holding an [`Aws`] and define those states' methods; see `asl_runtime::integration`.
//!
//! With the `s3` feature, [`Aws`] is also an `asl_runtime::items::ObjectStore`: a Distributed
//! Map's `ItemReader` reads its items from Amazon S3 (objects streamed, listings paged) and
//! its `ResultWriter` writes its results there, in the configuration's region.
//!
//! Configuration is the SDK's: credentials from the default chain, the region from the
//! resource's ARN or the configuration, endpoints from `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` (so the same program runs against AWS, LocalStack or moto).
//! A state's `Credentials.RoleArn` is assumed through STS `AssumeRole`; the credentials are
//! cached until they expire.
//!
//! # Cargo features
//! One per service, all on by default: `lambda`, `dynamodb`, `sqs`, `sns`, `eventbridge`,
//! `s3`, `sfn` (Step Functions, and child executions on the same `Engine`), `http` (the HTTP
//! Task; its EventBridge connections read their secrets from Secrets Manager). A workflow
//! calling a service whose feature is off does not compile.

#![deny(clippy::unwrap_used, clippy::expect_used)]
// Helpers shared by the services (parameters, errors, metadata) go unused when the features
// of the services using them are off.
#![cfg_attr(
    not(all(
        feature = "lambda",
        feature = "dynamodb",
        feature = "sqs",
        feature = "sns",
        feature = "eventbridge",
        feature = "s3",
        feature = "sfn",
        feature = "http"
    )),
    allow(dead_code)
)]

mod call;
mod clients;
mod error;
mod metadata;
mod params;

#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "eventbridge")]
mod eventbridge;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "lambda")]
mod lambda;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "sfn")]
mod sfn;
#[cfg(feature = "sns")]
mod sns;
#[cfg(feature = "sqs")]
mod sqs;

pub use clients::{Aws, AwsBuilder};
