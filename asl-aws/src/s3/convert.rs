//! JSON ⇄ S3 SDK values: the parameters' S3 types (enums, timestamps, metadata) and responses
//! as Step Functions writes them (members sorted by name, timestamps ISO-8601).

use std::collections::{BTreeMap, HashMap};

use asl_runtime::TaskError;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use chrono::SecondsFormat;
use serde_json::{Map, Value};

use crate::error;
use crate::params::{Params, kind};

/// The parameters of one S3 call, read in the types the SDK takes.
pub(super) struct Input {
    params: Params,
    api: &'static str,
}

impl Input {
    /// `value` as the parameters of `api` (`s3:getObject`).
    pub(super) fn new(value: Value, api: &'static str) -> Result<Input, TaskError> {
        Ok(Input {
            params: Params::new(value, api)?,
            api,
        })
    }

    /// The member as it was given (`Body` takes any JSON).
    pub(super) fn take(&mut self, key: &str) -> Option<Value> {
        self.params.take(key)
    }

    pub(super) fn string(&mut self, key: &str) -> Result<Option<String>, TaskError> {
        self.params.string(key)
    }

    /// A member the API requires (`Bucket`, `Key`): an error when absent, rather than the
    /// SDK's construction failure.
    pub(super) fn required(&mut self, key: &str) -> Result<Option<String>, TaskError> {
        match self.params.string(key)? {
            Some(s) => Ok(Some(s)),
            None => Err(error::parameters(format!(
                "The field '{key}' is required by {}",
                self.api
            ))),
        }
    }

    pub(super) fn int(&mut self, key: &str) -> Result<Option<i32>, TaskError> {
        self.params.int(key)
    }

    pub(super) fn long(&mut self, key: &str) -> Result<Option<i64>, TaskError> {
        self.params.long(key)
    }

    pub(super) fn bool(&mut self, key: &str) -> Result<Option<bool>, TaskError> {
        self.params.bool(key)
    }

    /// `Metadata`: names to strings.
    pub(super) fn string_map(
        &mut self,
        key: &str,
    ) -> Result<Option<HashMap<String, String>>, TaskError> {
        self.params.string_map(key)
    }

    /// An enum member (`StorageClass`, `ACL`…). Values the SDK does not know are sent as
    /// given, as the Java SDK Step Functions uses does: S3 judges them.
    pub(super) fn enumerated<T: for<'a> From<&'a str>>(
        &mut self,
        key: &str,
    ) -> Result<Option<T>, TaskError> {
        Ok(self.params.string(key)?.map(|s| T::from(s.as_str())))
    }

    /// A list of enum values (`OptionalObjectAttributes`).
    pub(super) fn enumerated_list<T: for<'a> From<&'a str>>(
        &mut self,
        key: &str,
    ) -> Result<Option<Vec<T>>, TaskError> {
        Ok(self
            .params
            .strings(key)?
            .map(|v| v.iter().map(|s| T::from(s.as_str())).collect()))
    }

    /// A timestamp member (`IfModifiedSince`, `Expires`…): an ISO-8601 date-time string, or a
    /// number of seconds since the epoch.
    pub(super) fn time(&mut self, key: &str) -> Result<Option<DateTime>, TaskError> {
        let Some(v) = self.params.take(key) else {
            return Ok(None);
        };
        let parsed = match &v {
            Value::String(s) => DateTime::from_str(s, Format::DateTime).ok(),
            Value::Number(n) => n.as_f64().map(DateTime::from_secs_f64),
            _ => None,
        };
        match parsed {
            Some(t) => Ok(Some(t)),
            None => Err(error::parameters(format!(
                "The field '{key}' of {} must be an ISO-8601 timestamp \
                 (2024-01-31T12:00:00Z) or seconds since the epoch, not {}",
                self.api,
                match &v {
                    Value::String(s) => format!("'{s}'"),
                    other => kind(other).to_owned(),
                }
            ))),
        }
    }

    /// Fails on members the API does not have (or this crate does not map).
    pub(super) fn finish(self) -> Result<(), TaskError> {
        self.params.finish()
    }
}

