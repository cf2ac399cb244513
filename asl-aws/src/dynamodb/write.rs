//! The multi-item writes: `BatchWriteItem` and `TransactWriteItems` (AWS SDK integrations).

use std::fmt::Write as _;

use asl_runtime::{TaskError, Value};
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, DeleteRequest, Put, PutRequest, TransactWriteItem, Update, WriteRequest,
};
use sha2::{Digest, Sha256};

use super::NAMES;
use super::output::Response;
use super::value::{Obj, elements, entries, enumeration};
use crate::call::Request;
use crate::error;
use crate::metadata::Capture;
use crate::params::Params;

const BATCH: &str = "dynamodb:batchWriteItem";
const TRANSACT: &str = "dynamodb:transactWriteItems";

/// `BatchWriteItem`: `UnprocessedItems` (empty when all were written) and, when asked for,
/// `ItemCollectionMetrics` and `ConsumedCapacity`. Unprocessed items are handed to the state
/// as DynamoDB returns them, not retried, as Step Functions does.
pub(super) async fn batch_write_item(request: Request) -> Result<Value, TaskError> {
    let mut p = Params::new(request.parameters, BATCH)?;
    let items = p
        .take("RequestItems")
        .map(|v| {
            entries(v, BATCH, "RequestItems", |requests, path| {
                elements(requests, BATCH, &path, write_request)
            })
        })
        .transpose()?;
    let call = request
        .clients
        .dynamodb()
        .batch_write_item()
        .set_request_items(items)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_return_item_collection_metrics(enumeration(&mut p, "ReturnItemCollectionMetrics")?);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let mut response = Response::default();
    response.unprocessed(out.unprocessed_items)?;
    response.metrics_by_table(out.item_collection_metrics)?;
    response.consumed_list(out.consumed_capacity);
    Ok(response.finish(request.flavor, &capture))
}

/// `TransactWriteItems`: `{}`, with `ConsumedCapacity` and `ItemCollectionMetrics` when asked
/// for. Without a `ClientRequestToken` in the parameters, the token is derived from the
/// attempt's idempotency key (see [`request_token`]).
pub(super) async fn transact_write_items(request: Request) -> Result<Value, TaskError> {
    let mut p = Params::new(request.parameters, TRANSACT)?;
    let items = p
        .take("TransactItems")
        .map(|v| elements(v, TRANSACT, "TransactItems", transact_item))
        .transpose()?;
    let token = p
        .string("ClientRequestToken")?
        .unwrap_or_else(|| request_token(&request.context.idempotency_key()));
    let call = request
        .clients
        .dynamodb()
        .transact_write_items()
        .set_transact_items(items)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_return_item_collection_metrics(enumeration(&mut p, "ReturnItemCollectionMetrics")?)
        .client_request_token(token);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let mut response = Response::default();
    response.consumed_list(out.consumed_capacity);
    response.metrics_by_table(out.item_collection_metrics)?;
    Ok(response.finish(request.flavor, &capture))
}

/// The `ClientRequestToken` of an attempt: 32 hex digits of the SHA-256 of its idempotency
/// key (DynamoDB takes at most 36 characters). A durable execution that resumes after a crash
/// repeats the attempt with the same key, so DynamoDB (which remembers tokens for 10 minutes)
/// does not apply the transaction twice; a Retry is a new attempt with a new key.
pub(super) fn request_token(idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let mut token = String::with_capacity(32);
    for byte in &digest[..16] {
        // Writing to a String cannot fail.
        let _ = write!(token, "{byte:02x}");
    }
    token
}

/// One of a table's `WriteRequest`s: `{"PutRequest": {"Item"}}` or
/// `{"DeleteRequest": {"Key"}}`.
fn write_request(value: Value, path: String) -> Result<WriteRequest, TaskError> {
    let mut o = Obj::new(value, BATCH, path)?;
    let put = o
        .take("PutRequest")
        .map(|v| {
            let mut r = Obj::new(v, BATCH, o.at("PutRequest"))?;
            let item = r.item("Item")?;
            let item = r.required("Item", item)?;
            r.finish()?;
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(built)
        })
        .transpose()?;
    let delete = o
        .take("DeleteRequest")
        .map(|v| {
            let mut r = Obj::new(v, BATCH, o.at("DeleteRequest"))?;
            let key = r.item("Key")?;
            let key = r.required("Key", key)?;
            r.finish()?;
            DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .map_err(built)
        })
        .transpose()?;
    o.finish()?;
    Ok(WriteRequest::builder()
        .set_put_request(put)
        .set_delete_request(delete)
        .build())
}

