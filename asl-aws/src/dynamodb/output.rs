//! Responses as Step Functions hands them to the state: the API's response members, PascalCase
//! as the DynamoDB API names them, absent members left out; optimized integrations add the SDK
//! response metadata.

use std::collections::HashMap;

use asl_runtime::TaskError;
use asl_runtime::integration::Flavor;
use aws_sdk_dynamodb::types::{
    Capacity, ConsumedCapacity, ItemCollectionMetrics, VectorCapacity, WriteRequest,
};
use serde_json::{Map, Value, json};

use super::value::{Item, item_to_json};
use crate::metadata::Capture;

/// A response being written.
#[derive(Default)]
pub(super) struct Response(Map<String, Value>);

impl Response {
    /// Member `key`, when the response has it.
    pub(super) fn set(&mut self, key: &str, value: Option<Value>) {
        if let Some(value) = value {
            self.0.insert(key.to_owned(), value);
        }
    }

    /// An item or key member (`Item`, `Attributes`, `LastEvaluatedKey`).
    pub(super) fn item(&mut self, key: &str, item: Option<Item>) -> Result<(), TaskError> {
        self.set(key, item.map(item_to_json).transpose()?);
        Ok(())
    }

    /// `Items` of `Query` and `Scan`.
    pub(super) fn items(&mut self, key: &str, items: Option<Vec<Item>>) -> Result<(), TaskError> {
        let items = items
            .map(|items| {
                items
                    .into_iter()
                    .map(item_to_json)
                    .collect::<Result<_, _>>()
            })
            .transpose()?;
        self.set(key, items.map(Value::Array));
        Ok(())
    }

    /// `ConsumedCapacity` of a single-table operation.
    pub(super) fn consumed(&mut self, consumed: Option<ConsumedCapacity>) {
        self.set("ConsumedCapacity", consumed.map(consumed_capacity));
    }

    /// `ConsumedCapacity` of a multi-table operation: one per table.
    pub(super) fn consumed_list(&mut self, consumed: Option<Vec<ConsumedCapacity>>) {
        self.set(
            "ConsumedCapacity",
            consumed.map(|c| Value::Array(c.into_iter().map(consumed_capacity).collect())),
        );
    }

    /// `ItemCollectionMetrics` of a single-item write.
    pub(super) fn metrics(
        &mut self,
        metrics: Option<ItemCollectionMetrics>,
    ) -> Result<(), TaskError> {
        self.set(
            "ItemCollectionMetrics",
            metrics.map(item_collection_metrics).transpose()?,
        );
        Ok(())
    }

    /// `ItemCollectionMetrics` of a multi-table write: per table, one per collection.
    pub(super) fn metrics_by_table(
        &mut self,
        metrics: Option<HashMap<String, Vec<ItemCollectionMetrics>>>,
    ) -> Result<(), TaskError> {
        let metrics = metrics
            .map(|tables| {
                by_name(tables, |list| {
                    list.into_iter()
                        .map(item_collection_metrics)
                        .collect::<Result<Vec<_>, _>>()
                        .map(Value::Array)
                })
            })
            .transpose()?;
        self.set("ItemCollectionMetrics", metrics);
        Ok(())
    }

    /// `UnprocessedItems` of `BatchWriteItem`: write requests per table.
    pub(super) fn unprocessed(
        &mut self,
        items: Option<HashMap<String, Vec<WriteRequest>>>,
    ) -> Result<(), TaskError> {
        let items = items
            .map(|tables| {
                by_name(tables, |list| {
                    list.into_iter()
                        .map(write_request)
                        .collect::<Result<Vec<_>, _>>()
                        .map(Value::Array)
                })
            })
            .transpose()?;
        self.set("UnprocessedItems", items);
        Ok(())
    }