/// A response under construction: members sorted by name, as Step Functions writes them;
/// absent members left out.
#[derive(Default)]
pub(super) struct Out(BTreeMap<&'static str, Value>);

impl Out {
    pub(super) fn str(&mut self, key: &'static str, v: Option<&str>) {
        if let Some(v) = v {
            self.0.insert(key, Value::String(v.to_owned()));
        }
    }

    pub(super) fn int(&mut self, key: &'static str, v: Option<impl Into<i64>>) {
        if let Some(v) = v {
            self.0.insert(key, Value::from(v.into()));
        }
    }

    pub(super) fn bool(&mut self, key: &'static str, v: Option<bool>) {
        if let Some(v) = v {
            self.0.insert(key, Value::Bool(v));
        }
    }

    pub(super) fn time(&mut self, key: &'static str, v: Option<&DateTime>) {
        if let Some(t) = v.and_then(iso) {
            self.0.insert(key, Value::String(t));
        }
    }

    /// A string map (`Metadata`), keys sorted; `{}` when absent, as the Java SDK reads a
    /// header-prefix map (GetObject and HeadObject always return `Metadata`).
    pub(super) fn map(&mut self, key: &'static str, v: Option<&HashMap<String, String>>) {
        let sorted: BTreeMap<&String, &String> = v.into_iter().flatten().collect();
        let m: Map<String, Value> = sorted
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.0.insert(key, Value::Object(m));
    }

    /// A member already converted (a nested structure, a list); empty lists are left out,
    /// as S3 sends no element for them.
    pub(super) fn value(&mut self, key: &'static str, v: Value) {
        if !matches!(&v, Value::Array(a) if a.is_empty()) {
            self.0.insert(key, v);
        }
    }

    pub(super) fn into_map(self) -> Map<String, Value> {
        self.0.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    pub(super) fn into_value(self) -> Value {
        Value::Object(self.into_map())
    }
}

/// The checksum members of an output (`ChecksumCRC32`, …, `ChecksumType`), which several
/// S3 outputs share under the same accessor names.
macro_rules! checksums {
    ($out:expr, $o:expr) => {{
        $out.str("ChecksumCRC32", $o.checksum_crc32());
        $out.str("ChecksumCRC32C", $o.checksum_crc32_c());
        $out.str("ChecksumCRC64NVME", $o.checksum_crc64_nvme());
        $out.str("ChecksumSHA1", $o.checksum_sha1());
        $out.str("ChecksumSHA256", $o.checksum_sha256());
        $out.str("ChecksumSHA512", $o.checksum_sha512());
        $out.str("ChecksumMD5", $o.checksum_md5());
        $out.str("ChecksumXXHASH64", $o.checksum_xxhash64());
        $out.str("ChecksumXXHASH3", $o.checksum_xxhash3());
        $out.str("ChecksumXXHASH128", $o.checksum_xxhash128());
        $out.str("ChecksumType", $o.checksum_type().map(|t| t.as_str()));
    }};
}
pub(super) use checksums;

/// A timestamp as Step Functions writes one (Java's `Instant.toString()`): UTC, `Z`, the
/// fraction of a second only when non-zero, in groups of three digits
/// (`2025-11-06T12:22:00Z`, `2025-11-06T12:22:00.120Z`).
pub(super) fn iso(t: &DateTime) -> Option<String> {
    match chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()) {
        Some(d) => Some(d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        None => t.fmt(Format::DateTime).ok(),
    }
}

/// An object's content as Step Functions returns `Body`: its bytes read as UTF-8, each
/// invalid sequence replaced by U+FFFD (what Java's `new String(bytes, UTF_8)` does).
pub(super) fn text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_as_java_instants() {
        let t = |s, n| iso(&DateTime::from_secs_and_nanos(s, n));
        assert_eq!(t(1_762_431_720, 0).as_deref(), Some("2025-11-06T12:22:00Z"));
        assert_eq!(
            t(1_762_431_720, 120_000_000).as_deref(),
            Some("2025-11-06T12:22:00.120Z")
        );
        assert_eq!(
            t(1_762_431_720, 1_000).as_deref(),
            Some("2025-11-06T12:22:00.000001Z")
        );
    }

    #[test]
    fn bodies_as_text() {
        assert_eq!(text(b"text data".to_vec()), "text data");
        assert_eq!(text(vec![b'a', 0xff, b'b']), "a\u{fffd}b");
    }

    #[test]
    fn members_sorted_and_absent_ones_left_out() {
        let mut out = Out::default();
        out.str("ETag", Some("\"x\""));
        out.int("ContentLength", Some(3_i64));
        out.str("VersionId", None);
        out.map("Metadata", None);
        out.value("Contents", Value::Array(vec![]));
        let v = out.into_value();
        assert_eq!(
            serde_json::to_string(&v).ok().as_deref(),
            Some(r#"{"ContentLength":3,"ETag":"\"x\"","Metadata":{}}"#)
        );
    }
}
