//! The integrations against moto, the AWS emulator, through the public API: workflows compiled
//! with `asl!` whose Task states call DynamoDB, SQS, SNS, EventBridge, S3 and Lambda through
//! `asl_aws::Aws`. Needs `ASL_TEST_MOTO_URL` (`.ci/run` starts moto and sets it); without it
//! every test skips with a message, and fails when `ASL_REQUIRE_SERVICES=1`.

mod common;

#[cfg(all(
    feature = "dynamodb",
    feature = "sqs",
    feature = "sns",
    feature = "eventbridge",
    feature = "s3"
))]
mod corpus;
#[cfg(feature = "dynamodb")]
mod credentials;

#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "eventbridge")]
mod eventbridge;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "lambda")]
mod lambda;
#[cfg(feature = "s3")]
mod objects;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "sfn")]
mod sfn;
#[cfg(feature = "sns")]
mod sns;
#[cfg(feature = "sqs")]
mod sqs;
