//! What a [`Trace`](super::Trace) reads from a history event, whichever history it comes
//! from: the in-memory [`Event`]s of [`Recorded::history`](crate::Recorded::history), the
//! durable engine's [`HistoryEvent`]s, or AWS's GetExecutionHistory JSON.

use serde_json::Value;

use crate::Event;
use crate::durable::HistoryEvent;

/// One event of an execution's history, as a [`Trace`](super::Trace) reads it.
///
/// Implemented for the in-memory [`Event`], the durable engine's [`HistoryEvent`] and
/// [`Value`] (an event of AWS's GetExecutionHistory response:
/// `{"id", "previousEventId", "type", "<…>EventDetails"}`).
pub trait HistoryRecord {
    /// Its id (sequential from 1).
    fn event_id(&self) -> u64;
    /// The event it follows, as AWS links them (`previousEventId`; 0 for none).
    fn previous_id(&self) -> u64;
    /// Its type: `TaskStateEntered`, `TaskFailed`, …
    fn event_type(&self) -> &str;
    /// The state it is about, when the history names it on every event (this engine's
    /// histories do; AWS names the state in the details of entries and exits only).
    fn state_name(&self) -> Option<&str>;
    /// The members of its `…EventDetails` (`name`, `input`, `output`, `error`, `cause`, …).
    fn event_details(&self) -> Option<&Value>;
}

impl HistoryRecord for Event {
    fn event_id(&self) -> u64 {
        self.id
    }
    fn previous_id(&self) -> u64 {
        self.previous_event_id
    }
    fn event_type(&self) -> &str {
        self.kind
    }
    fn state_name(&self) -> Option<&str> {
        self.state
    }
    fn event_details(&self) -> Option<&Value> {
        self.details.as_ref()
    }
}

impl HistoryRecord for HistoryEvent {
    fn event_id(&self) -> u64 {
        self.id
    }
    fn previous_id(&self) -> u64 {
        self.previous_event_id
    }
    fn event_type(&self) -> &str {
        &self.kind
    }
    fn state_name(&self) -> Option<&str> {
        self.state.as_deref()
    }
    fn event_details(&self) -> Option<&Value> {
        self.details.as_ref()
    }
}

/// An event of AWS's GetExecutionHistory response (`events[i]`). A value that is not such an
/// event reads as an event of no type, which a trace skips.
impl HistoryRecord for Value {
    fn event_id(&self) -> u64 {
        self.get("id").and_then(Value::as_u64).unwrap_or(0)
    }
    fn previous_id(&self) -> u64 {
        self.get("previousEventId")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }
    fn event_type(&self) -> &str {
        self.get("type").and_then(Value::as_str).unwrap_or("")
    }
    fn state_name(&self) -> Option<&str> {
        None
    }
    fn event_details(&self) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k.ends_with("EventDetails"))
            .map(|(_, d)| d)
    }
}

/// A text member of an event's details.
pub(super) fn text(event: &impl HistoryRecord, key: &str) -> Option<String> {
    event
        .event_details()
        .and_then(|d| d.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// An error or cause of an event's details: text, or JSON text of a value already decoded (as
/// some tools store AWS's histories).
pub(super) fn message(event: &impl HistoryRecord, key: &str) -> Option<String> {
    match event.event_details()?.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A payload member of an event's details, decoded: histories hold payloads as JSON text. A
/// payload already decoded (as some tools store histories) is taken as it is, and text that
/// is not JSON stays text.
pub(super) fn payload(event: &impl HistoryRecord, key: &str) -> Option<Value> {
    match event.event_details()?.get(key)? {
        Value::String(s) => Some(serde_json::from_str(s).unwrap_or_else(|_| s.clone().into())),
        other => Some(other.clone()),
    }
}
