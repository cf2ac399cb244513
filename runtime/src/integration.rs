//! Service integrations (TASK-2, TASK-3): Task states whose `Resource` names an AWS service
//! API run without a hand-written handler, through a [`Services`] implementation such as
//! `asl_aws::Aws`.
//!
//! For every workflow, the generated module has, beside its `Tasks` trait, an `Integrated`
//! trait: one method per Task state, where the method of a state whose resource has an
//! integration ([`Api`]) is already written — it hands the state's effective input to
//! [`Services::call`] — and only the others must be written. Every type implementing
//! `Integrated` implements `Tasks`, so:
//!
//! - when every Task state has an integration, a [`Services`] value is enough:
//!   `order::Workflow::from_services(asl_aws::Aws::from_env().await)` (its Task states are
//!   the [`ServiceTasks`] of those services);
//! - to write some states yourself, implement `Integrated` for a type of yours, return the
//!   services from `services()`, and define the methods of those states: the rest keep
//!   calling the services;
//! - a state whose resource has no integration (an activity, an API without one) has no
//!   default, so leaving it out is a compile error naming its method.
//!
//! Which services a workflow calls is part of `Integrated`'s `Services` bound
//! ([`Provides`]`<`[`service::Sqs`]`>`, …): a [`Services`] built without one of them (a
//! disabled cargo feature of `asl-aws`) is rejected by the compiler, never at run time.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use crate::error::TaskError;
pub use crate::exec::Pattern;
use crate::exec::{TaskContext, TaskSpec};

/// A [`Services`] value as the handlers of a workflow whose every Task state has an
/// integration: what a generated `Workflow::from_services` wraps its argument in.
#[derive(Debug, Clone)]
pub struct ServiceTasks<S>(S);

impl<S: Services> ServiceTasks<S> {
    /// Wraps `services`.
    pub fn new(services: S) -> Self {
        ServiceTasks(services)
    }

    /// The services.
    pub fn services(&self) -> &S {
        &self.0
    }
}

/// The future a [`Services::call`] returns.
pub type ServiceFuture = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send + 'static>>;

/// Calls the service APIs Task states integrate with, as Step Functions does: the request
/// from the state's effective input, the response (or error name and cause) as Step Functions
/// hands it to the state.
pub trait Services: Send + Sync + 'static {
    /// Performs `call`. Errors are the state's errors: Retry and Catch see their names.
    fn call(&self, call: ServiceCall) -> ServiceFuture;
}

/// A [`Services`] that can call the APIs of service `S`; a workflow's `Integrated` trait
/// requires it for every service its Task states call.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot call the service `{S}` that this workflow's Task states use",
    note = "with `asl_aws::Aws`, enable the cargo feature of that service on `asl-aws`"
)]
pub trait Provides<S: service::Service>: Services {}

