//! [`Aws`] as `Services`: one call, routed to its service.

use std::sync::Arc;

use asl_runtime::integration::{Api, Flavor, Pattern, ServiceCall, ServiceFuture, Services};
use asl_runtime::{TaskContext, TaskError, Value};

use crate::clients::{Aws, Clients};

/// One call, with the clients for its region and role.
pub(crate) struct Request {
    pub api: Api,
    pub flavor: Flavor,
    /// How the state waits (`.sync`, `.sync:2`, `.waitForTaskToken`).
    pub pattern: Pattern,
    /// The `Resource`, as written.
    pub resource: &'static str,
    pub parameters: Value,
    pub context: TaskContext,
    pub clients: Arc<Clients>,
    /// The integrations, for clients of another region than the resource's.
    pub aws: Aws,
}

impl Services for Aws {
    fn call(&self, call: ServiceCall) -> ServiceFuture {
        let aws = self.clone();
        Box::pin(async move { aws.dispatch(call).await })
    }
}

#[cfg(feature = "lambda")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::Lambda> for Aws {}
#[cfg(feature = "dynamodb")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::DynamoDb> for Aws {}
#[cfg(feature = "sqs")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::Sqs> for Aws {}
#[cfg(feature = "sns")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::Sns> for Aws {}
#[cfg(feature = "eventbridge")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::EventBridge> for Aws {}
#[cfg(feature = "s3")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::S3> for Aws {}
#[cfg(feature = "sfn")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::StepFunctions> for Aws {}
#[cfg(feature = "http")]
impl asl_runtime::integration::Provides<asl_runtime::integration::service::Http> for Aws {}

impl Aws {
    async fn dispatch(&self, call: ServiceCall) -> Result<Value, TaskError> {
        if call.pattern == Pattern::WaitForTaskToken && !call.context.token_awaited() {
            // Only a durable execution can be completed by `send_task_success` from outside.
            return Err(TaskError::new(
                "States.Runtime",
                format!(
                    "'{}' waits for a task token, which only an execution of an \
                     asl_runtime::Engine can receive (send_task_success/send_task_failure)",
                    call.resource
                ),
            ));
        }
        let region = call.resource_region().map(str::to_owned);
        let role = call.context.role_arn().map(str::to_owned);
        let clients = self.clients(region.as_deref(), role.as_deref()).await;
        let request = Request {
            api: call.api,
            flavor: call.flavor,
            pattern: call.pattern,
            resource: call.resource,
            parameters: call.parameters,
            context: call.context,
            clients,
            aws: self.clone(),
        };
        route(request).await
    }
}

async fn route(request: Request) -> Result<Value, TaskError> {
    match request.api {
        #[cfg(feature = "lambda")]
        Api::LambdaFunction | Api::LambdaInvoke => crate::lambda::call(request).await,
        #[cfg(feature = "dynamodb")]
        Api::DynamoDbGetItem
        | Api::DynamoDbPutItem
        | Api::DynamoDbUpdateItem
        | Api::DynamoDbDeleteItem
        | Api::DynamoDbQuery
        | Api::DynamoDbScan
        | Api::DynamoDbBatchWriteItem
        | Api::DynamoDbTransactWriteItems => crate::dynamodb::call(request).await,
        #[cfg(feature = "sqs")]
        Api::SqsSendMessage => crate::sqs::call(request).await,
        #[cfg(feature = "sns")]
        Api::SnsPublish => crate::sns::call(request).await,
        #[cfg(feature = "eventbridge")]
        Api::EventBridgePutEvents => crate::eventbridge::call(request).await,
        #[cfg(feature = "s3")]
        Api::S3GetObject
        | Api::S3PutObject
        | Api::S3ListObjectsV2
        | Api::S3ListObjects
        | Api::S3HeadObject
        | Api::S3DeleteObject
        | Api::S3CopyObject => crate::s3::call(request).await,
        #[cfg(feature = "sfn")]
        Api::SfnStartExecution
        | Api::SfnDescribeExecution
        | Api::SfnStopExecution
        | Api::SfnSendTaskSuccess
        | Api::SfnSendTaskFailure
        | Api::SfnSendTaskHeartbeat => crate::sfn::call(request).await,
        #[cfg(feature = "http")]
        Api::HttpInvoke => crate::http::call(request).await,
        // A service whose feature is off: generated code cannot get here (its `Integrated`
        // requires `Provides` of every service it calls).
        #[allow(unreachable_patterns)]
        other => Err(TaskError::new(
            "States.Runtime",
            format!(
                "asl-aws cannot call {other:?} for '{}': its cargo feature is off, or this \
                 version of asl-aws does not know the API",
                request.resource
            ),
        )),
    }
}
