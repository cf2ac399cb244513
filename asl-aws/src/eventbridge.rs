//! Amazon EventBridge `PutEvents` (`arn:aws:states:::events:putEvents`, also
//! `.waitForTaskToken`), as Step Functions' optimized integration calls it (TASK-2, TASK-3).
//!
//! The parameters are the API's members: `Entries` (`[{Source, DetailType, Detail,
//! EventBusName, Resources, Time, TraceHeader}]`, `Time` an ISO 8601 date-time such as
//! `2024-05-01T12:00:00Z`) and `EndpointId`; any other member is an error. A `Detail` given
//! as JSON rather than a string is sent as its JSON text, as Step Functions sends it; entries
//! are otherwise passed as written, so EventBridge itself judges them (an entry without
//! `Source` is EventBridge's `InvalidArgument`, as recorded on AWS).
//!
//! The result is `{"Entries": [{"EventId": …}], "FailedEntryCount": 0}` with
//! `SdkHttpMetadata`/`SdkResponseMetadata`. When EventBridge rejected some entries (it answers
//! 200 with per-entry errors), the state fails as Step Functions fails it: error
//! `EventBridge.FailedEntry`, cause the JSON text of `Entries` (every entry, the accepted ones
//! with their `EventId`, the others with `ErrorCode`/`ErrorMessage`) and `FailedEntryCount`;
//! the accepted events have been put. Errors of the call itself are named as Step Functions
//! names them (`EventBridge.AmazonEventBridgeException` for one the API does not model).
//!
//! `.waitForTaskToken` puts the same events (the definition puts `$$.Task.Token` in a
//! `Detail`); the durable engine then waits for `send_task_success`/`send_task_failure`.
//!
//! Tasks run at least once: a durable execution that crashed after putting the events but
//! before recording the result puts them again when it resumes, as Step Functions may; rules'
//! targets should be idempotent.

use asl_runtime::integration::Flavor;
use asl_runtime::{TaskError, Value};
use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::{Map, json};

use crate::call::Request;
use crate::error::{self, Names};
use crate::metadata::Capture;
use crate::params::Params;

/// How Step Functions names EventBridge in errors.
pub(crate) const NAMES: Names = Names {
    optimized: "EventBridge",
    v1_service: "AmazonEventBridge",
    v1_exception: "AmazonEventBridgeException",
    sdk: "EventBridge",
};

const API: &str = "events:putEvents";
const ENTRY: &str = "events:putEvents Entries";

/// Puts the events the state's parameters describe.
pub(crate) async fn call(request: Request) -> Result<Value, TaskError> {
    let mut p = Params::new(request.parameters, API)?;
    let entries = p.array("Entries")?;
    let endpoint = p.string("EndpointId")?;
    p.finish()?;
    // Absent `Entries` stay absent: EventBridge answers that they are required.
    let entries = entries
        .map(|list| list.into_iter().map(entry).collect::<Result<Vec<_>, _>>())
        .transpose()?;

    let capture = Capture::default();
    let output = request
        .clients
        .eventbridge()
        .put_events()
        .set_entries(entries)
        .set_endpoint_id(endpoint)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| error::sdk_error(&NAMES, request.flavor, e))?;
    let mut response = response(&output);
    if output.failed_entry_count() > 0 {
        return Err(TaskError::new(
            "EventBridge.FailedEntry",
            Value::Object(response).to_string(),
        ));
    }
    if request.flavor == Flavor::Optimized {
        capture.add_to(&mut response);
    }
    Ok(Value::Object(response))
}

/// One `Entries` item.
fn entry(value: Value) -> Result<PutEventsRequestEntry, TaskError> {
    let mut p = Params::new(value, ENTRY)?;
    let source = p.string("Source")?;
    let detail_type = p.string("DetailType")?;
    let detail = p.text("Detail");
    let bus = p.string("EventBusName")?;
    let resources = p.strings("Resources")?;
    let time = p.string("Time")?;
    let trace = p.string("TraceHeader")?;
    p.finish()?;
    let time = time
        .map(|t| {
            DateTime::from_str(&t, Format::DateTime).map_err(|e| {
                error::parameters(format!(
                    "The field 'Time' of {ENTRY} must be an ISO 8601 date-time \
                     (2024-05-01T12:00:00Z), not '{t}': {e}"
                ))
            })
        })
        .transpose()?;
    Ok(PutEventsRequestEntry::builder()
        .set_source(source)
        .set_detail_type(detail_type)
        .set_detail(detail)
        .set_event_bus_name(bus)
        .set_resources(resources)
        .set_time(time)
        .set_trace_header(trace)
        .build())
}

/// PutEvents' answer as Step Functions reports it, in success and in `EventBridge.FailedEntry`
/// causes: each entry's members that EventBridge sent.
fn response(output: &PutEventsOutput) -> Map<String, Value> {
    let entries = output
        .entries()
        .iter()
        .map(|e| {
            let mut m = Map::new();
            let mut put = |key: &str, v: Option<&str>| {
                if let Some(v) = v {
                    m.insert(key.into(), Value::String(v.to_owned()));
                }
            };
            put("EventId", e.event_id());
            put("ErrorCode", e.error_code());
            put("ErrorMessage", e.error_message());
            Value::Object(m)
        })
        .collect::<Vec<_>>();
    let mut m = Map::new();
    m.insert("Entries".into(), Value::Array(entries));
    m.insert(
        "FailedEntryCount".into(),
        json!(output.failed_entry_count()),
    );
    m
}