/// The services Task states integrate with, as types for [`Provides`].
pub mod service {
    /// A service Task states can call.
    pub trait Service: 'static {
        /// Its name, as a cargo feature of `asl-aws` spells it.
        const NAME: &'static str;
    }

    macro_rules! services {
        ($($(#[$doc:meta])* $ty:ident = $name:literal;)*) => {$(
            $(#[$doc])*
            #[derive(Debug)]
            pub enum $ty {}
            impl Service for $ty {
                const NAME: &'static str = $name;
            }
        )*};
    }

    services! {
        /// AWS Lambda.
        Lambda = "lambda";
        /// Amazon DynamoDB.
        DynamoDb = "dynamodb";
        /// Amazon SQS.
        Sqs = "sqs";
        /// Amazon SNS.
        Sns = "sns";
        /// Amazon EventBridge.
        EventBridge = "eventbridge";
        /// Amazon S3.
        S3 = "s3";
        /// AWS Step Functions (and executions of workflows on the same engine).
        StepFunctions = "sfn";
        /// HTTPS endpoints (the HTTP Task).
        Http = "http";
    }
}

/// An API a Task state's `Resource` calls, decided at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Api {
    /// A Lambda function by ARN (`arn:aws:lambda:…:function:name`): invoked with the
    /// effective input, its return value is the result.
    LambdaFunction,
    /// `lambda:invoke`: Lambda `Invoke`, the response envelope is the result.
    LambdaInvoke,
    /// DynamoDB `GetItem`.
    DynamoDbGetItem,
    /// DynamoDB `PutItem`.
    DynamoDbPutItem,
    /// DynamoDB `UpdateItem`.
    DynamoDbUpdateItem,
    /// DynamoDB `DeleteItem`.
    DynamoDbDeleteItem,
    /// DynamoDB `Query`.
    DynamoDbQuery,
    /// DynamoDB `Scan`.
    DynamoDbScan,
    /// DynamoDB `BatchWriteItem`.
    DynamoDbBatchWriteItem,
    /// DynamoDB `TransactWriteItems`.
    DynamoDbTransactWriteItems,
    /// SQS `SendMessage`.
    SqsSendMessage,
    /// SNS `Publish`.
    SnsPublish,
    /// EventBridge `PutEvents`.
    EventBridgePutEvents,
    /// S3 `GetObject`.
    S3GetObject,
    /// S3 `PutObject`.
    S3PutObject,
    /// S3 `ListObjectsV2`.
    S3ListObjectsV2,
    /// S3 `ListObjects`.
    S3ListObjects,
    /// S3 `HeadObject`.
    S3HeadObject,
    /// S3 `DeleteObject`.
    S3DeleteObject,
    /// S3 `CopyObject`.
    S3CopyObject,
    /// Step Functions `StartExecution` (`states:startExecution`, also `.sync`, `.sync:2`,
    /// `.waitForTaskToken`, and `aws-sdk:sfn:startExecution`).
    SfnStartExecution,
    /// Step Functions `DescribeExecution`.
    SfnDescribeExecution,
    /// Step Functions `StopExecution`.
    SfnStopExecution,
    /// Step Functions `SendTaskSuccess`.
    SfnSendTaskSuccess,
    /// Step Functions `SendTaskFailure`.
    SfnSendTaskFailure,
    /// Step Functions `SendTaskHeartbeat`.
    SfnSendTaskHeartbeat,
    /// The HTTP Task (`http:invoke`): an HTTPS call to `ApiEndpoint`.
    HttpInvoke,
}

/// How Step Functions reaches an API, which decides the shape of responses and error names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// A function ARN or an optimized integration (`arn:aws:states:::dynamodb:putItem`):
    /// responses carry `SdkHttpMetadata`/`SdkResponseMetadata`, errors are named as the
    /// integration's page documents (`DynamoDB.AmazonDynamoDBException`).
    Optimized,
    /// An AWS SDK integration (`arn:aws:states:::aws-sdk:dynamodb:putItem`): the API's response
    /// as such, errors `<Service>.<Name>` (`DynamoDb.ResourceNotFoundException`).
    Sdk,
}

/// One call of a Task state's resource.
#[derive(Debug)]
#[non_exhaustive]
pub struct ServiceCall {
    /// The API.
    pub api: Api,
    /// How Step Functions reaches it.
    pub flavor: Flavor,
    /// How the state waits for it (`.waitForTaskToken`, `.sync`, …).
    pub pattern: Pattern,
    /// The `Resource`, as the definition writes it.
    pub resource: &'static str,
    /// The state's effective input: the API's parameters (or a function's payload).
    pub parameters: Value,
    /// The invocation: state, execution, task token, resolved `Credentials`, …
    pub context: TaskContext,
}

impl ServiceCall {
    /// The region the resource's ARN names (`arn:aws:lambda:eu-west-1:…`), if any.
    pub fn resource_region(&self) -> Option<&'static str> {
        let region = self.resource.split(':').nth(3)?;
        (!region.is_empty()).then_some(region)
    }
}

/// What generated code calls for a state with an integration: hands the effective input to
/// `services`.
#[doc(hidden)]
pub fn call<S: Services + ?Sized>(
    services: &S,
    spec: &'static TaskSpec,
    api: Api,
    flavor: Flavor,
    parameters: Value,
    context: TaskContext,
) -> ServiceFuture {
    let pattern = match spec.resource.kind {
        crate::exec::ResourceKind::Service { pattern, .. } => pattern,
        _ => Pattern::RequestResponse,
    };
    services.call(ServiceCall {
        api,
        flavor,
        pattern,
        resource: spec.resource.arn,
        parameters,
        context,
    })
}
