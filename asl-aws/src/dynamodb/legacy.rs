//! DynamoDB's legacy conditional parameters, which the API still takes and which map one to
//! one onto the SDK's types: `Expected` (put, update, delete), `AttributeUpdates` (update),
//! `KeyConditions`, `QueryFilter` and `ScanFilter` (query, scan).

use std::collections::HashMap;

use asl_runtime::TaskError;
use aws_sdk_dynamodb::types::{AttributeValueUpdate, Condition, ExpectedAttributeValue};

use super::value::{Obj, entries};
use crate::params::Params;

/// `Expected`: per attribute, the condition a write requires.
pub(super) fn expected(
    p: &mut Params,
    api: &'static str,
) -> Result<Option<HashMap<String, ExpectedAttributeValue>>, TaskError> {
    let Some(value) = p.take("Expected") else {
        return Ok(None);
    };
    entries(value, api, "Expected", |v, path| {
        let mut o = Obj::new(v, api, path)?;
        let built = ExpectedAttributeValue::builder()
            .set_value(o.attribute("Value")?)
            .set_exists(o.bool("Exists")?)
            .set_comparison_operator(o.enumeration("ComparisonOperator")?)
            .set_attribute_value_list(o.list("AttributeValueList")?)
            .build();
        o.finish()?;
        Ok(built)
    })
    .map(Some)
}

/// `AttributeUpdates`: per attribute, the value and what to do with it.
pub(super) fn attribute_updates(
    p: &mut Params,
    api: &'static str,
) -> Result<Option<HashMap<String, AttributeValueUpdate>>, TaskError> {
    let Some(value) = p.take("AttributeUpdates") else {
        return Ok(None);
    };
    entries(value, api, "AttributeUpdates", |v, path| {
        let mut o = Obj::new(v, api, path)?;
        let built = AttributeValueUpdate::builder()
            .set_value(o.attribute("Value")?)
            .set_action(o.enumeration("Action")?)
            .build();
        o.finish()?;
        Ok(built)
    })
    .map(Some)
}

/// `KeyConditions`, `QueryFilter` or `ScanFilter` (member `key`): per attribute, a comparison.
pub(super) fn conditions(
    p: &mut Params,
    key: &'static str,
    api: &'static str,
) -> Result<Option<HashMap<String, Condition>>, TaskError> {
    let Some(value) = p.take(key) else {
        return Ok(None);
    };
    entries(value, api, key, |v, path| {
        let mut o = Obj::new(v, api, path)?;
        let operator = o.enumeration("ComparisonOperator")?;
        let operator = o.required("ComparisonOperator", operator)?;
        let built = Condition::builder()
            .set_attribute_value_list(o.list("AttributeValueList")?)
            .comparison_operator(operator)
            .build()
            .map_err(|e| crate::error::parameters(e.to_string()))?;
        o.finish()?;
        Ok(built)
    })
    .map(Some)
}
