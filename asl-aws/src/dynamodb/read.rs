//! `Query` and `Scan`: one page each, as Step Functions calls them (the state paginates itself
//! with `ExclusiveStartKey` from the previous `LastEvaluatedKey`).

use asl_runtime::{TaskError, Value};
use serde_json::json;

use super::NAMES;
use super::legacy;
use super::output::Response;
use super::value::{Item, enumeration, item_member};
use crate::call::Request;
use crate::error;
use crate::metadata::Capture;
use crate::params::Params;

/// `Query`: `Items`, `Count`, `ScannedCount`, and `LastEvaluatedKey` when there is more.
pub(super) async fn query(request: Request) -> Result<Value, TaskError> {
    const API: &str = "dynamodb:query";
    let mut p = Params::new(request.parameters, API)?;
    let call = request
        .clients
        .dynamodb()
        .query()
        .set_table_name(p.string("TableName")?)
        .set_index_name(p.string("IndexName")?)
        .set_select(enumeration(&mut p, "Select")?)
        .set_attributes_to_get(p.strings("AttributesToGet")?)
        .set_limit(p.int("Limit")?)
        .set_consistent_read(p.bool("ConsistentRead")?)
        .set_key_conditions(legacy::conditions(&mut p, "KeyConditions", API)?)
        .set_query_filter(legacy::conditions(&mut p, "QueryFilter", API)?)
        .set_conditional_operator(enumeration(&mut p, "ConditionalOperator")?)
        .set_scan_index_forward(p.bool("ScanIndexForward")?)
        .set_exclusive_start_key(item_member(&mut p, "ExclusiveStartKey", API)?)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_projection_expression(p.string("ProjectionExpression")?)
        .set_filter_expression(p.string("FilterExpression")?)
        .set_key_condition_expression(p.string("KeyConditionExpression")?)
        .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
        .set_expression_attribute_values(item_member(&mut p, "ExpressionAttributeValues", API)?);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let page = Page {
        items: out.items,
        count: out.count,
        scanned_count: out.scanned_count,
        last_evaluated_key: out.last_evaluated_key,
    };
    let mut response = page.response()?;
    response.consumed(out.consumed_capacity);
    Ok(response.finish(request.flavor, &capture))
}

/// `Scan`: `Items`, `Count`, `ScannedCount`, and `LastEvaluatedKey` when there is more.
pub(super) async fn scan(request: Request) -> Result<Value, TaskError> {
    const API: &str = "dynamodb:scan";
    let mut p = Params::new(request.parameters, API)?;
    let call = request
        .clients
        .dynamodb()
        .scan()
        .set_table_name(p.string("TableName")?)
        .set_index_name(p.string("IndexName")?)
        .set_attributes_to_get(p.strings("AttributesToGet")?)
        .set_limit(p.int("Limit")?)
        .set_select(enumeration(&mut p, "Select")?)
        .set_scan_filter(legacy::conditions(&mut p, "ScanFilter", API)?)
        .set_conditional_operator(enumeration(&mut p, "ConditionalOperator")?)
        .set_exclusive_start_key(item_member(&mut p, "ExclusiveStartKey", API)?)
        .set_return_consumed_capacity(enumeration(&mut p, "ReturnConsumedCapacity")?)
        .set_total_segments(p.int("TotalSegments")?)
        .set_segment(p.int("Segment")?)
        .set_projection_expression(p.string("ProjectionExpression")?)
        .set_filter_expression(p.string("FilterExpression")?)
        .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
        .set_expression_attribute_values(item_member(&mut p, "ExpressionAttributeValues", API)?)
        .set_consistent_read(p.bool("ConsistentRead")?);
    p.finish()?;
    let capture = Capture::default();
    let out = call
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let page = Page {
        items: out.items,
        count: out.count,
        scanned_count: out.scanned_count,
        last_evaluated_key: out.last_evaluated_key,
    };
    let mut response = page.response()?;
    response.consumed(out.consumed_capacity);
    Ok(response.finish(request.flavor, &capture))
}

/// What `Query` and `Scan` answer alike.
struct Page {
    items: Option<Vec<Item>>,
    count: i32,
    scanned_count: i32,
    last_evaluated_key: Option<Item>,
}

impl Page {
    fn response(self) -> Result<Response, TaskError> {
        let mut response = Response::default();
        response.items("Items", self.items)?;
        // DynamoDB always answers both counts (the SDK reads an absent one as 0).
        response.set("Count", Some(json!(self.count)));
        response.set("ScannedCount", Some(json!(self.scanned_count)));
        response.item("LastEvaluatedKey", self.last_evaluated_key)?;
        Ok(response)
    }
}
