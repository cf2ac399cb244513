//! Amazon DynamoDB, as Step Functions calls it (TASK-2, TASK-3): `GetItem`, `PutItem`,
//! `UpdateItem` and `DeleteItem` through the optimized integration
//! (`arn:aws:states:::dynamodb:putItem`) or the AWS SDK one
//! (`arn:aws:states:::aws-sdk:dynamodb:putItem`), and `Query`, `Scan`, `BatchWriteItem` and
//! `TransactWriteItems` through the AWS SDK one.
//!
//! - Parameters are the API's request members, PascalCase (`TableName`, `Key`, `Item`,
//!   `ConditionExpression`, …, the legacy `AttributesToGet`, `Expected`, `AttributeUpdates`,
//!   `KeyConditions`, `QueryFilter`, `ScanFilter`, `ConditionalOperator` included); attribute
//!   values are DynamoDB JSON (`{"S": "a"}`, `{"N": "1"}`, `{"B": "<base64>"}`, …). A member the
//!   API does not have, or a malformed attribute value, is a `States.Runtime` error naming the
//!   field: nothing is dropped or guessed. Enumerations (`ReturnValues`, `Select`, …) are sent
//!   as written, for DynamoDB to judge.
//! - Results are the API's response members (`Item`, `Attributes`, `Items`, `Count`,
//!   `LastEvaluatedKey`, `UnprocessedItems`, `ConsumedCapacity`, …), absent ones left out; the
//!   optimized integration adds `SdkHttpMetadata` and `SdkResponseMetadata`, as AWS records it
//!   (a `putItem` result is just those two).
//! - Errors are named as Step Functions names them: `DynamoDB.ConditionalCheckFailedException`
//!   (optimized) or `DynamoDb.ConditionalCheckFailedException` (AWS SDK), and
//!   `DynamoDB.AmazonDynamoDBException` / `DynamoDb.DynamoDbException` for errors the API does
//!   not model (a `ValidationException`), with AWS's cause formats (see `crate::error`).
//! - `TransactWriteItems` without a `ClientRequestToken` gets one derived from the attempt's
//!   idempotency key (`TaskContext::idempotency_key`), where the SDK would make a random one:
//!   a durable execution resuming after a crash repeats the call with the same token, so
//!   DynamoDB applies the transaction once (within the 10 minutes it remembers tokens); each
//!   Retry is a new attempt with a new token. The key names the execution, so two runs given
//!   the same execution name within those minutes are taken for one. An explicit
//!   `ClientRequestToken` is passed as given.

mod item;
mod legacy;
mod output;
mod read;
mod value;
mod write;

use asl_runtime::integration::Api;
use asl_runtime::{TaskError, Value};

use crate::call::Request;
use crate::error::Names;

/// How Step Functions names DynamoDB in errors.
pub(crate) const NAMES: Names = Names {
    optimized: "DynamoDB",
    v1_service: "AmazonDynamoDBv2",
    v1_exception: "AmazonDynamoDBException",
    sdk: "DynamoDb",
};

/// Calls the DynamoDB API of `request`.
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    match request.api {
        Api::DynamoDbGetItem => item::get(request).await,
        Api::DynamoDbPutItem => item::put(request).await,
        Api::DynamoDbUpdateItem => item::update(request).await,
        Api::DynamoDbDeleteItem => item::delete(request).await,
        Api::DynamoDbQuery => read::query(request).await,
        Api::DynamoDbScan => read::scan(request).await,
        Api::DynamoDbBatchWriteItem => write::batch_write_item(request).await,
        Api::DynamoDbTransactWriteItems => write::transact_write_items(request).await,
        other => Err(TaskError::new(
            "States.Runtime",
            format!(
                "'{}' ({other:?}) is not a DynamoDB API asl-aws calls",
                request.resource
            ),
        )),
    }
}
