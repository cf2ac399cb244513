//! Large payloads stored once per execution, not in every event that carries them.
//!
//! A state's output is the next state's input, a Task's parameters are often its state's input,
//! and a Map's input recurs in every iteration: written into each event, one large document
//! would be stored many times. An event's `input`, `output` and `parameters` (always JSON text
//! in history details) of at least [`SHARED_PAYLOAD_BYTES`] are stored once per execution under
//! their SHA-256 and referenced from the event as `{"$payload": "<hash>"}`. The reference is an
//! object where the event holds a string, so it cannot be mistaken for a payload.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::StoreError;

/// Payload texts of at least this many bytes are stored once per execution.
pub const SHARED_PAYLOAD_BYTES: usize = 512;

/// The details members that hold payloads.
const PAYLOAD_KEYS: [&str; 3] = ["input", "output", "parameters"];

/// The key of a reference to a shared payload.
const REFERENCE: &str = "$payload";

/// A payload to store once per execution: its hash and its text.
pub(crate) type Shared = (String, String);

/// An event's details as stored: JSON text with large payloads replaced by references, which
/// are added to `shared`.
pub(crate) fn share(details: &Value, shared: &mut Vec<Shared>) -> String {
    let large = |m: &Map<String, Value>, k: &str| matches!(m.get(k), Some(Value::String(s)) if s.len() >= SHARED_PAYLOAD_BYTES);
    let Value::Object(m) = details else {
        return details.to_string();
    };
    if !PAYLOAD_KEYS.iter().any(|k| large(m, k)) {
        return details.to_string();
    }
    let mut m = m.clone();
    for k in PAYLOAD_KEYS {
        if let Some(Value::String(text)) = m.get(k)
            && text.len() >= SHARED_PAYLOAD_BYTES
        {
            let hash = hash(text);
            shared.push((hash.clone(), text.clone()));
            m.insert(k.into(), serde_json::json!({ REFERENCE: hash }));
        }
    }
    Value::Object(m).to_string()
}

/// Whether stored details refer to shared payloads (cheap: a reference is the only place the
/// key appears unescaped).
pub(crate) fn refers(stored: &str) -> bool {
    stored.contains("\"$payload\"")
}

/// Puts the shared payloads back into stored details.
pub(crate) fn restore(
    details: &mut Value,
    payloads: &HashMap<String, String>,
) -> Result<(), StoreError> {
    let Value::Object(m) = details else {
        return Ok(());
    };
    for k in PAYLOAD_KEYS {
        let Some(Value::Object(r)) = m.get(k) else {
            continue;
        };
        let Some(Value::String(hash)) = r.get(REFERENCE) else {
            continue;
        };
        let text = payloads
            .get(hash)
            .ok_or_else(|| StoreError::corrupt(format!("missing shared payload {hash}")))?;
        m.insert(k.into(), Value::String(text.clone()));
    }
    Ok(())
}

fn hash(text: &str) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn large_payloads_are_shared_and_restored() {
        let big = format!("\"{}\"", "x".repeat(SHARED_PAYLOAD_BYTES));
        let details = json!({ "name": "A", "input": big, "inputDetails": {"truncated": false} });
        let mut shared = Vec::new();
        let stored = share(&details, &mut shared);
        assert!(refers(&stored));
        assert!(stored.len() < 200, "{stored}");
        assert_eq!(shared.len(), 1);
        let mut back: Value = serde_json::from_str(&stored).unwrap();
        restore(&mut back, &shared.into_iter().collect()).unwrap();
        assert_eq!(back, details);
    }

    #[test]
    fn small_payloads_and_lookalikes_stay_inline() {
        // A payload that mentions the reference key is text, escaped in the stored form.
        let details = json!({ "output": "{\"$payload\":\"abc\"}" });
        let mut shared = Vec::new();
        let stored = share(&details, &mut shared);
        assert!(shared.is_empty());
        assert!(!refers(&stored));
        let mut back: Value = serde_json::from_str(&stored).unwrap();
        restore(&mut back, &HashMap::new()).unwrap();
        assert_eq!(back, details);
    }

    #[test]
    fn a_missing_payload_is_an_error_not_a_silent_gap() {
        let mut d = json!({ "input": { "$payload": "00" } });
        assert!(restore(&mut d, &HashMap::new()).is_err());
    }
}