    /// The state's result: with the response metadata `capture` saw for optimized
    /// integrations, as Step Functions adds it.
    pub(super) fn finish(self, flavor: Flavor, capture: &Capture) -> Value {
        let mut map = self.0;
        if flavor == Flavor::Optimized {
            capture.add_to(&mut map);
        }
        Value::Object(map)
    }
}

/// The members of a map keyed by table or index name, in name order (DynamoDB's maps have
/// none; a fixed one keeps outputs reproducible).
fn sorted<T>(map: HashMap<String, T>) -> Vec<(String, T)> {
    let mut members: Vec<_> = map.into_iter().collect();
    members.sort_by(|a, b| a.0.cmp(&b.0));
    members
}

/// A map keyed by table name as a JSON object.
fn by_name<T>(
    map: HashMap<String, T>,
    mut convert: impl FnMut(T) -> Result<Value, TaskError>,
) -> Result<Value, TaskError> {
    sorted(map)
        .into_iter()
        .map(|(name, value)| Ok((name, convert(value)?)))
        .collect::<Result<Map<_, _>, _>>()
        .map(Value::Object)
}

/// Members of an object from optional values, leaving out absent ones.
fn object<const N: usize>(members: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect(),
    )
}

fn consumed_capacity(c: ConsumedCapacity) -> Value {
    let indexes = |m: Option<HashMap<String, Capacity>>| {
        m.map(|m| {
            Value::Object(
                sorted(m)
                    .into_iter()
                    .map(|(k, c)| (k, capacity(c)))
                    .collect(),
            )
        })
    };
    let vectors = |m: Option<HashMap<String, VectorCapacity>>| {
        m.map(|m| {
            Value::Object(
                sorted(m)
                    .into_iter()
                    .map(|(k, c)| (k, vector_capacity(c)))
                    .collect(),
            )
        })
    };
    object([
        ("TableName", c.table_name.map(Value::String)),
        ("CapacityUnits", c.capacity_units.map(|u| json!(u))),
        ("ReadCapacityUnits", c.read_capacity_units.map(|u| json!(u))),
        (
            "WriteCapacityUnits",
            c.write_capacity_units.map(|u| json!(u)),
        ),
        ("Table", c.table.map(capacity)),
        ("LocalSecondaryIndexes", indexes(c.local_secondary_indexes)),
        (
            "GlobalSecondaryIndexes",
            indexes(c.global_secondary_indexes),
        ),
        ("VectorIndexes", vectors(c.vector_indexes)),
    ])
}

fn capacity(c: Capacity) -> Value {
    object([
        ("ReadCapacityUnits", c.read_capacity_units.map(|u| json!(u))),
        (
            "WriteCapacityUnits",
            c.write_capacity_units.map(|u| json!(u)),
        ),
        ("CapacityUnits", c.capacity_units.map(|u| json!(u))),
    ])
}

fn vector_capacity(c: VectorCapacity) -> Value {
    object([
        (
            "VectorSearchRequestBytes",
            c.vector_search_request_bytes.map(|u| json!(u)),
        ),
        (
            "VectorWriteRequestBytes",
            c.vector_write_request_bytes.map(|u| json!(u)),
        ),
    ])
}

fn item_collection_metrics(m: ItemCollectionMetrics) -> Result<Value, TaskError> {
    Ok(object([
        (
            "ItemCollectionKey",
            m.item_collection_key.map(item_to_json).transpose()?,
        ),
        (
            "SizeEstimateRangeGB",
            m.size_estimate_range_gb.map(|r| json!(r)),
        ),
    ]))
}

fn write_request(w: WriteRequest) -> Result<Value, TaskError> {
    Ok(object([
        (
            "PutRequest",
            w.put_request
                .map(|p| item_to_json(p.item).map(|i| json!({ "Item": i })))
                .transpose()?,
        ),
        (
            "DeleteRequest",
            w.delete_request
                .map(|d| item_to_json(d.key).map(|k| json!({ "Key": k })))
                .transpose()?,
        ),
    ]))
}
