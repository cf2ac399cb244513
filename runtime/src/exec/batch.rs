//! `ItemBatcher` (MAP-22): a Map's selected items grouped into batch inputs as they come.

use futures_util::stream::{self, BoxStream, StreamExt as _};
use serde_json::{Map, Value};

use super::map::{BatchInput, Batcher, resolve_count};
use super::{MAX_PAYLOAD_BYTES, StateRun, json_len};
use crate::error::Failure;
use crate::jsonata;
use crate::lang::template;

/// Groups selected items into batch inputs (MAP-22) as they come: at most
/// `MaxItemsPerBatch` items and `MaxInputBytesPerBatch` bytes each.
pub(super) fn batches<'a>(
    run: &StateRun,
    effective: &Value,
    b: &Batcher,
    items: BoxStream<'a, Result<Value, Failure>>,
) -> Result<BoxStream<'a, Result<Value, Failure>>, Failure> {
    let max_items = resolve_count(run, effective, b.max_items, "MaxItemsPerBatchPath", true)?
        .map(|n| n.max(1.0) as usize);
    let max_bytes = resolve_count(
        run,
        effective,
        b.max_bytes,
        "MaxInputBytesPerBatchPath",
        true,
    )?
    .map(|n| (n.max(1.0) as usize).min(MAX_PAYLOAD_BYTES));
    let batch_input = match b.batch_input {
        None => None,
        Some(BatchInput::Template(t)) => Some(template::eval(t, &run.roots(effective))?),
        Some(BatchInput::Jsonata(t)) => {
            Some(jsonata::template(t, &run.scope(effective), "BatchInput")?)
        }
    };
    let overhead = batch_input
        .as_ref()
        .map_or(0, |v| json_len(v, usize::MAX) + 14)
        + 12;
    let wrap = move |items: Vec<Value>| {
        let mut m = Map::new();
        if let Some(bi) = &batch_input {
            m.insert("BatchInput".into(), bi.clone());
        }
        m.insert("Items".into(), Value::Array(items));
        Value::Object(m)
    };
    struct Batching<'a> {
        items: BoxStream<'a, Result<Value, Failure>>,
        current: Vec<Value>,
        bytes: usize,
        done: bool,
    }
    let state = Batching {
        items,
        current: Vec::new(),
        bytes: overhead,
        done: false,
    };
    Ok(stream::unfold(state, move |mut st| {
        let wrap = wrap.clone();
        async move {
            if st.done {
                return None;
            }
            while let Some(item) = st.items.next().await {
                let item = match item {
                    Ok(v) => v,
                    Err(f) => {
                        st.done = true;
                        return Some((Err(f), st));
                    }
                };
                let len = json_len(&item, usize::MAX) + 1;
                let full_items = max_items.is_some_and(|m| st.current.len() >= m);
                let full_bytes =
                    max_bytes.is_some_and(|m| !st.current.is_empty() && st.bytes + len > m);
                if full_items || full_bytes {
                    let batch = std::mem::take(&mut st.current);
                    st.bytes = overhead + len;
                    st.current.push(item);
                    return Some((Ok(wrap(batch)), st));
                }
                st.bytes += len;
                st.current.push(item);
            }
            st.done = true;
            if st.current.is_empty() {
                None
            } else {
                let batch = std::mem::take(&mut st.current);
                Some((Ok(wrap(batch)), st))
            }
        }
    })
    .boxed())
}
