//! The single-item APIs — `GetItem`, `PutItem`, `UpdateItem`, `DeleteItem` — in both flavors
//! (`arn:aws:states:::dynamodb:putItem` and `arn:aws:states:::aws-sdk:dynamodb:putItem`).

use asl_runtime::{TaskError, Value};

use super::NAMES;
use super::legacy;
use super::output::Response;
use super::value::{enumeration, item_member};
use crate::call::Request;
use crate::error;
use crate::metadata::Capture;
use crate::params::Params;

/// `GetItem`: `{"Item": …}` when the item exists, `{}` when not.
pub(super) async fn get(request: Request) -> Result<Value, TaskError> {
    const API: &str = "dynamodb:getItem";
    let mut p = Params::new(request.parameters, API)?;
    let call = request
        .clients
        .dynamodb()
        .get_item()
        .set_table_name(p.string("TableName")?)
        .set_key(item_member(&mut p, "Key", API)?)
        .set_attributes_to_get(p.strings("AttributesToGet")?)
        .set_consistent_read(p.bool("ConsistentRead")?)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_projection_expression(p.string("ProjectionExpression")?)
        .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let mut response = Response::default();
    response.item("Item", out.item)?;
    response.consumed(out.consumed_capacity);
    Ok(response.finish(request.flavor, &capture))
}

/// `PutItem`: `{}`, or the old item's `Attributes` with `ReturnValues: ALL_OLD`.
pub(super) async fn put(request: Request) -> Result<Value, TaskError> {
    const API: &str = "dynamodb:putItem";
    let mut p = Params::new(request.parameters, API)?;
    let call = request
        .clients
        .dynamodb()
        .put_item()
        .set_table_name(p.string("TableName")?)
        .set_item(item_member(&mut p, "Item", API)?)
        .set_expected(legacy::expected(&mut p, API)?)
        .set_return_values(enumeration(&mut p, "ReturnValues")?)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_return_item_collection_metrics(enumeration(&mut p, "ReturnItemCollectionMetrics")?)
        .set_conditional_operator(enumeration(&mut p, "ConditionalOperator")?)
        .set_condition_expression(p.string("ConditionExpression")?)
        .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
        .set_expression_attribute_values(item_member(&mut p, "ExpressionAttributeValues", API)?)
        .set_return_values_on_condition_check_failure(enumeration(
            &mut p,
            "ReturnValuesOnConditionCheckFailure",
        )?);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let mut response = Response::default();
    response.item("Attributes", out.attributes)?;
    response.consumed(out.consumed_capacity);
    response.metrics(out.item_collection_metrics)?;
    Ok(response.finish(request.flavor, &capture))
}

/// `UpdateItem`: `{}`, or the `Attributes` its `ReturnValues` asks for.
pub(super) async fn update(request: Request) -> Result<Value, TaskError> {
    const API: &str = "dynamodb:updateItem";
    let mut p = Params::new(request.parameters, API)?;
    let call = request
        .clients
        .dynamodb()
        .update_item()
        .set_table_name(p.string("TableName")?)
        .set_key(item_member(&mut p, "Key", API)?)
        .set_attribute_updates(legacy::attribute_updates(&mut p, API)?)
        .set_expected(legacy::expected(&mut p, API)?)
        .set_conditional_operator(enumeration(&mut p, "ConditionalOperator")?)
        .set_return_values(enumeration(&mut p, "ReturnValues")?)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_return_item_collection_metrics(enumeration(&mut p, "ReturnItemCollectionMetrics")?)
        .set_update_expression(p.string("UpdateExpression")?)
        .set_condition_expression(p.string("ConditionExpression")?)
        .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
        .set_expression_attribute_values(item_member(&mut p, "ExpressionAttributeValues", API)?)
        .set_return_values_on_condition_check_failure(enumeration(
            &mut p,
            "ReturnValuesOnConditionCheckFailure",
        )?);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let mut response = Response::default();
    response.item("Attributes", out.attributes)?;
    response.consumed(out.consumed_capacity);
    response.metrics(out.item_collection_metrics)?;
    Ok(response.finish(request.flavor, &capture))
}

/// `DeleteItem`: `{}`, or the deleted item's `Attributes` with `ReturnValues: ALL_OLD`.
pub(super) async fn delete(request: Request) -> Result<Value, TaskError> {
    const API: &str = "dynamodb:deleteItem";
    let mut p = Params::new(request.parameters, API)?;
    let call = request
        .clients
        .dynamodb()
        .delete_item()
        .set_table_name(p.string("TableName")?)
        .set_key(item_member(&mut p, "Key", API)?)
        .set_expected(legacy::expected(&mut p, API)?)
        .set_conditional_operator(enumeration(&mut p, "ConditionalOperator")?)
        .set_return_values(enumeration(&mut p, "ReturnValues")?)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_return_item_collection_metrics(enumeration(&mut p, "ReturnItemCollectionMetrics")?)
        .set_condition_expression(p.string("ConditionExpression")?)
        .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
        .set_expression_attribute_values(item_member(&mut p, "ExpressionAttributeValues", API)?)
        .set_return_values_on_condition_check_failure(enumeration(
            &mut p,
            "ReturnValuesOnConditionCheckFailure",
        )?);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let mut response = Response::default();
    response.item("Attributes", out.attributes)?;
    response.consumed(out.consumed_capacity);
    response.metrics(out.item_collection_metrics)?;
    Ok(response.finish(request.flavor, &capture))
}