/// One of `TransactItems`: a `ConditionCheck`, `Put`, `Delete` or `Update`.
fn transact_item(value: Value, path: String) -> Result<TransactWriteItem, TaskError> {
    let mut o = Obj::new(value, TRANSACT, path)?;
    let check = o
        .take("ConditionCheck")
        .map(|v| condition_check(Obj::new(v, TRANSACT, o.at("ConditionCheck"))?))
        .transpose()?;
    let put = o
        .take("Put")
        .map(|v| put(Obj::new(v, TRANSACT, o.at("Put"))?))
        .transpose()?;
    let delete = o
        .take("Delete")
        .map(|v| delete(Obj::new(v, TRANSACT, o.at("Delete"))?))
        .transpose()?;
    let update = o
        .take("Update")
        .map(|v| update(Obj::new(v, TRANSACT, o.at("Update"))?))
        .transpose()?;
    o.finish()?;
    Ok(TransactWriteItem::builder()
        .set_condition_check(check)
        .set_put(put)
        .set_delete(delete)
        .set_update(update)
        .build())
}

fn condition_check(mut o: Obj) -> Result<ConditionCheck, TaskError> {
    let key = o.item("Key")?;
    let table = o.string("TableName")?;
    let condition = o.string("ConditionExpression")?;
    let built = ConditionCheck::builder()
        .set_key(Some(o.required("Key", key)?))
        .table_name(o.required("TableName", table)?)
        .condition_expression(o.required("ConditionExpression", condition)?)
        .set_expression_attribute_names(o.names("ExpressionAttributeNames")?)
        .set_expression_attribute_values(o.item("ExpressionAttributeValues")?)
        .set_return_values_on_condition_check_failure(
            o.enumeration("ReturnValuesOnConditionCheckFailure")?,
        )
        .build()
        .map_err(built)?;
    o.finish()?;
    Ok(built)
}

fn put(mut o: Obj) -> Result<Put, TaskError> {
    let item = o.item("Item")?;
    let table = o.string("TableName")?;
    let built = Put::builder()
        .set_item(Some(o.required("Item", item)?))
        .table_name(o.required("TableName", table)?)
        .set_condition_expression(o.string("ConditionExpression")?)
        .set_expression_attribute_names(o.names("ExpressionAttributeNames")?)
        .set_expression_attribute_values(o.item("ExpressionAttributeValues")?)
        .set_return_values_on_condition_check_failure(
            o.enumeration("ReturnValuesOnConditionCheckFailure")?,
        )
        .build()
        .map_err(built)?;
    o.finish()?;
    Ok(built)
}

fn delete(mut o: Obj) -> Result<Delete, TaskError> {
    let key = o.item("Key")?;
    let table = o.string("TableName")?;
    let built = Delete::builder()
        .set_key(Some(o.required("Key", key)?))
        .table_name(o.required("TableName", table)?)
        .set_condition_expression(o.string("ConditionExpression")?)
        .set_expression_attribute_names(o.names("ExpressionAttributeNames")?)
        .set_expression_attribute_values(o.item("ExpressionAttributeValues")?)
        .set_return_values_on_condition_check_failure(
            o.enumeration("ReturnValuesOnConditionCheckFailure")?,
        )
        .build()
        .map_err(built)?;
    o.finish()?;
    Ok(built)
}

fn update(mut o: Obj) -> Result<Update, TaskError> {
    let key = o.item("Key")?;
    let expression = o.string("UpdateExpression")?;
    let table = o.string("TableName")?;
    let built = Update::builder()
        .set_key(Some(o.required("Key", key)?))
        .update_expression(o.required("UpdateExpression", expression)?)
        .table_name(o.required("TableName", table)?)
        .set_condition_expression(o.string("ConditionExpression")?)
        .set_expression_attribute_names(o.names("ExpressionAttributeNames")?)
        .set_expression_attribute_values(o.item("ExpressionAttributeValues")?)
        .set_return_values_on_condition_check_failure(
            o.enumeration("ReturnValuesOnConditionCheckFailure")?,
        )
        .build()
        .map_err(built)?;
    o.finish()?;
    Ok(built)
}

/// An SDK type that would not build: its required members were checked before, so this names
/// what the SDK found missing.
fn built(e: aws_sdk_dynamodb::error::BuildError) -> TaskError {
    error::parameters(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::request_token;

    #[test]
    fn request_tokens_fit_dynamodb_and_follow_the_key() {
        let a = request_token("exec-1/Save#0.0");
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, request_token("exec-1/Save#0.0"));
        assert_ne!(a, request_token("exec-1/Save#0.1"));
        assert_ne!(a, request_token("exec-2/Save#0.0"));
    }
}
